"""Camera: the unified camera node of gen2 2.24 and later — one node for any board socket, sized
with setSize instead of a sensor resolution; the same capture as ColorCamera (oakling/nodes/
color_camera.py), whose worker it runs.

    cam = pipeline.create(dai.node.Camera)
    cam.setBoardSocket(dai.CameraBoardSocket.CAM_A)
    cam.setSize(1280, 800)                # the isp size; AUTO: 1920x1080, 1280x800 on CAM_B/CAM_C
    cam.setPreviewSize(300, 300)          # BGR888i (interleaved BGR by default, as gen2's)
    cam.preview.link(xout.input)

Outputs: `isp` (YUV420p at the size), `video` (NV12; AUTO: the size), `preview` (BGR888i/p or
RGB, 300x300 by default, cut to its aspect ratio from the video), `still` (NV12, on a CameraControl
with setCaptureStill(True); AUTO: the size), `raw` and `frameEvent` (declared; not produced, but
see below).

A Camera whose `raw` output feeds a ToF node is a time-of-flight sensor (its size, 640x480 on AUTO):
its `raw` frames are what that sensor measures of the synthetic stereo scene from the camera's
socket (oakling/nodes/tof.py, oakling/sources/tof_scene.py).
Inputs `inputControl` (CameraControl; blocking, queue 8) and `inputConfig` (ImageManipConfig;
non-blocking, queue 8; accepted). Properties as gen2's CameraProperties, in its order.

The warp mesh settings (`setMeshSource`, `loadMeshFile`/`loadMeshData`, `setMeshStep`,
`setCalibrationAlpha`) are kept in the properties and assets as gen2 keeps them. A mesh of one's
own (loaded, with the source URI or AUTO) warps every picture before the outputs are made from it:
gen2's layout, float32 (y, x) pairs every mesh step over the sensor's size, as StereoDepth's meshes
(stereo_depth_ops.mesh_maps). The pictures of oakling's sources have no lens distortion, so a
CALIBRATION mesh has nothing to undo and none is made.
"""
from __future__ import annotations

import os

from ..log import LogLevel
from ..messages.enums import CameraSensorType, Gen2Enum
from ..pipeline.registry import node_type
from ..sources.picture import Yuv420
from .camera_common import CameraBoardSocket, CameraImageOrientation, CameraNode, resolve_socket
from .color_camera import ColorCameraWorker, _size
from .tof import ToFSensorCapture

AUTO = -1
MESH_ASSET = "warpMesh"
# AUTO sizes per board socket: an OAK-D's colour camera at 1080p, its mono cameras' 1280x800
AUTO_SIZES = {int(CameraBoardSocket.CAM_B): (1280, 800), int(CameraBoardSocket.CAM_C): (1280, 800)}
DEFAULT_AUTO_SIZE = (1920, 1080)


class CameraProperties:
    """gen2's `dai.CameraProperties` (`dai.node.Camera.Properties`): its enums."""

    AUTO = AUTO

    class ColorOrder(Gen2Enum):
        BGR = 0
        RGB = 1

    class WarpMeshSource(Gen2Enum):
        AUTO = -1
        NONE = 0
        CALIBRATION = 1
        URI = 2


class _NotInGen2:
    """A CameraNode method the unified Camera does not have (hasattr() is False)."""

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, owner=None):
        raise AttributeError(f"dai.node.Camera has no {self.name} — use setSize(width, height)")


