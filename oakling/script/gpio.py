"""`import GPIO` in a script: gen2's on-device GPIO API over the device's emulated pins.

    import GPIO
    GPIO.setup(5, GPIO.IN, GPIO.PULL_UP)
    GPIO.setInterrupt(5, GPIO.FALLING, 0, lambda pin: node.warn(f"pin {pin} fell"))
    GPIO.write(6, GPIO.HIGH)

Levels are the device's (`oakling/runtime/gpio.py`): what one script writes, the other scripts and
the host (`device.readGpio`) read, and a host `device.writeGpio` is what the script reads next.
Direction, pull, interrupts and PWM settings are the script's own. An interrupt fires on the level
changes that match its edge: a change the script makes itself calls its callback at once, in
`write()`; a change from the host or another script calls it on the script's GPIO thread.
"""
from __future__ import annotations

import queue
import threading
import types

from ..runtime.gpio import GpioBoard, check_level, check_pin

IN, OUT = 0, 1
LOW, HIGH = 0, 1
PULL_NONE, PULL_DOWN, PULL_UP = 0, 1, 2
RISING, FALLING, LEVEL_HIGH, LEVEL_LOW = 0, 1, 2, 3


def _fires(edge: int, old: int, new: int) -> bool:
    return ((edge == RISING and old == LOW and new == HIGH) or (edge == FALLING and old == HIGH and new == LOW)
            or (edge == LEVEL_HIGH and new == HIGH) or (edge == LEVEL_LOW and new == LOW))


class ScriptGpio:
    """One script's view of the pins. `module` is what `import GPIO` gives; `changed()` is called
    (from the script's control link) when the host or another script wrote a pin."""

    def __init__(self, board: GpioBoard | None = None, notify=None):
        self._board = board if board is not None else GpioBoard()   # a board of its own, for tests
        self._notify = notify          # notify(pin, old, new): tell the device a pin was written
        self._settings: dict[int, dict] = {}
        self._events: list[int] = []
        self._cond = threading.Condition()
        self._pending: queue.SimpleQueue = queue.SimpleQueue()
        self._dispatcher: threading.Thread | None = None
        self.module = self._make_module()

    def _pin(self, number, where: str) -> dict:
        number = check_pin(number, f"GPIO.{where}")
        if number not in self._settings:
            self._settings[number] = {"dir": IN, "pud": PULL_NONE, "irq": None, "pwm": None}
        return self._settings[number]

    def _set_level(self, pin: int, level: int):
        old = self._board.write(pin, level)
        if self._notify is not None:
            self._notify(pin, old, level)
        self._interrupt(pin, old, level, call_now=True)

    def _interrupt(self, pin: int, old: int, new: int, call_now: bool):
        settings = self._settings.get(pin)
        irq = settings and settings["irq"]
        if not irq or not _fires(irq[0], old, new):
            return
        with self._cond:
            self._events.append(pin)
            self._cond.notify_all()
        callback = irq[1]
        if callback is not None:
            callback(pin) if call_now else self._pending.put((callback, pin))

    def changed(self, pin: int, old: int, new: int):
        """The host or another script wrote `pin`: fire this script's interrupt if it matches."""
        self._interrupt(pin, old, new, call_now=False)

    def start(self):
        """Start the thread that runs interrupt callbacks for changes made elsewhere."""
        if self._dispatcher is None:
            self._dispatcher = threading.Thread(target=_dispatch, args=(self._pending,), name="GPIO interrupts",
                                                daemon=True)
            self._dispatcher.start()

    def _make_module(self) -> types.ModuleType:
        gpio = types.ModuleType("GPIO", "The device's GPIO pins (emulated), with gen2's on-device GPIO API")
        pin, board = self._pin, self._board

        def setup(gpio_num, direction, pud=PULL_NONE, exclusive=False):
            settings = pin(gpio_num, "setup")
            settings["dir"], settings["pud"] = int(direction), int(pud)
            if settings["dir"] == IN and settings["pud"] in (PULL_UP, PULL_DOWN):
                self._set_level(int(gpio_num), HIGH if settings["pud"] == PULL_UP else LOW)
            return 0

        def release(gpio_num):
            self._settings.pop(check_pin(gpio_num, "GPIO.release"), None)
            return 0

        def write(gpio_num, value):
            pin(gpio_num, "write")
            self._set_level(int(gpio_num), check_level(1 if value else 0, "GPIO.write"))
            return 0

        def read(gpio_num):
            return board.read(check_pin(gpio_num, "GPIO.read"))

        def setInterrupt(gpio_num, edge, priority=0, callback=None):
            pin(gpio_num, "setInterrupt")["irq"] = (int(edge), callback)
            return 0

        def clearInterrupt(gpio_num):
            pin(gpio_num, "clearInterrupt")["irq"] = None
            return 0

        def hasInterruptEvent(gpio_num=-1):
            with self._cond:
                return any(g == gpio_num or gpio_num == -1 for g in self._events)

        def waitInterruptEvent(gpio_num=-1, timeout=None):
            """Wait for an interrupt on `gpio_num` (-1: any) and return its pin; None on timeout."""
            with self._cond:
                while True:
                    for k, g in enumerate(self._events):
                        if gpio_num == -1 or g == gpio_num:
                            return self._events.pop(k)
                    if not self._cond.wait(timeout):
                        return None

        def setPwm(gpio_num, high, low, repeat=0):
            pin(gpio_num, "setPwm")["pwm"] = {"high": int(high), "low": int(low), "repeat": int(repeat),
                                              "enabled": False}
            return 0

        def enablePwm(gpio_num, enable):
            settings = pin(gpio_num, "enablePwm")
            if settings["pwm"] is None:
                settings["pwm"] = {"high": 0, "low": 0, "repeat": 0, "enabled": False}
            settings["pwm"]["enabled"] = bool(enable)
            return 0

        for name, value in dict(locals()).items():
            if callable(value) and name not in ("pin", "board", "gpio"):
                setattr(gpio, name, value)
        for name in ("IN", "OUT", "LOW", "HIGH", "PULL_NONE", "PULL_DOWN", "PULL_UP", "RISING", "FALLING",
                     "LEVEL_HIGH", "LEVEL_LOW"):
            setattr(gpio, name, globals()[name])
        return gpio


def _dispatch(pending: queue.SimpleQueue):
    """The GPIO thread: run interrupt callbacks for changes made elsewhere, in order."""
    while True:
        callback, pin = pending.get()
        try:
            callback(pin)
        except Exception as e:   # the script's callback: reported as an exception in a script's thread is
            threading.excepthook(threading.ExceptHookArgs((type(e), e, e.__traceback__, threading.current_thread())))


def gpio_module(board: GpioBoard | None = None, notify=None) -> types.ModuleType:
    """`import GPIO` for a script (on a board of its own unless one is given)."""
    return ScriptGpio(board, notify).module
