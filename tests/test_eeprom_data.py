"""EepromData: gen2's attribute names and types over the calibration's JSON, and back."""
import oakling as dai
from oakling.calibration import oak_d

S = dai.CameraBoardSocket


def test_the_json_round_trips_through_the_objects():
    data = oak_d().eepromToJson()
    eeprom = dai.EepromData.from_json(data)
    assert eeprom.to_json() == data


def test_sockets_are_enums_and_translations_points():
    eeprom = dai.EepromData.from_json(oak_d().eepromToJson())
    assert eeprom.cameraData[S.CAM_C].extrinsics.toCameraSocket is S.CAM_C.CAM_A     # right → colour camera
    assert eeprom.cameraData[S.CAM_A].extrinsics.toCameraSocket == -1                  # the end of the chain
    assert isinstance(eeprom.cameraData[S.CAM_B].extrinsics.translation, dai.Point3f)
    assert eeprom.stereoRectificationData.rightCameraSocket is S.CAM_C
    assert eeprom.imuExtrinsics.toCameraSocket == -1 and eeprom.verticalCameraSocket == -1


def test_empty_objects_have_gen2s_defaults():
    eeprom = dai.EepromData()
    assert eeprom.cameraData == {} and eeprom.version == 7 and eeprom.boardName == ""
    info = dai.CameraInfo()
    assert info.intrinsicMatrix == [[0.0] * 3] * 3 and len(info.distortionCoeff) == 14
    assert dai.Extrinsics().toCameraSocket == -1
    assert dai.CalibrationHandler(eeprom).getEepromData().to_json() == eeprom.to_json()
