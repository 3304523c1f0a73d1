"""ImgFrame: gen2 type values, stride rules, getFrame shapes, getCvFrame/setCvFrame against OpenCV references."""
import subprocess
import sys
from datetime import timedelta

import cv2
import numpy as np
import pytest

from oakling.messages import CameraExposureOffset, ImgFrame, RawImgFrame

T = ImgFrame.Type
RNG = np.random.default_rng(1)

GEN2_TYPE_VALUES = {
    "YUV422i": 0, "YUV444p": 1, "YUV420p": 2, "YUV422p": 3, "YUV400p": 4, "RGBA8888": 5, "RGB161616": 6,
    "RGB888p": 7, "BGR888p": 8, "RGB888i": 9, "BGR888i": 10, "LUT2": 11, "LUT4": 12, "LUT16": 13, "RAW16": 14,
    "RAW14": 15, "RAW12": 16, "RAW10": 17, "RAW8": 18, "PACK10": 19, "PACK12": 20, "YUV444i": 21, "NV12": 22,
    "NV21": 23, "BITSTREAM": 24, "HDR": 25, "RGBF16F16F16p": 26, "BGRF16F16F16p": 27, "RGBF16F16F16i": 28,
    "BGRF16F16F16i": 29, "GRAY8": 30, "GRAYF16": 31, "NONE": 32,
}


def frame_of(type_, w, h, data):
    f = ImgFrame().setType(type_).setSize(w, h)
    f.setFrame(data)
    return f


def test_type_values_match_gen2():
    assert {t.name: t.value for t in T} == GEN2_TYPE_VALUES


def test_rawimgframe_type_is_the_same_enum():
    assert RawImgFrame.Type is ImgFrame.Type
    assert isinstance(ImgFrame().setType(RawImgFrame.Type.NV12).getType(), ImgFrame.Type)


def test_new_frame_defaults():
    f = ImgFrame()
    assert (f.getWidth(), f.getHeight(), f.getType(), f.getStride()) == (0, 0, T.NONE, 0)
    assert (f.getInstanceNum(), f.getCategory(), f.getSensitivity(), f.getLensPosition()) == (0, 0, 0, 0)
    assert f.getExposureTime() == timedelta(0) and f.getLensPositionRaw() == 0.0
    assert f.getTimestamp() > timedelta(0)


@pytest.mark.parametrize("type_, bytes_pp", [
    (T.BGR888p, 1), (T.BGR888i, 1), (T.NV12, 1), (T.GRAY8, 1), (T.RAW8, 1), (T.RAW10, 2), (T.RAW16, 2),
    (T.GRAYF16, 2), (T.RGBF16F16F16i, 2), (T.RGB161616, 2), (T.PACK10, 2), (T.BITSTREAM, 1), (T.NONE, 0),
])
def test_stride_is_width_times_bytes_per_pixel_in_either_order(type_, bytes_pp):
    type_first = ImgFrame().setType(type_).setWidth(10)
    width_first = ImgFrame().setWidth(10).setType(type_)
    assert type_first._bytes_pp == width_first._bytes_pp == bytes_pp
    assert width_first.getStride() == 10 * bytes_pp
    assert type_first.getStride() == (10 * bytes_pp or 10)  # gen2: bytesPP 0 leaves stride = width


def test_stride_without_type_is_width():
    # gen2: setWidth with bytesPP 0 leaves stride = width; setType NONE then makes it 0.
    f = ImgFrame().setWidth(7)
    assert f.getStride() == 7
    assert f.setType(T.NONE).getStride() == 0


def test_setSize_forms_and_chaining():
    f = ImgFrame()
    assert f.setSize(4, 3) is f and (f.getWidth(), f.getHeight()) == (4, 3)
    assert f.setSize((5, 6)) is f and (f.getWidth(), f.getHeight()) == (5, 6)
    for setter, arg in [("setInstanceNum", 2), ("setCategory", 3), ("setType", T.RAW8), ("setWidth", 1),
                        ("setHeight", 1), ("setSequenceNum", 1), ("setStride", 9)]:
        assert getattr(f, setter)(arg) is f


@pytest.mark.parametrize("bad_call, error", [
    (lambda f: f.setWidth(-1), ValueError),
    (lambda f: f.setWidth(1.5), TypeError),
    (lambda f: f.setType("BGR"), TypeError),
    (lambda f: f.setType(99), TypeError),
    (lambda f: f.setSize((1, 2, 3)), TypeError),
])
def test_setters_reject_bad_values(bad_call, error):
    with pytest.raises(error):
        bad_call(ImgFrame())


W, H = 6, 4


