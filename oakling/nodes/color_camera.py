"""ColorCamera: a colour sensor on a board socket, fed by the socket's source (a video file, images,
a webcam, or the synthetic pattern; see oakling.sources).

    cam = pipeline.create(dai.node.ColorCamera)
    cam.setPreviewSize(300, 300); cam.setInterleaved(False); cam.setFps(30)
    cam.preview.link(xout.input)

Outputs: `preview` (BGR888i/p or RGB888i/p, per setInterleaved and setColorOrder), `video` (NV12),
`isp` (YUV420p), `still` (NV12, after a CameraControl with setCaptureStill(True) on
`inputControl`), `raw` and `frameEvent` (declared; not produced, but `raw` feeding a ToF node makes the camera a ToF sensor: oakling/nodes/tof.py). Every output of one capture
carries the same sequence number and timestamp. Outputs that are not linked are not made.

Geometry, as gen2 has it (`color_layout`): the source picture is fitted to the sensor resolution
(scaled to cover, centred, overflow cropped); isp = sensor × ispScale (rounded up); video = a
centred crop of isp (AUTO: at most 1920×1080, or 3840×2160 for 4K and larger sensors, × ispScale;
`setSensorCrop` moves it); preview = video, cropped to the preview's aspect ratio around its
centre when previewKeepAspectRatio (the default), then resized; still = the largest centred
crop of isp with the still's aspect ratio, resized to the still size (AUTO: as gen2 computes it).
AUTO board socket: CAM_A.
"""
from __future__ import annotations

import numpy as np

from ..messages.enums import Gen2Enum
from ..messages.imgframe import ImgFrame
from ..pipeline.registry import node_type
from .camera_common import (CameraBoardSocket, CameraNode, CameraImageOrientation, CaptureWorker,
                            LayoutError, centred_aspect_crop, crop_resize, make_frame, planes_crop_resize,
                            planes_to, sensor_window, sub_window)
from .tof import ToFSensorCapture

AUTO = -1


class ColorCameraProperties:
    class SensorResolution(Gen2Enum):
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

    class ColorOrder(Gen2Enum):
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


