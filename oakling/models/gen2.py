"""`dai.OpenVINO`: gen2's namespace for OpenVINO versions and blobs.

    blob = dai.OpenVINO.Blob("model.blob")
    for name, info in blob.networkInputs.items():
        print(name, info.dataType, info.dims)      # images DataType.U8F [416, 416, 3, 1]
    nn.setBlob(blob)

As in gen2, the dims of `networkInputs`/`networkOutputs` are innermost first ([W, H, C, N] for an
NCHW input), so `blob.networkInputs["images"].dims[:2]` is the input's width and height.
An oakling blob runs with any `setOpenVINOVersion`: its `version` is VERSION_UNIVERSAL.
"""
from __future__ import annotations

from pathlib import Path

from ..messages.enums import Gen2Enum
from ..messages.nndata import TensorInfo
from .blob import BlobError, ModelBlob, TensorSpec
from .substitution import BlobSubstitutionError, Substitutions, check, hint

_DATA_TYPES = {"U8": TensorInfo.DataType.U8F, "FP16": TensorInfo.DataType.FP16, "FP32": TensorInfo.DataType.FP32,
               "I8": TensorInfo.DataType.I8, "I32": TensorInfo.DataType.INT, "I64": TensorInfo.DataType.INT}
_DEFAULT_ORDER = {1: "C", 2: "NC", 3: "CHW", 4: "NCHW"}


class _Version(Gen2Enum):
    VERSION_2020_3 = 0
    VERSION_2020_4 = 1
    VERSION_2021_1 = 2
    VERSION_2021_2 = 3
    VERSION_2021_3 = 4
    VERSION_2021_4 = 5
    VERSION_2022_1 = 6
    VERSION_UNIVERSAL = 7


_Version.__name__, _Version.__qualname__ = "Version", "OpenVINO.Version"
_NAMES = {v: f"{v.name[8:12]}.{v.name[13:]}" for v in _Version if v != _Version.VERSION_UNIVERSAL}
# MyriadX blob version (major, minor) -> the OpenVINO versions that can run it (depthai-core OpenVINO.cpp)
_BLOB_VERSIONS = {(5, 0): [_Version.VERSION_2020_3],
                  (6, 0): [_Version.VERSION_2020_4, _Version.VERSION_2021_1, _Version.VERSION_2021_2,
                           _Version.VERSION_2021_3, _Version.VERSION_2021_4, _Version.VERSION_2022_1]}
_BLOB_VERSIONS.update({(int(n[:4]), int(n[5:])): [v] for v, n in _NAMES.items()})


def tensor_info(spec: TensorSpec) -> TensorInfo:
    """gen2's TensorInfo of a blob input or output: dims innermost first, dense strides."""
    info = TensorInfo()
    info.name = spec.name
    info.dataType = _DATA_TYPES.get(spec.dtype, TensorInfo.DataType.FP32)
    order = spec.layout if spec.layout in TensorInfo.StorageOrder.__members__ else _DEFAULT_ORDER.get(len(spec.shape))
    if order:
        info.order = TensorInfo.StorageOrder[order]
    info.numDimensions = len(spec.shape)
    info.dims = [int(d) for d in reversed(spec.shape)]
    stride, strides = spec.numpy_dtype.itemsize, []
    for d in info.dims:
        strides.append(stride)
        stride *= d
    info.strides = strides
    return info


def read_blob_file(path, substitutions: Substitutions | None = None) -> tuple[bytes, str]:
    """The bytes of the blob a program asks for by path — of its substitute (OAKLING_BLOBS unless
    `substitutions` are given) if it has one, checked — and the name to use in messages."""
    found = (substitutions if substitutions is not None else Substitutions.from_env()).find(path)
    if found is not None:
        return check(*found), found[0]
    try:
        return Path(path).read_bytes(), str(path)
    except FileNotFoundError:
        raise BlobError(f"Cannot load blob, file at path {path} doesn't exist.") from None


