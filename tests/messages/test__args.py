"""The setters' argument checks: gen2 (pybind11) rejects wrong types with a TypeError naming what it
expected, and so do the messages."""
from datetime import timedelta
from enum import IntEnum

import numpy as np
import pytest

from oakling.messages._args import as_bool, as_enum, as_float, as_int, as_microseconds, as_uint


class Colour(IntEnum):
    RED = 0
    GREEN = 1


@pytest.mark.parametrize("check, value, got", [
    (as_int, 7, 7), (as_int, True, 1), (as_int, np.int16(-3), -3),
    (as_uint, 0, 0), (as_uint, 2**32 - 1, 2**32 - 1),
    (as_float, 2, 2.0), (as_float, np.float32(0.5), 0.5),
    (as_bool, True, True), (as_bool, 0, False), (as_bool, None, False), (as_bool, np.float64(2), True),
    (as_enum, 1, Colour.GREEN), (as_enum, Colour.RED, Colour.RED), (as_enum, np.uint8(0), Colour.RED),
    (as_microseconds, 250, 250), (as_microseconds, timedelta(seconds=1, microseconds=2), 1_000_002),
    (as_microseconds, timedelta(days=1), 86_400_000_000),
])
def test_accepted_values(check, value, got):
    result = check(Colour, value, "X.set") if check is as_enum else check(value, "X.set")
    assert result == got and type(result) is type(got)


@pytest.mark.parametrize("check, value, error, message", [
    (as_int, 1.0, TypeError, "X.set: expected an int, got float 1.0"),
    (as_int, "3", TypeError, "X.set: expected an int, got str '3'"),
    (as_uint, -1, ValueError, "X.set: expected an integer in 0..4294967295, got -1"),
    (as_float, "fast", TypeError, "X.set: expected a float, got str 'fast'"),
    (as_float, "1.5", TypeError, "X.set: expected a float, got str '1.5'"),
    (as_float, None, TypeError, "X.set: expected a float, got NoneType None"),
    (as_bool, "yes", TypeError, "X.set: expected a bool, got str 'yes'"),
    (as_enum, 5, TypeError, "X.set: expected Colour (RED, GREEN), got int 5"),
    (as_enum, "RED", TypeError, "X.set: expected Colour (RED, GREEN), got str 'RED'"),
    (as_microseconds, 0.5, TypeError, "X.set: expected an int, got float 0.5"),
])
def test_rejected_values_name_what_was_expected_and_got(check, value, error, message):
    with pytest.raises(error) as e:
        check(Colour, value, "X.set") if check is as_enum else check(value, "X.set")
    assert str(e.value) == message


@pytest.mark.parametrize("bits, top", [(8, 255), (16, 65535)])
def test_unsigned_widths(bits, top):
    assert as_uint(top, "X.set", bits) == top
    with pytest.raises(ValueError, match=f"0..{top}, got {top + 1}"):
        as_uint(top + 1, "X.set", bits)
