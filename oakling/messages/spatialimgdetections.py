"""`SpatialImgDetections`: detections with their place in space, as spatial detection networks send.

    for d in msg.detections:                     # SpatialImgDetection
        d.label, d.confidence, d.xmin, d.ymax    # as ImgDetection
        d.spatialCoordinates.z                   # millimetres ahead of the depth's camera (x right, y up)
        d.boundingBoxMapping.roi                 # the region of the depth map that was measured (normalised)
"""
from .buffer import Buffer
from .datatype import DatatypeEnum
from .detections import ImgDetection
from .geometry import Point3f
from .spatiallocationcalculator import SpatialLocationCalculatorConfigData


class SpatialImgDetection(ImgDetection):
    """An ImgDetection plus `spatialCoordinates` (Point3f) and `boundingBoxMapping` (the
    SpatialLocationCalculatorConfigData its distance was measured with)."""

    __slots__ = ("spatialCoordinates", "boundingBoxMapping")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.spatialCoordinates = Point3f()
        self.boundingBoxMapping = SpatialLocationCalculatorConfigData()

    def __repr__(self):
        c = self.spatialCoordinates
        return (f"SpatialImgDetection(label={self.label}, confidence={self.confidence:.3f}, "
                f"xmin={self.xmin:.3f}, ymin={self.ymin:.3f}, xmax={self.xmax:.3f}, ymax={self.ymax:.3f}, "
                f"x={c.x:.0f}, y={c.y:.0f}, z={c.z:.0f})")


class SpatialImgDetections(Buffer):
    """Spatial detections of one frame (gen2 `dai.SpatialImgDetections`); `detections` is a read/write list.
    On links it goes wherever ImgDetections may."""

    DATATYPE = DatatypeEnum.SpatialImgDetections

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
            if not isinstance(d, SpatialImgDetection):
                raise TypeError(f"SpatialImgDetections.detections[{i}]: expected SpatialImgDetection, "
                                f"got {type(d).__name__}")
        self._detections = items

    def __repr__(self):
        return f"SpatialImgDetections(seq={self._seq}, {len(self._detections)} detections, ts={self.getTimestamp()})"
