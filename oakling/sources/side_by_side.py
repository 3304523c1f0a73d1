"""One side-by-side stereo video feeding both cameras of the pair: its left half is CAM_B (LEFT),
its right half CAM_C (RIGHT).

    dai.Device(pipeline, stereo="sbs.mp4")          # or OAKLING_STEREO=sbs.mp4, `oakling run --stereo sbs.mp4`

Both cameras read one decoder, shared in the device process (`half_source`): each picture is
decoded once, and each camera gets its half, as a view (no copy). The two frames made from one
picture carry the same sequence number and timestamp (`stamp`), so StereoDepth pairs them as an
OAK's synchronised pair. Offline, each camera takes every picture in order; a camera more than
`AHEAD` pictures ahead of the other waits for it a while (so that the pair stays in step without
either waiting forever on a camera whose frames nobody reads). In real time, each camera shows the
picture on screen when it captures; a picture's number is the order in which it was first shown.
"""
from __future__ import annotations

import threading

from .picture import SourceError, Yuv420

AHEAD = 16          # pictures a camera may run ahead of the other before it waits
WAIT_S = 1.0        # how long it waits, per picture, before it goes on anyway
KEEP = 64           # pictures kept at most for a camera that lags (older ones it skips)
SIDES = ("left", "right")

_shared: dict[tuple, "SideBySide"] = {}
_shared_lock = threading.Lock()


def half(picture, side: str):
    """The left or right half of a picture (an array, or Yuv420 planes), as views."""
    if isinstance(picture, Yuv420):
        w = picture.y.shape[1] // 2
        c = picture.u.shape[1] // 2
        if side == "left":
            return Yuv420(picture.y[:, :w], picture.u[:, :c], picture.v[:, :c], picture.owner)
        return Yuv420(picture.y[:, w:2 * w], picture.u[:, c:2 * c], picture.v[:, c:2 * c], picture.owner)
    w = picture.shape[1] // 2
    return picture[:, :w] if side == "left" else picture[:, w:2 * w]


class SideBySide:
    """The decoder both halves share, and the pictures one half has read and the other not yet."""

    def __init__(self, key, open_whole):
        self.key = key
        self._open_whole = open_whole
        self._source = None
        self._cond = threading.Condition()
        self._pictures: dict[int, object] = {}  # number -> picture (None at the end), until both have it
        self._stamps: dict[int, int] = {}       # number -> timestamp, once a camera has sent it
        self._decoded = 0                        # pictures read from the source so far
        self._positions: dict[str, int] = {}     # side -> the next number it reads (offline)
        self._users = 0
        self._shown = None                       # real time: (picture on screen, its number)

    # -- halves come and go --
    def attach(self, side: str):
        with self._cond:
            if self._source is None:
                self._source = self._open_whole()
            self._users += 1
            self._positions.setdefault(side, min(self._pictures, default=self._decoded))
            return self._source

    def detach(self, side: str) -> bool:
        """True once no half uses the source (it is closed then)."""
        with self._cond:
            self._users -= 1
            self._positions.pop(side, None)
            self._cond.notify_all()
            if self._users > 0:
                return False
            if self._source is not None:
                self._source.close()
                self._source = None
            return True

    # -- offline: every picture, in order --
    def read(self, side: str):
        """(number, the whole picture or None at the end) of the next picture this side reads."""
        with self._cond:
            number = self._positions[side]
            deadline_waits = 0
            while self._others_behind(side, number) and deadline_waits < 1:
                if not self._cond.wait(WAIT_S):
                    deadline_waits += 1
            if number not in self._pictures:
                if number < self._decoded:    # dropped while this side lagged: skip to the oldest kept
                    number = min(self._pictures, default=self._decoded)
                while self._decoded <= number:
                    picture = self._source.read()
                    self._pictures[self._decoded] = picture
                    self._decoded += 1
                    if picture is None:
                        number = self._decoded - 1
                        break
            picture = self._pictures[number]
            self._positions[side] = number + (picture is not None)
            self._forget()
            self._cond.notify_all()
            return number, picture

    def _others_behind(self, side: str, number: int) -> bool:
        return any(number - at >= AHEAD for s, at in self._positions.items() if s != side)

    def _forget(self):
        # Until both halves read, a picture waits (up to KEEP) for the half that has not opened yet.
        both = len(self._positions) == len(SIDES)
        oldest = min(self._positions.values()) if both else 0
        for number in [n for n in self._pictures if n < oldest or n < self._decoded - KEEP]:
            del self._pictures[number]

    # -- real time: the picture on screen --
    def read_at(self, t: float):
        with self._cond:
            picture = self._source.read_at(t)
            if picture is None:
                return None, None
            if self._shown is None or self._shown[0] is not picture:
                self._shown = (picture, self._decoded)
                self._pictures = {self._decoded: picture}
                self._decoded += 1
            return self._shown[1], picture

    def stamp(self, number: int, now_ns: int) -> int:
        """The timestamp of picture `number`: the time the first camera to send it gave."""
        with self._cond:
            ts = self._stamps.get(number)
            if ts is None:
                ts = self._stamps[number] = now_ns
                for old in [n for n in self._stamps if n < number - KEEP]:
                    del self._stamps[old]
            return ts


class HalfSource:
    """One camera's half of a side-by-side source (the source interface of sources/__init__.py)."""

    static = False

    def __init__(self, shared: SideBySide, side: str, name: str):
        self._shared, self.side = shared, side
        whole = shared.attach(side)
        self.name = f"{name} ({side} half)"
        self.static = bool(getattr(whole, "static", False))
        width = getattr(whole, "width", None)
        if width is not None:
            if width % 2:
                raise SourceError(f"{name}: a side-by-side picture must have an even width, got {width}")
            self.width, self.height = width // 2, whole.height
        self.frames = 0
        self._number = None

    def read(self):
        self._number, picture = self._shared.read(self.side)
        return self._half(picture)

    def read_at(self, t: float):
        self._number, picture = self._shared.read_at(t)
        return self._half(picture)

    def _half(self, picture):
        if picture is None:
            return None
        if picture.shape[1] % 2:
            raise SourceError(f"{self.name}: a side-by-side picture must have an even width, got {picture.shape[1]}")
        self.frames += 1
        return half(picture, self.side)

    def stamp(self, seq: int, now_ns: int) -> tuple[int, int]:
        """(sequence number, timestamp) of the picture just read: the same for both halves."""
        return self._number, self._shared.stamp(self._number, now_ns)

    def close(self):
        if self._shared is not None:
            with _shared_lock:
                if self._shared.detach(self.side):
                    _shared.pop(self._shared.key, None)
            self._shared = None


def half_source(description: dict, side: str, gray: bool, loop: bool, open_whole) -> HalfSource:
    """The `side` half of the described source, sharing one decoder with the other half.
    `open_whole()` opens the whole source (once)."""
    if side not in SIDES:
        raise SourceError(f"side-by-side: unknown half {side!r} — 'left' (CAM_B) or 'right' (CAM_C)")
    key = (description.get("kind"), description.get("path"), gray, loop)
    with _shared_lock:
        shared = _shared.get(key)
        if shared is None:
            shared = _shared[key] = SideBySide(key, open_whole)
    return HalfSource(shared, side, description.get("name", "side-by-side"))
