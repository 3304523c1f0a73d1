"""The one clock every timestamp is on: the machine's monotonic clock, shared by host and device
processes on one machine, exposed as `datetime.timedelta` like gen2's `dai.Clock.now()`."""
import time
from datetime import timedelta


def now_ns() -> int:
    return time.monotonic_ns()


def use(now_ns_function):
    """Stamp this process's messages on another clock: a Script process forked under a test's
    `oakling.testing.ManualClock`. Never called in a device."""
    global now_ns
    now_ns = now_ns_function


def to_timedelta(ns: int) -> timedelta:
    return timedelta(microseconds=ns // 1000)


def to_ns(value) -> int:
    """A timestamp given as a timedelta or as float seconds, in nanoseconds."""
    if isinstance(value, timedelta):
        return ((value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds) * 1000
    if isinstance(value, (int, float)):
        return int(round(value * 1e9))
    raise TypeError(f"timestamp must be a datetime.timedelta or seconds as a float, not {type(value).__name__}")


class Clock:
    """gen2's `dai.Clock`: `Clock.now()` is the timestamp base of every message."""

    @staticmethod
    def now() -> timedelta:
        return to_timedelta(now_ns())
