"""Nodes and their ports, host side: what a node is, what it accepts and sends, and its settings.

A node subclass declares its ports and gen2 properties in `__init__`; the pipeline checks links
against those declarations and the schema is generated from them, so errors, schema and docs all
come from the one place.
"""
from __future__ import annotations

from typing import Iterable, NamedTuple

from ..messages.enums import Gen2Enum
from ..messages.datatype import DatatypeEnum, is_subclass


class IoType(Gen2Enum):
    """Port kinds as they appear in the schema's ioInfo."""
    MSender = 0
    SSender = 1
    MReceiver = 2
    SReceiver = 3


class DatatypeHierarchy(NamedTuple):
    datatype: DatatypeEnum
    descendants: bool = True


def _hierarchies(types) -> list[DatatypeHierarchy]:
    return [t if isinstance(t, DatatypeHierarchy) else DatatypeHierarchy(DatatypeEnum(t)) for t in types]


def _types_text(types: list[DatatypeHierarchy]) -> str:
    return " or ".join(t.datatype.name for t in types)


class _Port:
    def __init__(self, node: "Node", name: str, group: str, types, label: str):
        self._node = node
        self.name = name
        self.group = group
        self.possibleDatatypes = _hierarchies(types)
        self._label = label

    def getParent(self) -> "Node":
        return self._node

    @property
    def key(self) -> tuple[str, str]:
        return (self.group, self.name)

    def __str__(self) -> str:
        node = self._node
        return f"{node.getName()}({node.id}).{self._label}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self}>"


class Input(_Port):
    """A node input: a bounded queue on the device (blocking: the sender waits; non-blocking: the
    oldest message is dropped)."""

    class Type(Gen2Enum):  # numbering of gen2's Python enum, not the schema's
        SReceiver = 0
        MReceiver = 1

    def __init__(self, node, name, group="", types=(DatatypeEnum.Buffer,), *, blocking=True,
                 queueSize=8, waitForMessage=False, label=None):
        super().__init__(node, name, group, types, label or name)
        self.type = Input.Type.SReceiver
        self._blocking = bool(blocking)
        self._queue_size = int(queueSize)
        self._wait_for_message = bool(waitForMessage)

    def setBlocking(self, blocking: bool):
        self._blocking = bool(blocking)

    def getBlocking(self) -> bool:
        return self._blocking

    def setQueueSize(self, size: int):
        if int(size) < 1:
            raise ValueError(f"{self}: queue size must be at least 1, got {size}")
        self._queue_size = int(size)

    def getQueueSize(self) -> int:
        return self._queue_size

    def setWaitForMessage(self, wait: bool):
        self._wait_for_message = bool(wait)

    def getWaitForMessage(self) -> bool:
        return self._wait_for_message

    def setReusePreviousMessage(self, reuse: bool):
        self._wait_for_message = not bool(reuse)

    def getReusePreviousMessage(self) -> bool:
        return not self._wait_for_message

    def io_info(self, io_id: int) -> dict:
        return {"blocking": self._blocking, "group": self.group, "id": io_id, "name": self.name,
                "queueSize": self._queue_size, "type": int(IoType.SReceiver),
                "waitForMessage": self._wait_for_message}


class Output(_Port):
    """A node output; one output may feed many inputs."""

    class Type(Gen2Enum):
        MSender = 0
        SSender = 1

    def __init__(self, node, name, group="", types=(DatatypeEnum.Buffer,), *, label=None):
        super().__init__(node, name, group, types, label or name)
        self.type = Output.Type.MSender

    def io_info(self, io_id: int) -> dict:
        return {"blocking": False, "group": self.group, "id": io_id, "name": self.name,
                "queueSize": 8, "type": int(IoType.MSender), "waitForMessage": False}

    def isSamePipeline(self, input: Input) -> bool:
        return self.getParent()._pipeline is input.getParent()._pipeline

    def canConnect(self, input: Input) -> bool:
        return self._incompatibility(input) is None

    def _incompatibility(self, input: Input) -> str | None:
        """Why this output cannot feed `input`, or None when it can."""
        if not isinstance(input, Input):
            return f"expected a node input, got {type(input).__name__}"
        for out_t in self.possibleDatatypes:
            for in_t in input.possibleDatatypes:
                if out_t.datatype == in_t.datatype:
                    return None
                if out_t.descendants and is_subclass(in_t.datatype, out_t.datatype):
                    return None
                if in_t.descendants and is_subclass(out_t.datatype, in_t.datatype):
                    return None
        return (f"{self} sends {_types_text(self.possibleDatatypes)}, but {input} accepts "
                f"{_types_text(input.possibleDatatypes)} — link an output that produces "
                f"{_types_text(input.possibleDatatypes)} instead")

    def link(self, input: Input):
        self.getParent()._pipeline._link(self, input)

    def unlink(self, input: Input):
        self.getParent()._pipeline._unlink(self, input)

    def getConnections(self) -> list["Connection"]:
        return [c for c in self.getParent()._pipeline.getConnections()
                if c.outputId == self.getParent().id and (c.outputGroup, c.outputName) == self.key]


