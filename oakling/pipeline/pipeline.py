"""The Pipeline: a graph of nodes and links, built on the host and sent to the device as a schema."""
from __future__ import annotations

from .node import Connection, Input, Node, Output
from . import schema


class Pipeline:
    """gen2's `dai.Pipeline`. Nodes get ids 0, 1, 2… in creation order."""

    def __init__(self):
        self._nodes: dict[int, Node] = {}
        self._next_id = 0
        self._links: list[tuple[Output, Input]] = []
        self._global_properties = schema.default_global_properties()
        self._openvino_version = None
        self._board_config = None

    # -- nodes --
    def create(self, node_class):
        if not (isinstance(node_class, type) and issubclass(node_class, Node)):
            raise ValueError(f"{node_class!r} is not a subclass of depthai.node — "
                             f"pass a node class such as dai.node.XLinkOut")
        node = node_class(self, self._next_id)
        self._nodes[node.id] = node
        self._next_id += 1
        return node

    def __getattr__(self, name: str):
        # The deprecated createX() aliases: pipeline.createXLinkOut() == pipeline.create(dai.node.XLinkOut)
        if name.startswith("create") and len(name) > 6:
            from . import registry
            try:
                node_class = registry.host_class(name[6:])
            except KeyError:
                if registry.not_yet(name[6:]):
                    raise NotImplementedError(f"oakling does not implement dai.node.{name[6:]} yet, so "
                                              f"pipeline.{name}() is not there either — see the README for "
                                              f"the nodes it has") from None
                raise AttributeError(f"'Pipeline' object has no attribute '{name}'") from None
            return lambda: self.create(node_class)
        raise AttributeError(f"'Pipeline' object has no attribute '{name}'")

    def getAllNodes(self) -> list[Node]:
        return list(self._nodes.values())

    def getNode(self, node_id: int) -> Node | None:
        return self._nodes.get(node_id)

    def getNodeMap(self) -> dict[int, Node]:
        return dict(self._nodes)

    def remove(self, node: Node):
        if self._nodes.get(node.id) is not node:
            raise ValueError(f"{node!r} is not part of this pipeline")
        self._links = [(o, i) for o, i in self._links
                       if o.getParent() is not node and i.getParent() is not node]
        del self._nodes[node.id]

    # -- links --
    def link(self, out: Output, input: Input):
        self._link(out, input)

    def unlink(self, out: Output, input: Input):
        self._unlink(out, input)

    def _link(self, out: Output, input: Input):
        if not isinstance(out, Output) or not isinstance(input, Input):
            raise TypeError(f"link(output, input) takes a node output then a node input, "
                            f"got {type(out).__name__} and {type(input).__name__}")
        if not out.isSamePipeline(input):
            raise RuntimeError(f"Cannot link '{out}' to '{input}': the nodes belong to different "
                               f"pipelines — create both nodes with the same Pipeline")
        if out.getParent()._pipeline is not self:
            raise RuntimeError(f"Cannot link '{out}' to '{input}': the nodes belong to another pipeline")
        why = out._incompatibility(input)
        if why:
            raise RuntimeError(f"Cannot link '{out}' to '{input}': {why}")
        if any(o is out and i is input for o, i in self._links):
            raise RuntimeError(f"'{out}' already linked to '{input}'")
        self._links.append((out, input))

    def _unlink(self, out: Output, input: Input):
        for k, (o, i) in enumerate(self._links):
            if o is out and i is input:
                del self._links[k]
                return
        raise RuntimeError(f"'{out}' is not linked to '{input}'")

    def _drop_port(self, port):
        self._links = [(o, i) for o, i in self._links if o is not port and i is not port]

    def links(self) -> list[tuple[Output, Input]]:
        return list(self._links)

    def getConnections(self) -> list[Connection]:
        return [Connection(o.getParent().id, o.group, o.name, i.getParent().id, i.group, i.name)
                for o, i in self._links]

    def getConnectionMap(self) -> dict[int, set[Connection]]:
        result: dict[int, set[Connection]] = {}
        for c in self.getConnections():
            result.setdefault(c.inputId, set()).add(c)
        return result

    # -- global properties --
    def getGlobalProperties(self) -> dict:
        return self._global_properties

    def setXLinkChunkSize(self, size: int):
        self._global_properties["xlinkChunkSize"] = int(size)

    def setSippBufferSize(self, size: int):
        self._global_properties["sippBufferSize"] = int(size)

    def setSippDmaBufferSize(self, size: int):
        self._global_properties["sippDmaBufferSize"] = int(size)

    def setCalibrationData(self, calibrationDataHandler):
        """The calibration the device runs this pipeline with (nodes and camera sources follow it),
        instead of its own; carried in the schema's globalProperties.calibData, as gen2's."""
        from ..calibration import CalibrationHandler
        if not isinstance(calibrationDataHandler, CalibrationHandler):
            raise TypeError(f"Pipeline.setCalibrationData: expected a dai.CalibrationHandler, got "
                            f"{type(calibrationDataHandler).__name__}")
        self._global_properties["calibData"] = calibrationDataHandler.eepromToJson()

    def getCalibrationData(self):
        """The calibration setCalibrationData gave; an empty dai.CalibrationHandler without one."""
        from ..calibration import CalibrationHandler
        data = self._global_properties.get("calibData")
        return CalibrationHandler.fromJson(data) if data else CalibrationHandler()

    def setBoardConfig(self, board):
        """gen2's board setup carried with the pipeline; a `Device(pipeline)` applies it as it would a
        `Device.Config().board` (oakling/pipeline/board_config.py)."""
        from .board_config import BoardConfig
        if not isinstance(board, BoardConfig):
            raise TypeError(f"Pipeline.setBoardConfig: expected dai.BoardConfig, got {type(board).__name__}")
        self._board_config = board

    def getBoardConfig(self):
        from .board_config import BoardConfig
        return BoardConfig() if self._board_config is None else self._board_config

    # -- OpenVINO version: gen2 pins the version blobs were compiled for; oakling blobs run on any --
    def setOpenVINOVersion(self, version=None):
        """Accepted for gen2 programs (`dai.OpenVINO.VERSION_2021_4`, …): oakling blobs carry their own
        OpenVINO model and run whatever version is set."""
        from ..models.gen2 import OpenVINO
        self._openvino_version = None if version is None else OpenVINO.Version(version)

    def getOpenVINOVersion(self):
        from ..models.gen2 import OpenVINO
        return OpenVINO.DEFAULT_VERSION if self._openvino_version is None else self._openvino_version

    def getRequiredOpenVINOVersion(self):
        """The version the pipeline's blobs need: None, as oakling blobs need none in particular."""
        return None

    # -- schema --
    def serializeToJson(self) -> dict:
        """gen2's layout: {"pipeline": schema, "assets": {"map": …}, "assetStorage": [ints]}."""
        return schema.serialize(self)
