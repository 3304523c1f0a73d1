"""ImageManip's image operations (image_manip_ops.py) without a device, against plain OpenCV code."""
import cv2
import numpy as np
import pytest

import oakling as dai
from oakling.messages import Colormap
from oakling.nodes.image_manip_ops import ManipError, WarpMesh, apply_config, apply_plan, plan

T = dai.ImgFrame.Type
H, W = 480, 640


def smooth_bgr(h=H, w=W):
    """A smooth colour picture (slopes of a few LSB per pixel): an off-by-one pixel shows, while sub-pixel
    rounding differences between two OpenCV calls stay under 1 LSB."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    b = 127.5 + 127 * np.sin(2 * np.pi * x / 200)
    g = 127.5 + 127 * np.sin(2 * np.pi * y / 160 + 1)
    r = 127.5 + 127 * np.sin(2 * np.pi * (x + 2 * y) / 300 + 2)
    return np.clip(np.rint(np.dstack((b, g, r))), 0, 255).astype(np.uint8)


BGR = smooth_bgr()


def frame_of(bgr, frame_type=T.BGR888i, seq=0):
    f = dai.ImgFrame()
    f.setCvFrame(bgr, frame_type)
    f.setSequenceNum(seq)
    return f


def cfg():
    return dai.ImageManipConfig()


def assert_close(got, want, tol=1):
    assert got.shape == want.shape, (got.shape, want.shape)
    diff = np.abs(got.astype(np.int32) - want.astype(np.int32))
    assert diff.max() <= tol, f"max difference {diff.max()} at {np.unravel_index(diff.argmax(), diff.shape)}"


def centre(m):
    """An affine map from edge coordinates (a pixel spans [i, i+1]) to OpenCV's pixel-centre coordinates."""
    m = np.array(m, dtype=np.float64)
    m[:, 2] += m[:, :2] @ [0.5, 0.5] - 0.5
    return m


def rotated_rect_crop(img, cx, cy, w, h, angle, out_size=None):
    """Reference: the rect's box points, top-left first (cv2.boxPoints()[1]), onto the output's corners."""
    ow, oh = out_size or (int(w), int(h))
    pts = cv2.boxPoints(((cx, cy), (w, h), angle))
    m = cv2.getAffineTransform(np.float32([[0, 0], [ow, 0], [ow, oh]]), np.float32([pts[1], pts[2], pts[3]]))
    return cv2.warpAffine(img, centre(m), (ow, oh), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)


def letterbox(img, w, h, bg_bgr):
    s = min(w / img.shape[1], h / img.shape[0])
    iw, ih = round(img.shape[1] * s), round(img.shape[0] * s)
    out = np.empty((h, w, 3), np.uint8)
    out[:] = bg_bgr
    x, y = (w - iw) // 2, (h - ih) // 2
    out[y:y + ih, x:x + iw] = cv2.resize(img, (iw, ih), interpolation=cv2.INTER_LINEAR)
    return out


def resize(img, w, h):
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)


P0, P1, P2, P3 = dai.Point2f(0, 0), dai.Point2f(1, 0), dai.Point2f(1, 1), dai.Point2f(0, 1)
WARP = np.array([[1.0, 0.15, -40], [0.05, 0.95, 12], [0.0002, 0.0001, 1]])
HALF = np.array([[0.5, 0, -0.25], [0, 0.5, -0.25], [0, 0, 1]])   # halves the size, in pixel-centre coordinates
TRAPEZOID = [(40, 30), (600, 10), (630, 470), (5, 400)]

