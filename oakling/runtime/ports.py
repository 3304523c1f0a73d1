"""Device-side ports: an input is a bounded queue; an output pushes to every linked input.

End of stream: when every output linked to an input has closed (its node finished or failed),
the input closes too; its node reads what is queued, then QueueClosed ends it, and so on down
the pipeline to the host.
"""
from __future__ import annotations

import threading

from .queue import MessageQueue


class DeviceInput:
    def __init__(self, label: str, blocking: bool, queue_size: int, wait_for_message: bool):
        self.label = label
        self.queue = MessageQueue(queue_size, blocking, label)
        self.wait_for_message = wait_for_message
        self.linked = False
        self._last = None
        self._producers = 0
        self._producers_lock = threading.Lock()

    def add_producer(self):
        self.linked = True
        self._producers += 1

    def producer_done(self, reason: str):
        with self._producers_lock:
            self._producers -= 1
            if self._producers == 0:
                self.queue.close(reason)

    def get(self, timeout: float | None = None):
        self._last = self.queue.get(timeout)
        return self._last

    def try_get(self):
        msg = self.queue.try_get()
        if msg is not None:
            self._last = msg
        return msg

    def try_get_all(self) -> list:
        msgs = self.queue.try_get_all()
        if msgs:
            self._last = msgs[-1]
        return msgs

    def receive(self):
        """The node's policy for this input: wait for a new message when waitForMessage is set;
        otherwise take a new one if there is one, and reuse the last one if not (None if never)."""
        if self.wait_for_message:
            return self.get()
        msg = self.try_get()
        return msg if msg is not None else self._last

    def close(self, reason: str):
        self.queue.close(reason)


class DeviceOutput:
    def __init__(self, label: str):
        self.label = label
        self.targets: list[DeviceInput] = []

    @property
    def linked(self) -> bool:
        return bool(self.targets)

    def send(self, msg):
        """Push to each linked input in turn; a full blocking input makes this wait (gen2)."""
        for target in self.targets:
            target.queue.put(msg)

    def close(self, reason: str):
        """No more messages will come from here: the end of stream for every linked input."""
        targets, self.targets = self.targets, []
        for target in targets:
            target.producer_done(reason)
