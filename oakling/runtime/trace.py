"""Traces: every message's path through the device's pipeline, in the Chrome trace event format
(JSON), which Perfetto (ui.perfetto.dev) and chrome://tracing open.

    Device(pipeline, trace="trace.json")      # or OAKLING_TRACE=trace.json, or oakling run --trace

When the device options name a trace file, the runtime makes its ports the traced kinds below
instead of the plain `DeviceInput`/`DeviceOutput`; without one nothing here runs, so tracing that is
off costs no time at all. What a trace holds, one track (thread) per node, named `Node(id)`:

- `send <port> → <Node(id).input>` (complete event): one per message and linked input, on the
  sender's track (sends from a node's other threads — a Script's output pumps — on a track of their
  own beside it), lasting as long as the put took (a full blocking input shows as a long send),
  with the message's sequence number, and a flow arrow (`s`) to the consumer;
- `process <input>` (complete event) on the consumer's track: from a message's dequeue to the
  node's next blocking wait for one (or, for inputs a node takes in its producers' threads — XLinkOut,
  NeuralNetwork, Script — the time its feed took), with the sequence number and how long the message
  waited in the queue; the flow arrow ends (`f`) at its start;
- `queue <Node(id).input>` counters: how many messages each input queue holds.

Timestamps are microseconds on the machine's monotonic clock (the one message timestamps use).
Events are written a thousand at a time, so a device that is killed leaves a trace of all but its
last events that the viewers still read (the format allows a missing closing bracket); a normal
close writes the rest and ends the JSON array.
"""
from __future__ import annotations

import itertools
import json
import os
import threading
import time
import weakref

from .ports import DeviceInput, DeviceOutput, InboxView

ENV_TRACE = "OAKLING_TRACE"
PROCESS_NAME = "oakling device"


def _now_us() -> float:
    return time.monotonic_ns() / 1000.0


def _seq(msg):
    return getattr(msg, "_seq", None)


class Tracer:
    """Collects trace events from any thread and writes them to `path` a batch at a time."""

    BATCH = 1000   # events kept before they are written

    def __init__(self, path: str):
        self.path = path
        self.pid = os.getpid()
        self._file = open(path, "w", encoding="utf-8")
        self._file.write("[\n")
        self._lock = threading.Lock()
        self._lines: list[str] = []
        self._flows = itertools.count(1)
        self._closed = False
        self._tracks: dict[int, "NodeTrack"] = {}
        self._names: dict[str, str] = {}
        self._write({"ph": "M", "name": "process_name", "pid": self.pid, "tid": 0, "args": {"name": PROCESS_NAME}})

    def track(self, node_id: int, label: str) -> "NodeTrack":
        """The track of node `node_id` (made, and named `label`, on first use)."""
        track = self._tracks.get(node_id)
        if track is None:
            track = self._tracks[node_id] = NodeTrack(self, node_id, label)
            self._write({"ph": "M", "name": "thread_name", "pid": self.pid, "tid": node_id, "args": {"name": label}})
            self._write({"ph": "M", "name": "thread_sort_index", "pid": self.pid, "tid": node_id,
                         "args": {"sort_index": node_id}})
        return track

    def flow_id(self) -> int:
        return next(self._flows)

    def _write(self, event: dict):
        self._line(json.dumps(event, separators=(",", ":"), ensure_ascii=False))

    def _line(self, line: str):
        # Per-message events are formatted here with f-strings (names quoted once, in `quoted`): a
        # json.dumps per event would cost more than the rest of the message's way through the device.
        lines = self._lines
        lines.append(line)
        if len(lines) >= self.BATCH:
            self.flush()

    def flush(self):
        with self._lock:
            lines, self._lines = self._lines, []
            if lines and not self._closed:
                self._file.write(",\n".join(lines) + ",\n")
                self._file.flush()

    def quoted(self, name: str) -> str:
        """`name` as a JSON string (kept: names repeat for every message)."""
        text = self._names.get(name)
        if text is None:
            text = self._names[name] = json.dumps(name, ensure_ascii=False)
        return text

    def send(self, tid: int, name: str, start: float, end: float, seq, flow: int):
        """A send slice and the start of its message's flow."""
        seq = "null" if seq is None else int(seq)
        self._line(f'{{"ph":"X","name":{self.quoted(name)},"cat":"node","pid":{self.pid},"tid":{tid},'
                   f'"ts":{start:.3f},"dur":{max(0.0, end - start):.3f},"args":{{"seq":{seq},"flow":{flow}}}}}')
        # flow points inside their slices (viewers bind them to the slice enclosing their time)
        self._line(f'{{"ph":"s","name":"message","cat":"message","id":{flow},"pid":{self.pid},"tid":{tid},'
                   f'"ts":{(start + max(start, end)) / 2:.3f}}}')

    def process(self, tid: int, port: str, start: float, end: float, seq, flow, queued):
        """A processing slice, and the end of its message's flow (at the slice's start)."""
        seq = "null" if seq is None else int(seq)
        extra = "" if queued is None else f',"queued_us":{max(0.0, queued):.1f}'
        if flow is not None:
            extra += f',"flow":{flow}'
        self._line(f'{{"ph":"X","name":{self.quoted("process " + port)},"cat":"node","pid":{self.pid},'
                   f'"tid":{tid},"ts":{start:.3f},"dur":{max(0.0, end - start):.3f},'
                   f'"args":{{"input":{self.quoted(port)},"seq":{seq}{extra}}}}}')
        if flow is not None:   # "bp":"e": the flow ends at the slice that encloses it, this one
            self._line(f'{{"ph":"f","bp":"e","name":"message","cat":"message","id":{flow},"pid":{self.pid},'
                       f'"tid":{tid},"ts":{(start + max(start, end)) / 2:.3f}}}')

    def counter(self, name: str, ts: float, value: int):
        self._line(f'{{"ph":"C","name":{self.quoted(name)},"pid":{self.pid},"tid":0,"ts":{ts:.3f},'
                   f'"args":{{"messages":{value}}}}}')

    def close(self):
        """End the slices under way, write what is left and end the JSON array (idempotent); later
        events are dropped."""
        now = _now_us()
        for track in list(self._tracks.values()):
            track.end_work(now)
        self.flush()
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._file.write(json.dumps({"ph": "i", "s": "p", "name": "trace end", "pid": self.pid, "tid": 0,
                                         "ts": round(now, 3)}) + "\n]\n")
            self._file.close()