# (config, reference computed from the BGR source with plain OpenCV)
GEOMETRY_CASES = {
    "crop rect": (lambda: cfg().setCropRect(0.1, 0.2, 0.6, 0.7), lambda s: s[96:336, 64:384]),
    "crop rect tuple, clamped": (lambda: cfg().setCropRect((-0.5, 0.5, 0.75, 2)), lambda s: s[240:480, 0:480]),
    "centre crop square": (lambda: cfg().setCenterCrop(0.5), lambda s: s[120:360, 200:440]),
    "centre crop 2:1": (lambda: cfg().setCenterCrop(0.5, 2.0), lambda s: s[160:320, 160:480]),
    "resize keeps aspect by cropping": (lambda: cfg().setResize(300, 300), lambda s: resize(s[:, 80:560], 300, 300)),
    "resize tall keeps aspect": (lambda: cfg().setResize(100, 200), lambda s: resize(s[:, 200:440], 100, 200)),
    "resize stretch": (lambda: cfg().setResize(320, 120).setKeepAspectRatio(False), lambda s: resize(s, 320, 120)),
    "resize up": (lambda: cfg().setCropRect(0, 0, 0.25, 0.25).setResize(320, 240),
                  lambda s: resize(s[0:120, 0:160], 320, 240)),
    "crop then resize to aspect": (lambda: cfg().setCropRect(0.25, 0.25, 0.75, 0.75).setResize(100, 100),
                                   lambda s: resize(s[120:360, 200:440], 100, 100)),
    "age-gender face crop": (lambda: cfg().setCropRect(0.3, 0.2, 0.45, 0.5).setResize(62, 62)
                             .setKeepAspectRatio(False), lambda s: resize(s[96:240, 192:288], 62, 62)),
    "letterbox": (lambda: cfg().setResizeThumbnail(300, 300, 255, 0, 0), lambda s: letterbox(s, 300, 300, (0, 0, 255))),
    "letterbox tall": (lambda: cfg().setResizeThumbnail((200, 400), 0, 128, 0),
                       lambda s: letterbox(s, 200, 400, (0, 128, 0))),
    "horizontal flip": (lambda: cfg().setHorizontalFlip(True), lambda s: cv2.flip(s, 1)),
    "vertical flip": (lambda: cfg().setVerticalFlip(True), lambda s: cv2.flip(s, 0)),
    "both flips after resize": (lambda: cfg().setResize(160, 120).setHorizontalFlip(True).setVerticalFlip(True),
                                lambda s: cv2.flip(resize(s, 160, 120), -1)),
    "rotated rect 90, pixels": (lambda: cfg().setCropRotatedRect(dai.RotatedRect(dai.Point2f(320, 240),
                                                                                dai.Size2f(480, 640), 90), False),
                                lambda s: rotated_rect_crop(s, 320, 240, 480, 640, 90)),
    "rotated rect 90 is a turn": (lambda: cfg().setCropRotatedRect(dai.RotatedRect(dai.Point2f(320, 240),
                                                                                  dai.Size2f(480, 640), 90), False),
                                  lambda s: cv2.rotate(s, cv2.ROTATE_90_COUNTERCLOCKWISE)),
    "rotated rect 30, pixels": (lambda: cfg().setCropRotatedRect(dai.RotatedRect(dai.Point2f(300, 200),
                                                                                dai.Size2f(200, 100), 30), False),
                                lambda s: rotated_rect_crop(s, 300, 200, 200, 100, 30)),
    "rotated rect at the edge": (lambda: cfg().setCropRotatedRect(dai.RotatedRect(dai.Point2f(600, 40),
                                                                                 dai.Size2f(160, 120), -20), False),
                                 lambda s: rotated_rect_crop(s, 600, 40, 160, 120, -20)),
    "rotated rect normalised, no angle": (lambda: cfg().setCropRotatedRect(dai.RotatedRect(
        dai.Point2f(0.5, 0.5), dai.Size2f(0.5, 0.5), 0)), lambda s: s[120:360, 160:480]),
    "rotated rect then resize": (lambda: cfg().setCropRotatedRect(dai.RotatedRect(dai.Point2f(320, 240),
                                                                                 dai.Size2f(400, 400), 45), False)
                                 .setResize(200, 200),
                                 lambda s: rotated_rect_crop(s, 320, 240, 400, 400, 45, (200, 200))),
    "rotation clockwise": (lambda: cfg().setRotationDegrees(30),
                           lambda s: cv2.warpAffine(s, cv2.getRotationMatrix2D(((W - 1) / 2, (H - 1) / 2), -30, 1),
                                                    (W, H))),
    "rotation 90 of a square": (lambda: cfg().setCenterCrop(1).setRotationDegrees(90),
                                lambda s: cv2.rotate(s[:, 80:560], cv2.ROTATE_90_CLOCKWISE)),
    "rotation in radians, letterboxed": (lambda: cfg().setRotationRadians(np.pi).setResizeThumbnail(320, 320),
                                         lambda s: letterbox(cv2.rotate(s, cv2.ROTATE_180), 320, 320, (0, 0, 0))),
    "four points passthrough": (lambda: cfg().setWarpTransformFourPoints([P0, P1, P2, P3], True), lambda s: s),
    "four points turn a square": (lambda: cfg().setCenterCrop(1).setWarpTransformFourPoints([P3, P0, P1, P2], True),
                                  lambda s: cv2.rotate(s[:, 80:560], cv2.ROTATE_90_CLOCKWISE)),
    "four points mirror": (lambda: cfg().setWarpTransformFourPoints([P1, P0, P3, P2], True), lambda s: cv2.flip(s, 1)),
    "four points in pixels": (
        lambda: cfg().setWarpTransformFourPoints([dai.Point2f(*p) for p in TRAPEZOID], False).setResize(300, 200),
        lambda s: cv2.warpPerspective(s, cv2.getPerspectiveTransform(
            np.float32(TRAPEZOID), np.float32([[0, 0], [299, 0], [299, 199], [0, 199]])), (300, 200))),
    "four points with borders": (
        lambda: cfg().setWarpTransformFourPoints([dai.Point2f(-0.1, -0.1), dai.Point2f(1.1, -0.1),
                                                  dai.Point2f(1.1, 1.1), dai.Point2f(-0.1, 1.1)], True),
        lambda s: cv2.warpAffine(s, centre([[1.2, 0, -64], [0, 1.2, -48]]), (W, H),
                                 flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)),
    "matrix warp": (lambda: cfg().setWarpTransformMatrix3x3(WARP.reshape(-1).tolist()),
                    lambda s: cv2.warpPerspective(s, WARP, (W, H))),
    "matrix warp, nested list, replicated border": (
        lambda: cfg().setWarpTransformMatrix3x3(WARP.tolist()).setWarpBorderReplicatePixels(),
        lambda s: cv2.warpPerspective(s, WARP, (W, H), borderMode=cv2.BORDER_REPLICATE)),
    "matrix warp, fill colour, resized": (
        lambda: cfg().setWarpTransformMatrix3x3(WARP.tolist()).setWarpBorderFillColor(10, 20, 200)
        .setResize(320, 240).setKeepAspectRatio(False),
        lambda s: cv2.warpPerspective(s, HALF @ WARP, (320, 240), borderValue=(200, 20, 10))),
}