@pytest.mark.parametrize("type_, shape, dtype", [
    (T.BGR888i, (H, W, 3), np.uint8), (T.RGB888i, (H, W, 3), np.uint8),
    (T.BGR888p, (3, H, W), np.uint8), (T.RGB888p, (3, H, W), np.uint8),
    (T.NV12, (H * 3 // 2, W), np.uint8), (T.NV21, (H * 3 // 2, W), np.uint8), (T.YUV420p, (H * 3 // 2, W), np.uint8),
    (T.GRAY8, (H, W), np.uint8), (T.RAW8, (H, W), np.uint8),
    (T.RAW10, (H, W), np.uint16), (T.RAW12, (H, W), np.uint16), (T.RAW14, (H, W), np.uint16),
    (T.RAW16, (H, W), np.uint16), (T.GRAYF16, (H, W), np.float16),
    (T.RGBF16F16F16i, (H, W, 3), np.float16), (T.BGRF16F16F16i, (H, W, 3), np.float16),
    (T.RGBF16F16F16p, (3, H, W), np.float16), (T.BGRF16F16F16p, (3, H, W), np.float16),
    (T.BITSTREAM, (37,), np.uint8), (T.YUV422i, (37,), np.uint8), (T.NONE, (37,), np.uint8),
])
def test_getFrame_shape_and_dtype(type_, shape, dtype):
    nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
    raw = RNG.integers(0, 256, nbytes, dtype=np.uint8)
    frame = frame_of(type_, W, H, raw).getFrame()
    assert frame.shape == shape and frame.dtype == dtype
    assert frame.tobytes() == raw.tobytes()


def test_getFrame_uses_leading_bytes_when_there_are_extra():
    raw = np.arange(30, dtype=np.uint8)
    assert frame_of(T.GRAY8, 5, 5, raw).getFrame().ravel().tolist() == list(range(25))


def test_getFrame_is_a_view_unless_copy():
    f = frame_of(T.GRAY8, W, H, np.zeros(W * H, np.uint8))
    f.getFrame()[0, 0] = 7
    assert f.getData()[0] == 7
    f.getFrame(copy=True)[0, 1] = 9
    assert f.getData()[1] == 0


def test_getFrame_too_little_data_names_sizes_and_cause():
    f = ImgFrame().setType(T.BGR888p).setSize(300, 300)
    expected = r"300x300 BGR888p frame needs 270000 bytes, but the frame holds 0.*metadata"
    with pytest.raises(RuntimeError, match=expected):
        f.getFrame()


@pytest.mark.parametrize("type_", [T.GRAY8, T.BGR888i, T.BITSTREAM])
def test_getFrame_zero_size_is_an_error(type_):
    f = ImgFrame().setType(type_).setFrame(np.zeros(10, np.uint8))
    with pytest.raises(RuntimeError, match="width and height must be > 0, got 0x0"):
        f.getFrame()


def test_setFrame_copies_bytes_only():
    f = ImgFrame().setType(T.RAW8).setSize(2, 2)
    src = np.array([[1, 2], [3, 4]], dtype=np.uint16)
    assert f.setFrame(src) is f
    src[0, 0] = 9
    assert f.getData().tolist() == [1, 0, 2, 0, 3, 0, 4, 0]
    assert (f.getWidth(), f.getHeight(), f.getType()) == (2, 2, T.RAW8)


def _yuv_bytes():
    return RNG.integers(0, 256, (H * 3 // 2, W), dtype=np.uint8)


BGR = RNG.integers(0, 256, (H, W, 3), dtype=np.uint8)
GREY = RNG.integers(0, 256, (H, W), dtype=np.uint8)
YUV = _yuv_bytes()


@pytest.mark.parametrize("type_, raw, expected", [
    (T.BGR888i, BGR, BGR),
    (T.RGB888i, BGR, cv2.cvtColor(BGR, cv2.COLOR_RGB2BGR)),
    (T.BGR888p, BGR.transpose(2, 0, 1), BGR),
    (T.RGB888p, BGR.transpose(2, 0, 1), cv2.cvtColor(BGR, cv2.COLOR_RGB2BGR)),
    (T.NV12, YUV, cv2.cvtColor(YUV, cv2.COLOR_YUV2BGR_NV12)),
    (T.NV21, YUV, cv2.cvtColor(YUV, cv2.COLOR_YUV2BGR_NV21)),
    (T.YUV420p, YUV, cv2.cvtColor(YUV, cv2.COLOR_YUV2BGR_IYUV)),
    (T.GRAY8, GREY, GREY),
    (T.RAW8, GREY, GREY),
    (T.RAW16, GREY.astype(np.uint16) * 200, GREY.astype(np.uint16) * 200),
    (T.GRAYF16, GREY.astype(np.float16) / 255, GREY.astype(np.float16) / 255),
])
def test_getCvFrame_matches_opencv(type_, raw, expected):
    f = frame_of(type_, W, H, np.ascontiguousarray(raw))
    out = f.getCvFrame()
    assert out.dtype == expected.dtype and out.shape == expected.shape
    np.testing.assert_array_equal(out, expected)
    assert not np.shares_memory(out, f.getData())


@pytest.mark.parametrize("type_", [T.BGR888i, T.BGR888p, T.RGB888i, T.RGB888p])
def test_setCvFrame_colour_round_trips_exactly(type_):
    f = ImgFrame()
    assert f.setCvFrame(BGR, type_) is f
    assert (f.getWidth(), f.getHeight(), f.getType()) == (W, H, type_)
    np.testing.assert_array_equal(f.getCvFrame(), BGR)


@pytest.mark.parametrize("type_, stride, offsets", [
    (T.BGR888i, W * 3, (0, 0, 0)), (T.RGB888p, W, (0, W * H, 2 * W * H)), (T.GRAY8, W, (0, 0, 0)),
    (T.YUV420p, W, (0, W * H, W * H + W * H // 4)), (T.NV12, W, (0, W * H, W * H)),
])
def test_setCvFrame_sets_stride_and_planes(type_, stride, offsets):
    f = ImgFrame().setCvFrame(BGR, type_)
    assert f.getStride() == stride
    assert (f._p1_offset, f._p2_offset, f._p3_offset) == offsets


def test_setCvFrame_yuv_layouts_match_opencv():
    i420 = cv2.cvtColor(BGR, cv2.COLOR_BGR2YUV_I420)
    np.testing.assert_array_equal(ImgFrame().setCvFrame(BGR, T.YUV420p).getFrame(), i420)
    n = W * H
    flat = i420.reshape(-1)
    y, u, v = flat[:n], flat[n:n + n // 4], flat[n + n // 4:]
    nv12 = ImgFrame().setCvFrame(BGR, T.NV12).getFrame().reshape(-1)
    nv21 = ImgFrame().setCvFrame(BGR, T.NV21).getFrame().reshape(-1)
    np.testing.assert_array_equal(nv12[:n], y)
    np.testing.assert_array_equal(nv12[n::2], u)
    np.testing.assert_array_equal(nv12[n + 1::2], v)
    np.testing.assert_array_equal(nv21[n::2], v)
    np.testing.assert_array_equal(nv21[n + 1::2], u)


@pytest.mark.parametrize("src, type_, expected", [
    (BGR, T.GRAY8, cv2.cvtColor(BGR, cv2.COLOR_BGR2GRAY)),
    (BGR, T.RAW8, cv2.cvtColor(BGR, cv2.COLOR_BGR2GRAY)),
    (GREY, T.GRAY8, GREY),
    (GREY, T.BGR888i, cv2.cvtColor(GREY, cv2.COLOR_GRAY2BGR)),
    (GREY[:, :, None], T.BGR888p, cv2.cvtColor(GREY, cv2.COLOR_GRAY2BGR)),
    (BGR.astype(np.float32) + 0.4, T.BGR888i, BGR),
    (BGR.astype(np.int32) * 4, T.BGR888i, np.clip(BGR.astype(np.int32) * 4, 0, 255).astype(np.uint8)),
])
def test_setCvFrame_converts_grey_colour_and_dtypes(src, type_, expected):
    np.testing.assert_array_equal(ImgFrame().setCvFrame(src, type_).getCvFrame(), expected)


def test_setCvFrame_does_not_alias_the_input():
    src = GREY.copy()
    f = ImgFrame().setCvFrame(src, T.GRAY8)
    src[:] = 0
    np.testing.assert_array_equal(f.getCvFrame(), GREY)


@pytest.mark.parametrize("src, type_, error, match", [
    (BGR, T.RAW16, ValueError, "cannot convert to RAW16"),
    (np.zeros((3, 5, 3), np.uint8), T.NV12, ValueError, "even width and height, got 5x3"),
    (np.zeros((2, 2, 2), np.uint8), T.BGR888i, ValueError, r"got shape \(2, 2, 2\)"),
    (np.zeros((4,), np.uint8), T.GRAY8, ValueError, "expected an"),
])
def test_setCvFrame_errors(src, type_, error, match):
    with pytest.raises(error, match=match):
        ImgFrame().setCvFrame(src, type_)


def test_camera_settings_and_exposure_offsets():
    f = ImgFrame().setTimestamp(timedelta(seconds=10)).setTimestampDevice(timedelta(seconds=2))
    assert f._set_camera_settings(exposure_us=10001, sensitivity_iso=400, lens_position=130, wb_color_temp=5600,
                                  lens_position_raw=0.25) is f
    assert f.getExposureTime() == timedelta(microseconds=10001)
    assert (f.getSensitivity(), f.getLensPosition(), f.getColorTemperature(), f.getLensPositionRaw()) == \
        (400, 130, 5600, 0.25)
    assert f.getTimestamp() == timedelta(seconds=10)
    assert f.getTimestamp(CameraExposureOffset.END) == timedelta(seconds=10)
    assert f.getTimestamp(CameraExposureOffset.START) == timedelta(seconds=10) - timedelta(microseconds=10001)
    assert f.getTimestamp(CameraExposureOffset.MIDDLE) == timedelta(seconds=10) - timedelta(microseconds=5000)
    assert f.getTimestampDevice(CameraExposureOffset.START) == timedelta(seconds=2) - timedelta(microseconds=10001)
    f._set_camera_settings(sensitivity_iso=800)
    assert (f.getSensitivity(), f.getLensPosition()) == (800, 130)


def test_importing_messages_does_not_import_cv2():
    code = "import sys, oakling.messages; print('cv2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", "importing oakling (or oakling.messages) pulled in cv2"
