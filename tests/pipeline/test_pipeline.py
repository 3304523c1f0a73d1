"""Pipeline building: node ids, creation, links and their errors, port settings and maps."""
import pytest

import oakling as dai
from oakling.messages.datatype import DatatypeEnum
from oakling.pipeline.node import Node


class TwoMaps(Node):
    """A node with Script-style port maps, for testing the maps alone."""
    NAME = "TwoMaps"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.inputs = Node.InputMap(self, "inputs", "io", blocking=True, queueSize=8, waitForMessage=False)
        self.outputs = Node.OutputMap(self, "outputs", "io")


def test_node_ids_follow_creation_order():
    p = dai.Pipeline()
    nodes = [p.create(dai.node.XLinkIn), p.createColorCamera(), p.create(dai.node.XLinkOut)]
    assert [n.id for n in nodes] == [0, 1, 2]
    assert p.getAllNodes() == nodes
    assert p.getNode(1) is nodes[1]
    assert p.getNode(7) is None
    assert set(p.getNodeMap()) == {0, 1, 2}


def test_deprecated_create_aliases_make_the_same_nodes():
    p = dai.Pipeline()
    assert isinstance(p.createXLinkOut(), dai.node.XLinkOut)
    assert isinstance(p.createMonoCamera(), dai.node.MonoCamera)
    assert p.createXLinkIn().getName() == "XLinkIn"


def test_create_rejects_what_is_not_a_node():
    with pytest.raises(ValueError, match="not a subclass of depthai.node"):
        dai.Pipeline().create(int)


def test_nodes_oakling_lacks_say_so():
    with pytest.raises(NotImplementedError, match="dai.node.StereoDepth"):
        dai.Pipeline().create(dai.node.StereoDepth)
    with pytest.raises(NotImplementedError, match="dai.node.FeatureTracker"):
        dai.Pipeline().createFeatureTracker()
    with pytest.raises(AttributeError):
        dai.node.NoSuchNode


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


def test_link_unlink_and_connections():
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    xout = p.create(dai.node.XLinkOut)
    cam.preview.link(xout.input)
    assert p.getConnections() == [dai.Node.Connection(0, "", "preview", 1, "", "in")]
    c = p.getConnections()[0]
    assert (c.outputId, c.outputName, c.inputId, c.inputName) == (0, "preview", 1, "in")
    assert cam.preview.getConnections() == p.getConnections()
    assert 1 in p.getConnectionMap()
    p.unlink(cam.preview, xout.input)
    assert p.getConnections() == []
    with pytest.raises(RuntimeError, match="is not linked"):
        cam.preview.unlink(xout.input)


def test_fan_out_and_fan_in_are_allowed():
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    a, b = p.create(dai.node.XLinkOut), p.create(dai.node.XLinkOut)
    cam.preview.link(a.input)
    cam.preview.link(b.input)
    cam.video.link(a.input)
    assert len(p.getConnections()) == 3


def test_duplicate_link_names_both_ends():
    p = dai.Pipeline()
    cam, xout = p.create(dai.node.ColorCamera), p.create(dai.node.XLinkOut)
    cam.preview.link(xout.input)
    with pytest.raises(RuntimeError, match=r"'ColorCamera\(0\).preview' already linked to 'XLinkOut\(1\).input'"):
        p.link(cam.preview, xout.input)


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


def test_nodes_of_different_pipelines_cannot_be_linked():
    cam = dai.Pipeline().create(dai.node.ColorCamera)
    other = dai.Pipeline()
    xout = other.create(dai.node.XLinkOut)
    with pytest.raises(RuntimeError, match="different pipelines"):
        cam.preview.link(xout.input)
    assert not cam.preview.isSamePipeline(xout.input)


def test_remove_drops_the_node_and_its_links():
    p = dai.Pipeline()
    cam, xout = p.create(dai.node.ColorCamera), p.create(dai.node.XLinkOut)
    cam.preview.link(xout.input)
    p.remove(xout)
    assert p.getAllNodes() == [cam]
    assert p.getConnections() == []
    assert p.create(dai.node.XLinkOut).id == 2   # ids are never reused


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


def test_datatype_hierarchy():
    from oakling.messages.datatype import is_subclass
    assert is_subclass(DatatypeEnum.SpatialImgDetections, DatatypeEnum.ImgDetections)
    assert is_subclass(DatatypeEnum.NNData, DatatypeEnum.Buffer)
    assert not is_subclass(DatatypeEnum.Buffer, DatatypeEnum.NNData)
    assert not is_subclass(DatatypeEnum.ImgFrame, DatatypeEnum.NNData)