@pytest.mark.parametrize("name", list(GEOMETRY_CASES))
@pytest.mark.parametrize("layout", [T.BGR888i, T.BGR888p])
def test_geometry_matches_opencv(name, layout):
    make, reference = GEOMETRY_CASES[name]
    want = reference(BGR)
    out = apply_config(frame_of(BGR, layout), make())
    assert out.getType() == layout
    assert (out.getWidth(), out.getHeight()) == (want.shape[1], want.shape[0])
    assert_close(out.getCvFrame(), want)


def test_letterbox_border_is_exactly_the_background():
    out = apply_config(frame_of(BGR), cfg().setResizeThumbnail(300, 300, 255, 100, 0)).getCvFrame()
    assert (out[:37] == (0, 100, 255)).all() and (out[262:] == (0, 100, 255)).all()


def test_rotated_rect_pixels_outside_the_frame_are_filled():
    rr = dai.RotatedRect(dai.Point2f(0, 0), dai.Size2f(100, 100), 0)
    out = apply_config(frame_of(BGR), cfg().setCropRotatedRect(rr, False).setWarpBorderFillColor(0, 0, 255))
    img = out.getCvFrame()
    assert (img[:49, :49] == (255, 0, 0)).all()
    assert_close(img[51:, 51:], BGR[1:50, 1:50])


def test_gray_input_geometry_and_luma_background():
    grey = cv2.cvtColor(BGR, cv2.COLOR_BGR2GRAY)
    f = frame_of(grey, T.GRAY8)
    out = apply_config(f, cfg().setResizeThumbnail(200, 200, 255, 255, 255))
    assert out.getType() == T.GRAY8
    want = np.full((200, 200), 255, np.uint8)
    want[25:175] = resize(grey, 200, 150)
    assert_close(out.getFrame(), want)


