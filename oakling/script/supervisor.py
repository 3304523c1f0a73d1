"""The Script node's process, supervised from the device process: launched while the pipeline is
built, let go when it starts, its outputs pumped to the linked inputs, its log and end followed,
stopped and reaped, and what it used (CPU, memory) reported.

    supervisor = ScriptSupervisor(node_id, "Script(3)", properties, source, inputs, outputs, options,
                                  log, stop_event)     # forks the script process
    supervisor.feeds["in"].put(msg)                    # what upstream nodes push into
    supervisor.run()                                   # until the script ends; ScriptFailed if it failed
"""
from __future__ import annotations

import os
import signal
import socket
import threading
import time

from ..link.control import ControlOp, follow
from ..link.held import held_sends
from ..link.link import LinkClosed, LinkCorrupt
from ..link.records import Control, MessagesUntilEnd
from ..log import LogLevel
from ..runtime import gpio
from ..runtime.identity import local_mxid
from ..runtime.queue import QueueClosed
from .limits import DEFAULT_MEMORY_LIMIT, ScriptCgroup, cpu_limit_seconds, size_text
from .loopback import LoopbackLender
from .whitelist import LEON_CSS, LEON_MSS


class ScriptFailed(RuntimeError):
    """The script raised, or its process died. `report` is the script's own traceback (or ""),
    which the runtime logs instead of the worker's."""

    def __init__(self, summary: str, report: str):
        super().__init__(summary)
        self.report = report


_said: set[str] = set()   # which missing kernel layers were warned about: once per device process


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


