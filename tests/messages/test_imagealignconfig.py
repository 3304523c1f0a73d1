"""ImageAlignConfig: gen2's static depth plane — get/set through the raw config, checked, and carried by the codec."""
import pytest

import oakling as dai
from oakling.messages import codec


def test_the_plane_is_infinitely_far_until_set():
    cfg = dai.ImageAlignConfig()
    raw = cfg.get()
    assert isinstance(raw, dai.RawImageAlignConfig) and raw.staticDepthPlane == 0
    raw.staticDepthPlane = 1500
    assert cfg.get().staticDepthPlane == 0          # get() is a copy
    assert cfg.set(raw) is cfg and cfg.get().staticDepthPlane == 1500
    with pytest.raises(ValueError, match=r"RawImageAlignConfig.staticDepthPlane: expected an integer in 0..65535"):
        raw.staticDepthPlane = 70000
    with pytest.raises(TypeError, match=r"ImageAlignConfig.set: expected dai.RawImageAlignConfig, got int"):
        cfg.set(5)


def test_the_config_crosses_the_wire():
    raw = dai.RawImageAlignConfig()
    raw.staticDepthPlane = 800
    cfg = dai.ImageAlignConfig().set(raw)
    cfg.setSequenceNum(4)
    out = codec.decode(*codec.encode(cfg))
    assert type(out) is dai.ImageAlignConfig and out.get().staticDepthPlane == 800 and out.getSequenceNum() == 4


def test_a_raw_config_is_sent_as_it_is_and_arrives_as_a_config():
    raw = dai.ImageAlignConfig().get()
    raw.staticDepthPlane = 1200
    out = codec.decode(*codec.encode(raw))
    assert type(out) is dai.ImageAlignConfig and out.get().staticDepthPlane == 1200
