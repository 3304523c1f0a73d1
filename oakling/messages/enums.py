"""Small gen2 enums shared by several messages and nodes (`dai.Colormap`, `dai.Interpolation`, ...).

Values are gen2's ([shared] common/*.hpp), so they survive the wire and configs unchanged."""
from enum import IntEnum


class Colormap(IntEnum):
    """Colormap applied by ImageManip / StereoDepth (gen2 `dai.Colormap`)."""
    NONE = 0
    TURBO = 1
    JET = 2
    STEREO_TURBO = 3
    STEREO_JET = 4


class Interpolation(IntEnum):
    """Resampling used by ImageManip. AUTO (-1) is gen2's default and lets the node choose."""
    AUTO = -1
    BILINEAR = 0
    BICUBIC = 1
    NEAREST_NEIGHBOR = 2
    BYPASS = 2
    DEFAULT = 1
    DEFAULT_DISPARITY_DEPTH = 2


class CameraExposureOffset(IntEnum):
    """Which instant of the exposure `ImgFrame.getTimestamp(offset)` reports."""
    START = 0
    MIDDLE = 1
    END = 2


class FrameEvent(IntEnum):
    NONE = 0
    READOUT_START = 1
    READOUT_END = 2


class CameraBoardSocket(IntEnum):
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
