"""One node of a pipeline, run alone in the test's process by its real worker, on a clock the test
moves: a unit test of a node's logic without a device.

    with NodeHarness(script) as h:     # the node's worker is built and started, the clock at 0
        h.push("in", dai.Buffer())     # as an upstream node sends: waits while a blocking input is full
        msg = h.pull("out", timeout=1.0)
        h.advance(0.5)                 # the node's clock moves 0.5 s; sleepers due by then wake
        h.close("in")                  # the input's end of stream: the node ends as in a pipeline

The harness builds a schema of that node alone and runs it on the device's own `Runtime`, so the
worker is wired as on the device, input feeds included (a Script's process is forked as ever).
Each of the node's inputs gets an end the test pushes into, and each output a queue the test
pulls from (a blocking one, so a node that outruns the test waits, and loses nothing). XLink
nodes get their host stream from the harness: push to an XLinkIn by its stream name, and pull
from an XLinkOut by its stream name. A port is named by its gen2 name ("inputImage", "in"), its
attribute ("input"), or "group.name" ("inputs.a") where two groups share a name.
"""
from __future__ import annotations

import sys

from ..host.options import OPTIONS, device_options
from ..host.queues import StreamEnded
from ..log import LogLevel, LogMessage
from ..pipeline.node import Input
from ..pipeline.schema import build
from ..runtime.ports import DeviceInput, DeviceOutput
from ..runtime.queue import QueueClosed
from ..runtime.runtime import Runtime
from .clock import ManualClock
from .streams import HarnessStream

OUTPUT_QUEUE_SIZE = 256   # messages an output keeps for the test before the node waits
PUSH_TIMEOUT = 5.0        # real seconds a push waits for room before it says the node is stuck
_OPTIONS = set(OPTIONS) - {"blobs"}   # the Device's, but blob substitutes: load the blob you mean


class NoSuchPort(KeyError):
    """A push, pull or close named a port the harness does not have."""

    def __str__(self):
        return str(self.args[0])


class _OneNode:
    """A pipeline of one node, as `schema.build` reads a pipeline: no connections."""

    def __init__(self, node):
        self._node = node

    def getAllNodes(self):
        return [self._node]

    def getConnections(self):
        return []

    def getGlobalProperties(self):
        return self._node.getParentPipeline().getGlobalProperties()


