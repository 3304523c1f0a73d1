"""MonoCamera: a greyscale sensor on a board socket, fed by the socket's source (a video file,
images, a webcam, or the synthetic pattern; see oakling.sources), in grey.

    mono = pipeline.create(dai.node.MonoCamera)
    mono.setBoardSocket(dai.CameraBoardSocket.CAM_B)
    mono.setResolution(dai.MonoCameraProperties.SensorResolution.THE_400_P)
    mono.out.link(xout.input)

Output `out`: RAW8 frames (gen2's type for it) at the sensor resolution; the source picture is
fitted to it (scaled to cover, centred, overflow cropped). `raw` and `frameEvent` are declared,
not produced, except that a MonoCamera whose `raw` feeds a ToF node is a 640x480 ToF sensor
(oakling/nodes/tof.py). AUTO board socket: CAM_B (LEFT), gen2's original default for a mono camera.
"""
from __future__ import annotations

import numpy as np

from ..messages.enums import Gen2Enum
from ..messages.datatype import DatatypeEnum
from ..messages.imgframe import ImgFrame
from ..pipeline.registry import node_type
from .camera_common import (CameraBoardSocket, CameraNode, CameraImageOrientation, CaptureWorker,
                            crop_resize, make_frame, sensor_window)
from .tof import ToFSensorCapture


class MonoCameraProperties:
    class SensorResolution(Gen2Enum):
        THE_720_P = 0
        THE_800_P = 1
        THE_400_P = 2
        THE_480_P = 3
        THE_1200_P = 4


SENSOR_SIZES = {0: (1280, 720), 1: (1280, 800), 2: (640, 400), 3: (640, 480), 4: (1920, 1200)}


@node_type(worker="MonoCameraWorker")
class MonoCamera(CameraNode):
    NAME = "MonoCamera"
    Properties = MonoCameraProperties
    SENSOR_SIZES = SENSOR_SIZES

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        frame = (DatatypeEnum.ImgFrame,)
        self.out = self._output("out", types=frame)
        self.raw = self._output("raw", types=frame)
        self.frameEvent = self._output("frameEvent", types=frame)
        self.properties = {
            "boardSocket": int(CameraBoardSocket.AUTO), "cameraName": "",
            "imageOrientation": int(CameraImageOrientation.AUTO), "resolution": 0, "fps": 30.0,
            "isp3aFps": 0, "numFramesPool": 3, "numFramesPoolRaw": 3, "rawPacked": None,
        }

    def setNumFramesPool(self, n: int):
        self.properties["numFramesPool"] = int(n)

    def getNumFramesPool(self) -> int:
        return self.properties["numFramesPool"]

    def setRawNumFramesPool(self, n: int):
        self.properties["numFramesPoolRaw"] = int(n)

    def getRawNumFramesPool(self) -> int:
        return self.properties["numFramesPoolRaw"]


def mono_window(src_w: int, src_h: int, sensor_w: int, sensor_h: int) -> tuple:
    """Where `out` comes from in a src_w×src_h picture, as (x, y, w, h) in its pixels."""
    if (src_w, src_h) == (sensor_w, sensor_h):
        return (0.0, 0.0, float(src_w), float(src_h))
    return sensor_window(src_w, src_h, sensor_w, sensor_h)


class MonoCapture(CaptureWorker):
    """The mono camera's capture (MonoCameraWorker adds the ToF sensor it may be)."""

    DEFAULT_SOCKET = 1   # gen2: a MonoCamera on AUTO is the CAM_B (LEFT) sensor
    GRAY = True

    def picture_size(self):
        return SENSOR_SIZES[self.properties["resolution"]]

    def sensor_size(self):
        return SENSOR_SIZES[self.properties["resolution"]]

    def emit(self, picture, seq, ts_ns):
        out = self.output("out")
        if out.linked:
            w, h = self.sensor_size()
            window = mono_window(picture.shape[1], picture.shape[0], w, h)
            data = self.payload("out", lambda: np.ascontiguousarray(
                crop_resize(picture, window, w, h, self.allocator("out"))))
            out.send(make_frame(data, w, h, ImgFrame.Type.RAW8, seq, ts_ns, self.socket))


class MonoCameraWorker(ToFSensorCapture, MonoCapture):
    """A MonoCamera's device loop: a ToF sensor's when its raw output feeds a ToF node, else the mono capture."""
