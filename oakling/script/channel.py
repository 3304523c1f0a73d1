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
  output are still on their way (LARGE_WINDOW when the next one's payload is copied into shared
  memory), so a full blocking input downstream stops the script after at most that many more
  (gen2's `send` waits for each message; the window keeps the links busy). The device's end
  forwards the script's bursts in bursts (link/held.py).

Doorbells are rung only for a side that says it waits: beside each count, the page holds a
`waiting` flag that the waiting side raises before it checks the count a last time and sleeps, and
the counting side reads after it stored the count (a full memory barrier between each side's store
and load, `fence`, so one of the two always sees the other's). A message that finds nobody waiting
costs no system call; a lost ring (a side that lies about waiting) costs its waiter a wait slice.
A producer's flag is the count it waits for, half its queue free, so a producer ahead of the script
wakes once per half queue; with room for one it waits at most BATCH_WAIT more.

The device trusts none of it: the page and the doorbells are in the script's hands too. A
`consumed` count must only grow and never pass what was sent; a script whose input socket is full
while its count says it has read enough to have emptied it counts messages it never read; a
message left half-read on a non-blocking input, or a control link left unread, for STALL_LIMIT
seconds is a script that stopped reading. Each is a broken rule: `DeviceEnd` tells its owner
(`broke`), which stops the script. (The `delivered` counts the device only writes: forging them
lets a script run past its own window, no more.) The device's sends never wait in the kernel
(`Link.on_full`): they wait in slices that end when the device stops or the script is gone, so
nothing a script does or leaves undone holds a device thread past that.

Made before the fork: each side then keeps its own ends (`device_end()` / `script_end()`).
"""
from __future__ import annotations

import mmap
import os
import select
import socket
import threading
import time
from collections import deque

import numpy as np

from ..link.held import release_held
from ..link.link import Link, LinkClosed, LinkFull
from ..link.records import MessagesUntilEnd
from ..runtime.queue import MessageQueue, QueueClosed
from ..runtime.worker import Feed

_COUNTERS_BYTES = 8192
WAITING = _COUNTERS_BYTES // 16   # counters[WAITING + i]: the waiting flag of counters[i]
OUTPUT_WINDOW = 16  # messages of one output that may be on their way to downstream at once
LARGE_WINDOW = 4    # ... when the next one's payload is copied into shared memory
MAX_MESSAGE = 512 << 20   # the largest message a script may send, by default its memory limit
STALL_LIMIT = 1.0   # seconds a script may leave a message half-read, or its control link unread
_SLICE = 0.1        # the device's waits on a script end within this, to see a stop or the script gone
BATCH_WAIT = 0.002  # a producer with room waits at most this for the script to take half its queue
_MAX_CONTROL_PAYLOAD = 64 << 10


class _Doorbell:
    """An eventfd: one side rings after changing a counter, the other waits for a ring."""

    def __init__(self):
        self.fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self._lock = threading.Lock()   # ring vs close: a closed descriptor's number may be reused

    def ring(self):
        with self._lock:
            if self.fd < 0:
                return
            try:
                os.eventfd_write(self.fd, 1)
            except OSError:
                pass

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a ring; True if one came."""
        try:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if ready:
                os.eventfd_read(self.fd)
                return True
        except (BlockingIOError, InterruptedError):
            pass
        return False

    def close(self):
        with self._lock:
            if self.fd >= 0:
                os.close(self.fd)
                self.fd = -1


def fence(lock: threading.Lock):
    """A full memory barrier, between storing to the shared page and loading from it: acquiring and
    releasing an uncontended lock runs atomic instructions (on x86, each a full barrier). Without
    it, a waiter's raised flag and a counter's new count could each sit unseen in a store buffer."""
    lock.acquire()
    lock.release()


class Channel:
    def __init__(self, inputs: list[tuple[str, bool, int]], outputs: list[str]):
        """`inputs`: (name, blocking, queue size); `outputs`: names."""
        if len(inputs) + len(outputs) > WAITING:
            raise ValueError(f"a Script may have at most {WAITING} inputs and outputs")
        self.inputs = inputs
        self.outputs = outputs
        self.control = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.input_socks = [socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM) for _ in inputs]
        self.output_socks = [socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM) for _ in outputs]
        self.consumed_bells = [_Doorbell() for _ in inputs]
        self.delivered_bells = [_Doorbell() for _ in outputs]
        # an anonymous shared page, inherited by the script's process at the fork: no descriptor to
        # leak (a mapping of a memfd keeps a duplicate of it until the mapping is collected)
        self._counters_map = mmap.mmap(-1, _COUNTERS_BYTES, flags=mmap.MAP_SHARED | mmap.MAP_ANONYMOUS)
        # consumed per input, then delivered per output; from WAITING on, their waiting flags
        self.counters = np.frombuffer(self._counters_map, np.int64)

    def discard(self):
        """Close both ends: the script's process was never made."""
        for pair in [self.control] + self.input_socks + self.output_socks:
            for sock in pair:
                sock.close()
        for bell in self.consumed_bells + self.delivered_bells:
            bell.close()
        self.counters = None   # the only view of the page: the mapping can go
        self._counters_map.close()

    def script_fds(self) -> set[int]:
        """The descriptors the script process keeps."""
        fds = {self.control[1].fileno()}
        fds.update(pair[1].fileno() for pair in self.input_socks + self.output_socks)
        fds.update(b.fd for b in self.consumed_bells + self.delivered_bells)
        return fds

    def device_end(self, max_message: int = MAX_MESSAGE, stop_event: threading.Event | None = None,
                   broke=None) -> "DeviceEnd":
        """The device's ends; what the script sends on them is checked, records of at most
        `max_message` bytes (see link.py: a script is not trusted), and `broke(text)` is told when
        the script breaks a rule of the channel (`DeviceEnd`)."""
        for pair in [self.control] + self.input_socks + self.output_socks:
            pair[1].close()
        return DeviceEnd(self, max_message, stop_event, broke)

    def script_end(self) -> "ScriptEnd":
        for pair in [self.control] + self.input_socks + self.output_socks:
            pair[0].detach()   # the device's descriptors are already closed in the script process
        return ScriptEnd(self)


