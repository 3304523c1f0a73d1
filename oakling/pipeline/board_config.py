"""gen2's `dai.BoardConfig`: how the board is set up at boot, as `dai.Device.Config().board` or
`pipeline.setBoardConfig(board)` carries it.

    config = dai.Device.Config()
    GPIO = dai.BoardConfig.GPIO
    config.board.gpio[15] = GPIO(GPIO.OUTPUT, GPIO.ALT_MODE_2)
    config.board.uart[0] = dai.BoardConfig.UART()
    with dai.Device(config) as device: ...

Every field gen2 has is here with gen2's default, so programs that set them run unchanged. Most
describe hardware this device does not have (USB IDs, PCIe and USB3 clocks, eMMC, watchdog); they
are accepted and kept. `usb.maxSpeed` is applied: `Device.getUsbSpeed()` reports no more than it.
"""
from __future__ import annotations

from ..log import LogLevel
from ..messages.enums import CameraImageOrientation, CameraSensorType, Gen2Enum, UsbSpeed
from ..messages.imgframe import ImgFrame


class _GPIO:
    """One pin's boot configuration: `GPIO()`, `GPIO(direction)`, `GPIO(direction, level)`,
    `GPIO(direction, level, pull)`, `GPIO(direction, mode)` or `GPIO(direction, mode, pull)`."""

    class Mode(Gen2Enum):
        ALT_MODE_0 = 0
        ALT_MODE_1 = 1
        ALT_MODE_2 = 2
        ALT_MODE_3 = 3
        ALT_MODE_4 = 4
        ALT_MODE_5 = 5
        ALT_MODE_6 = 6
        DIRECT = 7

    class Direction(Gen2Enum):
        INPUT = 0
        OUTPUT = 1

    class Level(Gen2Enum):
        LOW = 0
        HIGH = 1

    class Pull(Gen2Enum):
        NO_PULL = 0
        PULL_UP = 1
        PULL_DOWN = 2
        BUS_KEEPER = 3

    class Drive(Gen2Enum):
        MA_2 = 2
        MA_4 = 4
        MA_8 = 8
        MA_12 = 12

    def __init__(self, direction=None, second=None, pull=None):
        self.mode, self.direction, self.level = _GPIO.Mode.DIRECT, _GPIO.Direction.INPUT, _GPIO.Level.LOW
        self.pull, self.drive = _GPIO.Pull.NO_PULL, _GPIO.Drive.MA_2
        self.schmitt = self.slewFast = False
        if direction is not None:
            self.direction = _member(_GPIO.Direction, direction, "direction")
        if second is not None:
            if isinstance(second, _GPIO.Mode):
                self.mode = second
            else:
                self.level = _member(_GPIO.Level, second, "level (or a GPIO.Mode)")
        if pull is not None:
            self.pull = _member(_GPIO.Pull, pull, "pull")

    def __repr__(self) -> str:
        return (f"GPIO(mode={self.mode.name}, direction={self.direction.name}, level={self.level.name}, "
                f"pull={self.pull.name}, drive={self.drive.name})")


# pybind11's export_values(): each enum's members are attributes of GPIO too (GPIO.OUTPUT, GPIO.ALT_MODE_2).
for _enum in (_GPIO.Mode, _GPIO.Direction, _GPIO.Level, _GPIO.Pull, _GPIO.Drive):
    for _name, _value in _enum.__members__.items():
        setattr(_GPIO, _name, _value)
_GPIO.__name__, _GPIO.__qualname__ = "GPIO", "BoardConfig.GPIO"


def _member(enum, value, what):
    if isinstance(value, enum):
        return value
    raise TypeError(f"BoardConfig.GPIO: {what} must be a BoardConfig.GPIO.{enum.__name__}, "
                    f"got {type(value).__name__} {value!r}")


class _USB:
    """USB identity and the fastest speed to connect at."""

    def __init__(self):
        self.vid, self.pid = 0x03E7, 0xF63B
        self.flashBootedVid, self.flashBootedPid = 0x03E7, 0xF63D
        self.maxSpeed = UsbSpeed.SUPER
        self.productName = ""
        self.manufacturer = ""


class _Network:
    def __init__(self):
        self.mtu = 0                  # 0: automatic
        self.xlinkTcpNoDelay = True


class _UART:
    def __init__(self):
        self.tmp = 0


class _UVC:
    """`UVC()` or `UVC(width, height)`: the UVC node's stream as a board setting."""

    def __init__(self, width: int = 1920, height: int = 1080):
        self.cameraName = ""
        self.width, self.height = width, height
        self.frameType = ImgFrame.Type.NV12
        self.enable = True


class _Camera:
    def __init__(self):
        self.name = ""
        self.sensorType: CameraSensorType | None = None
        self.orientation: CameraImageOrientation | None = None


class _IMU:
    def __init__(self):
        self.bus, self.interrupt, self.wake, self.csGpio, self.boot, self.reset = 0, 53, 34, 8, 46, 45


for _cls, _name in ((_USB, "USB"), (_Network, "Network"), (_UART, "UART"), (_UVC, "UVC"), (_Camera, "Camera"),
                    (_IMU, "IMU")):
    _cls.__name__, _cls.__qualname__ = _name, f"BoardConfig.{_name}"


class BoardConfig:
    """gen2's `dai.BoardConfig`, field for field with gen2's defaults (None where gen2 has an unset
    optional). `gpio`, `uart` and `camera` are dicts keyed by pin, UART instance and board socket."""
    USB, Network, GPIO, UART, UVC, Camera, IMU = _USB, _Network, _GPIO, _UART, _UVC, _Camera, _IMU

    def __init__(self):
        self.usb = _USB()
        self.network = _Network()
        self.sysctl: list[str] = []
        self.watchdogTimeoutMs: int | None = None
        self.watchdogInitialDelayMs: int | None = None
        self.gpio: dict[int, _GPIO] = {}
        self.uart: dict[int, _UART] = {}
        self.pcieInternalClock: bool | None = None
        self.usb3PhyInternalClock: bool | None = None
        self.mipi4LaneRgb: bool | None = None
        self.emmc: bool | None = None
        self.logPath: str | None = None
        self.logSizeMax: int | None = None
        self.logVerbosity: LogLevel | None = None
        self.logDevicePrints: bool | None = None
        self.nonExclusiveMode = False
        self.camera: dict = {}
        self.imu: _IMU | None = None
        self.uvc: _UVC | None = None
