"""Sync: messages of several inputs grouped by timestamp into a MessageGroup — gen2's ports and
properties, the grouping rule and its attempts, and a device that syncs two host streams."""
from datetime import timedelta

import numpy as np
import pytest

import oakling as dai
from oakling.testing import NodeHarness

TIMEOUT = 10.0


def at(ms, seq=0, msg=None):
    msg = msg or dai.Buffer()
    msg.setSequenceNum(seq)
    msg.setTimestamp(timedelta(milliseconds=ms))
    return msg


def test_ports_properties_and_schema_are_gen2s():
    p = dai.Pipeline()
    sync = p.create(dai.node.Sync)
    a = sync.inputs["a"]
    assert (a.group, a.name) == ("inputs", "a")
    assert (a.getBlocking(), a.getQueueSize(), a.getWaitForMessage()) == (True, 8, False)
    assert sync.getSyncThreshold() == timedelta(milliseconds=10) and sync.getSyncAttempts() == -1
    assert p.serializeToJson()["pipeline"]["nodes"][0][1]["properties"] == {"syncThresholdNs": 10_000_000,
                                                                          "syncAttempts": -1}
    sync.setSyncThreshold(timedelta(milliseconds=100))
    sync.setSyncAttempts(3)
    assert sync.getSyncThreshold() == timedelta(milliseconds=100) and sync.getSyncAttempts() == 3
    assert p.serializeToJson()["pipeline"]["nodes"][0][1]["properties"] == {"syncThresholdNs": 100_000_000,
                                                                          "syncAttempts": 3}
    with pytest.raises(TypeError, match=r"Sync\(0\).setSyncThreshold: expected a datetime.timedelta, got str"):
        sync.setSyncThreshold("10ms")
    with pytest.raises(ValueError, match=r"Sync\(0\).setSyncAttempts: expected -1, 0 or more, got -2"):
        sync.setSyncAttempts(-2)
    manip = p.create(dai.node.ImageManip)
    with pytest.raises(RuntimeError, match=r"Sync\(0\).out sends MessageGroup, but ImageManip\(1\).inputImage"):
        sync.out.link(manip.inputImage)


def test_a_sync_without_inputs_fails_when_the_pipeline_is_built():
    p = dai.Pipeline()
    p.create(dai.node.Sync)
    with pytest.raises(RuntimeError, match=r"Sync\(0\): no inputs to synchronize — link outputs to "
                                           r"sync.inputs\['name'\]"):
        p.serializeToJson()


def sync_node(attempts=-1):
    sync = dai.Pipeline().create(dai.node.Sync)
    sync.setSyncAttempts(attempts)
    sync.inputs["a"], sync.inputs["b"]
    return sync


def test_the_oldest_message_is_replaced_until_the_group_agrees():
    with NodeHarness(sync_node()) as h:
        for seq, ms in enumerate((0, 20, 40)):
            h.push("a", at(ms, seq))
        for seq, ms in enumerate((25, 45)):
            h.push("b", at(ms, 10 + seq))
        first, second = h.pull("out", timeout=TIMEOUT), h.pull("out", timeout=TIMEOUT)
    assert isinstance(first, dai.MessageGroup) and first.getMessageNames() == ["a", "b"]
    assert (first["a"].getSequenceNum(), first["b"].getSequenceNum()) == (1, 10)      # a at 0 ms was replaced
    assert (first.getSequenceNum(), first.getTimestamp()) == (10, timedelta(milliseconds=25))   # the newest's
    assert (second["a"].getSequenceNum(), second["b"].getSequenceNum()) == (2, 11)


@pytest.mark.parametrize("attempts, want_a, warned", [(0, 0, False), (1, 1, True), (2, 2, True)])
def test_attempts_bound_the_replacements(attempts, want_a, warned):
    with NodeHarness(sync_node(attempts)) as h:
        for seq in range(3):
            h.push("a", at(seq * 20, seq))
        h.push("b", at(500, 10))
        group = h.pull("out", timeout=TIMEOUT)
        lines = [m.payload for m in h.logs]
    assert group["a"].getSequenceNum() == want_a and group["b"].getSequenceNum() == 10
    assert any("apart after" in line and "sending them anyway" in line for line in lines) == warned


def test_a_device_syncs_two_host_streams_and_demuxes_them_again():
    p = dai.Pipeline()
    sync = p.create(dai.node.Sync)
    sync.setSyncThreshold(timedelta(milliseconds=5))
    demux = p.create(dai.node.MessageDemux)
    for name in ("left", "right"):
        xin = p.create(dai.node.XLinkIn)
        xin.setStreamName(name)
        xin.out.link(sync.inputs[name])
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(f"{name}Out")
        demux.outputs[name].link(xout.input)
    groups = p.create(dai.node.XLinkOut)
    groups.setStreamName("groups")
    sync.out.link(groups.input)
    sync.out.link(demux.input)
    image = np.random.default_rng(4).integers(0, 255, (300, 400, 3), np.uint8)    # a big member: shared memory
    with dai.Device(p) as device:
        q_left, q_right = device.getInputQueue("left"), device.getInputQueue("right")
        for seq, ms in enumerate((0, 30, 60)):
            q_left.send(at(ms, seq, dai.ImgFrame().setCvFrame(image, dai.ImgFrame.Type.BGR888i)))
        for seq, ms in enumerate((32, 61)):
            q_right.send(at(ms, 100 + seq, dai.Buffer().setData([seq])))
        q_groups = device.getOutputQueue("groups")
        got = [q_groups.get(timeout=TIMEOUT) for _ in range(2)]
        assert [(g["left"].getSequenceNum(), g["right"].getSequenceNum()) for g in got] == [(1, 100), (2, 101)]
        assert all(isinstance(g, dai.MessageGroup) and g.getNumMessages() == 2 for g in got)
        np.testing.assert_array_equal(got[1]["left"].getCvFrame(), image)
        assert got[1].getTimestamp() == timedelta(milliseconds=61) and got[1].getSequenceNum() == 101
        lefts = [device.getOutputQueue("leftOut").get(timeout=TIMEOUT) for _ in range(2)]
        rights = [device.getOutputQueue("rightOut").get(timeout=TIMEOUT) for _ in range(2)]
        assert [m.getSequenceNum() for m in lefts] == [1, 2] and isinstance(lefts[0], dai.ImgFrame)
        assert [m.getData().tolist() for m in rights] == [[0], [1]]
        assert device.getFailedNodes() == {}


def test_a_script_reads_the_groups_a_sync_makes():
    p = dai.Pipeline()
    sync = p.create(dai.node.Sync)
    for name in ("a", "b"):
        xin = p.create(dai.node.XLinkIn)
        xin.setStreamName(name)
        xin.out.link(sync.inputs[name])
    script = p.create(dai.node.Script)
    sync.out.link(script.inputs["group"])
    script.setScript("""
        while True:
            group = node.io['group'].get()
            names = ",".join(sorted(group.getMessageNames()))
            reply = Buffer(0)
            reply.setData(bytes(group['a'].getData()) + bytes(group['b'].getData()) + names.encode())
            node.io['out'].send(reply)
    """)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("out")
    script.outputs["out"].link(xout.input)
    with dai.Device(p) as device:
        device.getInputQueue("a").send(at(0, 1, dai.Buffer().setData(list(b"A"))))
        device.getInputQueue("b").send(at(1, 2, dai.Buffer().setData(list(b"B"))))
        assert bytes(device.getOutputQueue("out").get(timeout=TIMEOUT).getData()) == b"ABa,b"
        assert device.getFailedNodes() == {}
