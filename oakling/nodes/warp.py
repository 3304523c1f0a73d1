"""Warp: a frame remapped through a warp mesh, at the output size asked.

    warp = pipeline.create(dai.node.Warp)
    warp.setWarpMesh([(20, 20), (460, 20), (100, 250), (400, 250), (20, 460), (460, 460)], 2, 3)
    warp.setOutputSize(992, 500)
    warp.setMaxOutputFrameSize(992 * 500 * 3)
    warp.setInterpolation(dai.Interpolation.NEAREST_NEIGHBOR)
    cam.preview.link(warp.inputImage)
    warp.out.link(xout.input)

Ports (gen2): `inputImage` (ImgFrame; blocking, queue 8, waits for a message) and `out` (ImgFrame).
Properties as gen2's WarpProperties: `outputWidth`/`outputHeight` (0: the input's size),
`outputFrameSize` (1 MiB), `numFramesPool` (4), `meshWidth`/`meshHeight`/`meshUri` (the mesh, an
asset in gen2's layout), `warpHwIds` ([]), `interpolation` (AUTO).

The mesh is `width` x `height` points (Point2f or (x, y) pairs, row by row from the top left),
spread evenly over the output frame, corners on corners; each says where in the input the output
pixel at its place takes its value from, and the pixels between them are interpolated. Without a
mesh the whole input is resized to the output size. Interpolation: NEAREST_NEIGHBOR, BICUBIC, or
bilinear (BILINEAR and AUTO); pixels mapped outside the input are black. Frames of types BGR/RGB
planar or interleaved, GRAY8, RAW8, NV12 and YUV420p are warped plane by plane (chroma planes
through the same mesh at their half size) and keep their type, sequence number, timestamps and
camera settings; other types, and outputs larger than `setMaxOutputFrameSize`, are dropped with an
error line saying what to do. `setHwIds` is kept (no hardware engines to choose here). The output's
`_view` says where it lies in its input (for spatial detection) when a 3×3 map follows the mesh
within half a pixel (`Warper.view`); otherwise it keeps its input's.
"""
from __future__ import annotations

import numpy as np

from ..log import LogLevel
from ..messages._args import as_enum
from ..messages.datatype import DatatypeEnum
from ..messages.enums import Interpolation
from ..messages.imgframe import ImgFrame
from ..pipeline.node import Node
from ..pipeline.registry import node_type
from ..runtime.worker import QueueClosed, Worker
from .image_manip_ops import (ManipError, WarpMesh, compose_views, decode_mesh, encode_mesh, frame_bytes,
                              mesh_points)
from .neural_network import _count

T = ImgFrame.Type
DEFAULT_OUTPUT_FRAME_SIZE = 1024 * 1024
MESH_ASSET = "mesh"
# frame type -> how its bytes hold the picture
_LAYOUT = {T.BGR888p: "planar", T.RGB888p: "planar", T.BGR888i: "interleaved", T.RGB888i: "interleaved",
           T.GRAY8: "grey", T.RAW8: "grey", T.NV12: "nv12", T.NV21: "nv12", T.YUV420p: "i420"}


@node_type(worker="WarpWorker")
class Warp(Node):
    NAME = "Warp"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.inputImage = self._input("inputImage", types=(DatatypeEnum.ImgFrame,), blocking=True, queueSize=8,
                                      waitForMessage=True)
        self.out = self._output("out", types=(DatatypeEnum.ImgFrame,))
        self.properties = {"outputWidth": 0, "outputHeight": 0, "outputFrameSize": DEFAULT_OUTPUT_FRAME_SIZE,
                           "numFramesPool": 4, "meshWidth": 0, "meshHeight": 0, "meshUri": "", "warpHwIds": [],
                           "interpolation": int(Interpolation.AUTO)}

    def setOutputSize(self, width, height=None):
        """The output frame's size in pixels: `(width, height)` or two numbers (default: the input's)."""
        if height is None:
            try:
                width, height = width
            except (TypeError, ValueError):
                raise TypeError(f"{self._label}.setOutputSize: expected (width, height) or two ints, "
                                f"got {width!r}") from None
        self.properties["outputWidth"] = _count(width, f"{self._label}.setOutputSize")
        self.properties["outputHeight"] = _count(height, f"{self._label}.setOutputSize")

    def setWarpMesh(self, meshData, width: int, height: int):
        """A `width` x `height` mesh of source points (Point2f or (x, y) pairs, row by row from the top
        left), spread evenly over the output frame."""
        what = f"{self._label}.setWarpMesh"
        width, height = _count(width, what), _count(height, what)
        points = mesh_points(meshData, what)
        if width < 2 or height < 2:
            raise ValueError(f"{what}: expected a mesh of at least 2x2 points, got {width}x{height}")
        if len(points) < width * height:
            raise ValueError(f"{what}: Not enough points provided for specified width and height — a "
                             f"{width}x{height} mesh needs {width * height} points, got {len(points)}")
        self._assets[MESH_ASSET] = encode_mesh(points[:width * height], width, height)
        self.properties.update(meshUri=f"asset:{MESH_ASSET}", meshWidth=width, meshHeight=height)

    def setNumFramesPool(self, numFramesPool: int):
        """Frames in the output pool (accepted; the device allocates output frames as it needs)."""
        self.properties["numFramesPool"] = _count(numFramesPool, f"{self._label}.setNumFramesPool")

    def setMaxOutputFrameSize(self, maxFrameSize: int):
        """Largest output frame in bytes (default 1 MiB); a bigger output is an error and is dropped."""
        self.properties["outputFrameSize"] = _count(maxFrameSize, f"{self._label}.setMaxOutputFrameSize")

    def setHwIds(self, ids):
        """Which of the chip's warp engines (0, 1, 2) to use: kept, as there are none to choose here."""
        try:
            values = [_count(i, f"{self._label}.setHwIds") for i in ids]
        except TypeError:
            raise TypeError(f"{self._label}.setHwIds: expected a list of engine ids (0, 1, 2), got {ids!r}") from None
        self.properties["warpHwIds"] = values

    def getHwIds(self) -> list:
        return list(self.properties["warpHwIds"])

    def setInterpolation(self, interpolation):
        self.properties["interpolation"] = int(as_enum(Interpolation, interpolation, f"{self._label}.setInterpolation"))

    def getInterpolation(self) -> Interpolation:
        return Interpolation(self.properties["interpolation"])