class NodeTrack:
    """One node's track: the processing slice it is in (from a dequeue to its next blocking wait)."""

    def __init__(self, tracer: Tracer, node_id: int, label: str):
        self.tracer, self.tid, self.label = tracer, node_id, label
        self._threads: dict[int, int] = {}    # thread ident → tid of the node's other threads' tracks
        self._numbers = itertools.count()
        self._busy_since: float | None = None
        self._busy_with: tuple = ()     # (input, seq, flow, queued µs) of the message that started it

    def sending_tid(self) -> int:
        """The track a send from this thread goes on: the node's own for its worker's thread (named
        as the node), else one per thread beside it — a Script's output pumps, a model's inference
        threads — so that slices on one track never overlap."""
        thread = threading.current_thread()
        if thread.name == self.label:
            return self.tid
        tid = self._threads.get(thread.ident)
        if tid is None:
            tid = self._threads[thread.ident] = (self.tid + 1) * 1000 + next(self._numbers)
            name = thread.name[len(self.label) + 1:] if thread.name.startswith(self.label + "-") else thread.name
            pid = self.tracer.pid
            self.tracer._write({"ph": "M", "name": "thread_name", "pid": pid, "tid": tid,
                                "args": {"name": f"{self.label} · {name}"}})
            self.tracer._write({"ph": "M", "name": "thread_sort_index", "pid": pid, "tid": tid,
                                "args": {"sort_index": self.tid}})
        return tid

    @property
    def busy(self) -> bool:
        return self._busy_since is not None

    def start_work(self, ts: float, port: str, seq, flow, queued):
        """A message was taken at `ts`: the node works from now on (unless it already was)."""
        if self._busy_since is None:
            self._busy_since, self._busy_with = ts, (port, seq, flow, queued)
        elif flow is not None:   # taken while working: its flow ends in the slice under way
            self.tracer._line(f'{{"ph":"f","bp":"e","name":"message","cat":"message","id":{flow},'
                              f'"pid":{self.tracer.pid},"tid":{self.tid},"ts":{ts:.3f}}}')

    def end_work(self, ts: float):
        """The node waits for a message from `ts` on: the slice under way ends."""
        start = self._busy_since
        if start is not None:
            self._busy_since = None
            port, seq, flow, queued = self._busy_with
            self.tracer.process(self.tid, port, start, ts, seq, flow, queued)


