"""FeatureTrackerConfig: gen2's defaults, setters, nested structs, the raw config, checks and the wire."""
import msgpack
import pytest

import oakling as dai
from oakling.messages import codec

CD = dai.FeatureTrackerConfig.CornerDetector
ME = dai.FeatureTrackerConfig.MotionEstimator


def test_defaults_are_gen2s_and_the_nested_types_are_shared_with_the_raw_config():
    assert CD is dai.RawFeatureTrackerConfig.CornerDetector and ME is dai.RawFeatureTrackerConfig.MotionEstimator
    assert dai.FeatureTrackerConfig.FeatureMaintainer is dai.RawFeatureTrackerConfig.FeatureMaintainer
    assert dai.RawFeatureTrackerConfig.AUTO == 0
    plain = dai.FeatureTrackerConfig().to_plain()
    assert plain == {
        "cornerDetector": {"type": 0, "cellGridDimension": 4, "numTargetFeatures": 320, "numMaxFeatures": 0,
                           "thresholds": {"initialValue": 0.0, "min": 0.0, "max": 0.0, "decreaseFactor": 0.9,
                                          "increaseFactor": 1.1},
                           "enableSobel": True, "enableSorting": True},
        "motionEstimator": {"enable": True, "type": 0,
                            "opticalFlow": {"pyramidLevels": 0, "searchWindowWidth": 5, "searchWindowHeight": 5,
                                            "epsilon": 0.01, "maxIterations": 9}},
        "featureMaintainer": {"enable": True, "minimumDistanceBetweenFeatures": 50.0,
                              "lostFeatureErrorThreshold": 50000.0, "trackedFeatureThreshold": 200000.0}}
    assert str(CD.Type.SHI_THOMASI) == "Type.SHI_THOMASI" and int(ME.Type.HW_MOTION_ESTIMATION) == 1


def test_setters_change_what_they_name_and_return_the_config():
    cfg = dai.FeatureTrackerConfig()
    assert cfg.setCornerDetector(CD.Type.SHI_THOMASI) is cfg
    assert cfg.cornerDetector.type == CD.Type.SHI_THOMASI and cfg.cornerDetector.numTargetFeatures == 320
    cfg.setNumTargetFeatures(100).setMotionEstimator(False).setFeatureMaintainer(False)
    assert (cfg.cornerDetector.numTargetFeatures, cfg.motionEstimator.enable, cfg.featureMaintainer.enable) == \
        (100, False, False)
    cfg.setHwMotionEstimation()
    assert cfg.motionEstimator.enable and cfg.motionEstimator.type == ME.Type.HW_MOTION_ESTIMATION
    flow = ME.OpticalFlow()
    flow.searchWindowWidth = 7
    cfg.setOpticalFlow(flow)
    assert cfg.motionEstimator.type == ME.Type.LUCAS_KANADE_OPTICAL_FLOW and \
        cfg.motionEstimator.opticalFlow.searchWindowWidth == 7
    flow.searchWindowWidth = 9                          # the config took a copy
    assert cfg.motionEstimator.opticalFlow.searchWindowWidth == 7
    corner = CD()
    corner.cellGridDimension = 2
    corner.thresholds.initialValue = 5e6
    cfg.setCornerDetector(corner)
    assert cfg.cornerDetector.cellGridDimension == 2 and cfg.cornerDetector.thresholds.initialValue == 5e6


def test_get_returns_a_copy_that_set_takes_back():
    cfg = dai.FeatureTrackerConfig()
    raw = cfg.get()
    assert type(raw) is dai.RawFeatureTrackerConfig
    raw.cornerDetector.type = CD.Type.SHI_THOMASI            # as gen2's feature_detector.py does
    assert cfg.cornerDetector.type == CD.Type.HARRIS
    other = dai.FeatureTrackerConfig()
    assert other.set(raw) is other and other.cornerDetector.type == CD.Type.SHI_THOMASI
    with pytest.raises(TypeError, match="FeatureTrackerConfig.set: expected dai.RawFeatureTrackerConfig, got dict"):
        other.set({})


@pytest.mark.parametrize("field, value, error, text", [
    ("numTargetFeatures", 1.5, TypeError, r"CornerDetector.numTargetFeatures: expected an int, got float"),
    ("type", 7, ValueError, r"CornerDetector.type: expected one of Type.HARRIS, Type.SHI_THOMASI, got 7"),
    ("noSuchField", 1, AttributeError, r"CornerDetector has no field 'noSuchField'"),
    ("thresholds", 3, TypeError, r"CornerDetector.thresholds: expected CornerDetector.Thresholds, got int"),
])
def test_fields_check_what_they_are_given(field, value, error, text):
    with pytest.raises(error, match=text):
        setattr(dai.FeatureTrackerConfig().cornerDetector, field, value)


def test_the_config_crosses_the_wire_and_a_raw_one_arrives_as_a_config():
    cfg = dai.FeatureTrackerConfig().setCornerDetector(CD.Type.SHI_THOMASI).setNumTargetFeatures(64)
    cfg.motionEstimator.opticalFlow.epsilon = 0.05
    cfg.setSequenceNum(5)
    dt, meta, payload = codec.encode(cfg)
    out = codec.decode(dt, msgpack.unpackb(msgpack.packb(meta, use_bin_type=True, strict_types=True)), payload)
    assert type(out) is dai.FeatureTrackerConfig and out.to_plain() == cfg.to_plain()
    assert (out.getSequenceNum(), out.getTimestamp()) == (5, cfg.getTimestamp())
    assert out.cornerDetector.type is CD.Type.SHI_THOMASI
    raw = codec.decode(*codec.encode(cfg.get()))
    assert type(raw) is dai.FeatureTrackerConfig and raw.cornerDetector.numTargetFeatures == 64
