"""CameraControl: gen2 enum values and defaults, the command bit and fields each setter sets, getters."""
from datetime import timedelta

import pytest

from oakling.messages import CameraControl

CC = CameraControl
Cmd = CameraControl.Command


@pytest.mark.parametrize("enum, values", [
    (CC.AutoFocusMode, {"OFF": 0, "AUTO": 1, "MACRO": 2, "CONTINUOUS_VIDEO": 3, "CONTINUOUS_PICTURE": 4, "EDOF": 5}),
    (CC.AutoWhiteBalanceMode, {"OFF": 0, "AUTO": 1, "INCANDESCENT": 2, "FLUORESCENT": 3, "WARM_FLUORESCENT": 4,
                               "DAYLIGHT": 5, "CLOUDY_DAYLIGHT": 6, "TWILIGHT": 7, "SHADE": 8}),
    (CC.AntiBandingMode, {"OFF": 0, "MAINS_50_HZ": 1, "MAINS_60_HZ": 2, "AUTO": 3}),
    (CC.CaptureIntent, {"CUSTOM": 0, "PREVIEW": 1, "STILL_CAPTURE": 2, "VIDEO_RECORD": 3, "VIDEO_SNAPSHOT": 4,
                        "ZERO_SHUTTER_LAG": 5}),
    (CC.ControlMode, {"OFF": 0, "AUTO": 1, "USE_SCENE_MODE": 2}),
    (CC.EffectMode, {"OFF": 0, "MONO": 1, "NEGATIVE": 2, "SOLARIZE": 3, "SEPIA": 4, "POSTERIZE": 5, "WHITEBOARD": 6,
                     "BLACKBOARD": 7, "AQUA": 8}),
    (CC.FrameSyncMode, {"OFF": 0, "OUTPUT": 1, "INPUT": 2}),
])
def test_enum_values_match_gen2(enum, values):
    assert {m.name: m.value for m in enum} == values


def test_scene_mode_and_command_values():
    assert (CC.SceneMode.UNSUPPORTED, CC.SceneMode.FACE_PRIORITY, CC.SceneMode.BARCODE) == (0, 1, 16)
    assert len(CC.SceneMode) == 17
    assert (Cmd.START_STREAM, Cmd.STILL_CAPTURE, Cmd.MOVE_LENS, Cmd.AE_MANUAL, Cmd.AE_LOCK, Cmd.AWB_LOCK,
            Cmd.AF_MODE, Cmd.BRIGHTNESS, Cmd.CONTRAST, Cmd.AF_REGION, Cmd.WB_COLOR_TEMP, Cmd.EXTERNAL_TRIGGER,
            Cmd.STROBE_CONFIG, Cmd.MOVE_LENS_RAW) == (1, 3, 4, 6, 13, 16, 26, 31, 44, 46, 49, 50, 53, 55)


def test_defaults_match_gen2():
    c = CameraControl()
    assert c.cmdMask == 0 and c.autoFocusMode is CC.AutoFocusMode.CONTINUOUS_VIDEO
    assert (c.lensPosition, c.lensPositionRaw, c.brightness, c.wbColorTemp, c.aeLockMode) == (0, 0.0, 0, 0, False)
    assert c.awbMode is CC.AutoWhiteBalanceMode.OFF and c.miscControls == []
    assert not c.getCaptureStill() and c.getExposureTime() == timedelta(0) and c.getSensitivity() == 0


def get(c, path):
    for part in path.split("."):
        c = getattr(c, part)
    return c


