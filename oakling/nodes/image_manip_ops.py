"""ImageManip's image operations, with no device: plan a config for a frame size and type (output
size and type, one geometric map), then apply the plan to frames; and gen2's warp-mesh asset.

    p = plan(config, 1920, 1080, ImgFrame.Type.NV12)      # ManipError if the config cannot apply
    out = apply_plan(p, frame)                            # an ImgFrame with the frame's seq and timestamps
    out = apply_config(frame, config)                     # both at once

The node (image_manip.py) keeps one plan per config and input size; everything here is OpenCV on
NumPy views. `apply_plan(..., alloc=output.array)` writes the output frame's bytes into memory from
`alloc(shape, dtype)` (the node's output gives shared memory that links pass by reference): the
last pass over the pixels writes there directly, so the result is never copied again.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from ..messages.enums import Colormap, Interpolation
from ..messages.geometry import Point2f
from ..messages.imagemanipconfig import ImageManipConfig
from ..messages.imgframe import ImgFrame
from . import halves

T = ImgFrame.Type


# ------------------------------------------------------------------------------------------------
# Warp mesh: gen2's asset layout — rows of (y, x) float32 pairs, each row padded to 16 bytes
# ------------------------------------------------------------------------------------------------

def mesh_points(mesh_data, what: str) -> np.ndarray:
    pts = []
    for i, p in enumerate(mesh_data):
        if isinstance(p, Point2f):
            pts.append((p.x, p.y))
        else:
            try:
                x, y = p
                pts.append((float(x), float(y)))
            except (TypeError, ValueError):
                raise TypeError(f"{what}: point {i}: expected a Point2f or an (x, y) pair, got {p!r}") from None
    return np.asarray(pts, dtype=np.float32).reshape(-1, 2)


def _mesh_stride(width: int) -> int:
    return (8 * width + 15) // 16 * 16


def encode_mesh(points: np.ndarray, width: int, height: int) -> bytes:
    stride = _mesh_stride(width)
    buf = np.zeros((height, stride // 4), dtype=np.float32)
    grid = points.reshape(height, width, 2)
    buf[:, 0:2 * width:2] = grid[:, :, 1]
    buf[:, 1:2 * width:2] = grid[:, :, 0]
    return buf.tobytes()


def decode_mesh(data: bytes, width: int, height: int) -> np.ndarray:
    """(height, width, 2) source (x, y) points."""
    stride = _mesh_stride(width)
    if len(data) < stride * height:
        raise ManipError(f"a {width}x{height} warp mesh of {stride * height} bytes, got {len(data)} bytes")
    buf = np.frombuffer(data, dtype=np.float32, count=stride * height // 4).reshape(height, stride // 4)
    return np.stack((buf[:, 1:2 * width:2], buf[:, 0:2 * width:2]), axis=-1)


class WarpMesh:
    """A warp mesh spread evenly over the frame ("align corners"); dense maps are built once per size."""

    def __init__(self, points: np.ndarray):
        self.points = np.asarray(points, dtype=np.float64)   # (mh, mw, 2)
        self._maps = {}

    @staticmethod
    def _weights(n_out: int, n_mesh: int) -> np.ndarray:
        """(n_out, n_mesh) linear interpolation weights from mesh nodes to output pixel centres."""
        pos = np.arange(n_out) * ((n_mesh - 1) / max(n_out - 1, 1))
        lo = np.minimum(pos.astype(np.int64), n_mesh - 2)
        frac = pos - lo
        w = np.zeros((n_out, n_mesh))
        w[np.arange(n_out), lo] = 1 - frac
        w[np.arange(n_out), lo + 1] = frac
        return w

    def maps(self, width: int, height: int):
        key = (width, height)
        if key not in self._maps:
            import cv2
            mh, mw = self.points.shape[:2]
            wy, wx = self._weights(height, mh), self._weights(width, mw)
            map_x = (wy @ self.points[:, :, 0] @ wx.T).astype(np.float32)
            map_y = (wy @ self.points[:, :, 1] @ wx.T).astype(np.float32)
            self._maps[key] = cv2.convertMaps(map_x, map_y, cv2.CV_16SC2)
        return self._maps[key]


# ------------------------------------------------------------------------------------------------
# The image operations: plan (sizes, types, one geometric map) then apply. No device needed.
# ------------------------------------------------------------------------------------------------

class ManipError(ValueError):
    """A frame or config ImageManip cannot process; the text says what was expected."""


INPUT_TYPES = (T.BGR888p, T.BGR888i, T.RGB888p, T.RGB888i, T.NV12, T.NV21, T.YUV420p, T.GRAY8, T.RAW8, T.RAW16)
OUTPUT_TYPES = (T.BGR888p, T.BGR888i, T.RGB888p, T.RGB888i, T.NV12, T.NV21, T.YUV420p, T.GRAY8, T.RAW8)
_YUV = (T.NV12, T.NV21, T.YUV420p)
_GREY = (T.GRAY8, T.RAW8)
# The colour order images are worked in, per input type.
_ORDER = {T.BGR888p: "BGR", T.BGR888i: "BGR", T.RGB888p: "RGB", T.RGB888i: "RGB", T.NV12: "BGR",
          T.NV21: "BGR", T.YUV420p: "BGR", T.GRAY8: "GRAY", T.RAW8: "GRAY", T.RAW16: "RAW16"}


def frame_bytes(frame_type, width: int, height: int) -> int:
    if frame_type in (T.BGR888p, T.BGR888i, T.RGB888p, T.RGB888i):
        return width * height * 3
    if frame_type in _YUV:
        return width * height * 3 // 2
    if frame_type == T.RAW16:
        return width * height * 2
    return width * height


def _names(types) -> str:
    return ", ".join(t.name for t in types)


def _round(v: float) -> int:
    return int(math.floor(v + 0.5))


def _translate(dx, dy):
    return np.array([[1.0, 0, dx], [0, 1.0, dy], [0, 0, 1.0]])


def _scale(sx, sy):
    return np.array([[sx, 0, 0], [0, sy, 0], [0, 0, 1.0]])


def _rotate(deg):
    """Rotation by `deg` degrees, clockwise on screen (image y points down)."""
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])


# Edge coordinates (a W-pixel row spans [0, W]) to OpenCV's pixel-centre coordinates and back.
_TO_CENTRE, _TO_EDGE = _translate(-0.5, -0.5), _translate(0.5, 0.5)


@dataclass
class Plan:
    """What one config does to frames of one size and type."""
    in_type: T
    in_size: tuple[int, int]
    out_type: T
    out_size: tuple[int, int]
    identity: bool = False           # nothing to do: the input frame goes out as it is
    rect: tuple | None = None        # axis-aligned source rect (x0, y0, x1, y1), resized to `inner`
    matrix: np.ndarray | None = None  # or: inverse map, `inner` pixel centres -> source pixel centres
    inner: tuple = (0, 0, 0, 0)      # (x, y, w, h) of the output the image fills (letterbox: less)
    replicate: bool = False          # warp border: replicate edge pixels, else fill with bg
    bg: tuple = (0, 0, 0)            # (r, g, b)
    interpolation: int = 1           # cv2 flag
    flip: int | None = None          # cv2.flip code
    colormap: Colormap = Colormap.NONE
    colormap_range: tuple = (0, 255)

    @property
    def nbytes(self) -> int:
        return frame_bytes(self.out_type, *self.out_size)

    @functools.cached_property
    def perspective(self) -> bool:
        return self.matrix is not None and not np.allclose(self.matrix[2], (0, 0, 1))

    @functools.cached_property
    def own_view(self) -> list | None:
        """ImgFrame._view of an output made from a frame that has none: worked out once per plan,
        not per frame."""
        return compose_views(None, self.view())

    def view(self) -> np.ndarray:
        """The 3×3 map from the output's normalised coordinates to the input's (what ImgFrame._view
        holds): the flip undone, the letterbox's bars taken off, the geometry's map back to the source."""
        (w, h), (ow, oh) = self.in_size, self.out_size
        x, y, iw, ih = self.inner
        out = _scale(ow, oh)                              # normalised output -> its pixels' edges
        if self.flip is not None:
            out = _translate(ow if self.flip != 0 else 0, oh if self.flip != 1 else 0) @ _scale(
                -1 if self.flip != 0 else 1, -1 if self.flip != 1 else 1) @ out
        out = _translate(-x, -y) @ out                    # into the part the picture fills
        if self.rect is not None:
            x0, y0, x1, y1 = self.rect
            geometry = _translate(x0, y0) @ _scale((x1 - x0) / iw, (y1 - y0) / ih)
        else:
            geometry = _TO_EDGE @ self.matrix @ _TO_CENTRE
        return _scale(1 / w, 1 / h) @ geometry @ out


def plan(config: ImageManipConfig, width: int, height: int, frame_type) -> Plan:
    """The output size and type and the one geometric map that `config` gives a width x height frame."""
    import cv2
    try:
        in_type = T(frame_type)
    except ValueError:
        in_type = None
    if in_type not in INPUT_TYPES:
        raise ManipError(f"expected a frame of type {_names(INPUT_TYPES)}, got "
                         f"{in_type.name if in_type is not None else frame_type}")
    if width <= 0 or height <= 0:
        raise ManipError(f"expected a frame with a positive width and height, got {width}x{height}")
    if in_type in _YUV and (width % 2 or height % 2):
        raise ManipError(f"expected an even width and height for a {in_type.name} frame, got {width}x{height}")
    fmt = config.formatConfig
    explicit_type = config.enableFormat and fmt.type != T.NONE
    out_type = fmt.type if explicit_type else in_type
    colormap = fmt.colormap if config.enableFormat else Colormap.NONE
    if colormap != Colormap.NONE:
        if in_type not in _GREY:
            raise ManipError(f"expected a GRAY8 or RAW8 frame to apply a colormap to, got {in_type.name}")
        if not explicit_type:
            out_type = T.BGR888i
        elif out_type in _GREY:
            raise ManipError(f"expected a colour output type with a colormap, got setFrameType({out_type.name})")
    if in_type == T.RAW16:
        if out_type != T.RAW16:
            raise ManipError(f"RAW16 frames can be cropped, resized, rotated and flipped but not converted: "
                             f"expected no setFrameType, got setFrameType({out_type.name})")
    elif out_type not in OUTPUT_TYPES:
        raise ManipError(f"expected an output type of {_names(OUTPUT_TYPES)}, got setFrameType({out_type.name})")
    yuv_out = out_type in _YUV

    p = Plan(in_type, (width, height), out_type, (0, 0))
    resize, crop = config.resizeConfig, config.cropConfig
    p.bg = (resize.bgRed & 0xFF, resize.bgGreen & 0xFF, resize.bgBlue & 0xFF)
    p.replicate = bool(resize.warpBorderReplicate)
    interp = Interpolation(config.interpolation)
    p.interpolation = {Interpolation.BICUBIC: cv2.INTER_CUBIC,
                       Interpolation.NEAREST_NEIGHBOR: cv2.INTER_NEAREST}.get(interp, cv2.INTER_LINEAR)
    if config.enableFormat:
        h, v = fmt.flipHorizontal, fmt.flipVertical
        p.flip = -1 if h and v else 1 if h else 0 if v else None
        p.colormap, p.colormap_range = colormap, (int(fmt.colormapMin), int(fmt.colormapMax))

    # 1. crop stage: an integer rect of the source, or a map `stage` (edge coords, stage -> source)
    rect, stage = (0, 0, width, height), None
    sw, sh = width, height
    if config.enableCrop:
        if crop.enableRotatedRect:
            stage, sw, sh = _rotated_rect(crop, width, height)
        elif crop.enableCenterCropRectangle:
            ratio, aspect = crop.cropRatio, crop.widthHeightAspectRatio
            if not ratio > 0 or not aspect > 0:
                raise ManipError(f"expected setCenterCrop with a ratio in (0, 1] and a positive aspect ratio, "
                                 f"got ratio {ratio} and aspect ratio {aspect}")
            cw, ch = (height * aspect, height) if width > height * aspect else (width, width / aspect)
            cw, ch = max(1, min(width, _round(cw * ratio))), max(1, min(height, _round(ch * ratio)))
            x0, y0 = (width - cw) // 2, (height - ch) // 2
            rect = (x0, y0, x0 + cw, y0 + ch)
        else:
            r = crop.cropRect
            x0, x1 = _round(min(max(r.xmin, 0.0), 1.0) * width), _round(min(max(r.xmax, 0.0), 1.0) * width)
            y0, y1 = _round(min(max(r.ymin, 0.0), 1.0) * height), _round(min(max(r.ymax, 0.0), 1.0) * height)
            if x1 <= x0 or y1 <= y0:
                raise ManipError(f"expected a crop rect inside the {width}x{height} frame with xmin < xmax and "
                                 f"ymin < ymax (normalised 0..1), got ({r.xmin:g}, {r.ymin:g}, {r.xmax:g}, "
                                 f"{r.ymax:g}), which selects no pixels")
            rect = (x0, y0, x1, y1)
        if stage is None:
            sw, sh = rect[2] - rect[0], rect[3] - rect[1]

    def to_source():
        return stage if stage is not None else _translate(rect[0], rect[1])

    # 2. resize stage: rotation, warp, resize
    target = None
    four_points = False
    if config.enableResize:
        if resize.enableRotation and resize.rotationAngleDeg % 360:
            c = _translate(sw / 2, sh / 2)
            stage = to_source() @ c @ _rotate(-resize.rotationAngleDeg) @ np.linalg.inv(c)
        tw, th = int(resize.width), int(resize.height)
        if tw < 0 or th < 0:
            raise ManipError(f"expected a positive setResize width and height, got {tw}x{th}")
        if tw and not th:
            th = max(1, _round(tw * sh / sw))
        elif th and not tw:
            tw = max(1, _round(th * sw / sh))
        if tw and th:
            target = (tw, th)
        if resize.enableWarp4pt:
            four_points = True
            stage = to_source() @ _four_point_map(resize, sw, sh, target or (sw, sh))
        elif resize.enableWarpMatrix:
            stage = to_source() @ _matrix_map(resize.warpMatrix3x3)

    # 3. output size and the map from the output to the stage
    if target is None:
        ow, oh = sw, sh
        if yuv_out:
            ow, oh = ow & ~1, oh & ~1
            if not ow or not oh:
                raise ManipError(f"expected at least 2x2 pixels for {out_type.name} output, got {sw}x{sh}")
            if stage is None:
                rect = (rect[0], rect[1], rect[0] + ow, rect[1] + oh)
    else:
        ow, oh = target
        if yuv_out and (ow % 2 or oh % 2):
            raise ManipError(f"expected an even output width and height for {out_type.name}, got setResize({ow}, "
                             f"{oh}) — use even sizes")
    p.out_size = (ow, oh)
    p.inner = (0, 0, ow, oh)
    if target is not None and not four_points:
        if resize.lockAspectRatioFill:
            s = min(ow / sw, oh / sh)
            iw, ih = max(1, min(ow, _round(sw * s))), max(1, min(oh, _round(sh * s)))
            p.inner = ((ow - iw) // 2, (oh - ih) // 2, iw, ih)
            out_to_stage = _scale(sw / iw, sh / ih)
        elif resize.keepAspectRatio:
            if sw * oh > sh * ow:
                cw, ch = max(1, _round(sh * ow / oh)), sh
            else:
                cw, ch = sw, max(1, _round(sw * oh / ow))
            cx, cy = (sw - cw) // 2, (sh - ch) // 2
            if stage is None:
                rect = (rect[0] + cx, rect[1] + cy, rect[0] + cx + cw, rect[1] + cy + ch)
            out_to_stage = _translate(cx, cy) @ _scale(cw / ow, ch / oh)
        else:
            out_to_stage = _scale(sw / ow, sh / oh)
        if stage is not None:
            stage = stage @ out_to_stage
    if stage is not None:
        p.matrix = _TO_CENTRE @ stage @ _TO_EDGE
        p.matrix /= p.matrix[2, 2]
    else:
        p.rect = rect
    p.identity = (stage is None and rect == (0, 0, width, height) and p.inner[2:] == (width, height)
                  and p.flip is None and out_type == in_type and p.colormap == Colormap.NONE)
    return p


def _rotated_rect(crop, width, height):
    rr = crop.cropRotatedRect
    cx, cy, rw, rh = rr.center.x, rr.center.y, rr.size.width, rr.size.height
    if crop.normalizedCoords:
        cx, rw, cy, rh = cx * width, rw * width, cy * height, rh * height
    sw, sh = _round(rw), _round(rh)
    if sw < 1 or sh < 1:
        raise ManipError(f"expected a rotated rect of at least 1x1 pixels, got {rw:g}x{rh:g}"
                         f"{' (normalised)' if crop.normalizedCoords else ''}")
    # stage (u, v) in [0, sw] x [0, sh] -> source: the rect's top-left corner (cv2.boxPoints()[1]) at (0, 0)
    stage = _translate(cx, cy) @ _rotate(rr.angle) @ _translate(-rw / 2, -rh / 2) @ _scale(rw / sw, rh / sh)
    corners = stage @ np.array([[0, sw, sw, 0], [0, 0, sh, sh], [1, 1, 1, 1]], dtype=np.float64)
    if (corners[0].max() <= 0 or corners[0].min() >= width or corners[1].max() <= 0
            or corners[1].min() >= height):
        raise ManipError(f"expected a rotated rect that overlaps the {width}x{height} frame, got centre "
                         f"({cx:g}, {cy:g}), size {rw:g}x{rh:g}, angle {rr.angle:g} in pixels")
    return stage, sw, sh


def _four_point_map(resize, sw, sh, out_size):
    """Edge-coords map from the output to the stage that sends pt[0..3] (clockwise) to the output's corners.

    Normalised points are corners of the stage (0..1 spans its edges); pixel points are pixel centres."""
    import cv2
    pts = resize.warpFourPoints
    if len(pts) != 4:
        raise ManipError(f"expected setWarpTransformFourPoints with 4 points, got {len(pts)}")
    ow, oh = out_size
    src = np.array([[p.x, p.y] for p in pts], dtype=np.float32)
    if resize.normalizedCoords:
        src *= np.float32((sw, sh))
        dst = np.float32([[0, 0], [ow, 0], [ow, oh], [0, oh]])
    else:
        dst = np.float32([[0, 0], [ow - 1, 0], [ow - 1, oh - 1], [0, oh - 1]])
    try:
        m = cv2.getPerspectiveTransform(dst, src).astype(np.float64)
    except cv2.error:
        m = None
    if m is None or not np.isfinite(m).all() or abs(np.linalg.det(m)) < 1e-12:
        raise ManipError(f"expected 4 warp points forming a quadrilateral, got {[(p.x, p.y) for p in pts]}")
    return m if resize.normalizedCoords else _TO_EDGE @ m @ _TO_CENTRE


def _matrix_map(values):
    if len(values) != 9:
        raise ManipError(f"expected setWarpTransformMatrix3x3 with 9 values, got {len(values)}")
    forward = np.array(values, dtype=np.float64).reshape(3, 3)
    if not np.isfinite(forward).all() or abs(np.linalg.det(forward)) < 1e-12:
        raise ManipError(f"expected an invertible 3x3 warp matrix, got {values}")
    return _TO_EDGE @ np.linalg.inv(forward) @ _TO_CENTRE


def apply_config(frame: ImgFrame, config: ImageManipConfig, mesh: WarpMesh | None = None) -> ImgFrame:
    """What ImageManip sends for `frame` under `config` (the frame itself when there is nothing to do)."""
    return apply_plan(plan(config, frame.getWidth(), frame.getHeight(), frame.getType()), frame, mesh)


def apply_plan(p: Plan, frame: ImgFrame, mesh: WarpMesh | None = None, alloc=None) -> ImgFrame:
    """The output frame; its bytes are in memory from `alloc(shape, dtype)` (default: new arrays)."""
    import cv2
    if p.identity and mesh is None:
        _check_size(frame, p)
        return frame
    dest = _Destination(alloc)
    ow, oh = p.out_size
    x, y, iw, ih = p.inner
    letterbox = (iw, ih) != (ow, oh)
    cropped = p.rect is not None and not letterbox and (iw, ih) == (p.rect[2] - p.rect[0], p.rect[3] - p.rect[1])
    # a YUV frame converted whole to the output's own BGR: the conversion is the last pass
    whole = (cropped and mesh is None and p.rect == (0, 0) + tuple(p.in_size) and p.flip is None
             and p.colormap == Colormap.NONE and p.out_type == T.BGR888i)
    src, layout, order = _source(frame, p, mesh, dest if whole else None)
    bg = _bg(p.bg, order)
    # the last pass writes the output's memory: the colour conversion, else the colormap, the flip, the geometry
    converts = _converts(layout, order, p.out_type) or p.colormap != Colormap.NONE

    # geometry: one resampling pass into a new array (or a view of the source for a plain crop)
    planes = layout == "chw"
    shape = (3, oh, ow) if planes else (oh, ow) + src.shape[2:]
    if cropped:
        x0, y0, x1, y1 = p.rect
        geo = src[:, y0:y1, x0:x1] if planes else src[y0:y1, x0:x1]
    else:
        geo = (np.empty if converts or p.flip is not None else dest)(shape, dtype=src.dtype)
        if letterbox:
            _fill_bars(geo, bg, planes, p.inner)
        for s, d, value in _plane_pairs(src, geo, planes, bg):
            roi = d[y:y + ih, x:x + iw]
            if p.rect is not None:
                x0, y0, x1, y1 = p.rect
                cv2.resize(s[y0:y1, x0:x1], (iw, ih), dst=roi, interpolation=p.interpolation)
            else:
                border = cv2.BORDER_REPLICATE if p.replicate else cv2.BORDER_CONSTANT
                flags = p.interpolation | cv2.WARP_INVERSE_MAP
                if p.perspective:
                    cv2.warpPerspective(s, p.matrix, (iw, ih), dst=roi, flags=flags, borderMode=border,
                                        borderValue=value)
                else:
                    cv2.warpAffine(s, p.matrix[:2], (iw, ih), dst=roi, flags=flags, borderMode=border,
                                   borderValue=value)
    if p.flip is not None:
        flipped = (np.empty if converts else dest)(geo.shape, dtype=geo.dtype)
        for s, d, _ in _plane_pairs(geo, flipped, planes, bg):
            halves.flip(s, p.flip, d)
        geo = flipped
    if p.colormap != Colormap.NONE:
        lut_dst = None if _converts("hwc", "BGR", p.out_type) else dest
        geo, layout, order = _colormap(geo, p, lut_dst), "hwc", "BGR"
    out = _convert(geo, layout, order, p.out_type, dest)
    if not dest.holds(out):   # a view of the input (a plain crop), or of a working image: one copy
        out = halves.copy(dest(out.shape, dtype=out.dtype), out)
    made = _make_output(frame, out, p.out_type, ow, oh)
    if mesh is None and frame._view is None:
        made._view = None if p.own_view is None else list(p.own_view)
    else:
        made._view = compose_views(frame._view, p.view() if mesh is None else None)
    return made


_EYE = np.eye(3)


def compose_views(outer, inner):
    """ImgFrame._view of a frame made with map `inner` (3×3, or None for none) from a frame whose own
    view is `outer`: the two maps one after the other, as a flat list of 9 floats (None: the source itself).
    A warp mesh's map is not a 3×3 one: its output keeps its input's view."""
    if inner is None:
        return None if outer is None else list(outer)
    m = np.asarray(inner, np.float64)
    if outer is not None:
        m = np.asarray(outer, np.float64).reshape(3, 3) @ m
    m = m / m[2, 2]
    return None if np.abs(m - _EYE).max() <= 1e-9 else m.reshape(-1).tolist()


class _Destination:
    """The output's memory: `alloc(shape, dtype)` arrays (new ones by default), and which they are."""

    def __init__(self, alloc=None):
        self._alloc = alloc
        self._given = []

    def __call__(self, shape, dtype=np.uint8) -> np.ndarray:
        arr = np.empty(shape, dtype) if self._alloc is None else self._alloc(shape, dtype)
        self._given.append(arr)
        return arr

    def holds(self, arr: np.ndarray) -> bool:
        """Whether `arr` is a whole array this gave (so it needs no copy to become the output)."""
        start = arr.__array_interface__["data"][0]
        return arr.flags.c_contiguous and any(
            start == a.__array_interface__["data"][0] and arr.nbytes == a.nbytes for a in self._given)