def test_raw16_is_cropped_and_resized_as_uint16():
    depth = (np.arange(H * W, dtype=np.uint32).reshape(H, W) % 5000).astype(np.uint16)
    f = dai.ImgFrame()
    f.setType(T.RAW16).setSize(W, H)
    f.setFrame(depth)
    out = apply_config(f, cfg().setCropRect(0, 0, 0.5, 0.5).setResize(160, 120))
    assert out.getType() == T.RAW16
    np.testing.assert_array_equal(out.getFrame(), resize(depth[:240, :320], 160, 120))


# -- frame types --

def yuv_frame(bgr, frame_type):
    return frame_of(bgr, frame_type).getFrame()


CONVERSIONS = {   # output type -> reference bytes from a BGR image
    T.BGR888i: lambda b: b,
    T.BGR888p: lambda b: b.transpose(2, 0, 1),
    T.RGB888i: lambda b: cv2.cvtColor(b, cv2.COLOR_BGR2RGB),
    T.RGB888p: lambda b: cv2.cvtColor(b, cv2.COLOR_BGR2RGB).transpose(2, 0, 1),
    T.GRAY8: lambda b: cv2.cvtColor(b, cv2.COLOR_BGR2GRAY),
    T.RAW8: lambda b: cv2.cvtColor(b, cv2.COLOR_BGR2GRAY),
    T.YUV420p: lambda b: cv2.cvtColor(b, cv2.COLOR_BGR2YUV_I420),
    T.NV12: lambda b: yuv_frame(b, T.NV12),
    T.NV21: lambda b: yuv_frame(b, T.NV21),
}
INPUTS = [T.BGR888i, T.BGR888p, T.RGB888i, T.RGB888p]


@pytest.mark.parametrize("out_type", list(CONVERSIONS))
@pytest.mark.parametrize("in_type", INPUTS)
def test_frame_type_conversions_from_colour(in_type, out_type):
    c = cfg().setCropRect(0.25, 0.25, 0.75, 0.75).setResize(200, 100).setFrameType(out_type)
    out = apply_config(frame_of(BGR, in_type), c)
    assert (out.getType(), out.getWidth(), out.getHeight()) == (out_type, 200, 100)
    assert_close(out.getFrame(), CONVERSIONS[out_type](resize(BGR[120:360, 160:480][40:200], 200, 100)))


@pytest.mark.parametrize("in_type", [T.NV12, T.NV21, T.YUV420p, T.GRAY8, T.RAW8])
@pytest.mark.parametrize("crop", [(0, 0, 1, 1), (0.1, 0.3, 0.55, 0.9), (0.2015, 0.1, 0.7, 0.5)])
def test_yuv_and_grey_inputs_are_cropped_exactly(in_type, crop):
    f = frame_of(BGR, in_type)
    full = f.getCvFrame()
    if full.ndim == 2:
        full = cv2.cvtColor(full, cv2.COLOR_GRAY2BGR)
    x0, y0, x1, y1 = (round(crop[0] * W), round(crop[1] * H), round(crop[2] * W), round(crop[3] * H))
    out = apply_config(f, cfg().setCropRect(*crop).setFrameType(T.BGR888i))
    assert (out.getWidth(), out.getHeight()) == (x1 - x0, y1 - y0)
    np.testing.assert_array_equal(out.getCvFrame(), full[y0:y1, x0:x1])


@pytest.mark.parametrize("in_type", [T.NV12, T.YUV420p, T.GRAY8])
@pytest.mark.parametrize("out_type", [T.NV12, T.YUV420p, T.BGR888p, T.GRAY8])
def test_yuv_and_grey_conversions(in_type, out_type):
    f = frame_of(BGR, in_type)
    out = apply_config(f, cfg().setResize(320, 240).setFrameType(out_type))
    want_bgr = resize(f.getCvFrame(), 320, 240)
    if f.getCvFrame().ndim == 2:
        want_bgr = cv2.cvtColor(want_bgr, cv2.COLOR_GRAY2BGR)
    assert_close(out.getFrame(), CONVERSIONS[out_type](want_bgr))


