"""`CameraControl`: runtime commands for a camera node — focus, exposure, white balance, image tuning, capture.

    ctrl = dai.CameraControl()
    ctrl.setManualExposure(20000, 800).setManualFocus(130)
    controlQueue.send(ctrl)

The state is gen2's RawCameraControl ([shared] RawCameraControl.hpp): `cmdMask` has one bit per `Command` a setter
asked for (bit = 1 << command value), and each command's parameters sit in their own fields, with gen2 defaults.
A camera node applies only the commands whose bit is set.
"""
from datetime import timedelta

import numpy as np

from .enums import Gen2Enum
from ._args import as_bool, as_enum, as_float, as_int, as_microseconds, as_uint
from .buffer import Buffer
from .datatype import DatatypeEnum


class Command(Gen2Enum):
    START_STREAM = 1
    STOP_STREAM = 2
    STILL_CAPTURE = 3
    MOVE_LENS = 4
    AF_TRIGGER = 5
    AE_MANUAL = 6
    AE_AUTO = 7
    AWB_MODE = 8
    SCENE_MODE = 9
    ANTIBANDING_MODE = 10
    EXPOSURE_COMPENSATION = 11
    AE_LOCK = 13
    AE_TARGET_FPS_RANGE = 14
    AWB_LOCK = 16
    CAPTURE_INTENT = 17
    CONTROL_MODE = 18
    FRAME_DURATION = 21
    SENSITIVITY = 23
    EFFECT_MODE = 24
    AF_MODE = 26
    NOISE_REDUCTION_STRENGTH = 27
    SATURATION = 28
    BRIGHTNESS = 31
    STREAM_FORMAT = 33
    RESOLUTION = 34
    SHARPNESS = 35
    CUSTOM_USECASE = 40
    CUSTOM_CAPT_MODE = 41
    CUSTOM_EXP_BRACKETS = 42
    CUSTOM_CAPTURE = 43
    CONTRAST = 44
    AE_REGION = 45
    AF_REGION = 46
    LUMA_DENOISE = 47
    CHROMA_DENOISE = 48
    WB_COLOR_TEMP = 49
    EXTERNAL_TRIGGER = 50
    AF_LENS_RANGE = 51
    FRAME_SYNC = 52
    STROBE_CONFIG = 53
    STROBE_TIMINGS = 54
    MOVE_LENS_RAW = 55


class AutoFocusMode(Gen2Enum):
    OFF = 0
    AUTO = 1
    MACRO = 2
    CONTINUOUS_VIDEO = 3
    CONTINUOUS_PICTURE = 4
    EDOF = 5


class AutoWhiteBalanceMode(Gen2Enum):
    OFF = 0
    AUTO = 1
    INCANDESCENT = 2
    FLUORESCENT = 3
    WARM_FLUORESCENT = 4
    DAYLIGHT = 5
    CLOUDY_DAYLIGHT = 6
    TWILIGHT = 7
    SHADE = 8


class SceneMode(Gen2Enum):
    UNSUPPORTED = 0
    FACE_PRIORITY = 1
    ACTION = 2
    PORTRAIT = 3
    LANDSCAPE = 4
    NIGHT = 5
    NIGHT_PORTRAIT = 6
    THEATRE = 7
    BEACH = 8
    SNOW = 9
    SUNSET = 10
    STEADYPHOTO = 11
    FIREWORKS = 12
    SPORTS = 13
    PARTY = 14
    CANDLELIGHT = 15
    BARCODE = 16


class AntiBandingMode(Gen2Enum):
    OFF = 0
    MAINS_50_HZ = 1
    MAINS_60_HZ = 2
    AUTO = 3


class CaptureIntent(Gen2Enum):
    CUSTOM = 0
    PREVIEW = 1
    STILL_CAPTURE = 2
    VIDEO_RECORD = 3
    VIDEO_SNAPSHOT = 4
    ZERO_SHUTTER_LAG = 5


class ControlMode(Gen2Enum):
    OFF = 0
    AUTO = 1
    USE_SCENE_MODE = 2


class EffectMode(Gen2Enum):
    OFF = 0
    MONO = 1
    NEGATIVE = 2
    SOLARIZE = 3
    SEPIA = 4
    POSTERIZE = 5
    WHITEBOARD = 6
    BLACKBOARD = 7
    AQUA = 8


class FrameSyncMode(Gen2Enum):
    OFF = 0
    OUTPUT = 1
    INPUT = 2