SETTERS = [
    (lambda c: c.setCaptureStill(True), Cmd.STILL_CAPTURE, {}),
    (lambda c: c.setStartStreaming(), Cmd.START_STREAM, {}),
    (lambda c: c.setStopStreaming(), Cmd.STOP_STREAM, {}),
    (lambda c: c.setExternalTrigger(4, 1), Cmd.EXTERNAL_TRIGGER,
     {"lowPowerNumFramesBurst": 4, "lowPowerNumFramesDiscard": 1}),
    (lambda c: c.setFrameSyncMode(CC.FrameSyncMode.OUTPUT), Cmd.FRAME_SYNC, {"frameSyncMode": CC.FrameSyncMode.OUTPUT}),
    (lambda c: c.setStrobeSensor(1), Cmd.STROBE_CONFIG,
     {"strobeConfig.enable": 1, "strobeConfig.activeLevel": 1, "strobeConfig.gpioNumber": -1}),
    (lambda c: c.setStrobeExternal(6, 0), Cmd.STROBE_CONFIG,
     {"strobeConfig.enable": 1, "strobeConfig.activeLevel": 0, "strobeConfig.gpioNumber": 6}),
    (lambda c: c.setStrobeSensor(1).setStrobeDisable(), Cmd.STROBE_CONFIG, {"strobeConfig.enable": 0}),
    (lambda c: c.setAutoFocusMode(CC.AutoFocusMode.OFF), Cmd.AF_MODE, {"autoFocusMode": CC.AutoFocusMode.OFF}),
    (lambda c: c.setAutoFocusMode(1), Cmd.AF_MODE, {"autoFocusMode": CC.AutoFocusMode.AUTO}),
    (lambda c: c.setAutoFocusTrigger(), Cmd.AF_TRIGGER, {}),
    (lambda c: c.setAutoFocusLensRange(120, 200), Cmd.AF_LENS_RANGE,
     {"lensPosAutoInfinity": 120, "lensPosAutoMacro": 200}),
    (lambda c: c.setAutoFocusRegion(1, 2, 3, 4), Cmd.AF_REGION,
     {"afRegion.x": 1, "afRegion.y": 2, "afRegion.width": 3, "afRegion.height": 4, "afRegion.priority": 1}),
    (lambda c: c.setManualFocus(130), Cmd.MOVE_LENS, {"lensPosition": 130}),
    (lambda c: c.setManualFocusRaw(0.5), Cmd.MOVE_LENS_RAW, {"lensPositionRaw": 0.5}),
    (lambda c: c.setAutoExposureEnable(), Cmd.AE_AUTO, {}),
    (lambda c: c.setAutoExposureLock(True), Cmd.AE_LOCK, {"aeLockMode": True}),
    (lambda c: c.setAutoExposureRegion(5, 6, 7, 8), Cmd.AE_REGION,
     {"aeRegion.x": 5, "aeRegion.height": 8, "aeRegion.priority": 1}),
    (lambda c: c.setAutoExposureCompensation(-3), Cmd.EXPOSURE_COMPENSATION, {"expCompensation": -3}),
    (lambda c: c.setAutoExposureLimit(timedelta(milliseconds=5)), Cmd.AE_TARGET_FPS_RANGE,
     {"aeMaxExposureTimeUs": 5000}),
    (lambda c: c.setAntiBandingMode(CC.AntiBandingMode.MAINS_50_HZ), Cmd.ANTIBANDING_MODE,
     {"antiBandingMode": CC.AntiBandingMode.MAINS_50_HZ}),
    (lambda c: c.setManualExposure(20000, 800), Cmd.AE_MANUAL,
     {"expManual.exposureTimeUs": 20000, "expManual.sensitivityIso": 800, "expManual.frameDurationUs": 0}),
    (lambda c: c.setManualExposure(timedelta(milliseconds=2, microseconds=5), 100), Cmd.AE_MANUAL,
     {"expManual.exposureTimeUs": 2005}),
    (lambda c: c.setAutoWhiteBalanceMode(CC.AutoWhiteBalanceMode.DAYLIGHT), Cmd.AWB_MODE,
     {"awbMode": CC.AutoWhiteBalanceMode.DAYLIGHT}),
    (lambda c: c.setAutoWhiteBalanceLock(True), Cmd.AWB_LOCK, {"awbLockMode": True}),
    (lambda c: c.setManualWhiteBalance(5600), Cmd.WB_COLOR_TEMP, {"wbColorTemp": 5600}),
    (lambda c: c.setBrightness(-2), Cmd.BRIGHTNESS, {"brightness": -2}),
    (lambda c: c.setContrast(3), Cmd.CONTRAST, {"contrast": 3}),
    (lambda c: c.setSaturation(4), Cmd.SATURATION, {"saturation": 4}),
    (lambda c: c.setSharpness(1), Cmd.SHARPNESS, {"sharpness": 1}),
    (lambda c: c.setLumaDenoise(2), Cmd.LUMA_DENOISE, {"lumaDenoise": 2}),
    (lambda c: c.setChromaDenoise(3), Cmd.CHROMA_DENOISE, {"chromaDenoise": 3}),
    (lambda c: c.setSceneMode(CC.SceneMode.NIGHT), Cmd.SCENE_MODE, {"sceneMode": CC.SceneMode.NIGHT}),
    (lambda c: c.setEffectMode(CC.EffectMode.SEPIA), Cmd.EFFECT_MODE, {"effectMode": CC.EffectMode.SEPIA}),
    (lambda c: c.setControlMode(CC.ControlMode.AUTO), Cmd.CONTROL_MODE, {"controlMode": CC.ControlMode.AUTO}),
    (lambda c: c.setCaptureIntent(CC.CaptureIntent.PREVIEW), Cmd.CAPTURE_INTENT,
     {"captureIntent": CC.CaptureIntent.PREVIEW}),
]