def open_blob(path, substitutions: Substitutions | None = None) -> "OpenVINO.Blob":
    """`OpenVINO.Blob(path)` without the hint its errors get, for callers that give their own."""
    blob = OpenVINO.Blob.__new__(OpenVINO.Blob)
    blob._parse(*read_blob_file(path, substitutions))
    return blob


class OpenVINO:
    """gen2's `dai.OpenVINO`: the Version enum, version helpers, and Blob."""

    Version = _Version
    VERSION_2020_3 = _Version.VERSION_2020_3
    VERSION_2020_4 = _Version.VERSION_2020_4
    VERSION_2021_1 = _Version.VERSION_2021_1
    VERSION_2021_2 = _Version.VERSION_2021_2
    VERSION_2021_3 = _Version.VERSION_2021_3
    VERSION_2021_4 = _Version.VERSION_2021_4
    VERSION_2022_1 = _Version.VERSION_2022_1
    VERSION_UNIVERSAL = _Version.VERSION_UNIVERSAL
    DEFAULT_VERSION = _Version.VERSION_2022_1

    @staticmethod
    def getVersions() -> list:
        return list(_NAMES)

    @staticmethod
    def getVersionName(version) -> str:
        version = _Version(version)
        if version not in _NAMES:
            raise RuntimeError(f"OpenVINO - Unknown version enum specified: {version!r}")
        return _NAMES[version]

    @staticmethod
    def parseVersionName(name: str):
        for version, text in _NAMES.items():
            if text == name:
                return version
        raise RuntimeError(f"OpenVINO - Cannot parse version name: {name}")

    @staticmethod
    def getBlobSupportedVersions(majorVersion: int, minorVersion: int) -> list:
        return list(_BLOB_VERSIONS.get((majorVersion, minorVersion), []))

    @staticmethod
    def getBlobLatestSupportedVersion(majorVersion: int, minorVersion: int):
        versions = _BLOB_VERSIONS.get((majorVersion, minorVersion))
        if not versions:
            raise RuntimeError(f"OpenVINO - no OpenVINO version supports blob version {majorVersion}.{minorVersion}")
        return versions[-1]

    @staticmethod
    def areVersionsBlobCompatible(v1, v2) -> bool:
        if _Version.VERSION_UNIVERSAL in (v1, v2):
            return True
        return any(v1 in vs and v2 in vs for vs in _BLOB_VERSIONS.values())

    class Blob:
        """A blob made by `oakling convert`, read from a path or bytes: its inputs and outputs as gen2
        TensorInfo. A MyriadX blob is refused with the command that converts its model instead."""

        def __init__(self, source):
            if isinstance(source, (str, Path)):
                try:
                    self._parse(*read_blob_file(source))
                except BlobSubstitutionError:
                    raise
                except BlobError as e:   # e.g. a MyriadX blob: say how the program can still run
                    raise type(e)(f"{e} — {hint(source, device_option=False)}") from None
                return
            if isinstance(source, (bytes, bytearray, memoryview)):
                data = bytes(source)
            elif isinstance(source, list):
                data = bytes(source)
            else:
                raise TypeError(f"OpenVINO.Blob: expected a path or the blob's bytes, got {type(source).__name__}")
            self._parse(data, "the blob")

        def _parse(self, data: bytes, name: str):
            self._model = ModelBlob.from_bytes(data, name)
            self.data = data
            self.networkInputs = {s.name: tensor_info(s) for s in self._model.inputs}
            self.networkOutputs = {s.name: tensor_info(s) for s in self._model.outputs}
            self.stageCount = int(self._model.meta.get("layers", 0))
            shaves = self._model.meta.get("options", {}).get("shaves") or 0
            self.numShaves = int(shaves)
            self.numSlices = int(shaves)
            self.version = _Version.VERSION_UNIVERSAL

        def __repr__(self):
            return (f"OpenVINO.Blob(inputs={list(self.networkInputs)}, outputs={list(self.networkOutputs)}, "
                    f"{len(self.data)} bytes)")
