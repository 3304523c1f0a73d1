"""The host's end of each XLink stream: gen2's DataOutputQueue and DataInputQueue.

A blocking queue (the default) moves messages in the caller's thread: `get()` reads the stream,
`send()` writes it. A queue that must move messages while nobody calls it (non-blocking, with
callbacks, or watched by queue events) has a thread of its own, as in gen2: an output queue's
thread reads the stream, runs the callbacks and queues the message. Either way, a host that does
not read back-pressures the device all the way to the source node unless the queue is
non-blocking.
"""
from __future__ import annotations

import itertools
import sys
import threading
import time

from ..messages.buffer import Buffer
from ..link.link import Link, LinkClosed
from ..link.records import End, Message, MessagesUntilEnd
from ..runtime.queue import MessageQueue, QueueClosed


_ENDED = "the stream ended"


def _broken(doing: str, error: Exception) -> str:
    return (f"oakling failed {doing} the stream ({type(error).__name__}: {error}) — this is a bug in "
            f"oakling; please report it with this message")


class StreamEnded(RuntimeError):
    """The stream's source ended (a camera's clip stopped, a node finished): no message will
    follow. A RuntimeError, as gen2 raises for a closed queue; an oakling addition."""


def _arity(callback) -> int:
    import inspect   # only when a callback is added: inspect is slow to import
    try:
        params = inspect.signature(callback).parameters.values()
    except (TypeError, ValueError):
        return 1
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return 2
    return min(len(positional), 2)


class _HostQueue:
    def __init__(self, name: str, link: Link, max_size: int, blocking: bool, lost):
        """`lost()` gives the reason to report once the link to the device is gone."""
        self._name = name
        self._link = link
        self._lost = lost
        self._queue = MessageQueue(max_size, blocking, name)

    def getName(self) -> str:
        return self._name

    def setMaxSize(self, size: int):
        self._queue.set_max_size(size)

    def getMaxSize(self) -> int:
        return self._queue.max_size()

    def setBlocking(self, blocking: bool):
        self._queue.set_blocking(blocking)

    def getBlocking(self) -> bool:
        return self._queue.blocking()

    def isClosed(self) -> bool:
        return self._queue.closed

    def close(self, reason: str = "the queue was closed", discard: bool = False):
        self._queue.close(reason, discard)

    def _closed_error(self, e: QueueClosed) -> RuntimeError:
        error = StreamEnded if str(e).startswith(_ENDED) else RuntimeError
        return error(f"Queue '{self._name}': {e}")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} '{self._name}'>"


