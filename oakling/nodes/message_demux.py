"""MessageDemux: a MessageGroup taken apart, each member sent on the output of its name.

    demux = pipeline.create(dai.node.MessageDemux)
    sync.out.link(demux.input)
    demux.outputs["video"].link(xout_video.input)     # group["video"]
    demux.outputs["nn"].link(xout_nn.input)           # group["nn"]

Ports (gen2): `input` (MessageGroup; blocking, queue 8, does not wait) and `outputs[name]` (group
"outputs"; any message). Properties as gen2's MessageDemuxProperties: `{"dummy": 0}`. A member
whose name has no linked output is not sent anywhere.
"""
from __future__ import annotations

from ..messages.datatype import DatatypeEnum
from ..messages.messagegroup import MessageGroup
from ..pipeline.node import Node, OutputMap
from ..pipeline.registry import node_type
from ..runtime.worker import QueueClosed, Worker


@node_type(worker="MessageDemuxWorker")
class MessageDemux(Node):
    NAME = "MessageDemux"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.input = self._input("input", types=(DatatypeEnum.MessageGroup,), blocking=True, queueSize=8,
                                 waitForMessage=False)
        self.outputs = OutputMap(self, "outputs", "outputs")
        self.properties = {"dummy": 0}


class MessageDemuxWorker(Worker):
    """Sends each member of each group on `outputs[its name]`."""

    def run(self):
        source = self.input("input")
        outputs = {name: port for (group, name), port in self.ctx.outputs.items()
                   if group == "outputs" and port.linked}
        while True:
            try:
                group = source.get()
            except QueueClosed:
                return
            if not isinstance(group, MessageGroup):
                self._error("type", f"{self.label}.input: expected MessageGroup (a Sync node's out), got "
                                    f"{type(group).__name__} (message {group.getSequenceNum()} dropped)")
                continue
            for name, msg in group:
                port = outputs.get(name)
                if port is not None:
                    port.send(msg)
