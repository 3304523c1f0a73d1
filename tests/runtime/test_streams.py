"""A host stream as an XLink worker sees it, over a real link: messages both ways, the end of the
stream, and a host that has gone."""
import socket

import oakling as dai
from oakling.link.link import Link
from oakling.link.records import End, Message
from oakling.runtime.streams import HostStream


def stream_and_host():
    device_sock, host_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    return HostStream(Link(device_sock, "preview")), Link(host_sock, "preview")


def test_messages_reach_the_host_and_the_end_says_why():
    stream, host = stream_and_host()
    assert stream.send(dai.Buffer().setSequenceNum(3))
    stream.end("XLinkOut(1) ended")
    record = host.recv()
    assert isinstance(record, Message) and record.message.getSequenceNum() == 3
    assert host.recv() == End("XLinkOut(1) ended")


def test_messages_from_the_host_are_received_in_order_then_none_at_its_end():
    stream, host = stream_and_host()
    for k in range(3):
        host.send_message(dai.Buffer().setSequenceNum(k))
    host.send_control({"op": "ignored"})   # not a message: skipped
    host.send_end("host closed the queue")
    assert [stream.receive().getSequenceNum() for _ in range(3)] == [0, 1, 2]
    assert stream.receive() is None


def test_once_the_host_is_gone_send_is_false_receive_none_and_end_quiet():
    stream, host = stream_and_host()
    host.close()
    assert stream.receive() is None
    assert stream.send(dai.Buffer()) is False
    stream.end("too late")
    stream.close()
    assert stream.send(dai.Buffer()) is False
