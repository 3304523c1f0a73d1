"""`dai.Device`: starts a device process on this machine and runs a pipeline on it.

    with dai.Device(pipeline) as device:
        q = device.getOutputQueue("preview", maxSize=4, blocking=False)
        frame = q.get().getCvFrame()

The host keeps one control link to the device process and one link per XLink stream. Closing
the Device stops the process within a second; if the host dies, the process sees its control link
close and exits; if the process dies, every waiting `get()` raises RuntimeError.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import weakref
from datetime import timedelta

from ..calibration import CalibrationHandler, calibration_of
from ..log import LogLevel, LogMessage
from ..messages.systeminformation import ChipTemperature, CpuUsage, MemoryInfo
from ..messages.enums import CameraBoardSocket, CameraImageOrientation, CameraSensorType, Gen2Enum, UsbSpeed
from ..models.gen2 import OpenVINO
from ..pipeline.board_config import BoardConfig
from ..pipeline.pipeline import Pipeline
from ..pipeline.schema import build as build_schema
from ..runtime.identity import local_mxid
from .options import device_options
from .queues import DataInputQueue, DataOutputQueue
from .bootloader_version import Version
from .state import DeviceState
from ..link.control import ControlOp, follow
from ..link.link import Link, LinkClosed
from ..link.records import Control

START_TIMEOUT = 30.0
ASK_TIMEOUT = 5.0
CLOSE_TIMEOUT = 1.0
RECORD_CLOSE_TIMEOUT = 5.0   # more, when the device is recording a session
_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The device process ignores Ctrl-C from its first line (the terminal sends SIGINT to the whole process
# group): the host gets KeyboardInterrupt and closes the device, as with an OAK on a cable. Ignoring it
# before `oakling` is imported leaves no window for a KeyboardInterrupt traceback from the device.
_DEVICE_MAIN = ("import signal; signal.signal(signal.SIGINT, signal.SIG_IGN); "
                "from oakling.runtime.process import main; main()")


class XLinkDeviceState(Gen2Enum):
    X_LINK_ANY_STATE = 0
    X_LINK_BOOTED = 1
    X_LINK_UNBOOTED = 2
    X_LINK_BOOTLOADER = 3
    X_LINK_FLASH_BOOTED = 4


class XLinkProtocol(Gen2Enum):
    X_LINK_USB_VSC = 0
    X_LINK_USB_CDC = 1
    X_LINK_PCIE = 2
    X_LINK_IPC = 3
    X_LINK_TCP_IP = 4


class XLinkPlatform(Gen2Enum):
    X_LINK_ANY_PLATFORM = 0
    X_LINK_MYRIAD_2 = 2450
    X_LINK_MYRIAD_X = 2480


class DeviceInfo:
    """Which device to open: oakling offers the local one, running in a process of its own."""

    def __init__(self, mxid: str | None = None, name: str = "local",
                 state: XLinkDeviceState = XLinkDeviceState.X_LINK_UNBOOTED):
        self.mxid = mxid or local_mxid()
        self.name = name
        self.state = state
        self.protocol = XLinkProtocol.X_LINK_IPC
        self.platform = XLinkPlatform.X_LINK_MYRIAD_X
        self.status = 0

    def getMxId(self) -> str:
        return self.mxid

    def __repr__(self) -> str:
        return f"DeviceInfo(name={self.name!r}, mxid={self.mxid!r}, {self.state.name}, {self.protocol.name})"


def local_info() -> DeviceInfo:
    """The local device as a search finds it: X_LINK_BOOTLOADER once a bootloader is flashed to it
    (DeviceBootloader), as gen2 lists such a device, else X_LINK_UNBOOTED."""
    mxid = local_mxid()
    flashed = DeviceState.of(mxid).read_json("bootloader") is not None
    return DeviceInfo(mxid, state=XLinkDeviceState.X_LINK_BOOTLOADER if flashed else XLinkDeviceState.X_LINK_UNBOOTED)


_OAK_D_SENSORS = {CameraBoardSocket.CAM_A: "IMX378", CameraBoardSocket.CAM_B: "OV9282",
                  CameraBoardSocket.CAM_C: "OV9282"}
# An OAK-D's cameras as gen2's getConnectedCameraFeatures() describes them: the largest resolution,
# the kinds of image, autofocus, and the board's name for the socket.
_OAK_D_FEATURES = {
    CameraBoardSocket.CAM_A: (4056, 3040, [CameraSensorType.COLOR], True, "color"),
    CameraBoardSocket.CAM_B: (1280, 800, [CameraSensorType.MONO], False, "left"),
    CameraBoardSocket.CAM_C: (1280, 800, [CameraSensorType.MONO], False, "right"),
}
_PRODUCT_NAME = "OAK-D"
IMU_UPDATE_SECONDS = 2.0   # how long an emulated IMU firmware update takes

# gen2 Device methods oakling does not have yet: calling one says so instead of an AttributeError.
GEN2_DEVICE_NOT_YET: set[str] = set()


class ProfilingData:
    """gen2's `dai.ProfilingData`: the bytes a host has written to and read from its devices' links
    (`Device.getProfilingData()`, `Device.getGlobalProfilingData()`)."""

    def __init__(self, numBytesWritten: int = 0, numBytesRead: int = 0):
        self.numBytesWritten = int(numBytesWritten)
        self.numBytesRead = int(numBytesRead)

    def __repr__(self):
        return f"ProfilingData(numBytesWritten={self.numBytesWritten}, numBytesRead={self.numBytesRead})"


_OPEN_DEVICES: "weakref.WeakSet[Device]" = weakref.WeakSet()
_CLOSED_TOTALS = [0, 0]   # what the links of devices already closed wrote and read
_TOTALS_LOCK = threading.Lock()


def _link_totals(links) -> tuple[int, int]:
    written = read = 0
    for link in links:
        written += link.bytes_written
        read += link.bytes_read
    return written, read


def global_profiling_data() -> ProfilingData:
    """What every Device of this process has written and read over its links, closed ones included."""
    with _TOTALS_LOCK:
        written, read = _CLOSED_TOTALS
        for device in list(_OPEN_DEVICES):
            w, r = _link_totals(device._links())
            written, read = written + w, read + r
    return ProfilingData(written, read)


class CameraFeatures:
    """gen2's `dai.CameraFeatures`: one connected camera, as `Device.getConnectedCameraFeatures()` lists them.
    A socket given a source that an OAK-D has no camera on reports sensor "oakling", width and height -1
    (gen2's "unknown") and both colour and mono images."""

    def __init__(self, socket: CameraBoardSocket = CameraBoardSocket.AUTO, sensorName: str = "",
                 width: int = -1, height: int = -1, supportedTypes=(), hasAutofocus: bool = False, name: str = ""):
        self.socket = socket
        self.sensorName = sensorName
        self.width, self.height = width, height
        self.orientation = CameraImageOrientation.AUTO
        self.supportedTypes = list(supportedTypes)
        self.hasAutofocus = hasAutofocus
        self.hasAutofocusIC = hasAutofocus
        self.name = name
        self.additionalNames: list[str] = []

    def __repr__(self) -> str:
        types = ", ".join(t.name for t in self.supportedTypes)
        return (f"{{socket: {self.socket.name}, sensorName: {self.sensorName}, width: {self.width}, "
                f"height: {self.height}, orientation: {self.orientation.name}, supportedTypes: [{types}], "
                f"hasAutofocus: {int(self.hasAutofocus)}, hasAutofocusIC: {int(self.hasAutofocusIC)}, "
                f"name: {self.name}}}")

    __str__ = __repr__


class CrashDump:
    """gen2's `dai.CrashDump`: what `Device.getCrashDump()` returns. The device process never leaves one,
    so `crashReports` is empty."""

    def __init__(self, deviceId: str = ""):
        self.crashReports: list = []
        self.depthaiCommitHash = ""
        self.deviceId = deviceId

    def serializeToJson(self) -> dict:
        return {"crashReports": [], "depthaiCommitHash": self.depthaiCommitHash, "deviceId": self.deviceId}


class DeviceConfig:
    """gen2's `dai.Device.Config`, given as `Device(config)` or `Device(config, deviceInfo)`. `board` (a
    `dai.BoardConfig`) is kept and applied where it means something here (`usb.maxSpeed` caps
    `getUsbSpeed()`); `logLevel` and `outputLogLevel`, when set, are the Device's starting levels;
    `version` and `nonExclusiveMode` are accepted."""

    def __init__(self):
        self.version = OpenVINO.Version.VERSION_UNIVERSAL
        self.board = BoardConfig()
        self.nonExclusiveMode = False
        self.outputLogLevel: LogLevel | None = None
        self.logLevel: LogLevel | None = None


DeviceConfig.__name__, DeviceConfig.__qualname__ = "Config", "Device.Config"


class Device:
    """gen2's `dai.Device`. Accepts gen2's constructor forms; the USB and OpenVINO arguments are
    accepted and have no effect. oakling options go as keywords (each has an environment variable
    for unmodified programs; the keyword wins):

    - `cameras={"CAM_A": "clip.mp4", "LEFT": "frames/"}` (OAKLING_CAMERA_<SOCKET>): the source
      each board socket's camera shows — a video file, an image, a folder of images, "webcam[:N]"
      or "synthetic" (the default).
    - `stereo="sbs.mp4"` (OAKLING_STEREO): one side-by-side video (or image, or folder) whose left
      half feeds CAM_B and right half CAM_C, both frames of a picture with one sequence number and
      timestamp.
    - `realtime=False` (OAKLING_REALTIME=0): cameras deliver every frame as fast as the pipeline
      takes it instead of pacing to setFps.
    - `camera_end="loop"|"stop"` (OAKLING_CAMERA_END): what a camera does at the end of a video or
      folder; default loop in real time, stop offline.
    - `blobs={"mobilenet-ssd_openvino_2021.4_6shave.blob": "mobilenet.blob"}` (OAKLING_BLOBS): the
      oakling blob to load in place of each blob file name the program's setBlobPath asks for.
    - `imu="walk.csv"` (OAKLING_IMU): the IMU node's readings, a recorded IMU file (CSV or JSON,
      oakling/sources/imu.py), or the type of IMU to synthesise a still device's readings for:
      "BNO086" (the default), "BMI270" or "NONE".
    - `motion="pan"|"shake"|"walk"|"still"|"poses.csv"` (OAKLING_MOTION): how the synthetic device
      moves, or a pose file that says so; the synthetic cameras (CAM_A, CAM_B, CAM_C, a ToF sensor)
      render the stereo scene from its pose at each frame's time and the synthetic IMU reads the
      same motion (oakling/sources/motion.py).
    - `script_network="loopback"|"any"` (OAKLING_SCRIPT_NETWORK): which addresses LEON_CSS Script
      nodes' sockets may use; default loopback only.
    - `trace="trace.json"` (OAKLING_TRACE): record every message's path through the pipeline in a
      Chrome trace event file for Perfetto or chrome://tracing (runtime/trace.py, docs/observe.md);
      the device finishes writing it when it closes.
    - `view=True` (OAKLING_VIEW=1): serve a live view of the running pipeline — its graph with per
      node and per link figures — on http://127.0.0.1:8421/ (or any free port if taken; `view=PORT`,
      0 for any free port); the address is printed and `getViewUrl()` gives it (host/view.py).
    - `record_session="run1/"` (OAKLING_RECORD_SESSION): record what enters the device and what
      leaves it in that folder (session.mcap and manifest.json, oakling/session/, docs/observe.md).
    - `replay="run1/"` (OAKLING_REPLAY): feed the recorded cameras, XLinkIn streams and IMU from a
      recorded session, offline, with the recorded sequence numbers and timestamps; or the cameras
      from a DepthAI v3 holistic recording (the .tar DEPTHAI_RECORD writes).

    Bad sources (missing files, empty folders, unreadable videos, unknown sockets) raise here."""

    Config = DeviceConfig

    def __init__(self, *args, **options):
        usb2_mode = options.pop("usb2Mode", False)             # gen2's older spelling of a USB2 cap
        max_speed = options.pop("maxUsbSpeed", None)
        self._options, self._blob_substitutions = device_options(options)
        self._replies: dict[int, list] = {}
        self._replies_cond = threading.Condition()
        self._next_request = 1
        pipeline = next((a for a in args if isinstance(a, Pipeline)), None)
        info = next((a for a in args if isinstance(a, DeviceInfo)), None)
        wanted = next((a for a in args if isinstance(a, str)), None)
        config = next((a for a in args if isinstance(a, DeviceConfig)), None)
        self._config = config or DeviceConfig()
        if config is None and pipeline is not None:
            self._config.board = pipeline.getBoardConfig()
        speed = next((a for a in args if isinstance(a, UsbSpeed)), max_speed)
        if usb2_mode or any(a is True for a in args):   # Device(pipeline, True): usb2Mode as gen2's
            speed = UsbSpeed.HIGH
        if speed is not None:
            self._config.board.usb.maxSpeed = UsbSpeed(int(speed))
        self._info = DeviceInfo()
        self._state = DeviceState.of(self._info.mxid)
        self._factory_options = {"calibration": self._options["calibration"]}
        if self._options["calibration"] is None:   # none given for this run: the one flashed to the device
            self._options["calibration"] = self._state.read_json("calibration")
        self._logging_rate, self._chunk_size = 1.0, 64 * 1024   # gen2's defaults
        self._imu_update_started: float | None = None
        if (info and info.mxid != self._info.mxid) or (wanted not in (None, "", self._info.mxid, self._info.name)):
            raise RuntimeError(f"Cannot find any device with given deviceInfo ({info or wanted}) — "
                               f"oakling offers one local device, {self._info.mxid}")
        self._lock = threading.Lock()
        self._closed = False
        self._closing = False
        self._lost_reason: str | None = None
        self._log_level = LogLevel.WARN
        self._log_output_level = LogLevel.WARN
        self._log_callbacks: dict[int, object] = {}
        self._next_callback = 1
        self._output_queues: dict[str, DataOutputQueue] = {}
        self._input_queues: dict[str, DataInputQueue] = {}
        self._stream_links: list[Link] = []
        self._events: list[str] = []
        self._events_cond = threading.Condition()
        self._failed_nodes: dict[str, str] = {}
        self._started = threading.Event()
        self._start_error: str | None = None
        self._pipeline_running = False
        self._view = None
        self._spawn()
        if self._config.logLevel is not None:
            self.setLogLevel(self._config.logLevel)
        if self._config.outputLogLevel is not None:
            self.setLogOutputLevel(self._config.outputLogLevel)
        if pipeline is not None:
            self.startPipeline(pipeline)

    # -- process --
    def _spawn(self):
        host_end, device_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_PARENT, env.get("PYTHONPATH")) if p)
        self._process = subprocess.Popen(
            [sys.executable, "-c", _DEVICE_MAIN, str(device_end.fileno())],
            pass_fds=[device_end.fileno()], stdin=subprocess.DEVNULL, env=env)
        device_end.close()
        self._control = Link(host_end, "control")
        _OPEN_DEVICES.add(self)
        self._control_thread = threading.Thread(target=self._read_control, name="oakling-control", daemon=True)
        self._control_thread.start()

    def _read_control(self):
        handlers = {ControlOp.LOG: self._device_logged, ControlOp.NODE_FAILED: self._node_failed,
                    ControlOp.REPLY: self._replied, ControlOp.STARTED: self._pipeline_started,
                    ControlOp.CLOSED: lambda record: True}   # the last record: stop reading
        try:
            follow(self._control, handlers)
        except LinkClosed:
            if not self._closing:
                self._lost()

    def _device_logged(self, record: Control):
        log = record.body
        self._on_log(LogMessage(log["node"], log["level"], time.monotonic(), log["text"]))

    def _node_failed(self, record: Control):
        self._failed_nodes[record.body["node"]] = record.body["text"]

    def _replied(self, record: Control):
        reply = record.body
        with self._replies_cond:
            self._replies[reply["id"]] = [reply.get("value"), reply.get("error")]
            self._replies_cond.notify_all()

    def _pipeline_started(self, record: Control):
        self._start_error = record.body["error"]
        self._started.set()

    def _lost(self) -> str:
        """Why the device went away, for the errors raised by queues. The first link to notice
        (control or any stream) records it and closes every queue, so no queue is left open that
        the device can no longer serve."""
        if self._closing:
            return "the device was closed"
        with self._lock:
            if self._lost_reason is None:
                try:
                    code = self._process.wait(0.3)
                    how = f"exit code {code}" if code >= 0 else f"killed by signal {-code}"
                except subprocess.TimeoutExpired:
                    how = "the link to it broke"
                self._lost_reason = f"the device process stopped unexpectedly ({how}) — see the device log above"
                self._pipeline_running = False
                self._started.set()
                for q in list(self._output_queues.values()) + list(self._input_queues.values()):
                    q.close(self._lost_reason)
            return self._lost_reason

    # -- pipeline --
    def startPipeline(self, pipeline: Pipeline | None = None) -> bool:
        if pipeline is None:
            raise RuntimeError("startPipeline() needs the pipeline: call device.startPipeline(pipeline)")
        self._check_open()
        if self._pipeline_running:
            raise RuntimeError("A pipeline is already running on this device — close it and open a new Device")
        if self._blob_substitutions:
            self._substitute_blobs(pipeline)
        schema, assets, storage = build_schema(pipeline)
        outputs, inputs, owners = {}, {}, {}
        for node in pipeline.getAllNodes():
            stream = node.host_stream()
            if stream is None:
                continue
            if not stream.name:
                raise RuntimeError(f"{node._label}: the stream name is empty — call setStreamName('...') on it")
            other = owners.get(stream.name)
            if other is not None:
                raise RuntimeError(f"{node._label} and {other._label} both use the stream name '{stream.name}' — "
                                   f"give each XLink node its own name")
            owners[stream.name] = node
            (outputs if stream.to_host else inputs)[stream.name] = stream
        names = list(outputs) + list(inputs)
        pairs = self._send_start(schema, assets, storage, names)
        # A stream from the host sizes its shared-memory pool by the XLinkIn's numFrames.
        links = {name: Link(host_end, name, max_segments=inputs[name].num_frames if name in inputs else 16)
                 for name, (host_end, _) in zip(names, pairs)}
        self._stream_links = list(links.values())
        for link in self._stream_links:   # once per stream: the program keeps the frames it receives
            link.on_note = self._host_debug
        for name in outputs:
            self._output_queues[name] = DataOutputQueue(name, links[name], 16, True, self._lost, self._on_queue_message,
                                                        on_end=self._catch_up)
        for name, stream in inputs.items():
            self._input_queues[name] = DataInputQueue(name, links[name], 16, True, self._lost, stream.max_data_size,
                                                      node_label=owners[name]._label)
        self._wait_started()
        if self._options.get("view"):
            try:
                self._start_view(schema)
            except Exception:   # the port is taken: nothing keeps running on a device the program never gets
                self.close()
                raise
        return True

    def _send_start(self, schema: dict, assets: dict, storage: bytes, streams: list[str]) -> list:
        """Send the pipeline to the device with one socket pair per stream; returns the pairs (the
        device's ends closed here, the host's kept)."""
        pairs = [socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM) for _ in streams]
        request = {"op": ControlOp.START, "schema": schema, "assets": assets, "streams": streams,
                   "options": self._options}
        self._started.clear()
        self._control.send_control(request, storage, fds=[p[1].fileno() for p in pairs])
        for _, device_end in pairs:
            device_end.close()
        return pairs

    def _wait_started(self):
        if not self._started.wait(START_TIMEOUT):
            self.close()
            raise RuntimeError(f"the device did not start the pipeline within {START_TIMEOUT:.0f} s")
        if self._lost_reason:
            raise RuntimeError(f"Could not start the pipeline: {self._lost_reason}")
        if self._start_error:
            raise RuntimeError(f"Could not start the pipeline: {self._start_error}")
        self._pipeline_running = True

    def _start_standalone(self, schema: dict, assets: dict, storage: bytes):
        """Run a flashed application as an OAK boots one on its own: no host is attached, so its
        XLink streams lead nowhere (what XLinkOut sends is dropped; XLinkIn never gets a message)."""
        self._check_open()
        if self._pipeline_running:
            raise RuntimeError("A pipeline is already running on this device — close it and open a new Device")
        streams = [node["properties"]["streamName"] for _, node in schema["nodes"]
                   if node["name"] in ("XLinkIn", "XLinkOut") and node["properties"].get("streamName")]
        for host_end, _ in self._send_start(schema, assets, storage, streams):
            host_end.close()
        self._wait_started()

    def _start_view(self, schema: dict):
        from .view import ViewServer, announce
        title = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] not in ("", "-c") else ""
        self._view = ViewServer(lambda: self._ask(ControlOp.VIEW_SNAPSHOT, "the live view"), schema,
                                self._options["view"], title, host_queues=self._host_queue_fill)
        announce(self._view.url)

    def _host_queue_fill(self) -> dict:
        """{stream: (messages held, size, blocking)} of the host's output queues, for the live view."""
        return {name: (len(q._queue), q._queue.max_size(), q._queue.blocking())
                for name, q in list(self._output_queues.items())}

    def getViewUrl(self) -> str | None:
        """oakling extension: the address of the live view (`Device(view=True)`), or None without one."""
        return None if self._view is None else self._view.url

    def _substitute_blobs(self, pipeline: Pipeline):
        """Nodes that load blobs by path take the substitutes of Device(blobs=...); an entry that
        matches none of them is said (a misspelt file name would else pass unnoticed)."""
        matched = set()
        for node in pipeline.getAllNodes():
            matched.add(node.substitute_blob(self._blob_substitutions))
        unused = [name for name in self._blob_substitutions.entries if name not in matched]
        if unused:
            loaded = sorted(os.path.basename(n.requested_blob()) for n in pipeline.getAllNodes()
                            if n.requested_blob())
            self._on_log(LogMessage("host", LogLevel.WARN, time.monotonic(),
                                    f"Device(blobs=...): {', '.join(map(repr, unused))} matches no blob the pipeline "
                                    f"loads by path (it loads {loaded or 'none'}) — give the file name setBlobPath "
                                    f"is called with"))

    def isPipelineRunning(self) -> bool:
        return self._pipeline_running and not self._closed and self._lost_reason is None

    def getFailedNodes(self) -> dict[str, str]:
        """oakling extension: nodes whose worker stopped with an error, as {"Node(id)": reason}.
        A failure that ended a stream is here by the time that stream's queue raises StreamEnded."""
        return dict(self._failed_nodes)

    def _catch_up(self):
        """Return once the control link has brought everything the device sent on it so far (one
        round trip). An output queue calls it when its stream ends: the end of a failed node's
        stream travels on the stream link, its `node_failed` report on the control link, sent
        first; so after this, getFailedNodes() has the failure that ended the stream."""
        try:
            self._ask(ControlOp.SYNC, "sync")
        except (RuntimeError, LinkClosed):
            pass   # the device is closed or gone: there is nothing more to wait for

    # -- asking the device (oakling extensions: GPIO, Script statistics) --
    def _ask(self, op: ControlOp, what: str, **fields):
        """Send a request on the control link and wait for the device's reply."""
        self._check_open()
        with self._replies_cond:
            request_id = self._next_request
            self._next_request += 1
        self._control.send_control({"op": op, "id": request_id, **fields})
        deadline = time.monotonic() + ASK_TIMEOUT
        with self._replies_cond:
            while request_id not in self._replies:
                if self._lost_reason or self._closed:
                    raise RuntimeError(f"{what}: {self._lost_reason or 'the device was closed'}")
                if time.monotonic() >= deadline:
                    raise RuntimeError(f"{what}: the device did not answer within {ASK_TIMEOUT:.0f} s")
                self._replies_cond.wait(0.1)
            value, error = self._replies.pop(request_id)
        if error:
            raise RuntimeError(f"{what}: {error}")
        return value

    def readGpio(self, pin: int) -> int:
        """oakling extension: the level (0 or 1) of the device's GPIO pin `pin`, as scripts'
        `GPIO.read(pin)` sees it."""
        from ..runtime.gpio import check_pin
        pin = check_pin(pin, "Device.readGpio")
        return int(self._ask(ControlOp.GPIO_READ, f"Device.readGpio({pin})", pin=pin))

    def writeGpio(self, pin: int, value: int):
        """oakling extension: drive the device's GPIO pin `pin` to 0 or 1, as a circuit outside the
        device would. Scripts read the new level once this returns; a level change fires their
        interrupts (GPIO.setInterrupt)."""
        from ..runtime.gpio import check_level, check_pin
        pin = check_pin(pin, "Device.writeGpio")
        level = check_level(value, "Device.writeGpio")
        self._ask(ControlOp.GPIO_WRITE, f"Device.writeGpio({pin}, {level})", pin=pin, value=level)

    def getScriptStats(self) -> dict[str, dict]:
        """oakling extension: per Script node, {"cpuSeconds": CPU time its process used (user +
        system, every thread), "maxRssBytes": its peak resident memory (pages shared with the
        device process included), "cpuLimitSeconds": the limit or None, "memoryLimitBytes",
        "running": whether its process is alive}."""
        return self._ask(ControlOp.NODE_STATS, "Device.getScriptStats()", kind="Script") or {}

    # -- queues --
    def getOutputQueue(self, name: str, maxSize: int | None = None, blocking: bool = True) -> DataOutputQueue:
        return self._queue(self._output_queues, "XLinkOut", name, maxSize, blocking)

    def getInputQueue(self, name: str, maxSize: int | None = None, blocking: bool = True) -> DataInputQueue:
        return self._queue(self._input_queues, "XLinkIn", name, maxSize, blocking)

    @staticmethod
    def _queue(queues: dict, node_name: str, name: str, max_size: int | None, blocking: bool):
        """The one queue of stream `name`; given a size, it also takes the size and blocking."""
        queue = queues.get(name)
        if queue is None:
            raise RuntimeError(f"Queue for stream name '{name}' doesn't exist — the pipeline's {node_name} "
                               f"streams are {sorted(queues) or 'none'}")
        if max_size is not None:
            queue.setMaxSize(max_size)
            queue.setBlocking(blocking)
        return queue

    def getOutputQueueNames(self) -> list[str]:
        return list(self._output_queues)

    def getInputQueueNames(self) -> list[str]:
        return list(self._input_queues)

    def _on_queue_message(self, name: str):
        with self._events_cond:
            self._events.append(name)
            if len(self._events) > 1024:
                del self._events[0]
            self._events_cond.notify_all()

    def getQueueEvents(self, queueNames=None, maxNumEvents: int = 2 ** 31, timeout=timedelta(microseconds=-1)) -> list[str]:
        """Names of queues that received messages, waiting until there is at least one (or the
        timeout, a timedelta; negative waits forever)."""
        if isinstance(queueNames, str):
            queueNames = [queueNames]
        wanted = set(queueNames) if queueNames else None
        for name, queue in self._output_queues.items():   # events need messages read as they come
            if wanted is None or name in wanted:
                queue.start_reader()
        seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)
        deadline = None if seconds < 0 else time.monotonic() + seconds
        with self._events_cond:
            while True:
                picked = [k for k, n in enumerate(self._events) if wanted is None or n in wanted][:maxNumEvents]
                if picked:
                    names = [self._events[k] for k in picked]
                    for k in reversed(picked):
                        del self._events[k]
                    return names
                remaining = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
                if remaining <= 0 or self._closed:
                    return []
                self._events_cond.wait(remaining)

    def getQueueEvent(self, queueNames=None, timeout=timedelta(microseconds=-1)) -> str:
        events = self.getQueueEvents(queueNames, 1, timeout)
        return events[0] if events else ""

    # -- logging --
    def setLogLevel(self, level: LogLevel):
        self._log_level = LogLevel(level)
        self._control.send_control({"op": ControlOp.LOG_LEVEL, "level": int(level)})

    def getLogLevel(self) -> LogLevel:
        return self._log_level

    def setLogOutputLevel(self, level: LogLevel):
        self._log_output_level = LogLevel(level)

    def getLogOutputLevel(self) -> LogLevel:
        return self._log_output_level

    def addLogCallback(self, callback) -> int:
        callback_id = self._next_callback
        self._next_callback += 1
        self._log_callbacks[callback_id] = callback
        return callback_id

    def removeLogCallback(self, callback_id: int) -> bool:
        return self._log_callbacks.pop(callback_id, None) is not None

    def _host_debug(self, text: str):
        if self._log_level <= LogLevel.DEBUG:
            self._on_log(LogMessage("host", LogLevel.DEBUG, time.monotonic(), text))

    def _on_log(self, message: LogMessage):
        if message.level >= self._log_output_level and self._log_output_level != LogLevel.OFF:
            print(message.format(self._info.mxid), file=sys.stderr, flush=True)
        for callback in list(self._log_callbacks.values()):
            callback(message)

    # -- info --
    def getDeviceInfo(self) -> DeviceInfo:
        return self._info

    def getMxId(self) -> str:
        return self._info.mxid

    def getUsbSpeed(self) -> UsbSpeed:
        """SUPER, or the board config's `usb.maxSpeed` when that is lower."""
        return UsbSpeed(min(UsbSpeed.SUPER, self._config.board.usb.maxSpeed))

    def getConnectedCameras(self) -> list[CameraBoardSocket]:
        """The sockets with a camera: an OAK-D's three (CAM_A colour, CAM_B/CAM_C mono), and any
        other socket given a source (`cameras=` or OAKLING_CAMERA_<SOCKET>)."""
        return sorted(set(_OAK_D_SENSORS) | {CameraBoardSocket(int(s)) for s in self._options["cameras"]})

    def getCameraSensorNames(self) -> dict[CameraBoardSocket, str]:
        """The sensor each connected camera stands in for (an OAK-D's; "oakling" on other sockets)."""
        return {s: _OAK_D_SENSORS.get(s, "oakling") for s in self.getConnectedCameras()}

    def getConnectedCameraFeatures(self) -> list[CameraFeatures]:
        """One `CameraFeatures` per connected camera: an OAK-D's IMX378 on CAM_A ("color", 4056x3040,
        autofocus) and OV9282s on CAM_B/CAM_C ("left"/"right", 1280x800, mono), then any other socket
        given a source."""
        found = []
        for socket in self.getConnectedCameras():
            width, height, types, autofocus, name = _OAK_D_FEATURES.get(
                socket, (-1, -1, [CameraSensorType.COLOR, CameraSensorType.MONO], False, socket.name))
            found.append(CameraFeatures(socket, _OAK_D_SENSORS.get(socket, "oakling"), width, height, types,
                                        autofocus, name))
        return found

    def getDeviceName(self) -> str:
        return _PRODUCT_NAME

    def getProductName(self) -> str:
        return _PRODUCT_NAME

    def getBootloaderVersion(self):
        """The flashed bootloader's version (DeviceBootloader); None without one, as gen2 answers for a
        device booted over USB."""
        flashed = self._state.read_json("bootloader")
        if flashed is None:
            return None
        return Version(flashed["version"])

    def getConnectedIMU(self) -> str:
        """The IMU's type: "BNO086" (an OAK-D's, the default), "BMI270", or "NONE" (gen2's name for
        none), as `Device(imu=...)` / OAKLING_IMU or the recording given there says."""
        return self._options["imu"]["type"]

    def getIMUFirmwareVersion(self) -> str:
        """The IMU's firmware version, as gen2 prints it ("3.9.7" for a BNO086's, "0.0.0" otherwise)."""
        from ..sources.imu import FIRMWARE_VERSIONS
        return FIRMWARE_VERSIONS[self.getConnectedIMU()]

    getEmbeddedIMUFirmwareVersion = getIMUFirmwareVersion

    def startIMUFirmwareUpdate(self, forceUpdate: bool = False) -> bool:
        """Starts writing the embedded IMU firmware (the version the IMU already runs) to a BNO086, as
        gen2 can; False for an IMU gen2 cannot update. getIMUFirmwareUpdateStatus() follows it."""
        self._check_open()
        if self.getConnectedIMU() != "BNO086":
            return False
        self._imu_update_started = time.monotonic()
        return True

    def getIMUFirmwareUpdateStatus(self) -> tuple[bool, float]:
        """(finished, percent done) of the update startIMUFirmwareUpdate() started; it takes
        IMU_UPDATE_SECONDS."""
        started = self._imu_update_started
        if started is None:
            return True, 0.0
        done = min(100.0, 100.0 * (time.monotonic() - started) / IMU_UPDATE_SECONDS)
        return done >= 100.0, done

    def isEepromAvailable(self) -> bool:
        """True: the calibration readCalibration() returns stands in for an EEPROM's."""
        return True

    def hasCrashDump(self) -> bool:
        return False

    def getCrashDump(self, clearCrashDump: bool = True) -> CrashDump:
        return CrashDump(self._info.mxid)

    # -- the device process's figures (what SystemLogger sends), asked of it --
    def _figure(self, name: str, what: str):
        return self._ask(ControlOp.SYSTEM_INFO, f"Device.{what}()")[name]

    def getChipTemperature(self) -> ChipTemperature:
        return ChipTemperature(*self._figure("chipTemperature", "getChipTemperature"))

    def getDdrMemoryUsage(self) -> MemoryInfo:
        return MemoryInfo(*self._figure("ddrMemoryUsage", "getDdrMemoryUsage"))

    def getCmxMemoryUsage(self) -> MemoryInfo:
        return MemoryInfo(*self._figure("cmxMemoryUsage", "getCmxMemoryUsage"))

    def getLeonCssHeapUsage(self) -> MemoryInfo:
        return MemoryInfo(*self._figure("leonCssMemoryUsage", "getLeonCssHeapUsage"))

    def getLeonMssHeapUsage(self) -> MemoryInfo:
        return MemoryInfo(*self._figure("leonMssMemoryUsage", "getLeonMssHeapUsage"))

    def getLeonCssCpuUsage(self) -> CpuUsage:
        """The device process's CPU share since the previous figure was asked for (or it started)."""
        return CpuUsage(*self._figure("leonCssCpuUsage", "getLeonCssCpuUsage"))

    def getLeonMssCpuUsage(self) -> CpuUsage:
        """The Script processes' CPU share, likewise."""
        return CpuUsage(*self._figure("leonMssCpuUsage", "getLeonMssCpuUsage"))

    def setSystemInformationLoggingRate(self, rateHz: float):
        """Kept and returned by the getter; oakling logs no system information on its own."""
        self._logging_rate = float(rateHz)

    def getSystemInformationLoggingRate(self) -> float:
        return self._logging_rate

    def setTimesync(self, *args, **kwargs):
        """Accepted: the host and this device share one clock, so there is nothing to synchronise."""

    def setXLinkChunkSize(self, sizeBytes: int):
        """Kept and returned by the getter; oakling's link passes messages whole, in shared memory."""
        self._chunk_size = int(sizeBytes)

    def getXLinkChunkSize(self) -> int:
        return self._chunk_size

    def readCalibrationRaw(self) -> list[int]:
        """The calibration as the bytes of an EEPROM would hold it: here its JSON, UTF-8 encoded."""
        self._check_open()
        return list(json.dumps(calibration_of(self._options).eepromToJson()).encode())

    readFactoryCalibrationRaw = readCalibrationRaw

    def readCalibration(self) -> CalibrationHandler:
        """The device's calibration: an OAK-D's (oakling/calibration.py), or the one given with
        `Device(calibration=...)` / OAKLING_CALIBRATION."""
        self._check_open()
        return calibration_of(self._options)

    readCalibration2 = readCalibration
    readCalibrationOrDefault = readCalibration

    def readFactoryCalibration(self) -> CalibrationHandler:
        """The factory calibration: one flashed with flashFactoryCalibration, else the calibration the
        device started with before any user calibration (an OAK-D's, or the one given)."""
        self._check_open()
        factory = self._state.read_json("factory_calibration")
        return CalibrationHandler.fromJson(factory) if factory else calibration_of(self._factory_options)

    readFactoryCalibrationOrDefault = readFactoryCalibration

    # -- the EEPROM: kept in the device's state folder (host/state.py), read when a device starts --
    def flashCalibration2(self, calibrationDataHandler: CalibrationHandler):
        """Keeps `calibrationDataHandler` as the device's user calibration: readCalibration() gives it
        from now on, and devices opened later run with it (unless given another)."""
        self._check_open()
        if not isinstance(calibrationDataHandler, CalibrationHandler):
            raise TypeError(f"Device.flashCalibration2: expected a dai.CalibrationHandler, got "
                            f"{type(calibrationDataHandler).__name__}")
        self._state.write_json("calibration", calibrationDataHandler.eepromToJson())
        self._options["calibration"] = calibrationDataHandler.eepromToJson()

    def flashCalibration(self, calibrationDataHandler: CalibrationHandler) -> bool:
        self.flashCalibration2(calibrationDataHandler)
        return True

    def flashFactoryCalibration(self, calibrationHandler: CalibrationHandler):
        self._check_open()
        self._state.write_json("factory_calibration", calibrationHandler.eepromToJson())

    def factoryResetCalibration(self):
        """Drops the user calibration: the factory one is the device's again."""
        self._check_open()
        self._state.remove("calibration")
        self._options["calibration"] = self.readFactoryCalibration().eepromToJson()

    flashEepromClear = factoryResetCalibration

    def flashFactoryEepromClear(self):
        self._check_open()
        self._state.remove("factory_calibration")

    def getIrDrivers(self) -> list:
        """No IR projector or flood light on this device."""
        return []

    def setIrLaserDotProjectorIntensity(self, intensity: float, mask: int = -1) -> bool:
        return False   # gen2 answers False when the device has no IR driver

    def setIrFloodLightIntensity(self, intensity: float, mask: int = -1) -> bool:
        return False

    def setIrLaserDotProjectorBrightness(self, mA: float, mask: int = -1) -> bool:
        return False   # gen2's older form of setIrLaserDotProjectorIntensity, in milliamperes

    def setIrFloodLightBrightness(self, mA: float, mask: int = -1) -> bool:
        return False

    # -- profiling --
    def _links(self) -> list[Link]:
        return [*self._stream_links, self._control]

    def getProfilingData(self) -> ProfilingData:
        """The bytes this host has written to and read from the device since it opened: every record
        on its control and stream links, and the payloads passed through shared memory, counted as
        they would cross an XLink."""
        return ProfilingData(*_link_totals(self._links()))

    @staticmethod
    def getGlobalProfilingData() -> ProfilingData:
        """getProfilingData() summed over every Device this process has opened, closed ones too."""
        return global_profiling_data()

    def __getattr__(self, name: str):
        if name in GEN2_DEVICE_NOT_YET:
            raise NotImplementedError(f"oakling does not implement Device.{name}() yet — see the README for "
                                      f"what it supports")
        raise AttributeError(f"'Device' object has no attribute '{name}'")

    @staticmethod
    def getAllAvailableDevices() -> list[DeviceInfo]:
        return [local_info()]

    @staticmethod
    def getAllConnectedDevices() -> list[DeviceInfo]:
        """The one local device, whatever its state (gen2 lists booted devices here too)."""
        return [local_info()]

    @staticmethod
    def getFirstAvailableDevice():
        return True, local_info()

    @staticmethod
    def getDeviceByMxId(mxid: str):
        info = local_info()
        return (True, info) if mxid == info.mxid else (False, DeviceInfo(mxid))

    # -- lifetime --
    def _check_open(self):
        if self._closed:
            raise RuntimeError("Device already closed or disconnected")
        if self._lost_reason:
            raise RuntimeError(self._lost_reason)

    def isClosed(self) -> bool:
        return self._closed

    def close(self):
        """Stops the pipeline and the device process (within a second) and closes every queue."""
        with self._lock:
            if self._closed:
                return
            self._closing = True
            self._closed = True
        if self._view is not None:
            self._view.close()
        for q in list(self._output_queues.values()) + list(self._input_queues.values()):
            q.close("the device was closed", discard=True)
        deadline = time.monotonic() + CLOSE_TIMEOUT * 0.6
        if self._options.get("record_session"):   # the device finishes its recording's files before it exits
            deadline += RECORD_CLOSE_TIMEOUT
        try:
            self._control.send_control({"op": ControlOp.CLOSE})
            self._control_thread.join(CLOSE_TIMEOUT * 0.5)
        except LinkClosed:
            pass
        try:
            self._process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        for link in self._links():
            link.close()
        with _TOTALS_LOCK:
            if self in _OPEN_DEVICES:
                _OPEN_DEVICES.discard(self)
                written, read = _link_totals(self._links())
                _CLOSED_TOTALS[0] += written
                _CLOSED_TOTALS[1] += read
        self._pipeline_running = False
        with self._events_cond:
            self._events_cond.notify_all()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
