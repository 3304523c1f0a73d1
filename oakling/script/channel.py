"""The wires between a Script worker (device process) and its script process.

One `Link` per port, so a full output never holds up an input or a log line, plus a control link
(logs, start, the script's end). Each link is a socket pair, so frames cross through the links'
shared-memory segments and published regions, never pickled.

Queue semantics cross the process boundary with counters in a small shared page and eventfd
doorbells:

- input: the input's policy in the device process is a `ScriptFeed`, so upstream nodes write
  straight to the script process. A blocking input counts what the script has taken
  (`consumed`); the feed lets at most `queueSize` messages be ahead of it (waiting in the link
  until the script reads them), and upstream `send` waits, as gen2's. A non-blocking input is
  drained by a thread into a queue of its size that drops the oldest.
- output: the device pushes each message to the linked inputs (waiting on full blocking ones)
  and counts it `delivered`; the script's `send` waits while OUTPUT_WINDOW messages of that
  output are still on their way, so a full blocking input downstream stops the script after at
  most that many more (gen2's `send` waits for each message; the window keeps the links busy).

Made before the fork: each side then keeps its own ends (`device_end()` / `script_end()`).
"""
from __future__ import annotations

import mmap
import os
import select
import socket

import numpy as np

from ..link.link import Link, LinkClosed
from ..link.records import MessagesUntilEnd
from ..runtime.queue import MessageQueue, QueueClosed
from ..runtime.worker import Feed

_COUNTERS_BYTES = 4096
OUTPUT_WINDOW = 4   # messages of one output that may be on their way to downstream at once
MAX_MESSAGE = 512 << 20   # the largest message a script may send, by default its memory limit


class _Doorbell:
    """An eventfd: one side rings after changing a counter, the other waits for a ring."""

    def __init__(self):
        self.fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)

    def ring(self):
        try:
            os.eventfd_write(self.fd, 1)
        except OSError:
            pass

    def wait(self, timeout: float):
        try:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if ready:
                os.eventfd_read(self.fd)
        except (BlockingIOError, InterruptedError):
            pass

    def close(self):
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class Channel:
    def __init__(self, inputs: list[tuple[str, bool, int]], outputs: list[str]):
        """`inputs`: (name, blocking, queue size); `outputs`: names."""
        if 8 * (len(inputs) + len(outputs)) > _COUNTERS_BYTES:
            raise ValueError(f"a Script may have at most {_COUNTERS_BYTES // 8} inputs and outputs")
        self.inputs = inputs
        self.outputs = outputs
        self.control = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.input_socks = [socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM) for _ in inputs]
        self.output_socks = [socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM) for _ in outputs]
        self.consumed_bells = [_Doorbell() for _ in inputs]
        self.delivered_bells = [_Doorbell() for _ in outputs]
        fd = os.memfd_create("oakling-script-counters", os.MFD_CLOEXEC)
        try:
            os.ftruncate(fd, _COUNTERS_BYTES)
            self._counters_map = mmap.mmap(fd, _COUNTERS_BYTES)   # shared with the script after the fork
        finally:
            os.close(fd)
        self.counters = np.frombuffer(self._counters_map, np.int64)   # consumed per input, then delivered per output

    def script_fds(self) -> set[int]:
        """The descriptors the script process keeps."""
        fds = {self.control[1].fileno()}
        fds.update(pair[1].fileno() for pair in self.input_socks + self.output_socks)
        fds.update(b.fd for b in self.consumed_bells + self.delivered_bells)
        return fds

    def device_end(self, max_message: int = MAX_MESSAGE) -> "DeviceEnd":
        """The device's ends; what the script sends on them is checked, records of at most
        `max_message` bytes (see link.py: a script is not trusted)."""
        for pair in [self.control] + self.input_socks + self.output_socks:
            pair[1].close()
        return DeviceEnd(self, max_message)

    def script_end(self) -> "ScriptEnd":
        for pair in [self.control] + self.input_socks + self.output_socks:
            pair[0].detach()   # the device's descriptors are already closed in the script process
        return ScriptEnd(self)


# -- device side --

class ScriptFeed(Feed):
    """A Script input's policy in the device process (what `DeviceOutput.send` puts into): each
    message goes straight to the script process."""

    def __init__(self, link: Link, counters, index: int, bell: _Doorbell, blocking: bool, size: int):
        super().__init__(link.name)
        self.link = link
        self._counters = counters
        self._index = index
        self._bell = bell
        self._blocking = blocking
        self._size = size
        self._sent = 0
        self.dead = False   # the script process is gone: messages are dropped, as a stopped node's

    def put(self, msg, timeout: float | None = None) -> bool:
        with self._lock:
            if self._reason is not None:
                raise QueueClosed(self._reason)
            while self._blocking and not self.dead and self._sent - int(self._counters[self._index]) >= self._size:
                self._bell.wait(0.1)
                if self._reason is not None:
                    raise QueueClosed(self._reason)
            if self.dead:
                return True
            try:
                self.link.send_message(msg)
            except LinkClosed:
                self.dead = True
                return True
            self._sent += 1
        return True

    def script_gone(self):
        self.dead = True
        self._bell.ring()   # wake a producer waiting for room

    def close(self, reason: str = "queue closed", discard: bool = False):
        if self._reason is None:
            try:
                self.link.send_end(reason)
            except LinkClosed:
                pass
        super().close(reason, discard)
        self._bell.ring()

    def blocking(self) -> bool:
        return self._blocking


class DeviceEnd:
    def __init__(self, channel: Channel, max_message: int = MAX_MESSAGE):
        self._channel = channel
        self.control = Link(channel.control[0], "script-control", max_message=max_message)
        n = len(channel.inputs)
        self.feeds = {name: ScriptFeed(Link(pair[0], f"script-in-{name}"), channel.counters, k,
                                      channel.consumed_bells[k], blocking, size)
                      for k, ((name, blocking, size), pair) in enumerate(zip(channel.inputs, channel.input_socks))}
        self.output_links = {name: Link(pair[0], f"script-out-{name}", max_message=max_message)
                             for name, pair in zip(channel.outputs, channel.output_socks)}
        self._delivered = {name: (n + k, channel.delivered_bells[k]) for k, name in enumerate(channel.outputs)}

    def delivered(self, output: str, count: int):
        """Tell the script that `count` messages of `output` have reached every linked input."""
        index, bell = self._delivered[output]
        self._channel.counters[index] = count
        bell.ring()

    def close(self):
        for link in [self.control, *self.output_links.values(), *(f.link for f in self.feeds.values())]:
            link.close()


# -- script side --

class ScriptEnd:
    def __init__(self, channel: Channel):
        self._channel = channel
        self.control = Link(channel.control[1], "control")
        self.inputs = {}
        for k, ((name, blocking, size), pair) in enumerate(zip(channel.inputs, channel.input_socks)):
            self.inputs[name] = (Link(pair[1], name), MessageQueue(size, blocking, name),
                                 channel.counters, k, channel.consumed_bells[k], blocking)
        n = len(channel.inputs)
        self.outputs = {name: (Link(pair[1], name), channel.counters, n + k, channel.delivered_bells[k])
                        for k, (name, pair) in enumerate(zip(channel.outputs, channel.output_socks))}


def receive_into(link: Link, queue: MessageQueue, adopt):
    """Script side, one thread per input: move messages from the link into the input's queue."""
    try:
        incoming = MessagesUntilEnd(link)
        for msg in incoming:
            queue.put(adopt(msg))
        queue.close(incoming.reason or "the input's stream ended")
    except LinkClosed:
        queue.close("the device stopped")
    except QueueClosed:
        pass
