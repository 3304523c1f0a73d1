"""The calibration: an OAK-D's by default, gen2's getters over gen2's JSON, a user's own in its place."""
import json
import math

import numpy as np
import pytest

import oakling as dai
from oakling.calibration import oak_d

S = dai.CameraBoardSocket


@pytest.fixture
def calib():
    return oak_d()


def test_intrinsics_come_from_the_field_of_view_centred_on_the_sensor(calib):
    (fx, _, cx), (_, fy, cy), last = calib.getCameraIntrinsics(S.CAM_A)
    assert (cx, cy, last) == (960, 540, [0.0, 0.0, 1.0]) and fx == fy
    assert math.degrees(2 * math.atan(960 / fx)) == pytest.approx(calib.getFov(S.CAM_A))
    assert calib.getFov(S.CAM_A, useSpec=False) == pytest.approx(calib.getFov(S.CAM_A))
    matrix, width, height = calib.getDefaultIntrinsics(S.RIGHT)
    assert (width, height) == (1280, 800) and matrix == calib.getCameraIntrinsics(S.CAM_C)


@pytest.mark.parametrize("size, keep, scale, shift", [
    ((640, 400), True, (0.5, 0.5), (0, 0)),
    ((640, -1), True, (0.5, 0.5), (0, 0)),          # one side: the other follows
    ((-1, 200), True, (0.25, 0.25), (0, 0)),
    ((1280, 720), True, (1.0, 1.0), (0, -40)),      # 16:9 of a 16:10 sensor: cropped in the middle
    ((640, 800), True, (0.5, 0.5), (0, 200)),       # 4:5 of a 16:10 sensor: letterboxed, as gen2 computes
    ((640, 800), False, (0.5, 1.0), (0, 0)),
])
def test_intrinsics_for_a_resized_picture_as_gen2_scales_them(calib, size, keep, scale, shift):
    (fx, _, cx), (_, fy, cy), _ = calib.getCameraIntrinsics(S.CAM_B)
    (gx, _, gcx), (_, gy, gcy), _ = calib.getCameraIntrinsics(S.CAM_B, *size, keepAspectRatio=keep)
    assert (gx / fx, gy / fy) == pytest.approx(scale)
    assert (gcx - cx * scale[0], gcy - cy * scale[1]) == pytest.approx(shift)


def test_intrinsics_take_a_shape_and_a_crop(calib):
    whole = calib.getCameraIntrinsics(S.CAM_C, (640, 400))
    assert whole == calib.getCameraIntrinsics(S.CAM_C, 640, 400)
    cropped = calib.getCameraIntrinsics(S.CAM_C, 640, 400, dai.Point2f(100, 50), dai.Point2f(600, 400))
    assert (cropped[0][2], cropped[1][2]) == (whole[0][2] - 100, whole[1][2] - 50)
    with pytest.raises(RuntimeError, match="Invalid crop: its bottom-right corner"):
        calib.getCameraIntrinsics(S.CAM_C, 640, 400, dai.Point2f(0, 0), dai.Point2f(700, 400))


def test_extrinsics_follow_the_chain_and_invert_it(calib):
    assert (calib.getStereoLeftCameraId(), calib.getStereoRightCameraId()) == (S.CAM_B, S.CAM_C)
    assert calib.getBaselineDistance() == 7.5
    assert calib.getCameraTranslationVector(S.CAM_B, S.CAM_C) == [-7.5, 0.0, 0.0]
    assert calib.getCameraTranslationVector(S.CAM_B, S.CAM_A) == [-3.75, 0.0, 0.0]   # through CAM_C
    assert calib.getCameraTranslationVector(S.CAM_A, S.CAM_B) == [3.75, 0.0, 0.0]    # the inverse
    extrinsics = np.array(calib.getCameraExtrinsics(S.CAM_C, S.CAM_A))
    assert np.allclose(extrinsics[:3, :3], np.eye(3)) and extrinsics[3].tolist() == [0, 0, 0, 1]


def test_a_rotated_camera_composes_along_the_chain():
    calib = oak_d()
    turn = [[math.cos(0.1), 0, math.sin(0.1)], [0, 1, 0], [-math.sin(0.1), 0, math.cos(0.1)]]
    calib.setCameraExtrinsics(S.CAM_B, S.CAM_C, turn, [-7.5, 0, 0], [-7.5, 0, 0])
    b_to_a = np.array(calib.getCameraExtrinsics(S.CAM_B, S.CAM_A))
    a_to_b = np.array(calib.getCameraExtrinsics(S.CAM_A, S.CAM_B))
    assert np.allclose(b_to_a @ a_to_b, np.eye(4))
    assert np.allclose(b_to_a[:3, :3], turn)