class ScriptSupervisor:
    """One Script node's process, from the device's side. Made while the runtime builds the
    pipeline, it forks the process (so the script is ready when the pipeline starts); `run()` lets
    it go, pumps its outputs to the linked inputs, follows its log and its end, and raises
    ScriptFailed with the script's own report if it failed. `feeds` are what upstream nodes put
    messages into; `stats()` says what the process has used; `close()` ends it now."""

    def __init__(self, node_id: int, label: str, properties: dict, source: str, inputs, outputs: dict,
                 options: dict, log, stop_event: threading.Event, clock=None):
        """`inputs`: [(name, blocking, queue size)]; `outputs`: {name: device output port};
        `log(level, text)` logs as the node; `clock` is what the script keeps time with (None: the
        machine's; a test's `ScriptClock` otherwise)."""
        self.node_id = node_id
        self.label = label
        self.properties = properties
        self._outputs = outputs
        self._options = options
        self.log = log
        self._stop_event = stop_event
        self._clock = clock
        self.feeds = {}
        self._pid = None
        self._end = None
        self._status = None
        self._usage = None          # the process's resource usage, once reaped
        self._max_rss = 0           # its peak resident memory seen while it ran
        self._gpio = None
        self._gpio_token = None
        self._start_error = None
        self._corrupt = None        # why the script's links were cut, if it broke their rules
        self._lender = None         # the device's end of the socket pair that lends the host's loopback
        self._cgroup = None         # the cgroup counting its memory and threads, where there is one
        try:
            self._launch(source, inputs)
        except Exception as e:
            self._start_error = f"could not start the script's process: {type(e).__name__}: {e}"

    def _launch(self, source: str | None, inputs):
        from . import process
        from .channel import Channel
        from .network import LOOPBACK

        props = self.properties
        if source is None:
            raise RuntimeError(f"no script (scriptUri {props.get('scriptUri', '')!r}) — call setScript() on the host")
        outputs = [(name, port.linked) for name, port in self._outputs.items()]
        device_id = local_mxid()
        self._gpio = gpio.board()   # before the fork: the script process maps the same pins
        config = {"node_id": self.node_id, "name": props.get("scriptName") or "<script>", "source": source,
                  "processor": int(props.get("processor", LEON_MSS)),
                  "memory_limit": int(props.get("memoryLimit", DEFAULT_MEMORY_LIMIT)),
                  "storage": process.storage_folder(device_id), "device_id": device_id,
                  "inputs": inputs, "outputs": outputs, "gpio": self._gpio, "cpu_limit": props.get("cpuLimit"),
                  "network": self._options.get("script_network", LOOPBACK), "clock": self._clock,
                  "calibration": self._options.get("calibration")}
        channel = Channel(inputs, [name for name, _ in outputs])
        self._cgroup = ScriptCgroup.make(self.label, config["memory_limit"])
        config["cgroup"] = self._cgroup.procs if self._cgroup else None   # the script's process joins it
        if config["processor"] == LEON_CSS and config["network"] == LOOPBACK:
            self._lender, config["loopback"] = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._pid = process.spawn(config, channel)
        except BaseException:
            channel.discard()
            if self._lender is not None:
                self._lender.close()
            if self._cgroup is not None:
                self._cgroup.close()
            raise
        finally:
            if config.get("loopback") is not None:
                config["loopback"].close()   # the script's end: its process has it
        self._end = channel.device_end(max_message=config["memory_limit"],   # it cannot make a larger one
                                       stop_event=self._stop_event, broke=self._stop_corrupt)
        self.feeds = self._end.feeds   # upstream nodes write straight to the script process
        self._gpio_token = self._gpio.listen(self._pin_written)

    @property
    def stopping(self) -> bool:
        return self._stop_event.is_set()

    # -- running --
    def run(self):
        if self._start_error:
            raise ScriptFailed(self._start_error, "")
        end = self._end
        try:
            end.control.send_control({"op": ControlOp.GO})
        except Exception:
            pass   # it died already: the control link says how
        pumps = [threading.Thread(target=self._pump, args=(name, link), name=f"{self.label}-{name}", daemon=True)
                 for name, link in end.output_links.items()]
        for pump in pumps:
            pump.start()
        if self._lender is not None:
            lender = LoopbackLender(self._lender, self._stop_corrupt)
            threading.Thread(target=lender.serve, name=f"{self.label}-loopback", daemon=True).start()
        outcome = self._follow()
        end.script_gone()
        if outcome[0] == "lost":
            self._kill(grace=0.0 if self.stopping else 0.5)
        for pump in pumps:
            while pump.is_alive() and not self.stopping:
                pump.join(0.1)
        self._reap(timeout=1.0)
        self._gpio.unlisten(self._gpio_token)
        if self.stopping:
            return
        if self._corrupt is not None:
            raise ScriptFailed(f"the script's process broke its links' rules and was stopped: {self._corrupt}", "")
        if outcome[0] == "failed":
            raise ScriptFailed(outcome[1], outcome[2])
        if outcome[0] == "lost":
            if self._cgroup is not None and self._cgroup.oom_kills:
                memory = size_text(int(self.properties.get("memoryLimit", DEFAULT_MEMORY_LIMIT)))
                raise ScriptFailed(f"the script used more than its memory limit of {memory} (heap, shared "
                                   f"memory and the files it wrote, as its cgroup counts them) and was stopped — "
                                   f"script.setMemoryLimit(bytes) on the host raises it", "")
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
        try:
            self._end.control.send_control({"op": ControlOp.GPIO, "pin": pin, "old": old, "new": new})
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
        return {"cpuSeconds": round(cpu, 3), "maxRssBytes": self._max_rss,
                "cpuLimitSeconds": self.properties.get("cpuLimit"),
                "memoryLimitBytes": int(self.properties.get("memoryLimit", DEFAULT_MEMORY_LIMIT)),
                "running": self._pid is not None and self._status is None}

    def _follow(self):
        """Read the script's control link until it ends: ("done",) | ("failed", summary, text) | ("lost",).
        The records come from the sandboxed script: their fields are checked, not trusted."""
        handlers = {ControlOp.LOG: self._script_logged, ControlOp.READY: self._script_ready,
                    ControlOp.GPIO: self._script_wrote_pin, ControlOp.DONE: lambda record: ("done",),
                    ControlOp.FAILED: self._script_failed}
        try:
            return follow(self._end.control, handlers)
        except LinkCorrupt as e:
            self._stop_corrupt(str(e))
            return ("lost",)
        except LinkClosed:
            return ("lost",)

    def _script_logged(self, record: Control):
        level = record.body.get("level")
        level = level if isinstance(level, int) and LogLevel.TRACE <= level <= LogLevel.CRITICAL else LogLevel.WARN
        self.log(level, str(record.body.get("text", "")))

    def _script_ready(self, record: Control):
        files = str(record.body.get("landlock", ""))
        view = str(record.body.get("namespaces", ""))
        seccomp = "seccomp allow-list" if record.body.get("seccomp") is True else \
            "no seccomp filter (it is for x86-64 Linux)"
        limits = str(record.body.get("limits", "?"))
        self.log(LogLevel.DEBUG, f"script process {self._pid} ready ({view or '?'}; files: {files or '?'}; "
                                 f"{seccomp}; audit hook; {limits})")
        if not files.startswith("Landlock ABI"):
            self._warn_once("landlock", f"scripts run without the kernel's file rules ({files}): only the Python "
                                        f"layer keeps them to their storage folder — a kernel with Landlock (Linux "
                                        f"5.13+, enabled in the LSM list) makes that hold whatever a script runs")
        if record.body.get("seccomp") is not True:
            self._warn_once("seccomp", "scripts run without the kernel's system-call filter (seccomp needs x86-64 "
                                       "Linux here): starting programs, signalling other processes and loading "
                                       "code rest on the Python layer and the namespaces")
        if not view.endswith("namespaces"):
            self._warn_once("namespaces", f"scripts share this machine's file tree, processes and network ({view}): "
                                          f"Landlock and seccomp still hold, but a loopback-only script's network "
                                          f"rule rests on the Python layer — allow unprivileged user namespaces "
                                          f"(sysctl kernel.unprivileged_userns_clone=1, or a container started "
                                          f"with them) to give each script its own")

    def _warn_once(self, what: str, text: str):
        if what not in _said:
            _said.add(what)
            self.log(LogLevel.WARN, text)

    def _script_wrote_pin(self, record: Control):
        """The script wrote a pin: the other scripts' interrupts."""
        pin, old, new = record.body.get("pin"), record.body.get("old"), record.body.get("new")
        if isinstance(pin, int) and old in (0, 1) and new in (0, 1):
            self._gpio.changed(pin, old, new, source=self._gpio_token)

    def _script_failed(self, record: Control):
        return ("failed", str(record.body.get("summary", "the script failed")), str(record.body.get("report", "")))

    def _pump(self, name: str, link):
        """One output: messages from the script to every linked input, in order."""
        out = self._outputs[name]
        delivered = 0
        try:
            with held_sends():   # a burst from the script leaves in a burst
                for msg in MessagesUntilEnd(link):
                    out.send(msg)
                    delivered += 1
                    self._end.delivered(name, delivered)
        except LinkCorrupt as e:
            self._stop_corrupt(str(e))
        except (LinkClosed, QueueClosed):
            return

    def _stop_corrupt(self, text: str):
        """The script broke a link's rules (it wrote its own bytes into the link): stop it now; `run`
        reports why, and the rest of the pipeline goes on."""
        if self._corrupt is None:
            self._corrupt = text
        self._kill()

    # -- ending --
    def _kill(self, grace: float = 0.0):
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
                pid, status, usage = self._pid, 0, None
            if pid:
                self._status, self._usage = status, usage
                if self._cgroup is not None:
                    self._cgroup.close()   # empty now: note whether the kernel's OOM killer ended it, remove it
                return
            if time.monotonic() >= deadline:
                return
            time.sleep(0.005)

    def close(self):
        """The device is stopping: end the script's process now."""
        if self._gpio is not None:
            self._gpio.unlisten(self._gpio_token)
        if self._end is not None:
            self._end.script_gone()
        self._kill()
        self._reap(timeout=0.2)
        if self._end is not None:
            self._end.close()
        if self._lender is not None:
            self._lender.close()
