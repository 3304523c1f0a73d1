"""What ColorCamera and MonoCamera share: board sockets, orientation, and the capture loop that
paces frames, applies controls and stamps every output of one capture with the same sequence
number and timestamp."""
from __future__ import annotations

import time
from enum import IntEnum

import numpy as np

from ..messages.clock import now_ns
from ..messages.imgframe import ImgFrame
from ..log import LogLevel
from .worker import Worker


class CameraBoardSocket(IntEnum):
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


class CameraImageOrientation(IntEnum):
    AUTO = -1
    NORMAL = 0
    HORIZONTAL_MIRROR = 1
    VERTICAL_FLIP = 2
    ROTATE_180_DEG = 3


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


class CaptureWorker(Worker):
    """A camera's device loop. Subclasses say how big the source frames are and what to send."""

    def source_size(self) -> tuple[int, int]:
        raise NotImplementedError

    def emit(self, bgr: np.ndarray, seq: int, ts_ns: int):
        raise NotImplementedError

    def on_control(self, control):
        """A CameraControl arrived on inputControl."""

    def open_source(self):
        from ..sources.synthetic import SyntheticSource
        width, height = self.source_size()
        return SyntheticSource(width, height)

    def run(self):
        if not any(port.linked for port in self.ctx.outputs.values()):
            return
        source = self.open_source()
        realtime = self.ctx.options.get("realtime", True)
        period = 1.0 / self.properties["fps"] if self.properties["fps"] > 0 else 0.0
        control = self.ctx.inputs.get(("", "inputControl"))
        seq = 0
        next_due = time.monotonic()
        try:
            while not self.stopping:
                if realtime and period:
                    if self.sleep(next_due - time.monotonic()):
                        return
                    next_due = max(next_due + period, time.monotonic() - period)
                if control is not None:
                    for ctrl in control.try_get_all():
                        self.on_control(ctrl)
                bgr = source.read()
                if bgr is None:
                    self.log(LogLevel.INFO, "source ended")
                    return
                self.emit(bgr, seq, now_ns())
                seq += 1
        finally:
            source.close()