class ManualExposureParams:
    __slots__ = ("exposureTimeUs", "sensitivityIso", "frameDurationUs")

    def __init__(self):
        self.exposureTimeUs = self.sensitivityIso = self.frameDurationUs = 0

    def __repr__(self):
        return (f"ManualExposureParams({self.exposureTimeUs} us, ISO {self.sensitivityIso}, "
                f"frame {self.frameDurationUs} us)")


class RegionParams:
    """An AE/AF region in pixels of the sensor output."""

    __slots__ = ("x", "y", "width", "height", "priority")

    def __init__(self):
        self.x = self.y = self.width = self.height = self.priority = 0

    def __repr__(self):
        return (f"RegionParams(x={self.x}, y={self.y}, width={self.width}, height={self.height}, "
                f"priority={self.priority})")


class StrobeConfig:
    __slots__ = ("enable", "activeLevel", "gpioNumber")

    def __init__(self):
        self.enable = self.activeLevel = self.gpioNumber = 0

    def __repr__(self):
        return f"StrobeConfig(enable={self.enable}, activeLevel={self.activeLevel}, gpioNumber={self.gpioNumber})"


class StrobeTimings:
    __slots__ = ("exposureBeginOffsetUs", "exposureEndOffsetUs", "durationUs")

    def __init__(self):
        self.exposureBeginOffsetUs = self.exposureEndOffsetUs = self.durationUs = 0

    def __repr__(self):
        return (f"StrobeTimings(begin={self.exposureBeginOffsetUs} us, end={self.exposureEndOffsetUs} us, "
                f"duration={self.durationUs} us)")


