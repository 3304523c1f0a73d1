"""When `oakling run` ends a program: `--max-frames N` (N frames shown on the busiest window) or
`--seconds S` (wall time since the program started), then a grace period for the program to end
through its own exit path (its `cv2.waitKey(...) == ord('q')` check) before it is forced.

    limit = RunLimit(max_frames=5, grace=2.0)
    limit.start()
    limit.frames_shown(5)     # the busiest window has shown 5 frames
    limit.reached()           # True: waitKey now answers 'q'
    limit.overdue()           # True once 2 s have passed and the program is still running

A program that is overdue is ended: from its next `cv2.imshow`/`cv2.waitKey` (windows.py raises
SystemExit there), or, if it calls neither, by the Watchdog, which interrupts the main thread as
Ctrl-C would and, if even that does not end it, exits the process. Either way the exit code is
FORCED_EXIT_CODE (124, as timeout(1) uses).
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

FORCED_EXIT_CODE = 124
DEFAULT_GRACE = 2.0


class RunLimit:
    """The limit of one run. `clock` is injectable so tests can drive time."""

    def __init__(self, max_frames: int | None = None, seconds: float | None = None,
                 grace: float = DEFAULT_GRACE, clock=time.monotonic):
        if max_frames is not None and max_frames < 1:
            raise ValueError(f"--max-frames must be at least 1, got {max_frames}")
        if seconds is not None and seconds <= 0:
            raise ValueError(f"--seconds must be more than 0, got {seconds}")
        if grace < 0:
            raise ValueError(f"--grace must be 0 or more, got {grace}")
        self.max_frames = max_frames
        self.seconds = seconds
        self.grace = grace
        self._clock = clock
        self._started_at: float | None = None
        self._reached_at: float | None = None
        self._lock = threading.Lock()
        self.forced = False

    @property
    def active(self) -> bool:
        return self.max_frames is not None or self.seconds is not None

    def describe(self) -> str:
        parts = []
        if self.max_frames is not None:
            parts.append(f"--max-frames {self.max_frames}")
        if self.seconds is not None:
            parts.append(f"--seconds {self.seconds:g}")
        return " / ".join(parts) or "no limit"

    def start(self):
        self._started_at = self._clock()

    def elapsed(self) -> float:
        return 0.0 if self._started_at is None else self._clock() - self._started_at

    def frames_shown(self, busiest: int):
        """Tell the limit how many frames the busiest window has shown so far."""
        if self.max_frames is not None and busiest >= self.max_frames:
            with self._lock:
                if self._reached_at is None:
                    self._reached_at = self._clock()

    def reached(self) -> bool:
        if self._reached_at is None and self.seconds is not None and self._started_at is not None:
            now = self._clock()
            if now - self._started_at >= self.seconds:
                with self._lock:
                    if self._reached_at is None:
                        self._reached_at = self._started_at + self.seconds
        return self._reached_at is not None

    def overdue(self) -> bool:
        """The limit was reached more than `grace` seconds ago and the program is still running."""
        return self.reached() and self._clock() - self._reached_at > self.grace

    def overdue_by(self) -> float:
        return max(0.0, self._clock() - self._reached_at - self.grace) if self.reached() else 0.0

    def force_message(self, program: str) -> str:
        return (f"oakling run: {program} was still running {self.grace:g} s after {self.describe()} was "
                f"reached (it did not end on cv2.waitKey's 'q'); stopped it — exit code "
                f"{FORCED_EXIT_CODE}")

    def mark_forced(self) -> bool:
        """Record that the run is being forced to end; True for the first caller only."""
        with self._lock:
            first = not self.forced
            self.forced = True
            return first


class Watchdog:
    """Ends a program that is overdue and calls neither cv2.imshow nor cv2.waitKey: first a SIGINT
    to the main thread (the program's `with dai.Device(...)` blocks close the device as on
    Ctrl-C), then, `grace` seconds later, the process itself."""

    POLL = 0.05
    LAST_RESORT = 2.0   # seconds after the interrupt (at least) before the process is exited

    def __init__(self, limit: RunLimit, program: str):
        self._limit = limit
        self._program = program
        self._stop = threading.Event()
        self._main = threading.main_thread().ident
        self._thread = threading.Thread(target=self._watch, name="oakling-run-watchdog", daemon=True)

    def start(self):
        if self._limit.active and threading.current_thread() is threading.main_thread():
            self._thread.start()

    def stop(self):
        self._stop.set()

    def _watch(self):
        interrupted = False
        while not self._stop.wait(self.POLL):
            if not self._limit.overdue():
                continue
            if not interrupted:
                interrupted = True
                if self._limit.mark_forced():   # else imshow/waitKey already raised SystemExit
                    print(self._limit.force_message(self._program), file=sys.stderr, flush=True)
                    self._interrupt_main()
            elif self._limit.overdue_by() > max(self._limit.grace, self.LAST_RESORT):
                print(f"oakling run: {self._program} did not stop on Ctrl-C either; exiting",
                      file=sys.stderr, flush=True)
                sys.stdout.flush()
                os._exit(FORCED_EXIT_CODE)

    def _interrupt_main(self):
        """Ctrl-C for the main thread: a real SIGINT when Python handles SIGINT (it also ends a
        blocking system call), else KeyboardInterrupt raised at the thread's next bytecode (SIGINT
        is ignored in background jobs of a non-interactive shell)."""
        if callable(signal.getsignal(signal.SIGINT)):
            signal.pthread_kill(self._main, signal.SIGINT)
        else:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._main),
                                                       ctypes.py_object(KeyboardInterrupt))
