"""RunLimit: when --max-frames / --seconds are reached and when a program is overdue, on a clock
the test drives."""
import pytest

from oakling.cli.limits import RunLimit


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_max_frames_is_reached_by_the_busiest_window_and_overdue_after_grace():
    clock = FakeClock()
    limit = RunLimit(max_frames=5, grace=2.0, clock=clock)
    limit.start()
    limit.frames_shown(4)
    assert not limit.reached()
    clock.now += 10
    limit.frames_shown(5)
    assert limit.reached() and not limit.overdue()
    clock.now += 2.0
    assert not limit.overdue()
    clock.now += 0.1
    assert limit.overdue()
    assert limit.overdue_by() == pytest.approx(0.1)


def test_seconds_count_from_start_and_grace_from_the_moment_they_ran_out():
    clock = FakeClock()
    limit = RunLimit(seconds=3, grace=1.0, clock=clock)
    limit.start()
    clock.now += 2.9
    assert not limit.reached()
    clock.now += 1.5            # nobody asked at 3.0 s: the limit still ran out then
    assert limit.reached() and limit.overdue()
    assert limit.overdue_by() == pytest.approx(0.4)


def test_no_limit_is_never_reached():
    clock = FakeClock()
    limit = RunLimit(clock=clock)
    limit.start()
    limit.frames_shown(10_000)
    clock.now += 1e6
    assert not limit.active and not limit.reached() and not limit.overdue()


def test_only_the_first_caller_forces_the_end():
    limit = RunLimit(max_frames=1)
    assert limit.mark_forced() is True
    assert limit.mark_forced() is False
    assert limit.forced


@pytest.mark.parametrize("kwargs, message", [
    ({"max_frames": 0}, "--max-frames must be at least 1, got 0"),
    ({"seconds": 0}, "--seconds must be more than 0, got 0"),
    ({"seconds": 1, "grace": -1}, "--grace must be 0 or more, got -1"),
])
def test_limits_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RunLimit(**kwargs)