# ------------------------------------------------------------------------------------------------
# The warp (no device needed)
# ------------------------------------------------------------------------------------------------

def _cv_interpolation(value: int) -> int:
    import cv2
    return {Interpolation.BICUBIC: cv2.INTER_CUBIC,
            Interpolation.NEAREST_NEIGHBOR: cv2.INTER_NEAREST}.get(Interpolation(value), cv2.INTER_LINEAR)


class Warper:
    """Warps frames through one mesh (or none: a resize) to one output size; the dense maps are made
    once per input and output size."""

    def __init__(self, points: np.ndarray | None, out_size: tuple[int, int], interpolation: int):
        self.points = points                       # (mh, mw, 2) source (x, y), or None
        self.out_size = out_size                   # (0, 0): the input's
        self.interpolation = _cv_interpolation(interpolation)
        self._meshes: dict = {}
        self._views: dict = {}

    def _mesh(self, in_w: int, in_h: int, scale: int) -> WarpMesh:
        key = (in_w, in_h, scale)
        if key not in self._meshes:
            if self.points is None:      # the whole input, corners on corners
                xs, ys = np.array([0.0, in_w * scale - 1]), np.array([0.0, in_h * scale - 1])
                pts = np.stack(np.meshgrid(xs, ys), axis=-1)
            else:
                pts = self.points
            # a chroma plane at 1/scale: the same places, measured between pixel centres of that plane
            self._meshes[key] = WarpMesh((pts + 0.5) / scale - 0.5)
        return self._meshes[key]

    def _remap(self, plane: np.ndarray, out_w: int, out_h: int, scale: int = 1) -> np.ndarray:
        import cv2
        h, w = plane.shape[:2]
        map1, map2 = self._mesh(w, h, scale).maps(out_w, out_h)
        return cv2.remap(plane, map1, map2, self.interpolation, borderMode=cv2.BORDER_CONSTANT)

    def view(self, in_w: int, in_h: int, out_w: int, out_h: int) -> np.ndarray | None:
        """The 3×3 map from the output's normalised coordinates to the input's (ImgFrame._view), or
        None when the mesh is not one: a 3×3 map fitted to the mesh, sampled 17×17 over the output,
        counts when it puts every sample within half a pixel of where the mesh does (a resize, a crop,
        a turn, a keystone with a fine enough mesh; not a lens's undistortion or a bent mesh)."""
        key = (in_w, in_h, out_w, out_h)
        if key not in self._views:
            self._views[key] = _mesh_view(self._mesh(in_w, in_h, 1).points, in_w, in_h, out_w, out_h)
        return self._views[key]

    def size_of(self, frame: ImgFrame) -> tuple[int, int]:
        w, h = self.out_size
        return (w or frame.getWidth(), h or frame.getHeight())

    def __call__(self, frame: ImgFrame, what: str = "Warp.inputImage") -> ImgFrame:
        t = frame.getType()
        layout = _LAYOUT.get(t)
        if layout is None:
            raise ManipError(f"{what}: cannot warp a {t.name} frame — send BGR/RGB (planar or interleaved), "
                             f"GRAY8, RAW8, NV12 or YUV420p")
        w, h = frame.getWidth(), frame.getHeight()
        ow, oh = self.size_of(frame)
        if layout in ("nv12", "i420") and (ow % 2 or oh % 2):
            raise ManipError(f"{what}: a {t.name} output needs an even width and height, got {ow}x{oh} — "
                             f"call warp.setOutputSize with even numbers")
        img = frame.getFrame()
        if layout == "planar":
            data = np.stack([self._remap(img[c], ow, oh) for c in range(3)])
        elif layout in ("interleaved", "grey"):
            data = self._remap(img, ow, oh)
        else:
            y = self._remap(img[:h], ow, oh)
            chroma = img[h:].reshape(-1)
            if layout == "nv12":
                uv = chroma.reshape(h // 2, w // 2, 2)
                data = np.concatenate([y.reshape(-1), self._remap(uv, ow // 2, oh // 2, scale=2).reshape(-1)])
            else:
                quarter = (h // 2) * (w // 2)
                u = chroma[:quarter].reshape(h // 2, w // 2)
                v = chroma[quarter:2 * quarter].reshape(h // 2, w // 2)
                data = np.concatenate([y.reshape(-1), self._remap(u, ow // 2, oh // 2, scale=2).reshape(-1),
                                       self._remap(v, ow // 2, oh // 2, scale=2).reshape(-1)])
        out = ImgFrame()
        out.setType(t)
        out.setSize(ow, oh)
        size = ow * oh
        out._stride = ow * 3 if layout == "interleaved" else ow
        if layout == "planar":
            out._p1_offset, out._p2_offset, out._p3_offset = 0, size, 2 * size
        elif layout == "nv12":
            out._p1_offset, out._p2_offset, out._p3_offset = 0, size, size
        elif layout == "i420":
            out._p1_offset, out._p2_offset, out._p3_offset = 0, size, size + size // 4
        out._data = np.ascontiguousarray(data).reshape(-1)
        out._category = frame._category
        # where the output lies in its input, for spatial detection; a mesh no 3×3 map follows keeps
        # its input's view, as an ImageManip's warp mesh does
        out._view = compose_views(frame._view, self.view(w, h, ow, oh))
        return out._keep_capture_of(frame)


def _mesh_view(points: np.ndarray, in_w: int, in_h: int, out_w: int, out_h: int) -> np.ndarray | None:
    """Warper.view: the mesh (source pixel places at output pixel centres, corners on corners, bilinear
    between) as a 3×3 map between normalised coordinates, if one fits it within half a pixel."""
    import cv2
    mesh_h, mesh_w = points.shape[:2]
    cols = np.linspace(0, out_w - 1, 17).round().astype(int)
    rows = np.linspace(0, out_h - 1, 17).round().astype(int)
    wx, wy = WarpMesh._weights(out_w, mesh_w)[cols], WarpMesh._weights(out_h, mesh_h)[rows]
    xs, ys = wy @ points[:, :, 0] @ wx.T, wy @ points[:, :, 1] @ wx.T
    at = np.stack(np.meshgrid(cols, rows), -1).reshape(-1, 2).astype(np.float64)
    to = np.stack((xs, ys), -1).reshape(-1, 2)
    hom, _ = cv2.findHomography(at, to, 0)
    if hom is None:
        return None
    mapped = cv2.perspectiveTransform(at[None], hom)[0]
    if np.abs(mapped - to).max() > 0.5:
        return None
    # output normalised -> its pixel centres; the input's pixel centres -> normalised
    from_out = np.array([[out_w, 0, -0.5], [0, out_h, -0.5], [0, 0, 1]])
    to_in = np.array([[1 / in_w, 0, 0.5 / in_w], [0, 1 / in_h, 0.5 / in_h], [0, 0, 1]])
    return to_in @ hom @ from_out


class WarpWorker(Worker):
    """Warps each frame on `inputImage` to `out`."""

    def run(self):
        props = self.properties
        points = self._load_mesh(props)
        warper = Warper(points, (props["outputWidth"], props["outputHeight"]), props["interpolation"])
        limit = props["outputFrameSize"]
        source, out = self.input("inputImage"), self.output("out")
        what = f"{self.label}.inputImage"
        while True:
            try:
                frame = source.get()
            except QueueClosed:
                return
            ow, oh = warper.size_of(frame)
            needed = frame_bytes(frame.getType(), ow, oh)
            if needed > limit:
                self._error("size", f"{self.label}: a {ow}x{oh} {frame.getType().name} output needs {needed} bytes, "
                                    f"more than setMaxOutputFrameSize's {limit} — call warp.setMaxOutputFrameSize"
                                    f"({needed}) (frame {frame.getSequenceNum()} dropped)")
                continue
            try:
                warped = warper(frame, what)
            except ManipError as e:
                self._error(("frame", frame.getType()), f"{e} (frame {frame.getSequenceNum()} dropped)")
                continue
            out.send(warped)

    def _load_mesh(self, props):
        uri = props.get("meshUri") or ""
        if not uri:
            return None
        key = uri.split(":", 1)[-1]
        data = self.ctx.assets.get(key)
        if data is None:
            self.log(LogLevel.ERR, f"{self.label}: warp mesh asset '{key}' is missing; the frame is only resized")
            return None
        try:
            return decode_mesh(data, props["meshWidth"], props["meshHeight"])
        except ManipError as e:
            self.log(LogLevel.ERR, f"{self.label}: expected {e}; the frame is only resized")
            return None
