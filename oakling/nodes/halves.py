"""A pass over a large picture done as two halves at once: the top on the calling thread, the bottom
on a helper thread (OpenCV and NumPy let the GIL go meanwhile).

    top, bottom = halves(lambda first, end: work(rows first..end), height)
    flip(src, 1, dst)          # cv2.flip, in halves when the picture is large
    copy(dst, src)             # np.copyto, the same

For the passes OpenCV does not spread over the cores itself (a flip, a copy) and for our own
(StereoDepth's sub-pixel refinement): on 2 cores such a pass over a 1080p frame takes a little over
half as long. One helper thread serves the whole process: nodes that ask at once take turns on it.
"""
from __future__ import annotations

import threading

import numpy as np

LARGE = 1 << 20   # bytes: smaller pictures are done in one piece (handing half over costs ~30 µs)

_helper = []
_lock = threading.Lock()


def halves(work, height: int, cut: int | None = None):
    """(work(0, cut), work(cut, height)), the second on the helper thread; `cut` defaults to half."""
    cut = height // 2 if cut is None else cut
    if not _helper:
        with _lock:
            if not _helper:
                from concurrent.futures import ThreadPoolExecutor
                _helper.append(ThreadPoolExecutor(1, thread_name_prefix="halves"))
    bottom = _helper[0].submit(work, cut, height)
    try:
        top = work(0, cut)
    finally:
        lower = bottom.result()   # never leave the helper writing into memory the caller may reuse
    return top, lower


def flip(src: np.ndarray, code: int, dst: np.ndarray) -> np.ndarray:
    """cv2.flip(src, code, dst=dst): rows of dst come from the same rows of src (code 1, around the
    vertical axis) or from the mirrored ones (0 and -1)."""
    import cv2
    height = src.shape[0]
    if src.nbytes < LARGE or height < 2:
        return cv2.flip(src, code, dst=dst)

    def rows(first, end):
        cv2.flip(src[first:end] if code == 1 else src[height - end:height - first], code, dst=dst[first:end])
    halves(rows, height)
    return dst


def copy(dst: np.ndarray, src: np.ndarray) -> np.ndarray:
    """np.copyto(dst, src) for arrays of one shape."""
    height = src.shape[0]
    if src.nbytes < LARGE or height < 2:
        np.copyto(dst, src)
        return dst

    def rows(first, end):
        np.copyto(dst[first:end], src[first:end])
    halves(rows, height)
    return dst
