"""The device-side half of a node: a Worker runs on its own thread in the device process.

The runtime hands each worker its ports and properties; a worker reads its inputs with
`get()`/`try_get()`/`receive()`, sends with `send()`, and logs with `log()`. It never sees links or
processes. A worker's `run()` returns when it is done; a stop closes its queues, which ends any
wait with QueueClosed.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from ..log import LogLevel
from .clock import REAL_CLOCK
from .queue import QueueClosed

__all__ = ["Feed", "QueueClosed", "Worker", "WorkerContext"]


class Feed:
    """An input policy a worker declares (`Worker.feeds()`) in place of the input's bounded queue:
    `put` (a subclass's) handles each message in its producer's thread — does the node's work, or
    carries the message to another process — one producer at a time (`_lock`), so no thread wakes
    up per message; `close` ends the input, and the node's own thread only waits for that in
    `wait_closed`."""

    def __init__(self, label: str):
        self.name = label
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._reason: str | None = None

    holds = False   # True: `put` only writes to a link (ports.Inbox)

    def put(self, msg, timeout: float | None = None) -> bool:
        raise NotImplementedError

    def close(self, reason: str = "queue closed", discard: bool = False):
        if self._reason is None:
            self._reason = reason
        self._closed.set()

    def wait_closed(self, stop_event) -> str | None:
        """The reason the input closed, or None if the device stopped first."""
        while not self._closed.wait(0.1):
            if stop_event.is_set():
                return None
        return self._reason

    @property
    def closed(self) -> bool:
        return self._reason is not None

    def blocking(self) -> bool:
        return True

    def __len__(self) -> int:
        return 0


def published_copy(data):
    """(a copy of `data` in published shared memory, its region): frames that are views of it cross
    every link by reference. The bytes must never change again; `region.release()` when done."""
    from ..link.sharedmem import shared_array
    shared, region = shared_array(data.shape, data.dtype)
    shared[...] = data
    region.publish()
    return shared, region


@dataclass
class WorkerContext:
    node_id: int
    name: str
    properties: dict
    inputs: dict          # (group, name) -> device input port
    outputs: dict         # (group, name) -> device output port
    assets: dict[str, bytes]
    log: Callable[[int, str], None]          # (LogLevel value, text)
    stop_event: threading.Event
    host_streams: Any = None                 # stream name -> host stream (XLink nodes only)
    options: dict = field(default_factory=dict)
    clock: Any = REAL_CLOCK                  # what the worker keeps time with (runtime/clock.py)
    session: Any = None                      # a recording or replay (session/device.py), else None


class Worker:
    # Non-blocking inputs that block when the device runs offline (`realtime=False`), so the
    # cameras feeding them wait instead of dropping frames the node must have in pairs.
    OFFLINE_BLOCKING: tuple[str, ...] = ()

    def __init__(self, ctx: WorkerContext):
        self.ctx = ctx
        self.properties = ctx.properties

    @property
    def label(self) -> str:
        return f"{self.ctx.name}({self.ctx.node_id})"

    def input(self, name: str, group: str = ""):
        return self.ctx.inputs[(group, name)]

    def output(self, name: str, group: str = ""):
        return self.ctx.outputs[(group, name)]

    def log(self, level: int, text: str):
        self.ctx.log(level, text)

    ERROR_INTERVAL = 1.0   # seconds between two log lines about the same kind of problem

    def _error(self, key, text: str, level=LogLevel.ERR):
        """Log `text`, but one line per second (of the node's clock) at most for the same kind of
        problem (`key`): a per-message problem in a 30 fps stream would otherwise flood the log."""
        logged = self.__dict__.setdefault("_last_logged", {})
        now = self.ctx.clock.monotonic()
        if now - logged.get(key, -1e9) >= self.ERROR_INTERVAL:
            logged[key] = now
            self.log(level, text)

    @property
    def stopping(self) -> bool:
        return self.ctx.stop_event.is_set()

    def sleep(self, seconds: float) -> bool:
        """Sleep on the node's clock unless the device stops first; True if it is stopping."""
        return self.ctx.clock.sleep(seconds, self.ctx.stop_event)

    def feeds(self) -> dict:
        """{(group, name): Feed} for the inputs this node takes in its producers' threads; the runtime
        wires them before the pipeline runs. Every other input keeps its bounded queue."""
        return {}

    def run(self):
        raise NotImplementedError