# -- device side --

class ScriptFeed(Feed):
    """A Script input's policy in the device process (what `DeviceOutput.send` puts into): each
    message goes straight to the script process.

    Blocking: at most `size` messages are ahead of what the script says it has taken, and the
    producer waits for room. Non-blocking: a message that finds the script's socket full is
    dropped (the script is behind; its own queue would drop the oldest). What the script says is
    checked (the module's doc); a broken rule ends the script through `end.broke`."""

    def __init__(self, end: "DeviceEnd", port: str, link: Link, counters, index: int, bell: _Doorbell,
                 blocking: bool, size: int):
        super().__init__(link.name)
        self.link = link
        self._end = end
        self._port = port
        self._counters = counters
        self._index = index
        self._waiting = WAITING + index
        self._fence = threading.Lock()
        self._bell = bell
        self._blocking = blocking
        self._size = size
        self._sent = 0
        self._taken = 0              # the script's count of messages taken, as last checked
        self._taken_before_send = 0  # ... as checked before the current attempt to send
        self._idle_rings = 0         # rings in a row that came with nothing taken
        self._costs = deque(maxlen=size)   # what each of the last messages may cost the socket (Link.sent_cost)
        self._cost_before = 0
        self._socket_room = link.sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
        self.dropped = 0             # non-blocking: messages that found the script behind
        self._ending = False         # the end record is being sent: it is never dropped
        self.dead = False   # the script process is gone: messages are dropped, as a stopped node's
        link.on_full = self._link_full
        # a producer's held sends may wait across this feed: it sends them before it waits for room
        # (link/held.py); a non-blocking input's records are never held, as each is dropped on its
        # own when the script is behind
        self.holds, link.holds = True, blocking

    def put(self, msg, timeout: float | None = None) -> bool:
        with self._lock:
            if self._reason is not None:
                raise QueueClosed(self._reason)
            if self._blocking:
                if not self.dead and self._sent - self._check_taken() >= self._size:
                    self._wait_for_room()
                self._taken_before_send = self._taken
            if self.dead:
                return True
            self._cost_before = self.link.sent_cost
            try:
                self.link.send_message(msg)
            except LinkFull:
                self.dropped += 1
                return True
            except LinkClosed:
                self.dead = True
                return True
            self._sent += 1
            self._costs.append(self.link.sent_cost - self._cost_before)
        return True

    def _check_taken(self) -> int:
        """The script's count of messages taken, which may only grow and never pass what was sent
        (call with `_lock` held)."""
        taken = int(self._counters[self._index])
        if taken != self._taken:
            if not self._taken <= taken <= self._sent:
                self._broke(f"its count of messages taken from input '{self._port}' went from {self._taken} "
                            f"to {taken}, with {self._sent} sent")
                return self._taken
            self._taken = taken
            self._idle_rings = 0
        return taken

    def _wait_for_room(self):
        """Wait until the script has taken enough for one more message. The flag asks the script to
        ring once it has taken half the queue (so a producer ahead of the script wakes once per
        half queue, not per message); once there is room, the producer waits at most BATCH_WAIT
        for that, so a script that took one and then waits for something else delays it no more."""
        release_held()   # the script cannot take what this thread still holds
        counters, waiting = self._counters, self._waiting
        wanted = counters[waiting] = self._sent - self._size + max(1, self._size // 2)   # the count to ring at
        room_since = None
        try:
            fence(self._fence)
            while not self.dead:
                taken = self._check_taken()
                if self._sent - taken < self._size:   # room
                    if taken >= wanted:   # not the page's copy: the script may write there
                        return
                    now = time.monotonic()
                    if room_since is None:
                        room_since = now
                    elif now - room_since >= BATCH_WAIT:
                        return
                    self._bell.wait(BATCH_WAIT - (now - room_since))
                elif self._bell.wait(_SLICE) and int(counters[self._index]) == self._taken:
                    self._idle_rings += 1   # a stale ring, or a script ringing to keep this thread busy
                    if self._idle_rings > 2:
                        time.sleep(0.01)
                if self._reason is not None:
                    raise QueueClosed(self._reason)
        finally:
            counters[waiting] = 0

    def _link_full(self, written: int, stalled: float):
        """The script's socket is full (`Link.on_full`, in the sending thread): wait for room, drop
        the message, or stop the script."""
        if self.dead or self._end.stopping:
            raise LinkClosed(f"link '{self.link.name}': the script is gone")
        if not self._blocking:
            if not written and not self._ending:
                raise LinkFull()   # the script is behind: this message is dropped (its end is not)
            if stalled >= STALL_LIMIT:
                self._broke(f"it left its non-blocking input '{self._port}' unread for {STALL_LIMIT:g} s with "
                            f"a record on its way")
                raise LinkClosed(f"link '{self.link.name}': the script stopped reading")
        elif not written and self._counts_unread():
            taken = self._taken_before_send
            self._broke(f"input '{self._port}': its socket is full, yet it counts {taken} of the {self._sent} "
                        f"messages sent as taken, and the {self._sent - taken} left could not fill it (it counts "
                        f"messages it has not read)")
            raise LinkClosed(f"link '{self.link.name}': the script counts messages it has not read")
        self.link.wait_writable(_SLICE)
        if self._blocking:
            self._taken_before_send = self._check_taken()

    def _counts_unread(self) -> bool:
        """Whether the messages the script has not taken, by its count, cannot fill its socket: an
        honest script counts a message once it has read all of it, so it says it took some it has
        not read. (`Link.sent_cost` bounds what a record may cost the socket from above.)"""
        waiting = self._sent - self._taken_before_send
        costs = list(self._costs)
        most = sum(costs[len(costs) - waiting:]) if waiting > 0 else 0
        return most + self.link.sent_cost - self._cost_before < self._socket_room

    def _broke(self, text: str):
        self.dead = True
        self._end.broke(text)

    def script_gone(self):
        self.dead = True
        self._bell.ring()   # wake a producer waiting for room

    def close(self, reason: str = "queue closed", discard: bool = False):
        first = self._reason is None
        super().close(reason, discard)
        self._bell.ring()   # a producer waiting for room raises QueueClosed
        if first:
            with self._lock:   # after the message being sent, if any
                self._cost_before, self._ending = self.link.sent_cost, True
                try:
                    self.link.send_end(reason)
                except LinkClosed:
                    pass

    def release(self):
        """The channel is closing: the doorbell is closed once no producer can be waiting on it."""
        self.script_gone()
        if self._lock.acquire(timeout=1.0):   # a producer leaves within a wait slice once the script is gone
            try:
                self._bell.close()
            finally:
                self._lock.release()

    def blocking(self) -> bool:
        return self._blocking


class DeviceEnd:
    """The device's ends of a script's channel. `broke(text)` is called (once per broken rule, from
    the thread that found it) when the script breaks one of the channel's rules; `stop_event` is the
    device's, which ends every wait on the script."""

    def __init__(self, channel: Channel, max_message: int = MAX_MESSAGE, stop_event: threading.Event | None = None,
                 broke=None):
        self._channel = channel
        self._stop_event = stop_event if stop_event is not None else threading.Event()
        self._on_broken = broke
        self.gone = False   # the script process is gone, or is being stopped
        # a script's control records carry no payload: none may make the device hold a large one
        self.control = Link(channel.control[0], "script-control", max_message=_MAX_CONTROL_PAYLOAD)
        self.control.on_full = self._control_full
        n = len(channel.inputs)
        # segment_wait=0: a message that finds every segment lent to the script busy goes inline at once
        self.feeds = {name: ScriptFeed(self, name, Link(pair[0], f"script-in-{name}", segment_wait=0),
                                       channel.counters, k, channel.consumed_bells[k], blocking, size)
                      for k, ((name, blocking, size), pair) in enumerate(zip(channel.inputs, channel.input_socks))}
        self.output_links = {name: Link(pair[0], f"script-out-{name}", max_message=max_message)
                             for name, pair in zip(channel.outputs, channel.output_socks)}
        self._delivered = {name: (n + k, channel.delivered_bells[k], threading.Lock())
                           for k, name in enumerate(channel.outputs)}

    @property
    def stopping(self) -> bool:
        return self.gone or self._stop_event.is_set()

    def broke(self, text: str):
        self.gone = True
        if self._on_broken is not None:
            self._on_broken(text)

    def script_gone(self):
        self.gone = True
        for feed in self.feeds.values():
            feed.script_gone()

    def _control_full(self, written: int, stalled: float):
        """A record to the script waits for room in its control link (`Link.on_full`)."""
        if self.stopping:
            raise LinkClosed("link 'script-control': the script is gone")
        if stalled >= STALL_LIMIT:
            self.broke(f"it left its control link unread for {STALL_LIMIT:g} s")
            raise LinkClosed("link 'script-control': the script stopped reading it")
        self.control.wait_writable(min(_SLICE, STALL_LIMIT - stalled))

    def delivered(self, output: str, count: int):
        """Tell the script that `count` messages of `output` have reached every linked input."""
        index, bell, lock = self._delivered[output]
        counters = self._channel.counters
        counters[index] = count
        fence(lock)
        wanted = int(counters[WAITING + index])   # the script waits for room: the count it wants
        if wanted and count >= wanted:
            bell.ring()

    def close(self):
        self.gone = True
        for link in [self.control, *self.output_links.values(), *(f.link for f in self.feeds.values())]:
            link.close()
        for feed in self.feeds.values():
            feed.release()
        for _, bell, _ in self._delivered.values():
            bell.close()


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