class DataOutputQueue(_HostQueue):
    """Messages from an XLinkOut stream. `get()` blocks (Ctrl-C still works); `get(timeout=s)`
    raises TimeoutError after `s` seconds (an oakling extension).

    A blocking queue with no callbacks (the default) is read in the caller's thread: `get()` reads
    the stream itself, one thread wake less per message, and the device waits while nobody reads,
    as it would for a full gen2 queue. A reader thread takes over for good once the queue is made
    non-blocking, gets a callback, or the device is asked for queue events: messages then arrive
    whether or not anyone calls `get()`, as gen2's do."""

    def __init__(self, name, link, max_size=16, blocking=True, lost=None, on_message=None, on_end=None):
        """`on_end()` runs when the stream's end arrives, before the queue closes (the Device
        catches up with its control link there, so failures are known when get() raises)."""
        super().__init__(name, link, max_size, blocking, lost)
        self._on_end = on_end
        self._callbacks: dict[int, tuple] = {}
        self._failed_callbacks: set[int] = set()
        self._ids = itertools.count(1)
        self._on_message = on_message
        if on_message is not None:
            self._queue.on_put = lambda q: on_message(name)
        self._read_lock = threading.Lock()   # one reader of the stream at a time
        self._thread = None
        if not blocking:
            self.start_reader()

    def start_reader(self):
        """Read the stream on a thread of its own from now on."""
        with self._read_lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._read, name=f"oakling-out-{self._name}", daemon=True)
        self._thread.start()

    def setBlocking(self, blocking: bool):
        super().setBlocking(blocking)
        if not blocking:
            self.start_reader()

    def _read(self):
        try:
            incoming = MessagesUntilEnd(self._link)
            for msg in incoming:
                for callback_id, (callback, arity) in list(self._callbacks.items()):
                    try:
                        (callback() if arity == 0 else callback(msg) if arity == 1
                         else callback(self._name, msg))
                    except Exception as e:   # as gen2: say so, and go on with the stream
                        self._callback_failed(callback_id, e)
                self._queue.put(msg)
            self._ended(incoming.reason)
        except QueueClosed:
            pass
        except LinkClosed:
            self._queue.close(self._lost() if self._lost else "the device closed the stream")
        except Exception as e:   # a bug of ours: say so on get() rather than leave the stream silent
            self._queue.close(_broken("reading", e))

    def _ended(self, reason: str):
        """The stream's end arrived: close the queue, once `on_end` has run."""
        if self._on_end is not None:
            self._on_end()
        self._queue.close(f"{_ENDED}: {reason}")

    def _read_pending(self, wait: float):
        """In the caller's thread: the next message if one arrives within `wait` seconds, else None
        (also when the reader thread has taken over)."""
        link = self._link
        try:
            if not link.pending(wait):
                return None
            with self._read_lock:
                if self._thread is not None or not link.pending():
                    return None   # the reader thread, or another caller, got there first
                record = link.recv()
                if type(record) is Message:
                    return record.message
                if type(record) is End:
                    self._ended(record.reason)   # get() then raises StreamEnded from the closed queue
        except LinkClosed:
            self._queue.close(self._lost() if self._lost else "the device closed the stream")
        except Exception as e:   # a bug of ours: say so on get() rather than leave the stream silent
            self._queue.close(_broken("reading", e))
        return None

    def _pull(self):
        """In the caller's thread: queue what has already arrived, while there is room."""
        while (self._thread is None and not self._queue.closed and len(self._queue) < self._queue.max_size()
               and self._link.pending()):
            msg = self._read_pending(0)
            if msg is not None:
                self._queue.put(msg)

    def _callback_failed(self, callback_id: int, error: Exception):
        """Print a callback's exception: its traceback the first time, one line after that."""
        import traceback
        line = f"Queue '{self._name}': callback {callback_id} raised {type(error).__name__}: {error}"
        if callback_id in self._failed_callbacks:
            print(line, file=sys.stderr)
            return
        self._failed_callbacks.add(callback_id)
        trace = "".join(traceback.format_exception(type(error), error, error.__traceback__)).rstrip()
        print(f"{line} (the stream goes on; later failures of this callback print one line)\n{trace}",
              file=sys.stderr)

    def get(self, timeout: float | None = None):
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                remaining = None if deadline is None else deadline - time.monotonic()
                if self._thread is not None or len(self._queue) or self._queue.closed:
                    return self._queue.get(remaining if remaining is None or remaining > 0 else 0)
                msg = self._read_pending(0.1 if remaining is None else max(0.0, min(0.1, remaining)))
                if msg is not None:
                    if self._on_message is not None:   # a queue event, as for a message that was queued
                        self._on_message(self._name)
                    return msg
                if remaining is not None and remaining <= 0:
                    raise TimeoutError
        except QueueClosed as e:
            raise self._closed_error(e) from None
        except TimeoutError:
            raise TimeoutError(f"Queue '{self._name}': no message within {timeout} s") from None

    def tryGet(self):
        self._pull()
        try:
            return self._queue.try_get()
        except QueueClosed as e:
            raise self._closed_error(e) from None

    def tryGetAll(self) -> list:
        self._pull()
        try:
            return self._queue.try_get_all()
        except QueueClosed as e:
            raise self._closed_error(e) from None

    def getAll(self, timeout: float | None = None) -> list:
        """Waits for at least one message, then returns every queued message."""
        first = self.get(timeout)
        self._pull()
        try:
            return [first] + self._queue.try_get_all()
        except QueueClosed:   # the stream ended right after `first`: the next call says so
            return [first]

    def has(self) -> bool:
        self._pull()
        return self._queue.has()

    def front(self):
        self._pull()
        return self._queue.front()

    def addCallback(self, callback) -> int:
        """Call `callback()`, `callback(msg)` or `callback(name, msg)` on each message (on the
        queue's thread). Returns an id for removeCallback."""
        if not callable(callback):
            raise TypeError(f"Queue '{self._name}'.addCallback: expected a callable, got {callback!r}")
        callback_id = next(self._ids)
        self._callbacks[callback_id] = (callback, _arity(callback))
        self.start_reader()
        return callback_id

    def removeCallback(self, callback_id: int) -> bool:
        return self._callbacks.pop(callback_id, None) is not None


