"""Still images as a camera: one image shown on every frame, or a folder of images in name order.

    ImageSource("desk.jpg").read()            # the same picture, every time (never ends)
    ImageFolderSource("frames/", loop=False)  # frames/img1.png, img2.png, …, img10.png, then None

A folder plays one image per camera frame, in name order with numbers compared as numbers
(img2 before img10); files that are not images (by extension) are ignored. Images are read with
OpenCV in the camera's thread as they are needed. A single image is decoded once and returned as
the same read-only array every time (`static`), so the camera can make each output once and send
it by reference from then on.
"""
from __future__ import annotations

import os
import re

import numpy as np

from .picture import SourceError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pnm")


def _natural_key(name: str):
    """Name order with numbers compared as numbers: img2.png before img10.png."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def list_images(folder: str) -> list[str]:
    names = [n for n in os.listdir(folder)
             if n.lower().endswith(IMAGE_EXTENSIONS) and not n.startswith(".")]
    return [os.path.join(folder, n) for n in sorted(names, key=_natural_key)]


def _imread(path: str, gray: bool, name: str) -> np.ndarray:
    import cv2
    image = cv2.imread(path, cv2.IMREAD_GRAYSCALE if gray else cv2.IMREAD_COLOR)
    if image is None:
        raise SourceError(f"{name}: cannot read '{path}' as an image")
    return image


class ImageSource:
    """One image, shown on every frame; it never ends."""

    static = True

    def __init__(self, path: str, *, gray: bool = False, name: str | None = None):
        self.name = name or path
        self.frames = 0
        self._picture = _imread(path, gray, self.name)
        self._picture.flags.writeable = False
        self.height, self.width = self._picture.shape[:2]

    def read(self) -> np.ndarray:
        self.frames += 1
        return self._picture

    def read_at(self, t: float) -> np.ndarray:
        return self.read()

    def close(self):
        pass


class ImageFolderSource:
    """The images of a folder in name order, one per frame; loops or ends after the last."""

    static = False

    def __init__(self, folder: str, *, gray: bool = False, loop: bool = False, name: str | None = None):
        self.folder = folder
        self.name = name or folder
        self.gray = gray
        self.loop = loop
        self.frames = 0
        self.paths = list_images(folder)
        if not self.paths:
            raise SourceError(f"{self.name}: the folder '{folder}' holds no images")
        self._next = 0

    def read(self) -> np.ndarray | None:
        if self._next >= len(self.paths):
            if not self.loop:
                return None
            self._next = 0
        path = self.paths[self._next]
        self._next += 1
        self.frames += 1
        return _imread(path, self.gray, self.name)

    def read_at(self, t: float) -> np.ndarray | None:
        """One image per camera frame: the camera's fps is the folder's frame rate."""
        return self.read()

    def close(self):
        pass
