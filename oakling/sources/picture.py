"""What every source gives and raises: pictures (BGR arrays, or `Yuv420` planes straight from a
decoder) and `SourceError` for a source that cannot be used."""
from __future__ import annotations


class Yuv420:
    """A picture as 4:2:0 planes in limited ("TV") range, as decoders give them: Y (H×W, both even),
    U and V (H/2×W/2). The planes may be views into the decoder's frame, which `owner` keeps alive."""

    __slots__ = ("y", "u", "v", "owner")

    def __init__(self, y, u, v, owner=None):
        self.y, self.u, self.v, self.owner = y, u, v, owner

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.y.shape[0], self.y.shape[1], 3

    def to_bgr(self):
        """The whole picture in BGR (OpenCV's BT.601 conversion)."""
        import cv2
        import numpy as np
        h, w = self.y.shape
        i420 = np.empty((h * 3 // 2, w), np.uint8)
        flat = i420.reshape(-1)
        flat[:h * w].reshape(h, w)[...] = self.y
        quarter = (h // 2) * (w // 2)
        flat[h * w:h * w + quarter].reshape(h // 2, w // 2)[...] = self.u
        flat[h * w + quarter:].reshape(h // 2, w // 2)[...] = self.v
        return cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420)


class SourceError(RuntimeError):
    """A camera source that cannot be used: a missing file, an unreadable video, an empty folder."""