def test_yuv_crop_to_an_odd_size_is_trimmed_to_even():
    out = apply_config(frame_of(BGR, T.NV12), cfg().setCropRect(0, 0, 0.5015, 0.5015))
    assert (out.getType(), out.getWidth(), out.getHeight()) == (T.NV12, 320, 240)


def test_output_type_is_the_input_type_unless_set():
    for t in [T.BGR888p, T.RGB888i, T.NV12, T.YUV420p, T.GRAY8, T.RAW8]:
        assert apply_config(frame_of(BGR, t), cfg().setResize(100, 100)).getType() == t


@pytest.mark.parametrize("colormap, cv_map", [(Colormap.JET, cv2.COLORMAP_JET), (Colormap.TURBO, cv2.COLORMAP_TURBO)])
def test_colormap_on_grey(colormap, cv_map):
    grey = cv2.cvtColor(BGR, cv2.COLOR_BGR2GRAY)
    out = apply_config(frame_of(grey, T.GRAY8), cfg().setColormap(colormap))
    assert out.getType() == T.BGR888i
    np.testing.assert_array_equal(out.getFrame(), cv2.applyColorMap(grey, cv_map))


# -- metadata and identity --

def test_output_keeps_sequence_timestamps_instance_and_camera_settings():
    f = frame_of(BGR, T.BGR888p, seq=1234)
    f.setTimestamp(12.5).setTimestampDevice(3.25).setInstanceNum(2).setCategory(7)
    f._set_camera_settings(exposure_us=8000, sensitivity_iso=400, lens_position=120, wb_color_temp=5000)
    out = apply_config(f, cfg().setResize(300, 300).setFrameType(T.NV12))
    assert out is not f
    assert out.getSequenceNum() == 1234
    assert out.getTimestamp() == f.getTimestamp() and out.getTimestampDevice() == f.getTimestampDevice()
    assert (out.getInstanceNum(), out.getCategory()) == (2, 7)
    assert (out.getExposureTime(), out.getSensitivity(), out.getLensPosition(), out.getColorTemperature()) == \
        (f.getExposureTime(), 400, 120, 5000)


def _corners(frame):
    """Where the output's top-left and bottom-right corners lie in the input, normalised (its _view)."""
    m = np.eye(3) if frame._view is None else np.array(frame._view).reshape(3, 3)
    return [tuple(np.round((m @ (u, v, 1))[:2] / (m @ (u, v, 1))[2], 4)) for u, v in ((0, 0), (1, 1))]


@pytest.mark.parametrize("config, corners", [
    (lambda: cfg().setResize(300, 300), [(0.125, 0.0), (0.875, 1.0)]),                      # the centred square kept
    (lambda: cfg().setResize(300, 300).setKeepAspectRatio(False), [(0.0, 0.0), (1.0, 1.0)]),   # stretched
    (lambda: cfg().setResizeThumbnail(320, 320), [(0.0, -0.1667), (1.0, 1.1667)]),          # bars above and below
    (lambda: cfg().setCropRect(0.1, 0.2, 0.6, 0.9).setResize(100, 100).setKeepAspectRatio(False),
     [(0.1, 0.2), (0.6, 0.9)]),
    (lambda: cfg().setCropRect(0.1, 0.2, 0.6, 0.9).setHorizontalFlip(True), [(0.6, 0.2), (0.1, 0.9)]),
    (lambda: cfg().setCropRotatedRect(dai.RotatedRect(dai.Point2f(0.5, 0.5), dai.Size2f(0.5, 0.5), 0), True),
     [(0.25, 0.25), (0.75, 0.75)]),
])
def test_outputs_carry_where_they_lie_in_the_input(config, corners):
    out = apply_config(frame_of(BGR), config())
    assert _corners(out) == [pytest.approx(c, abs=1e-3) for c in corners]


def test_views_compose_down_a_chain_of_manips():
    half = apply_config(frame_of(BGR), cfg().setCropRect(0.5, 0.0, 1.0, 1.0))
    quarter = apply_config(half, cfg().setCropRect(0.0, 0.5, 0.5, 1.0))
    assert _corners(quarter) == [pytest.approx((0.5, 0.5)), pytest.approx((0.75, 1.0))]
    assert apply_config(frame_of(BGR), cfg().setFrameType(T.BGR888p))._view is None   # the whole picture


