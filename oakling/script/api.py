"""The on-device API: the globals a script finds without importing anything, as on an OAK.

    frame = node.io['frames'].get()          # or node.inputs['frames'] (v3)
    node.io['out'].send(frame)               # or node.outputs['out']
    node.warn(f"seq {frame.getSequenceNum()}")
    b = Buffer(16); b.setTimestamp(Clock.now())

`environment(...)` builds the whole set: `node`, the message classes (EncodedFrame too), `Clock`,
`Device`, `CameraBoardSocket`, `__device_id__`, `__version__`; `import GPIO` is `gpio.py`.
"""
from __future__ import annotations

import threading
from datetime import timedelta

from ..version import __version__ as _oakling_version
from ..calibration import CalibrationHandler, calibration_of
from ..link import sharedmem
from ..link.link import SHM_THRESHOLD, LinkClosed
from ..link.records import End, Message
from ..log import LogLevel
from ..messages import Buffer as _HostBuffer
from ..messages import MessageGroup as _MessageGroup
from ..messages import Point2f, Rect, RotatedRect, Size2f
from ..messages import clock as _clock
from ..messages.enums import CameraBoardSocket
from . import messages
from .messages import adopt as _adopt
from .channel import LARGE_WINDOW, OUTPUT_WINDOW, WAITING, QueueClosed, fence
from .gpio import gpio_module  # noqa: F401  (`import GPIO`; kept here for callers of api.gpio_module)

FIRMWARE_VERSION = f"oakling-{_oakling_version}"


class ScriptInput:
    """`node.io['name']` for an input: get() waits, tryGet() does not, tryGetAll() takes all.

    A non-blocking input has a thread that keeps its queue filled (dropping the oldest, as gen2).
    A blocking input is read on demand, in the script's own thread: the device never lets more
    than the queue's size be on the way, so nothing needs draining in the background."""

    def __init__(self, label: str, queue, counters, index: int, bell, blocking: bool, link=None):
        self._label = label
        self._queue = queue
        self._counters = counters
        self._index = index
        self._waiting = WAITING + index
        self._bell = bell
        self._blocking = blocking
        self._link = link   # read on demand (blocking inputs), else None
        self._taken = 0
        self._lock = threading.Lock()
        self._read_lock = threading.Lock()

    def _took(self, n: int):
        if n and self._blocking:   # make room upstream: the device counts what the script took
            counters = self._counters
            with self._lock:   # its release is the barrier between the count and the flag (channel.fence)
                taken = self._taken = self._taken + n
                counters[self._index] = taken
            wanted = int(counters[self._waiting])   # a producer waits for room: the count it wants
            if wanted and taken >= wanted:
                self._bell.ring()

    def _read(self, wait: bool):
        """The next message from the link, or None if none is there (and `wait` is False). An
        ended stream closes the queue, so the caller's next queue read raises QueueClosed."""
        link = self._link
        with self._read_lock:
            if self._queue.has():   # another thread read one meanwhile
                return None
            try:
                while True:
                    if not wait and not link.pending():
                        return None
                    record = link.recv()
                    if type(record) is Message:
                        return _adopt(record.message)
                    if type(record) is End:
                        self._queue.close(record.reason or "the input's stream ended")
                        return None
            except LinkClosed:
                self._queue.close("the device stopped")
                return None

    def get(self):
        if self._link is not None:
            queue = self._queue
            while not queue.has():
                msg = self._read(wait=True)
                if msg is not None:
                    self._took(1)
                    return msg
                if queue.closed:
                    break
        msg = self._queue.get()
        self._took(1)
        return msg

    def tryGet(self):
        msg = self._queue.try_get()
        if msg is None and self._link is not None:
            msg = self._read(wait=False)
            if msg is None and self._queue.closed:
                self._queue.try_get()   # raises QueueClosed once the stream has ended
        if msg is not None:
            self._took(1)
        return msg

    def tryGetAll(self) -> list:
        msgs = self._queue.try_get_all()
        if self._link is not None:
            while True:
                msg = self._read(wait=False)
                if msg is None:
                    break
                msgs.append(msg)
            if not msgs and self._queue.closed:
                self._queue.try_get_all()   # raises QueueClosed once the stream has ended
        self._took(len(msgs))
        return msgs

    def has(self) -> bool:
        if self._queue.has():
            return True
        return self._link is not None and self._link.pending()

    def __repr__(self):
        return f"<input {self._label}>"


