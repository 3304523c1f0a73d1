"""EncodedFrame: gen2's getters and setters with their checks, and every field across the wire codec."""
import numpy as np
import pytest

import oakling as dai
from oakling.messages import codec

E = dai.EncodedFrame


def test_a_new_frame_is_an_unknown_jpeg_of_nothing():
    f = E()
    assert (f.getProfile(), f.getFrameType(), f.getQuality(), f.getBitrate(), f.getLossless(), f.getWidth(),
            f.getHeight()) == (E.Profile.JPEG, E.FrameType.Unknown, 0, 0, False, 0, 0)
    assert E.Profile.__qualname__ == "EncodedFrame.Profile" and len(f.getData()) == 0


def test_setters_chain_and_take_enums_as_their_values():
    f = E().setProfile(1).setFrameType(E.FrameType.P).setQuality(90).setBitrate(4_000_000).setLossless(True)
    f.setWidth(640).setHeight(480).setInstanceNum(2)
    assert (f.getProfile(), f.getFrameType(), f.getQuality(), f.getBitrate(), f.getLossless(), f.getWidth(),
            f.getHeight(), f.getInstanceNum()) == (E.Profile.AVC, E.FrameType.P, 90, 4_000_000, True, 640, 480, 2)
    assert repr(f) == "<EncodedFrame AVC P 640x480 seq=0 bytes=0>"


@pytest.mark.parametrize("setter, value, error", [
    ("setProfile", 7, TypeError), ("setFrameType", "I", TypeError), ("setQuality", -1, ValueError),
    ("setWidth", 1.5, TypeError), ("setLossless", "yes", TypeError),
])
def test_bad_values_are_refused(setter, value, error):
    with pytest.raises(error, match=f"EncodedFrame.{setter}"):
        getattr(E(), setter)(value)


def test_every_field_crosses_the_wire():
    f = E().setProfile(E.Profile.HEVC).setFrameType(E.FrameType.B).setQuality(5).setBitrate(123).setLossless(True)
    f.setWidth(8).setHeight(6).setInstanceNum(1).setSequenceNum(9).setTimestamp(1.25).setTimestampDevice(0.5)
    f._set_camera_settings(exposure_us=33, sensitivity_iso=200, lens_position=3, wb_color_temp=6500,
                           lens_position_raw=0.75)
    f.setData(np.arange(10, dtype=np.uint8))
    datatype, meta, payload = codec.encode(f)
    got = codec.decode(datatype, meta, payload)
    assert type(got) is E and datatype == dai.DatatypeEnum.EncodedFrame
    assert codec.encode(got)[1] == meta
    assert got.getFrameType() is E.FrameType.B and got.getProfile() is E.Profile.HEVC
    assert got.getData().tolist() == list(range(10))
