"""The device process: `python -m oakling.runtime.process <control fd>` (`dai.Device` starts it
through `main()`, with SIGINT ignored from its first line).

It waits for a pipeline on the control link, builds and runs it, forwards log lines, and exits
when told to close or as soon as the host end of the control link goes away (the host died).
It ignores SIGINT: Ctrl-C in a terminal reaches the whole process group, and it is the host's to
handle (its program gets KeyboardInterrupt and closes the device; a host that dies of it closes
the control link, which ends this process).
"""
from __future__ import annotations

import os
import signal
import socket
import sys
import threading

from ..log import LogLevel
from . import gpio
from ..link.link import Link, LinkClosed
from .runtime import PipelineBuildError, Runtime
from .streams import HostStream

CLOSE_TIMEOUT = 0.5


class DeviceProcess:
    def __init__(self, control: Link):
        self.control = control
        self.runtime: Runtime | None = None
        self.streams: dict[str, HostStream] = {}
        self.log_level = LogLevel.WARN

    def log(self, level: int, node: str, text: str):
        if level < self.log_level or self.log_level == LogLevel.OFF:
            return
        try:
            self.control.send_control({"op": "log", "level": int(level), "node": node, "text": text})
        except LinkClosed:
            pass

    def node_failed(self, label: str, text: str):
        try:
            self.control.send_control({"op": "node_failed", "node": label, "text": text})
        except LinkClosed:
            pass

    def start(self, request: dict, storage: bytes, fds: list[int]):
        names = request["streams"]
        self.streams = {name: HostStream(Link(socket.socket(fileno=fd), name)) for name, fd in zip(names, fds)}
        try:
            self.runtime = Runtime(request["schema"], request["assets"], storage, self.streams, self.log,
                                   request.get("options"), on_node_failed=self.node_failed)
        except PipelineBuildError as e:
            self.control.send_control({"op": "started", "error": str(e)})
            return
        self.runtime.start()
        self.control.send_control({"op": "started", "error": None})

    def answer(self, request: dict):
        """A host question (GPIO, node statistics, a sync): reply with the same id, a value or an error."""
        value, error = None, None
        try:
            op = request["op"]
            if op == "sync":
                pass   # the reply alone: the host has read all this link carried before it
            elif op == "node_stats":
                value = self.runtime.node_stats(request.get("kind")) if self.runtime else {}
            else:
                pins = gpio.board()
                pin = gpio.check_pin(request["pin"], "GPIO")
                if op == "gpio_read":
                    value = pins.read(pin)
                else:
                    level = gpio.check_level(request["value"], "GPIO")
                    old = pins.write(pin, level)
                    pins.changed(pin, old, level)
        except Exception as e:
            error = f"{type(e).__name__}: {e}"
        try:
            self.control.send_control({"op": "reply", "id": request.get("id"), "value": value, "error": error})
        except LinkClosed:
            pass

    def serve(self):
        try:
            while True:
                record = self.control.recv()
                if record[0] != "control":
                    continue
                _, request, payload, fds = record
                op = request.get("op")
                if op == "start":
                    self.start(request, payload, fds)
                elif op == "log_level":
                    self.log_level = LogLevel(request["level"])
                elif op in ("gpio_read", "gpio_write", "node_stats", "sync"):
                    self.answer(request)
                elif op == "close":
                    self.shutdown()
                    self.control.send_control({"op": "closed"})
                    return
        except LinkClosed:
            self.shutdown()   # the host is gone

    def shutdown(self):
        if self.runtime is not None:
            stopper = threading.Thread(target=self.runtime.stop, args=(CLOSE_TIMEOUT,), daemon=True)
            stopper.start()
            for stream in self.streams.values():
                stream.close()
            stopper.join(CLOSE_TIMEOUT)


def main(argv=None):
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the host's (see above)
    argv = sys.argv[1:] if argv is None else argv
    control = Link(socket.socket(fileno=int(argv[0])), "control")
    DeviceProcess(control).serve()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)   # worker threads are daemons; do not wait for any of them


if __name__ == "__main__":
    main()
