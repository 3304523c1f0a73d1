"""`--record DIR`: every frame a program shows with `cv2.imshow`, saved per window.

    recorder = Recorder("out", fmt="png")
    recorder.add("preview", frame)        # a copy is queued; a writer thread saves it
    for line in recorder.close():         # waits for the queue to drain
        print(line)                       # recorded 5 frames of window 'preview' to out/preview/

PNG (the default): `DIR/<window>/000000.png`, `000001.png`, … — a window's earlier PNGs in that
folder are removed first, so the folder holds exactly this run's frames. MP4:
`DIR/<window>.mp4`, H.264, with each frame stamped at the time it was shown. A window name is made
safe for a file name (`"Depth map"` → `Depth_map`).

Frames are saved as imshow would display them (displayable()): 16-bit images divided by 256,
float images multiplied by 255, both clipped to 0..255.
"""
from __future__ import annotations

import os
import queue
import re
import threading
import time
from fractions import Fraction

import numpy as np

FORMATS = ("png", "mp4")
_PNG_NAME = re.compile(r"^\d{6,}\.png$")
_QUEUE_FRAMES = 32   # frames waiting for the writer before imshow waits for it


def displayable(image) -> np.ndarray:
    """What `cv2.imshow(name, image)` would display, as a new uint8 array of shape HxW, HxWx3
    (BGR) or HxWx4 (BGRA)."""
    if hasattr(image, "get") and not isinstance(image, np.ndarray):   # cv2.UMat
        image = image.get()
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)) or array.size == 0:
        raise ValueError(f"cv2.imshow: expected an image of shape HxW, HxWx1, HxWx3 or HxWx4, "
                         f"got shape {array.shape}")
    if array.dtype == np.uint8:
        return array.copy()
    if array.dtype == np.bool_:
        return array.astype(np.uint8) * 255
    if array.dtype == np.uint16:
        return (array >> 8).astype(np.uint8)
    if np.issubdtype(array.dtype, np.floating):
        return np.clip(np.nan_to_num(array) * 255.0, 0, 255).astype(np.uint8)
    return np.clip(array, 0, 255).astype(np.uint8)


def window_slug(name: str) -> str:
    """A file-name-safe form of a window name."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", str(name)).strip("._")
    return slug or "window"


class _PngSink:
    def __init__(self, directory: str):
        self.path = directory
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            if _PNG_NAME.match(name):
                os.remove(os.path.join(directory, name))
        self.count = 0

    def write(self, image: np.ndarray, shown_at: float):
        import cv2
        path = os.path.join(self.path, f"{self.count:06d}.png")
        if not cv2.imwrite(path, image, [cv2.IMWRITE_PNG_COMPRESSION, 1]):
            raise OSError(f"could not write {path}")
        self.count += 1

    def close(self):
        pass

    def describe(self) -> str:
        return self.path + os.sep


class _Mp4Sink:
    """H.264 (MPEG-4 Part 2 if this FFmpeg has no H.264 encoder) at the size of the window's first
    frame, rounded up to even; later frames of another size are resized to it."""

    _PIXEL_FORMATS = {1: "gray", 3: "bgr24", 4: "bgra"}   # by channel count

    def __init__(self, path: str):
        import av
        self._av = av
        self.path = path
        self._container = av.open(path, mode="w")
        self._stream = None
        self._first_at = 0.0
        self._last_pts = -1
        self.count = 0

    def _open_stream(self, image: np.ndarray, shown_at: float):
        codec = "h264" if "h264" in self._av.codecs_available else "mpeg4"
        stream = self._container.add_stream(codec, rate=30)
        stream.height, stream.width = (-(-n // 2) * 2 for n in image.shape[:2])
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        self._stream = stream
        self._first_at = shown_at

    def write(self, image: np.ndarray, shown_at: float):
        import cv2
        if self._stream is None:
            self._open_stream(image, shown_at)
        size = (self._stream.width, self._stream.height)
        if (image.shape[1], image.shape[0]) != size:
            image = cv2.resize(image, size)
        channels = 1 if image.ndim == 2 else image.shape[2]
        frame = self._av.VideoFrame.from_ndarray(np.ascontiguousarray(image),
                                                 format=self._PIXEL_FORMATS[channels])
        pts = max(int(round((shown_at - self._first_at) * 1000)), self._last_pts + 1)
        frame.pts, frame.time_base = pts, Fraction(1, 1000)
        self._last_pts = pts
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.count += 1

    def close(self):
        if self._stream is not None:
            for packet in self._stream.encode():
                self._container.mux(packet)
        self._container.close()

    def describe(self) -> str:
        return self.path


class Recorder:
    """Saves frames per window on a writer thread; `close()` drains it and describes what was
    saved. `max_frames` caps the frames kept per window (`--max-frames`)."""

    def __init__(self, directory: str, fmt: str = "png", max_frames: int | None = None):
        if fmt not in FORMATS:
            raise ValueError(f"--record-format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
        self.directory = directory
        self.fmt = fmt
        self.max_frames = max_frames
        self.error: str | None = None
        self._counts: dict[str, int] = {}
        self._names: dict[str, str] = {}     # window → file-safe name, unique
        self._sinks: dict[str, object] = {}
        self._queue: queue.Queue = queue.Queue(maxsize=_QUEUE_FRAMES)
        self._thread = threading.Thread(target=self._write, name="oakling-run-recorder", daemon=True)
        self._thread.start()

    def add(self, window: str, image) -> None:
        """Queue a copy of `image` as the next frame of `window` (as imshow would display it)."""
        if self.error is not None:
            return
        count = self._counts.get(window, 0)
        if self.max_frames is not None and count >= self.max_frames:
            return
        frame = displayable(image)
        self._counts[window] = count + 1
        if window not in self._names:
            slug, n = window_slug(window), 2
            taken = set(self._names.values())
            unique = slug
            while unique in taken:
                unique, n = f"{slug}-{n}", n + 1
            self._names[window] = unique
        self._queue.put((window, frame, time.monotonic()))

    def _sink(self, window: str):
        sink = self._sinks.get(window)
        if sink is None:
            name = self._names[window]
            if self.fmt == "png":
                sink = _PngSink(os.path.join(self.directory, name))
            else:
                os.makedirs(self.directory, exist_ok=True)
                sink = _Mp4Sink(os.path.join(self.directory, name + ".mp4"))
            self._sinks[window] = sink
        return sink

    def _write(self):
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self.error is not None:
                continue
            window, frame, shown_at = item
            try:
                self._sink(window).write(frame, shown_at)
            except Exception as exc:   # reported by close(); the program goes on
                self.error = f"recording window {window!r} failed: {exc}"

    def close(self) -> list[str]:
        """Finish writing; one line per window saying what was saved (and the error, if any)."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        lines = []
        for window, sink in self._sinks.items():
            try:
                sink.close()
            except Exception as exc:
                self.error = self.error or f"finishing {sink.describe()} failed: {exc}"
            lines.append(f"recorded {sink.count} frame{'s' if sink.count != 1 else ''} of window "
                         f"{window!r} to {sink.describe()}")
        return lines
