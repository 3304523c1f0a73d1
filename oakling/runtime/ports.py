"""Device-side ports: an output pushes to every linked input's inbox.

An input's inbox is its policy (`Inbox`): the bounded queue its node reads (the default), or a
`Feed` the node declared (`Worker.feeds()`), which does the node's work in the producer's thread
or carries the message into a script process. The runtime wires the feeds when it builds.

A node that makes frames asks its output for their memory (`DeviceOutput.array`): shared buffers
of the output's FramePool (link/pool.py), which links lend to other processes without a copy.

End of stream: when every output linked to an input has closed (its node finished or failed),
the input closes too; its node reads what is queued, then QueueClosed ends it, and so on down
the pipeline to the host.
"""
from __future__ import annotations

import threading
from typing import Protocol

import numpy as np

from ..link.held import holding, release_held
from .queue import MessageQueue


class Inbox(Protocol):
    """What a producer pushes into: a `MessageQueue` or a `Feed` (runtime/worker.py). `holds`: it
    only writes to a link, so a thread's held sends may wait across it (link/held.py)."""

    holds: bool

    def put(self, msg, timeout: float | None = None) -> bool: ...
    def close(self, reason: str = "queue closed", discard: bool = False): ...
    def blocking(self) -> bool: ...


class InboxView:
    """A feed seen through another object that wraps its `put` (a traced or a metered feed): all the
    rest is the feed's."""

    def __init__(self, feed: Inbox):
        self._feed = feed

    def __getattr__(self, name):
        return getattr(self._feed, name)

    def close(self, reason: str = "queue closed", discard: bool = False):
        return self._feed.close(reason, discard)

    def blocking(self) -> bool:
        return self._feed.blocking()

    def __len__(self) -> int:
        return len(self._feed)


class DeviceInput:
    def __init__(self, label: str, blocking: bool, queue_size: int, wait_for_message: bool):
        self.label = label
        self.queue = MessageQueue(queue_size, blocking, label)
        self.inbox: Inbox = self.queue
        self.blocking = blocking
        self.queue_size = queue_size
        self.wait_for_message = wait_for_message
        self.linked = False
        self._last = None
        self._producers = 0
        self._producers_lock = threading.Lock()

    def feed(self, feed: Inbox):
        """Producers put into `feed` from now on instead of this input's queue (before the pipeline runs)."""
        self.inbox = feed

    def add_producer(self):
        self.linked = True
        self._producers += 1

    def producer_done(self, reason: str):
        with self._producers_lock:
            self._producers -= 1
            if self._producers == 0:
                self.inbox.close(reason)

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
        self.inbox.close(reason)


class DeviceOutput:
    def __init__(self, label: str):
        self.label = label
        self.targets: list[DeviceInput] = []
        self._pool = None

    def array(self, shape, dtype=np.uint8) -> np.ndarray:
        """A writable array for a frame this output is about to send, in shared memory that links
        pass to other processes by reference (this output's FramePool, link/pool.py, made at first
        use). Write it before `send`, never after."""
        pool = self._pool
        if pool is None:
            from ..link.pool import FramePool
            pool = self._pool = FramePool(self.label)
        return pool.array(shape, dtype)

    @property
    def linked(self) -> bool:
        return bool(self.targets)

    def send(self, msg):
        """Push to each linked input in turn; a full blocking input makes this wait (gen2). Records
        the thread holds (link/held.py) leave before an input that is not a link's."""
        for target in self.targets:
            inbox = target.inbox
            if holding.links and not inbox.holds:
                release_held()
            inbox.put(msg)

    def close(self, reason: str):
        """No more messages will come from here: the end of stream for every linked input."""
        targets, self.targets = self.targets, []
        for target in targets:
            target.producer_done(reason)
        if self._pool is not None:   # frames still held stay valid; their buffers are not reused
            self._pool.close()
