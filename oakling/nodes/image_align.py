"""ImageAlign: a frame (or a depth map) seen from another camera, by the device's calibration.

    align = pipeline.create(dai.node.ImageAlign)
    left.out.link(align.input)                      # CAM_B frames ...
    cam.isp.link(align.inputAlignTo)                # ... as CAM_A sees them, at its size
    align.initialConfig.set(cfg)                    # cfg.staticDepthPlane = 1000: the scene 1 m away
    align.outputAligned.link(xout.input)

Ports (gen2): `input` (ImgFrame; non-blocking, queue 4, waits for a message), `inputAlignTo`
(ImgFrame; non-blocking, queue 1, waits for a message), `inputConfig` (ImageAlignConfig;
non-blocking, queue 4, does not wait), `outputAligned` and `passthroughInput` (ImgFrame).
Properties as gen2's ImageAlignProperties: `initialConfig` (`{"staticDepthPlane": 0}`),
`numFramesPool` 4, `alignWidth`/`alignHeight` 0 (the align-to frame's size), `warpHwIds` [],
`interpolation` AUTO, `outKeepAspectRatio` true, `numShaves` 2.

Which camera a frame comes from is its instance number (its board socket). The node waits for one
frame on `inputAlignTo` — it gives the target camera and the output size — and then uses the
newest one that has come. The calibration is the device's (oakling.calibration); a camera's
intrinsics at a frame's size are the calibration's for that size (getCameraIntrinsics): its
sensor's scaled to cover the frame and centred, but a 4:3 frame of a 16:9 or 16:10 sensor has its
whole width and more rows, as gen2 scales them and the synthetic scene is rendered.

  * A RAW16 input is a depth map (millimetres, the source camera's view): every pixel with a depth
    is moved to where the target camera sees that point, with the target's depth; the nearest wins
    where several land, and pixels nothing lands on are 0.
  * Any other input (GRAY8, RAW8, BGR/RGB planar or interleaved) is warped as if the scene were a
    plane `staticDepthPlane` mm in front of the source camera (0: infinitely far, where only the
    cameras' rotation and intrinsics matter), with the chosen interpolation (NEAREST_NEIGHBOR,
    BICUBIC, or bilinear for the rest); what the source does not see is black.

The output keeps the input's type, sequence number, timestamps and settings, and takes the target
camera's socket as its instance number; it sets no `_view` (ImgFrame): it is the target camera's
whole view at that size, which its instance number names, as spatial detection reads it. A frame
from a socket the calibration does not have, or of another type, is dropped with an error line that
says what to do.
"""
from __future__ import annotations

import functools

import numpy as np

from ..calibration import CalibrationHandler, calibration_of, oak_d
from ..messages._args import as_bool, as_enum
from ..messages.datatype import DatatypeEnum
from ..messages.enums import Interpolation
from ..messages.imagealignconfig import ImageAlignConfig
from ..messages.imgframe import ImgFrame
from ..pipeline.node import Node
from ..pipeline.registry import node_type
from ..runtime.worker import QueueClosed, Worker
from .neural_network import _count

T = ImgFrame.Type
_LAYOUT = {T.GRAY8: "grey", T.RAW8: "grey", T.RAW16: "depth", T.BGR888i: "interleaved", T.RGB888i: "interleaved",
           T.BGR888p: "planar", T.RGB888p: "planar"}


