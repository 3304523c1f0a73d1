"""`import GPIO` on its own: a script's pins over a board shared with others, and its interrupts."""
import threading

import pytest

from oakling.runtime.gpio import GpioBoard
from oakling.script.gpio import ScriptGpio


def test_two_scripts_on_one_board_see_each_others_levels():
    board = GpioBoard()
    told = []
    first, second = ScriptGpio(board, lambda *c: told.append(c)), ScriptGpio(board)
    first.module.setup(4, first.module.OUT)
    first.module.write(4, 1)
    assert second.module.read(4) == 1 and told == [(4, 0, 1)]   # and the device was told


def test_own_writes_fire_interrupts_at_once():
    GPIO = ScriptGpio().module
    fired = []
    GPIO.setInterrupt(7, GPIO.FALLING, 0, fired.append)
    GPIO.write(7, 1), GPIO.write(7, 0), GPIO.write(7, 0)
    assert fired == [7] and GPIO.waitInterruptEvent(7, timeout=0) == 7
    assert not GPIO.hasInterruptEvent()


def test_changes_from_elsewhere_fire_interrupts_on_the_gpio_thread():
    pins = ScriptGpio()
    pins.start()
    GPIO = pins.module
    called = threading.Event()
    threads = []

    def callback(pin):
        threads.append((pin, threading.current_thread().name))
        called.set()

    GPIO.setInterrupt(2, GPIO.RISING, 0, callback)
    GPIO.setInterrupt(3, GPIO.LEVEL_LOW)
    pins.changed(2, 1, 0)    # falling: not this interrupt's edge
    pins.changed(3, 1, 0)
    assert GPIO.waitInterruptEvent(-1, timeout=1) == 3
    pins.changed(2, 0, 1)
    assert called.wait(1) and threads == [(2, "GPIO interrupts")]
    assert GPIO.waitInterruptEvent(2, timeout=1) == 2


def test_bad_pin_numbers_say_which_pins_exist():
    GPIO = ScriptGpio().module
    with pytest.raises(ValueError, match=r"GPIO.write: there is no GPIO pin 999 — pins are numbered 0 to 255"):
        GPIO.write(999, 1)
    with pytest.raises(ValueError, match="GPIO.read: expected a pin number"):
        GPIO.read("a")
