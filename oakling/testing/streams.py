"""XLink streams whose host end is the test: what an XLinkIn or XLinkOut worker sees in a harness,
in place of `runtime/streams.py`'s HostStream (same methods, no link beneath)."""
from __future__ import annotations

import contextlib

from ..messages import codec
from ..runtime.queue import MessageQueue, QueueClosed


class HarnessStream:
    """One stream: the test puts what an XLinkIn receives and gets what an XLinkOut sends."""

    def __init__(self, label: str, queue_size: int):
        self.queue = MessageQueue(queue_size, True, label)

    def send(self, msg, metadata_only: bool = False) -> bool:
        if metadata_only:   # as the link sends it: everything but the data
            datatype, meta, payload = codec.encode(msg)
            msg = codec.decode(datatype, meta, payload[:0])
        try:
            self.queue.put(msg)
        except QueueClosed:
            return False
        return True

    def end(self, reason: str):
        self.queue.close(reason)

    def forwarding(self):
        """As a device stream's: nothing to hold here (no link)."""
        return contextlib.nullcontext()

    def receive(self):
        try:
            return self.queue.get()
        except QueueClosed:
            return None

    def close(self, reason: str = "the harness stopped"):
        self.queue.close(reason)
