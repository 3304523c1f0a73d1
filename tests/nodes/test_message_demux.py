"""MessageDemux: a MessageGroup's members sent on the outputs of their names — gen2's ports, and a
device that takes apart a group the host built."""
import numpy as np
import pytest

import oakling as dai
from oakling.testing import NodeHarness

TIMEOUT = 10.0


def test_ports_properties_and_schema_are_gen2s():
    p = dai.Pipeline()
    demux = p.create(dai.node.MessageDemux)
    assert demux.getName() == "MessageDemux"
    assert (demux.input.getBlocking(), demux.input.getQueueSize(), demux.input.getWaitForMessage()) == (True, 8, False)
    out = demux.outputs["rgb"]
    assert (out.group, out.name) == ("outputs", "rgb")
    node = p.serializeToJson()["pipeline"]["nodes"][0][1]
    assert node["properties"] == {"dummy": 0}
    assert sorted((info["group"], info["name"]) for _, info in node["ioInfo"]) == [("", "input"), ("outputs", "rgb")]
    xin = p.create(dai.node.XLinkIn)
    xin.out.link(demux.input)        # XLinkIn sends any message
    cam = p.create(dai.node.ColorCamera)
    with pytest.raises(RuntimeError, match=r"ColorCamera\(2\).preview sends ImgFrame, but MessageDemux\(0\).input "
                                           r"accepts MessageGroup"):
        cam.preview.link(demux.input)


def test_members_go_to_their_outputs_and_unlinked_names_nowhere():
    demux = dai.Pipeline().create(dai.node.MessageDemux)
    demux.outputs["a"], demux.outputs["b"]
    group = dai.MessageGroup()
    group["a"] = dai.Buffer().setSequenceNum(1)
    group["b"] = dai.ImgFrame().setSequenceNum(2)
    group["c"] = dai.Buffer().setSequenceNum(3)
    with NodeHarness(demux) as h:
        h.push("input", group)
        h.push("input", dai.Buffer().setSequenceNum(4))     # not a group: dropped, said
        again = dai.MessageGroup()
        again["a"] = dai.Buffer().setSequenceNum(5)
        h.push("input", again)
        a1, b, a2 = h.pull("a", timeout=TIMEOUT), h.pull("b", timeout=TIMEOUT), h.pull("a", timeout=TIMEOUT)
        lines = [m.payload for m in h.logs]
    assert (a1.getSequenceNum(), b.getSequenceNum(), a2.getSequenceNum()) == (1, 2, 5)
    assert isinstance(b, dai.ImgFrame)
    assert any("MessageDemux(0).input: expected MessageGroup" in line and "(message 4 dropped)" in line
               for line in lines)


def test_a_device_takes_apart_a_group_the_host_sent():
    p = dai.Pipeline()
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("groups")
    demux = p.create(dai.node.MessageDemux)
    xin.out.link(demux.input)
    for name in ("frame", "tensor"):
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        demux.outputs[name].link(xout.input)
    image = np.random.default_rng(5).integers(0, 255, (256, 384), np.uint8)
    with dai.Device(p) as device:
        for seq in range(2):
            group = dai.MessageGroup()
            group["frame"] = dai.ImgFrame().setCvFrame(image + seq, dai.ImgFrame.Type.GRAY8).setSequenceNum(seq)
            nn = dai.NNData()
            nn.addTensor("v", np.full((2, 2), seq, np.float32))
            group["tensor"] = nn.setSequenceNum(seq)
            device.getInputQueue("groups").send(group)
        for seq in range(2):
            frame = device.getOutputQueue("frame").get(timeout=TIMEOUT)
            tensor = device.getOutputQueue("tensor").get(timeout=TIMEOUT)
            assert frame.getSequenceNum() == tensor.getSequenceNum() == seq
            np.testing.assert_array_equal(frame.getCvFrame(), image + seq)
            assert tensor.getTensor("v").tolist() == [[seq, seq], [seq, seq]]
        assert device.getFailedNodes() == {}
