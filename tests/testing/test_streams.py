"""HarnessStream: the test's end of an XLink node's stream."""
import oakling as dai
from oakling.testing.streams import HarnessStream


def test_what_is_sent_is_received_in_order_until_the_end():
    stream = HarnessStream("preview", 4)
    for k in range(3):
        assert stream.send(dai.Buffer().setSequenceNum(k))
    stream.end("XLinkOut(1) ended")
    assert [stream.receive().getSequenceNum() for _ in range(3)] == [0, 1, 2]
    assert stream.receive() is None


def test_metadata_only_sends_everything_but_the_data():
    stream = HarnessStream("meta", 4)
    stream.send(dai.Buffer().setData(b"abc").setSequenceNum(9), metadata_only=True)
    msg = stream.receive()
    assert msg.getSequenceNum() == 9 and len(msg.getData()) == 0


def test_nothing_is_sent_once_the_stream_is_closed():
    stream = HarnessStream("gone", 4)
    stream.close()
    assert stream.send(dai.Buffer()) is False
    assert stream.receive() is None
