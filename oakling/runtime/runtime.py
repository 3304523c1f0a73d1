"""The device runtime: builds node workers from a schema, wires their queues, runs one thread each.

It knows nothing about specific node types: the schema names each node, the node registry
(`pipeline/registry.py`) gives the worker class for that name, the schema's ioInfo and
connections give the ports, and each worker declares the feeds its inputs take (`feeds()`).
"""
from __future__ import annotations

import threading
import traceback

from ..log import LogLevel
from ..pipeline import registry
from ..pipeline.schema import node_assets
from .clock import REAL_CLOCK
from .ports import DeviceInput, DeviceOutput
from .queue import QueueClosed
from .worker import WorkerContext


def _link(out: DeviceOutput, inp: DeviceInput):
    out.targets.append(inp)
    inp.add_producer()


def _port_classes(traced: bool, metered: bool) -> tuple[type, type]:
    """(input class, output class): the plain ports, or the traced (runtime/trace.py) and/or metered
    (runtime/meter.py) ones; the modules of the latter two are imported only when asked for."""
    inputs, outputs = DeviceInput, DeviceOutput
    if traced:
        from .trace import TracedDeviceInput, TracedDeviceOutput
        inputs, outputs = TracedDeviceInput, TracedDeviceOutput
    if metered:
        from .meter import metered_input, metered_output
        inputs, outputs = metered_input(inputs), metered_output(outputs)
    return inputs, outputs


class PipelineBuildError(RuntimeError):
    pass


