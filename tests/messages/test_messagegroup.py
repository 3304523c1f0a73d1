"""MessageGroup: gen2's named group of messages — its API, and its trip through the wire codec with
every member's type, metadata and bytes (big members as views of the group's payload)."""
from datetime import timedelta

import msgpack
import numpy as np
import pytest

import oakling as dai
from oakling.messages import codec


def stamped(msg, seq, dev_ms):
    msg.setSequenceNum(seq)
    msg.setTimestampDevice(timedelta(milliseconds=dev_ms))
    return msg


def test_names_indexing_iteration_and_counts():
    group = dai.MessageGroup()
    assert (group.getNumMessages(), group.getMessageNames(), group.getIntervalNs()) == (0, [], 0)
    a, b = stamped(dai.Buffer(), 1, 100), stamped(dai.ImgFrame(), 2, 103)
    group["a"] = a
    group["b"] = b
    assert group["a"] is a and group["b"] is b
    assert group.getMessageNames() == ["a", "b"] and group.getNumMessages() == 2
    assert [(name, msg) for name, msg in group] == [("a", a), ("b", b)]
    assert group.getIntervalNs() == 3_000_000
    assert group.isSynced(3_000_000) and not group.isSynced(2_999_999)
    group["a"] = stamped(dai.Buffer(), 3, 103)
    assert group.getNumMessages() == 2 and group.getIntervalNs() == 0
    assert group.setSequenceNum(9) is group and group.getSequenceNum() == 9
    assert isinstance(group, dai.Buffer) and group.getData().size == 0


def test_bad_names_and_members_say_what_is_there():
    group = dai.MessageGroup()
    group["rgb"] = dai.ImgFrame()
    with pytest.raises(IndexError, match=r"MessageGroup has no message 'depth'; it has \['rgb'\]"):
        group["depth"]
    with pytest.raises(TypeError, match=r"MessageGroup\['x'\]: expected a message .* got int"):
        group["x"] = 5


def wire(msg):
    datatype, meta, payload = codec.encode(msg)
    packed = msgpack.packb(meta, use_bin_type=True, strict_types=True)
    return codec.decode(datatype, msgpack.unpackb(packed, raw=False), payload), payload


def test_members_cross_the_wire_with_their_types_and_bytes():
    frame = dai.ImgFrame().setCvFrame(np.random.default_rng(3).integers(0, 255, (240, 320, 3), np.uint8),
                                      dai.ImgFrame.Type.BGR888p)
    stamped(frame, 4, 10)
    nn = dai.NNData()
    nn.addTensor("scores", np.arange(6, dtype=np.float16).reshape(2, 3))
    stamped(nn, 5, 12)
    inner = dai.MessageGroup()
    inner["raw"] = stamped(dai.Buffer().setData([1, 2, 3]), 6, 11)
    group = dai.MessageGroup()
    group["frame"], group["nn"] = frame, nn
    group["inner"], group["empty"] = stamped(inner, 8, 11), stamped(dai.Buffer(), 9, 11)
    stamped(group, 7, 12)
    out, payload = wire(group)
    assert type(out) is dai.MessageGroup and out.getMessageNames() == ["frame", "nn", "inner", "empty"]
    assert (out.getSequenceNum(), out.getTimestampDevice(), out.getTimestamp()) == \
        (7, timedelta(milliseconds=12), group.getTimestamp())
    assert type(out["frame"]) is dai.ImgFrame and out["frame"].getType() == dai.ImgFrame.Type.BGR888p
    np.testing.assert_array_equal(out["frame"].getCvFrame(), frame.getCvFrame())
    assert np.shares_memory(out["frame"].getData(), payload)          # a view, not a copy
    np.testing.assert_array_equal(out["nn"].getTensor("scores"), nn.getTensor("scores"))
    assert out["inner"]["raw"].getData().tolist() == [1, 2, 3] and out["inner"]["raw"].getSequenceNum() == 6
    assert out["empty"].getData().size == 0
    assert out.getIntervalNs() == group.getIntervalNs() == 2_000_000
    assert wire(dai.MessageGroup())[0].getNumMessages() == 0
