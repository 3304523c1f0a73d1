"""Control records: ops travel as plain strings, and each receiving side dispatches by op."""
import socket

import pytest

from oakling.link.control import ControlOp, follow
from oakling.link.link import LinkClosed
from oakling.messages import Buffer
from calls import Call


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
    tx.send_message(Buffer().setSequenceNum(1))                 # not a control record
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