class ScriptOutput:
    """`node.io['name']` for an output: send() passes a message to every linked input, waiting
    while a blocking one is full."""

    def __init__(self, label: str, link, counters, index: int, bell, linked: bool):
        self._label = label
        self._link = link
        self._counters = counters
        self._index = index
        self._bell = bell
        self._linked = linked
        self._sent = 0
        self._lock = threading.Lock()
        self._fence = threading.Lock()

    def send(self, msg):
        if not isinstance(msg, _HostBuffer):
            raise TypeError(f"{self._label}.send(): expected a message (Buffer, ImgFrame, NNData, ImgDetections, "
                            f"ImageManipConfig, CameraControl, EncodedFrame), got {type(msg).__name__}")
        if not self._linked:
            return   # nothing is linked to this output: the message goes nowhere, as on the device
        # a large message copied into a segment holds it until it is delivered: fewer of them (a
        # group's payload is its members') may be on their way; one in shared memory already (a
        # frame received and passed on) takes nothing more
        data = msg._data
        small = data.nbytes < SHM_THRESHOLD or sharedmem.find(data) is not None
        window = OUTPUT_WINDOW if small and not isinstance(msg, _MessageGroup) else LARGE_WINDOW
        with self._lock:
            if self._sent - int(self._counters[self._index]) >= window:
                self._wait_for_window(window)
            try:
                self._link.send_message(msg)
            except LinkClosed:
                raise QueueClosed(f"{self._label}: the device stopped") from None
            self._sent += 1

    def _wait_for_window(self, window: int):
        """Wait until the device has delivered enough for one more message. The flag is the delivered
        count to ring at, half the window free: a script ahead of its consumers wakes once per half
        window, not per message."""
        counters, waiting = self._counters, WAITING + self._index
        counters[waiting] = self._sent - window // 2
        try:
            fence(self._fence)
            while self._sent - int(counters[self._index]) >= window:
                self._bell.wait(0.1)
        finally:
            counters[waiting] = 0

    def __repr__(self):
        return f"<output {self._label}>"


class IoMap:
    """gen2's `node.io` (inputs and outputs in one map), and v3's `node.inputs` / `node.outputs`."""

    def __init__(self, ports: dict, what: str, label: str, hint: str):
        self._ports = ports
        self._what = what
        self._label = label
        self._hint = hint

    def __getitem__(self, name):
        try:
            return self._ports[name]
        except (KeyError, TypeError):
            raise KeyError(f"{self._label}.{self._what}[{name!r}]: this Script has no such {self._hint} — it has "
                           f"{sorted(self._ports) or 'none'}; on the host, link script.inputs[{name!r}] or "
                           f"script.outputs[{name!r}] to make one") from None

    def __contains__(self, name) -> bool:
        return name in self._ports

    def __iter__(self):
        return iter(self._ports)

    def __len__(self) -> int:
        return len(self._ports)

    def keys(self):
        return self._ports.keys()

    def values(self):
        return self._ports.values()

    def items(self):
        return self._ports.items()

    def get(self, name, default=None):
        return self._ports.get(name, default)

    def __repr__(self):
        return f"<{self._label}.{self._what}: {sorted(self._ports)}>"