@node_type(worker="ImageAlignWorker")
class ImageAlign(Node):
    NAME = "ImageAlign"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.initialConfig = ImageAlignConfig()
        self.inputConfig = self._input("inputConfig", types=(DatatypeEnum.ImageAlignConfig,), blocking=False,
                                       queueSize=4, waitForMessage=False)
        self.input = self._input("input", types=(DatatypeEnum.ImgFrame,), blocking=False, queueSize=4,
                                 waitForMessage=True)
        self.inputAlignTo = self._input("inputAlignTo", types=(DatatypeEnum.ImgFrame,), blocking=False, queueSize=1,
                                        waitForMessage=True)
        self.outputAligned = self._output("outputAligned", types=(DatatypeEnum.ImgFrame,))
        self.passthroughInput = self._output("passthroughInput", types=(DatatypeEnum.ImgFrame,))
        self.properties = {"numFramesPool": 4, "alignWidth": 0, "alignHeight": 0, "warpHwIds": [],
                           "interpolation": int(Interpolation.AUTO), "outKeepAspectRatio": True, "numShaves": 2}

    def serialize_properties(self) -> dict:
        return {"initialConfig": {"staticDepthPlane": self.initialConfig.get().staticDepthPlane}, **self.properties}

    def setOutputSize(self, alignWidth: int, alignHeight: int) -> "ImageAlign":
        """The output size (default 0, 0: the align-to frame's)."""
        self.properties["alignWidth"] = _count(alignWidth, f"{self._label}.setOutputSize")
        self.properties["alignHeight"] = _count(alignHeight, f"{self._label}.setOutputSize")
        return self

    def setOutKeepAspectRatio(self, keep: bool) -> "ImageAlign":
        """With an output size of another aspect than the target camera's: crop to it (True, the default)
        or stretch (False)."""
        self.properties["outKeepAspectRatio"] = as_bool(keep, f"{self._label}.setOutKeepAspectRatio")
        return self

    def setInterpolation(self, interp) -> "ImageAlign":
        self.properties["interpolation"] = int(as_enum(Interpolation, interp, f"{self._label}.setInterpolation"))
        return self

    def setNumShaves(self, numShaves: int) -> "ImageAlign":
        """SHAVE cores reserved (accepted; this device has none)."""
        self.properties["numShaves"] = _count(numShaves, f"{self._label}.setNumShaves")
        return self

    def setNumFramesPool(self, numFramesPool: int) -> "ImageAlign":
        """Frames in the output pool (accepted; the device allocates output frames as it needs)."""
        self.properties["numFramesPool"] = _count(numFramesPool, f"{self._label}.setNumFramesPool")
        return self


# ------------------------------------------------------------------------------------------------
# The geometry (no device needed)
# ------------------------------------------------------------------------------------------------

class AlignError(ValueError):
    """A frame ImageAlign cannot align; the text says what to do."""


def intrinsics(calibration: CalibrationHandler, socket: int, width: int, height: int, keep_aspect=True) -> np.ndarray:
    """The 3x3 camera matrix of `socket` for frames of `width` x `height`, as the calibration gives it
    (`getCameraIntrinsics`, gen2's rule: scaled to cover the frame and centred, but a 16:9 or 16:10
    sensor's 4:3 frame shows the sensor's whole width and more rows, as the synthetic cameras and
    ToF sensors render it), or stretched to the frame without keep_aspect."""
    try:
        k = calibration.getCameraIntrinsics(socket, width, height, keepAspectRatio=bool(keep_aspect))
    except RuntimeError as e:
        raise AlignError(str(e)) from None
    return np.asarray(k, np.float64)


def extrinsics(calibration: CalibrationHandler, source: int, target: int) -> tuple[np.ndarray, np.ndarray]:
    """(R, t in mm) taking points from the source camera's frame to the target's."""
    m = np.asarray(calibration.getCameraExtrinsics(source, target), np.float64)
    return m[:3, :3], m[:3, 3] * 10.0


def plane_homography(k_src, k_dst, rotation, translation_mm, depth_mm: float) -> np.ndarray:
    """The homography taking source pixels to target pixels for a plane `depth_mm` in front of the
    source camera (0: infinitely far)."""
    h = rotation.copy()
    if depth_mm > 0:
        h = h + np.outer(translation_mm, [0.0, 0.0, 1.0]) / depth_mm
    return k_dst @ h @ np.linalg.inv(k_src)


def reproject_depth(depth: np.ndarray, k_src, k_dst, rotation, translation_mm, out_w: int, out_h: int) -> np.ndarray:
    """A depth map (mm, uint16) seen from the target camera: each point moved, the nearest kept."""
    v, u = np.nonzero(depth)
    z = depth[v, u].astype(np.float64)
    rays = np.linalg.inv(k_src) @ np.stack([u, v, np.ones_like(u)]).astype(np.float64)
    points = rotation @ (rays * z) + translation_mm[:, None]
    ahead = points[2] > 0
    points = points[:, ahead]
    pixels = k_dst @ points
    x = np.rint(pixels[0] / pixels[2]).astype(np.int64)
    y = np.rint(pixels[1] / pixels[2]).astype(np.int64)
    zd = np.rint(points[2])
    inside = (x >= 0) & (x < out_w) & (y >= 0) & (y < out_h) & (zd <= 65535)
    x, y, zd = x[inside], y[inside], zd[inside]
    order = np.argsort(-zd, kind="stable")        # far first: the nearest is written last and stays
    out = np.zeros((out_h, out_w), np.uint16)
    out[y[order], x[order]] = zd[order].astype(np.uint16)
    return out


