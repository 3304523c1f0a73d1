"""`ImgFrame`: an image — pixel bytes plus width, height, type and the camera settings it was taken with.

    frame = dai.ImgFrame()
    frame.setCvFrame(bgr, dai.ImgFrame.Type.BGR888p)   # sets size, type and planar bytes
    frame.getFrame().shape                             # (3, H, W), a view of the bytes
    frame.getCvFrame()                                 # back to an (H, W, 3) BGR image

Shapes and colour rules follow gen2's Python bindings ([py] ImgFrameBindings.cpp); bytes-per-pixel and
stride follow [core2] ImgFrame.cpp. Internal fields (used by nodes and the codec): `_type`, `_width`, `_height`,
`_stride`, `_bytes_pp`, `_p1_offset`, `_p2_offset`, `_p3_offset`, `_category`, the capture fields
of `capture.CaptureSettings` (camera nodes set them with `_set_camera_settings(...)`), and `_view`: where
the frame lies in the picture it was made from (an ImageManip's crop, resize, letterbox or flip; a Warp's mesh
when a 3×3 map follows it), as the
row-major 3×3 map from the frame's normalised coordinates to that picture's; None when it is that picture
(oakling's own: gen2's ImgFrame carries no such thing, and spatial detection needs it to find a box in depth).
"""
from datetime import timedelta

import numpy as np

from .enums import Gen2Enum
from . import clock
from ._args import as_enum, as_uint
from .buffer import Buffer, to_byte_array
from .capture import CaptureSettings
from .datatype import DatatypeEnum
from .enums import CameraExposureOffset


class _Type(Gen2Enum):
    YUV422i = 0
    YUV444p = 1
    YUV420p = 2
    YUV422p = 3
    YUV400p = 4
    RGBA8888 = 5
    RGB161616 = 6
    RGB888p = 7
    BGR888p = 8
    RGB888i = 9
    BGR888i = 10
    LUT2 = 11
    LUT4 = 12
    LUT16 = 13
    RAW16 = 14
    RAW14 = 15
    RAW12 = 16
    RAW10 = 17
    RAW8 = 18
    PACK10 = 19
    PACK12 = 20
    YUV444i = 21
    NV12 = 22
    NV21 = 23
    BITSTREAM = 24
    HDR = 25
    RGBF16F16F16p = 26
    BGRF16F16F16p = 27
    RGBF16F16F16i = 28
    BGRF16F16F16i = 29
    GRAY8 = 30
    GRAYF16 = 31
    NONE = 32


_Type.__name__, _Type.__qualname__ = "Type", "ImgFrame.Type"  # its public name (also pickles by it)
_T = _Type
# gen2 RawImgFrame::typeToBpp: bytes per pixel of the first plane.
_BYTES_PP = {t: 1 for t in _T}
_BYTES_PP.update({t: 2 for t in (_T.RGB161616, _T.RGBF16F16F16p, _T.BGRF16F16F16p, _T.RGBF16F16F16i,
                                 _T.BGRF16F16F16i, _T.GRAYF16, _T.RAW16, _T.RAW14, _T.RAW12, _T.RAW10,
                                 _T.PACK10, _T.PACK12)})
_BYTES_PP[_T.NONE] = 0

_U8, _U16, _F16 = np.dtype(np.uint8), np.dtype(np.uint16), np.dtype(np.float16)
# getFrame layout per type: (axes, dtype); types not listed are returned as flat bytes.
_LAYOUT = {
    _T.RGB888i: ("hwc", _U8), _T.BGR888i: ("hwc", _U8),
    _T.RGB888p: ("chw", _U8), _T.BGR888p: ("chw", _U8),
    _T.YUV420p: ("yuv", _U8), _T.NV12: ("yuv", _U8), _T.NV21: ("yuv", _U8),
    _T.RAW8: ("hw", _U8), _T.GRAY8: ("hw", _U8),
    _T.GRAYF16: ("hw", _F16),
    _T.RAW16: ("hw", _U16), _T.RAW14: ("hw", _U16), _T.RAW12: ("hw", _U16), _T.RAW10: ("hw", _U16),
    _T.RGBF16F16F16i: ("hwc", _F16), _T.BGRF16F16F16i: ("hwc", _F16),
    _T.RGBF16F16F16p: ("chw", _F16), _T.BGRF16F16F16p: ("chw", _F16),
}

# Types setCvFrame can produce from a BGR or grey image.
_CV_TYPES = (_T.BGR888i, _T.BGR888p, _T.RGB888i, _T.RGB888p, _T.NV12, _T.NV21, _T.YUV420p, _T.GRAY8, _T.RAW8)


