"""A clock the test moves: time stands still until `advance(seconds)`.

    clock = ManualClock()        # at 0
    clock.advance(0.1)           # now 0.1 s; every sleeper due by then wakes

Workers get it as their `ctx.clock` (runtime/clock.py has the interface). A Script's process is
forked, so the time lives in a memfd-backed page the fork shares, and each `advance` rings an
eventfd that the script process waits on (`ScriptClock`): its `Clock.now()`, its messages'
timestamps and its `time` module follow the same clock.
"""
from __future__ import annotations

import mmap
import os
import threading
import time
import types

import numpy as np

_POLL = 0.05   # how often a sleeper looks at the device's stop event (real seconds)


def _ns(seconds: float) -> int:
    return int(round(seconds * 1e9))


class ManualClock:
    """Monotonic time in nanoseconds from `start` seconds, moved only by `advance`."""

    def __init__(self, start: float = 0.0):
        fd = os.memfd_create("oakling-manual-clock", os.MFD_CLOEXEC)
        try:
            os.ftruncate(fd, mmap.PAGESIZE)
            self._page = mmap.mmap(fd, mmap.PAGESIZE)   # shared with a Script process after its fork
        finally:
            os.close(fd)
        self._now = np.frombuffer(self._page, np.int64, count=1)
        self._now[0] = _ns(start)
        self._bell = os.eventfd(0, os.EFD_CLOEXEC)   # rung on every advance, for a forked Script process
        self._wall_start = time.time()
        self._cond = threading.Condition()
        self._sleepers = 0

    # -- the clock interface (runtime/clock.py) --
    def now_ns(self) -> int:
        return int(self._now[0])

    def monotonic(self) -> float:
        return self.now_ns() / 1e9

    def sleep(self, seconds: float, stop_event: threading.Event) -> bool:
        """Wait until the clock has moved `seconds` on, or the device stops (True)."""
        if seconds <= 0:
            return stop_event.is_set()
        due = self.now_ns() + _ns(seconds)
        with self._cond:
            self._sleepers += 1
            self._cond.notify_all()
            try:
                while self.now_ns() < due:
                    if stop_event.is_set():
                        return True
                    self._cond.wait(_POLL)
            finally:
                self._sleepers -= 1
                self._cond.notify_all()
        return stop_event.is_set()

    def script_clock(self) -> "ScriptClock":
        return ScriptClock(self._now, self._bell, self._wall_start)

    # -- the test's side --
    def advance(self, seconds: float):
        """Move the clock `seconds` on at once; sleepers due by then wake, at the new time."""
        if not seconds >= 0:
            raise ValueError(f"ManualClock.advance: a clock only goes forward; got {seconds!r} seconds")
        with self._cond:
            self._now[0] += _ns(seconds)
            self._cond.notify_all()
        os.eventfd_write(self._bell, 1)

    def wait_for_sleepers(self, count: int = 1, timeout: float = 5.0) -> bool:
        """Wait (real seconds) until `count` threads of this process sleep on the clock: then
        nothing more happens until the next `advance`. False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._sleepers < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self):
        if self._bell >= 0:
            os.close(self._bell)
            self._bell = -1


class ScriptClock:
    """The manual clock as a forked Script process sees it: the shared page for the time, and a
    thread of its own that wakes the script's sleepers when the test rings the bell."""

    def __init__(self, now, bell: int, wall_start: float):
        self._now = now
        self._bell = bell
        self._wall_start = wall_start
        self._cond = None

    def fds(self) -> set[int]:
        """The descriptors the script process keeps."""
        return {self._bell}

    def follow(self):
        """Start waking sleepers on each ring; in the script process, before its sandbox closes."""
        self._cond = threading.Condition()

        def ring():
            while True:
                try:
                    os.eventfd_read(self._bell)
                except OSError:
                    return
                with self._cond:
                    self._cond.notify_all()

        threading.Thread(target=ring, name="script-clock", daemon=True).start()

    def now_ns(self) -> int:
        return int(self._now[0])

    def sleep(self, seconds: float):
        due = self.now_ns() + _ns(seconds)
        with self._cond:
            while self.now_ns() < due:
                self._cond.wait()

    def time_module(self) -> types.ModuleType:
        """`time` as the script imports it: monotonic, perf_counter, time and sleep on this clock."""
        module = types.ModuleType("time", time.__doc__)
        module.__dict__.update({k: v for k, v in vars(time).items() if not k.startswith("__")})
        now_ns = self.now_ns
        module.monotonic_ns = module.perf_counter_ns = now_ns
        module.monotonic = module.perf_counter = lambda: now_ns() / 1e9
        module.time_ns = lambda: _ns(self._wall_start) + now_ns()
        module.time = lambda: self._wall_start + now_ns() / 1e9
        module.sleep = self.sleep
        return module
