"""A stand-in for the `blobconverter` package while `oakling run` runs a program.

Programs written for an OAK get their MyriadX blobs from blobconverter, which downloads them
(`blobconverter.from_zoo(name="mobilenet-ssd", shaves=6)` → `~/.cache/blobconverter/
mobilenet-ssd_openvino_2021.4_6shave.blob`). Such a blob cannot run here and nothing is downloaded,
so for the run `import blobconverter` gives this module's functions instead: each works out the file
name blobconverter would have made (`<name>_openvino_<version>_<shaves>shave.blob`) and returns the
oakling blob that `--blob <that name>=PATH` substitutes for it, or raises an error saying which
`--blob` to give.

    oakling run --blob mobilenet-ssd_openvino_2021.4_6shave.blob=mobilenet.blob app.py
"""
from __future__ import annotations

import sys
import types
from contextlib import contextmanager
from pathlib import Path

from ..models.substitution import ENV, Substitutions

DEFAULTS = {"version": "2021.4", "shaves": 4}   # blobconverter's own defaults


class Versions:
    v2021_4 = "2021.4"
    v2021_3 = "2021.3"
    v2021_2 = "2021.2"
    v2021_1 = "2021.1"
    v2020_4 = "2020.4"
    v2020_3 = "2020.3"
    v2020_2 = "2020.2"
    v2020_1 = "2020.1"
    v2019_R3 = "2019.R3"


def blob_file_name(name: str, version=None, shaves=None) -> str:
    """The file name blobconverter gives a blob: `mobilenet-ssd_openvino_2021.4_6shave.blob`."""
    version = DEFAULTS["version"] if version is None else version
    shaves = DEFAULTS["shaves"] if shaves is None else shaves
    return f"{name}_openvino_{version}_{shaves}shave.blob"


def compile_blob(blob_name, version=None, shaves=None, **_ignored) -> Path:
    """The oakling blob substituted for the file blobconverter would make for `blob_name`."""
    file_name = blob_file_name(blob_name, version, shaves)
    found = Substitutions.from_env().find(file_name)
    if found is None:
        raise RuntimeError(
            f"blobconverter would download {file_name}, a MyriadX blob that runs only on an OAK camera; "
            f"oakling runs models on this computer and downloads nothing — convert the model with "
            f"`oakling convert` and give it for that name: `oakling run --blob {file_name}={blob_name}.blob "
            f"program.py` (or {ENV}={file_name}=path/to/{blob_name}.blob)")
    return Path(found[0])


def from_zoo(name, **kwargs) -> Path:
    return compile_blob(name, **kwargs)


def from_config(name, path, **kwargs) -> Path:
    return compile_blob(name, **kwargs)


def from_onnx(model, **kwargs) -> Path:
    return compile_blob(Path(model).stem, **kwargs)


def from_openvino(xml, bin=None, **kwargs) -> Path:
    return compile_blob(Path(xml).stem, **kwargs)


def from_caffe(proto, model=None, **kwargs) -> Path:
    return compile_blob(Path(proto).stem, **kwargs)


def from_tf(frozen_pb, **kwargs) -> Path:
    return compile_blob(Path(frozen_pb).stem, **kwargs)


def set_defaults(version=None, shaves=None, **_ignored):
    if version is not None:
        DEFAULTS["version"] = version
    if shaves is not None:
        DEFAULTS["shaves"] = shaves


def zoo_list(**_ignored):
    raise RuntimeError("blobconverter.zoo_list() asks Luxonis' server for its model zoo; oakling runs offline "
                       "and has no zoo — convert your models with `oakling convert`")


PUBLIC = ("Versions", "compile_blob", "from_zoo", "from_config", "from_onnx", "from_openvino", "from_caffe",
          "from_tf", "set_defaults", "zoo_list")


@contextmanager
def standing_in_for_blobconverter():
    """While the block runs, `import blobconverter` gives the stand-in (the real package, if any, is
    put back afterwards)."""
    module = types.ModuleType("blobconverter", __doc__)
    for name in PUBLIC:
        setattr(module, name, globals()[name])
    saved, saved_defaults = sys.modules.get("blobconverter"), dict(DEFAULTS)
    sys.modules["blobconverter"] = module
    try:
        yield module
    finally:
        DEFAULTS.update(saved_defaults)
        if saved is None:
            sys.modules.pop("blobconverter", None)
        else:
            sys.modules["blobconverter"] = saved
