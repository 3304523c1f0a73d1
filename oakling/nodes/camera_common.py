"""What ColorCamera and MonoCamera share: board sockets, orientation, how a source picture is fitted
to a sensor, and the capture loop that reads the socket's source, paces frames, applies controls
and stamps every output of one capture with the same sequence number and timestamp.

Fitting a source to a sensor: the picture is scaled to cover the sensor and centred, and what
overflows is cropped (a 4:3 video on a 16:9 sensor loses its top and bottom, with no black bars,
as a real camera pointed at the scene would). A picture that already has the size the camera
wants (the isp size for ColorCamera, the sensor size for MonoCamera) is used as it is, pixel for
pixel.
"""
from __future__ import annotations

import numpy as np

from ..log import LogLevel
from ..messages.cameracontrol import CameraControl
from ..messages.datatype import DatatypeEnum
from ..messages.enums import CameraBoardSocket, CameraImageOrientation  # noqa: F401 - the camera nodes' enums
from ..messages.imgframe import ImgFrame
from ..pipeline.node import Node
from ..runtime.worker import Worker, published_copy


# gen2's RawCameraControl fields, in its serialization order: the schema's `initialControl`.
_CAMERA_CONTROL_FIELDS = (
    "cmdMask", "autoFocusMode", "lensPosition", "lensPositionRaw", "lensPosAutoInfinity", "lensPosAutoMacro",
    "expManual", "aeRegion", "afRegion", "awbMode", "sceneMode", "antiBandingMode", "aeLockMode", "awbLockMode",
    "captureIntent", "controlMode", "effectMode", "frameSyncMode", "strobeConfig", "strobeTimings",
    "aeMaxExposureTimeUs", "expCompensation", "brightness", "contrast", "saturation", "sharpness",
    "lumaDenoise", "chromaDenoise", "wbColorTemp", "lowPowerNumFramesBurst", "lowPowerNumFramesDiscard")


def _plain(value):
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return {k: _plain(getattr(value, k)) for k in value.__slots__}   # a raw struct


def camera_control_properties(control) -> dict:
    """A CameraControl as the schema carries it: gen2's RawCameraControl fields as JSON values."""
    return {name: _plain(getattr(control, name)) for name in _CAMERA_CONTROL_FIELDS}


def make_frame(data: np.ndarray, width: int, height: int, frame_type, seq: int, ts_ns: int,
               instance: int) -> ImgFrame:
    frame = ImgFrame()
    frame.setWidth(width).setHeight(height).setType(frame_type)
    frame._data = data.reshape(-1)
    frame._seq = seq
    frame._ts_ns = frame._ts_dev_ns = ts_ns
    frame.setInstanceNum(max(0, instance))
    return frame


# setCamera(name) as gen2 names the usual sockets, for cameras left on AUTO.
_CAMERA_NAMES = {"color": 0, "rgb": 0, "center": 0, "left": 1, "right": 2,
                 **{f"cam_{c}": k for k, c in enumerate("abcdefgh")}}


def resolve_socket(props: dict, default: int) -> int:
    """The board socket a camera uses: its boardSocket, else its setCamera name, else the camera
    type's AUTO choice (`default`)."""
    socket = int(props.get("boardSocket", -1))
    if socket >= 0:
        return socket
    return _CAMERA_NAMES.get(str(props.get("cameraName", "")).strip().lower(), default)


# -- geometry: rectangles are (x, y, w, h) in floats, in the source picture's pixels --

def sensor_window(src_w: int, src_h: int, sensor_w: int, sensor_h: int) -> tuple:
    """The part of a src_w×src_h picture that a sensor_w×sensor_h sensor sees: the picture scaled
    to cover the sensor and centred; what overflows is cropped."""
    scale = max(sensor_w / src_w, sensor_h / src_h)
    w, h = sensor_w / scale, sensor_h / scale
    return ((src_w - w) / 2, (src_h - h) / 2, w, h)


def sub_window(window: tuple, width: int, height: int, rect: tuple) -> tuple:
    """`rect` (x, y, w, h in the pixels of a width×height image made from `window`) in source pixels."""
    wx, wy, ww, wh = window
    sx, sy = ww / width, wh / height
    x, y, w, h = rect
    return (wx + x * sx, wy + y * sy, w * sx, h * sy)


