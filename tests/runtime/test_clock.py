"""The real clock: the machine's monotonic time, and sleeps that a device's stop ends early."""
import threading
import time

from oakling.runtime.clock import REAL_CLOCK


def test_it_is_the_machines_monotonic_clock():
    before = time.monotonic_ns()
    now = REAL_CLOCK.now_ns()
    assert before <= now <= time.monotonic_ns()
    assert abs(REAL_CLOCK.monotonic() - time.monotonic()) < 0.1


def test_a_sleep_lasts_its_time_unless_the_device_stops():
    stop = threading.Event()
    started = time.monotonic()
    assert REAL_CLOCK.sleep(0.05, stop) is False
    assert time.monotonic() - started >= 0.05
    threading.Timer(0.05, stop.set).start()
    started = time.monotonic()
    assert REAL_CLOCK.sleep(10, stop) is True
    assert time.monotonic() - started < 5


def test_no_sleep_only_says_whether_the_device_stops():
    stop = threading.Event()
    assert REAL_CLOCK.sleep(0, stop) is False
    stop.set()
    assert REAL_CLOCK.sleep(-1, stop) is True


def test_scripts_keep_their_own_time():
    assert REAL_CLOCK.script_clock() is None
