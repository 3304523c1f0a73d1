"""The default calibration: intrinsics from each camera's field of view (scaled as gen2 scales them),
the stereo pair 7.5 cm apart, and a clear error for a socket without a camera."""
import math

import pytest

import oakling as dai

S = dai.CameraBoardSocket


@pytest.fixture
def calib():
    return dai.CalibrationHandler()


def test_intrinsics_come_from_the_field_of_view_centred_on_the_sensor(calib):
    (fx, _, cx), (_, fy, cy), last = calib.getCameraIntrinsics(S.CAM_A)
    assert (cx, cy, last) == (960, 540, [0.0, 0.0, 1.0]) and fx == fy
    assert math.degrees(2 * math.atan(960 / fx)) == pytest.approx(calib.getFov(S.CAM_A))
    matrix, width, height = calib.getDefaultIntrinsics(S.RIGHT)
    assert (width, height) == (1280, 800) and matrix == calib.getCameraIntrinsics(S.CAM_C)


@pytest.mark.parametrize("size, keep, scale", [
    ((640, 400), True, (0.5, 0.5)),
    ((640, -1), True, (0.5, 0.5)),        # one side: the other follows
    ((-1, 200), True, (0.25, 0.25)),
    ((640, 800), True, (1.0, 1.0)),       # keeping the aspect ratio: the larger scale wins
    ((640, 800), False, (0.5, 1.0)),
])
def test_intrinsics_for_a_resized_picture_scale_focal_length_and_centre(calib, size, keep, scale):
    (fx, _, cx), (_, fy, cy), _ = calib.getCameraIntrinsics(S.CAM_B)
    (gx, _, gcx), (_, gy, gcy), _ = calib.getCameraIntrinsics(S.CAM_B, *size, keepAspectRatio=keep)
    assert (gx / fx, gcx / cx) == pytest.approx((scale[0], scale[0]))
    assert (gy / fy, gcy / cy) == pytest.approx((scale[1], scale[1]))


def test_the_stereo_pair_is_left_and_right_of_the_colour_camera(calib):
    assert (calib.getStereoLeftCameraId(), calib.getStereoRightCameraId()) == (S.CAM_B, S.CAM_C)
    assert calib.getBaselineDistance() == 7.5
    assert calib.getCameraTranslationVector(S.CAM_B, S.CAM_C) == [-7.5, 0.0, 0.0]
    assert calib.getCameraTranslationVector(S.CAM_A, S.CAM_B) == [3.75, 0.0, 0.0]
    extrinsics = calib.getCameraExtrinsics(S.CAM_C, S.CAM_A)
    assert [row[:3] for row in extrinsics[:3]] == [[1, 0, 0], [0, 1, 0], [0, 0, 1]] and extrinsics[3] == [0, 0, 0, 1]


def test_no_distortion_rectification_or_eeprom(calib):
    assert calib.getDistortionCoefficients(S.CAM_A) == [0.0] * 14
    assert calib.getStereoLeftRectificationRotation() == calib.getStereoRightRectificationRotation() == \
        [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    assert calib.getEepromData() is None


@pytest.mark.parametrize("call", [
    lambda c: c.getCameraIntrinsics(S.CAM_D), lambda c: c.getFov(7), lambda c: c.getDistortionCoefficients(-1),
    lambda c: c.getCameraExtrinsics(S.CAM_A, S.CAM_E),
])
def test_a_socket_without_a_camera_says_which_sockets_have_one(calib, call):
    with pytest.raises(RuntimeError, match=r"no calibration for camera socket .*\['CAM_A', 'CAM_B', 'CAM_C'\]"):
        call(calib)
