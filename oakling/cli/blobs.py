"""`--blob NAME=PATH`: the oakling blob to load wherever the program loads a blob file named NAME.

The run passes the substitutions to the program as OAKLING_BLOBS (models/substitution.py), which
setBlobPath, setBlob and dai.OpenVINO.Blob read. Each PATH is checked now, so a wrong one is a
usage error before the program starts, and made absolute, so it still resolves if the program
changes directory.

    >>> blob_environment(["mobilenet-ssd_openvino_2021.4_6shave.blob=mobilenet.blob"])
    {'OAKLING_BLOBS': 'mobilenet-ssd_openvino_2021.4_6shave.blob=/home/me/mobilenet.blob'}
"""
from __future__ import annotations

import os

from ..models.substitution import ENV, SEPARATOR, BlobSubstitutionError, Substitutions, check, parse_entry


def blob_environment(values: list[str], environ=os.environ) -> dict[str, str]:
    """OAKLING_BLOBS for a list of `--blob` values, keeping the entries of the one in `environ` for
    other file names; {} without values. BlobSubstitutionError names the value that is wrong."""
    if not values:
        return {}
    given: dict[str, tuple[str, str]] = {}
    for value in values:
        where = f"--blob {value}"
        name, path = parse_entry(value, "--blob")
        if name in given:
            raise BlobSubstitutionError(f"--blob: {name} given twice ({given[name][1][7:]!r} and {value!r}) "
                                        f"— one substitute per blob file name")
        path = os.path.abspath(path)
        if SEPARATOR in path:
            raise BlobSubstitutionError(f"{where}: {path} contains {SEPARATOR!r}, which separates {ENV} "
                                        f"entries — give a path without it (a link to the blob will do)")
        check(path, where)
        given[name] = (path, where)
    entries = {**Substitutions.from_env(environ).entries, **given}
    return {ENV: Substitutions(entries).to_env()}
