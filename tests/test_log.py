"""Device log records as gen2 has them: levels, and a record's line as the device firmware writes it."""
import pytest

import oakling as dai
from oakling.log import LEVEL_NAMES


@pytest.mark.parametrize("node, level, line", [
    ("Script(3)", dai.LogLevel.WARN, "[18443010A1B2C3D400] [12.346] [Script(3)] [warning] hello"),
    ("", dai.LogLevel.ERR, "[18443010A1B2C3D400] [12.346] [error] hello"),   # the device itself
    ("X(0)", dai.LogLevel.TRACE, "[18443010A1B2C3D400] [12.346] [X(0)] [trace] hello"),
])
def test_a_record_formats_as_the_firmware_writes_it(node, level, line):
    assert dai.LogMessage(node, level, 12.3456, "hello").format("18443010A1B2C3D400") == line


def test_a_record_takes_its_level_as_a_value_and_keeps_gen2s_fields():
    record = dai.LogMessage("X(1)", 4, 0.5, "boom")
    assert record.level is dai.LogLevel.ERR and (record.nodeIdName, record.time, record.payload) == ("X(1)", 0.5, "boom")
    assert (record.colorRangeStart, record.colorRangeEnd) == (0, 0)
    assert repr(record) == "LogMessage('X(1)', ERR, 'boom')"
    with pytest.raises(ValueError):
        dai.LogMessage("X(1)", 9, 0.0, "")


def test_levels_are_ordered_and_every_one_but_off_has_a_name():
    assert list(dai.LogLevel) == sorted(dai.LogLevel) and dai.LogLevel.OFF == 6
    assert set(LEVEL_NAMES) == set(dai.LogLevel) - {dai.LogLevel.OFF}
