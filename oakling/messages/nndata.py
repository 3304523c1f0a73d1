"""`NNData`: named tensors laid out in one byte payload, each described by a `TensorInfo`.

    nn = dai.NNData()
    nn.setLayer("prob", [0.1, 0.9])        # gen2: a list of floats becomes an FP16 layer
    nn.getLayerFp16("prob")                # [0.0999755859375, 0.89990234375]
    nn.addTensor("boxes", np.zeros((1, 100, 7), np.float32))   # v3 name: keeps dtype and shape
    nn.getTensor("boxes").shape            # (1, 100, 7)

Like gen2, each tensor sits in `_data` at `TensorInfo.offset`, aligned to 64 bytes, with `strides` in bytes
and `dims` outermost first, so `dims[0] * strides[0]` is the tensor's size in bytes.
"""

import numpy as np

from .enums import Gen2Enum
from ._args import as_enum
from .buffer import Buffer
from .datatype import DatatypeEnum

_ALIGNMENT = 64


class TensorInfo:
    """Where and how one tensor is stored in an NNData's bytes (gen2 `dai.TensorInfo`)."""

    class DataType(Gen2Enum):
        FP16 = 0
        U8F = 1
        INT = 2
        FP32 = 3
        I8 = 4

    class StorageOrder(Gen2Enum):
        NHWC = 0x4213
        NHCW = 0x4231
        NCHW = 0x4321
        HWC = 0x213
        CHW = 0x321
        WHC = 0x123
        HCW = 0x231
        WCH = 0x132
        CWH = 0x312
        NC = 0x43
        CN = 0x34
        C = 0x3
        H = 0x2
        W = 0x1

    def __init__(self):
        self.order = TensorInfo.StorageOrder.NCHW
        self.dataType = TensorInfo.DataType.FP16
        self.numDimensions = 0
        self.dims = []
        self.strides = []
        self.name = ""
        self.offset = 0

    def _copy(self) -> "TensorInfo":
        t = TensorInfo.__new__(TensorInfo)
        t.order, t.dataType, t.numDimensions = self.order, self.dataType, self.numDimensions
        t.dims, t.strides, t.name, t.offset = list(self.dims), list(self.strides), self.name, self.offset
        return t

    def __repr__(self):
        return (f"TensorInfo(name={self.name!r}, dataType={self.dataType.name}, dims={self.dims}, "
                f"strides={self.strides}, order={self.order.name}, offset={self.offset})")


_DT = TensorInfo.DataType
_DTYPE_OF = {_DT.FP16: np.dtype("<f2"), _DT.U8F: np.dtype(np.uint8), _DT.INT: np.dtype("<i4"),
             _DT.FP32: np.dtype("<f4"), _DT.I8: np.dtype(np.int8)}
_DATATYPE_OF = {np.dtype(np.float16): _DT.FP16, np.dtype(np.float32): _DT.FP32, np.dtype(np.float64): _DT.FP32,
                np.dtype(np.uint8): _DT.U8F, np.dtype(np.bool_): _DT.U8F, np.dtype(np.int8): _DT.I8}
_ORDER_OF_NDIM = {1: TensorInfo.StorageOrder.C, 2: TensorInfo.StorageOrder.NC,
                  3: TensorInfo.StorageOrder.CHW, 4: TensorInfo.StorageOrder.NCHW}


def _extent(ti: TensorInfo) -> int:
    """Bytes a tensor spans from its offset (0 if it has no elements)."""
    itemsize = _DTYPE_OF[ti.dataType].itemsize
    if any(d == 0 for d in ti.dims):
        return 0
    return itemsize + sum((d - 1) * s for d, s in zip(ti.dims, ti.strides))


