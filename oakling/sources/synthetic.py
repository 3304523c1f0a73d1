"""The synthetic camera: a test pattern that scrolls down by a few rows each frame.

Frames are row windows into a pattern stacked twice, so each frame is a contiguous view that
costs no copy to make, and the picture wraps seamlessly. The pattern lives in a published shared
region, so frames reach other processes (the host, scripts) by reference, without a copy. Views
are read-only: nodes make new frames, they never write into their inputs. With `gray=True` (for
MonoCamera) the pattern is its green channel, kept the same way, so grey frames cost no copy either.
"""
from __future__ import annotations

import numpy as np

from ..link.sharedmem import shared_array

_BARS_BGR = [(255, 255, 255), (0, 255, 255), (255, 255, 0), (0, 255, 0),
             (255, 0, 255), (0, 0, 255), (255, 0, 0), (16, 16, 16)]


def pattern(width: int, height: int) -> np.ndarray:
    """One period of the pattern: colour bars over a diagonal ramp, with a grid (BGR, H×W×3)."""
    y, x = np.mgrid[0:height, 0:width]
    ramp = ((x + y) * 255 // max(1, width + height)).astype(np.uint8)
    img = np.repeat(ramp[:, :, None], 3, axis=2)
    bar_w = max(1, width // len(_BARS_BGR))
    top = height // 2
    for k, colour in enumerate(_BARS_BGR):
        img[:top, k * bar_w:(k + 1) * bar_w] = colour
    step = max(8, min(width, height) // 8)
    img[::step, :] = 128
    img[:, ::step] = 128
    return img


class SyntheticSource:
    """`read()` returns the next BGR frame (a read-only view, H×W×3; H×W with `gray`) of a
    scrolling pattern. It never ends."""

    static = False

    def __init__(self, width: int, height: int, rows_per_frame: int | None = None, gray: bool = False):
        self.width, self.height = width, height
        self.name = "synthetic"
        self.frames = 0
        tile = pattern(width, height)
        if gray:
            tile = tile[:, :, 1]
        self._strip, self._region = shared_array((2 * height,) + tile.shape[1:])
        self._strip[:height] = tile
        self._strip[height:] = tile
        self._strip.flags.writeable = False
        self._region.publish()
        self._step = rows_per_frame or max(1, height // 120)
        self._offset = 0

    def read(self) -> np.ndarray:
        top = self._offset
        self._offset = (self._offset + self._step) % self.height
        self.frames += 1
        return self._strip[top:top + self.height]

    def read_at(self, t: float) -> np.ndarray:
        """One new picture per camera frame, whatever the time."""
        return self.read()

    def close(self):
        self._region.release()
