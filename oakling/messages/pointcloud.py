"""`PointCloudConfig` and `PointCloudData`: what a PointCloud node is told, and what it sends.

    config = dai.PointCloudConfig()
    config.setSparse(True)                                   # only the pixels that have depth
    config.setTransformationMatrix([[1, 0, 0, 0], [0, 1, 0, 500], [0, 0, 1, 0], [0, 0, 0, 1]])

    points = msg.getPoints()          # PointCloudData: (N, 3) float32, millimetres (depth units)
    msg.getWidth(), msg.getHeight()   # the depth frame's size; N == width * height unless sparse
    msg.getMinZ(), msg.getMaxZ()      # the extent of the points that have depth

gen2's RawPointCloudConfig (`sparse`, a 4x4 `transformationMatrix`, identity by default) and
RawPointCloudData (width, height, instanceNum, min/max x/y/z, sparse); the points travel as the
payload, three float32 per point (x, y, z), as gen2's Point3f array does. Importing this module
teaches the wire codec both messages.
"""
from __future__ import annotations

import numpy as np

from . import codec
from ._args import as_uint
from .buffer import Buffer
from .datatype import DatatypeEnum
from .geometry import Point3f

IDENTITY = ((1.0, 0.0, 0.0, 0.0), (0.0, 1.0, 0.0, 0.0), (0.0, 0.0, 1.0, 0.0), (0.0, 0.0, 0.0, 1.0))


def _matrix(value, where: str) -> list:
    """A 4x4 list of floats from a 4x4 matrix, or from a 3x3 one (the rotation; no translation), as gen2."""
    try:
        m = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        m = None
    if m is None or m.shape not in ((4, 4), (3, 3)):
        shape = "?" if m is None else "x".join(map(str, m.shape))
        raise ValueError(f"{where}: expected a 4x4 or 3x3 matrix (a list of rows), got {shape}")
    if m.shape == (3, 3):
        full = np.eye(4)
        full[:3, :3] = m
        m = full
    return [[float(v) for v in row] for row in m.astype(np.float32)]


class RawPointCloudConfig:
    """gen2's RawPointCloudConfig: `sparse` and the 4x4 `transformationMatrix` applied to every point."""

    def __init__(self):
        self.sparse = False
        self.transformationMatrix = [list(row) for row in IDENTITY]

    def as_dict(self) -> dict:
        matrix = _matrix(self.transformationMatrix, "RawPointCloudConfig.transformationMatrix")
        return {"sparse": bool(self.sparse), "transformationMatrix": matrix}

    @classmethod
    def from_dict(cls, d: dict) -> "RawPointCloudConfig":
        made = cls()
        made.sparse = bool(d.get("sparse", False))
        made.transformationMatrix = _matrix(d.get("transformationMatrix", IDENTITY),
                                            "RawPointCloudConfig.transformationMatrix")
        return made

    def __repr__(self):
        return f"RawPointCloudConfig(sparse={self.sparse}, transformationMatrix={self.transformationMatrix})"


class PointCloudConfig(Buffer):
    """gen2 `dai.PointCloudConfig`: sparse or dense, and the transformation applied to the points."""

    DATATYPE = DatatypeEnum.PointCloudConfig

    def __init__(self, config: RawPointCloudConfig | None = None):
        super().__init__()
        self._raw = RawPointCloudConfig.from_dict(config.as_dict()) if config is not None else RawPointCloudConfig()

    def set(self, config: RawPointCloudConfig):
        if not isinstance(config, RawPointCloudConfig):
            raise TypeError(f"PointCloudConfig.set: expected dai.RawPointCloudConfig, got {type(config).__name__}")
        self._raw = RawPointCloudConfig.from_dict(config.as_dict())
        return self

    def get(self) -> RawPointCloudConfig:
        return RawPointCloudConfig.from_dict(self._raw.as_dict())

    def getSparse(self) -> bool:
        return bool(self._raw.sparse)

    def setSparse(self, enable: bool):
        """Sparse: only the pixels with depth become points; dense (the default): every pixel does,
        (0, 0, 0) where there is no depth, so point i is pixel (i % width, i // width)."""
        self._raw.sparse = bool(enable)
        return self

    def getTransformationMatrix(self) -> list:
        return [list(row) for row in self._raw.transformationMatrix]

    def setTransformationMatrix(self, transformationMatrix):
        """A 4x4 matrix (rotation and translation in depth units), or a 3x3 rotation, applied to each
        point: p' = M · (x, y, z, 1)."""
        self._raw.transformationMatrix = _matrix(transformationMatrix, "PointCloudConfig.setTransformationMatrix")
        return self

    def __repr__(self):
        return f"PointCloudConfig(sparse={self._raw.sparse}, transformationMatrix={self._raw.transformationMatrix})"


