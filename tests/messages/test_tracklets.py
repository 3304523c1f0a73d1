"""Tracklets: gen2's fields, defaults and status names, checks, and every field on the wire."""
import pytest

import oakling as dai
from oakling.messages import codec

S = dai.Tracklet.TrackingStatus


def test_a_tracklet_has_gen2s_defaults_and_statuses():
    t = dai.Tracklet()
    assert (t.id, t.label, t.age, t.status) == (0, 0, 0, S.LOST)
    assert [s.name for s in S] == ["NEW", "TRACKED", "LOST", "REMOVED"] and [int(s) for s in S] == [0, 1, 2, 3]
    assert str(S.REMOVED) == "TrackingStatus.REMOVED"
    assert isinstance(t.roi, dai.Rect) and isinstance(t.srcImgDetection, dai.ImgDetection)
    assert isinstance(t.spatialCoordinates, dai.Point3f)
    t.status = 1
    assert t.status is S.TRACKED
    with pytest.raises(ValueError, match="Tracklet.status: expected one of NEW, TRACKED, LOST, REMOVED, got 9"):
        t.status = 9
    with pytest.raises(TypeError, match=r"Tracklets.tracklets\[0\]: expected Tracklet, got str"):
        dai.Tracklets().tracklets = ["x"]


def test_tracklets_cross_the_wire_with_every_field():
    t = dai.Tracklet()
    t.roi = dai.Rect(0.1, 0.2, 0.3, 0.4)
    t.id, t.label, t.age, t.status = 12, 15, 33, S.NEW
    t.srcImgDetection = dai.ImgDetection(15, 0.75, 0.1, 0.2, 0.4, 0.6)
    t.spatialCoordinates = dai.Point3f(-100.0, 50.0, 2000.0)
    msg = dai.Tracklets()
    msg.tracklets = [t, dai.Tracklet()]
    msg.setSequenceNum(3)
    out = codec.decode(*codec.encode(msg))
    assert type(out) is dai.Tracklets and out.getSequenceNum() == 3 and out.getTimestamp() == msg.getTimestamp()
    a, b = out.tracklets
    assert (a.id, a.label, a.age, a.status) == (12, 15, 33, S.NEW) and b.status is S.LOST
    assert (a.roi.x, a.roi.y, a.roi.width, a.roi.height) == (0.1, 0.2, 0.3, 0.4)
    d = a.srcImgDetection
    assert (d.label, d.confidence, d.xmin, d.ymin, d.xmax, d.ymax) == (15, 0.75, 0.1, 0.2, 0.4, 0.6)
    assert (a.spatialCoordinates.x, a.spatialCoordinates.y, a.spatialCoordinates.z) == (-100.0, 50.0, 2000.0)
