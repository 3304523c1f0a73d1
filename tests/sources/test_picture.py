"""Yuv420 planes: their picture shape, and the BGR picture OpenCV's BT.601 conversion makes of them."""
import cv2
import numpy as np
import pytest

from oakling.sources.picture import SourceError, Yuv420


def planes(h, w, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.integers(16, 236, (h, w), np.uint8), rng.integers(16, 241, (h // 2, w // 2), np.uint8),
            rng.integers(16, 241, (h // 2, w // 2), np.uint8))


@pytest.mark.parametrize("h, w", [(2, 2), (4, 6), (48, 64)])
def test_to_bgr_is_opencvs_i420_conversion_of_the_planes(h, w):
    y, u, v = planes(h, w)
    i420 = np.concatenate([y.ravel(), u.ravel(), v.ravel()]).reshape(h * 3 // 2, w)
    picture = Yuv420(y, u, v)
    assert picture.shape == (h, w, 3)
    np.testing.assert_array_equal(picture.to_bgr(), cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420))


@pytest.mark.parametrize("yuv, bgr", [((16, 128, 128), (0, 0, 0)), ((235, 128, 128), (255, 255, 255)),
                                      ((81, 90, 240), (0, 0, 255))])   # limited range: black, white, red
def test_flat_planes_give_the_colour_they_stand_for(yuv, bgr):
    y, u, v = (np.full(shape, value, np.uint8) for shape, value in zip([(4, 4), (2, 2), (2, 2)], yuv))
    got = Yuv420(y, u, v).to_bgr()
    assert got.shape == (4, 4, 3) and np.abs(got.astype(int) - bgr).max() <= 2


def test_planes_that_are_views_into_a_decoders_frame_convert_the_same():
    frame = np.random.default_rng(1).integers(16, 236, (8, 12), np.uint8)   # a strided decoder buffer
    y, u, v = frame[:, :8], frame[::2, 8:12], frame[1::2, 8:12]
    owner = object()
    picture = Yuv420(y, u, v, owner=owner)
    assert picture.owner is owner
    np.testing.assert_array_equal(picture.to_bgr(), Yuv420(y.copy(), u.copy(), v.copy()).to_bgr())


def test_a_source_error_is_a_runtime_error():
    assert issubclass(SourceError, RuntimeError)
