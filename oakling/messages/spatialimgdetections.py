"""`SpatialImgDetections`: detections with their place in space, as spatial detection networks send.

    for d in msg.detections:                     # SpatialImgDetection
        d.label, d.confidence, d.xmin, d.ymax    # as ImgDetection
        d.spatialCoordinates.z                   # millimetres ahead of the depth's camera (x right, y up)
        d.boundingBoxMapping.roi                 # the region of the depth map that was measured (normalised)
"""
from .datatype import DatatypeEnum
from .detections import DetectionList, ImgDetection
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


class SpatialImgDetections(DetectionList):
    """Spatial detections of one frame (gen2 `dai.SpatialImgDetections`); `detections` is a read/write list.
    On links it goes wherever ImgDetections may."""

    DATATYPE = DatatypeEnum.SpatialImgDetections
    ITEM = SpatialImgDetection
