"""The device process: `python -m oakling.runtime.process <control fd>` (`dai.Device` starts it
through `main()`, with SIGINT ignored from its first line).

It waits for a pipeline on the control link, builds and runs it, forwards log lines, and exits
when told to close or as soon as the host end of the control link goes away (the host died).
It ignores SIGINT: Ctrl-C in a terminal reaches the whole process group, and it is the host's to
handle (its program gets KeyboardInterrupt and closes the device; a host that dies of it closes
the control link, which ends this process).
"""
from __future__ import annotations

import functools
import os
import signal
import socket
import sys
import threading

from ..log import LogLevel
from . import gpio, malloc_tuning
from ..link.control import ControlOp, follow
from ..link.link import Link, LinkClosed
from ..link.records import Control
from .runtime import PipelineBuildError, Runtime
from .streams import HostStream
from .system_usage import FIGURES, Sampler

CLOSE_TIMEOUT = 0.5


class DeviceProcess:
    def __init__(self, control: Link):
        self.control = control
        self.runtime: Runtime | None = None
        self.streams: dict[str, HostStream] = {}
        self.log_level = LogLevel.WARN
        self.sampler: Sampler | None = None

    def log(self, level: int, node: str, text: str):
        if level < self.log_level or self.log_level == LogLevel.OFF:
            return
        try:
            self.control.send_control({"op": ControlOp.LOG, "level": int(level), "node": node, "text": text})
        except LinkClosed:
            pass

    def node_failed(self, label: str, text: str):
        try:
            self.control.send_control({"op": ControlOp.NODE_FAILED, "node": label, "text": text})
        except LinkClosed:
            pass

    def serve(self):
        """Follow the host's control records until it says close, or is gone."""
        handlers = {ControlOp.START: self.start, ControlOp.LOG_LEVEL: self.set_log_level, ControlOp.CLOSE: self.close}
        questions = {ControlOp.SYNC: self.sync, ControlOp.NODE_STATS: self.node_stats,
                     ControlOp.SYSTEM_INFO: self.system_info, ControlOp.VIEW_SNAPSHOT: self.view_snapshot,
                     ControlOp.GPIO_READ: self.gpio_read, ControlOp.GPIO_WRITE: self.gpio_write}
        for op, question in questions.items():
            handlers[op] = functools.partial(self.answer, question)
        try:
            follow(self.control, handlers)
        except LinkClosed:
            self.shutdown()   # the host is gone

    def start(self, record: Control):
        request = record.body
        names = request["streams"]
        self.streams = {name: HostStream(Link(socket.socket(fileno=fd), name))
                        for name, fd in zip(names, record.fds)}
        for stream in self.streams.values():   # once per stream: the host sends frames the pipeline keeps
            stream.link.on_note = functools.partial(self.log, LogLevel.DEBUG, "")
        try:
            self.runtime = Runtime(request["schema"], request["assets"], record.payload, self.streams, self.log,
                                   request.get("options"), on_node_failed=self.node_failed)
        except PipelineBuildError as e:
            self.control.send_control({"op": ControlOp.STARTED, "error": str(e)})
            return
        self.runtime.start()
        self.control.send_control({"op": ControlOp.STARTED, "error": None})

    def set_log_level(self, record: Control):
        self.log_level = LogLevel(record.body["level"])

    def close(self, record: Control):
        """The host closes the device: stop the pipeline, then say so (the host waits for it)."""
        self.shutdown()
        self.control.send_control({"op": ControlOp.CLOSED})
        return True   # the last record: stop following

    def answer(self, question, record: Control):
        """A host question (GPIO, node statistics, a sync): reply with the same id, a value or an error."""
        request = record.body
        value, error = None, None
        try:
            value = question(request)
        except Exception as e:
            error = f"{type(e).__name__}: {e}"
        try:
            self.control.send_control({"op": ControlOp.REPLY, "id": request.get("id"), "value": value,
                                       "error": error})
        except LinkClosed:
            pass

    def sync(self, request: dict):
        return None   # the reply alone: the host has read all this link carried before it

    def node_stats(self, request: dict) -> dict:
        return self.runtime.node_stats(request.get("kind")) if self.runtime else {}

    def view_snapshot(self, request: dict) -> dict | None:
        """The live view's counters (runtime/meter.py); None before a pipeline, or without the view."""
        return self.runtime.view_snapshot() if self.runtime else None

    def system_info(self, request: dict) -> dict:
        """{SystemInformation field: its values}; CPU shares since the previous question."""
        if self.sampler is None:
            self.sampler = Sampler()
        info = self.sampler.sample()
        return {name: getattr(info, name)._fields() for name in FIGURES}

    def gpio_read(self, request: dict) -> int:
        return gpio.board().read(gpio.check_pin(request["pin"], "GPIO"))

    def gpio_write(self, request: dict):
        pins = gpio.board()
        pin = gpio.check_pin(request["pin"], "GPIO")
        level = gpio.check_level(request["value"], "GPIO")
        old = pins.write(pin, level)
        pins.changed(pin, old, level)

    def shutdown(self):
        if self.runtime is not None:
            stopper = threading.Thread(target=self.runtime.stop, args=(CLOSE_TIMEOUT,), daemon=True)
            stopper.start()
            if self.runtime.session is not None:   # finish the recording first: the host has what it wanted
                self.runtime.session.close()
            for stream in self.streams.values():
                stream.close()
            stopper.join(CLOSE_TIMEOUT)
            if self.runtime.tracer is not None:   # end the trace file even if a worker is slow to stop
                self.runtime.tracer.close()


def main(argv=None):
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the host's (see above)
    malloc_tuning.tune()   # before any worker thread: memory that stays flat over long runs
    argv = sys.argv[1:] if argv is None else argv
    control = Link(socket.socket(fileno=int(argv[0])), "control")
    DeviceProcess(control).serve()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)   # worker threads are daemons; do not wait for any of them


if __name__ == "__main__":
    main()
