"""`TrackedFeatures`: the FeatureTracker's features in one frame.

    for f in msg.trackedFeatures:                  # TrackedFeature
        f.id, f.position.x, f.position.y           # the same id while the feature is tracked; pixels
        f.age                                      # frames since it was found
        f.harrisScore, f.trackingError             # its corner score here; the optical flow's error

gen2's fields and defaults ([shared] RawTrackedFeatures.hpp). On the wire the features travel as one
array in the payload (x, y, score, error as float32, id and age as uint32), not as per-feature metadata.
"""
import numpy as np

from ._args import as_float, as_uint
from .buffer import Buffer
from .datatype import DatatypeEnum
from .geometry import Point2f


class TrackedFeature:
    """One feature: `position` (Point2f, pixels), `id`, `age` (frames), `harrisScore`, `trackingError`."""

    __slots__ = ("position", "_id", "_age", "_score", "_error")

    def __init__(self):
        self.position = Point2f()
        self._id = self._age = 0
        self._score = self._error = 0.0

    id = property(lambda self: self._id, lambda self, v: setattr(self, "_id", as_uint(v, "TrackedFeature.id")))
    age = property(lambda self: self._age, lambda self, v: setattr(self, "_age", as_uint(v, "TrackedFeature.age")))
    harrisScore = property(lambda self: self._score,
                           lambda self, v: setattr(self, "_score", as_float(v, "TrackedFeature.harrisScore")))
    trackingError = property(lambda self: self._error,
                             lambda self, v: setattr(self, "_error", as_float(v, "TrackedFeature.trackingError")))

    def __repr__(self):
        return (f"TrackedFeature(id={self._id}, x={self.position.x:.2f}, y={self.position.y:.2f}, age={self._age}, "
                f"harrisScore={self._score:.4g}, trackingError={self._error:.4g})")


class TrackedFeatures(Buffer):
    """The features of one frame (gen2 `dai.TrackedFeatures`); `trackedFeatures` is a read/write list."""

    DATATYPE = DatatypeEnum.TrackedFeatures

    def __init__(self):
        super().__init__()
        self._features = []

    @property
    def trackedFeatures(self) -> list:
        return self._features

    @trackedFeatures.setter
    def trackedFeatures(self, value):
        items = list(value)
        for i, f in enumerate(items):
            if not isinstance(f, TrackedFeature):
                raise TypeError(f"TrackedFeatures.trackedFeatures[{i}]: expected TrackedFeature, got {type(f).__name__}")
        self._features = items

    def __repr__(self):
        return f"TrackedFeatures(seq={self._seq}, {len(self._features)} features, ts={self.getTimestamp()})"


# The wire: one record per feature in the payload.
_RECORD = np.dtype([("x", "<f4"), ("y", "<f4"), ("id", "<u4"), ("age", "<u4"), ("score", "<f4"), ("error", "<f4")])


def pack(features: list) -> np.ndarray:
    """The features as the payload's records (a 1-D uint8 array)."""
    rec = np.empty(len(features), _RECORD)
    if features:
        rec["x"] = [f.position.x for f in features]
        rec["y"] = [f.position.y for f in features]
        rec["id"] = [f._id for f in features]
        rec["age"] = [f._age for f in features]
        rec["score"] = [f._score for f in features]
        rec["error"] = [f._error for f in features]
    return rec.view(np.uint8)


def unpack(payload: np.ndarray) -> list:
    rec = payload.view(_RECORD)
    out = []
    new = TrackedFeature.__new__
    for x, y, fid, age, score, error in zip(rec["x"].tolist(), rec["y"].tolist(), rec["id"].tolist(),
                                            rec["age"].tolist(), rec["score"].tolist(), rec["error"].tolist()):
        f = new(TrackedFeature)
        f.position = Point2f(x, y)
        f._id, f._age, f._score, f._error = fid, age, score, error
        out.append(f)
    return out


def _meta(m):
    return [m._seq, m._ts_ns, m._ts_dev_ns]


def _fill(m, meta):
    m._seq, m._ts_ns, m._ts_dev_ns = meta
    m._features = unpack(m._data)
    m._data = np.empty(0, np.uint8)


def _register():
    from . import codec
    codec.register(TrackedFeatures, _meta, _fill, lambda m: pack(m._features))


_register()
