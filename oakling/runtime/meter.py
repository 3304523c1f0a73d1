"""Live figures of a running pipeline, for the host's live view (host/view.py): per node, the
messages it took and the time it spent on them, per output the messages it sent, per input what it
received, holds and dropped, and which links are blocked right now.

    Device(pipeline, view=True)      # or OAKLING_VIEW=1, or oakling run --view

When the device options ask for the view, the runtime builds metered ports (the classes made by
`metered_input`/`metered_output` over the plain or the traced ones) and a `Meter`; the host's
`view_snapshot` question is answered by `Meter.snapshot()`. Without the view none of this runs:
the plain ports only have their queues' counters (one increment per message, runtime/queue.py).

A node is *busy* from a message it took after a blocking wait until its next blocking wait, as in a
trace; a feed (an input the node takes in its producers' threads) is busy for each put. A link is
*blocked* when its producer has been putting into it for longer than `BLOCKED_AFTER` and the input
is a full blocking queue or a feed still taking the message: the input's node (or, for an XLinkOut,
the host reading its stream) is the slow consumer. Each output also adds up the time each linked
input took to accept its messages (`waited`): the host calls a link that took most of the last
second *held back* — its consumer sets the pace — even when no single wait was long.
"""
from __future__ import annotations

import os
import threading
import time
from functools import lru_cache

from .ports import DeviceInput, DeviceOutput, InboxView

ENV_VIEW = "OAKLING_VIEW"
BLOCKED_AFTER = 0.5   # seconds a put has waited before its link counts as blocked

_TICK = os.sysconf("SC_CLK_TCK")


class NodeMeter:
    """One node's figures: messages taken, busy time, and its ports."""

    def __init__(self, node_id: int, label: str):
        self.node_id, self.label = node_id, label
        self.taken = 0
        self.busy_total = 0.0
        self.busy_since: float | None = None
        self.inputs: list = []    # metered inputs, in schema order
        self.outputs: list = []

    def start_busy(self, now: float):
        if self.busy_since is None:
            self.busy_since = now

    def end_busy(self, now: float):
        start = self.busy_since
        if start is not None:
            self.busy_since = None
            self.busy_total += now - start

    def busy(self, now: float) -> float:
        start = self.busy_since
        return self.busy_total + (now - start if start is not None else 0.0)


class Meter:
    """The figures of every node of one runtime."""

    def __init__(self):
        self.nodes: dict[int, NodeMeter] = {}
        self.failures: dict[str, str] = {}   # "Node(id)" → why it stopped
        self.started = time.monotonic()

    def node(self, node_id: int, label: str) -> NodeMeter:
        meter = self.nodes.get(node_id)
        if meter is None:
            meter = self.nodes[node_id] = NodeMeter(node_id, label)
        return meter

    def snapshot(self, script_stats: dict | None = None) -> dict:
        """Every figure now, as plain values (msgpack): {"time", "started", "cpu", "nodes": [...],
        "blocked": [...]}.
        Counters only grow; the host turns two snapshots into rates."""
        now = time.monotonic()
        cpu = _thread_cpu()
        script_stats = script_stats or {}
        nodes, blocked = [], []
        for node in self.nodes.values():
            inputs = []
            for port in node.inputs:
                inputs.append({"port": port.port, "received": port.received(), "dropped": port.dropped(),
                               "fill": port.fill(), "size": port.queue_size, "blocking": port.blocking,
                               "feed": port.inbox is not port.queue})
            outputs = []
            for port in node.outputs:
                since = port.sending_since
                waited = 0.0 if since is None else now - since
                outputs.append({"port": port.port, "sent": port.sent, "sending": waited,
                                "waited": [[t.meter.node_id, t.port, port.waited.get(t.label, 0.0)]
                                           for t in port.targets if getattr(t, "meter", None) is not None]})
                if waited >= BLOCKED_AFTER:
                    for target in port.targets:
                        if getattr(target, "meter", None) is not None and target.stuck():
                            blocked.append({"from": [node.node_id, port.port], "to": [target.meter.node_id, target.port],
                                            "seconds": waited})
            script = script_stats.get(node.label)
            nodes.append({"id": node.node_id, "label": node.label, "taken": node.taken, "busy": node.busy(now),
                          "cpu": sum(seconds for name, seconds in cpu.items()
                                     if name == node.label or name.startswith(node.label + "-")),
                          "script_cpu": None if script is None else script.get("cpuSeconds"),
                          "error": self.failures.get(node.label), "inputs": inputs, "outputs": outputs})
        return {"time": now, "started": self.started, "cpu": _process_cpu(), "nodes": nodes, "blocked": blocked}


