"""Blob substitution: programs written for an OAK load MyriadX blobs by file name; a substitution
names an oakling blob to load in their place, so such programs run unchanged.

    oakling run --blob mobilenet-ssd_openvino_2021.4_6shave.blob=mobilenet.blob app.py
    OAKLING_BLOBS=mobilenet-ssd_openvino_2021.4_6shave.blob=/models/mobilenet.blob:face.blob=/models/face.blob
    dai.Device(pipeline, blobs={"mobilenet-ssd_openvino_2021.4_6shave.blob": "mobilenet.blob"})

A substitution is keyed by the file name the program asks for, whatever its folder
(`models/x.blob` and `~/.cache/blobconverter/x.blob` both match `x.blob`); that file need not
exist. OAKLING_BLOBS is read whenever a blob is opened by path (`setBlobPath`, `setBlob(path)`,
`dai.OpenVINO.Blob(path)`); the Device option is applied when the pipeline starts and wins over the
variable. Every substitute is checked to be an oakling blob before it is used, and errors name the
option and the path.
"""
from __future__ import annotations

import os
from pathlib import Path

from .blob import BlobError, ModelBlob

ENV = "OAKLING_BLOBS"
SEPARATOR = os.pathsep   # OAKLING_BLOBS entries are separated as PATH's are


_asked: dict[str, bool] = {}   # blob file names this process has asked for -> whether a substitute matched


class BlobSubstitutionError(BlobError):
    """A substitution that cannot be used: badly written, or naming a file that is not an oakling blob."""


class Substitutions:
    """File name the program asks for → (path of the oakling blob to load instead, where it was given)."""

    def __init__(self, entries: dict[str, tuple[str, str]] | None = None):
        self.entries = dict(entries or {})

    def __bool__(self):
        return bool(self.entries)

    def __repr__(self):
        return f"Substitutions({ {name: path for name, (path, _) in self.entries.items()} })"

    @classmethod
    def from_env(cls, environ=os.environ) -> "Substitutions":
        """The substitutions in OAKLING_BLOBS (`NAME=PATH` entries separated by ':')."""
        text = environ.get(ENV, "")
        entries = {}
        for item in filter(None, (part.strip() for part in text.split(SEPARATOR))):
            name, path = parse_entry(item, f"{ENV}")
            entries[name] = (path, f"{ENV} ({item})")
        return cls(entries)

    @classmethod
    def from_option(cls, blobs, where: str = "Device(blobs=...)") -> "Substitutions":
        """The substitutions of a `{name: path}` dict, each checked now."""
        if blobs is None:
            return cls()
        if not isinstance(blobs, dict):
            raise TypeError(f"{where}: expected a dict {{'name.blob': 'path/to/oakling.blob'}}, got "
                            f"{type(blobs).__name__}")
        entries = {}
        for name, path in blobs.items():
            if not isinstance(name, (str, os.PathLike)) or not isinstance(path, (str, os.PathLike)) \
                    or not os.fspath(name) or not os.fspath(path):
                raise TypeError(f"{where}: expected file name → path strings, got {name!r}: {path!r}")
            key, path = blob_name(name), os.fspath(path)
            entry = f"Device(blobs={{{key!r}: {path!r}}})"
            entries[key] = (os.path.abspath(path), entry)
            check(entries[key][0], entry)
        return cls(entries)

    def find(self, requested) -> tuple[str, str] | None:
        """(substitute path, where it was given) for the blob path a program asks for, or None."""
        name = blob_name(requested)
        found = self.entries.get(name)
        _asked[name] = _asked.get(name, False) or found is not None
        return found

    def to_env(self) -> str:
        return SEPARATOR.join(f"{name}={path}" for name, (path, _) in self.entries.items())


def asked() -> dict[str, bool]:
    """The blob file names this process has asked for by path, and whether each had a substitute."""
    return dict(_asked)


def blob_name(path) -> str:
    """The key a requested path is matched by: its file name."""
    return Path(os.fspath(path)).name


def parse_entry(text: str, where: str) -> tuple[str, str]:
    """`"NAME=PATH"` → (file name, PATH); BlobSubstitutionError for anything else."""
    name, sep, path = text.partition("=")
    if not sep or not name.strip() or not path.strip():
        raise BlobSubstitutionError(
            f"{where}: expected NAME=PATH (the blob file name the program loads = the oakling blob to load "
            f"instead, e.g. mobilenet-ssd_openvino_2021.4_6shave.blob=mobilenet.blob), got {text!r}")
    return blob_name(name.strip()), path.strip()


def check(path: str, where: str) -> bytes:
    """The bytes of the substitute at `path`; BlobSubstitutionError naming `where` if it is missing or
    not an oakling blob."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise BlobSubstitutionError(f"{where}: {path} doesn't exist — give the path of a blob made with "
                                    f"`oakling convert`") from None
    except OSError as e:
        raise BlobSubstitutionError(f"{where}: cannot read {path} ({e.strerror or e})") from None
    try:
        ModelBlob.from_bytes(data, path)
    except BlobError as e:
        raise BlobSubstitutionError(f"{where}: {e}") from None
    return data


def hint(requested, device_option: bool = True) -> str:
    """How to run a program unchanged when the blob it loads cannot run here."""
    name = blob_name(requested) or "model.blob"
    stem = Path(name).stem.split("_openvino_")[0] or "model"
    ways = f"`oakling run --blob {name}={stem}.blob program.py` (or {ENV}={name}={stem}.blob"
    ways += f", or dai.Device(pipeline, blobs={{'{name}': '{stem}.blob'}}))" if device_option else ")"
    return f"to run the program unchanged, substitute a blob converted by oakling: {ways}"
