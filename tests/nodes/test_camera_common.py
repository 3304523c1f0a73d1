"""What ColorCamera and MonoCamera share (camera_common.py): how a source picture is fitted to a
sensor and cropped, resized and packed (pure functions, in tables), which socket a camera uses, and
the initial control as the schema carries it. The capture loop is tested through the cameras, in
test_color_camera.py and test_mono_camera.py."""
import json

import cv2
import numpy as np
import pytest

import oakling as dai
from oakling.nodes.camera_common import (camera_control_properties, centred_aspect_crop, crop_resize,
                                         planes_crop_resize, planes_to, resolve_socket, sensor_window, sub_window)
from oakling.sources.picture import Yuv420


@pytest.mark.parametrize("src, sensor, window", [
    ((1920, 1080), (1920, 1080), (0, 0, 1920, 1080)),
    ((1280, 720), (1920, 1080), (0, 0, 1280, 720)),           # same shape: scaled, nothing cut
    ((640, 480), (1920, 1080), (0, 60, 640, 360)),            # 4:3 on 16:9: top and bottom cut
    ((1080, 1920), (1920, 1080), (0, 656.25, 1080, 607.5)),   # portrait on landscape
    ((3840, 1080), (1920, 1080), (960, 0, 1920, 1080)),       # very wide: sides cut
    ((320, 200), (640, 400), (0, 0, 320, 200)),
])
def test_the_source_covers_the_sensor_centred(src, sensor, window):
    assert sensor_window(*src, *sensor) == pytest.approx(window)


@pytest.mark.parametrize("window, size, rect, source_rect", [
    ((0, 0, 1920, 1080), (1920, 1080), (10, 20, 30, 40), (10, 20, 30, 40)),     # same pixels
    ((0, 0, 1920, 1080), (960, 540), (100, 50, 200, 100), (200, 100, 400, 200)),  # a half-size image
    ((0, 60, 640, 360), (1920, 1080), (0, 0, 1920, 1080), (0, 60, 640, 360)),   # all of it: the window
    ((0, 60, 640, 360), (1920, 1080), (960, 540, 960, 540), (320, 240, 320, 180)),
    ((420, 0, 1080, 1080), (300, 300), (150, 0, 150, 300), (960, 0, 540, 1080)),
    ((0, 0, 1920, 1080), (960, 1080), (100, 100, 200, 200), (200, 100, 400, 200)),   # anamorphic: x halved
])
def test_a_rect_of_an_image_made_from_a_window_maps_back_to_source_pixels(window, size, rect, source_rect):
    assert sub_window(window, *size, rect) == pytest.approx(source_rect)


@pytest.mark.parametrize("size, aspect, crop", [
    ((1920, 1080), (300, 300), (420, 0, 1080, 1080)),
    ((1920, 1080), (1920, 1080), (0, 0, 1920, 1080)),
    ((1920, 1080), (640, 480), (240, 0, 1440, 1080)),
    ((1080, 1080), (1920, 1080), (0, 236, 1080, 608)),
    ((4056, 3040), (4032, 3040), (12, 0, 4032, 3040)),
])
def test_centred_aspect_crop(size, aspect, crop):
    assert centred_aspect_crop(*size, *aspect) == crop


def test_crop_resize_is_a_view_when_nothing_needs_resizing():
    img = np.arange(100 * 80 * 3, dtype=np.uint8).reshape(100, 80, 3)
    crop = crop_resize(img, (10, 20, 40, 30), 40, 30)
    assert np.shares_memory(crop, img) and crop.shape == (30, 40, 3)
    np.testing.assert_array_equal(crop, img[20:50, 10:50])
    assert crop_resize(img, (0, 0, 80, 100), 40, 50).shape == (50, 40, 3)


GREY = np.arange(60 * 80, dtype=np.uint32).reshape(60, 80).astype(np.uint8)


