"""The oakling blob: one portable file that holds a converted model and everything needed to run it.

    blob = ModelBlob.read("model.blob")
    blob.inputs     # [TensorSpec(name='images', shape=(1, 3, 416, 416), dtype='U8', layout='NCHW')]
    blob.outputs    # [TensorSpec(name='output', shape=(1, 85, 3549), dtype='FP16', layout='')]
    blob.meta       # the JSON metadata: preprocessing, precision, options, source model hash, cache key

Layout (integers little-endian):

    offset  size   field
    0       8      magic b"OAKBLOB\\0"
    8       4      format version (FORMAT_VERSION)
    12      4      number of sections N
    16      32*N   section table: name (16 bytes ASCII, NUL padded), offset (u64), size (u64)
    ...            the sections, each starting on a 64-byte boundary

Sections: "meta" (JSON, UTF-8), "model.xml" and "model.bin" (the OpenVINO IR: topology and weights,
preprocessing already in the graph), an optional "cache": OpenVINO's compiled model
(`CompiledModel.export_model()`), used only when the OpenVINO version and CPU that load the blob are
the ones recorded in `meta["cache"]`; otherwise the model is compiled again from the IR — and, for a
model with custom layers, "kernels": JSON {file name: text} of the binding XML and the OpenCL
sources it names (`meta["custom_layers"]` lists the layers). A blob with custom layers is format 2,
so an oakling that cannot run them says to upgrade; others stay format 1.

A MyriadX blob (what blobconverter and compile_tool make for an OAK's VPU: an ELF header, then
magic 9709 at byte 52) is recognised and refused with the `oakling convert` command to use instead.

This module only reads and writes bytes: it imports neither OpenVINO nor any converter.
"""
from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

MAGIC = b"OAKBLOB\0"
FORMAT_VERSION = 2          # the newest format this reads and writes
PLAIN_FORMAT = 1            # blobs without custom layers: readable by every oakling
ALIGNMENT = 64
_HEAD = struct.Struct("<8sII")
_SECTION = struct.Struct("<16sQQ")
SECTIONS = ("meta", "model.xml", "model.bin", "cache", "kernels")

MYRIADX_MAGIC = 9709
_MYRIADX_HEADER = struct.Struct("<13I")   # mv_blob_header from byte 52: magic, file size, version, counts, ...

# Element types, named as compile_tool prints them, with their NumPy dtypes.
DTYPES = {"U8": np.uint8, "I8": np.int8, "U16": np.uint16, "I16": np.int16, "I32": np.int32, "I64": np.int64,
          "FP16": np.float16, "FP32": np.float32, "FP64": np.float64, "BOOL": np.bool_}
_OPENVINO_TYPES = {"u8": "U8", "i8": "I8", "u16": "U16", "i16": "I16", "i32": "I32", "i64": "I64", "f16": "FP16",
                   "f32": "FP32", "f64": "FP64", "boolean": "BOOL"}


def dtype_of(element_type) -> str:
    """The blob's name (a DTYPES key when oakling knows it) for an OpenVINO element type.

    By its type name: OpenVINO's own `to_dtype()` can deadlock when two threads call it first at once."""
    name = element_type.get_type_name()
    return _OPENVINO_TYPES.get(name, name.upper())


class BlobError(RuntimeError):
    """A file that is not a blob oakling can run, with what to do about it."""


class MyriadXBlobError(BlobError):
    """A blob compiled for the Myriad X VPU: it runs only on an OAK camera."""