def _scaled(props: dict, width: int, height: int) -> tuple[int, int]:
    """A size × ispScale, rounded up as gen2 does."""
    s = props["ispScale"]
    if s["horizNumerator"] > 0 and s["horizDenominator"] > 0:
        width = -(-width * s["horizNumerator"] // s["horizDenominator"])
    if s["vertNumerator"] > 0 and s["vertDenominator"] > 0:
        height = -(-height * s["vertNumerator"] // s["vertDenominator"])
    return width, height


def sensor_of(props: dict) -> tuple[int, int]:
    """The sensor's size: its resolution's, or `sensorSize` (the unified Camera gives its own)."""
    size = props.get("sensorSize")
    return tuple(size) if size is not None else SENSOR_SIZES[props["resolution"]]


def isp_size(props: dict) -> tuple[int, int]:
    return _scaled(props, *sensor_of(props))


_R = ColorCameraProperties.SensorResolution
# gen2's largest video (the AUTO video size) per sensor resolution, before ispScale; 1920x1080 if
# not listed. Like gen2's, never more than the isp.
_AUTO_VIDEO = {_R.THE_4_K: (3840, 2160), _R.THE_12_MP: (3840, 2160), _R.THE_4000X3000: (3840, 2160),
               _R.THE_13_MP: (3840, 2160), _R.THE_5312X6000: (3840, 2160), _R.THE_48_MP: (3840, 2160),
               _R.THE_1200_P: (1920, 1200), _R.THE_5_MP: (2592, 1944), _R.THE_720_P: (1280, 720),
               _R.THE_800_P: (1280, 800), _R.THE_1440X1080: (1440, 1080), _R.THE_2024X1520: (2024, 1080),
               _R.THE_1352X1012: (1352, 1080)}
# gen2's AUTO still size where it is not the whole sensor, before ispScale.
_AUTO_STILL = {_R.THE_12_MP: (4032, 3040), _R.THE_13_MP: (4192, 3120)}


def _at_most_isp(props: dict, size: tuple[int, int]) -> tuple[int, int]:
    iw, ih = isp_size(props)
    return min(size[0], iw), min(size[1], ih)


def video_size(props: dict) -> tuple[int, int]:
    """The video output's size: setVideoSize, or gen2's AUTO size."""
    w, h = props["videoWidth"], props["videoHeight"]
    if w > 0 and h > 0:
        return w, h
    return _at_most_isp(props, _scaled(props, *_AUTO_VIDEO.get(props["resolution"], (1920, 1080))))


def still_size(props: dict) -> tuple[int, int]:
    """The still output's size: setStillSize, or gen2's AUTO size."""
    w, h = props["stillWidth"], props["stillHeight"]
    if w > 0 and h > 0:
        return w, h
    sensor = sensor_of(props)
    return _at_most_isp(props, _scaled(props, *_AUTO_STILL.get(props.get("resolution"), sensor)))


def color_layout(props: dict, src_w: int, src_h: int, strict: bool = True) -> dict:
    """Where each output comes from in a src_w×src_h source picture: {output: (window, width,
    height)}, the window as (x, y, w, h) in source pixels. Raises LayoutError for settings gen2
    refuses (a video bigger than isp) unless not `strict` (video and preview unused): then the
    video region is clipped to the isp."""
    iw, ih = isp_size(props)
    if (src_w, src_h) == (iw, ih):
        isp = (0.0, 0.0, float(src_w), float(src_h))    # already the isp picture: pixel for pixel
    else:
        isp = sensor_window(src_w, src_h, *sensor_of(props))
    vw, vh = video_size(props)
    if (vw > iw or vh > ih) and not strict:
        vw, vh = min(vw, iw), min(vh, ih)
    if vw > iw or vh > ih:
        raise LayoutError(f"the video size {vw}x{vh} is larger than the isp size {iw}x{ih} — call "
                          f"setVideoSize with at most {iw}x{ih}, or raise the resolution / ispScale")
    cx, cy = props.get("sensorCropX", -1.0), props.get("sensorCropY", -1.0)
    vx = min(iw - vw, round(cx * iw)) if cx >= 0 else (iw - vw) // 2
    vy = min(ih - vh, round(cy * ih)) if cy >= 0 else (ih - vh) // 2
    pw, ph = props["previewWidth"], props["previewHeight"]
    if props["previewKeepAspectRatio"]:
        px, py, pcw, pch = centred_aspect_crop(vw, vh, pw, ph)
        preview = (vx + px, vy + py, pcw, pch)
    else:
        preview = (vx, vy, vw, vh)
    sw, sh = still_size(props)
    return {
        "isp": (isp, iw, ih),
        "video": (sub_window(isp, iw, ih, (vx, vy, vw, vh)), vw, vh),
        "preview": (sub_window(isp, iw, ih, preview), pw, ph),
        "still": (sub_window(isp, iw, ih, centred_aspect_crop(iw, ih, sw, sh)), sw, sh),
    }


@node_type(worker="ColorCameraWorker")
class ColorCamera(CameraNode):
    NAME = "ColorCamera"
    Properties = ColorCameraProperties
    SENSOR_SIZES = SENSOR_SIZES

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self._colour_ports()
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

    def setIspScale(self, *args):
        """setIspScale(num, den) or setIspScale(horizNum, horizDen, vertNum, vertDen), or tuples."""
        flat = [int(v) for a in args for v in (a if isinstance(a, (tuple, list)) else (a,))]
        if len(flat) == 2:
            flat = flat * 2
        if len(flat) != 4 or 0 in (flat[1], flat[3]):
            raise ValueError(f"{self._label}.setIspScale: expected (numerator, denominator) "
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
        return video_size(self.properties)

    def getVideoWidth(self) -> int:
        return self.getVideoSize()[0]

    def getVideoHeight(self) -> int:
        return self.getVideoSize()[1]

    def setStillSize(self, *size):
        self.properties["stillWidth"], self.properties["stillHeight"] = _size(size)

    def getStillSize(self) -> tuple[int, int]:
        return still_size(self.properties)

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


# preview types with setFp16(True) -> the U8 type with the same arrangement
_FP16_OF = {ImgFrame.Type.BGRF16F16F16i: ImgFrame.Type.BGR888i, ImgFrame.Type.RGBF16F16F16i: ImgFrame.Type.RGB888i,
            ImgFrame.Type.BGRF16F16F16p: ImgFrame.Type.BGR888p, ImgFrame.Type.RGBF16F16F16p: ImgFrame.Type.RGB888p}


def bgr_to(bgr: np.ndarray, frame_type, alloc=np.empty) -> np.ndarray:
    """A BGR image converted to the bytes of `frame_type`, in memory from `alloc(shape, dtype)` (no copy
    for contiguous BGR888i)."""
    T = ImgFrame.Type
    h, w = bgr.shape[:2]
    if frame_type == T.BGR888i:
        return np.ascontiguousarray(bgr)
    if frame_type in (T.BGR888p, T.RGB888p):
        planar = alloc((3, h, w), np.uint8)
        np.copyto(planar, (bgr if frame_type == T.BGR888p else bgr[:, :, ::-1]).transpose(2, 0, 1))
        return planar
    if frame_type in _FP16_OF:   # setFp16(True): the same pixels as FP16 values, carried as bytes
        return bgr_to(bgr, _FP16_OF[frame_type]).astype(np.float16).view(np.uint8)
    import cv2
    if frame_type == T.RGB888i:
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB, dst=alloc((h, w, 3), np.uint8))
    if frame_type in (T.GRAY8, T.RAW8):
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY, dst=alloc((h, w), np.uint8))
    if frame_type == T.YUV420p:
        return cv2.cvtColor(np.ascontiguousarray(bgr), cv2.COLOR_BGR2YUV_I420, dst=alloc((h * 3 // 2, w), np.uint8))
    i420 = cv2.cvtColor(np.ascontiguousarray(bgr), cv2.COLOR_BGR2YUV_I420)
    if frame_type == T.NV12:
        nv12 = alloc(i420.shape, np.uint8)
        nv12[:h] = i420[:h]
        quarter = (h // 2) * (w // 2)
        chroma = i420[h:].reshape(-1)
        nv12[h:].reshape(-1)[0::2] = chroma[:quarter]
        nv12[h:].reshape(-1)[1::2] = chroma[quarter:2 * quarter]
        return nv12
    raise ValueError(f"cannot make {ImgFrame.Type(frame_type).name} frames from a camera")


class ColorCapture(CaptureWorker):
    """The colour camera's capture (ColorCameraWorker adds the ToF sensor it may be)."""

    DEFAULT_SOCKET = 0   # gen2: a ColorCamera on AUTO is the CAM_A (RGB) sensor

    def picture_size(self):
        return isp_size(self.properties)

    def sensor_size(self):
        return sensor_of(self.properties)

    def check(self):
        props = self.properties
        self._strict = self.output("video").linked or self.output("preview").linked
        layout = color_layout(props, *self.picture_size(), strict=self._strict)
        for name in ("isp", "video", "still"):
            _, w, h = layout[name]
            if self.output(name).linked and (w % 2 or h % 2):
                raise LayoutError(f"the {name} size {w}x{h} is odd — {name} frames are YUV 4:2:0 and "
                                  f"need even sizes; pick another size or ispScale")
        self._layouts = {}
        self._still_requested = False

    def on_control(self, control):
        if control.getCaptureStill():
            self._still_requested = True

    def _layout(self, picture):
        key = picture.shape[1], picture.shape[0]
        layout = self._layouts.get(key)
        if layout is None:
            layout = self._layouts[key] = color_layout(self.properties, *key, strict=self._strict)
        return layout

    def emit(self, picture, seq, ts_ns):
        props = self.properties
        T = ImgFrame.Type
        layout = self._layout(picture)

        def make(window, w, h, frame_type, alloc):
            """The frame's bytes, the last step written into memory from `alloc`."""
            if isinstance(picture, np.ndarray) or w % 2 or h % 2:
                bgr = picture if isinstance(picture, np.ndarray) else self.payload("bgr", picture.to_bgr)
                if frame_type == T.BGR888i:
                    return np.ascontiguousarray(crop_resize(bgr, window, w, h, alloc))
                return bgr_to(crop_resize(bgr, window, w, h), frame_type, alloc)
            # Planes from a decoder: crop and resize them, and convert only the result.
            y, u, v = planes_crop_resize(picture, window, w, h)
            if frame_type in (T.YUV420p, T.NV12):
                return planes_to(y, u, v, nv12=frame_type == T.NV12, alloc=alloc)
            import cv2
            i420 = planes_to(y, u, v, nv12=False, alloc=self.scratch("i420"))   # read at once by the conversion
            if frame_type == T.BGR888i:
                return cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420, dst=alloc((h, w, 3), np.uint8))
            bgr = cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420, dst=self.scratch("bgr")((h, w, 3), np.uint8))
            return bgr_to(bgr, frame_type, alloc)

        def send(name, frame_type):
            window, w, h = layout[name]
            data = self.payload(name, lambda: make(window, w, h, frame_type, self.allocator(name)))
            self.output(name).send(make_frame(data, w, h, frame_type, seq, ts_ns, self.socket))

        if self.output("isp").linked:
            send("isp", T.YUV420p)
        if self.output("video").linked:
            send("video", T.NV12)
        if self.output("preview").linked:
            rgb = props["colorOrder"] == ColorCameraProperties.ColorOrder.RGB
            if props["interleaved"]:
                types = (T.RGBF16F16F16i, T.RGB888i) if rgb else (T.BGRF16F16F16i, T.BGR888i)
            else:
                types = (T.RGBF16F16F16p, T.RGB888p) if rgb else (T.BGRF16F16F16p, T.BGR888p)
            send("preview", types[0] if props.get("fp16") else types[1])
        if self._still_requested:
            self._still_requested = False
            if self.output("still").linked:
                send("still", T.NV12)


class ColorCameraWorker(ToFSensorCapture, ColorCapture):
    """A ColorCamera's device loop: a ToF sensor's when its raw output feeds a ToF node, else the colour capture."""
