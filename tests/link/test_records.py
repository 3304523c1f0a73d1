"""The records `Link.recv()` returns, the loop over a link's messages up to its end, and control
dispatch by op."""
import socket

import pytest

from oakling.link.control import ControlOp, follow
from oakling.link.link import Link, LinkClosed
from oakling.link.records import Control, End, Message, MessagesUntilEnd
from oakling.messages import Buffer
from calls import Call


@pytest.fixture
def pair():
    """(sender, receiver) over a fresh socketpair; both closed afterwards."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    links = Link(a, "tx"), Link(b, "rx")
    yield links
    for link in links:
        link.close()


def numbered(k: int) -> Buffer:
    return Buffer().setData(bytes(8)).setSequenceNum(k)


def test_recv_returns_one_record_class_per_kind(pair):
    tx, rx = pair
    tx.send_message(numbered(1))
    tx.send_control({"op": "x"}, b"data")
    tx.send_end("why")
    record = rx.recv()
    assert type(record) is Message and record.message.getSequenceNum() == 1
    assert rx.recv() == Control({"op": "x"}, b"data", [])
    assert rx.recv() == End("why")


def test_messages_until_end_yields_the_messages_skips_control_and_keeps_the_reason(pair):
    tx, rx = pair
    tx.send_message(numbered(1))
    tx.send_control("between")
    tx.send_message(numbered(2))
    tx.send_end("the source stopped")
    tx.send_message(numbered(3))   # after the end: for whoever reads next
    incoming = MessagesUntilEnd(rx)
    assert incoming.reason is None
    assert [msg.getSequenceNum() for msg in incoming] == [1, 2]
    assert incoming.reason == "the source stopped"
    assert rx.recv().message.getSequenceNum() == 3


def test_messages_until_end_keeps_an_empty_reason_apart_from_none(pair):
    tx, rx = pair
    tx.send_end()
    incoming = MessagesUntilEnd(rx)
    assert list(incoming) == [] and incoming.reason == ""


def test_messages_until_end_raises_link_closed_when_the_link_breaks_first(pair):
    tx, rx = pair
    tx.send_message(numbered(1))
    tx.close()
    incoming = MessagesUntilEnd(rx)
    got = []
    with pytest.raises(LinkClosed):
        for msg in incoming:
            got.append(msg.getSequenceNum())
    assert got == [1] and incoming.reason is None


@pytest.mark.parametrize("body, op", [
    ({"op": "log", "text": "hi"}, "log"),
    ({"text": "no op"}, None),
    ({"op": 3}, None),
    ({"op": ["unhashable"]}, None),
    ("not a dict", None),
    (None, None),
])
def test_a_control_records_op_is_its_bodys_op_string_or_none(body, op):
    assert Control(body).op == op


def test_control_ops_travel_as_their_plain_strings(pair):
    tx, rx = pair
    tx.send_control({"op": ControlOp.NODE_FAILED})
    op = rx.recv().body["op"]
    assert op == "node_failed" and type(op) is str


def test_follow_hands_each_record_to_its_ops_handler_until_one_returns_something(pair):
    tx, rx = pair
    seen = []
    handlers = {ControlOp.LOG: lambda record: seen.append((record.body["text"], record.payload)),
                ControlOp.DONE: lambda record: ("done", record.body["why"])}
    tx.send_control({"op": ControlOp.LOG, "text": "first"}, b"p")
    tx.send_message(numbered(1))                 # not a control record
    tx.send_control({"op": "from a newer peer"})  # no handler: skipped
    tx.send_control({"op": ControlOp.READY})     # no handler here: skipped
    tx.send_control(["not", "a", "dict"])
    tx.send_control({"op": "log", "text": "second"})   # a plain string is the same op
    tx.send_end("ignored")
    tx.send_control({"op": ControlOp.DONE, "why": "finished"})
    tx.send_control({"op": ControlOp.LOG, "text": "after"})
    assert follow(rx, handlers) == ("done", "finished")
    assert seen == [("first", b"p"), ("second", b"")]
    assert rx.recv().body["text"] == "after"   # follow stopped at the record that ended it


def test_follow_gives_handlers_the_records_descriptors(pair):
    tx, rx = pair
    a, b = socket.socketpair()
    try:
        tx.send_control({"op": ControlOp.START}, fds=[a.fileno()])
        fds = follow(rx, {ControlOp.START: lambda record: record.fds})
        assert len(fds) == 1
        socket.socket(fileno=fds[0]).close()
    finally:
        a.close()
        b.close()


def test_follow_raises_link_closed_when_the_link_breaks(pair):
    tx, rx = pair
    waiting = Call(follow, rx, {ControlOp.CLOSED: lambda record: True})
    tx.close()
    with pytest.raises(LinkClosed):
        waiting.value(2.0)