class DataInputQueue(_HostQueue):
    """Messages to an XLinkIn stream. While the stream has room, `send()` on a blocking queue (the
    default) writes the message in the caller's thread, and no thread is woken per message. When it
    has none, messages wait in the queue for a writer thread, as in gen2: `send()` returns at once
    until `maxSize` of them wait, then waits for room (blocking) or drops the oldest (non-blocking)."""

    def __init__(self, name, link, max_size=16, blocking=True, lost=None, max_data_size=5 * 1024 * 1024,
                 node_label="XLinkIn"):
        super().__init__(name, link, max_size, blocking, lost)
        self._max_data_size = max_data_size
        self._node_label = node_label
        self._write_lock = threading.Lock()   # one writer at a time: messages stay whole and in order
        self._thread = None                   # the writer thread, started the first time it is needed

    def send(self, msg):
        if not isinstance(msg, Buffer):
            raise TypeError(f"Queue '{self._name}'.send: expected a message (dai.Buffer, dai.ImgFrame, "
                            f"dai.NNData, …), got {type(msg).__name__}")
        size = msg.getData().nbytes
        if size > self._max_data_size:
            raise RuntimeError(
                f"Queue '{self._name}': message of {size} bytes is larger than {self._node_label}'s "
                f"maxDataSize of {self._max_data_size} bytes — call setMaxDataSize({size}) on the "
                f"XLinkIn node when building the pipeline")
        try:
            if self._queue.blocking() and self._write_lock.acquire(blocking=False):
                try:   # nothing waits before it and the stream has room: write it now
                    if self._queue.closed:
                        raise QueueClosed(self._queue.closed_reason)
                    if not len(self._queue) and self._link.has_room(size):
                        self._write_one(msg)
                        return
                finally:
                    self._write_lock.release()
            if self._thread is None:
                self._thread = threading.Thread(target=self._write, name=f"oakling-in-{self._name}", daemon=True)
                self._thread.start()
            self._queue.put(msg)
        except QueueClosed as e:
            raise self._closed_error(e) from None

    def _write_one(self, msg):
        """Write one message to the stream; a broken link closes the queue (QueueClosed says why)."""
        try:
            self._link.send_message(msg)
        except LinkClosed:
            self._queue.close(self._lost() if self._lost else "the device closed the stream")
            raise QueueClosed(self._queue.closed_reason) from None
        except Exception as e:   # a bug of ours: say so rather than leave the stream silent
            self._queue.close(_broken("writing", e))
            raise QueueClosed(self._queue.closed_reason) from None

    def _write(self):
        """The writer thread: sends what waits in the queue, oldest first."""
        try:
            while True:
                self._queue.wait_for_message()
                with self._write_lock:
                    msg = self._queue.try_get()
                    if msg is not None:
                        self._write_one(msg)
        except QueueClosed:
            pass

    def setMaxDataSize(self, size: int):
        self._max_data_size = int(size)

    def getMaxDataSize(self) -> int:
        return self._max_data_size