class NodeHarness:
    """Runs `node` (made by `pipeline.create`) alone. `inputs`/`outputs`: the names of the ports
    to link to the test (default: all of them); a node sees those ports linked, and only those,
    as in a pipeline. `clock`: a ManualClock (default: a new one at 0). Options are the Device's:
    `cameras`, `realtime`, `camera_end`, `script_network`, `calibration`, `imu` (the environment is not read)."""

    def __init__(self, node, *, inputs=None, outputs=None, clock: ManualClock | None = None, **options):
        self.node = node
        self.label = f"{node.getName()}({node.id})"
        unknown = set(options) - _OPTIONS
        if unknown:
            raise TypeError(f"NodeHarness({self.label}): unknown option(s) {sorted(unknown)} — it takes the "
                            f"Device's {sorted(_OPTIONS)}")
        worker_options, _ = device_options(options, environ={})
        self.logs: list[LogMessage] = []
        self.failure: str | None = None   # why the node stopped, if it raised
        self._runtime = None
        ports = list(node.ports())
        self._inputs = self._choose([p for p in ports if isinstance(p, Input)], inputs, "input")
        self._outputs = self._choose([p for p in ports if not isinstance(p, Input)], outputs, "output")
        self._senders = {str(p): DeviceOutput(f"the test's end of {p}") for p in self._inputs.values()}
        self._received = {str(p): DeviceInput(str(p), True, OUTPUT_QUEUE_SIZE, True) for p in self._outputs.values()}
        outside = {(node.id, p.group, p.name): self._senders[str(p)] for p in self._inputs.values()}
        outside.update({(node.id, p.group, p.name): self._received[str(p)] for p in self._outputs.values()})
        self._streams = self._xlink_stream()
        schema, assets, storage = build(_OneNode(node))
        self.clock = clock if clock is not None else ManualClock()
        self._own_clock = clock is None
        self._runtime = Runtime(schema, assets, storage, self._streams, self._log, worker_options,
                                on_node_failed=self._failed, clock=self.clock, outside_ports=outside)
        self._runtime.start()

    def _choose(self, ports: list, names, kind: str) -> dict:
        """{name the test may use: port} for the ports named (all of them if `names` is None)."""
        aliases: dict[str, object] = {}
        for port in ports:
            said = {port.name, str(port).partition(".")[2]} | ({f"{port.group}.{port.name}"} if port.group else set())
            for alias in said:
                aliases[alias] = port if aliases.get(alias, port) is port else None   # None: ambiguous
        if names is None:
            chosen = ports
        else:
            chosen = [self._find(aliases, name, kind, ports) for name in names]
        return {alias: port for alias, port in aliases.items() if port is not None and port in chosen}

    def _find(self, aliases: dict, name, kind: str, ports: list):
        port = aliases.get(name)
        if port is None:
            raise NoSuchPort(f"{self.label} has no {kind} '{name}'{self._listing(kind, ports)}")
        return port

    def _listing(self, kind: str, ports) -> str:
        names = sorted({str(p).partition(".")[2] for p in ports})
        stream = self._stream_name(kind)
        if stream:
            names.append(f"'{stream}' (its stream)")
        return f" — its {kind}s are {', '.join(names)}" if names else f" — it has no {kind}s"

    def _stream_name(self, kind: str) -> str | None:
        """The XLink stream the test uses as this kind of port: an XLinkIn's input, an XLinkOut's output."""
        if (self.node.getName(), kind) in (("XLinkIn", "input"), ("XLinkOut", "output")):
            return self.node.properties["streamName"]
        return None

    def _xlink_stream(self) -> dict:
        if self.node.getName() not in ("XLinkIn", "XLinkOut"):
            return {}
        name = self.node.properties["streamName"]
        if not name:
            raise RuntimeError(f"{self.label}: the stream name is empty — call setStreamName('...') on it")
        return {name: HarnessStream(f"{self.label} stream '{name}'", OUTPUT_QUEUE_SIZE)}

    def _log(self, level: int, node: str, text: str):
        record = LogMessage(node, level, self.clock.monotonic(), text)
        self.logs.append(record)
        if level >= LogLevel.WARN:
            print(f"[{node or 'device'}] [{record.level.name.lower()}] {text}", file=sys.stderr)

    def _failed(self, label: str, text: str):
        self.failure = text

    # -- the test's side --
    def push(self, input_name: str, message, timeout: float = PUSH_TIMEOUT):
        """Send `message` to an input as an upstream node would: a full blocking input waits for
        room (at most `timeout` real seconds, then TimeoutError), a non-blocking one drops its oldest."""
        if input_name == self._stream_name("input"):
            queues = [self._streams[input_name].queue]
        else:
            port = self._port(self._inputs, input_name, "input")
            sender = self._senders[str(port)]
            if not sender.linked:
                raise RuntimeError(f"{port}: the test closed this input; nothing more can be pushed to it")
            queues = [target.inbox for target in sender.targets]   # the queue, or the feed the node declared
        for queue in queues:
            try:
                if not queue.put(message, timeout):
                    raise TimeoutError(f"{queue.name}: the input stayed full for {timeout} s — the node is not "
                                       f"taking messages (is it waiting for another input, or for advance()?)")
            except QueueClosed as e:
                raise RuntimeError(f"{queue.name} is closed: {e}") from None

    def pull(self, output_name: str, timeout: float = 1.0):
        """The next message of an output, waiting at most `timeout` real seconds (TimeoutError).
        StreamEnded once the output has ended (its node finished or failed) and all is pulled."""
        queue, label = self._output_queue(output_name)
        try:
            return queue.get(timeout)
        except TimeoutError:
            raise TimeoutError(f"{label}: no message within {timeout} s (the node's clock is at "
                               f"{self.clock.monotonic():g} s — advance() it if the node waits for time)") from None
        except QueueClosed as e:
            raise StreamEnded(f"{label} ended: {e}") from None

    def try_pull(self, output_name: str):
        """The next message of an output if there is one now, else None (StreamEnded once it has ended)."""
        queue, label = self._output_queue(output_name)
        try:
            return queue.try_get()
        except QueueClosed as e:
            raise StreamEnded(f"{label} ended: {e}") from None

    def close(self, input_name: str):
        """End an input's stream, as when its upstream node ends."""
        if input_name == self._stream_name("input"):
            self._streams[input_name].end(f"the test closed stream '{input_name}'")
            return
        port = self._port(self._inputs, input_name, "input")
        self._senders[str(port)].close(f"the test closed {port}")

    def advance(self, seconds: float):
        """Move the node's clock `seconds` on; sleepers due by then wake."""
        self.clock.advance(seconds)

    def _output_queue(self, output_name: str):
        if output_name == self._stream_name("output"):
            return self._streams[output_name].queue, f"{self.label} stream '{output_name}'"
        port = self._port(self._outputs, output_name, "output")
        return self._received[str(port)].queue, str(port)

    def _port(self, chosen: dict, name: str, kind: str):
        port = chosen.get(name)
        if port is None:
            linked = sorted({str(p).partition(".")[2] for p in chosen.values()})
            ports = [p for p in self.node.ports() if isinstance(p, Input) == (kind == "input")]
            if any(name in (p.name, str(p).partition(".")[2]) for p in ports):
                raise NoSuchPort(f"{self.label}.{name} is not linked to the test — this harness links "
                                 f"{kind}s {', '.join(linked) or 'none'}; name it in NodeHarness({kind}s=[...])")
            raise NoSuchPort(f"{self.label} has no {kind} '{name}'{self._listing(kind, ports)}")
        return port

    # -- ending --
    def stop(self):
        """Stop the node (its Script process too) and free the clock."""
        if self._runtime is not None:
            self._runtime.stop()
            self._runtime = None
        for stream in self._streams.values():
            stream.close()
        if self._own_clock:
            self.clock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
