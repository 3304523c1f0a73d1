"""TrackedFeatures: gen2's fields and defaults, checks, and the features packed in the payload on the wire."""
import pytest

import oakling as dai
from oakling.messages import codec


def feature(fid, x, y, age=1, score=0.0, error=0.0):
    f = dai.TrackedFeature()
    f.id, f.age, f.harrisScore, f.trackingError = fid, age, score, error
    f.position.x, f.position.y = x, y
    return f


def test_a_feature_has_gen2s_fields_and_defaults():
    f = dai.TrackedFeature()
    assert (f.id, f.age, f.harrisScore, f.trackingError, f.position.x, f.position.y) == (0, 0, 0.0, 0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match=r"TrackedFeature.id: expected an integer in 0..4294967295, got -1"):
        f.id = -1
    with pytest.raises(TypeError, match=r"TrackedFeatures.trackedFeatures\[1\]: expected TrackedFeature, got int"):
        dai.TrackedFeatures().trackedFeatures = [f, 3]


def test_features_cross_the_wire_in_order_with_every_field():
    msg = dai.TrackedFeatures()
    msg.trackedFeatures = [feature(7, 10.25, 20.5, 3, 1.5e7, 12.0), feature(4294967295, 0.0, 399.0)]
    msg.trackedFeatures.append(feature(9, 1.0, 2.0))          # the list is the message's own
    msg.setSequenceNum(42)
    out = codec.decode(*codec.encode(msg))
    assert type(out) is dai.TrackedFeatures and out.getSequenceNum() == 42
    assert out.getTimestamp() == msg.getTimestamp()
    got = [(f.id, f.position.x, f.position.y, f.age, f.harrisScore, f.trackingError) for f in out.trackedFeatures]
    assert got == [(7, 10.25, 20.5, 3, 1.5e7, 12.0), (4294967295, 0.0, 399.0, 1, 0.0, 0.0), (9, 1.0, 2.0, 1, 0.0, 0.0)]
    assert len(codec.decode(*codec.encode(dai.TrackedFeatures())).trackedFeatures) == 0