def _check_size(frame: ImgFrame, p: Plan):
    need = frame_bytes(p.in_type, *p.in_size)
    if frame.getData().size < need:
        w, h = p.in_size
        raise ManipError(f"expected {need} bytes for a {w}x{h} {p.in_type.name} frame, got "
                         f"{frame.getData().size} (metadata only, or setSize/setType bigger than the data?)")


def _source(frame: ImgFrame, p: Plan, mesh: WarpMesh | None, dest=None):
    """(image, layout, order): the frame as OpenCV sees it — a view where possible; a YUV frame's BGR
    conversion goes into a `dest` array, if given."""
    import cv2
    _check_size(frame, p)
    t, (w, h) = p.in_type, p.in_size
    data = frame.getData()
    if t in (T.BGR888i, T.RGB888i):
        img, layout = data[:w * h * 3].reshape(h, w, 3), "hwc"
    elif t in (T.BGR888p, T.RGB888p):
        img, layout = data[:w * h * 3].reshape(3, h, w), "chw"
    elif t == T.RAW16:
        img, layout = data[:w * h * 2].view(np.uint16).reshape(h, w), "hw"
    elif t in _GREY:
        img, layout = data[:w * h].reshape(h, w), "hw"
    else:
        img, layout = _yuv_to_bgr(data[:w * h * 3 // 2].reshape(h * 3 // 2, w), t, p, mesh is None, dest), "hwc"
    order = _ORDER[t]
    if mesh is not None:
        map1, map2 = mesh.maps(w, h)
        bg = _bg(p.bg, order)
        planes = layout == "chw"
        warped = np.empty(img.shape, dtype=img.dtype)
        border = cv2.BORDER_REPLICATE if p.replicate else cv2.BORDER_CONSTANT
        for s, d, value in _plane_pairs(img, warped, planes, bg):
            cv2.remap(s, map1, map2, p.interpolation, dst=d, borderMode=border, borderValue=value)
        img = warped
    return img, layout, order


def _yuv_to_bgr(yuv: np.ndarray, t, p: Plan, may_crop: bool, dest=None) -> np.ndarray:
    """BGR of a YUV frame. With a plain crop only the (2-aligned) rows and columns it needs are converted;
    the returned array then has the frame's size but is only valid (and only read) inside the crop."""
    import cv2
    code = {T.NV12: cv2.COLOR_YUV2BGR_NV12, T.NV21: cv2.COLOR_YUV2BGR_NV21, T.YUV420p: cv2.COLOR_YUV2BGR_I420}[t]
    w, h = p.in_size
    if not (may_crop and p.rect is not None) or p.rect == (0, 0, w, h):
        if dest is None:
            return cv2.cvtColor(yuv, code)
        out = dest((h, w, 3), dtype=np.uint8)
        cv2.cvtColor(yuv, code, dst=out)
        return out
    x0, y0, x1, y1 = p.rect
    x0, y0, x1, y1 = x0 & ~1, y0 & ~1, (x1 + 1) & ~1, (y1 + 1) & ~1
    cw, ch = x1 - x0, y1 - y0
    sub = np.empty((ch * 3 // 2, cw), dtype=np.uint8)
    sub[:ch] = yuv[y0:y1, x0:x1]
    if t == T.YUV420p:   # U then V planes, each (h/2, w/2) stored row after row
        q = (h // 2) * (w // 2)
        chroma = yuv[h:].reshape(-1)
        for i, start in enumerate((0, q)):
            plane = chroma[start:start + q].reshape(h // 2, w // 2)[y0 // 2:y1 // 2, x0 // 2:x1 // 2]
            sub[ch:].reshape(-1)[i * (ch // 2) * (cw // 2):(i + 1) * (ch // 2) * (cw // 2)] = plane.reshape(-1)
    else:                # interleaved UV rows
        sub[ch:] = yuv[h + y0 // 2:h + y1 // 2, x0:x1]
    full = np.empty((h, w, 3), dtype=np.uint8)
    cv2.cvtColor(sub, code, dst=full[y0:y1, x0:x1])
    return full


def _bg(rgb, order):
    """The background colour as the working image's channels want it."""
    r, g, b = rgb
    if order == "BGR":
        return (b, g, r)
    if order == "RGB":
        return (r, g, b)
    luma = _round(0.299 * r + 0.587 * g + 0.114 * b)
    return (luma,)


def _plane_pairs(src, dst, planes: bool, bg):
    """(source, destination, border value) per OpenCV call: one per plane for planar images."""
    if planes:
        return [(src[c], dst[c], (bg[c],)) for c in range(3)]
    return [(src, dst, tuple(bg) + (0,) * (4 - len(bg)))]


def _fill_bars(arr, bg, planes: bool, inner):
    """Fill what lies outside the inner rectangle (x, y, w, h) with the background: the bars of a
    letterbox (the inside is drawn over)."""
    x, y, w, h = inner
    oh, ow = arr.shape[1:3] if planes else arr.shape[:2]
    for r0, r1, c0, c1 in ((0, y, 0, ow), (y + h, oh, 0, ow), (y, y + h, 0, x), (y, y + h, x + w, ow)):
        if r1 > r0 and c1 > c0:
            _fill(arr[:, r0:r1, c0:c1] if planes else arr[r0:r1, c0:c1], bg, planes)


def _fill(arr, bg, planes: bool):
    if len(set(bg)) == 1:   # one value for every channel (black, as a rule): a plain memset
        arr.fill(bg[0])
        return
    if planes:
        for c in range(3):
            arr[c] = bg[c]
    elif arr.ndim == 3:
        arr[:] = bg
    else:
        arr[:] = bg[0]


def _colormap(grey: np.ndarray, p: Plan, dest=None) -> np.ndarray:
    import cv2
    lo, hi = p.colormap_range
    ramp = np.arange(256, dtype=np.float64)
    scaled = np.clip((ramp - lo) * 255.0 / max(hi - lo, 1), 0, 255).astype(np.uint8)
    cv_map = cv2.COLORMAP_TURBO if p.colormap in (Colormap.TURBO, Colormap.STEREO_TURBO) else cv2.COLORMAP_JET
    lut = cv2.applyColorMap(scaled.reshape(256, 1), cv_map)   # (256, 1, 3) BGR
    if p.colormap in (Colormap.STEREO_TURBO, Colormap.STEREO_JET):
        lut[0] = 0   # no disparity: black
    merged = cv2.merge([grey, grey, grey])
    if dest is None:
        return cv2.LUT(merged, lut.reshape(1, 256, 3))
    out = dest(merged.shape, dtype=np.uint8)
    cv2.LUT(merged, lut.reshape(1, 256, 3), dst=out)
    return out


def _converts(layout: str, order: str, out_type) -> bool:
    """Whether `_convert` makes new bytes (False: the working image already is the output)."""
    if out_type == T.RAW16 or (out_type in _GREY and order == "GRAY"):
        return False
    if out_type in (T.BGR888i, T.RGB888i):
        return layout != "hwc" or order != ("BGR" if out_type == T.BGR888i else "RGB")
    if out_type in (T.BGR888p, T.RGB888p):
        return layout != "chw" or order != ("BGR" if out_type == T.BGR888p else "RGB")
    return True


def _convert(img: np.ndarray, layout: str, order: str, out_type, dest=None) -> np.ndarray:
    """The working image as the bytes of `out_type` (may return `img` itself when nothing changes);
    new bytes go into `dest(shape, dtype)` arrays (default: new arrays)."""
    import cv2
    dest = dest or _Destination()
    if out_type == T.RAW16 or (out_type in _GREY and order == "GRAY"):
        return img
    if out_type in _GREY:
        bgr = _to_interleaved(img, layout, order, "BGR")
        out = dest(bgr.shape[:2], dtype=np.uint8)
        cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY, dst=out)
        return out
    if out_type in (T.BGR888i, T.RGB888i):
        return _to_interleaved(img, layout, order, "BGR" if out_type == T.BGR888i else "RGB", dest)
    if out_type in (T.BGR888p, T.RGB888p):
        want = "BGR" if out_type == T.BGR888p else "RGB"
        if layout == "chw":
            if order == want:
                return img
            out = dest(img.shape, dtype=img.dtype)
            np.copyto(out, img[::-1])
            return out
        h, w = img.shape[:2]
        out = dest((3, h, w), dtype=np.uint8)
        if layout == "hw":
            out[:] = img
        else:
            cv2.split(img, [out[0], out[1], out[2]] if order == want else [out[2], out[1], out[0]])
        return out
    # YUV outputs, through BGR
    bgr = _to_interleaved(img, layout, order, "BGR")
    h, w = bgr.shape[:2]
    if out_type == T.YUV420p:
        out = dest((h * 3 // 2, w), dtype=np.uint8)
        cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420, dst=out)
        return out
    i420 = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420)
    out = dest(i420.shape, dtype=np.uint8)
    out[:h] = i420[:h]
    q = (h // 2) * (w // 2)
    chroma = i420[h:].reshape(-1)
    u, v = chroma[:q].reshape(h // 2, w // 2), chroma[q:].reshape(h // 2, w // 2)
    cv2.merge([u, v] if out_type == T.NV12 else [v, u], dst=out[h:].reshape(h // 2, w // 2, 2))
    return out


def _to_interleaved(img, layout, order, want, dest=None):
    """`img` as interleaved `want` order: `img` itself if it is, else new bytes (in `dest` arrays, if given)."""
    import cv2
    if layout == "hwc" and order == want:
        return img
    h, w = img.shape[1:] if layout == "chw" else img.shape[:2]
    out = (dest or np.empty)((h, w, 3), dtype=np.uint8)
    if layout == "hw":
        cv2.cvtColor(img, cv2.COLOR_GRAY2BGR, dst=out)
    elif layout == "chw":
        cv2.merge([img[0], img[1], img[2]] if order == want else [img[2], img[1], img[0]], dst=out)
    else:
        cv2.cvtColor(img, cv2.COLOR_BGR2RGB, dst=out)
    return out


def _make_output(src: ImgFrame, data: np.ndarray, out_type, width: int, height: int) -> ImgFrame:
    out = ImgFrame()
    out.setType(out_type)
    out.setWidth(width).setHeight(height)
    size = width * height
    if out_type in (T.BGR888i, T.RGB888i):
        out._stride = width * 3
    elif out_type in (T.BGR888p, T.RGB888p):
        out._stride, (out._p1_offset, out._p2_offset, out._p3_offset) = width, (0, size, 2 * size)
    elif out_type == T.YUV420p:
        out._stride, (out._p1_offset, out._p2_offset, out._p3_offset) = width, (0, size, size + size // 4)
    elif out_type in (T.NV12, T.NV21):
        out._stride, (out._p1_offset, out._p2_offset, out._p3_offset) = width, (0, size, size)
    out._data = np.ascontiguousarray(data).reshape(-1).view(np.uint8)
    out._category = src._category
    return out._keep_capture_of(src)
