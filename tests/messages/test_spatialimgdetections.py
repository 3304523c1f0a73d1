"""SpatialImgDetections: ImgDetection fields plus spatialCoordinates and boundingBoxMapping, across the wire."""
import msgpack
import pytest

from oakling.messages import codec
from oakling.messages.datatype import DatatypeEnum, is_subclass
from oakling.messages.detections import ImgDetection
from oakling.messages.geometry import Point3f, Rect
from oakling.messages.spatialimgdetections import SpatialImgDetection, SpatialImgDetections


def test_a_spatial_detection_is_an_img_detection_with_coordinates():
    d = SpatialImgDetection()
    assert isinstance(d, ImgDetection)
    assert (d.spatialCoordinates.x, d.spatialCoordinates.z) == (0.0, 0.0)
    assert is_subclass(SpatialImgDetections.DATATYPE, DatatypeEnum.ImgDetections)
    with pytest.raises(TypeError, match="detections\\[0\\]"):
        SpatialImgDetections().detections = [ImgDetection()]


def test_spatial_detections_cross_the_wire():
    d = SpatialImgDetection(label=3, confidence=0.75, xmin=0.1, ymin=0.2, xmax=0.3, ymax=0.4)
    d.spatialCoordinates = Point3f(-310, 140, 1002)
    d.boundingBoxMapping.roi = Rect(0.15, 0.25, 0.1, 0.1)
    msg = SpatialImgDetections()
    msg.detections = [d]
    msg.setSequenceNum(9)
    dt, meta, payload = codec.encode(msg)
    back = codec.decode(dt, msgpack.unpackb(msgpack.packb(meta)), payload)
    got = back.detections[0]
    assert back.getSequenceNum() == 9 and (got.label, got.confidence) == (3, 0.75)
    assert (got.spatialCoordinates.x, got.spatialCoordinates.y, got.spatialCoordinates.z) == (-310, 140, 1002)
    assert got.boundingBoxMapping.roi.x == pytest.approx(0.15)
