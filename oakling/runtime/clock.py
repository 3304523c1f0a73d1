"""The clock a node's worker keeps time with: pacing, rate limits and the timestamps it gives.

Workers ask `ctx.clock` rather than the `time` module, so a test can hand them a clock of its own
(`oakling.testing.ManualClock`). A device always runs on REAL_CLOCK, the machine's monotonic
clock, whose methods are the `time` functions themselves: no cost on a worker's hot path.

    clock.monotonic()                 # seconds, float
    clock.now_ns()                    # nanoseconds, the timestamp base of every message
    clock.sleep(seconds, stop_event)  # True if the device is stopping
    clock.script_clock()              # what a forked Script process keeps time with (None: its own)
"""
from __future__ import annotations

import threading
import time


class RealClock:
    """The machine's monotonic clock, shared by every process on the machine."""

    monotonic = staticmethod(time.monotonic)
    now_ns = staticmethod(time.monotonic_ns)

    @staticmethod
    def sleep(seconds: float, stop_event: threading.Event) -> bool:
        return stop_event.wait(seconds) if seconds > 0 else stop_event.is_set()

    @staticmethod
    def script_clock():
        return None


REAL_CLOCK = RealClock()
