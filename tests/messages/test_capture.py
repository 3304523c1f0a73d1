"""What a picture was captured with: the settings a camera sets, and a picture made from another keeping
them with its sequence number and timestamps."""
from datetime import timedelta

import pytest

import oakling as dai


@pytest.mark.parametrize("cls", [dai.ImgFrame, dai.EncodedFrame])
def test_a_new_picture_has_no_capture_settings(cls):
    picture = cls()
    assert (picture.getInstanceNum(), picture.getExposureTime(), picture.getSensitivity(),
            picture.getColorTemperature(), picture.getLensPosition(), picture.getLensPositionRaw()) == \
        (0, timedelta(0), 0, 0, 0, 0.0)


def test_settings_a_camera_gives_are_read_back_and_unset_ones_kept():
    frame = dai.ImgFrame()._set_camera_settings(exposure_us=8000, sensitivity_iso=400, lens_position=130,
                                                 wb_color_temp=5600, lens_position_raw=0.5)
    frame._set_camera_settings(sensitivity_iso=800)
    assert frame.getExposureTime() == timedelta(microseconds=8000)
    assert (frame.getSensitivity(), frame.getLensPosition(), frame.getColorTemperature()) == (800, 130, 5600)
    assert frame.getLensPositionRaw() == 0.5


def test_a_setting_of_the_wrong_type_names_the_message_and_setting():
    with pytest.raises(TypeError, match="EncodedFrame exposure_us: expected an int, got float"):
        dai.EncodedFrame()._set_camera_settings(exposure_us=1.5)


def test_a_picture_made_from_another_keeps_its_capture_sequence_and_timestamps():
    src = dai.ImgFrame().setSequenceNum(12).setTimestamp(3.0).setTimestampDevice(2.0).setInstanceNum(2)
    src._set_camera_settings(exposure_us=1000, sensitivity_iso=100, lens_position=7, wb_color_temp=4000,
                             lens_position_raw=0.25)
    encoded = dai.EncodedFrame()._keep_capture_of(src)
    assert encoded.getSequenceNum() == 12 and encoded.getInstanceNum() == 2
    assert encoded.getTimestamp() == timedelta(seconds=3) and encoded.getTimestampDevice() == timedelta(seconds=2)
    assert (encoded.getExposureTime(), encoded.getSensitivity(), encoded.getLensPosition(),
            encoded.getColorTemperature(), encoded.getLensPositionRaw()) == \
        (timedelta(microseconds=1000), 100, 7, 4000, 0.25)