@pytest.mark.parametrize("window, size, expected", [
    ((9.6, 20.4, 40.2, 29.8), (40, 30), GREY[20:50, 10:50]),                 # rounded to whole pixels
    ((-5, -5, 20, 20), (15, 15), GREY[0:15, 0:15]),                          # clamped to the picture
    ((70, 50, 30, 30), (10, 10), GREY[50:60, 70:80]),
    ((0, 0, 80, 60), (40, 30), cv2.resize(GREY, (40, 30), interpolation=cv2.INTER_AREA)),      # shrinking
    ((0, 0, 40, 30), (80, 60), cv2.resize(GREY[:30, :40], (80, 60), interpolation=cv2.INTER_LINEAR)),
])
def test_crop_resize_rounds_clamps_and_resizes_as_opencv(window, size, expected):
    np.testing.assert_array_equal(crop_resize(GREY, window, *size), expected)


def yuv_picture(w=64, h=48):
    """A Yuv420 picture whose planes differ everywhere: a wrong plane or offset shows."""
    y = (np.arange(h * w).reshape(h, w) % 219 + 16).astype(np.uint8)
    u = (np.arange((h // 2) * (w // 2)).reshape(h // 2, w // 2) * 3 % 224 + 16).astype(np.uint8)
    v = (255 - u).astype(np.uint8)
    return Yuv420(y, u, v)


def test_planes_crop_resize_crops_the_chroma_planes_at_half_the_window():
    picture = yuv_picture()
    y, u, v = planes_crop_resize(picture, (16, 8, 32, 24), 32, 24)
    np.testing.assert_array_equal(y, picture.y[8:32, 16:48])
    np.testing.assert_array_equal(u, picture.u[4:16, 8:24])
    np.testing.assert_array_equal(v, picture.v[4:16, 8:24])
    y, u, v = planes_crop_resize(picture, (0, 0, 64, 48), 32, 24)
    assert (y.shape, u.shape, v.shape) == ((24, 32), (12, 16), (12, 16))


@pytest.mark.parametrize("nv12, conversion", [(False, cv2.COLOR_YUV2BGR_I420), (True, cv2.COLOR_YUV2BGR_NV12)])
def test_planes_pack_as_opencv_reads_i420_and_nv12(nv12, conversion):
    """Packed either way, the same planes are the same picture to OpenCV."""
    picture = yuv_picture()
    packed = planes_to(picture.y, picture.u, picture.v, nv12)
    assert packed.shape == (72, 64)
    np.testing.assert_array_equal(packed[:48], picture.y)
    i420 = np.vstack((picture.y, picture.u.reshape(12, 64), picture.v.reshape(12, 64)))
    np.testing.assert_array_equal(cv2.cvtColor(packed, conversion), cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420))


@pytest.mark.parametrize("node, props, socket", [
    ("ColorCamera", {}, 0), ("MonoCamera", {}, 1),
    ("MonoCamera", {"boardSocket": 2}, 2), ("ColorCamera", {"cameraName": "left"}, 1),
    ("MonoCamera", {"cameraName": "right"}, 2), ("MonoCamera", {"cameraName": "CAM_D"}, 3),
    ("ColorCamera", {"cameraName": "color"}, 0), ("ColorCamera", {"boardSocket": 1, "cameraName": "right"}, 1),
])
def test_auto_socket_per_camera_type_as_gen2(node, props, socket):
    default = {"ColorCamera": 0, "MonoCamera": 1}[node]
    assert resolve_socket({"boardSocket": -1, "cameraName": "", **props}, default) == socket


@pytest.mark.parametrize("name, socket", [(" Color ", 0), ("RGB", 0), ("cam_c", 2), ("nowhere", 1), ("", 1)])
def test_a_camera_name_is_read_loosely_and_an_unknown_one_is_auto(name, socket):
    assert resolve_socket({"boardSocket": -1, "cameraName": name}, 1) == socket


def test_the_initial_control_is_carried_as_gen2s_raw_fields():
    control = dai.CameraControl().setManualExposure(8000, 400).setManualFocus(120).setBrightness(-2)
    fields = camera_control_properties(control)
    assert list(fields)[:3] == ["cmdMask", "autoFocusMode", "lensPosition"] and len(fields) == 31
    assert fields["lensPosition"] == 120 and fields["brightness"] == -2
    assert fields["expManual"] == {"exposureTimeUs": 8000, "sensitivityIso": 400, "frameDurationUs": 0}
    assert json.loads(json.dumps(fields)) == fields   # JSON values: a struct would not serialise
