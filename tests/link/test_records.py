"""The records `Link.recv()` returns, and the loop over a link's messages up to its end."""

import pytest

from oakling.link.link import LinkClosed
from oakling.link.records import Control, End, Message, MessagesUntilEnd
from oakling.messages import Buffer


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