def _to_u8_image(array) -> np.ndarray:
    """An (H, W) grey or (H, W, 3) BGR uint8 image from what OpenCV code passes around."""
    a = np.asarray(array)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (3, 4))):
        raise ValueError(f"ImgFrame.setCvFrame: expected an (H, W) grey or (H, W, 3) BGR image, got shape {a.shape}")
    if a.ndim == 3 and a.shape[2] == 4:
        a = a[:, :, :3]
    if a.dtype != _U8:
        if a.dtype.kind not in "biuf":
            raise TypeError(f"ImgFrame.setCvFrame: expected a numeric image, got dtype {a.dtype}")
        a = np.clip(np.rint(a) if a.dtype.kind == "f" else a, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(a)


class ImgFrame(CaptureSettings, Buffer):
    """An image message (gen2 `dai.ImgFrame`). A new frame is stamped with `Clock.now()` and has type NONE, size 0x0."""

    DATATYPE = DatatypeEnum.ImgFrame
    Type = _Type

    def __init__(self):
        super().__init__()
        self._type = _T.NONE
        self._width = 0
        self._height = 0
        self._stride = 0
        self._bytes_pp = 0
        self._p1_offset = 0
        self._p2_offset = 0
        self._p3_offset = 0
        self._category = 0
        self._view = None
        self._reset_capture()

    # getters
    def getWidth(self) -> int:
        return self._width

    def getHeight(self) -> int:
        return self._height

    def getType(self) -> "_Type":
        return self._type

    def getStride(self) -> int:
        """Bytes from one row to the next (gen2 keeps it as width × bytes per pixel)."""
        return self._stride

    def getCategory(self) -> int:
        return self._category

    def getTimestamp(self, offset=None) -> timedelta:
        """The frame's timestamp (end of exposure), or the START/MIDDLE of the exposure given a CameraExposureOffset."""
        return clock.to_timedelta(self._ts_ns - self._exposure_offset_ns(offset))

    def getTimestampDevice(self, offset=None) -> timedelta:
        return clock.to_timedelta(self._ts_dev_ns - self._exposure_offset_ns(offset))

    def _exposure_offset_ns(self, offset) -> int:
        if offset is None:
            return 0
        offset = as_enum(CameraExposureOffset, offset, "ImgFrame.getTimestamp")
        if offset == CameraExposureOffset.START:
            return self._exposure_us * 1000
        if offset == CameraExposureOffset.MIDDLE:
            return (self._exposure_us // 2) * 1000
        return 0

    # setters (gen2 rules: setWidth and setType keep stride = width × bytes per pixel)
    def setWidth(self, width):
        self._width = as_uint(width, "ImgFrame.setWidth")
        self._stride = self._width * self._bytes_pp if self._bytes_pp else self._width
        return self

    def setHeight(self, height):
        self._height = as_uint(height, "ImgFrame.setHeight")
        return self

    def setSize(self, width, height=None):
        """setSize(width, height) or setSize((width, height))."""
        if height is None:
            try:
                width, height = width
            except (TypeError, ValueError):
                raise TypeError(f"ImgFrame.setSize: expected (width, height) or a (width, height) tuple, "
                                f"got {width!r}") from None
        self.setWidth(width)
        return self.setHeight(height)

    def setType(self, type):
        self._type = as_enum(_Type, type, "ImgFrame.setType")
        self._bytes_pp = _BYTES_PP[self._type]
        if self._width:
            self._stride = self._width * self._bytes_pp
        return self

    def setStride(self, stride):
        """Bytes per row (v3 extension; gen2 derives it from width and type)."""
        self._stride = as_uint(stride, "ImgFrame.setStride")
        return self

    def setInstanceNum(self, instance):
        self._instance_num = as_uint(instance, "ImgFrame.setInstanceNum")
        return self

    def setCategory(self, category):
        self._category = as_uint(category, "ImgFrame.setCategory")
        return self

    # NumPy / OpenCV
    def getFrame(self, copy: bool = False) -> np.ndarray:
        """The pixels as NumPy, shaped by type: (H,W,3) interleaved, (3,H,W) planar, (H*3/2,W) for NV12/NV21/YUV420p,
        (H,W) for grey/RAW (uint16 for RAW10..16, float16 for GRAYF16); other types give the flat bytes.

        A view of the message's bytes unless `copy`; stride and plane offsets are ignored, as in gen2."""
        w, h = self._width, self._height
        axes, dtype = _LAYOUT.get(self._type, (None, _U8))
        if axes == "hwc":
            shape = (h, w, 3)
        elif axes == "chw":
            shape = (3, h, w)
        elif axes == "yuv":
            shape = (h * 3 // 2, w)
        elif axes == "hw":
            shape = (h, w)
        else:
            shape = (self._data.size,)
        required = dtype.itemsize
        for n in shape:
            required *= n
        if self._data.size < required:
            raise RuntimeError(
                f"ImgFrame.getFrame: a {w}x{h} {self._type.name} frame needs {required} bytes, but the frame holds "
                f"{self._data.size}. It was probably sent without its pixels (metadata only), or setSize/setType "
                f"describe a bigger image than the one given to setFrame/setData.")
        if w <= 0 or h <= 0:
            raise RuntimeError(f"ImgFrame.getFrame: width and height must be > 0, got {w}x{h}; "
                               f"call setSize(width, height) and setType(...) before reading the frame")
        frame = self._data[:required].view(dtype).reshape(shape)
        return frame.copy() if copy else frame

    def getCvFrame(self) -> np.ndarray:
        """A new BGR (H,W,3) or grey image for OpenCV, converted from the frame's type (gen2 rules)."""
        import cv2  # lazily: `import oakling` must not pay for OpenCV

        frame = self.getFrame()
        t = self._type
        if t == _T.BGR888p:
            return np.ascontiguousarray(frame.transpose(1, 2, 0))
        if t == _T.RGB888p:
            return cv2.cvtColor(frame.transpose(1, 2, 0), cv2.COLOR_RGB2BGR)
        if t == _T.RGB888i:
            return cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)
        if t == _T.YUV420p:
            return cv2.cvtColor(frame, cv2.COLOR_YUV2BGR_IYUV)
        if t == _T.NV12:
            return cv2.cvtColor(frame, cv2.COLOR_YUV2BGR_NV12)
        if t == _T.NV21:
            return cv2.cvtColor(frame, cv2.COLOR_YUV2BGR_NV21)
        return frame.copy()

    def setFrame(self, array):
        """Copy the array's bytes in. Like gen2, width, height and type are NOT changed: set them yourself."""
        self._data = to_byte_array(np.asarray(array), "ImgFrame.setFrame")
        return self

    def setCvFrame(self, array, type):
        """Set size, type and bytes from a BGR (or grey) OpenCV image, converting to `type` (v3 extension).

        Supported types: BGR888i/p, RGB888i/p, NV12, NV21, YUV420p, GRAY8, RAW8. NV12/NV21/YUV420p need an even
        width and height; their planes are packed with stride = width."""
        import cv2  # lazily, see getCvFrame

        t = as_enum(_Type, type, "ImgFrame.setCvFrame")
        if t not in _CV_TYPES:
            raise ValueError(f"ImgFrame.setCvFrame: cannot convert to {t.name}; supported types: "
                             + ", ".join(x.name for x in _CV_TYPES))
        img = _to_u8_image(array)
        h, w = img.shape[:2]
        if t in (_T.GRAY8, _T.RAW8):
            data = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
            stride, offsets = w, (0, 0, 0)
        else:
            bgr = img if img.ndim == 3 else cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
            size = w * h
            if t in (_T.BGR888i, _T.RGB888i):
                data = bgr if t == _T.BGR888i else cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                stride, offsets = w * 3, (0, 0, 0)
            elif t in (_T.BGR888p, _T.RGB888p):
                src = bgr if t == _T.BGR888p else cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                data = src.transpose(2, 0, 1)
                stride, offsets = w, (0, size, 2 * size)
            else:
                if w % 2 or h % 2:
                    raise ValueError(f"ImgFrame.setCvFrame: {t.name} needs an even width and height, got {w}x{h}")
                i420 = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420).reshape(-1)
                if t == _T.YUV420p:
                    data = i420
                    offsets = (0, size, size + size // 4)
                else:
                    u, v = i420[size:size + size // 4], i420[size + size // 4:]
                    uv = np.empty(size // 2, dtype=np.uint8)
                    uv[0::2], uv[1::2] = (u, v) if t == _T.NV12 else (v, u)
                    data = np.concatenate((i420[:size], uv))
                    offsets = (0, size, size)
                stride = w
        self.setType(t)
        self.setSize(w, h)
        out = np.ascontiguousarray(data).reshape(-1)
        if isinstance(array, np.ndarray) and np.may_share_memory(out, array):
            out = out.copy()  # the message owns its bytes, as with setFrame
        self._data = out
        self._stride = stride
        self._p1_offset, self._p2_offset, self._p3_offset = offsets
        return self

    def __repr__(self):
        return (f"ImgFrame(seq={self._seq}, {self._width}x{self._height} {self._type.name}, "
                f"{self._data.size} bytes, ts={self.getTimestamp()})")


RawImgFrame = ImgFrame
"""gen2 code also spells the type enum `dai.RawImgFrame.Type`; it is the same enum."""
