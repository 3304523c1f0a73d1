"""ColorCamera: a colour sensor on a board socket, fed here by a synthetic pattern.

    cam = pipeline.create(dai.node.ColorCamera)
    cam.setPreviewSize(300, 300); cam.setInterleaved(False); cam.setFps(30)
    cam.preview.link(xout.input)

Outputs: `preview` (BGR888i/p or RGB888i/p, per setInterleaved and setColorOrder), `video` (NV12),
`isp` (YUV420p), `still` (NV12, after a CameraControl with setCaptureStill(True) on
`inputControl`), `raw` and `frameEvent` (declared; not produced). Every output of one capture
carries the same sequence number and timestamp.
"""
from __future__ import annotations

from enum import IntEnum

import numpy as np

from ..messages.cameracontrol import CameraControl
from ..messages.datatype import DatatypeEnum
from ..messages.imgframe import ImgFrame
from ..pipeline.node import Node
from .camera_common import camera_control_properties, CameraBoardSocket, CameraImageOrientation, CaptureWorker, make_frame

AUTO = -1


class ColorCameraProperties:
    class SensorResolution(IntEnum):
        THE_1080_P = 0
        THE_4_K = 1
        THE_12_MP = 2
        THE_13_MP = 3
        THE_720_P = 4
        THE_800_P = 5
        THE_1200_P = 6
        THE_5_MP = 7
        THE_4000X3000 = 8
        THE_5312X6000 = 9
        THE_48_MP = 10
        THE_1440X1080 = 11
        THE_1352X1012 = 12
        THE_2024X1520 = 13

    class ColorOrder(IntEnum):
        BGR = 0
        RGB = 1


SENSOR_SIZES = {0: (1920, 1080), 1: (3840, 2160), 2: (4056, 3040), 3: (4208, 3120), 4: (1280, 720),
                5: (1280, 800), 6: (1920, 1200), 7: (2592, 1944), 8: (4000, 3000), 9: (5312, 6000),
                10: (8000, 6000), 11: (1440, 1080), 12: (1352, 1012), 13: (2024, 1520)}


def _size(args) -> tuple[int, int]:
    if len(args) == 1:
        args = tuple(args[0])
    width, height = (int(v) for v in args)
    return width, height