def _layer_array(data, what: str):
    """gen2's `setLayer` overload choice (pybind11 order): returns (DataType, 1-D array).

    A 1-D float64 array or a list of only Python floats becomes FP16 (via float32, as gen2); a list of ints
    becomes U8 with values wrapped to 0..255; anything else is cast value by value to U8 (so float32 arrays
    and mixed lists are truncated to U8, exactly as gen2 does)."""
    if isinstance(data, np.ndarray):
        if data.ndim == 1 and data.dtype == np.float64:
            return _DT.FP16, data.astype(np.float32).astype(np.float16)
        arr = data
    elif isinstance(data, (list, tuple)):
        if data and all(isinstance(x, float) for x in data):
            return _DT.FP16, np.asarray(data, dtype=np.float64).astype(np.float32).astype(np.float16)
        arr = np.asarray(data)
    else:
        raise TypeError(f"{what}: expected a list of ints or floats or a NumPy array, got {type(data).__name__}")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{what}: expected numbers, got {arr.dtype} values")
    with np.errstate(invalid="ignore"):
        return _DT.U8F, arr.reshape(-1).astype(np.uint8)


class NNData(Buffer):
    """Neural-network tensors (gen2 `dai.NNData`).

    Unlike gen2, layers set on the host are laid out at once, so `getAllLayerNames()`, `getLayer*()` and
    `hasLayer()` see them immediately (gen2 shows them only after the message has been sent)."""

    DATATYPE = DatatypeEnum.NNData

    def __init__(self):
        super().__init__()
        self._tensors = []

    # building
    def setLayer(self, name: str, data):
        """Store a 1-D layer with gen2's typing rules: list of ints → U8, list of floats → FP16, uint8 array → U8."""
        dtype, arr = _layer_array(data, f"NNData.setLayer({name!r})")
        return self._put(name, arr, dtype, [arr.size], [arr.itemsize], TensorInfo.StorageOrder.NCHW)

    def addTensor(self, name: str, tensor, dataType=None):
        """Store an N-d tensor keeping its shape and dtype (float16, float32, uint8, int8, int32; float64 is stored
        as FP32, bool as U8F and other integers as INT). `dataType` (a TensorInfo.DataType) forces a type (v3)."""
        arr = np.asarray(tensor)
        if dataType is not None:
            dt = as_enum(_DT, dataType, f"NNData.addTensor({name!r})")
        elif arr.dtype in _DATATYPE_OF:
            dt = _DATATYPE_OF[arr.dtype]
        elif arr.dtype.kind in "iu":
            dt = _DT.INT
        else:
            raise TypeError(f"NNData.addTensor({name!r}): expected a float16, float32, uint8, int8 or int32 array, "
                            f"got {arr.dtype}")
        arr = np.ascontiguousarray(arr, dtype=_DTYPE_OF[dt])
        strides = list(arr.strides) if arr.ndim else []
        order = _ORDER_OF_NDIM.get(arr.ndim, TensorInfo.StorageOrder.NCHW)
        return self._put(name, arr, dt, list(arr.shape), strides, order)

    def _put(self, name, arr, dtype, dims, strides, order):
        if not isinstance(name, str):
            raise TypeError(f"NNData: a layer name must be a str, got {type(name).__name__}")
        if any(t.name == name for t in self._tensors):
            self._drop(name)
        ti = TensorInfo()
        ti.order, ti.dataType, ti.numDimensions = order, dtype, len(dims)
        ti.dims, ti.strides, ti.name = [int(d) for d in dims], [int(s) for s in strides], name
        raw = arr.reshape(-1).view(np.uint8)
        old = self._data.size
        ti.offset = old + (-old) % _ALIGNMENT
        data = np.zeros(ti.offset + raw.size, dtype=np.uint8)
        data[:old] = self._data
        data[ti.offset:] = raw
        self._data = data
        self._tensors.append(ti)
        return self

    def _drop(self, name):
        """Remove a tensor and pack the others again (offsets change, contents do not)."""
        # copies of the others' TensorInfos: a message may share them with others (a NeuralNetwork's outputs)
        keep = [(t._copy(), self._data[t.offset:t.offset + _extent(t)].copy()) for t in self._tensors if t.name != name]
        self._data = np.empty(0, dtype=np.uint8)
        self._tensors = []
        for t, raw in keep:
            old = self._data.size
            offset = old + (-old) % _ALIGNMENT
            data = np.zeros(offset + raw.size, dtype=np.uint8)
            data[:old] = self._data
            data[offset:] = raw
            self._data = data
            t.offset = offset
            self._tensors.append(t)

    # gen2 getters
    def _find(self, name):
        for t in self._tensors:
            if t.name == name:
                return t
        return None

    def getAllLayerNames(self) -> list:
        return [t.name for t in self._tensors]

    def getAllLayers(self) -> list:
        """Copies of every TensorInfo, in layout order."""
        return [t._copy() for t in self._tensors]

    def hasLayer(self, name: str) -> bool:
        return self._find(name) is not None

    def getLayer(self, name: str, tensor: TensorInfo) -> bool:
        """gen2 style: fill `tensor` with the layer's TensorInfo; False if there is no such layer."""
        t = self._find(name)
        if t is None:
            return False
        tensor.__dict__.update(t._copy().__dict__)
        return True

    def getLayerDatatype(self, name: str, datatype=None) -> bool:
        """gen2's signature; returns whether the layer exists. gen2 also writes the type into `datatype`, which
        Python enums cannot do here: use `getTensorDatatype(name)` for the type."""
        return self._find(name) is not None

    def _values(self, name, want) -> list:
        t = self._find(name)
        if t is None or t.dataType != want or t.numDimensions <= 0 or not t.dims or not t.strides:
            return []
        dtype = _DTYPE_OF[want]
        end = t.offset + (t.dims[0] * t.strides[0]) // dtype.itemsize * dtype.itemsize
        if end > self._data.size:
            raise ValueError(f"NNData layer {name!r} needs bytes {t.offset}..{end}, but the data has {self._data.size}")
        values = self._data[t.offset:end].view(dtype)
        return (values.astype(np.float32) if want == _DT.FP16 else values).tolist()

    def getLayerFp16(self, name: str) -> list:
        """The FP16 layer as Python floats; [] if missing or of another type (as gen2)."""
        return self._values(name, _DT.FP16)

    def getLayerUInt8(self, name: str) -> list:
        return self._values(name, _DT.U8F)

    def getLayerInt32(self, name: str) -> list:
        return self._values(name, _DT.INT)

    def getFirstLayerFp16(self) -> list:
        return self._values(self._tensors[0].name, _DT.FP16) if self._tensors else []

    def getFirstLayerUInt8(self) -> list:
        return self._values(self._tensors[0].name, _DT.U8F) if self._tensors else []

    def getFirstLayerInt32(self) -> list:
        return self._values(self._tensors[0].name, _DT.INT) if self._tensors else []

    # v3 getters
    def getTensor(self, name: str) -> np.ndarray:
        """The tensor as a NumPy array of its dims and dtype. It is a view of the message's bytes: copy it
        before changing it unless you mean to change the message."""
        t = self._find(name)
        if t is None:
            raise KeyError(f"NNData has no tensor {name!r}; it has {self.getAllLayerNames()}")
        dtype = _DTYPE_OF[t.dataType]
        if len(t.strides) != len(t.dims):
            raise ValueError(f"NNData tensor {name!r}: {len(t.dims)} dims but {len(t.strides)} strides")
        end = t.offset + _extent(t)
        if end > self._data.size:
            raise ValueError(f"NNData tensor {name!r} needs bytes {t.offset}..{end}, "
                             f"but the data has {self._data.size}")
        return np.ndarray(tuple(t.dims), dtype=dtype, buffer=self._data, offset=t.offset, strides=tuple(t.strides))

    def getTensorInfo(self, name: str):
        """A copy of the tensor's TensorInfo, or None."""
        t = self._find(name)
        return None if t is None else t._copy()

    def getTensorDatatype(self, name: str):
        t = self._find(name)
        if t is None:
            raise KeyError(f"NNData has no tensor {name!r}; it has {self.getAllLayerNames()}")
        return t.dataType

    def __repr__(self):
        return f"NNData(seq={self._seq}, layers={self.getAllLayerNames()}, {self._data.size} bytes)"
