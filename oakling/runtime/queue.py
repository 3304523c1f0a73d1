"""A bounded message queue with gen2's two overflow policies, used on both sides of the link.

blocking: a full queue makes the sender wait for room. Non-blocking: the oldest message is dropped
to make room. Closing wakes every waiter; they raise QueueClosed with the reason. A queue counts the
messages it received and dropped (one increment per message), which the live view shows.
"""
from __future__ import annotations

import threading
import time
from collections import deque


class QueueClosed(RuntimeError):
    """A queue closed: the device is stopping, or every producer of an input has ended."""


class MessageQueue:
    def __init__(self, max_size: int = 16, blocking: bool = True, name: str = ""):
        self.name = name
        self._max_size = max(1, int(max_size))
        self._blocking = bool(blocking)
        self._items: deque = deque()
        self._cond = threading.Condition(threading.Lock())
        self._closed_reason: str | None = None
        self.received = 0   # messages queued, and of those dropped to make room (the live view's figures)
        self.dropped = 0
        self.on_put = None   # called (outside the lock) after each message is queued

    # -- settings --
    def set_max_size(self, size: int):
        with self._cond:
            self._max_size = max(1, int(size))
            self._cond.notify_all()

    def max_size(self) -> int:
        return self._max_size

    def set_blocking(self, blocking: bool):
        with self._cond:
            self._blocking = bool(blocking)
            self._cond.notify_all()

    def blocking(self) -> bool:
        return self._blocking

    # -- state --
    def close(self, reason: str = "queue closed", discard: bool = False):
        """Wake every waiter with QueueClosed(reason); with `discard`, drop what is queued too."""
        with self._cond:
            if self._closed_reason is None:
                self._closed_reason = reason
            if discard:
                self._items.clear()
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed_reason is not None

    @property
    def closed_reason(self) -> str | None:
        return self._closed_reason

    def __len__(self) -> int:
        return len(self._items)

    # -- put/get --
    holds = False   # a producer waits here: what it holds in links leaves first (runtime/ports.py)

    def put(self, msg, timeout: float | None = None) -> bool:
        """Queue `msg`. Blocking: wait for room (False on timeout). Non-blocking: drop the oldest."""
        with self._cond:
            deadline = None if timeout is None else time.monotonic() + timeout
            while self._blocking and len(self._items) >= self._max_size and self._closed_reason is None:
                remaining = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            if self._closed_reason is not None:
                raise QueueClosed(self._closed_reason)
            while len(self._items) >= self._max_size:   # non-blocking (or made so while waiting)
                self._items.popleft()
                self.dropped += 1
            self._items.append(msg)
            self.received += 1
            self._cond.notify_all()
        if self.on_put is not None:
            self.on_put(self)
        return True

    def get(self, timeout: float | None = None):
        """The oldest message; waits for one. Waits in short slices so Ctrl-C gets through."""
        with self._cond:
            deadline = None if timeout is None else time.monotonic() + timeout
            while not self._items:
                if self._closed_reason is not None:
                    raise QueueClosed(self._closed_reason)
                remaining = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
                if remaining <= 0:
                    raise TimeoutError(f"no message on '{self.name}' within {timeout} s")
                self._cond.wait(remaining)
            msg = self._items.popleft()
            self._cond.notify_all()
            return msg

    def wait_for_message(self):
        """Wait until a message is queued, leaving it there (QueueClosed once closed and empty)."""
        with self._cond:
            while not self._items:
                if self._closed_reason is not None:
                    raise QueueClosed(self._closed_reason)
                self._cond.wait(0.1)

    def try_get(self):
        with self._cond:
            if not self._items:
                if self._closed_reason is not None:
                    raise QueueClosed(self._closed_reason)
                return None
            msg = self._items.popleft()
            self._cond.notify_all()
            return msg

    def try_get_all(self) -> list:
        with self._cond:
            if not self._items and self._closed_reason is not None:
                raise QueueClosed(self._closed_reason)
            items = list(self._items)
            self._items.clear()
            self._cond.notify_all()
            return items

    def has(self) -> bool:
        return bool(self._items)

    def front(self):
        with self._cond:
            return self._items[0] if self._items else None
