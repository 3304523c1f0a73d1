"""A webcam as a camera, through OpenCV's VideoCapture.

    WebcamSource(0, width=1920, height=1080).read()   # the next frame from /dev/video0

The webcam is asked for the camera's sensor size (it picks the nearest mode it has; the camera fits
whatever comes). It keeps at most one frame buffered, so a frame is as fresh as the webcam allows;
the webcam's own rate caps the camera's. It never ends, unless it is unplugged: then reading fails
with a SourceError.
"""
from __future__ import annotations

import numpy as np

from .picture import SourceError


class WebcamSource:
    static = False

    def __init__(self, index: int, *, gray: bool = False, width: int | None = None, height: int | None = None):
        import cv2
        self.index = index
        self.name = f"webcam {index}"
        self.gray = gray
        self.frames = 0
        self._capture = cv2.VideoCapture(index)
        if not self._capture.isOpened():
            raise SourceError(f"{self.name}: OpenCV cannot open the webcam (is it in use, or not a camera?)")
        self._capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        if width and height:
            self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self.width = int(self._capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        self.height = int(self._capture.get(cv2.CAP_PROP_FRAME_HEIGHT))

    def read(self) -> np.ndarray:
        import cv2
        ok, frame = self._capture.read()
        if not ok or frame is None:
            raise SourceError(f"{self.name}: no frame from the webcam after {self.frames} frames (unplugged?)")
        self.frames += 1
        if self.gray and frame.ndim == 3:
            return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        return frame

    def read_at(self, t: float) -> np.ndarray:
        return self.read()

    def close(self):
        self._capture.release()
