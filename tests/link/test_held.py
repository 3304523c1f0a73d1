"""Held sends: inside `held_sends()`, a thread's small records wait in their links and leave
together as soon as the thread would wait, sends what it cannot hold, or leaves the block."""
import os
import select
import socket
import threading

import numpy as np
import pytest

from oakling.link import held
from oakling.link.held import held_sends, release_held
from oakling.link.link import SHM_THRESHOLD, Link, LinkClosed
from oakling.link.records import Control, Message
from oakling.messages import Buffer
from calls import Call


def numbered(k: int, nbytes: int = 16) -> Buffer:
    return Buffer().setData(np.full(nbytes, k % 256, np.uint8)).setSequenceNum(k)


def readable(link: Link) -> bool:
    return bool(select.select([link.sock], [], [], 0)[0])


def numbers(rx: Link, n: int) -> list[int]:
    return [rx.recv().message.getSequenceNum() for _ in range(n)]


def test_small_records_wait_until_the_block_ends_then_leave_in_order(pair):
    tx, rx = pair
    with held_sends():
        for k in range(5):
            tx.send_message(numbered(k))
        assert not readable(rx)
        assert tx.bytes_written > 0   # counted as sent when held
    assert numbers(rx, 5) == [0, 1, 2, 3, 4]


def test_without_the_block_nothing_is_held(pair):
    tx, rx = pair
    tx.send_message(numbered(1))
    assert readable(rx)


def test_a_record_that_cannot_be_held_sends_the_held_ones_first(pair):
    tx, rx = pair
    with held_sends():
        tx.send_message(numbered(0))
        tx.send_message(numbered(1, SHM_THRESHOLD))   # through shared memory: never held
        assert readable(rx)
        assert numbers(rx, 2) == [0, 1]
        r, w = os.pipe()
        try:
            tx.send_message(numbered(2))
            tx.send_control({"op": "fd"}, fds=[r])   # descriptors: never held
            assert numbers(rx, 1) == [2]
            record = rx.recv()
            assert type(record) is Control
            for fd in record.fds:
                os.close(fd)
        finally:
            os.close(r)
            os.close(w)


def test_another_threads_send_on_the_link_goes_after_what_it_holds(pair):
    tx, rx = pair
    with held_sends():
        tx.send_message(numbered(0))
        sender = threading.Thread(target=tx.send_message, args=(numbered(1),))
        sender.start()
        sender.join(5)
        assert numbers(rx, 2) == [0, 1]


def test_a_thread_that_must_wait_for_a_record_sends_what_it_holds_first():
    """The peer answers only what it received: without the release both would wait."""
    a, b = socket.socketpair()
    ours, theirs = Link(a, "ours"), Link(b, "theirs")
    peer = Call(lambda: theirs.send_message(numbered(theirs.recv().message.getSequenceNum() + 100)))

    def ask():
        with held_sends():
            ours.send_message(numbered(7))
            assert not readable(theirs)
            return ours.recv().message.getSequenceNum()

    try:
        assert Call(ask).value() == 107
        peer.join()
    finally:
        ours.close()
        theirs.close()


def test_a_link_holding_its_limit_sends_them(pair):
    tx, rx = pair
    with held_sends():
        for k in range(held.HOLD_RECORDS - 1):
            tx.send_message(numbered(k))
        assert not readable(rx)
        tx.send_message(numbered(held.HOLD_RECORDS - 1))
        assert readable(rx)
        assert numbers(rx, held.HOLD_RECORDS) == list(range(held.HOLD_RECORDS))


def test_records_leave_in_the_order_the_thread_first_held_into_each_link():
    socks = [socket.socketpair() for _ in range(2)]
    links = [(Link(a, f"tx{k}"), Link(b, f"rx{k}")) for k, (a, b) in enumerate(socks)]
    (tx0, rx0), (tx1, rx1) = links
    try:
        with held_sends():
            tx1.send_message(numbered(1))
            tx0.send_message(numbered(0))
            assert held.holding.links == [tx1, tx0]
            release_held()
            assert held.holding.links == []
            assert readable(rx0) and readable(rx1)
        assert held.holding.links is None
    finally:
        for pair in links:
            for link in pair:
                link.close()


def test_nested_blocks_are_one(pair):
    tx, rx = pair
    with held_sends():
        with held_sends():
            tx.send_message(numbered(0))
        assert not readable(rx)
    assert numbers(rx, 1) == [0]


def test_a_link_that_does_not_hold_sends_at_once(pair):
    tx, rx = pair
    tx.holds = False
    with held_sends():
        tx.send_message(numbered(0))
        assert readable(rx)


def test_held_records_count_what_they_may_cost_a_guarded_socket(pair):
    tx, rx = pair
    tx.on_full = lambda written, stalled: tx.wait_writable(0.1)
    with held_sends():
        tx.send_message(numbered(0))
        cost = tx.sent_cost
        assert cost > 0
    assert tx.sent_cost == cost   # not counted twice when they leave
    assert type(rx.recv()) is Message


def test_records_held_in_a_link_whose_peer_is_gone_are_dropped_quietly(pair):
    tx, rx = pair
    with held_sends():
        tx.send_message(numbered(0))
        rx.close()
    with pytest.raises(LinkClosed):   # the block ended without raising; the next send says why
        tx.send_message(numbered(1))
