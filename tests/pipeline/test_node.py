"""Nodes and their ports on their own: input settings, which outputs may feed which inputs, port maps,
and what the base Node answers for the schema and the host."""
import pytest

import oakling as dai
from oakling.messages.datatype import DatatypeEnum
from oakling.pipeline.node import DatatypeHierarchy, HostStream, IoType, Node


class TwoMaps(Node):
    """A node with Script-style port maps, for testing the maps alone."""
    NAME = "TwoMaps"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.inputs = Node.InputMap(self, "inputs", "io", blocking=True, queueSize=8, waitForMessage=False)
        self.outputs = Node.OutputMap(self, "outputs", "io")


@pytest.mark.parametrize("make, port, blocking, size, wait", [
    (lambda p: p.create(dai.node.XLinkOut), "input", True, 8, True),
    (lambda p: p.create(dai.node.ColorCamera), "inputControl", True, 8, False),
    (lambda p: p.create(dai.node.ColorCamera), "inputConfig", False, 8, False),
    (lambda p: p.create(dai.node.MonoCamera), "inputControl", True, 8, False),
])
def test_input_defaults_follow_gen2(make, port, blocking, size, wait):
    inp = getattr(make(dai.Pipeline()), port)
    assert (inp.getBlocking(), inp.getQueueSize(), inp.getWaitForMessage()) == (blocking, size, wait)
    assert inp.getReusePreviousMessage() is (not wait)


def test_input_setters_and_reuse_is_the_inverse_of_wait():
    inp = dai.Pipeline().create(dai.node.XLinkOut).input
    inp.setBlocking(False)
    inp.setQueueSize(1)
    inp.setReusePreviousMessage(True)
    assert (inp.getBlocking(), inp.getQueueSize(), inp.getWaitForMessage()) == (False, 1, False)
    inp.setWaitForMessage(True)
    assert inp.getReusePreviousMessage() is False
    with pytest.raises(ValueError, match="XLinkOut\\(0\\).input"):
        inp.setQueueSize(0)


def test_incompatible_datatypes_are_refused_with_both_ends_and_the_types():
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    other = p.create(dai.node.ColorCamera)
    assert not cam.preview.canConnect(other.inputControl)
    with pytest.raises(RuntimeError) as e:
        cam.preview.link(other.inputControl)
    text = str(e.value)
    assert "Cannot link 'ColorCamera(0).preview' to 'ColorCamera(1).inputControl'" in text
    assert "ImgFrame" in text and "CameraControl" in text


def test_buffer_outputs_may_feed_any_input_and_any_output_may_feed_a_buffer_input():
    p = dai.Pipeline()
    xin, cam, xout = p.create(dai.node.XLinkIn), p.create(dai.node.ColorCamera), p.create(dai.node.XLinkOut)
    assert xin.out.canConnect(cam.inputControl)   # XLinkIn sends Buffer and its descendants
    assert cam.preview.canConnect(xout.input)


def test_port_maps_create_entries_on_first_access():
    p = dai.Pipeline()
    node = p.create(TwoMaps)
    assert "a" not in node.inputs
    a = node.inputs["a"]
    assert node.inputs["a"] is a and "a" in node.inputs and len(node.inputs) == 1
    assert (a.group, a.name, a.getBlocking(), a.getQueueSize()) == ("io", "a", True, 8)
    node.outputs["x"]
    assert list(node.outputs) == ["x"] and [k for k, _ in node.outputs.items()] == ["x"]
    del node.inputs["a"]
    assert len(node.inputs) == 0
    assert str(node.outputs["x"]) == "TwoMaps(0).outputs['x']"


def test_an_input_and_an_output_may_not_share_a_name():
    p = dai.Pipeline()
    node = p.create(TwoMaps)
    node.inputs["a"]
    node.outputs["a"]
    with pytest.raises(ValueError, match=r"'TwoMaps\(0\).io\[\"a\"\]' redefined"):
        p.serializeToJson()


class Plain(Node):
    """A node with one port of each kind, declared as node modules declare theirs."""
    NAME = "Plain"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.frames = self._input("in", types=(DatatypeEnum.ImgFrame,), attr="frames", blocking=False,
                                  queueSize=2)
        self.out = self._output("out", types=(DatatypeHierarchy(DatatypeEnum.Buffer, False),))
        self.properties = {"answer": 42}


def test_a_node_lists_its_ports_sorted_and_says_its_label():
    node = dai.Pipeline().create(Plain)
    assert node.getName() == "Plain" and repr(node) == "<Plain(0)>" and node._label == "Plain(0)"
    assert node.getInputs() == [node.frames] and node.getOutputRefs() == [node.out]
    assert list(node.ports()) == [node.frames, node.out]   # ("", "in") before ("", "out")
    assert str(node.frames) == "Plain(0).frames" and repr(node.out) == "<Output Plain(0).out>"
    assert node.frames.getParent() is node and node.getParentPipeline() is not None


def test_ports_describe_themselves_for_the_schema():
    node = dai.Pipeline().create(Plain)
    assert node.frames.io_info(3) == {"blocking": False, "group": "", "id": 3, "name": "in", "queueSize": 2,
                                      "type": int(IoType.SReceiver), "waitForMessage": False}
    assert node.out.io_info(4) == {"blocking": False, "group": "", "id": 4, "name": "out", "queueSize": 8,
                                   "type": int(IoType.MSender), "waitForMessage": False}


@pytest.mark.parametrize("out_types, in_types, fits", [
    ((DatatypeEnum.ImgFrame,), (DatatypeEnum.ImgFrame,), True),
    ((DatatypeEnum.ImgFrame,), (DatatypeEnum.Buffer,), True),                               # a Buffer input
    ((DatatypeEnum.Buffer,), (DatatypeEnum.NNData,), True),                                 # descendants sent
    ((DatatypeHierarchy(DatatypeEnum.Buffer, False),), (DatatypeEnum.NNData,), False),      # exactly Buffer
    ((DatatypeEnum.ImgFrame,), (DatatypeHierarchy(DatatypeEnum.Buffer, False),), False),
    ((DatatypeEnum.SpatialImgDetections,), (DatatypeEnum.ImgDetections,), True),
    ((DatatypeEnum.NNData, DatatypeEnum.ImgFrame), (DatatypeEnum.ImgFrame,), True),        # any pair
])
def test_an_output_feeds_an_input_when_one_of_its_types_fits(out_types, in_types, fits):
    node = dai.Pipeline().create(Node)
    out, inp = node._output("o", types=out_types), node._input("i", types=in_types)
    assert out.canConnect(inp) is fits


def test_an_output_cannot_feed_what_is_not_an_input():
    p = dai.Pipeline()
    node = p.create(Plain)
    assert not node.out.canConnect(node.out)
    assert node.out._incompatibility(node.out) == "expected a node input, got Output"


def test_the_base_node_opens_no_stream_and_loads_no_blob():
    node = dai.Pipeline().create(Plain)
    assert node.host_stream() is None and node.requested_blob() is None and node.substitute_blob({}) is None
    assert node.serialize_properties() == {"answer": 42} and node.serialize_properties() is not node.properties
    assert node.getAssetManager() == {}
    assert HostStream("preview", True) == ("preview", True, 0, 16)