@node_type(worker="CameraWorker")
class Camera(CameraNode):
    NAME = "Camera"
    Properties = CameraProperties

    setResolution = getResolution = _NotInGen2()
    getResolutionSize = getResolutionWidth = getResolutionHeight = _NotInGen2()

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self._colour_ports()
        self.properties = {
            "boardSocket": int(CameraBoardSocket.AUTO), "cameraName": "",
            "imageOrientation": int(CameraImageOrientation.AUTO), "colorOrder": 0, "interleaved": True,
            "fp16": False, "previewHeight": 300, "previewWidth": 300, "videoWidth": AUTO, "videoHeight": AUTO,
            "stillWidth": AUTO, "stillHeight": AUTO, "resolutionWidth": AUTO, "resolutionHeight": AUTO,
            "fps": 30.0, "isp3aFps": 0, "sensorCropX": -1.0, "sensorCropY": -1.0, "previewKeepAspectRatio": True,
            "ispScale": {"horizNumerator": 0, "horizDenominator": 0, "vertNumerator": 0, "vertDenominator": 0},
            "sensorType": int(CameraSensorType.AUTO), "numFramesPoolRaw": 3, "numFramesPoolIsp": 3,
            "numFramesPoolVideo": 4, "numFramesPoolPreview": 4, "numFramesPoolStill": 4,
            "warpMeshSource": int(CameraProperties.WarpMeshSource.AUTO), "warpMeshUri": "", "warpMeshWidth": 0,
            "warpMeshHeight": 0, "calibAlpha": None, "warpMeshStepWidth": 32, "warpMeshStepHeight": 32,
            "rawPacked": None,
        }

    def serialize_properties(self) -> dict:
        props = super().serialize_properties()
        return {"initialControl": props.pop("initialControl"), **props}   # gen2's order: the control first

    # -- sizes --
    def setSize(self, *size):
        """The output resolution (the isp size): setSize(width, height) or setSize((width, height))."""
        self.properties["resolutionWidth"], self.properties["resolutionHeight"] = self._checked(size, "setSize")

    def getSize(self) -> tuple[int, int]:
        return self.properties["resolutionWidth"], self.properties["resolutionHeight"]

    def getWidth(self) -> int:
        return self.properties["resolutionWidth"]

    def getHeight(self) -> int:
        return self.properties["resolutionHeight"]

    def setPreviewSize(self, *size):
        self.properties["previewWidth"], self.properties["previewHeight"] = self._checked(size, "setPreviewSize")

    def getPreviewSize(self) -> tuple[int, int]:
        return self.properties["previewWidth"], self.properties["previewHeight"]

    def getPreviewWidth(self) -> int:
        return self.properties["previewWidth"]

    def getPreviewHeight(self) -> int:
        return self.properties["previewHeight"]

    def setVideoSize(self, *size):
        self.properties["videoWidth"], self.properties["videoHeight"] = self._checked(size, "setVideoSize")

    def getVideoSize(self) -> tuple[int, int]:
        return self.properties["videoWidth"], self.properties["videoHeight"]

    def getVideoWidth(self) -> int:
        return self.properties["videoWidth"]

    def getVideoHeight(self) -> int:
        return self.properties["videoHeight"]

    def setStillSize(self, *size):
        self.properties["stillWidth"], self.properties["stillHeight"] = self._checked(size, "setStillSize")

    def getStillSize(self) -> tuple[int, int]:
        return self.properties["stillWidth"], self.properties["stillHeight"]

    def getStillWidth(self) -> int:
        return self.properties["stillWidth"]

    def getStillHeight(self) -> int:
        return self.properties["stillHeight"]

    def _checked(self, size, what: str) -> tuple[int, int]:
        try:
            w, h = _size(size)
        except (TypeError, ValueError):
            raise TypeError(f"{self._label}.{what}: expected (width, height), got {size}") from None
        if w <= 0 or h <= 0:
            raise ValueError(f"{self._label}.{what}: width and height must be positive, got {w}x{h}")
        return w, h

    def getFps(self) -> float:
        fps = self.properties["fps"]
        return 30.0 if fps in (AUTO, 0) else fps

    def setIsp3aFps(self, isp3aFps: int):
        self.properties["isp3aFps"] = int(isp3aFps)

    def setRawOutputPacked(self, packed: bool):
        self.properties["rawPacked"] = bool(packed)

    # -- the warp mesh --
    def setMeshSource(self, source):
        self.properties["warpMeshSource"] = int(CameraProperties.WarpMeshSource(source))

    def getMeshSource(self):
        return CameraProperties.WarpMeshSource(self.properties["warpMeshSource"])

    def loadMeshData(self, warpMesh):
        data = bytes(warpMesh)
        if not data:
            raise RuntimeError(f"{self._label}.loadMeshData: mesh data must not be empty")
        self._assets[MESH_ASSET] = data
        self.properties["warpMeshUri"] = f"asset:{MESH_ASSET}"

    def loadMeshFile(self, warpMesh):
        try:
            with open(os.fspath(warpMesh), "rb") as f:
                data = f.read()
        except OSError:
            raise RuntimeError(f"{self._label}.loadMeshFile: cannot open mesh at path: {os.fspath(warpMesh)}") from None
        self.loadMeshData(data)

    def setMeshStep(self, width: int, height: int):
        self.properties["warpMeshStepWidth"], self.properties["warpMeshStepHeight"] = int(width), int(height)

    def getMeshStep(self) -> tuple[int, int]:
        return self.properties["warpMeshStepWidth"], self.properties["warpMeshStepHeight"]

    def setCalibrationAlpha(self, alpha: float):
        self.properties["calibAlpha"] = float(alpha)

    def getCalibrationAlpha(self):
        return self.properties["calibAlpha"]