def test_nothing_to_do_sends_the_input_frame_itself():
    f = frame_of(BGR)
    assert apply_config(f, cfg()) is f
    assert apply_config(f, cfg().setResize(W, H).setFrameType(T.BGR888i)) is f


def test_outputs_are_new_arrays_never_views_of_the_input():
    f = frame_of(BGR, T.BGR888p)
    for c in [cfg().setCropRect(0, 0, 1, 0.5), cfg().setFrameType(T.BGR888i), cfg().setCropRect(0.1, 0.1, 0.2, 0.2)]:
        out = apply_config(f, c)
        assert not np.shares_memory(out.getData(), f.getData())
        assert out.getData().flags.c_contiguous and out.getData().size == out.getWidth() * out.getHeight() * 3


@pytest.mark.parametrize("out_type, stride, offsets", [
    (T.BGR888i, 300, (0, 0, 0)), (T.BGR888p, 100, (0, 10000, 20000)), (T.NV12, 100, (0, 10000, 10000)),
    (T.YUV420p, 100, (0, 10000, 12500)), (T.GRAY8, 100, (0, 0, 0)),
])
def test_output_layout_metadata(out_type, stride, offsets):
    out = apply_config(frame_of(BGR), cfg().setResize(100, 100).setFrameType(out_type))
    assert out.getStride() == stride
    assert (out._p1_offset, out._p2_offset, out._p3_offset) == offsets


# -- what cannot be done says what was expected --

def bad_frame(frame_type):
    f = dai.ImgFrame()
    f.setType(frame_type).setSize(64, 48)
    f.setFrame(np.zeros(64 * 48 * 2, np.uint8))
    return f


@pytest.mark.parametrize("frame, config, expected", [
    (lambda: bad_frame(T.RAW10), cfg, "expected a frame of type BGR888p"),
    (lambda: bad_frame(T.BITSTREAM), cfg, "got BITSTREAM"),
    (lambda: frame_of(BGR), lambda: cfg().setCropRect(1.2, 0, 1.5, 1), "expected a crop rect inside the 640x480"),
    (lambda: frame_of(BGR), lambda: cfg().setCropRect(0.5, 0.5, 0.5, 0.9), "selects no pixels"),
    (lambda: frame_of(BGR), lambda: cfg().setCropRotatedRect(
        dai.RotatedRect(dai.Point2f(900, 900), dai.Size2f(50, 50), 10), False), "overlaps the 640x480 frame"),
    (lambda: frame_of(BGR), lambda: cfg().setWarpTransformFourPoints([P0, P1, P2], True), "with 4 points, got 3"),
    (lambda: frame_of(BGR), lambda: cfg().setWarpTransformMatrix3x3([1, 2, 3]), "with 9 values"),
    (lambda: frame_of(BGR), lambda: cfg().setWarpTransformMatrix3x3([0] * 9), "invertible 3x3"),
    (lambda: frame_of(BGR), lambda: cfg().setResize(301, 300).setFrameType(T.NV12), "even output width"),
    (lambda: frame_of(BGR), lambda: cfg().setColormap(1), "GRAY8 or RAW8 frame to apply a colormap"),
    (lambda: bad_frame(T.RAW16), lambda: cfg().setFrameType(T.BGR888p), "RAW16 frames can be cropped"),
    (lambda: frame_of(BGR), lambda: cfg().setFrameType(T.RGBF16F16F16p), "expected an output type of"),
])
def test_bad_input_is_a_clear_error(frame, config, expected):
    with pytest.raises(ManipError, match=expected):
        apply_config(frame(), config())


def test_frame_without_its_pixels_is_an_error():
    f = dai.ImgFrame()
    f.setType(T.BGR888i).setSize(64, 48)
    with pytest.raises(ManipError, match="expected 9216 bytes for a 64x48 BGR888i frame, got 0"):
        apply_config(f, cfg().setResize(32, 32))


