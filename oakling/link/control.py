"""The operations of control records, and the loop that hands each control record to its op's handler.

Control links carry dicts like `{"op": "log", ...}`. `ControlOp` lists every op; its values are the
strings that travel (msgpack packs a member as its string), so the wire format is plain strings.
Each receiving side keeps a table op → handler and reads its control link with `follow`.
"""
from __future__ import annotations

from enum import Enum
from typing import Callable, Mapping

from .records import Control


class ControlOp(str, Enum):
    """The "op" of a control record. A member is its string: it packs as one and equals one."""
    # host → device
    START = "start"            # the pipeline: schema and assets; payload: asset storage; fds: the streams
    LOG_LEVEL = "log_level"
    GPIO_READ = "gpio_read"    # questions: the device answers each with a REPLY of the same id
    GPIO_WRITE = "gpio_write"
    NODE_STATS = "node_stats"
    SYSTEM_INFO = "system_info"   # the device process's figures, as SystemLogger reads them
    VIEW_SNAPSHOT = "view_snapshot"   # the live view's per-node and per-port counters (runtime/meter.py)
    SYNC = "sync"              # no question: the reply says the host has read all sent before it
    CLOSE = "close"
    # device → host
    STARTED = "started"
    LOG = "log"                # also script → device
    NODE_FAILED = "node_failed"
    REPLY = "reply"
    CLOSED = "closed"
    # device → script
    GO = "go"
    GPIO = "gpio"              # a pin written elsewhere; also script → device: a pin the script wrote
    # script → device
    READY = "ready"
    DONE = "done"
    FAILED = "failed"


def follow(link, handlers: Mapping[ControlOp, Callable[[Control], object]]):
    """Read `link` and call the handler of each control record's op with the record, until a handler
    returns something other than None; that is returned. Messages, ends and ops with no handler here
    are skipped. LinkClosed (the other side is gone) is the caller's to handle."""
    table = {op.value: handler for op, handler in handlers.items()}
    recv = link.recv
    while True:
        record = recv()
        if type(record) is Control:
            handler = table.get(record.op)
            if handler is not None:
                outcome = handler(record)
                if outcome is not None:
                    return outcome