class _PortMap:
    """gen2's dict-like InputMap/OutputMap: `m['name']` creates the port on first access."""

    def __init__(self, node: "Node", attr: str, group: str):
        self._node = node
        self._attr = attr
        self._group = group
        self._ports: dict[str, _Port] = {}

    def _make(self, name: str) -> _Port:
        raise NotImplementedError

    def __getitem__(self, name: str) -> _Port:
        if not isinstance(name, str):
            raise TypeError(f"port names are strings, got {name!r}")
        if name not in self._ports:
            port = self._make(name)
            self._ports[name] = port
            self._node._register(port)
        return self._ports[name]

    def __contains__(self, name) -> bool:
        return name in self._ports

    def __len__(self) -> int:
        return len(self._ports)

    def __iter__(self):
        return iter(list(self._ports))

    def keys(self):
        return list(self._ports)

    def values(self):
        return list(self._ports.values())

    def items(self):
        return list(self._ports.items())

    def __delitem__(self, name: str):
        port = self._ports.pop(name)
        self._node._unregister(port)


class InputMap(_PortMap):
    def __init__(self, node, attr, group, types=(DatatypeEnum.Buffer,), **defaults):
        super().__init__(node, attr, group)
        self._types = types
        self._defaults = defaults

    def _make(self, name):
        return Input(self._node, name, self._group, self._types,
                     label=f"{self._attr}['{name}']", **self._defaults)


class OutputMap(_PortMap):
    def __init__(self, node, attr, group, types=(DatatypeEnum.Buffer,)):
        super().__init__(node, attr, group)
        self._types = types

    def _make(self, name):
        return Output(self._node, name, self._group, self._types, label=f"{self._attr}['{name}']")


class Connection(NamedTuple):
    """gen2's Node.Connection."""
    outputId: int
    outputGroup: str
    outputName: str
    inputId: int
    inputGroup: str
    inputName: str


class HostStream(NamedTuple):
    """An XLink stream a node opens to the host: its name, its direction, and for streams from the
    host, the largest payload the host may send and how many messages may be in flight at once."""
    name: str
    to_host: bool
    max_data_size: int = 0
    num_frames: int = 16


class Node:
    """Base of every node. Subclasses set NAME (gen2's getName()) and declare ports and properties."""

    NAME = "Node"
    Input = Input
    Output = Output
    InputMap = InputMap
    OutputMap = OutputMap
    Connection = Connection

    def __init__(self, pipeline, node_id: int):
        self.id = node_id
        self._pipeline = pipeline
        self._ports: dict[tuple[str, str], list[_Port]] = {}
        self._assets: dict[str, bytes] = {}
        self.properties: dict = {}

    # -- declaring ports (used by subclasses) --
    def _input(self, name, group="", types=(DatatypeEnum.Buffer,), *, attr=None, **settings) -> Input:
        return self._register(Input(self, name, group, types, label=attr or name, **settings))

    def _output(self, name, group="", types=(DatatypeEnum.Buffer,), *, attr=None) -> Output:
        return self._register(Output(self, name, group, types, label=attr or name))

    def _register(self, port):
        self._ports.setdefault(port.key, []).append(port)
        return port

    def _unregister(self, port):
        self._ports[port.key].remove(port)
        if not self._ports[port.key]:
            del self._ports[port.key]
        pipeline = self._pipeline
        if pipeline is not None:
            pipeline._drop_port(port)

    # -- gen2 API --
    def getName(self) -> str:
        return self.NAME

    @property
    def _label(self) -> str:
        """How errors and log lines name this node: "NeuralNetwork(2)"."""
        return f"{self.NAME}({self.id})"

    def getParentPipeline(self):
        return self._pipeline

    def getInputs(self) -> list[Input]:
        return [p for ports in self._ports.values() for p in ports if isinstance(p, Input)]

    def getOutputs(self) -> list[Output]:
        return [p for ports in self._ports.values() for p in ports if isinstance(p, Output)]

    getInputRefs = getInputs
    getOutputRefs = getOutputs

    def getAssetManager(self) -> dict[str, bytes]:
        return self._assets

    # -- schema --
    def ports(self) -> Iterable[_Port]:
        """Every port, sorted by (group, name) as gen2's ioInfo map is."""
        for key in sorted(self._ports):
            yield from self._ports[key]

    def check_ports(self):
        """gen2's rule: an input and an output of one node may not share a (group, name)."""
        for (group, name), ports in self._ports.items():
            if len(ports) > 1:
                where = f'{group}["{name}"]' if group else name
                raise ValueError(f"'{self._label}.{where}' redefined. Inputs and outputs "
                                 f"must have unique names — rename one of them")

    # -- what the host's Device asks of a node (a node type answers if it has any) --
    def host_stream(self) -> HostStream | None:
        """The XLink stream this node opens to the host, if it is an XLink node."""
        return None

    def requested_blob(self) -> str | None:
        """The blob path this node was told to load, if it loads one by path."""
        return None

    def substitute_blob(self, substitutions) -> str | None:
        """Load the substitute `substitutions` gives for the blob this node loads by path, if any;
        returns the file name it matched, or None."""
        return None

    def serialize_properties(self) -> dict:
        """This node's properties under gen2's names, as JSON values."""
        return dict(self.properties)

    def __repr__(self) -> str:
        return f"<{self._label}>"
