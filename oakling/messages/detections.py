"""`ImgDetections`: a list of `ImgDetection` boxes (label, confidence, normalised corners), as detection networks emit.

    dets = dai.ImgDetections()
    d = dai.ImgDetection(); d.label = 15; d.confidence = 0.9; d.xmax = d.ymax = 0.5
    dets.detections = [d]
"""
from ._args import as_uint
from .buffer import Buffer
from .datatype import DatatypeEnum


class ImgDetection:
    """One box: `label` (uint32), `confidence`, and `xmin, ymin, xmax, ymax` normalised to 0..1
    (they may stray a little outside).

    Keyword arguments are an extension; gen2 only has the default constructor."""

    __slots__ = ("label", "confidence", "xmin", "ymin", "xmax", "ymax")

    def __init__(self, label=0, confidence=0.0, xmin=0.0, ymin=0.0, xmax=0.0, ymax=0.0):
        self.label = as_uint(label, "ImgDetection.label")
        self.confidence = float(confidence)
        self.xmin = float(xmin)
        self.ymin = float(ymin)
        self.xmax = float(xmax)
        self.ymax = float(ymax)

    def __repr__(self):
        return (f"ImgDetection(label={self.label}, confidence={self.confidence:.3f}, "
                f"xmin={self.xmin:.3f}, ymin={self.ymin:.3f}, xmax={self.xmax:.3f}, ymax={self.ymax:.3f})")


class DetectionList(Buffer):
    """A frame's detections as a read/write list of `ITEM`s, checked when the list is set."""

    ITEM = None

    def __init__(self):
        super().__init__()
        self._detections = []

    @property
    def detections(self) -> list:
        return self._detections

    @detections.setter
    def detections(self, value):
        items = list(value)
        for i, d in enumerate(items):
            if not isinstance(d, self.ITEM):
                raise TypeError(f"{type(self).__name__}.detections[{i}]: expected {self.ITEM.__name__}, "
                                f"got {type(d).__name__}")
        self._detections = items

    def __repr__(self):
        return (f"{type(self).__name__}(seq={self._seq}, {len(self._detections)} detections, "
                f"ts={self.getTimestamp()})")


class ImgDetections(DetectionList):
    """Detections of one frame (gen2 `dai.ImgDetections`); `detections` is a read/write list."""

    DATATYPE = DatatypeEnum.ImgDetections
    ITEM = ImgDetection