class CameraControl(Buffer):
    """gen2 `dai.CameraControl`: each setter sets its command bit and parameters and returns self."""

    DATATYPE = DatatypeEnum.CameraControl
    Command = Command
    AutoFocusMode = AutoFocusMode
    AutoWhiteBalanceMode = AutoWhiteBalanceMode
    SceneMode = SceneMode
    AntiBandingMode = AntiBandingMode
    CaptureIntent = CaptureIntent
    ControlMode = ControlMode
    EffectMode = EffectMode
    FrameSyncMode = FrameSyncMode

    def __init__(self):
        super().__init__()
        self.cmdMask = 0
        self.autoFocusMode = AutoFocusMode.CONTINUOUS_VIDEO
        self.lensPosition = 0
        self.lensPositionRaw = 0.0
        self.lensPosAutoInfinity = 0
        self.lensPosAutoMacro = 0
        self.expManual = ManualExposureParams()
        self.aeRegion = RegionParams()
        self.afRegion = RegionParams()
        self.awbMode = AutoWhiteBalanceMode.OFF
        self.sceneMode = SceneMode.UNSUPPORTED
        self.antiBandingMode = AntiBandingMode.OFF
        self.captureIntent = CaptureIntent.CUSTOM
        self.controlMode = ControlMode.OFF
        self.effectMode = EffectMode.OFF
        self.frameSyncMode = FrameSyncMode.OFF
        self.strobeConfig = StrobeConfig()
        self.strobeTimings = StrobeTimings()
        self.aeMaxExposureTimeUs = 0
        self.aeLockMode = False
        self.awbLockMode = False
        self.expCompensation = 0
        self.brightness = 0
        self.contrast = 0
        self.saturation = 0
        self.sharpness = 0
        self.lumaDenoise = 0
        self.chromaDenoise = 0
        self.wbColorTemp = 0
        self.lowPowerNumFramesBurst = 0
        self.lowPowerNumFramesDiscard = 0
        self.miscControls = []

    # command bits (gen2 RawCameraControl helpers)
    def setCommand(self, cmd, value: bool = True):
        bit = 1 << as_enum(Command, cmd, "CameraControl.setCommand")
        self.cmdMask = (self.cmdMask | bit) if value else (self.cmdMask & ~bit)
        return self

    def clearCommand(self, cmd):
        return self.setCommand(cmd, False)

    def getCommand(self, cmd) -> bool:
        return bool(self.cmdMask & (1 << as_enum(Command, cmd, "CameraControl.getCommand")))

    # streaming, capture, sync
    def setCaptureStill(self, capture: bool):
        """Ask for one still on the camera's `still` output (False withdraws the request)."""
        return self.setCommand(Command.STILL_CAPTURE, as_bool(capture, "CameraControl.setCaptureStill"))

    def setStartStreaming(self):
        return self.setCommand(Command.START_STREAM)

    def setStopStreaming(self):
        return self.setCommand(Command.STOP_STREAM)

    def setExternalTrigger(self, numFramesBurst: int, numFramesDiscard: int):
        what = "CameraControl.setExternalTrigger"
        self.lowPowerNumFramesBurst = as_int(numFramesBurst, what)
        self.lowPowerNumFramesDiscard = as_int(numFramesDiscard, what)
        return self.setCommand(Command.EXTERNAL_TRIGGER)

    def setFrameSyncMode(self, mode):
        self.frameSyncMode = as_enum(FrameSyncMode, mode, "CameraControl.setFrameSyncMode")
        return self.setCommand(Command.FRAME_SYNC)

    def setStrobeSensor(self, activeLevel: int):
        """Strobe driven by the sensor."""
        self.strobeConfig.enable = 1
        self.strobeConfig.activeLevel = as_int(activeLevel, "CameraControl.setStrobeSensor")
        self.strobeConfig.gpioNumber = -1
        return self.setCommand(Command.STROBE_CONFIG)

    def setStrobeExternal(self, gpioNumber: int, activeLevel: int):
        what = "CameraControl.setStrobeExternal"
        self.strobeConfig.enable = 1
        self.strobeConfig.activeLevel = as_int(activeLevel, what)
        self.strobeConfig.gpioNumber = as_int(gpioNumber, what)
        return self.setCommand(Command.STROBE_CONFIG)

    def setStrobeDisable(self):
        self.strobeConfig.enable = 0
        return self.setCommand(Command.STROBE_CONFIG)

    # focus
    def setAutoFocusMode(self, mode):
        self.autoFocusMode = as_enum(AutoFocusMode, mode, "CameraControl.setAutoFocusMode")
        return self.setCommand(Command.AF_MODE)

    def setAutoFocusTrigger(self):
        """Start one autofocus sweep (AUTO/MACRO modes)."""
        return self.setCommand(Command.AF_TRIGGER)

    def setAutoFocusLensRange(self, infinityPosition: int, macroPosition: int):
        what = "CameraControl.setAutoFocusLensRange"
        self.lensPosAutoInfinity = as_uint(infinityPosition, what, 8)
        self.lensPosAutoMacro = as_uint(macroPosition, what, 8)
        return self.setCommand(Command.AF_LENS_RANGE)

    def setAutoFocusRegion(self, startX: int, startY: int, width: int, height: int):
        self._region(self.afRegion, startX, startY, width, height, "CameraControl.setAutoFocusRegion")
        return self.setCommand(Command.AF_REGION)

    def setManualFocus(self, lensPosition: int):
        """Lens position 0..255 (255: macro); use with AutoFocusMode.OFF."""
        self.lensPosition = as_uint(lensPosition, "CameraControl.setManualFocus", 8)
        return self.setCommand(Command.MOVE_LENS)

    def setManualFocusRaw(self, lensPositionRaw: float):
        """Lens position 0.0..1.0."""
        self.lensPositionRaw = as_float(lensPositionRaw, "CameraControl.setManualFocusRaw")
        return self.setCommand(Command.MOVE_LENS_RAW)

    # exposure
    def setAutoExposureEnable(self):
        return self.setCommand(Command.AE_AUTO)

    def setAutoExposureLock(self, lock: bool):
        self.aeLockMode = as_bool(lock, "CameraControl.setAutoExposureLock")
        return self.setCommand(Command.AE_LOCK)

    def setAutoExposureRegion(self, startX: int, startY: int, width: int, height: int):
        self._region(self.aeRegion, startX, startY, width, height, "CameraControl.setAutoExposureRegion")
        return self.setCommand(Command.AE_REGION)

    def _region(self, region, x, y, w, h, what):
        region.x, region.y = as_uint(x, what, 16), as_uint(y, what, 16)
        region.width, region.height = as_uint(w, what, 16), as_uint(h, what, 16)
        region.priority = 1  # gen2 always sends 1

    def setAutoExposureCompensation(self, compensation: int):
        """Exposure compensation, -9..9."""
        self.expCompensation = as_int(compensation, "CameraControl.setAutoExposureCompensation")
        return self.setCommand(Command.EXPOSURE_COMPENSATION)

    def setAutoExposureLimit(self, maxExposureTime):
        """Longest auto-exposure time, in microseconds or as a timedelta."""
        self.aeMaxExposureTimeUs = as_microseconds(maxExposureTime, "CameraControl.setAutoExposureLimit")
        return self.setCommand(Command.AE_TARGET_FPS_RANGE)

    def setAntiBandingMode(self, mode):
        self.antiBandingMode = as_enum(AntiBandingMode, mode, "CameraControl.setAntiBandingMode")
        return self.setCommand(Command.ANTIBANDING_MODE)

    def setManualExposure(self, exposureTime, sensitivityIso: int):
        """Fixed exposure (microseconds or a timedelta) and ISO sensitivity (100..1600 on most sensors)."""
        what = "CameraControl.setManualExposure"
        self.expManual.exposureTimeUs = as_microseconds(exposureTime, what)
        self.expManual.sensitivityIso = as_int(sensitivityIso, what)
        self.expManual.frameDurationUs = 0
        return self.setCommand(Command.AE_MANUAL)

    # white balance
    def setAutoWhiteBalanceMode(self, mode):
        self.awbMode = as_enum(AutoWhiteBalanceMode, mode, "CameraControl.setAutoWhiteBalanceMode")
        return self.setCommand(Command.AWB_MODE)

    def setAutoWhiteBalanceLock(self, lock: bool):
        self.awbLockMode = as_bool(lock, "CameraControl.setAutoWhiteBalanceLock")
        return self.setCommand(Command.AWB_LOCK)

    def setManualWhiteBalance(self, colorTemperatureK: int):
        """Colour temperature in kelvin, 1000..12000."""
        self.wbColorTemp = as_int(colorTemperatureK, "CameraControl.setManualWhiteBalance")
        return self.setCommand(Command.WB_COLOR_TEMP)

    # image tuning
    def setBrightness(self, value: int):
        """-10..10"""
        self.brightness = as_int(value, "CameraControl.setBrightness")
        return self.setCommand(Command.BRIGHTNESS)

    def setContrast(self, value: int):
        """-10..10"""
        self.contrast = as_int(value, "CameraControl.setContrast")
        return self.setCommand(Command.CONTRAST)

    def setSaturation(self, value: int):
        """-10..10"""
        self.saturation = as_int(value, "CameraControl.setSaturation")
        return self.setCommand(Command.SATURATION)

    def setSharpness(self, value: int):
        """0..4"""
        self.sharpness = as_int(value, "CameraControl.setSharpness")
        return self.setCommand(Command.SHARPNESS)

    def setLumaDenoise(self, value: int):
        """0..4"""
        self.lumaDenoise = as_int(value, "CameraControl.setLumaDenoise")
        return self.setCommand(Command.LUMA_DENOISE)

    def setChromaDenoise(self, value: int):
        """0..4"""
        self.chromaDenoise = as_int(value, "CameraControl.setChromaDenoise")
        return self.setCommand(Command.CHROMA_DENOISE)

    def setSceneMode(self, mode):
        self.sceneMode = as_enum(SceneMode, mode, "CameraControl.setSceneMode")
        return self.setCommand(Command.SCENE_MODE)

    def setEffectMode(self, mode):
        self.effectMode = as_enum(EffectMode, mode, "CameraControl.setEffectMode")
        return self.setCommand(Command.EFFECT_MODE)

    def setControlMode(self, mode):
        self.controlMode = as_enum(ControlMode, mode, "CameraControl.setControlMode")
        return self.setCommand(Command.CONTROL_MODE)

    def setCaptureIntent(self, mode):
        self.captureIntent = as_enum(CaptureIntent, mode, "CameraControl.setCaptureIntent")
        return self.setCommand(Command.CAPTURE_INTENT)

    # free-form sensor controls (no command bit, as in gen2)
    def setMisc(self, control: str, value):
        """A named driver control; ints and floats are sent as text like C++ std::to_string (1.5 → "1.500000")."""
        if not isinstance(control, str):
            raise TypeError(f"CameraControl.setMisc: control must be a str, got {type(control).__name__}")
        if isinstance(value, str):
            text = value
        elif isinstance(value, (float, np.floating)):
            text = f"{value:f}"
        else:
            text = str(as_int(value, "CameraControl.setMisc"))
        self.miscControls.append((control, text))
        return self

    def clearMiscControls(self):
        self.miscControls = []

    def getMiscControls(self) -> list:
        return list(self.miscControls)

    # getters
    def getCaptureStill(self) -> bool:
        return self.getCommand(Command.STILL_CAPTURE)

    def getExposureTime(self) -> timedelta:
        return timedelta(microseconds=self.expManual.exposureTimeUs)

    def getSensitivity(self) -> int:
        return self.expManual.sensitivityIso

    def getLensPosition(self) -> int:
        return self.lensPosition

    def getLensPositionRaw(self) -> float:
        return self.lensPositionRaw

    def __repr__(self):
        cmds = [c.name for c in Command if self.cmdMask & (1 << c)]
        return f"CameraControl(seq={self._seq}, commands={cmds})"


RawCameraControl = CameraControl
"""gen2 code also reaches the enums as `dai.RawCameraControl.SceneMode`, …; they are the same enums."""
