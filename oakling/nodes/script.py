"""Script: your own Python on the device, between nodes, with gen2's on-device API.

    script = pipeline.create(dai.node.Script)
    script.setScript('''
        while True:
            frame = node.io['in'].get()
            node.io['out'].send(frame)
    ''')
    cam.preview.link(script.inputs['in'])        # inputs: group "io", blocking, queue size 8
    script.outputs['out'].link(xout.input)

Ports are made on first access, in one group ("io"), so an input and an output may not share a
name. The script travels as the asset `__script` (`scriptUri` "asset:__script"). On the device it
runs in a sandboxed process of its own (`oakling/script/`, and docs/script.md for what it may do).
"""
from __future__ import annotations

import os
import signal
import threading
import time
from enum import IntEnum

from ..log import LogLevel
from ..pipeline.node import InputMap, Node, OutputMap
from .worker import QueueClosed, Worker


class ProcessorType(IntEnum):
    """The CPU a script runs on: LEON_CSS has networking and the larger library; LEON_MSS (the
    default for Script nodes) the base set."""
    LEON_CSS = 0
    LEON_MSS = 1


class _ScriptInputMap(InputMap):
    def _make(self, name):
        if name in self._node.outputs:
            raise ValueError(_clash(self._node, name, "an output", "input"))
        return super()._make(name)


class _ScriptOutputMap(OutputMap):
    def _make(self, name):
        if name in self._node.inputs:
            raise ValueError(_clash(self._node, name, "an input", "output"))
        return super()._make(name)


def _clash(node, name, existing, wanted) -> str:
    return (f"{node.NAME}({node.id}): '{name}' is already {existing} of this Script; inputs and outputs "
            f"share one map in the script (node.io['{name}']), so an {wanted} may not have the same "
            f"name — rename one of them")


class Script(Node):
    NAME = "Script"
    ProcessorType = ProcessorType

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.outputs = _ScriptOutputMap(self, "outputs", "io")
        self.inputs = _ScriptInputMap(self, "inputs", "io", blocking=True, queueSize=8, waitForMessage=False)
        self.properties = {"processor": int(ProcessorType.LEON_MSS), "scriptName": "<script>", "scriptUri": ""}
        self._script_path = ""

    def setScript(self, script, name: str = ""):
        """The script's source: a str, or its bytes (bytes or a list of ints). `name` (default
        "<script>") is the file name its tracebacks show."""
        if isinstance(script, str):
            data = script.encode("utf-8")
        elif isinstance(script, (bytes, bytearray)):
            data = bytes(script)
        elif isinstance(script, (list, tuple)):
            data = bytes(script)
        else:
            raise TypeError(f"Script({self.id}).setScript: expected the source as str or bytes, got "
                            f"{type(script).__name__}")
        self._assets["__script"] = data
        self.properties["scriptUri"] = "asset:__script"
        self.properties["scriptName"] = str(name) or "<script>"
        self._script_path = ""

    def setScriptPath(self, path, name: str = ""):
        """Load the script from a file; `name` defaults to the path."""
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise RuntimeError(f"Script({self.id}).setScriptPath: cannot read '{path}' ({e.strerror or e}) — "
                               f"pass the path of a Python file") from None
        self._assets["__script"] = data
        self.properties["scriptUri"] = "asset:__script"
        self.properties["scriptName"] = str(name) or str(path)
        self._script_path = str(path)

    def getScriptName(self) -> str:
        return self.properties["scriptName"]

    def getScriptPath(self) -> str:
        return self._script_path

    def setProcessor(self, processor):
        self.properties["processor"] = int(ProcessorType(processor))

    def getProcessor(self) -> ProcessorType:
        return ProcessorType(self.properties["processor"])

    def setMemoryLimit(self, nbytes: int):
        """oakling extension: the most private memory (heap, stacks) the script may use, in bytes
        (default 512 MiB). Over it, allocations raise MemoryError in the script."""
        if int(nbytes) <= 0:
            raise ValueError(f"Script({self.id}).setMemoryLimit: expected a positive number of bytes, got {nbytes}")
        self.properties["memoryLimit"] = int(nbytes)

    def getMemoryLimit(self) -> int:
        from ..script.sandbox import DEFAULT_MEMORY_LIMIT
        return self.properties.get("memoryLimit", DEFAULT_MEMORY_LIMIT)

    def setCpuLimit(self, seconds: float | None):
        """oakling extension: the most CPU time (user + system, every thread, in whole seconds,
        rounded up) the script's process may use; then it is stopped and reported as failed.
        None (the default) sets no limit. `device.getScriptStats()` shows what a script used."""
        if seconds is None:
            self.properties.pop("cpuLimit", None)
            return
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0:
            raise ValueError(f"Script({self.id}).setCpuLimit: expected a positive number of seconds (or None "
                             f"for no limit), got {seconds!r}")
        self.properties["cpuLimit"] = float(seconds)

    def getCpuLimit(self) -> float | None:
        return self.properties.get("cpuLimit")

    def check_ports(self):
        super().check_ports()
        if not self.properties["scriptUri"]:
            raise RuntimeError(f"Script({self.id}): no script set — call setScript(source) or "
                               f"setScriptPath(path) on it before starting the pipeline")