class TensorSpec:
    """One model input or output as the blob records it: name, shape (-1 for a size known only at
    run time), dtype (a key of DTYPES) and layout ("NCHW", "NHWC", "NC", … or "" when unknown)."""

    __slots__ = ("name", "shape", "dtype", "layout")

    def __init__(self, name: str, shape, dtype: str, layout: str = ""):
        self.name, self.shape, self.dtype, self.layout = name, tuple(shape), dtype, layout

    def __eq__(self, other):
        return isinstance(other, TensorSpec) and (self.name, self.shape, self.dtype, self.layout) == \
            (other.name, other.shape, other.dtype, other.layout)

    def __hash__(self):
        return hash((self.name, self.shape, self.dtype, self.layout))

    def __repr__(self):
        return f"TensorSpec(name={self.name!r}, shape={self.shape}, dtype={self.dtype!r}, layout={self.layout!r})"

    @property
    def numpy_dtype(self) -> np.dtype:
        return np.dtype(DTYPES[self.dtype])

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def nbytes(self) -> int:
        return self.size * self.numpy_dtype.itemsize

    def describe(self) -> str:
        """`[1,3,416,416] U8 planar`: shape, element type and, for images, how pixels are laid out."""
        text = f"[{','.join(str(d) if d >= 0 else '?' for d in self.shape)}] {self.dtype}"
        arrangement = image_arrangement(self)
        return f"{text} {arrangement}" if arrangement else text

    def to_json(self) -> dict:
        return {"name": self.name, "shape": list(self.shape), "dtype": self.dtype, "layout": self.layout}

    @classmethod
    def from_json(cls, d: dict) -> "TensorSpec":
        return cls(d["name"], tuple(int(x) for x in d["shape"]), d["dtype"], d.get("layout", ""))


def image_layout(spec: TensorSpec) -> str:
    """The layout of an input that may take images: the recorded one, else a guess from the shape
    (a batch of 1, then a channel count of 1 or 3 before or after two larger dimensions; or, with no
    batch dimension, 3 channels); "" when it is not image-like."""
    if spec.layout and set("CHW") <= set(spec.layout) and len(spec.layout) == len(spec.shape):
        return spec.layout
    shape = spec.shape
    if len(shape) == 4 and shape[0] == 1:
        if shape[1] in (1, 3) and shape[2] > 3 and shape[3] > 3:
            return "NCHW"
        if shape[3] in (1, 3) and shape[1] > 3 and shape[2] > 3:
            return "NHWC"
    if len(shape) == 3:   # without a batch dimension: only 3 channels are evidence enough
        if shape[0] == 3 and shape[1] > 3 and shape[2] > 3:
            return "CHW"
        if shape[2] == 3 and shape[0] > 3 and shape[1] > 3:
            return "HWC"
    return ""


def image_arrangement(spec: TensorSpec) -> str:
    """"planar", "interleaved" or "grey" for image-like tensors, else ""."""
    layout = image_layout(spec)
    if not layout:
        return ""
    channels = spec.shape[layout.index("C")]
    if channels == 1:
        return "grey"
    return "planar" if layout.index("C") < layout.index("H") else "interleaved"


