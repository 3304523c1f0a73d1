"""ToFConfig: gen2's ToF decoding settings — defaults and JSON order, checked fields, get/set copies, and the wire."""
import pytest

import oakling as dai
from oakling.messages import codec

GEN2_JSON = {"median": 0, "enablePhaseShuffleTemporalFilter": True, "enableBurstMode": False,
             "enableDistortionCorrection": True, "enableFPPNCorrection": None, "enableOpticalCorrection": None,
             "enableTemperatureCorrection": None, "enableWiggleCorrection": None, "enablePhaseUnwrapping": None,
             "phaseUnwrappingLevel": 4, "phaseUnwrapErrorThreshold": 100}


def test_defaults_and_order_are_gen2s():
    raw = dai.ToFConfig().get()
    assert isinstance(raw, dai.RawToFConfig) and raw.median == dai.MedianFilter.MEDIAN_OFF
    assert raw.enableOpticalCorrection is None and raw.phaseUnwrappingLevel == 4
    plain = raw.to_plain()
    assert plain == GEN2_JSON and list(plain) == list(GEN2_JSON)


def test_fields_are_checked_and_get_is_a_copy():
    cfg = dai.ToFConfig()
    raw = cfg.get()
    raw.median = dai.MedianFilter.KERNEL_5x5
    raw.enableFPPNCorrection = not raw.enableFPPNCorrection     # None → True, as gen2's example toggles it
    raw.phaseUnwrapErrorThreshold = 300
    assert cfg.get().median == dai.MedianFilter.MEDIAN_OFF      # the config itself is unchanged
    assert cfg.set(raw) is cfg and cfg.get().enableFPPNCorrection is True
    assert cfg.get().phaseUnwrapErrorThreshold == 300 and cfg.get().median.name == "KERNEL_5x5"
    assert cfg.setMedianFilter(dai.MedianFilter.KERNEL_3x3).get().median == dai.MedianFilter.KERNEL_3x3
    with pytest.raises(ValueError, match=r"RawToFConfig.phaseUnwrapErrorThreshold: expected an integer in 0..65535"):
        raw.phaseUnwrapErrorThreshold = 70000
    with pytest.raises(TypeError, match=r"RawToFConfig.median: expected MedianFilter"):
        raw.median = "5x5"
    with pytest.raises(AttributeError, match=r"RawToFConfig has no field 'medianFilter' — fields: median, "):
        raw.medianFilter = 3
    with pytest.raises(TypeError, match=r"ToFConfig.set: expected dai.RawToFConfig, got dict"):
        cfg.set({})


def test_a_config_and_a_raw_one_cross_the_wire_as_configs():
    raw = dai.RawToFConfig()
    raw.phaseUnwrappingLevel = 1
    raw.enablePhaseUnwrapping = False
    for sent in (raw, dai.ToFConfig(raw).setMedianFilter(dai.MedianFilter.KERNEL_7x7)):
        sent.setSequenceNum(3)
        out = codec.decode(*codec.encode(sent))
        assert type(out) is dai.ToFConfig and out.getSequenceNum() == 3
        assert out.to_plain() == sent.to_plain() and out.get().enablePhaseUnwrapping is False
