"""A clock the test moves: time stands still until `advance(seconds)`.

    clock = ManualClock()        # at 0
    clock.advance(0.1)           # now 0.1 s; every sleeper due by then wakes

Workers get it as their `ctx.clock` (runtime/clock.py has the interface). A Script's process is
forked, so the time lives in a memfd-backed page the fork shares, and each `advance` rings an
eventfd that the script process waits on (`ScriptClock`): its `Clock.now()`, its messages'
timestamps and its `time` module follow the same clock.

The page also says when each sleeper (of this process, or of the Script's) is due, so that
`wait_for_sleepers` can tell when everything that could run has run and waits for the clock again.
"""
from __future__ import annotations

import mmap
import os
import threading
import time
import types

import numpy as np

_POLL = 0.05   # how often a sleeper looks at the device's stop event (real seconds)
_SLOTS = mmap.PAGESIZE // 8 // 2 - 1   # sleepers at once, per process
_FREE = np.iinfo(np.int64).min


def _ns(seconds: float) -> int:
    return int(round(seconds * 1e9))


class _Sleepers:
    """One process's sleepers in the shared page: each writes when it is due into a slot of its own
    while it sleeps. Used under its process's lock."""

    def __init__(self, dues):
        self._dues = dues
        self._free = list(range(len(dues)))

    def take(self, due: int) -> int:
        if not self._free:
            raise RuntimeError(f"more than {len(self._dues)} threads sleep on one ManualClock")
        slot = self._free.pop()
        self._dues[slot] = due
        return slot

    def give(self, slot: int):
        self._dues[slot] = _FREE
        self._free.append(slot)


class ManualClock:
    """Monotonic time in nanoseconds from `start` seconds, moved only by `advance`."""

    def __init__(self, start: float = 0.0):
        fd = os.memfd_create("oakling-manual-clock", os.MFD_CLOEXEC)
        try:
            os.ftruncate(fd, mmap.PAGESIZE)
            self._page = mmap.mmap(fd, mmap.PAGESIZE)   # shared with a Script process after its fork
        finally:
            os.close(fd)
        words = np.frombuffer(self._page, np.int64)
        self._now = words[:1]
        self._now[0] = _ns(start)
        self._dues = words[1:]   # when each sleeper is due: this process's slots, then the Script's
        self._dues[:] = _FREE
        self._bell = os.eventfd(0, os.EFD_CLOEXEC)   # rung on every advance, for a forked Script process
        self._wall_start = time.time()
        self._cond = threading.Condition()
        self._sleepers = _Sleepers(self._dues[:_SLOTS])

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
            slot = self._sleepers.take(due)
            try:
                while self.now_ns() < due:
                    if stop_event.is_set():
                        return True
                    self._cond.wait(_POLL)
            finally:
                self._sleepers.give(slot)
        return stop_event.is_set()

    def script_clock(self) -> "ScriptClock":
        return ScriptClock(self._now, self._dues[_SLOTS:2 * _SLOTS], self._bell, self._wall_start)

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
        """Wait (at most `timeout` real seconds; False then) until `count` threads (the node's, its
        Script process's) sleep until a time still to come: those due have woken, done their work
        and slept again, so nothing more happens until the next `advance`."""
        deadline = time.monotonic() + timeout
        while np.count_nonzero(self._dues > self.now_ns()) < count:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.001)
        return True

    def close(self):
        """Free the doorbell: the clock stops where it is."""
        if self._bell >= 0:
            os.close(self._bell)
            self._bell = -1


class ScriptClock:
    """The manual clock as a forked Script process sees it: the shared page for the time, and a
    thread of its own that wakes the script's sleepers when the test rings the bell."""

    def __init__(self, now, dues, bell: int, wall_start: float):
        self._now = now
        self._dues = dues
        self._bell = bell
        self._wall_start = wall_start
        self._cond = None
        self._sleepers = None

    def fds(self) -> set[int]:
        """The descriptors the script process keeps."""
        return {self._bell}

    def follow(self):
        """Start waking sleepers on each ring; in the script process, before its sandbox closes."""
        self._cond = threading.Condition()
        self._sleepers = _Sleepers(self._dues)

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
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        due = self.now_ns() + _ns(seconds)
        with self._cond:
            slot = self._sleepers.take(due)
            try:
                while self.now_ns() < due:
                    self._cond.wait()
            finally:
                self._sleepers.give(slot)

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