def test_plan_gives_output_size_and_bytes_before_any_work():
    p = plan(cfg().setResize(300, 300).setFrameType(T.BGR888p), 1920, 1080, T.NV12)
    assert (p.out_size, p.out_type, p.nbytes) == ((300, 300), T.BGR888p, 270000)


# -- warp mesh --

def test_identity_mesh_changes_nothing_and_a_shifted_mesh_translates():
    corners = [(0, 0), (W - 1, 0), (0, H - 1), (W - 1, H - 1)]
    out = apply_config(frame_of(BGR), cfg().setFrameType(T.BGR888p), WarpMesh(np.float32(corners).reshape(2, 2, 2)))
    assert_close(out.getCvFrame(), BGR)
    shifted = np.float32([(x + 10.5, y) for x, y in corners]).reshape(2, 2, 2)
    out = apply_config(frame_of(BGR), cfg(), WarpMesh(shifted))
    map_x, map_y = np.meshgrid(np.arange(W, dtype=np.float32) + 10.5, np.arange(H, dtype=np.float32))
    assert_close(out.getCvFrame(), cv2.remap(BGR, map_x, map_y, cv2.INTER_LINEAR))



class Recorder:
    """An `alloc` that records the arrays it hands out (as an output's frame pool would)."""

    def __init__(self):
        self.given = []

    def __call__(self, shape, dtype=np.uint8):
        arr = np.full(shape, 77, dtype)
        self.given.append(arr)
        return arr


ALLOC_CASES = {   # (input type, config): the common paths, each must end in memory from alloc
    "flip": (T.BGR888i, lambda: cfg().setHorizontalFlip(True)),
    "flip both ways, planar": (T.BGR888p, lambda: cfg().setHorizontalFlip(True).setVerticalFlip(True)),
    "resize": (T.BGR888i, lambda: cfg().setResize(300, 300)),
    "resize planar to interleaved": (T.BGR888p, lambda: cfg().setResize(300, 300).setFrameType(T.BGR888i)),
    "crop": (T.BGR888i, lambda: cfg().setCropRect(0.1, 0.2, 0.6, 0.7)),
    "letterbox": (T.BGR888i, lambda: cfg().setResizeThumbnail(300, 300, 10, 20, 30)),
    "rotate": (T.BGR888i, lambda: cfg().setRotationDegrees(30)),
    "to planar": (T.BGR888i, lambda: cfg().setFrameType(T.BGR888p)),
    "to RGB": (T.BGR888i, lambda: cfg().setFrameType(T.RGB888i)),
    "to grey": (T.BGR888i, lambda: cfg().setFrameType(T.GRAY8)),
    "to NV12": (T.BGR888i, lambda: cfg().setFrameType(T.NV12)),
    "to YUV420p": (T.BGR888i, lambda: cfg().setFrameType(T.YUV420p)),
    "NV12 to BGR": (T.NV12, lambda: cfg().setFrameType(T.BGR888i)),
    "NV12 resize to planar": (T.NV12, lambda: cfg().setResize(300, 300).setFrameType(T.BGR888p)),
    "NV12 crop": (T.NV12, lambda: cfg().setCropRect(0.1, 0.2, 0.6, 0.7)),
    "grey colormap": (T.GRAY8, lambda: cfg().setColormap(Colormap.JET)),
    "grey colormap to planar": (T.GRAY8, lambda: cfg().setColormap(Colormap.JET).setFrameType(T.BGR888p)),
}


@pytest.mark.parametrize("name", list(ALLOC_CASES))
def test_outputs_are_written_into_the_memory_alloc_gives_with_the_same_pixels(name):
    """A node's output frames go straight into its output's shared memory: the result is one whole
    array from `alloc`, never copied again, and the pixels are those of a plain apply."""
    in_type, config = ALLOC_CASES[name]
    f = frame_of(BGR if in_type != T.GRAY8 else cv2.cvtColor(BGR, cv2.COLOR_BGR2GRAY), in_type)
    p = plan(config(), f.getWidth(), f.getHeight(), f.getType())
    alloc = Recorder()
    out = apply_plan(p, f, None, alloc)
    data = out.getData()
    assert any(np.shares_memory(data, given) and data.nbytes == given.nbytes for given in alloc.given)
    np.testing.assert_array_equal(data, apply_plan(p, f).getData())
