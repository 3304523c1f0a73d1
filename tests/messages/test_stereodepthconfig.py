"""StereoDepthConfig: gen2's RawStereoDepthConfig with its defaults, setters, get/set and the wire."""
import msgpack
import numpy as np
import pytest

import oakling as dai
from oakling.messages import codec
from oakling.messages.stereodepthconfig import RawStereoDepthConfig, max_disparity


def test_the_defaults_are_gen2s():
    raw = dai.StereoDepthConfig().get()
    control = raw.algorithmControl
    assert control.depthAlign == dai.RawStereoDepthConfig.AlgorithmControl.DepthAlign.RECTIFIED_RIGHT
    assert control.depthUnit == dai.RawStereoDepthConfig.AlgorithmControl.DepthUnit.MILLIMETER
    assert (control.enableLeftRightCheck, control.enableExtended, control.enableSubpixel) == (True, False, False)
    assert (control.leftRightCheckThreshold, control.subpixelFractionalBits) == (10, 3)
    assert raw.postProcessing.median == dai.MedianFilter.KERNEL_5x5
    assert raw.postProcessing.thresholdFilter.maxRange == 65535
    assert raw.costMatching.confidenceThreshold == 245
    assert raw.costAggregation.horizontalPenaltyCostP2 == 500
    assert str(dai.MedianFilter.KERNEL_7x7) == "MedianFilter.KERNEL_7x7"
    assert str(dai.StereoDepthProperties.DepthAlign.CENTER) == "DepthAlign.CENTER"


def test_setters_change_the_raw_config_and_get_returns_a_copy():
    config = dai.StereoDepthConfig()
    config.setConfidenceThreshold(200).setMedianFilter(dai.MedianFilter.KERNEL_7x7).setSubpixel(True)
    config.setSubpixelFractionalBits(5).setLeftRightCheckThreshold(4).setExtendedDisparity(True)
    assert config.getConfidenceThreshold() == 200 and config.getMedianFilter() == dai.MedianFilter.KERNEL_7x7
    assert config.getLeftRightCheckThreshold() == 4 and config.getSubpixelFractionalBits() == 5
    raw = config.get()
    raw.postProcessing.thresholdFilter.maxRange = 3000
    assert config.get().postProcessing.thresholdFilter.maxRange == 65535   # a copy: set() applies it
    config.set(raw)
    assert config.get().postProcessing.thresholdFilter.maxRange == 3000


@pytest.mark.parametrize("extended, subpixel, bits, top", [
    (False, False, 3, 95), (True, False, 3, 190), (False, True, 3, 760), (True, True, 5, 6080),
])
def test_max_disparity_is_gen2s(extended, subpixel, bits, top):
    config = dai.StereoDepthConfig().setExtendedDisparity(extended).setSubpixel(subpixel)
    config.setSubpixelFractionalBits(bits)
    assert config.getMaxDisparity() == top == max_disparity(config.get())


@pytest.mark.parametrize("call, message", [
    (lambda c: c.setConfidenceThreshold(256), r"setConfidenceThreshold: expected an integer in 0\.\.255, got 256"),
    (lambda c: c.setSubpixelFractionalBits(2), r"setSubpixelFractionalBits: expected an integer in 3\.\.5"),
    (lambda c: c.setMedianFilter(4), r"setMedianFilter: expected a dai.MedianFilter"),
])
def test_out_of_range_settings_are_refused_with_the_range(call, message):
    with pytest.raises(ValueError, match=message):
        call(dai.StereoDepthConfig())


def test_set_takes_only_a_raw_config():
    with pytest.raises(TypeError, match="expected the RawStereoDepthConfig that get"):
        dai.StereoDepthConfig().set({"algorithmControl": {}})


def test_the_json_form_round_trips_and_refuses_unknown_fields():
    raw = dai.StereoDepthConfig().setSubpixel(True).setMedianFilter(dai.MedianFilter.MEDIAN_OFF).get()
    raw.postProcessing.speckleFilter.enable = True
    data = raw.as_dict()
    assert data["postProcessing"]["median"] == 0 and data["algorithmControl"]["enableSubpixel"] is True
    assert RawStereoDepthConfig.from_dict(data) == raw
    with pytest.raises(ValueError, match=r"StereoDepthConfig.postProcessing: unknown field 'medianx'"):
        RawStereoDepthConfig.from_dict({"postProcessing": {"medianx": 3}})


def test_it_crosses_the_wire_with_every_field():
    config = dai.StereoDepthConfig().setConfidenceThreshold(180).setDepthUnit(
        dai.RawStereoDepthConfig.AlgorithmControl.DepthUnit.METER)
    config.setSequenceNum(7)
    dt, meta, payload = codec.encode(config)
    back = codec.decode(dt, msgpack.unpackb(msgpack.packb(meta)), np.asarray(payload, np.uint8))
    assert isinstance(back, dai.StereoDepthConfig) and back.getSequenceNum() == 7
    assert back.get() == config.get()
