"""A video file as a camera, decoded with PyAV (mp4, mkv, avi…; H.264, H.265, MJPEG, anything
FFmpeg reads).

    source = VideoSource("clip.mp4", loop=True)
    picture = source.read()        # the next frame, BGR H×W×3, or None at the end
    picture = source.read_at(2.5)  # the frame on screen 2.5 s after the start (real time)

Decoding runs in the caller's thread (the camera's); PyAV releases the GIL while FFmpeg works and
decodes with threads where the codec can (`thread_type = "AUTO"`). Frames are not converted to BGR
here: 4:2:0 frames in TV range (H.264/H.265 as usually encoded) come out as `Yuv420` views of the
decoder's planes, with no copy, and the camera converts only the small outputs it sends; for
MonoCamera the grey picture is the Y plane. Other formats (MJPEG's full-range yuvj420p, 4:2:2,
odd sizes…) are converted to BGR/grey by FFmpeg's scaler, which can also scale big videos down in
the same pass (`set_output_size`). In real time, frames that fall between two camera frames are
decoded (they must be, for the frames after them) but never converted.
"""
from __future__ import annotations

import numpy as np

from .picture import SourceError, Yuv420

_LUMA_FIRST = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "nv21",
               "yuv420p10le", "gray"}
_FULL_RANGE = 2   # AVCOL_RANGE_JPEG
_TV_TO_FULL = None


def _expand_range(y: np.ndarray) -> np.ndarray:
    """TV-range luma (16…235) stretched to 0…255, as a grey camera would give it."""
    global _TV_TO_FULL
    import cv2
    if _TV_TO_FULL is None:
        _TV_TO_FULL = np.clip((np.arange(256) - 16) * 255.0 / 219.0 + 0.5, 0, 255).astype(np.uint8)
    return cv2.LUT(y, _TV_TO_FULL)


def _plane(frame, index: int, width: int, height: int) -> np.ndarray:
    """A plane of a decoded frame as an H×W view (rows may be padded), no copy."""
    plane = frame.planes[index]
    return np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[:height, :width]


def _av():
    try:
        import av
    except ImportError:
        raise SourceError("reading video files needs PyAV — install it with `pip install av`") from None
    return av


def probe(path: str, where: str):
    """Check on the host that `path` is a video FFmpeg can open and decode; SourceError if not."""
    av = _av()
    try:
        with av.open(path) as container:
            if not container.streams.video:
                raise SourceError(f"{where}: '{path}' has no video stream — name a video file, an image "
                                  f"or a folder of images")
            stream = container.streams.video[0]
            if stream.codec_context is None or not stream.codec_context.name:
                raise SourceError(f"{where}: '{path}': FFmpeg has no decoder for its video codec — "
                                  f"convert it, e.g. `ffmpeg -i in -c:v libx264 out.mp4`")
    except av.FFmpegError as e:
        raise SourceError(f"{where}: cannot read '{path}' as a video ({e.strerror or e}) — name a video "
                          f"file FFmpeg can read (mp4, mkv, avi…), an image or a folder of images") from None


class VideoSource:
    static = False

    def __init__(self, path: str, *, gray: bool = False, loop: bool = False, name: str | None = None):
        self.path = path
        self.name = name or path
        self.gray = gray
        self.loop = loop
        self.frames = 0                      # frames decoded from the file, over all loops
        self._format = "gray" if gray else "bgr24"
        self._size: tuple[int, int] | None = None
        self._container = None
        self._open()
        stream = self._stream
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        self.fps = float(rate) if rate else 30.0
        self.width, self.height = stream.codec_context.width, stream.codec_context.height
        self._period = 1.0 / self.fps
        self._offset = 0.0                   # play time at which the current pass started
        self._pending = None                 # (time, av.VideoFrame) decoded, not yet shown
        self._current = None                 # (time, av.VideoFrame) shown now
        self._picture = None                 # _current converted, once asked for
        self._ended = False

    def _open(self):
        av = _av()
        if self._container is not None:
            self._container.close()
        try:
            self._container = av.open(self.path)
        except av.FFmpegError as e:
            raise SourceError(f"{self.name}: cannot open the video: {e.strerror or e}") from None
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        self._decoder = self._container.decode(self._stream)
        self._pass_frames = 0
        self._pass_start = None
        self._last_time = 0.0

    def set_output_size(self, width: int, height: int):
        """Have frames converted at width×height (FFmpeg scales during the colour conversion)."""
        if (width, height) != (self.width, self.height):
            self._size = (int(width), int(height))

    def _decode(self):
        """The next frame as (play time in seconds, av.VideoFrame), or None at the end; loops."""
        av = _av()
        while True:
            try:
                frame = next(self._decoder)
            except StopIteration:
                if not self.loop or self._pass_frames == 0:
                    return None
                self._offset += self._last_time + self._period
                self._open()
                continue
            except av.FFmpegError as e:
                raise SourceError(f"{self.name}: cannot decode frame {self.frames}: {e.strerror or e}") from None
            if frame.time is None:
                t = self._pass_frames * self._period
            else:
                if self._pass_start is None:
                    self._pass_start = frame.time
                t = frame.time - self._pass_start
            self._pass_frames += 1
            self.frames += 1
            self._last_time = t
            return self._offset + t, frame

    def _convert(self, frame):
        av = _av()
        fmt, w, h = frame.format.name, frame.width, frame.height
        if self.gray and fmt in _LUMA_FIRST and fmt != "yuv420p10le":
            y = _plane(frame, 0, w, h)
            full = fmt.startswith("yuvj") or fmt == "gray" or frame.color_range == _FULL_RANGE
            return y if full else _expand_range(y)
        if (not self.gray and fmt == "yuv420p" and frame.color_range != _FULL_RANGE
                and w % 2 == 0 and h % 2 == 0):
            return Yuv420(_plane(frame, 0, w, h), _plane(frame, 1, w // 2, h // 2),
                          _plane(frame, 2, w // 2, h // 2), frame)
        try:
            if self._size:
                return frame.to_ndarray(format=self._format, width=self._size[0], height=self._size[1],
                                        interpolation="AREA")
            return frame.to_ndarray(format=self._format)
        except av.FFmpegError as e:
            raise SourceError(f"{self.name}: cannot convert frame {self.frames}: {e.strerror or e}") from None

    def read(self) -> np.ndarray | None:
        """The next frame, every one in order."""
        if self._pending is not None:
            item, self._pending = self._pending, None
        else:
            item = self._decode()
        if item is None:
            return None
        self._current, self._picture = item, None
        self._picture = self._convert(item[1])
        return self._picture

    def read_at(self, t: float) -> np.ndarray | None:
        """The frame on screen `t` seconds into playback: the last one whose time is ≤ t. Frames in
        between are skipped, and a frame stays on screen until the next one is due. None once the
        video has ended (not looping) and its last frame has had its time on screen."""
        while True:
            if self._pending is None and not self._ended:
                self._pending = self._decode()
                self._ended = self._pending is None
            if self._pending is None:
                break
            if self._current is not None and self._pending[0] > t:
                break
            self._current, self._pending, self._picture = self._pending, None, None
        if self._current is None:
            return None
        if self._ended and self._picture is not None and t >= self._current[0] + self._period:
            return None
        if self._picture is None:
            self._picture = self._convert(self._current[1])
        return self._picture

    def close(self):
        if self._container is not None:
            self._container.close()
            self._container = None
