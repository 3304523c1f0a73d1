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

from ..messages.enums import Gen2Enum
from ..pipeline.node import InputMap, Node, OutputMap
from ..pipeline.registry import node_type
from ..runtime.worker import Worker


class ProcessorType(Gen2Enum):
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


@node_type(worker="ScriptWorker")
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
        """oakling extension: the most memory the script may use, in bytes (default 512 MiB): its
        heap and stacks, and also the shared memory and mappings it makes (docs/script.md, "Limits").
        Over it, allocations raise MemoryError in the script, or the script is stopped."""
        if int(nbytes) <= 0:
            raise ValueError(f"Script({self.id}).setMemoryLimit: expected a positive number of bytes, got {nbytes}")
        self.properties["memoryLimit"] = int(nbytes)

    def getMemoryLimit(self) -> int:
        from ..script.limits import DEFAULT_MEMORY_LIMIT
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


class ScriptWorker(Worker):
    """Forks the script's process while the pipeline is built (`script/supervisor.py` follows it
    from then on); upstream nodes write straight to that process."""

    def __init__(self, ctx):
        super().__init__(ctx)
        from ..script.supervisor import ScriptSupervisor
        uri = self.properties.get("scriptUri", "")
        key = uri[len("asset:"):] if uri.startswith("asset:") else None
        source = ctx.assets[key].decode("utf-8", "replace") if key in ctx.assets else None
        inputs = [(name, port.blocking, port.queue_size) for (_, name), port in ctx.inputs.items()]
        outputs = {name: port for (_, name), port in ctx.outputs.items()}
        self._script = ScriptSupervisor(ctx.node_id, self.label, self.properties, source, inputs, outputs,
                                        ctx.options, self.log, ctx.stop_event, ctx.clock.script_clock())

    def feeds(self):
        return {("io", name): feed for name, feed in self._script.feeds.items()}

    def run(self):
        self._script.run()

    def stats(self) -> dict:
        return self._script.stats()

    def close(self):
        self._script.close()
