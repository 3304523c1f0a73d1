"""`ImageManipConfig`: what an ImageManip node does to a frame — crop, resize, warp, rotate, flip, convert.

    cfg = dai.ImageManipConfig()
    cfg.setCropRect(0.1, 0.1, 0.9, 0.9).setResize(300, 300).setFrameType(dai.ImgFrame.Type.BGR888p)

The state is gen2's RawImageManipConfig, field for field and with its defaults ([shared] RawImageManipConfig.hpp):
`enableCrop`, `enableResize`, `enableFormat`, `cropConfig`, `resizeConfig`, `formatConfig`, `reusePreviousImage`,
`skipCurrentImage`, `interpolation`. The ImageManip node reads these attributes directly.
"""
import math

import numpy as np

from ._args import as_bool, as_enum, as_float, as_int
from .buffer import Buffer
from .datatype import DatatypeEnum
from .enums import Colormap, Interpolation
from .geometry import Point2f, RotatedRect, Size2f
from .imgframe import ImgFrame


def _copy_rr(rr: RotatedRect) -> RotatedRect:
    return RotatedRect(Point2f(rr.center.x, rr.center.y), Size2f(rr.size.width, rr.size.height), rr.angle)


class CropRect:
    """Normalised crop corners."""

    __slots__ = ("xmin", "ymin", "xmax", "ymax")

    def __init__(self):
        self.xmin = self.ymin = self.xmax = self.ymax = 0.0

    def _copy(self):
        c = CropRect()
        c.xmin, c.ymin, c.xmax, c.ymax = self.xmin, self.ymin, self.xmax, self.ymax
        return c

    def __repr__(self):
        return f"CropRect(xmin={self.xmin}, ymin={self.ymin}, xmax={self.xmax}, ymax={self.ymax})"


class CropConfig:
    """Crop stage: a rect, a rotated rect, or a centred crop of `cropRatio` with `widthHeightAspectRatio`."""

    __slots__ = ("cropRect", "cropRotatedRect", "enableCenterCropRectangle", "cropRatio", "widthHeightAspectRatio",
                 "enableRotatedRect", "normalizedCoords")

    def __init__(self):
        self.cropRect = CropRect()
        self.cropRotatedRect = RotatedRect()
        self.enableCenterCropRectangle = False
        self.cropRatio = 1.0
        self.widthHeightAspectRatio = 1.0
        self.enableRotatedRect = False
        self.normalizedCoords = True

    def _copy(self):
        c = CropConfig()
        c.cropRect, c.cropRotatedRect = self.cropRect._copy(), _copy_rr(self.cropRotatedRect)
        c.enableCenterCropRectangle, c.cropRatio = self.enableCenterCropRectangle, self.cropRatio
        c.widthHeightAspectRatio, c.enableRotatedRect = self.widthHeightAspectRatio, self.enableRotatedRect
        c.normalizedCoords = self.normalizedCoords
        return c

    def __repr__(self):
        return "CropConfig(" + ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__) + ")"


class ResizeConfig:
    """Resize stage: output size, letterboxing, warp (4 points or 3x3 matrix), rotation, aspect-ratio policy."""

    __slots__ = ("width", "height", "lockAspectRatioFill", "bgRed", "bgGreen", "bgBlue", "warpFourPoints",
                 "normalizedCoords", "enableWarp4pt", "warpMatrix3x3", "enableWarpMatrix", "warpBorderReplicate",
                 "rotationAngleDeg", "enableRotation", "keepAspectRatio")

    def __init__(self):
        self.width = 0
        self.height = 0
        self.lockAspectRatioFill = False
        self.bgRed = self.bgGreen = self.bgBlue = 0
        self.warpFourPoints = []
        self.normalizedCoords = True
        self.enableWarp4pt = False
        self.warpMatrix3x3 = []
        self.enableWarpMatrix = False
        self.warpBorderReplicate = False
        self.rotationAngleDeg = 0.0
        self.enableRotation = False
        self.keepAspectRatio = True

    def _copy(self):
        c = ResizeConfig()
        for k in self.__slots__:
            setattr(c, k, getattr(self, k))
        c.warpFourPoints = [Point2f(p.x, p.y) for p in self.warpFourPoints]
        c.warpMatrix3x3 = list(self.warpMatrix3x3)
        return c

    def __repr__(self):
        return "ResizeConfig(" + ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__) + ")"