def centred_aspect_crop(width: int, height: int, aspect_w: int, aspect_h: int) -> tuple:
    """The largest centred (x, y, w, h) of a width×height image with the aspect aspect_w:aspect_h."""
    if width * aspect_h > height * aspect_w:
        w, h = round(height * aspect_w / aspect_h), height
    else:
        w, h = width, round(width * aspect_h / aspect_w)
    return ((width - w) // 2, (height - h) // 2, w, h)


def crop_resize(picture: np.ndarray, window: tuple, width: int, height: int, alloc=None) -> np.ndarray:
    """The window of `picture` (rounded to whole pixels) resized to width×height, into memory from
    `alloc(shape, dtype)` when given; a view when the window is already that size (a picture in
    shared memory then crosses links as it is)."""
    x, y, w, h = window
    src_h, src_w = picture.shape[:2]
    x0, y0 = max(0, round(x)), max(0, round(y))
    x1, y1 = min(src_w, max(x0 + 1, round(x + w))), min(src_h, max(y0 + 1, round(y + h)))
    crop = picture[y0:y1, x0:x1]
    if crop.shape[1] == width and crop.shape[0] == height:
        return crop
    import cv2
    shrinking = width <= crop.shape[1] and height <= crop.shape[0]
    dst = None if alloc is None else alloc((height, width) + crop.shape[2:], crop.dtype)
    return cv2.resize(crop, (width, height), dst=dst,
                      interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


def planes_crop_resize(picture, window: tuple, width: int, height: int) -> tuple:
    """A `Yuv420` picture's window resized to width×height (both even): (Y, U, V) planes."""
    y = crop_resize(picture.y, window, width, height)
    sx, sy = picture.u.shape[1] / picture.y.shape[1], picture.u.shape[0] / picture.y.shape[0]
    x, yy, w, h = window
    chroma = (x * sx, yy * sy, w * sx, h * sy)
    return (y, crop_resize(picture.u, chroma, width // 2, height // 2),
            crop_resize(picture.v, chroma, width // 2, height // 2))


def planes_to(y: np.ndarray, u: np.ndarray, v: np.ndarray, nv12: bool, alloc=np.empty) -> np.ndarray:
    """Y, U, V planes packed as one YUV420p (I420) or NV12 image, (H*3/2)×W, in memory from `alloc`."""
    h, w = y.shape
    out = alloc((h * 3 // 2, w), np.uint8)
    flat = out.reshape(-1)
    flat[:h * w].reshape(h, w)[...] = y
    if nv12:
        uv = flat[h * w:].reshape(h // 2, w // 2, 2)
        uv[..., 0], uv[..., 1] = u, v
    else:
        quarter = (h // 2) * (w // 2)
        flat[h * w:h * w + quarter].reshape(h // 2, w // 2)[...] = u
        flat[h * w + quarter:].reshape(h // 2, w // 2)[...] = v
    return out


TOF_SENSOR_ASSET = "__tofSensor"    # on a camera whose raw output feeds a ToF node: it is a ToF sensor


def tof_camera_ids(pipeline) -> set[int]:
    """The ids of the camera nodes whose `raw` output feeds a ToF node's `input` (oakling/nodes/tof.py)."""
    tofs = {n.id for n in pipeline.getAllNodes() if n.getName() == "ToF"}
    return {c.outputId for c in pipeline.getConnections()
            if c.inputId in tofs and c.inputName == "input" and c.outputName == "raw"}


class CameraNode(Node):
    """Host-side settings ColorCamera and MonoCamera share: socket, sensor, fps, orientation and
    the initial control. Subclasses set `Properties` (with its SensorResolution) and SENSOR_SIZES."""

    Properties = None
    SENSOR_SIZES: dict[int, tuple[int, int]] = {}

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.inputControl = self._input("inputControl", types=(DatatypeEnum.CameraControl,),
                                        blocking=True, queueSize=8, waitForMessage=False)
        self.initialControl = CameraControl()

    def _colour_ports(self):
        """The ports ColorCamera and the unified Camera share: inputConfig and the five frame outputs."""
        frame = (DatatypeEnum.ImgFrame,)
        self.inputConfig = self._input("inputConfig", types=(DatatypeEnum.ImageManipConfig,),
                                       blocking=False, queueSize=8, waitForMessage=False)
        for name in ("video", "preview", "still", "isp", "raw", "frameEvent"):
            setattr(self, name, self._output(name, types=frame))

    def serialize_properties(self) -> dict:
        props = dict(self.properties)
        props["initialControl"] = camera_control_properties(self.initialControl)
        return props

    def check_ports(self):
        super().check_ports()
        if self.id in tof_camera_ids(self.getParentPipeline()):
            self._assets[TOF_SENSOR_ASSET] = b"1"
        else:
            self._assets.pop(TOF_SENSOR_ASSET, None)

    def setBoardSocket(self, socket):
        self.properties["boardSocket"] = int(socket)

    def getBoardSocket(self) -> CameraBoardSocket:
        return CameraBoardSocket(self.properties["boardSocket"])

    def setCamera(self, name: str):
        self.properties["cameraName"] = str(name)

    def getCamera(self) -> str:
        return self.properties["cameraName"]

    def setResolution(self, resolution):
        self.properties["resolution"] = int(self.Properties.SensorResolution(resolution))

    def getResolution(self):
        return self.Properties.SensorResolution(self.properties["resolution"])

    def getResolutionSize(self) -> tuple[int, int]:
        return self.SENSOR_SIZES[self.properties["resolution"]]

    def getResolutionWidth(self) -> int:
        return self.getResolutionSize()[0]

    def getResolutionHeight(self) -> int:
        return self.getResolutionSize()[1]

    def setFps(self, fps: float):
        if float(fps) <= 0:
            raise ValueError(f"{self._label}.setFps: fps must be positive, got {fps}")
        self.properties["fps"] = float(fps)

    def getFps(self) -> float:
        return self.properties["fps"]

    def setImageOrientation(self, orientation):
        self.properties["imageOrientation"] = int(orientation)

    def getImageOrientation(self):
        return CameraImageOrientation(self.properties["imageOrientation"])


class LayoutError(ValueError):
    """Camera settings that cannot make frames (a video size bigger than the isp, odd NV12 sizes)."""


_ORIENTATION_FLIPS = {CameraImageOrientation.HORIZONTAL_MIRROR: 1, CameraImageOrientation.VERTICAL_FLIP: 0,
                      CameraImageOrientation.ROTATE_180_DEG: -1}
_PUBLISH_MIN_BYTES = 64 * 1024   # smaller payloads travel inline anyway


class CaptureWorker(Worker):
    """A camera's device loop. Subclasses say what their AUTO socket is, what picture size they want,
    and what to send for one picture (`emit`)."""

    DEFAULT_SOCKET = 0
    GRAY = False

    def picture_size(self) -> tuple[int, int]:
        """The size the camera would like its pictures in (the synthetic pattern is made at it)."""
        raise NotImplementedError

    def sensor_size(self) -> tuple[int, int]:
        raise NotImplementedError

    def check(self):
        """Raise LayoutError if the settings cannot make frames."""

    def emit(self, picture, seq: int, ts_ns: int):
        """Send this capture's outputs; `picture` is a BGR (or grey) array or `Yuv420` planes."""
        raise NotImplementedError

    def on_control(self, control):
        """A CameraControl arrived on inputControl."""

    # -- outputs made once per picture --
    def allocator(self, name: str):
        """Where output `name`'s frames are computed: its pool of shared memory (link/pool.py), which
        links lend to other processes without a copy; private memory for a still source, whose
        frames `payload` publishes once instead."""
        return np.empty if self._publish else self.output(name).array

    def scratch(self, step: str):
        """An allocator (`alloc(shape, dtype)`) of memory for a conversion's middle `step` (I420 packed
        from a decoder's planes, BGR on the way to planar), reused from picture to picture, so its
        pages are touched once whatever the process's malloc does with a freed buffer (a fresh mapping
        costs more in first touches than the conversion)."""
        def alloc(shape, dtype=np.uint8):
            kept = self._scratch.get(step)
            if kept is None or kept.shape != tuple(shape) or kept.dtype != dtype:
                kept = self._scratch[step] = np.empty(shape, dtype)
            return kept
        return alloc

    def payload(self, key: str, make) -> np.ndarray:
        """`make()` for this picture, made once: a picture shown on several frames (a single image,
        a slow video in real time) is converted once. A single image's outputs are kept in
        published shared memory, so every later frame reaches the host without a copy."""
        data = self._cache.get(key)
        if data is None:
            data = make()
            if self._publish and data.nbytes >= _PUBLISH_MIN_BYTES:
                data, region = published_copy(data)
                self._regions.append(region)
            data.flags.writeable = False
            self._cache[key] = data
        return data

    def _release_cache(self):
        self._cache = {}
        for region in self._regions:
            region.release()
        self._regions = []

    def _oriented(self, picture):
        flip = _ORIENTATION_FLIPS.get(self.properties.get("imageOrientation", -1))
        if flip is None:
            return picture
        import cv2
        if isinstance(picture, np.ndarray):
            return cv2.flip(picture, flip)
        return type(picture)(cv2.flip(picture.y, flip), cv2.flip(picture.u, flip), cv2.flip(picture.v, flip))

    # -- the loop --
    def end(self, level: int, text: str):
        """Log why this camera stops and end its streams with that reason (the host's get() says it)."""
        self.log(level, text)
        for port in self.ctx.outputs.values():
            port.close(f"{self.label}: {text}")

    def open_source(self, description, loop: bool):
        from ..calibration import calibration_of
        from ..sources import open_source
        from ..sources.motion import trajectory_of
        width, height = self.picture_size()
        source = open_source(description, width=width, height=height, gray=self.GRAY, loop=loop,
                             socket=self.socket, calibration=calibration_of(self.ctx.options),
                             motion=trajectory_of(self.ctx.options), clock=self.ctx.clock)
        size = getattr(source, "width", None), getattr(source, "height", None)
        if hasattr(source, "set_output_size") and all(size):
            # Have a big video scaled down while it is converted, to the smallest size that still
            # gives the camera every pixel it wants.
            _, _, sw, sh = sensor_window(size[0], size[1], *self.sensor_size())
            scale = max(width / sw, height / sh)
            if scale < 1 and (size[0], size[1]) != (width, height):
                source.set_output_size(max(2, round(size[0] * scale)), max(2, round(size[1] * scale)))
        return source

    def run(self):
        if not any(port.linked for port in self.ctx.outputs.values()):
            return
        from ..sources import SourceError, socket_name
        options = self.ctx.options
        realtime = options.get("realtime", True)
        end = options.get("camera_end") or ("loop" if realtime else "stop")
        self.socket = resolve_socket(self.properties, self.DEFAULT_SOCKET)
        where = socket_name(self.socket)
        self._cache, self._regions, self._cache_picture, self._picture = {}, [], None, None
        self._scratch = {}
        try:
            self.check()
            source = self.open_source((options.get("cameras") or {}).get(str(self.socket)), end == "loop")
        except (SourceError, LayoutError) as e:
            self.end(LogLevel.ERR, f"{where}: {e}")
            return
        self._publish = bool(source.static)
        period = 1.0 / self.properties["fps"] if self.properties["fps"] > 0 else 0.0
        if realtime and hasattr(source, "frame_period"):   # a moving scene: pictures at the period's ticks
            source.frame_period = period
        control = self.ctx.inputs.get(("", "inputControl"))
        seq = 0
        stamp = getattr(source, "stamp", None)
        session = self.ctx.session
        clock = self.ctx.clock
        start = next_due = clock.monotonic()
        try:
            while not self.stopping:
                if realtime and period:
                    if self.sleep(next_due - clock.monotonic()):
                        return
                    next_due = max(next_due + period, clock.monotonic() - period)
                if control is not None:
                    for ctrl in control.try_get_all():
                        self.on_control(ctrl)
                if session is not None and not session.before_picture(self.ctx.stop_event):
                    return   # a replay: the messages recorded before this picture go first
                try:
                    picture = source.read_at(clock.monotonic() - start) if realtime else source.read()
                except SourceError as e:
                    self.end(LogLevel.ERR, f"{where}: {e}")
                    return
                if picture is None:
                    sent = "" if seq == source.frames else f" ({seq} frames sent)"
                    self.end(LogLevel.WARN, f"{where}: {source.name} ended after {source.frames} frames{sent}")
                    return
                if picture is not self._cache_picture:
                    self._release_cache()
                    self._cache_picture, self._picture = picture, self._oriented(picture)
                if stamp is not None:   # a side-by-side pair, a replay: the source says seq and time
                    number, ts = stamp(seq, clock.now_ns())
                else:
                    number, ts = seq, clock.now_ns()
                if session is not None:   # session/device.py: record the picture, count it for a replay
                    session.picture(self.socket, number, ts, picture)
                self.emit(self._picture, number, ts)
                seq += 1
        finally:
            source.close()
            self._release_cache()
