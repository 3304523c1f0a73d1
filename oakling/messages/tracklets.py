"""`Tracklets`: the ObjectTracker's objects in one frame.

    for t in msg.tracklets:                        # Tracklet
        t.id, t.label, t.status                    # status: Tracklet.TrackingStatus.NEW/TRACKED/LOST/REMOVED
        roi = t.roi.denormalize(w, h)              # where the object is now (normalised Rect)
        t.age                                      # frames since it was first seen
        t.srcImgDetection.confidence               # the detection it was last matched with
        t.spatialCoordinates.z                     # millimetres, when fed SpatialImgDetections

gen2's fields and defaults ([shared] RawTracklets.hpp): a new Tracklet is LOST with id, label and
age 0.
"""
from ._args import as_int
from .buffer import Buffer
from .datatype import DatatypeEnum
from .detections import ImgDetection
from .enums import Gen2Enum
from .geometry import Point3f, Rect


class TrackingStatus(Gen2Enum):
    NEW = 0
    TRACKED = 1
    LOST = 2
    REMOVED = 3


TrackingStatus.__qualname__ = "Tracklet.TrackingStatus"


class Tracklet:
    """One tracked object (gen2 `dai.Tracklet`)."""

    TrackingStatus = TrackingStatus
    __slots__ = ("roi", "_id", "_label", "_age", "_status", "srcImgDetection", "spatialCoordinates")

    def __init__(self):
        self.roi = Rect()
        self._id = self._label = self._age = 0
        self._status = TrackingStatus.LOST
        self.srcImgDetection = ImgDetection()
        self.spatialCoordinates = Point3f()

    id = property(lambda self: self._id, lambda self, v: setattr(self, "_id", as_int(v, "Tracklet.id")))
    label = property(lambda self: self._label, lambda self, v: setattr(self, "_label", as_int(v, "Tracklet.label")))
    age = property(lambda self: self._age, lambda self, v: setattr(self, "_age", as_int(v, "Tracklet.age")))

    @property
    def status(self) -> TrackingStatus:
        return self._status

    @status.setter
    def status(self, value):
        try:
            self._status = TrackingStatus(as_int(value, "Tracklet.status"))
        except ValueError:
            raise ValueError(f"Tracklet.status: expected one of NEW, TRACKED, LOST, REMOVED, got {value!r}") from None

    def __repr__(self):
        r = self.roi
        return (f"Tracklet(id={self._id}, label={self._label}, status={self._status.name}, age={self._age}, "
                f"roi=({r.x:.3f}, {r.y:.3f}, {r.width:.3f}, {r.height:.3f}))")


class Tracklets(Buffer):
    """The tracked objects of one frame (gen2 `dai.Tracklets`); `tracklets` is a read/write list."""

    DATATYPE = DatatypeEnum.Tracklets

    def __init__(self):
        super().__init__()
        self._tracklets = []

    @property
    def tracklets(self) -> list:
        return self._tracklets

    @tracklets.setter
    def tracklets(self, value):
        items = list(value)
        for i, t in enumerate(items):
            if not isinstance(t, Tracklet):
                raise TypeError(f"Tracklets.tracklets[{i}]: expected Tracklet, got {type(t).__name__}")
        self._tracklets = items

    def __repr__(self):
        return f"Tracklets(seq={self._seq}, {len(self._tracklets)} tracklets, ts={self.getTimestamp()})"


# Tracklets: [seq, ts, tsDevice, [[roi x, y, w, h], id, label, age, status,
#                                 [label, confidence, xmin, ymin, xmax, ymax], [x, y, z]], ...]]
def _meta(m):
    out = []
    for t in m._tracklets:
        r, d, c = t.roi, t.srcImgDetection, t.spatialCoordinates
        out.append([[float(r.x), float(r.y), float(r.width), float(r.height)], int(t._id), int(t._label),
                    int(t._age), int(t._status),
                    [int(d.label), float(d.confidence), float(d.xmin), float(d.ymin), float(d.xmax), float(d.ymax)],
                    [float(c.x), float(c.y), float(c.z)]])
    return [m._seq, m._ts_ns, m._ts_dev_ns, out]


def _fill(m, meta):
    m._seq, m._ts_ns, m._ts_dev_ns, items = meta
    m._tracklets = out = []
    for roi, tid, label, age, status, det, xyz in items:
        t = Tracklet.__new__(Tracklet)
        t.roi, t._id, t._label, t._age, t._status = Rect(*roi), tid, label, age, TrackingStatus(status)
        d = ImgDetection.__new__(ImgDetection)
        d.label, d.confidence, d.xmin, d.ymin, d.xmax, d.ymax = det
        t.srcImgDetection, t.spatialCoordinates = d, Point3f(*xyz)
        out.append(t)


def _register():
    from . import codec
    codec.register(Tracklets, _meta, _fill)


_register()
