"""ManualClock: time stands still until the test advances it; sleepers wake when they are due."""
import os
import threading
import time

import pytest

from oakling.testing import ManualClock


@pytest.fixture
def clock():
    made = ManualClock(start=2.0)
    yield made
    made.close()


def sleeper(clock, seconds, stop=None):
    stop = stop or threading.Event()
    woke = {}

    def run():
        woke["stopping"] = clock.sleep(seconds, stop)
        woke["at"] = clock.monotonic()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, woke, stop


def test_time_stands_still_until_advanced(clock):
    assert clock.monotonic() == 2.0 and clock.now_ns() == 2_000_000_000
    time.sleep(0.02)
    assert clock.monotonic() == 2.0
    clock.advance(0.25)
    assert clock.now_ns() == 2_250_000_000


def test_a_sleeper_wakes_only_once_its_time_has_come(clock):
    thread, woke, _ = sleeper(clock, 0.1)
    assert clock.wait_for_sleepers(1)
    clock.advance(0.05)
    thread.join(0.2)
    assert thread.is_alive()
    clock.advance(0.05)
    thread.join(5)
    assert woke == {"stopping": False, "at": pytest.approx(2.1)}


def test_the_devices_stop_ends_a_sleep(clock):
    thread, woke, stop = sleeper(clock, 100)
    assert clock.wait_for_sleepers(1)
    stop.set()
    thread.join(5)
    assert woke["stopping"] is True and woke["at"] == 2.0


def test_wait_for_sleepers_says_false_when_nobody_sleeps(clock):
    assert clock.wait_for_sleepers(1, timeout=0.05) is False


def test_time_never_goes_back(clock):
    with pytest.raises(ValueError, match="only goes forward"):
        clock.advance(-1)


def test_a_forked_process_sees_the_same_time_and_sleeps_on_it(clock):
    """What a Script process gets: the shared page and the doorbell, after a fork."""
    script_clock = clock.script_clock()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:   # the child: sleep 0.5 s of the clock, then say when it woke
        try:
            os.close(read)
            script_clock.follow()
            script_clock.sleep(0.5)
            os.write(write, str(script_clock.now_ns()).encode())
        finally:
            os._exit(0)
    os.close(write)
    assert clock.wait_for_sleepers(1)
    clock.advance(0.5)
    woke_at = int(os.read(read, 64))
    os.waitpid(pid, 0)
    os.close(read)
    assert woke_at == 2_500_000_000


def test_a_scripts_time_module_follows_the_clock(clock):
    module = clock.script_clock().time_module()
    clock.advance(1.5)
    assert module.monotonic() == 3.5 and module.perf_counter_ns() == 3_500_000_000
    assert module.strftime is time.strftime