def capture_properties(props: dict) -> dict:
    """The unified Camera's properties as the ColorCamera capture reads them: the sensor is the
    size (AUTO: the socket's), and AUTO video and still sizes are that size too."""
    socket = resolve_socket(props, 0)
    w, h = props["resolutionWidth"], props["resolutionHeight"]
    if w <= 0 or h <= 0:
        w, h = AUTO_SIZES.get(socket, DEFAULT_AUTO_SIZE)
    out = dict(props, sensorSize=(w, h), resolution=None)
    for name in ("video", "still"):
        if out[f"{name}Width"] <= 0 or out[f"{name}Height"] <= 0:
            out[f"{name}Width"], out[f"{name}Height"] = w, h
    return out


class CameraWorker(ColorCameraWorker):
    """ColorCamera's capture, on the unified Camera's properties; a ToF sensor's when its raw output
    feeds a ToF node (oakling/nodes/tof.py)."""

    def __init__(self, ctx):
        super().__init__(ctx)
        self.properties = capture_properties(ctx.properties)

    @staticmethod
    def tof_size(properties: dict) -> tuple[int, int]:
        w, h = properties["resolutionWidth"], properties["resolutionHeight"]
        return (w, h) if w > 0 and h > 0 else ToFSensorCapture.tof_size(properties)

    def _oriented(self, picture):
        picture = super()._oriented(picture)
        if not hasattr(self, "_mesh"):
            self._mesh = self._load_mesh()
        return picture if self._mesh is None else self._mesh(picture)

    def _load_mesh(self):
        props = self.properties
        uri = props.get("warpMeshUri") or ""
        source = props.get("warpMeshSource", int(CameraProperties.WarpMeshSource.AUTO))
        if not uri or source not in (int(CameraProperties.WarpMeshSource.URI), int(CameraProperties.WarpMeshSource.AUTO)):
            return None
        data = self.ctx.assets.get(uri.split(":", 1)[-1])
        if not data:
            self.log(LogLevel.ERR, f"{self.label}: warp mesh asset {uri!r} is missing; pictures are not warped")
            return None
        mesh = MeshWarp(data, props["sensorSize"], (props["warpMeshStepWidth"], props["warpMeshStepHeight"]),
                        self.label)
        try:
            mesh.maps_for(*reversed(props["sensorSize"]))
        except ValueError as e:
            self.log(LogLevel.ERR, f"{e}; pictures are not warped")
            return None
        return mesh


class MeshWarp:
    """A Camera's warp mesh applied to its pictures (BGR arrays or Yuv420 planes) at any picture size:
    the mesh is over the sensor's size, and a source picture of another size is warped in proportion."""

    def __init__(self, data: bytes, sensor: tuple[int, int], step: tuple[int, int], label: str):
        self._data, self._sensor, self._step, self._label = data, tuple(sensor), tuple(step), label
        self._maps = {}

    def maps_for(self, height: int, width: int):
        import cv2
        from .stereo_depth_ops import mesh_maps
        if (height, width) not in self._maps:
            sw, sh = self._sensor
            try:
                x, y = mesh_maps(self._data, (sh, sw), *self._step)
            except ValueError as e:
                raise ValueError(f"{self._label}: the warp mesh {e} — make it for the sensor's size, or "
                                 f"setMeshStep to the step it was made with") from None
            if (width, height) != (sw, sh):
                x = cv2.resize(x, (width, height), interpolation=cv2.INTER_LINEAR) * (width / sw)
                y = cv2.resize(y, (width, height), interpolation=cv2.INTER_LINEAR) * (height / sh)
            self._maps[(height, width)] = (x, y)
        return self._maps[(height, width)]

    def _remap(self, plane):
        import cv2
        x, y = self.maps_for(*plane.shape[:2])
        return cv2.remap(plane, x, y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)

    def __call__(self, picture):
        if isinstance(picture, Yuv420):
            return Yuv420(self._remap(picture.y), self._remap(picture.u), self._remap(picture.v))
        return self._remap(picture)
