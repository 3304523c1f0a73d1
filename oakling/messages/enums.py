"""Small gen2 enums shared by several messages and nodes (`dai.Colormap`, `dai.Interpolation`, ...).

Values are gen2's ([shared] common/*.hpp), so they survive the wire and configs unchanged. Every
oakling enum derives from `Gen2Enum`, which prints as gen2's bindings do."""
from enum import IntEnum


class Gen2Enum(IntEnum):
    """An IntEnum that prints as gen2's pybind11 enums: `str(dai.UsbSpeed.SUPER)` is 'UsbSpeed.SUPER',
    its repr '<UsbSpeed.SUPER: 4>', and f"{member}" the same as str; `int()` and format specs such as
    `{member:d}` give the value. Nested enums print their own name only ('Type.BGR888p'), as gen2's do."""

    def __str__(self) -> str:
        return f"{type(self).__qualname__.rpartition('.')[2]}.{self.name}"

    def __repr__(self) -> str:
        return f"<{self}: {int(self)}>"

    def __format__(self, spec: str) -> str:
        return str(self) if not spec else int.__format__(int(self), spec)


class Colormap(Gen2Enum):
    """Colormap applied by ImageManip / StereoDepth (gen2 `dai.Colormap`)."""
    NONE = 0
    TURBO = 1
    JET = 2
    STEREO_TURBO = 3
    STEREO_JET = 4


class Interpolation(Gen2Enum):
    """Resampling used by ImageManip. AUTO (-1) is gen2's default and lets the node choose."""
    AUTO = -1
    BILINEAR = 0
    BICUBIC = 1
    NEAREST_NEIGHBOR = 2
    BYPASS = 2
    DEFAULT = 1
    DEFAULT_DISPARITY_DEPTH = 2


class CameraExposureOffset(Gen2Enum):
    """Which instant of the exposure `ImgFrame.getTimestamp(offset)` reports."""
    START = 0
    MIDDLE = 1
    END = 2


class FrameEvent(Gen2Enum):
    NONE = 0
    READOUT_START = 1
    READOUT_END = 2


class CameraBoardSocket(Gen2Enum):
    """Where a camera sits on the board (gen2 `dai.CameraBoardSocket`); RGB, CENTER, LEFT and RIGHT
    are gen2's older names for CAM_A, CAM_A, CAM_B and CAM_C."""
    AUTO = -1
    CAM_A = 0
    CAM_B = 1
    CAM_C = 2
    CAM_D = 3
    CAM_E = 4
    CAM_F = 5
    CAM_G = 6
    CAM_H = 7
    RGB = 0
    CENTER = 0
    LEFT = 1
    RIGHT = 2


class CameraImageOrientation(Gen2Enum):
    """How a camera node turns its image (gen2 `dai.CameraImageOrientation`)."""
    AUTO = -1
    NORMAL = 0
    HORIZONTAL_MIRROR = 1
    VERTICAL_FLIP = 2
    ROTATE_180_DEG = 3


class CameraSensorType(Gen2Enum):
    """What kind of image a sensor gives (gen2 `dai.CameraSensorType`), as `CameraFeatures.supportedTypes`."""
    AUTO = -1
    COLOR = 0
    MONO = 1
    TOF = 2
    THERMAL = 3


class UsbSpeed(Gen2Enum):
    """The USB link's speed (gen2 `dai.UsbSpeed`): `Device.getUsbSpeed()`, `BoardConfig.USB.maxSpeed`."""
    UNKNOWN = 0
    LOW = 1
    FULL = 2
    HIGH = 3
    SUPER = 4
    SUPER_PLUS = 5
