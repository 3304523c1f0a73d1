"""Pipeline building: node ids, creation, links and their errors (ports on their own are in test_node.py)."""
import pytest

import oakling as dai


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
    with pytest.raises(NotImplementedError, match="dai.node.SPIIn"):
        dai.Pipeline().create(dai.node.SPIIn)
    with pytest.raises(NotImplementedError, match="dai.node.SPIOut"):
        dai.Pipeline().createSPIOut()
    with pytest.raises(AttributeError):
        dai.node.NoSuchNode


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