class Runtime:
    def __init__(self, schema: dict, assets: dict, storage: bytes, host_streams: dict, log,
                 options: dict | None = None, on_node_failed=None, clock=REAL_CLOCK, outside_ports=None):
        """`log(level, node_label, text)` forwards device log lines; `on_node_failed(label, text)`
        is told when a worker raises. A test harness gives its own `clock` (runtime/clock.py), and
        `outside_ports` {(node id, group, name): port}: its DeviceOutput linked to that input, or
        its DeviceInput linked to that output, as a connection would, before any worker is built."""
        self._log = log
        self._on_node_failed = on_node_failed
        self.stop_event = threading.Event()
        self.workers = []
        self._inputs: list[DeviceInput] = []
        self._threads: list[threading.Thread] = []
        self.tracer = None
        self.meter = None
        self.session = None
        self._build(schema, assets, storage, host_streams, options or {}, clock, outside_ports or {})

    def _build(self, schema, assets, storage, host_streams, options, clock, outside_ports):
        calibration = (schema.get("globalProperties") or {}).get("calibData")
        if calibration:   # pipeline.setCalibrationData: the nodes follow it rather than the device's own
            options = {**options, "calibration": calibration}
        if options.get("motion"):   # sources/motion.py: the device's motion starts as the pipeline is built
            options = {**options, "motion": {**options["motion"], "epoch_ns": clock.now_ns()}}
        ports: dict[tuple[int, str, str], object] = {}
        contexts = []
        if options.get("trace"):   # runtime/trace.py: traced ports; without a trace, the plain ones
            from .trace import Tracer
            self.tracer = Tracer(options["trace"])
        if options.get("view"):   # runtime/meter.py: metered ports, for the host's live view
            from .meter import Meter
            self.meter = Meter()
        input_class, output_class = _port_classes(self.tracer is not None, self.meter is not None)
        if options.get("record_session") or options.get("replay"):   # session/: record what enters and leaves
            from ..session.device import DeviceSession
            from ..session.format import RecordingError
            try:
                self.session = DeviceSession(options, schema, clock)
            except (RecordingError, OSError) as e:
                raise PipelineBuildError(f"session: {e}") from None
        for node_id, info in schema["nodes"]:
            name = info["name"]
            label = f"{name}({node_id})"
            track = self.tracer.track(node_id, label) if self.tracer else None
            try:
                worker_class = registry.worker_class(name)
            except KeyError:
                raise PipelineBuildError(f"{label}: oakling has no '{name}' node yet — remove it from "
                                         f"the pipeline, or see the README for the supported nodes") from None
            node_meter = self.meter.node(node_id, label) if self.meter else None
            inputs, outputs = {}, {}
            for (group, port_name), io in info["ioInfo"]:
                port_label = f"{label}.{group + '.' if group else ''}{port_name}"
                port_text = f"{group}.{port_name}" if group else port_name
                traced = () if track is None else (track, port_text)
                if io["type"] in (2, 3):
                    # offline, a camera waits for every input it feeds that cannot lose a frame
                    blocking = io["blocking"] or (not options.get("realtime", True) and
                                                  port_name in worker_class.OFFLINE_BLOCKING)
                    port = input_class(port_label, blocking, io["queueSize"], io["waitForMessage"], *traced)
                    inputs[(group, port_name)] = port
                    self._inputs.append(port)
                else:
                    port = output_class(port_label, *traced)
                    outputs[(group, port_name)] = port
                if node_meter is not None:
                    port.attach(node_meter, port_text)
                ports[(node_id, group, port_name)] = port
            contexts.append((worker_class, WorkerContext(
                node_id=node_id, name=name, properties=info["properties"], inputs=inputs, outputs=outputs,
                assets=node_assets(assets, storage, node_id),
                log=lambda level, text, label=label: self._log(level, label, text),
                stop_event=self.stop_event, host_streams=host_streams, options=options, clock=clock,
                session=self.session)))
        for c in schema["connections"]:
            out = ports.get((c["node1Id"], c["node1OutputGroup"], c["node1Output"]))
            inp = ports.get((c["node2Id"], c["node2InputGroup"], c["node2Input"]))
            if not isinstance(out, DeviceOutput) or not isinstance(inp, DeviceInput):
                raise PipelineBuildError(f"connection {c} names a port that the schema does not declare")
            _link(out, inp)
        for key, outside in outside_ports.items():
            port = ports.get(key)
            if isinstance(outside, DeviceOutput) and isinstance(port, DeviceInput):
                _link(outside, port)
            elif isinstance(outside, DeviceInput) and isinstance(port, DeviceOutput):
                _link(port, outside)
            else:
                raise PipelineBuildError(f"{outside.label} cannot be linked to {key}: the schema has no such "
                                         f"{'input' if isinstance(outside, DeviceOutput) else 'output'}")
        for worker_class, ctx in contexts:
            worker = worker_class(ctx)
            for key, feed in worker.feeds().items():
                ctx.inputs[key].feed(feed)
            self.workers.append(worker)

    def start(self):
        for worker in self.workers:
            thread = threading.Thread(target=self._run, args=(worker,), name=worker.label, daemon=True)
            self._threads.append(thread)
            thread.start()
        names = ", ".join(worker.label for worker in self.workers)
        self._log(LogLevel.INFO, "", f"pipeline started: {len(self.workers)} nodes ({names})")

    def _run(self, worker):
        ending = f"the stream from {worker.label} ended"
        try:
            worker.run()
        except QueueClosed:
            pass
        except Exception as e:
            if not self.stop_event.is_set():
                # A failure may carry its own `report` (a Script's traceback) to log instead of the worker's.
                report = getattr(e, "report", None)
                summary = str(e) if report is not None else f"{type(e).__name__}: {e}"
                text = report if report is not None else \
                    "".join(traceback.format_exception(type(e), e, e.__traceback__)).rstrip()
                self._log(LogLevel.ERR, worker.label, f"node stopped: {summary}" + (f"\n{text}" if text else ""))
                if self.meter is not None:
                    self.meter.failures[worker.label] = summary
                if self._on_node_failed:
                    self._on_node_failed(worker.label, summary)
                ending = f"{worker.label} failed: {summary}"
        finally:
            for port in worker.ctx.outputs.values():
                port.close(ending)

    def node_stats(self, kind: str | None = None) -> dict:
        """{"Node(id)": statistics} from the workers that keep any (`stats()`), of one node kind
        if `kind` is given."""
        found = {}
        for worker in self.workers:
            stats = getattr(worker, "stats", None)
            if stats is not None and (kind is None or worker.ctx.name == kind):
                found[worker.label] = stats()
        return found

    def view_snapshot(self) -> dict | None:
        """The live view's figures now (runtime/meter.py), or None if the view was not asked for."""
        if self.meter is None:
            return None
        return self.meter.snapshot(self.node_stats("Script"))

    def stop(self, timeout: float = 0.5):
        self.stop_event.set()
        for port in self._inputs:
            port.close("device stopping")
        for worker in self.workers:
            close = getattr(worker, "close", None)
            if close:
                close()
        for thread in self._threads:
            thread.join(timeout / max(1, len(self._threads)))
        if self.tracer is not None:
            self.tracer.close()
        if self.session is not None:
            self.session.close()