class PointCloudData(Buffer):
    """gen2 `dai.PointCloudData`: points in depth units (millimetres by default), three float32 each
    in the payload; the size of the depth frame they came from, its instance number, their extent."""

    DATATYPE = DatatypeEnum.PointCloudData

    def __init__(self):
        super().__init__()
        self._width = self._height = self._instance_num = 0
        self._min = [0.0, 0.0, 0.0]
        self._max = [0.0, 0.0, 0.0]
        self._sparse = False

    # -- the points --
    def getPoints(self) -> np.ndarray:
        """The points as a new (N, 3) float32 array: x to the right, y down, z ahead."""
        n = self._data.size // 12
        return np.array(self._data[:n * 12].view(np.float32).reshape(n, 3))

    @property
    def points(self) -> list:
        """The points as a list of Point3f (slow for large clouds: use getPoints())."""
        return [Point3f(float(x), float(y), float(z)) for x, y, z in self.getPoints()]

    @points.setter
    def points(self, value):
        if isinstance(value, np.ndarray):
            arr = value
        else:
            arr = [(p.x, p.y, p.z) if isinstance(p, Point3f) else tuple(p) for p in value]
        self.setPoints(arr)

    def setPoints(self, points):
        """oakling extension: the points from an (N, 3) array or list of (x, y, z)."""
        arr = np.asarray(points, dtype=np.float32)
        if arr.size == 0:
            arr = arr.reshape(0, 3)
        if arr.ndim != 2 or arr.shape[1] != 3:
            raise ValueError(f"PointCloudData.setPoints: expected (N, 3) points, got shape {arr.shape}")
        self._data = np.ascontiguousarray(arr).reshape(-1).view(np.uint8).copy()
        return self

    # -- getters --
    def getWidth(self) -> int:
        return self._width

    def getHeight(self) -> int:
        return self._height

    def getInstanceNum(self) -> int:
        return self._instance_num

    def isSparse(self) -> bool:
        return self._sparse

    def getMinX(self) -> float:
        return self._min[0]

    def getMinY(self) -> float:
        return self._min[1]

    def getMinZ(self) -> float:
        return self._min[2]

    def getMaxX(self) -> float:
        return self._max[0]

    def getMaxY(self) -> float:
        return self._max[1]

    def getMaxZ(self) -> float:
        return self._max[2]

    # -- setters --
    def setWidth(self, width):
        self._width = as_uint(width, "PointCloudData.setWidth")
        return self

    def setHeight(self, height):
        self._height = as_uint(height, "PointCloudData.setHeight")
        return self

    def setSize(self, width, height=None):
        if height is None:
            width, height = width
        return self.setWidth(width).setHeight(height)

    def setInstanceNum(self, instance):
        self._instance_num = as_uint(instance, "PointCloudData.setInstanceNum")
        return self

    def setSparse(self, sparse: bool):
        """oakling extension (gen2 sets it on the device only)."""
        self._sparse = bool(sparse)
        return self

    def setMinX(self, val):
        self._min[0] = float(val)
        return self

    def setMinY(self, val):
        self._min[1] = float(val)
        return self

    def setMinZ(self, val):
        self._min[2] = float(val)
        return self

    def setMaxX(self, val):
        self._max[0] = float(val)
        return self

    def setMaxY(self, val):
        self._max[1] = float(val)
        return self

    def setMaxZ(self, val):
        self._max[2] = float(val)
        return self

    def __repr__(self):
        return (f"PointCloudData(seq={self._seq}, {self._data.size // 12} points, {self._width}x{self._height}, "
                f"sparse={self._sparse}, z {self._min[2]:.0f}..{self._max[2]:.0f})")


# Wire formats. PointCloudConfig: [seq, ts, tsDevice, sparse, 4x4 matrix]
def _config_meta(m):
    return [m._seq, m._ts_ns, m._ts_dev_ns, bool(m._raw.sparse), m._raw.as_dict()["transformationMatrix"]]


def _config_fill(m, meta):
    m._seq, m._ts_ns, m._ts_dev_ns, sparse, matrix = meta
    m._raw = RawPointCloudConfig.from_dict({"sparse": sparse, "transformationMatrix": matrix})


# PointCloudData: [seq, ts, tsDevice, width, height, instanceNum, [minx, miny, minz], [maxx, maxy, maxz], sparse]
def _data_meta(m):
    return [m._seq, m._ts_ns, m._ts_dev_ns, m._width, m._height, m._instance_num, list(m._min), list(m._max),
            bool(m._sparse)]


def _data_fill(m, meta):
    m._seq, m._ts_ns, m._ts_dev_ns, m._width, m._height, m._instance_num, low, high, m._sparse = meta
    m._min, m._max = [float(v) for v in low], [float(v) for v in high]


codec.register(PointCloudConfig, _config_meta, _config_fill)
codec.register(PointCloudData, _data_meta, _data_fill)