@pytest.mark.parametrize("call, command, fields", SETTERS)
def test_setter_sets_its_command_bit_and_fields(call, command, fields):
    c = CameraControl()
    assert call(c) is c
    assert c.cmdMask == 1 << command and c.getCommand(command)
    for path, value in fields.items():
        got = get(c, path)
        assert got == value and type(got) is type(value), f"{path}: expected {value!r}, got {got!r}"


def test_setCaptureStill_false_clears_only_its_bit():
    c = CameraControl().setCaptureStill(True).setManualFocus(10)
    assert c.getCaptureStill()
    c.setCaptureStill(False)
    assert not c.getCaptureStill() and c.cmdMask == 1 << Cmd.MOVE_LENS


def test_command_helpers():
    c = CameraControl().setCommand(Cmd.AF_TRIGGER).setCommand(Cmd.AE_AUTO)
    c.clearCommand(Cmd.AF_TRIGGER)
    assert c.cmdMask == 1 << 7 and not c.getCommand(Cmd.AF_TRIGGER)


def test_getters():
    c = CameraControl().setManualExposure(33000, 1600).setManualFocus(255).setManualFocusRaw(0.75)
    assert c.getExposureTime() == timedelta(microseconds=33000)
    assert (c.getSensitivity(), c.getLensPosition(), c.getLensPositionRaw()) == (1600, 255, 0.75)


@pytest.mark.parametrize("value, text", [("on", "on"), (3, "3"), (1.5, "1.500000"), (True, "1")])
def test_setMisc_formats_like_cpp(value, text):
    c = CameraControl().setMisc("ctrl", value)
    assert c.getMiscControls() == [("ctrl", text)] and c.cmdMask == 0
    c.clearMiscControls()
    assert c.getMiscControls() == []


@pytest.mark.parametrize("call, error, match", [
    (lambda c: c.setManualFocus(256), ValueError, r"setManualFocus: expected an integer in 0\.\.255, got 256"),
    (lambda c: c.setManualFocus(1.5), TypeError, "setManualFocus: expected an int, got float"),
    (lambda c: c.setAutoFocusMode("AUTO"), TypeError, r"expected AutoFocusMode \(OFF, AUTO"),
    (lambda c: c.setAutoFocusMode(9), TypeError, "got int 9"),
    (lambda c: c.setManualExposure("fast", 100), TypeError, "setManualExposure"),
    (lambda c: c.setAutoExposureRegion(-1, 0, 1, 1), ValueError, r"0\.\.65535"),
    (lambda c: c.setMisc(1, "x"), TypeError, "control must be a str"),
])
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call(CameraControl())