class ScriptFailed(RuntimeError):
    """The script raised, or its process died. `report` is the script's own traceback (or ""),
    which the runtime logs instead of the worker's."""

    def __init__(self, summary: str, report: str):
        super().__init__(summary)
        self.report = report


def _describe_exit(status: int | None) -> str:
    import signal
    if status is None:
        return "stopped"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        return f"was killed by {name}"
    return f"exited with code {os.WEXITSTATUS(status)}"


class ScriptWorker(Worker):
    """Starts the script's process while the pipeline is built, lets it run when the pipeline
    starts, forwards its outputs and its log, and reports how it ended."""

    def __init__(self, ctx):
        super().__init__(ctx)
        self._pid = None
        self._end = None
        self._status = None
        self._usage = None          # the process's resource usage, once reaped
        self._max_rss = 0           # its peak resident memory seen while it ran
        self._gpio = None
        self._gpio_token = None
        self._start_error = None
        try:
            self._launch()
        except Exception as e:
            self._start_error = f"could not start the script's process: {type(e).__name__}: {e}"

    def _launch(self):
        from ..device.device import _local_mxid
        from ..script import process
        from ..script.channel import Channel
        from ..script.sandbox import DEFAULT_MEMORY_LIMIT

        props = self.properties
        uri = props.get("scriptUri", "")
        key = uri[len("asset:"):] if uri.startswith("asset:") else None
        if key is None or key not in self.ctx.assets:
            raise RuntimeError(f"no script (scriptUri {uri!r}) — call setScript() on the host")
        inputs = [(name, port.queue.blocking(), port.queue.max_size()) for (_, name), port in self.ctx.inputs.items()]
        outputs = [(name, port.linked) for (_, name), port in self.ctx.outputs.items()]
        from ..device import gpio
        from ..script.network import LOOPBACK
        device_id = _local_mxid()
        self._gpio = gpio.board()   # before the fork: the script process maps the same pins
        config = {"node_id": self.ctx.node_id, "name": props.get("scriptName") or "<script>",
                  "source": self.ctx.assets[key].decode("utf-8", "replace"),
                  "processor": int(props.get("processor", ProcessorType.LEON_MSS)),
                  "memory_limit": int(props.get("memoryLimit", DEFAULT_MEMORY_LIMIT)),
                  "storage": process.storage_folder(device_id), "device_id": device_id,
                  "inputs": inputs, "outputs": outputs, "gpio": self._gpio, "cpu_limit": props.get("cpuLimit"),
                  "network": self.ctx.options.get("script_network", LOOPBACK)}
        channel = Channel(inputs, [name for name, _ in outputs])
        self._pid = process.spawn(config, channel)
        self._end = channel.device_end()
        self._gpio_token = self._gpio.listen(self._pin_written)
        for (_, name), port in self.ctx.inputs.items():
            port.queue = self._end.feeds[name]   # upstream nodes now write to the script process

    # -- running --
    def run(self):
        if self._start_error:
            raise ScriptFailed(self._start_error, "")
        end = self._end
        try:
            end.control.send_control({"op": "go"})
        except Exception:
            pass   # it died already: the control link says how
        pumps = [threading.Thread(target=self._pump, args=(name, link), name=f"{self.label}-{name}", daemon=True)
                 for name, link in end.output_links.items()]
        for pump in pumps:
            pump.start()
        outcome = self._follow()
        for feed in end.feeds.values():
            feed.script_gone()
        if outcome[0] == "lost":
            self._kill(grace=0.0 if self.stopping else 0.5)
        for pump in pumps:
            while pump.is_alive() and not self.stopping:
                pump.join(0.1)
        self._reap(timeout=1.0)
        self._gpio.unlisten(self._gpio_token)
        if self.stopping:
            return
        if outcome[0] == "failed":
            raise ScriptFailed(outcome[1], outcome[2])
        if outcome[0] == "lost":
            from ..script.sandbox import cpu_limit_seconds
            limit = self.properties.get("cpuLimit")
            sig = os.WTERMSIG(self._status) if self._status is not None and os.WIFSIGNALED(self._status) else None
            # SIGXCPU: the soft limit; SIGKILL past it: the hard one (a script that ignored SIGXCPU).
            if limit and (sig == signal.SIGXCPU or
                          (sig == signal.SIGKILL and self.stats()["cpuSeconds"] >= cpu_limit_seconds(limit))):
                raise ScriptFailed(f"the script used up its CPU time limit of {cpu_limit_seconds(limit)} s and was "
                                   f"stopped — script.setCpuLimit(seconds) on the host raises it", "")
            raise ScriptFailed(f"the script's process {_describe_exit(self._status)}", "")

    def _pin_written(self, pin: int, old: int, new: int):
        """The host or another script wrote a pin: tell this script (its interrupts)."""
        from ..device.link import LinkClosed
        try:
            self._end.control.send_control({"op": "gpio", "pin": pin, "old": old, "new": new})
        except (LinkClosed, OSError):
            pass

    def stats(self) -> dict:
        """What the script's process has used so far (or in all, once it has ended)."""
        cpu = 0.0
        if self._usage is not None:
            cpu = self._usage.ru_utime + self._usage.ru_stime
            self._max_rss = max(self._max_rss, self._usage.ru_maxrss * 1024)
        elif self._pid is not None:
            try:
                with open(f"/proc/{self._pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")   # utime, stime
                with open(f"/proc/{self._pid}/status") as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            self._max_rss = max(self._max_rss, int(line.split()[1]) * 1024)
            except (OSError, IndexError, ValueError):
                pass
        from ..script.sandbox import DEFAULT_MEMORY_LIMIT
        return {"cpuSeconds": round(cpu, 3), "maxRssBytes": self._max_rss,
                "cpuLimitSeconds": self.properties.get("cpuLimit"),
                "memoryLimitBytes": int(self.properties.get("memoryLimit", DEFAULT_MEMORY_LIMIT)),
                "running": self._pid is not None and self._status is None}

    def _follow(self):
        """Read the script's control link until it ends: ("done",) | ("failed", summary, text) | ("lost",)."""
        from ..device.link import LinkClosed
        while True:
            try:
                record = self._end.control.recv()
            except LinkClosed:
                return ("lost",)
            if record[0] != "control" or not isinstance(record[1], dict):
                continue
            request = record[1]
            op = request.get("op")
            if op == "log":
                level = request.get("level")
                level = level if isinstance(level, int) and LogLevel.TRACE <= level <= LogLevel.CRITICAL else LogLevel.WARN
                self.log(level, str(request.get("text", "")))
            elif op == "ready":
                sandbox = "audit hook, seccomp" if request.get("seccomp") else "audit hook (no seccomp here)"
                self.log(LogLevel.DEBUG, f"script process {self._pid} ready ({sandbox})")
            elif op == "gpio":   # the script wrote a pin: the other scripts' interrupts
                pin, old, new = request.get("pin"), request.get("old"), request.get("new")
                if isinstance(pin, int) and old in (0, 1) and new in (0, 1):
                    self._gpio.changed(pin, old, new, source=self._gpio_token)
            elif op == "done":
                return ("done",)
            elif op == "failed":
                return ("failed", str(request.get("summary", "the script failed")), str(request.get("report", "")))

    def _pump(self, name: str, link):
        """One output: messages from the script to every linked input, in order."""
        from ..device.link import LinkClosed
        out = self.ctx.outputs[("io", name)]
        delivered = 0
        try:
            while True:
                record = link.recv()
                if record[0] == "msg":
                    out.send(record[1])
                    delivered += 1
                    self._end.delivered(name, delivered)
                elif record[0] == "end":
                    return
        except (LinkClosed, QueueClosed):
            return

    # -- ending --
    def _kill(self, grace: float = 0.0):
        import signal
        if self._pid is None or self._status is not None:
            return
        if grace:
            self._reap(timeout=grace)
            if self._status is not None:
                return
        try:
            os.kill(self._pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def _reap(self, timeout: float):
        if self._pid is None or self._status is not None:
            return
        deadline = time.monotonic() + timeout
        while True:
            try:
                pid, status, usage = os.wait4(self._pid, os.WNOHANG)
            except ChildProcessError:
                self._status = self._status if self._status is not None else 0
                return
            if pid:
                self._status, self._usage = status, usage
                return
            if time.monotonic() >= deadline:
                return
            time.sleep(0.005)

    def close(self):
        """The device is stopping: end the script's process now."""
        if self._gpio is not None:
            self._gpio.unlisten(self._gpio_token)
        if self._end is not None:
            for feed in self._end.feeds.values():
                feed.script_gone()
        self._kill()
        self._reap(timeout=0.2)
        if self._end is not None:
            self._end.close()
