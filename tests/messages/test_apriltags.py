"""AprilTagConfig and AprilTags: gen2's fields, defaults, get()/set(), and the wire round trip."""
import msgpack
import pytest

import oakling as dai
from oakling.messages import codec

DEFAULTS = {"family": 0, "quadDecimate": 4, "quadSigma": 0.0, "refineEdges": True, "decodeSharpening": 0.25,
            "maxHammingDistance": 1,
            "quadThresholds": {"minClusterPixels": 5, "maxNmaxima": 10, "criticalDegree": 10.0, "maxLineFitMse": 10.0,
                               "minWhiteBlackDiff": 5, "deglitch": False}}


def test_the_config_has_gen2s_defaults_families_and_get_set():
    cfg = dai.AprilTagConfig()
    assert cfg._json() == DEFAULTS
    F = dai.AprilTagConfig.Family
    assert [f.name for f in F] == ["TAG_36H11", "TAG_36H10", "TAG_25H9", "TAG_16H5", "TAG_CIR21H7", "TAG_STAND41H12"]
    assert str(F.TAG_16H5) == "Family.TAG_16H5" and dai.RawAprilTagConfig.Family is F
    raw = cfg.setFamily(F.TAG_25H9).get()
    assert isinstance(raw, dai.RawAprilTagConfig) and raw.family == F.TAG_25H9
    raw.quadDecimate, raw.quadThresholds.minWhiteBlackDiff, raw.quadThresholds.deglitch = 2, 30, True
    assert cfg.quadDecimate == 4                         # get() is a copy
    cfg.set(raw)
    assert (cfg.quadDecimate, cfg.quadThresholds.minWhiteBlackDiff, cfg.quadThresholds.deglitch) == (2, 30, True)
    with pytest.raises(TypeError, match="AprilTagConfig.set: expected dai.RawAprilTagConfig, got dict"):
        cfg.set({})
    with pytest.raises(ValueError):
        cfg.setFamily(9)


def test_configs_and_tags_survive_the_wire():
    cfg = dai.AprilTagConfig().setFamily(dai.AprilTagConfig.Family.TAG_16H5)
    cfg.quadSigma, cfg.refineEdges, cfg.quadThresholds.criticalDegree = 0.8, False, 25.0
    dt, meta, payload = codec.encode(cfg.setSequenceNum(3))
    back = codec.decode(dt, msgpack.unpackb(msgpack.packb(meta)), payload)
    assert type(back) is dai.AprilTagConfig and back._json() == cfg._json() and back.getSequenceNum() == 3
    raw = dai.RawAprilTagConfig()                         # sent raw, it arrives as an AprilTagConfig
    dt, meta, payload = codec.encode(raw)
    assert type(codec.decode(dt, meta, payload)) is dai.AprilTagConfig

    tags = dai.AprilTags()
    tag = dai.AprilTag()
    assert (tag.id, tag.hamming, tag.decisionMargin, tag.topLeft.x, tag.bottomLeft.y) == (0, 0, 0.0, 0.0, 0.0)
    tag.id, tag.hamming, tag.decisionMargin = 17, 1, 88.5
    tag.topLeft, tag.topRight = dai.Point2f(1.5, 2.5), dai.Point2f(10.25, 2.0)
    tag.bottomRight, tag.bottomLeft = dai.Point2f(10.0, 12.0), dai.Point2f(1.0, 11.75)
    tags.aprilTags = [tag, dai.AprilTag()]
    tags.setSequenceNum(9)
    dt, meta, payload = codec.encode(tags)
    back = codec.decode(dt, msgpack.unpackb(msgpack.packb(meta)), payload)
    assert type(back) is dai.AprilTags and back.getSequenceNum() == 9
    assert [repr(t) for t in back.aprilTags] == [repr(t) for t in tags.aprilTags]
    assert (back.aprilTags[0].topRight.x, back.aprilTags[0].bottomLeft.y) == (10.25, 11.75)
    with pytest.raises(TypeError, match=r"AprilTags.aprilTags: expected a list of dai.AprilTag"):
        tags.aprilTags = [1]
