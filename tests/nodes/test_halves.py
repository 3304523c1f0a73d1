"""halves: a pass over a large picture as two halves at once gives what the pass in one piece gives."""
import threading

import cv2
import numpy as np
import pytest

from oakling.nodes import halves


@pytest.mark.parametrize("shape", [(1080, 1920, 3), (1081, 1920), (3, 721, 1280), (10, 10, 3)])
@pytest.mark.parametrize("code", [1, 0, -1])
def test_flip_in_halves_is_cv2_flip(shape, code):
    src = np.random.default_rng(code + 1).integers(0, 256, shape, dtype=np.uint8)
    src = src[0] if len(shape) == 3 and shape[0] == 3 else src   # one plane of a planar frame
    dst = np.empty_like(src)
    assert halves.flip(src, code, dst) is dst
    np.testing.assert_array_equal(dst, cv2.flip(src, code))


def test_copy_in_halves_copies_a_crop_view():
    src = np.random.default_rng(0).integers(0, 256, (1080, 1920, 3), dtype=np.uint8)
    crop = src[101:1001, 300:1700]   # not contiguous
    dst = np.empty(crop.shape, np.uint8)
    assert halves.copy(dst, crop) is dst
    np.testing.assert_array_equal(dst, crop)


def test_the_bottom_half_runs_on_the_helper_thread_at_once_and_results_come_in_order():
    started = threading.Barrier(2, timeout=5)   # both halves must be running together to pass it
    threads = {}

    def work(first, end):
        threads[first] = threading.current_thread().name
        started.wait()
        return first, end
    assert halves.halves(work, 100) == ((0, 50), (50, 100))
    assert halves.halves(lambda a, b: (a, b), 100, cut=30) == ((0, 30), (30, 100))
    assert threads[0] == threading.current_thread().name and threads[50].startswith("halves")


def test_a_half_that_fails_raises_after_both_are_done():
    done = []

    def work(first, end):
        if first:
            done.append(end)
            return end
        raise ValueError("top half")
    with pytest.raises(ValueError, match="top half"):
        halves.halves(work, 10)
    assert done == [10]
