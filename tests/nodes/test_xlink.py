"""XLinkIn and XLinkOut: their host classes and the host streams they declare, then their workers
alone in oakling.testing's harness, where the test is the host's end of the stream."""
import numpy as np
import pytest

import oakling as dai
from oakling.nodes.xlink import XLINK_USB_BUFFER_MAX_SIZE
from oakling.pipeline.node import HostStream
from oakling.testing import NodeHarness, StreamEnded


def image(seq, width=32, height=24):
    f = dai.ImgFrame()
    f.setCvFrame(np.full((height, width, 3), seq, np.uint8), dai.ImgFrame.Type.BGR888i)
    f.setSequenceNum(seq)
    return f


def xlink_out(name="out", **setters):
    xout = dai.Pipeline().create(dai.node.XLinkOut)
    xout.setStreamName(name)
    for setter, value in setters.items():
        getattr(xout, setter)(value)
    return xout


# -- the host classes --

def test_xlink_in_defaults_setters_and_its_stream_from_the_host():
    xin = dai.Pipeline().create(dai.node.XLinkIn)
    assert (xin.getName(), xin.out.name) == ("XLinkIn", "out")
    assert (xin.getStreamName(), xin.getMaxDataSize(), xin.getNumFrames()) == ("", XLINK_USB_BUFFER_MAX_SIZE, 8)
    xin.setStreamName("control")
    xin.setMaxDataSize(1024)
    xin.setNumFrames(2)
    assert (xin.getStreamName(), xin.getMaxDataSize(), xin.getNumFrames()) == ("control", 1024, 2)
    assert xin.host_stream() == HostStream("control", False, 1024, 2)


def test_xlink_out_defaults_setters_and_its_stream_to_the_host():
    xout = dai.Pipeline().create(dai.node.XLinkOut)
    assert (xout.getName(), xout.input.name) == ("XLinkOut", "in")
    assert (xout.input.getBlocking(), xout.input.getQueueSize(), xout.input.getWaitForMessage()) == (True, 8, True)
    assert (xout.getStreamName(), xout.getFpsLimit(), xout.getMetadataOnly()) == ("", -1.0, False)
    xout.setStreamName("preview")
    xout.setFpsLimit(15)
    xout.setMetadataOnly(True)
    assert (xout.getStreamName(), xout.getFpsLimit(), xout.getMetadataOnly()) == ("preview", 15.0, True)
    assert xout.host_stream() == HostStream("preview", True)


# -- XLinkOut at work --

# (fps limit, clock times whose messages are sent, the clock time of one more message, is it sent?)
FPS_LIMITS = [
    (4, [0, 0.25, 0.5], 0.74, False),
    (4, [0, 0.25, 0.5], 0.75, True),
    (4, [0, 0.3], 0.5, False),      # the interval counts from the last message sent, not from a grid
    (4, [0, 0.3], 0.55, True),
    (0.5, [0, 2.0], 3.9, False),
    (0.5, [0, 2.0], 4.0, True),
]


@pytest.mark.parametrize("fps, sent_at, last_at, last_sent", FPS_LIMITS)
def test_the_fps_limit_drops_what_comes_sooner_than_its_interval_on_the_nodes_clock(fps, sent_at, last_at,
                                                                                    last_sent):
    with NodeHarness(xlink_out(setFpsLimit=fps)) as h:
        for seq, at in enumerate(sent_at):
            h.advance(at - h.clock.monotonic())
            h.push("in", image(seq))
            assert h.pull("out").getSequenceNum() == seq   # so the node has read it at this time
        h.advance(last_at - h.clock.monotonic())
        h.push("in", image(99))
        h.close("in")   # the last message is read before the end, at last_at: no clock moves after it
        if last_sent:
            assert h.pull("out").getSequenceNum() == 99
        with pytest.raises(StreamEnded):
            h.pull("out")


# XLinkOut's two ways of sending: producers write straight to the stream (a blocking input and no
# limit), or the worker reads the input's queue (an FPS limit, or a non-blocking input).
WAYS = {
    "straight": lambda xout: None,
    "fps limit": lambda xout: xout.setFpsLimit(1000),
    "non-blocking": lambda xout: xout.input.setBlocking(False),
}


def xlink_out_sending(way, metadata_only=False):
    xout = xlink_out(setMetadataOnly=metadata_only)
    WAYS[way](xout)
    return xout


@pytest.mark.parametrize("way", list(WAYS))
@pytest.mark.parametrize("metadata_only", [False, True])
def test_metadata_only_sends_everything_but_the_data(way, metadata_only):
    with NodeHarness(xlink_out_sending(way, metadata_only)) as h:
        h.push("in", image(3))
        got = h.pull("out")
    assert (got.getSequenceNum(), got.getWidth(), got.getHeight(), got.getType()) == \
        (3, 32, 24, dai.ImgFrame.Type.BGR888i)
    assert len(got.getData()) == (0 if metadata_only else 32 * 24 * 3)


@pytest.mark.parametrize("way", list(WAYS))
def test_the_end_of_the_input_reaches_the_host_stream_after_its_last_message_with_the_reason(way):
    with NodeHarness(xlink_out_sending(way)) as h:
        h.push("in", image(5))
        h.close("in")
        assert h.pull("out").getSequenceNum() == 5
        with pytest.raises(StreamEnded, match=r"^XLinkOut\(0\) stream 'out' ended: the test closed "
                                              r"XLinkOut\(0\).input$"):
            h.pull("out")


# -- XLinkIn at work --

def test_xlink_in_forwards_what_the_host_sends_in_order_until_the_host_closes():
    xin = dai.Pipeline().create(dai.node.XLinkIn)
    xin.setStreamName("control")
    data = dai.Buffer()
    data.setData([1, 2, 3])
    sent = [image(0), data, dai.CameraControl().setCaptureStill(True), image(1)]
    with NodeHarness(xin) as h:
        for msg in sent:
            h.push("control", msg)
        got = [h.pull("out") for _ in sent]
        assert h.try_pull("out") is None
        h.close("control")
        with pytest.raises(StreamEnded, match=r"^XLinkIn\(0\).out ended: the stream from XLinkIn\(0\) ended$"):
            h.pull("out")
    assert [type(m) for m in got] == [type(m) for m in sent]
    assert [got[0].getSequenceNum(), got[3].getSequenceNum()] == [0, 1]
    assert bytes(got[1].getData()) == b"\x01\x02\x03" and got[2].getCaptureStill()


def test_an_fps_limit_equal_to_the_sources_rate_passes_every_message():
    """Messages exactly 1/30 s apart through setFpsLimit(30): none is dropped for a rounding error."""
    with NodeHarness(xlink_out(setFpsLimit=30)) as h:
        for seq in range(31):
            h.advance(seq / 30 - h.clock.monotonic())
            h.push("in", image(seq))
            assert h.pull("out", timeout=2).getSequenceNum() == seq