class TracedDeviceOutput(DeviceOutput):
    """A `DeviceOutput` that records each put into each linked input."""

    def __init__(self, label: str, track: NodeTrack, port: str):
        super().__init__(label)
        self._track = track
        self._port = port

    def send(self, msg):
        tracer, tid = self._track.tracer, self._track.sending_tid()
        for target in self.targets:
            flow = tracer.flow_id()
            start = _now_us()
            note = getattr(target, "note_enqueued", None)
            if note is not None:
                note(msg, flow, start)
            try:
                target.inbox.put(msg)
            finally:   # a put that a closing input ended still shows, up to the close
                end = _now_us()
                tracer.send(tid, f"send {self._port} → {target.label}", start, end, _seq(msg), flow)
            if note is not None:
                target.count_queue(end)


class TracedDeviceInput(DeviceInput):
    """A `DeviceInput` that matches each message it hands its node to the send that brought it."""

    def __init__(self, label: str, blocking: bool, queue_size: int, wait_for_message: bool,
                 track: NodeTrack, port: str):
        super().__init__(label, blocking, queue_size, wait_for_message)
        self._track = track
        self._port = port
        self._pending: dict[int, list] = {}   # id(msg) → [(weak ref, flow, enqueued at)]
        self._counter = f"queue {label}"
        self._prune_at = 4 * queue_size + 64

    def note_enqueued(self, msg, flow: int, ts: float):
        try:
            ref = weakref.ref(msg)
        except TypeError:
            ref = None
        pending = self._pending
        pending.setdefault(id(msg), []).append((ref, flow, ts))
        if len(pending) > self._prune_at:   # forget messages a non-blocking queue dropped
            for key in [k for k, entries in pending.items() if all(r is not None and r() is None for r, _, _ in entries)]:
                del pending[key]
            self._prune_at = max(4 * self.queue_size + 64, 2 * len(pending))

    def _taken(self, msg) -> tuple[int | None, float | None]:
        entries = self._pending.get(id(msg))
        while entries:
            ref, flow, ts = entries.pop(0)
            if ref is None or ref() is msg:
                if not entries:
                    self._pending.pop(id(msg), None)
                return flow, ts
        self._pending.pop(id(msg), None)
        return None, None

    def count_queue(self, ts: float):
        if self.inbox is self.queue:
            self._track.tracer.counter(self._counter, ts, len(self.queue))

    def _dequeued(self, msg, ts: float, waited: bool = True):
        """`msg` was taken at `ts`: by a blocking get (the node works from now until its next one), or
        (`waited` False) by a look that does not wait — a camera's inputControl between frames —
        which, when the node is not already in a slice, is a slice of its own, of no length."""
        flow, enqueued = self._taken(msg)
        queued = None if enqueued is None else ts - enqueued
        track = self._track
        if waited or track.busy:
            track.start_work(ts, self._port, _seq(msg), flow, queued)
        else:
            track.tracer.process(track.tid, self._port, ts, ts, _seq(msg), flow, queued)
        self.count_queue(ts)

    def feed(self, feed):
        super().feed(_TracedFeed(feed, self))

    def get(self, timeout: float | None = None):
        self._track.end_work(_now_us())
        msg = super().get(timeout)
        self._dequeued(msg, _now_us())
        return msg

    def try_get(self):
        msg = super().try_get()
        if msg is not None:
            self._dequeued(msg, _now_us(), waited=False)
        return msg

    def try_get_all(self) -> list:
        msgs = super().try_get_all()
        ts = _now_us()
        for msg in msgs:
            self._dequeued(msg, ts, waited=False)
        return msgs


class _TracedFeed(InboxView):
    """A feed (an input a node takes in its producers' threads) whose every put is one processing
    slice on the consumer's track."""

    def __init__(self, feed, port: TracedDeviceInput):
        super().__init__(feed)
        self._port = port

    def put(self, msg, timeout: float | None = None) -> bool:
        port = self._port
        track = port._track
        start = _now_us()
        flow, enqueued = port._taken(msg)
        try:
            return self._feed.put(msg, timeout)
        finally:
            track.tracer.process(track.tid, port._port, start, _now_us(), _seq(msg), flow,
                                 None if enqueued is None else start - enqueued)