_DEFAULT_CALIBRATION = oak_d()


@functools.lru_cache(maxsize=64)
def _geometry(calibration, source, target, w, h, out_w, out_h, keep_aspect, depth_plane_mm):
    """(source and target camera matrices, R, t in mm, the plane's homography) — worked out once per
    kind of frame, as the calibration does not change while the device runs."""
    k_src = intrinsics(calibration, source, w, h)
    k_dst = intrinsics(calibration, target, out_w, out_h, keep_aspect)
    rotation, translation = extrinsics(calibration, source, target)
    return k_src, k_dst, rotation, translation, plane_homography(k_src, k_dst, rotation, translation, depth_plane_mm)


def _cv_interpolation(value: int) -> int:
    import cv2
    return {Interpolation.BICUBIC: cv2.INTER_CUBIC,
            Interpolation.NEAREST_NEIGHBOR: cv2.INTER_NEAREST}.get(Interpolation(value), cv2.INTER_LINEAR)


def align(frame: ImgFrame, target_socket: int, out_w: int, out_h: int, depth_plane_mm: int, interpolation: int,
          keep_aspect: bool = True, calibration: CalibrationHandler | None = None,
          what: str = "ImageAlign.input") -> ImgFrame:
    """`frame` as the camera at `target_socket` sees it, at out_w x out_h."""
    import cv2
    t = frame.getType()
    layout = _LAYOUT.get(t)
    if layout is None:
        raise AlignError(f"{what}: cannot align a {t.name} frame — send GRAY8, RAW8, BGR/RGB planar or interleaved, "
                         f"or RAW16 depth")
    k_src, k_dst, rotation, translation, hom = _geometry(
        calibration or _DEFAULT_CALIBRATION, frame.getInstanceNum(), int(target_socket), frame.getWidth(),
        frame.getHeight(), out_w, out_h, bool(keep_aspect), int(depth_plane_mm))
    img = frame.getFrame()
    if layout == "depth":
        data = reproject_depth(img, k_src, k_dst, rotation, translation, out_w, out_h)
    else:
        flags = _cv_interpolation(interpolation)

        def warp(plane):
            return cv2.warpPerspective(plane, hom, (out_w, out_h), flags=flags, borderMode=cv2.BORDER_CONSTANT)
        data = np.stack([warp(img[c]) for c in range(3)]) if layout == "planar" else warp(img)
    out = ImgFrame()
    out.setType(t)
    out.setSize(out_w, out_h)
    bpp = 2 if layout == "depth" else 1
    out._stride = out_w * bpp * (3 if layout == "interleaved" else 1)
    if layout == "planar":
        out._p1_offset, out._p2_offset, out._p3_offset = 0, out_w * out_h, 2 * out_w * out_h
    out._data = np.ascontiguousarray(data).reshape(-1).view(np.uint8)
    out._category = frame._category
    out._keep_capture_of(frame)
    out._instance_num = int(target_socket)
    return out


class ImageAlignWorker(Worker):
    """Aligns each frame on `input` to the camera of the newest frame on `inputAlignTo`."""

    def run(self):
        props = self.properties
        plane = int(props.get("initialConfig", {}).get("staticDepthPlane", 0))
        images, targets, configs = self.input("input"), self.input("inputAlignTo"), self.input("inputConfig")
        out, passthrough = self.output("outputAligned"), self.output("passthroughInput")
        what = f"{self.label}.input"
        calibration = calibration_of(self.ctx.options)
        try:
            target = targets.get()
        except QueueClosed:
            return
        while True:
            try:
                frame = images.get()
            except QueueClosed:
                return
            newer = targets.try_get_all()
            if newer:
                target = newer[-1]
            for cfg in configs.try_get_all():
                if isinstance(cfg, ImageAlignConfig):
                    plane = cfg.get().staticDepthPlane
            out_w = props["alignWidth"] or target.getWidth()
            out_h = props["alignHeight"] or target.getHeight()
            try:
                aligned = align(frame, target.getInstanceNum(), out_w, out_h, plane, props["interpolation"],
                                props["outKeepAspectRatio"], calibration=calibration, what=what)
            except AlignError as e:
                self._error(("align", str(e)[:60]), f"{e} (frame {frame.getSequenceNum()} dropped)")
                continue
            out.send(aligned)
            passthrough.send(frame)
