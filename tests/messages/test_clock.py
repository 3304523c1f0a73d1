"""The one clock of every timestamp: monotonic nanoseconds, shown as timedelta, set from timedelta or
float seconds."""
import time
from datetime import timedelta

import pytest

import oakling as dai
from oakling.messages.clock import now_ns, to_ns, to_timedelta


def test_now_is_the_monotonic_clock_in_both_forms():
    before = time.monotonic_ns()
    ns, shown = now_ns(), dai.Clock.now()
    after = time.monotonic_ns()
    assert before <= ns <= after
    assert isinstance(shown, timedelta) and before // 1000 <= shown / timedelta(microseconds=1) <= after // 1000 + 1


@pytest.mark.parametrize("value, ns", [
    (timedelta(seconds=2, microseconds=5), 2_000_005_000),
    (timedelta(days=1), 86_400 * 10**9),
    (1.5, 1_500_000_000),
    (3, 3_000_000_000),
    (0.1234567891, 123_456_789),   # rounded to the nanosecond
])
def test_timestamps_as_timedelta_or_seconds_become_nanoseconds(value, ns):
    assert to_ns(value) == ns


def test_nanoseconds_show_as_timedelta_to_the_microsecond():
    assert to_timedelta(2_000_005_999) == timedelta(seconds=2, microseconds=5)
    assert to_ns(to_timedelta(123_456_000)) == 123_456_000


@pytest.mark.parametrize("value", ["1.5", None, [1]])
def test_other_timestamps_are_a_type_error_naming_what_to_give(value):
    with pytest.raises(TypeError, match="datetime.timedelta or seconds as a float, not "):
        to_ns(value)
