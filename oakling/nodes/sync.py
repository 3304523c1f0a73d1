"""Sync: one message from each input, grouped when their timestamps agree, as a MessageGroup.

    sync = pipeline.create(dai.node.Sync)
    sync.setSyncThreshold(timedelta(milliseconds=20))
    cam.video.link(sync.inputs["video"])
    nn.out.link(sync.inputs["nn"])
    sync.out.link(xout.input)                 # a dai.MessageGroup: group["video"], group["nn"]

Ports (gen2): `inputs[name]` (group "inputs"; any message; blocking, queue 8, does not wait) and
`out` (MessageGroup). Properties as gen2's SyncProperties: `syncThresholdNs` (10 ms) and
`syncAttempts` (-1).

The node takes one message from every input, then, until their timestamps (`getTimestamp()`) lie
less than the threshold apart, replaces the oldest with the next message of its input. How long it
tries is `setSyncAttempts`: -1 (default) until they agree, 0 not at all (the first message of each
input is sent as it is), n > 0 at most n replacements, after which the group is sent anyway with a
warning. The group's sequence number and timestamps are those of its newest message.
"""
from __future__ import annotations

from datetime import timedelta

from ..log import LogLevel
from ..messages._args import as_int
from ..messages.clock import to_ns
from ..messages.datatype import DatatypeEnum
from ..messages.messagegroup import MessageGroup
from ..pipeline.node import InputMap, Node
from ..pipeline.registry import node_type
from ..runtime.worker import QueueClosed, Worker

DEFAULT_THRESHOLD_NS = 10_000_000


@node_type(worker="SyncWorker")
class Sync(Node):
    NAME = "Sync"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.inputs = InputMap(self, "inputs", "inputs", blocking=True, queueSize=8, waitForMessage=False)
        self.out = self._output("out", types=(DatatypeEnum.MessageGroup,))
        self.properties = {"syncThresholdNs": DEFAULT_THRESHOLD_NS, "syncAttempts": -1}

    def setSyncThreshold(self, syncThreshold):
        """The largest spread of timestamps in a group: a datetime.timedelta (or float seconds)."""
        try:
            ns = to_ns(syncThreshold)
        except TypeError:
            raise TypeError(f"{self._label}.setSyncThreshold: expected a datetime.timedelta, got "
                            f"{type(syncThreshold).__name__} {syncThreshold!r}") from None
        if ns < 0:
            raise ValueError(f"{self._label}.setSyncThreshold: expected a threshold ≥ 0, got {syncThreshold!r}")
        self.properties["syncThresholdNs"] = ns

    def getSyncThreshold(self) -> timedelta:
        return timedelta(microseconds=self.properties["syncThresholdNs"] / 1000)

    def setSyncAttempts(self, syncAttempts: int):
        """-1: send only groups that agree; 0: send each group as it fills; n: try n times, then send."""
        attempts = as_int(syncAttempts, f"{self._label}.setSyncAttempts")
        if attempts < -1:
            raise ValueError(f"{self._label}.setSyncAttempts: expected -1, 0 or more, got {attempts}")
        self.properties["syncAttempts"] = attempts

    def getSyncAttempts(self) -> int:
        return self.properties["syncAttempts"]

    def check_ports(self):
        super().check_ports()
        if len(self.inputs) == 0:
            raise RuntimeError(f"{self._label}: no inputs to synchronize — link outputs to "
                               f"sync.inputs['name'], one per stream")


def in_sync(stamps: dict, threshold_ns: int) -> bool:
    """Whether the timestamps (name -> ns) lie less than `threshold_ns` apart."""
    return max(stamps.values()) - min(stamps.values()) < threshold_ns


class SyncWorker(Worker):
    """Takes one message per linked input, replaces the oldest until they agree (or the attempts run
    out), and sends them as a MessageGroup."""

    def run(self):
        threshold, attempts_allowed = self.properties["syncThresholdNs"], self.properties["syncAttempts"]
        inputs = {name: port for (group, name), port in self.ctx.inputs.items() if group == "inputs" and port.linked}
        out = self.output("out")
        if not inputs:
            return
        while True:
            try:
                held = {name: port.get() for name, port in inputs.items()}
                attempts = 0
                while True:
                    stamps = {name: msg._ts_ns for name, msg in held.items()}
                    if in_sync(stamps, threshold):
                        break
                    if attempts_allowed != -1 and attempts >= attempts_allowed:
                        if attempts_allowed > 0:
                            self._error("unsynced", f"{self.label}: messages still more than {threshold / 1e6:g} ms "
                                                    f"apart after {attempts} attempts; sending them anyway",
                                        LogLevel.WARN)
                        break
                    oldest = min(stamps, key=stamps.get)
                    held[oldest] = inputs[oldest].get()
                    attempts += 1
            except QueueClosed:
                return
            group = MessageGroup()
            for name, msg in held.items():
                group[name] = msg
            newest = max(held.values(), key=lambda m: m._ts_ns)
            out.send(group._keep_time_of(newest))
