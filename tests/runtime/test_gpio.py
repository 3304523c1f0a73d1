"""The device's GPIO board on its own: levels in a shared page, listeners, pin checks."""
import os

import pytest

from oakling.runtime.gpio import PIN_COUNT, GpioBoard, check_level, check_pin


def test_levels_are_shared_with_a_forked_process():
    board = GpioBoard()
    assert board.write(7, 1) == 0 and board.read(7) == 1
    pid = os.fork()
    if pid == 0:   # what a script process does: the page came with the fork
        code = 0 if board.read(7) == 1 else 1
        board.write(8, 1)
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert board.read(8) == 1   # the child's write is the parent's level


def test_listeners_hear_of_changes_made_by_others_only():
    board = GpioBoard()
    heard = {"a": [], "b": []}
    a = board.listen(lambda *change: heard["a"].append(change))
    board.listen(lambda *change: heard["b"].append(change))
    board.changed(3, 0, 1, source=a)
    assert heard == {"a": [], "b": [(3, 0, 1)]}
    board.unlisten(a)
    board.changed(3, 1, 0)
    assert heard["a"] == [] and heard["b"] == [(3, 0, 1), (3, 1, 0)]


@pytest.mark.parametrize("pin, message", [
    (-1, "there is no GPIO pin -1"), (PIN_COUNT, f"pins are numbered 0 to {PIN_COUNT - 1}"),
    ("x", "expected a pin number, got 'x'"), (1.5, "no GPIO pin 1.5"), (True, "no GPIO pin True"),
])
def test_bad_pins_are_named(pin, message):
    with pytest.raises(ValueError, match=message):
        check_pin(pin, "Device.readGpio")


def test_levels_are_zero_or_one():
    assert check_pin(5, "x") == 5 and check_level(True, "x") == 1 and check_level(0, "x") == 0
    with pytest.raises(ValueError, match=r"Device.writeGpio: expected a level 0 \(LOW\) or 1 \(HIGH\), got 2"):
        check_level(2, "Device.writeGpio")