def isp_size(props: dict) -> tuple[int, int]:
    width, height = SENSOR_SIZES[props["resolution"]]
    s = props["ispScale"]
    if s["horizNumerator"] and s["horizDenominator"]:
        width = -(-width * s["horizNumerator"] // s["horizDenominator"])
    if s["vertNumerator"] and s["vertDenominator"]:
        height = -(-height * s["vertNumerator"] // s["vertDenominator"])
    return width, height


class ColorCamera(Node):
    NAME = "ColorCamera"
    Properties = ColorCameraProperties

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        frame = (DatatypeEnum.ImgFrame,)
        self.inputConfig = self._input("inputConfig", types=(DatatypeEnum.ImageManipConfig,),
                                       blocking=False, queueSize=8, waitForMessage=False)
        self.inputControl = self._input("inputControl", types=(DatatypeEnum.CameraControl,),
                                        blocking=True, queueSize=8, waitForMessage=False)
        self.video = self._output("video", types=frame)
        self.preview = self._output("preview", types=frame)
        self.still = self._output("still", types=frame)
        self.isp = self._output("isp", types=frame)
        self.raw = self._output("raw", types=frame)
        self.frameEvent = self._output("frameEvent", types=frame)
        self.initialControl = CameraControl()
        self.properties = {
            "boardSocket": int(CameraBoardSocket.AUTO), "cameraName": "",
            "imageOrientation": int(CameraImageOrientation.AUTO), "colorOrder": 0, "interleaved": True,
            "fp16": False, "previewHeight": 300, "previewWidth": 300, "videoWidth": AUTO,
            "videoHeight": AUTO, "stillWidth": AUTO, "stillHeight": AUTO, "resolution": 0, "fps": 30.0,
            "isp3aFps": 0, "sensorCropX": -1.0, "sensorCropY": -1.0, "previewKeepAspectRatio": True,
            "ispScale": {"horizNumerator": 0, "horizDenominator": 0, "vertNumerator": 0, "vertDenominator": 0},
            "numFramesPoolRaw": 3, "numFramesPoolIsp": 3, "numFramesPoolVideo": 4,
            "numFramesPoolPreview": 4, "numFramesPoolStill": 4, "rawPacked": None,
        }

    def serialize_properties(self) -> dict:
        props = dict(self.properties)
        props["initialControl"] = camera_control_properties(self.initialControl)
        return props

    # -- socket and sensor --
    def setBoardSocket(self, socket):
        self.properties["boardSocket"] = int(socket)

    def getBoardSocket(self) -> CameraBoardSocket:
        return CameraBoardSocket(self.properties["boardSocket"])

    def setCamera(self, name: str):
        self.properties["cameraName"] = str(name)

    def getCamera(self) -> str:
        return self.properties["cameraName"]

    def setResolution(self, resolution):
        self.properties["resolution"] = int(ColorCameraProperties.SensorResolution(resolution))

    def getResolution(self):
        return ColorCameraProperties.SensorResolution(self.properties["resolution"])

    def getResolutionSize(self) -> tuple[int, int]:
        return SENSOR_SIZES[self.properties["resolution"]]

    def getResolutionWidth(self) -> int:
        return self.getResolutionSize()[0]

    def getResolutionHeight(self) -> int:
        return self.getResolutionSize()[1]

    def setFps(self, fps: float):
        if float(fps) <= 0:
            raise ValueError(f"{self.NAME}({self.id}).setFps: fps must be positive, got {fps}")
        self.properties["fps"] = float(fps)

    def getFps(self) -> float:
        return self.properties["fps"]

    def setImageOrientation(self, orientation):
        self.properties["imageOrientation"] = int(orientation)

    def getImageOrientation(self):
        return CameraImageOrientation(self.properties["imageOrientation"])

    def setIspScale(self, *args):
        """setIspScale(num, den) or setIspScale(horizNum, horizDen, vertNum, vertDen), or tuples."""
        flat = [int(v) for a in args for v in (a if isinstance(a, (tuple, list)) else (a,))]
        if len(flat) == 2:
            flat = flat * 2
        if len(flat) != 4 or 0 in (flat[1], flat[3]):
            raise ValueError(f"{self.NAME}({self.id}).setIspScale: expected (numerator, denominator) "
                             f"with a non-zero denominator, got {args}")
        self.properties["ispScale"] = dict(zip(
            ("horizNumerator", "horizDenominator", "vertNumerator", "vertDenominator"), flat))

    def getIspSize(self) -> tuple[int, int]:
        return isp_size(self.properties)

    def getIspWidth(self) -> int:
        return self.getIspSize()[0]

    def getIspHeight(self) -> int:
        return self.getIspSize()[1]

    def setSensorCrop(self, x: float, y: float):
        self.properties["sensorCropX"], self.properties["sensorCropY"] = float(x), float(y)

    def getSensorCrop(self) -> tuple[float, float]:
        return self.properties["sensorCropX"], self.properties["sensorCropY"]

    # -- outputs --
    def setPreviewSize(self, *size):
        self.properties["previewWidth"], self.properties["previewHeight"] = _size(size)

    def getPreviewSize(self) -> tuple[int, int]:
        return self.properties["previewWidth"], self.properties["previewHeight"]

    def getPreviewWidth(self) -> int:
        return self.properties["previewWidth"]

    def getPreviewHeight(self) -> int:
        return self.properties["previewHeight"]

    def setVideoSize(self, *size):
        self.properties["videoWidth"], self.properties["videoHeight"] = _size(size)

    def getVideoSize(self) -> tuple[int, int]:
        w, h = self.properties["videoWidth"], self.properties["videoHeight"]
        return (w, h) if w > 0 and h > 0 else self.getIspSize()

    def getVideoWidth(self) -> int:
        return self.getVideoSize()[0]

    def getVideoHeight(self) -> int:
        return self.getVideoSize()[1]

    def setStillSize(self, *size):
        self.properties["stillWidth"], self.properties["stillHeight"] = _size(size)

    def getStillSize(self) -> tuple[int, int]:
        w, h = self.properties["stillWidth"], self.properties["stillHeight"]
        return (w, h) if w > 0 and h > 0 else self.getIspSize()

    def getStillWidth(self) -> int:
        return self.getStillSize()[0]

    def getStillHeight(self) -> int:
        return self.getStillSize()[1]

    def setInterleaved(self, interleaved: bool):
        self.properties["interleaved"] = bool(interleaved)

    def getInterleaved(self) -> bool:
        return self.properties["interleaved"]

    def setColorOrder(self, order):
        self.properties["colorOrder"] = int(ColorCameraProperties.ColorOrder(order))

    def getColorOrder(self):
        return ColorCameraProperties.ColorOrder(self.properties["colorOrder"])

    def setFp16(self, fp16: bool):
        self.properties["fp16"] = bool(fp16)

    def getFp16(self) -> bool:
        return self.properties["fp16"]

    def setPreviewKeepAspectRatio(self, keep: bool):
        self.properties["previewKeepAspectRatio"] = bool(keep)

    def getPreviewKeepAspectRatio(self) -> bool:
        return self.properties["previewKeepAspectRatio"]

    def setIsp3aFps(self, fps: int):
        self.properties["isp3aFps"] = int(fps)

    def getIsp3aFps(self) -> int:
        return self.properties["isp3aFps"]

    def setRawOutputPacked(self, packed: bool):
        self.properties["rawPacked"] = bool(packed)

    # -- frame pools (accepted; the device allocates as it needs) --
    def setNumFramesPool(self, raw: int, isp: int, preview: int, video: int, still: int):
        for key, value in zip(("Raw", "Isp", "Preview", "Video", "Still"), (raw, isp, preview, video, still)):
            self.properties[f"numFramesPool{key}"] = int(value)

    def setPreviewNumFramesPool(self, n: int):
        self.properties["numFramesPoolPreview"] = int(n)

    def setVideoNumFramesPool(self, n: int):
        self.properties["numFramesPoolVideo"] = int(n)

    def setStillNumFramesPool(self, n: int):
        self.properties["numFramesPoolStill"] = int(n)

    def setIspNumFramesPool(self, n: int):
        self.properties["numFramesPoolIsp"] = int(n)

    def setRawNumFramesPool(self, n: int):
        self.properties["numFramesPoolRaw"] = int(n)

    def getPreviewNumFramesPool(self) -> int:
        return self.properties["numFramesPoolPreview"]

    def getVideoNumFramesPool(self) -> int:
        return self.properties["numFramesPoolVideo"]

    def getStillNumFramesPool(self) -> int:
        return self.properties["numFramesPoolStill"]

    def getIspNumFramesPool(self) -> int:
        return self.properties["numFramesPoolIsp"]

    def getRawNumFramesPool(self) -> int:
        return self.properties["numFramesPoolRaw"]


def _center_crop(img: np.ndarray, width: int, height: int) -> np.ndarray:
    """The largest centred window of `img` with the aspect ratio width:height."""
    h, w = img.shape[:2]
    if w * height > h * width:
        cw = h * width // height
        x = (w - cw) // 2
        return img[:, x:x + cw]
    ch = w * height // width
    y = (h - ch) // 2
    return img[y:y + ch]


def _resize(img: np.ndarray, width: int, height: int) -> np.ndarray:
    if img.shape[1] == width and img.shape[0] == height:
        return img
    import cv2
    return cv2.resize(img, (width, height), interpolation=cv2.INTER_AREA)


def bgr_to(bgr: np.ndarray, frame_type) -> np.ndarray:
    """A BGR image converted to the bytes of `frame_type` (no copy for contiguous BGR888i)."""
    T = ImgFrame.Type
    if frame_type == T.BGR888i:
        return np.ascontiguousarray(bgr)
    if frame_type == T.BGR888p:
        return np.ascontiguousarray(bgr.transpose(2, 0, 1))
    if frame_type == T.RGB888p:
        return np.ascontiguousarray(bgr[:, :, ::-1].transpose(2, 0, 1))
    import cv2
    if frame_type == T.RGB888i:
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    if frame_type in (T.GRAY8, T.RAW8):
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    i420 = cv2.cvtColor(np.ascontiguousarray(bgr), cv2.COLOR_BGR2YUV_I420)
    if frame_type == T.YUV420p:
        return i420
    if frame_type == T.NV12:
        h, w = bgr.shape[:2]
        nv12 = np.empty_like(i420)
        nv12[:h] = i420[:h]
        quarter = (h // 2) * (w // 2)
        chroma = i420[h:].reshape(-1)
        nv12[h:].reshape(-1)[0::2] = chroma[:quarter]
        nv12[h:].reshape(-1)[1::2] = chroma[quarter:2 * quarter]
        return nv12
    raise ValueError(f"cannot make {ImgFrame.Type(frame_type).name} frames from a camera")


class ColorCameraWorker(CaptureWorker):
    def source_size(self):
        return isp_size(self.properties)

    def run(self):
        self._still_requested = False
        super().run()

    def on_control(self, control):
        if control.getCaptureStill():
            self._still_requested = True

    def emit(self, bgr, seq, ts_ns):
        props = self.properties
        socket = props["boardSocket"]
        T = ImgFrame.Type
        isp_w, isp_h = bgr.shape[1], bgr.shape[0]

        def send(port, img, frame_type):
            h, w = img.shape[:2]
            port.send(make_frame(bgr_to(img, frame_type), w, h, frame_type, seq, ts_ns, socket))

        isp = self.output("isp")
        if isp.linked:
            send(isp, bgr, T.YUV420p)
        video = self.output("video")
        vw, vh = props["videoWidth"], props["videoHeight"]
        if vw <= 0 or vh <= 0:
            vw, vh = isp_w, isp_h
        if video.linked:
            send(video, _resize(_center_crop(bgr, vw, vh), vw, vh), T.NV12)
        preview = self.output("preview")
        if preview.linked:
            pw, ph = props["previewWidth"], props["previewHeight"]
            img = _center_crop(bgr, pw, ph) if props["previewKeepAspectRatio"] else bgr
            rgb = props["colorOrder"] == ColorCameraProperties.ColorOrder.RGB
            frame_type = (T.RGB888i if rgb else T.BGR888i) if props["interleaved"] else (T.RGB888p if rgb else T.BGR888p)
            send(preview, _resize(img, pw, ph), frame_type)
        if self._still_requested:
            self._still_requested = False
            still = self.output("still")
            sw, sh = props["stillWidth"], props["stillHeight"]
            if sw <= 0 or sh <= 0:
                sw, sh = isp_w, isp_h
            send(still, _resize(_center_crop(bgr, sw, sh), sw, sh), T.NV12)