class ModelBlob:
    """An oakling blob in memory: metadata, IR and optional compiled cache."""

    def __init__(self, meta: dict, xml: bytes, weights: bytes, cache: bytes | None = None,
                 kernels: dict | None = None):
        self.meta = meta
        self.xml = xml
        self.weights = weights
        self.cache = cache or None
        self.kernels = kernels or None   # {file name: text}: the custom layers' bindings and sources

    @property
    def inputs(self) -> list[TensorSpec]:
        return [TensorSpec.from_json(d) for d in self.meta["inputs"]]

    @property
    def outputs(self) -> list[TensorSpec]:
        return [TensorSpec.from_json(d) for d in self.meta["outputs"]]

    @property
    def precision(self) -> str:
        return self.meta.get("precision", "FP32")

    # -- bytes --
    def to_bytes(self) -> bytes:
        sections = [("meta", json.dumps(self.meta, indent=1, sort_keys=True).encode()),
                    ("model.xml", bytes(self.xml)), ("model.bin", bytes(self.weights))]
        if self.cache:
            sections.append(("cache", bytes(self.cache)))
        if self.kernels:
            sections.append(("kernels", json.dumps(self.kernels, sort_keys=True).encode()))
        version = FORMAT_VERSION if self.kernels else PLAIN_FORMAT
        offset = _HEAD.size + _SECTION.size * len(sections)
        table, body = [], []
        for name, data in sections:
            pad = -offset % ALIGNMENT
            body.append(b"\0" * pad)
            offset += pad
            table.append(_SECTION.pack(name.encode("ascii"), offset, len(data)))
            body.append(data)
            offset += len(data)
        return b"".join([_HEAD.pack(MAGIC, version, len(sections)), *table, *body])

    @classmethod
    def from_bytes(cls, data, source: str = "the blob") -> "ModelBlob":
        """Parse a blob; BlobError (MyriadXBlobError for a VPU blob) says what is wrong and what to do."""
        data = memoryview(data).cast("B") if not isinstance(data, bytes) else data
        check_not_myriadx(data, source)
        if len(data) < _HEAD.size or bytes(data[:len(MAGIC)]) != MAGIC:
            raise BlobError(f"{source} is not an oakling blob (it does not start with {MAGIC!r}) — make one "
                            f"with `oakling convert model.onnx -o model.blob`")
        _, version, count = _HEAD.unpack_from(data, 0)
        if version > FORMAT_VERSION:
            raise BlobError(f"{source} is an oakling blob of format {version}, newer than this oakling reads "
                            f"({FORMAT_VERSION}) — upgrade oakling, or convert the model again with this one")
        sections = {}
        for i in range(count):
            raw_name, offset, size = _SECTION.unpack_from(data, _HEAD.size + i * _SECTION.size)
            name = raw_name.rstrip(b"\0").decode("ascii", "replace")
            if offset + size > len(data):
                raise BlobError(f"{source} is truncated: section {name!r} ends at byte {offset + size}, the file "
                                f"has {len(data)} bytes — copy it again, or convert the model again")
            sections[name] = data[offset:offset + size]
        missing = [name for name in SECTIONS[:3] if name not in sections]
        if missing:
            raise BlobError(f"{source} has no {', '.join(missing)} section — convert the model again")
        try:
            meta = json.loads(bytes(sections["meta"]).decode())
        except ValueError as e:
            raise BlobError(f"{source}: its metadata is not valid JSON ({e}) — convert the model again") from None
        cache = sections.get("cache")
        kernels = None
        if "kernels" in sections:
            try:
                kernels = json.loads(bytes(sections["kernels"]).decode())
            except ValueError as e:
                raise BlobError(f"{source}: its kernels section is not valid JSON ({e}) — convert the model "
                                f"again") from None
        return cls(meta, bytes(sections["model.xml"]), bytes(sections["model.bin"]),
                   bytes(cache) if cache is not None and len(cache) else None, kernels)

    # -- files --
    @classmethod
    def read(cls, path) -> "ModelBlob":
        path = Path(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise BlobError(f"Cannot load blob, file at path {path} doesn't exist.") from None
        return cls.from_bytes(data, str(path))

    def write(self, path) -> Path:
        path = Path(path)
        path.write_bytes(self.to_bytes())
        return path


# ------------------------------------------------------------------------------------------------
# MyriadX blobs
# ------------------------------------------------------------------------------------------------

def myriadx_header(data) -> dict | None:
    """The header fields of a MyriadX blob (depthai-core BlobFormat.hpp), or None if `data` is not one."""
    if len(data) < 52 + _MYRIADX_HEADER.size:
        return None
    fields = _MYRIADX_HEADER.unpack_from(data, 52)
    if fields[0] != MYRIADX_MAGIC:
        return None
    names = ("magic", "file_size", "version_major", "version_minor", "inputs_count", "outputs_count",
             "stages_count", "inputs_size", "outputs_size", "batch_size", "bss_mem_size", "cmx_slices", "shaves")
    return dict(zip(names, fields))


def check_not_myriadx(data, source: str):
    header = myriadx_header(data)
    if header is None:
        return
    major, minor = header["version_major"], header["version_minor"]
    version = f"OpenVINO {major}.{minor}" if major >= 2020 else f"blob version {major}.{minor}"
    shaves = header["shaves"]
    stem = Path(source).stem if source.endswith(".blob") else "model"
    shave_option = f" --shaves {shaves}" if 0 < shaves <= 16 else ""
    raise MyriadXBlobError(
        f"{source} is a MyriadX blob ({version}, {shaves} shaves): it was compiled for the Myriad X VPU of an "
        f"OAK camera and runs nowhere else; oakling runs models on this computer's CPU. Convert the model it "
        f"was made from (ONNX, TFLite, OpenVINO IR or PyTorch) instead: "
        f"`oakling convert {stem}.onnx -o {stem}.blob{shave_option}` — add the options the blob was built "
        f"with: --input-precision U8 for camera frames (blobconverter's default -ip U8), and "
        f"--mean-values/--scale-values/--reverse-input-channels if the model was converted with them")