def test_no_distortion_no_rectification_rotation_and_no_imu(calib):
    assert calib.getDistortionCoefficients(S.CAM_A) == [0.0] * 14
    assert calib.getDistortionModel(S.CAM_A) == dai.CameraModel.Perspective
    assert calib.getStereoLeftRectificationRotation() == calib.getStereoRightRectificationRotation() == \
        [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    assert calib.getLensPosition(S.CAM_A) == 0
    with pytest.raises(RuntimeError, match="IMU calibration data is not available"):
        calib.getImuToCameraExtrinsics(S.CAM_A)


def test_the_json_round_trips_through_a_file(calib, tmp_path):
    assert calib.eepromToJsonFile(tmp_path / "calib.json") is True
    data = json.loads((tmp_path / "calib.json").read_text())
    assert [socket for socket, _ in data["cameraData"]] == [0, 1, 2]
    assert data["cameraData"][1][1]["extrinsics"]["toCameraSocket"] == 2
    again = dai.CalibrationHandler(tmp_path / "calib.json")
    assert again == calib and again.getEepromData().to_json() == calib.eepromToJson()
    assert dai.CalibrationHandler.fromJson(data) == calib


def test_an_empty_handler_is_built_with_the_setters():
    calib = dai.CalibrationHandler()
    with pytest.raises(RuntimeError, match=r"There is no calibration for camera socket CAM_A; this calibration has \[\]"):
        calib.getCameraIntrinsics(S.CAM_A)
    calib.setCameraIntrinsics(S.CAM_A, [[1000, 0, 640], [0, 1000, 360], [0, 0, 1]], 1280, 720)
    calib.setDistortionCoefficients(S.CAM_A, [0.1] + [0.0] * 13)
    calib.setFov(S.CAM_A, 65.0)
    assert calib.getCameraIntrinsics(S.CAM_A, 640, 360)[0] == [500.0, 0.0, 320.0]
    assert calib.getDistortionCoefficients(S.CAM_A)[0] == 0.1 and calib.getFov(S.CAM_A) == 65.0


@pytest.mark.parametrize("call", [
    lambda c: c.getCameraIntrinsics(S.CAM_D), lambda c: c.getFov(7), lambda c: c.getDistortionCoefficients(S.CAM_E),
    lambda c: c.getCameraExtrinsics(S.CAM_A, S.CAM_E),
])
def test_a_socket_without_a_camera_says_which_sockets_have_one(calib, call):
    with pytest.raises(RuntimeError, match=r"no calibration for camera socket .*\['CAM_A', 'CAM_B', 'CAM_C'\]"):
        call(calib)


def test_a_file_that_is_not_a_calibration_says_so(tmp_path):
    with pytest.raises(RuntimeError, match=r"Calibration data file '.*missing.json' cannot be read"):
        dai.CalibrationHandler(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(RuntimeError, match="is not JSON"):
        dai.CalibrationHandler(tmp_path / "bad.json")
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.raises(RuntimeError, match="expected gen2's calibration JSON"):
        dai.CalibrationHandler(tmp_path / "list.json")


def test_get_eeprom_data_gives_gen2s_objects(calib):
    eeprom = calib.getEepromData()
    assert isinstance(eeprom, dai.EepromData)
    assert (eeprom.productName, eeprom.boardName) == ("OAK-D", "DM9098")
    assert sorted(eeprom.cameraData) == [S.CAM_A, S.CAM_B, S.CAM_C]
    left = eeprom.cameraData[S.CAM_B]
    assert isinstance(left, dai.CameraInfo) and (left.width, left.height) == (1280, 800)
    assert left.extrinsics.toCameraSocket == S.CAM_C and isinstance(left.extrinsics, dai.Extrinsics)
    assert abs(left.extrinsics.translation.x) == pytest.approx(calib.getBaselineDistance())
    assert eeprom.stereoRectificationData.leftCameraSocket == S.CAM_B
    eeprom.boardName = "changed"                       # a copy: the handler keeps its own
    assert calib.getEepromData().boardName == "DM9098"
    assert dai.CalibrationHandler(eeprom).getEepromData().boardName == "changed"


def test_the_older_binary_calibration_form_is_refused_with_what_to_give(tmp_path):
    with pytest.raises(RuntimeError, match="give a calibration JSON"):
        dai.CalibrationHandler(tmp_path / "depthai_v5.calib", tmp_path / "board.json")