def _thread_cpu() -> dict[str, float]:
    """{thread name: CPU seconds} of this process's Python threads (names joined if repeated)."""
    found: dict[str, float] = {}
    for thread in threading.enumerate():
        native = getattr(thread, "native_id", None)
        if native is None:
            continue
        try:
            with open(f"/proc/self/task/{native}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        found[thread.name] = found.get(thread.name, 0.0) + (int(fields[11]) + int(fields[12])) / _TICK
    return found


def _process_cpu() -> float:
    times = os.times()
    return times.user + times.system


class MeteredInput:
    """Mixed in before a `DeviceInput` class: counts what its node takes and times its work."""

    meter: NodeMeter
    port: str

    def attach(self, meter: NodeMeter, port: str):
        self.meter, self.port = meter, port
        meter.inputs.append(self)

    def received(self) -> int:
        return self.inbox.received   # the queue's count, or the metered feed's

    def dropped(self) -> int:
        return self.inbox.dropped

    def fill(self) -> int:
        try:
            return len(self.inbox)
        except TypeError:
            return 0

    def stuck(self) -> bool:
        """Is a producer held up by this input: a full blocking queue, or a feed still in a put."""
        inbox = self.inbox
        if inbox is self.queue:
            return self.queue.blocking() and len(self.queue) >= self.queue.max_size()
        return getattr(inbox, "putting", 0) > 0

    def feed(self, feed):
        super().feed(feed)
        self.inbox = _MeteredFeed(self.inbox, self)

    def get(self, timeout: float | None = None):
        meter = self.meter
        meter.end_busy(time.monotonic())
        msg = super().get(timeout)
        meter.taken += 1
        meter.start_busy(time.monotonic())
        return msg

    def try_get(self):
        msg = super().try_get()
        if msg is not None:
            self.meter.taken += 1
        return msg

    def try_get_all(self) -> list:
        msgs = super().try_get_all()
        self.meter.taken += len(msgs)
        return msgs


class _MeteredFeed(InboxView):
    """A feed whose every put counts as a message taken and as busy time of the consumer."""

    def __init__(self, feed, port: MeteredInput):
        super().__init__(feed)
        self._port = port
        self.received = 0
        self.putting = 0

    def put(self, msg, timeout: float | None = None) -> bool:
        meter = self._port.meter
        self.received += 1
        self.putting += 1
        start = time.monotonic()
        try:
            return self._feed.put(msg, timeout)
        finally:
            self.putting -= 1
            meter.taken += 1
            meter.busy_total += time.monotonic() - start

    @property
    def dropped(self) -> int:
        return getattr(self._feed, "dropped", 0)


class MeteredOutput:
    """Mixed in before a `DeviceOutput` class: counts its sends, adds up how long each linked input
    took to accept them (`waited`, by input label), and says how long the send under way has taken
    (a long one waits on a full blocking input)."""

    meter: NodeMeter
    port: str

    def attach(self, meter: NodeMeter, port: str):
        self.meter, self.port = meter, port
        self.sent = 0
        self.sending_since: float | None = None
        self.waited: dict[str, float] = {}
        self._own_loop = super().send.__func__ is DeviceOutput.send   # over the plain port: time each input
        meter.outputs.append(self)

    def send(self, msg):
        self.sent += 1
        now = self.sending_since = time.monotonic()
        waited = self.waited
        try:
            if not self._own_loop:   # a traced output loops itself: its whole send counts for each input
                try:
                    super().send(msg)
                finally:
                    spent = time.monotonic() - now
                    for target in self.targets:
                        waited[target.label] = waited.get(target.label, 0.0) + spent
                return
            for target in self.targets:
                try:
                    target.inbox.put(msg)
                finally:
                    end = time.monotonic()
                    waited[target.label] = waited.get(target.label, 0.0) + end - now
                    now = end
        finally:
            self.sending_since = None


@lru_cache(maxsize=None)
def metered_input(base: type) -> type:
    """`base` (DeviceInput or a subclass: the traced one) with the meter mixed in."""
    assert issubclass(base, DeviceInput)
    return type(f"Metered{base.__name__}", (MeteredInput, base), {})


@lru_cache(maxsize=None)
def metered_output(base: type) -> type:
    assert issubclass(base, DeviceOutput)
    return type(f"Metered{base.__name__}", (MeteredOutput, base), {})