class FormatConfig:
    """Format stage: output frame type, flips and colormap."""

    __slots__ = ("type", "flipHorizontal", "flipVertical", "colormap", "colormapMin", "colormapMax")

    def __init__(self):
        self.type = ImgFrame.Type.NONE
        self.flipHorizontal = False
        self.flipVertical = False
        self.colormap = Colormap.NONE
        self.colormapMin = 0
        self.colormapMax = 255

    def _copy(self):
        c = FormatConfig()
        for k in self.__slots__:
            setattr(c, k, getattr(self, k))
        return c

    def __repr__(self):
        return "FormatConfig(" + ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__) + ")"


class ImageManipConfig(Buffer):
    """gen2 `dai.ImageManipConfig`: every setter returns self so calls chain."""

    DATATYPE = DatatypeEnum.ImageManipConfig
    CropRect = CropRect
    CropConfig = CropConfig
    ResizeConfig = ResizeConfig
    FormatConfig = FormatConfig

    def __init__(self):
        super().__init__()
        self.cropConfig = CropConfig()
        self.resizeConfig = ResizeConfig()
        self.formatConfig = FormatConfig()
        self.enableCrop = False
        self.enableResize = False
        self.enableFormat = False
        self.reusePreviousImage = False
        self.skipCurrentImage = False
        self.interpolation = Interpolation.AUTO

    # crop
    def setCropRect(self, xmin, ymin=None, xmax=None, ymax=None):
        """Crop to normalised corners, given as 4 floats or one 4-tuple; clamped to [0, 1]. Disables centre crop."""
        if ymin is None and xmax is None and ymax is None:
            try:
                xmin, ymin, xmax, ymax = xmin
            except (TypeError, ValueError):
                raise TypeError(f"ImageManipConfig.setCropRect: expected (xmin, ymin, xmax, ymax) or a 4-tuple, "
                                f"got {xmin!r}") from None
        what = "ImageManipConfig.setCropRect"
        self.enableCrop = True
        self.cropConfig.enableCenterCropRectangle = False
        r = self.cropConfig.cropRect
        r.xmin = max(as_float(xmin, what), 0.0)
        r.ymin = max(as_float(ymin, what), 0.0)
        r.xmax = min(as_float(xmax, what), 1.0)
        r.ymax = min(as_float(ymax, what), 1.0)
        return self

    def setCropRotatedRect(self, rr: RotatedRect, normalizedCoords: bool = True):
        """Crop a rotated rectangle, normalised (default) or in pixels."""
        if not isinstance(rr, RotatedRect):
            raise TypeError(f"ImageManipConfig.setCropRotatedRect: expected RotatedRect, got {type(rr).__name__}")
        self.enableCrop = True
        self.cropConfig.enableRotatedRect = True
        self.cropConfig.cropRotatedRect = _copy_rr(rr)
        self.cropConfig.normalizedCoords = as_bool(normalizedCoords, "ImageManipConfig.setCropRotatedRect")
        return self

    def setCenterCrop(self, ratio: float, whRatio: float = 1.0):
        """Centred crop keeping `ratio` of the image (outside 0..1 means 1) with width/height ratio `whRatio`."""
        what = "ImageManipConfig.setCenterCrop"
        ratio = as_float(ratio, what)
        self.enableCrop = True
        self.cropConfig.enableCenterCropRectangle = True
        self.cropConfig.cropRatio = 1.0 if ratio > 1.0 or ratio < 0.0 else ratio
        self.cropConfig.widthHeightAspectRatio = as_float(whRatio, what)
        return self

    # warp and rotation (resize stage)
    def setWarpTransformFourPoints(self, pt, normalizedCoords: bool):
        """Warp so that the 4 points (clockwise, pt[0] → top-left) become the output corners."""
        what = "ImageManipConfig.setWarpTransformFourPoints"
        pts = list(pt)
        for i, p in enumerate(pts):
            if not isinstance(p, Point2f):
                raise TypeError(f"{what}: pt[{i}] expected Point2f, got {type(p).__name__}")
        self.enableResize = True
        self.resizeConfig.keepAspectRatio = False
        self.resizeConfig.enableWarp4pt = True
        self.resizeConfig.warpFourPoints = [Point2f(p.x, p.y) for p in pts]
        self.resizeConfig.normalizedCoords = as_bool(normalizedCoords, what)
        return self

    def setWarpTransformMatrix3x3(self, mat):
        """Warp by a 3x3 perspective matrix, given as 9 floats in row order (a nested 3x3 list or array also works)."""
        try:
            values = np.asarray(mat, dtype=np.float64).reshape(-1).tolist()
        except (TypeError, ValueError):
            raise TypeError(f"ImageManipConfig.setWarpTransformMatrix3x3: expected 9 floats, got {mat!r}") from None
        self.enableResize = True
        self.resizeConfig.enableWarpMatrix = True
        self.resizeConfig.warpMatrix3x3 = values
        return self

    def setWarpBorderReplicatePixels(self):
        self.enableResize = True
        self.resizeConfig.warpBorderReplicate = True
        return self

    def setWarpBorderFillColor(self, red: int, green: int, blue: int):
        what = "ImageManipConfig.setWarpBorderFillColor"
        self.enableResize = True
        self.resizeConfig.warpBorderReplicate = False
        self._set_bg(as_int(red, what), as_int(green, what), as_int(blue, what))
        return self

    def _set_bg(self, r, g, b):
        # gen2 stores the colours in a char: keep the low byte.
        self.resizeConfig.bgRed, self.resizeConfig.bgGreen, self.resizeConfig.bgBlue = r & 0xFF, g & 0xFF, b & 0xFF

    def setRotationDegrees(self, deg: float):
        """Rotate clockwise by `deg` degrees."""
        self.enableResize = True
        self.resizeConfig.rotationAngleDeg = as_float(deg, "ImageManipConfig.setRotationDegrees")
        self.resizeConfig.enableRotation = True
        return self

    def setRotationRadians(self, rad: float):
        return self.setRotationDegrees(as_float(rad, "ImageManipConfig.setRotationRadians") * (180.0 / math.pi))

    # resize
    def _size(self, w, h, what):
        if h is None:
            try:
                w, h = w
            except (TypeError, ValueError):
                raise TypeError(f"{what}: expected (w, h) or a (w, h) tuple, got {w!r}") from None
        return as_int(w, what), as_int(h, what)

    def setResize(self, w, h=None):
        """Resize to w × h (or a (w, h) tuple). With keepAspectRatio (the default) the image is first cropped
        to that aspect ratio."""
        w, h = self._size(w, h, "ImageManipConfig.setResize")
        self.enableResize = True
        self.resizeConfig.lockAspectRatioFill = False
        self.resizeConfig.width, self.resizeConfig.height = w, h
        return self

    def setResizeThumbnail(self, w, h=None, bgRed: int = 0, bgGreen: int = 0, bgBlue: int = 0):
        """Letterbox: fit inside w × h keeping the aspect ratio, filling the rest with (bgRed, bgGreen, bgBlue).

        Accepts (w, h, ...) or ((w, h), ...)."""
        what = "ImageManipConfig.setResizeThumbnail"
        if isinstance(w, (tuple, list)):
            if h is not None:  # ((w, h), bgRed, bgGreen): shift the colours along
                bgRed, bgGreen, bgBlue = h, bgRed, bgGreen
            w, h = self._size(w, None, what)
        else:
            w, h = self._size(w, h, what)
        self.enableResize = True
        self.resizeConfig.width, self.resizeConfig.height = w, h
        self.resizeConfig.lockAspectRatioFill = True
        self._set_bg(as_int(bgRed, what), as_int(bgGreen, what), as_int(bgBlue, what))
        return self

    def setKeepAspectRatio(self, keep: bool):
        """True (default): plain setResize crops to the target ratio; False: stretch."""
        self.resizeConfig.keepAspectRatio = as_bool(keep, "ImageManipConfig.setKeepAspectRatio")
        return self

    # format
    def setFrameType(self, type):
        self.enableFormat = True
        self.formatConfig.type = as_enum(ImgFrame.Type, type, "ImageManipConfig.setFrameType")
        return self

    def setColormap(self, colormap, min=None, max=None):
        """setColormap(colormap, min, max), setColormap(colormap, max=255) or with a float max (truncated)."""
        what = "ImageManipConfig.setColormap"
        colormap = as_enum(Colormap, colormap, what)
        if max is None:  # the (colormap, max) overload
            lo, hi = 0, (255 if min is None else min)
        else:
            lo, hi = (0 if min is None else min), max
        hi = int(hi) if isinstance(hi, float) else as_int(hi, what)
        lo = as_int(lo, what)
        if not 0 <= hi < 256:
            raise ValueError(f"{what}: max must be in 0..255, got {hi}")
        if not 0 <= lo < 256:
            raise ValueError(f"{what}: min must be in 0..255, got {lo}")
        self.enableFormat = True
        self.formatConfig.colormap = colormap
        self.formatConfig.colormapMin = lo
        self.formatConfig.colormapMax = hi
        return self

    def setHorizontalFlip(self, flip: bool):
        self.enableFormat = True
        self.formatConfig.flipHorizontal = as_bool(flip, "ImageManipConfig.setHorizontalFlip")
        return self

    def setVerticalFlip(self, flip: bool):
        """(gen2 returns None here; we return self like the other setters.)"""
        self.enableFormat = True
        self.formatConfig.flipVertical = as_bool(flip, "ImageManipConfig.setVerticalFlip")
        return self

    # queue behaviour and misc
    def setReusePreviousImage(self, reuse: bool):
        """Keep the current image in the queue and use it again with the next config."""
        self.reusePreviousImage = as_bool(reuse, "ImageManipConfig.setReusePreviousImage")
        return self

    def setSkipCurrentImage(self, skip: bool):
        """Drop the current image and wait for the next one."""
        self.skipCurrentImage = as_bool(skip, "ImageManipConfig.setSkipCurrentImage")
        return self

    def setInterpolation(self, interpolation):
        self.interpolation = as_enum(Interpolation, interpolation, "ImageManipConfig.setInterpolation")
        return self

    # getters
    def getCropXMin(self) -> float:
        return self.cropConfig.cropRect.xmin

    def getCropYMin(self) -> float:
        return self.cropConfig.cropRect.ymin

    def getCropXMax(self) -> float:
        return self.cropConfig.cropRect.xmax

    def getCropYMax(self) -> float:
        return self.cropConfig.cropRect.ymax

    def getResizeWidth(self) -> int:
        return self.resizeConfig.width

    def getResizeHeight(self) -> int:
        return self.resizeConfig.height

    def getCropConfig(self) -> CropConfig:
        """A copy, as in gen2."""
        return self.cropConfig._copy()

    def getResizeConfig(self) -> ResizeConfig:
        return self.resizeConfig._copy()

    def getFormatConfig(self) -> FormatConfig:
        return self.formatConfig._copy()

    def isResizeThumbnail(self) -> bool:
        return self.resizeConfig.lockAspectRatioFill

    def getColormap(self) -> Colormap:
        return self.formatConfig.colormap

    def getInterpolation(self) -> Interpolation:
        return self.interpolation

    # whole-config copy (gen2 get()/set() work on RawImageManipConfig; ours carries the same fields)
    _FLAGS = ("enableCrop", "enableResize", "enableFormat", "reusePreviousImage", "skipCurrentImage", "interpolation")

    def get(self) -> "ImageManipConfig":
        """A detached copy of the whole config."""
        c = ImageManipConfig.__new__(ImageManipConfig)
        c._copy_from(self)
        return c

    def set(self, config: "ImageManipConfig"):
        """Replace everything (config fields, data, sequence number, timestamps) with a copy of `config`."""
        if not isinstance(config, ImageManipConfig):
            raise TypeError(f"ImageManipConfig.set: expected ImageManipConfig, got {type(config).__name__}")
        self._copy_from(config)
        return self

    def _copy_from(self, other):
        self._data, self._seq = other._data.copy(), other._seq
        self._ts_ns, self._ts_dev_ns = other._ts_ns, other._ts_dev_ns
        self.cropConfig = other.cropConfig._copy()
        self.resizeConfig = other.resizeConfig._copy()
        self.formatConfig = other.formatConfig._copy()
        for k in self._FLAGS:
            setattr(self, k, getattr(other, k))

    def __repr__(self):
        stages = [s for s, on in (("crop", self.enableCrop), ("resize", self.enableResize),
                                  ("format", self.enableFormat)) if on]
        return f"ImageManipConfig(seq={self._seq}, stages={stages})"
