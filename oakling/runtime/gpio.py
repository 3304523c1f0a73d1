"""The device's GPIO pins: one level per pin in a shared page, the same for every Script of the device.

    pins = board()                 # device process: made before the first script process forks
    old = pins.write(5, 1)
    pins.changed(5, old, 1)        # tell every script process but the writer (interrupts)

gen2 scripts drive and read the OAK's pins with `import GPIO`; here the pins are emulated. Their
levels live in a memfd page that the device process maps before it forks its script processes,
so every script reads what any other script, or the host (`device.writeGpio`), wrote last, with
no message in between. Level changes reach the other script processes on their control links
(the listeners), where they fire the scripts' interrupts.
"""
from __future__ import annotations

import mmap
import os
import threading

PIN_COUNT = 256   # pins 0..255; an OAK has fewer, scripts name them by number
LOW, HIGH = 0, 1


def check_pin(pin, where: str) -> int:
    """The pin as an int, or a ValueError that says which pins exist."""
    try:
        number = int(pin)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: expected a pin number, got {pin!r}") from None
    if isinstance(pin, bool) or number != pin or not 0 <= number < PIN_COUNT:
        raise ValueError(f"{where}: there is no GPIO pin {pin!r} — pins are numbered 0 to {PIN_COUNT - 1}")
    return number


def check_level(value, where: str) -> int:
    if value not in (0, 1, False, True):
        raise ValueError(f"{where}: expected a level 0 (LOW) or 1 (HIGH), got {value!r}")
    return HIGH if value else LOW


class GpioBoard:
    """Pin levels in a shared page, and (device process only) who to tell when one changes."""

    def __init__(self):
        fd = os.memfd_create("oakling-gpio", os.MFD_CLOEXEC)
        try:
            os.ftruncate(fd, PIN_COUNT)
            self._page = mmap.mmap(fd, PIN_COUNT)   # MAP_SHARED: forked script processes share it
        finally:
            os.close(fd)
        self._listeners: dict[int, object] = {}
        self._next = 1
        self._lock = threading.Lock()

    def read(self, pin: int) -> int:
        return self._page[pin]

    def write(self, pin: int, value: int) -> int:
        """Set a pin's level; returns the level it had."""
        old = self._page[pin]
        self._page[pin] = HIGH if value else LOW
        return old

    def listen(self, callback) -> int:
        """`callback(pin, old, new)` is called for changes made by others; returns a token."""
        with self._lock:
            token = self._next
            self._next += 1
            self._listeners[token] = callback
            return token

    def unlisten(self, token: int):
        with self._lock:
            self._listeners.pop(token, None)

    def changed(self, pin: int, old: int, new: int, source: int | None = None):
        """Tell every listener but `source` (the writer, which knows) that a pin was written."""
        with self._lock:
            listeners = [cb for token, cb in self._listeners.items() if token != source]
        for callback in listeners:
            callback(pin, old, new)


_board: GpioBoard | None = None
_board_lock = threading.Lock()


def board() -> GpioBoard:
    """This device's pins (one board per device process)."""
    global _board
    with _board_lock:
        if _board is None:
            _board = GpioBoard()
        return _board