class ScriptNode:
    """The script's `node`: its ports and its log."""

    def __init__(self, node_id: int, inputs: dict, outputs: dict, log):
        self.id = node_id
        label = f"Script({node_id})"
        self.inputs = IoMap(inputs, "inputs", label, "input")
        self.outputs = IoMap(outputs, "outputs", label, "output")
        self.io = IoMap({**inputs, **outputs}, "io", label, "input or output")
        self._log = log

    def trace(self, message):
        self._log(LogLevel.TRACE, str(message))

    def debug(self, message):
        self._log(LogLevel.DEBUG, str(message))

    def info(self, message):
        self._log(LogLevel.INFO, str(message))

    def warn(self, message):
        self._log(LogLevel.WARN, str(message))

    def error(self, message):
        self._log(LogLevel.ERR, str(message))

    def critical(self, message):
        self._log(LogLevel.CRITICAL, str(message))

    def __repr__(self):
        return f"<Script({self.id})>"


class Clock:
    """gen2's on-device clock. Device and host share this machine's monotonic clock, so the
    host-synced time is the device time and the offset is zero."""

    @staticmethod
    def now() -> timedelta:
        return _clock.to_timedelta(_clock.now_ns())

    @staticmethod
    def nowHost() -> timedelta:
        return _clock.to_timedelta(_clock.now_ns())

    @staticmethod
    def offsetToHost() -> timedelta:
        return timedelta(0)


class Device:
    """The device, as scripts call it: `Device.readCalibration2()` and the IR controls (this
    device has no IR projector, so setting them returns False)."""

    calibration = None   # the device's calibration as JSON, set in the script's process (None: an OAK-D's)

    @classmethod
    def readCalibration2(cls) -> CalibrationHandler:
        return calibration_of({"calibration": cls.calibration})

    readCalibration = readCalibration2
    readFactoryCalibration = readCalibration2

    @staticmethod
    def getIrDrivers() -> list:
        return []

    @staticmethod
    def setIrLaserDotProjectorIntensity(intensity: float, mask: int = -1) -> bool:
        return False

    @staticmethod
    def setIrFloodLightIntensity(intensity: float, mask: int = -1) -> bool:
        return False


def environment(node: ScriptNode, device_id: str) -> dict:
    """The script's globals (besides `__builtins__`)."""
    return {
        "__name__": "__main__", "__doc__": None,
        "node": node,
        "Buffer": messages.Buffer, "ImgFrame": messages.ImgFrame, "NNData": messages.NNData,
        "ImgDetections": messages.ImgDetections, "ImgDetection": messages.host.ImgDetection,
        "ImageManipConfig": messages.ImageManipConfig, "CameraControl": messages.CameraControl,
        "EncodedFrame": messages.EncodedFrame, "MessageGroup": messages.host.MessageGroup,
        "SpatialImgDetections": messages.SpatialImgDetections,
        "SpatialImgDetection": messages.host.SpatialImgDetection,
        "SpatialLocationCalculatorConfig": messages.SpatialLocationCalculatorConfig,
        "SpatialLocationCalculatorConfigData": messages.host.SpatialLocationCalculatorConfigData,
        "SpatialLocationCalculatorConfigThresholds": messages.host.SpatialLocationCalculatorConfigThresholds,
        "SpatialLocationCalculatorAlgorithm": messages.host.SpatialLocationCalculatorAlgorithm,
        "SpatialLocationCalculatorData": messages.SpatialLocationCalculatorData,
        "PointCloudConfig": messages.PointCloudConfig, "PointCloudData": messages.PointCloudData,
        "Tracklets": messages.Tracklets, "Tracklet": messages.host.Tracklet,
        "TrackedFeatures": messages.TrackedFeatures, "TrackedFeature": messages.host.TrackedFeature,
        "FeatureTrackerConfig": messages.FeatureTrackerConfig,
        "RotatedRect": RotatedRect, "Point2f": Point2f, "Size2f": Size2f, "Rect": Rect,
        "Clock": Clock, "Device": Device, "CameraBoardSocket": CameraBoardSocket,
        "__device_id__": device_id, "__version__": FIRMWARE_VERSION,
    }
