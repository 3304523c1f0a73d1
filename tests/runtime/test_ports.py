"""Device ports: an input's receive() policy (wait, or reuse the previous message), an output's fan-out,
and the feeds a worker declares."""
import select
import socket
import threading
import time

import pytest

from oakling.link.held import held_sends
from oakling.link.link import Link
from oakling.runtime.ports import DeviceInput, DeviceOutput
from oakling.runtime.queue import QueueClosed
from oakling.messages import Buffer
from calls import Call

SETTLE = 0.15


def receive_now(p: DeviceInput):
    """p.receive() for an input that must not wait: fails instead of hanging if it does."""
    call = Call(p.receive).join(0.5)
    if call.error is not None:
        raise call.error
    return call.result


def message(seq: int) -> Buffer:
    return Buffer().setData(bytes([seq])).setSequenceNum(seq)


def port(wait_for_message=False, blocking=True, queue_size=4, label="in"):
    return DeviceInput(label, blocking, queue_size, wait_for_message)


@pytest.fixture
def inputs():
    """Inputs made by a test; closed afterwards so no thread stays blocked on one."""
    made = []

    def make(**kw):
        made.append(port(**kw))
        return made[-1]

    yield make
    for p in made:
        p.close("test over")


# -- DeviceInput --

def test_input_settings_come_from_the_constructor():
    p = DeviceInput("inputImage", False, 7, True)
    assert p.label == "inputImage" and p.queue.name == "inputImage"
    assert p.queue.blocking() is False and p.queue.max_size() == 7
    assert p.wait_for_message is True and p.linked is False


def test_receive_without_waiting_reuses_the_previous_message():
    p = port(wait_for_message=False)
    m1, m2 = message(1), message(2)
    steps = [  # (message arriving before the call or None, expected result of receive())
        (None, None),    # nothing ever arrived
        (None, None),
        (m1, m1),        # a new message
        (None, m1),      # nothing new: gen2 reuses the previous one
        (None, m1),
        (m2, m2),
        (None, m2),
    ]
    for i, (arriving, expected) in enumerate(steps):
        if arriving is not None:
            p.queue.put(arriving, timeout=0)
        assert receive_now(p) is expected, f"step {i}"
        assert len(p.queue) == 0


def test_receive_without_waiting_takes_queued_messages_in_order_then_reuses_the_last():
    p = port(wait_for_message=False)
    msgs = [message(i) for i in range(3)]
    for m in msgs:
        p.queue.put(m)
    got = [receive_now(p) for _ in range(5)]
    assert got[:3] == msgs
    assert got[3] is msgs[-1] and got[4] is msgs[-1]


@pytest.mark.parametrize("take", [
    pytest.param(lambda p: p.get(timeout=0), id="get"),
    pytest.param(lambda p: p.try_get(), id="try_get"),
    pytest.param(lambda p: p.try_get_all()[-1], id="try_get_all"),
])
def test_every_way_of_taking_a_message_becomes_the_one_receive_reuses(take):
    p = port(wait_for_message=False)
    old, new = message(1), message(2)
    p.queue.put(old)
    assert receive_now(p) is old
    p.queue.put(new)
    assert take(p) is new
    assert receive_now(p) is new


def test_an_empty_try_get_or_a_timed_out_get_keeps_the_previous_message():
    p = port(wait_for_message=False)
    m = message(1)
    p.queue.put(m)
    assert receive_now(p) is m
    assert p.try_get() is None
    assert p.try_get_all() == []
    with pytest.raises(TimeoutError):
        p.get(timeout=0.01)
    assert receive_now(p) is m


def test_receive_with_wait_for_message_blocks_until_a_new_message(inputs):
    p = inputs(wait_for_message=True)
    m1, m2 = message(1), message(2)
    for m in (m1, m2):
        call = Call(p.receive)
        time.sleep(SETTLE)
        assert call.running, "receive() returned without a new message"
        p.queue.put(m)
        call.join()
        assert call.error is None and call.result is m


def test_receive_with_wait_for_message_takes_a_queued_message_at_once(inputs):
    p = inputs(wait_for_message=True)
    m = message(1)
    p.queue.put(m)
    call = Call(p.receive).join(0.5)
    assert call.result is m


def test_receive_with_wait_for_message_raises_when_the_input_closes(inputs):
    p = inputs(wait_for_message=True)
    call = Call(p.receive)
    time.sleep(SETTLE)
    assert call.running
    p.close("pipeline stopped")
    call.join()
    assert isinstance(call.error, QueueClosed) and str(call.error) == "pipeline stopped"


# -- DeviceOutput --

def test_output_is_linked_once_it_has_a_target():
    out = DeviceOutput("out")
    assert out.label == "out" and out.linked is False
    out.send(message(0))   # no target: nothing happens, nothing raises
    out.targets.append(port())
    assert out.linked is True


@pytest.mark.parametrize("n_targets", [1, 2, 5])
def test_send_pushes_the_same_message_to_every_target(n_targets):
    out = DeviceOutput("out")
    targets = [port(label=f"in{i}") for i in range(n_targets)]
    out.targets.extend(targets)
    msgs = [message(i) for i in range(3)]
    for m in msgs:
        out.send(m)
    for t in targets:
        got = t.queue.try_get_all()
        assert len(got) == 3 and all(a is b for a, b in zip(got, msgs))


@pytest.mark.parametrize("blocked_first", [True, False], ids=["full-target-first", "full-target-last"])
def test_send_waits_on_a_full_blocking_target_until_it_drains(inputs, blocked_first):
    full = inputs(blocking=True, queue_size=1, label="full")
    other = inputs(blocking=True, queue_size=4, label="other")
    old, new = message(1), message(2)
    full.queue.put(old)
    out = DeviceOutput("out")
    out.targets.extend([full, other] if blocked_first else [other, full])
    send = Call(out.send, new)
    time.sleep(SETTLE)
    assert send.running, "send() returned while a blocking target was full"
    assert full.queue.front() is old and len(full.queue) == 1
    assert full.get(timeout=0) is old          # the node drains it
    send.join()
    assert send.error is None
    assert full.queue.try_get_all() == [new]
    assert other.queue.try_get_all() == [new]


@pytest.mark.parametrize("queue_size, queued", [(1, 1), (2, 2), (3, 3)])
def test_send_drops_the_oldest_on_a_full_non_blocking_target(queue_size, queued):
    target = port(blocking=False, queue_size=queue_size)
    old = [message(i) for i in range(queued)]
    for m in old:
        target.queue.put(m)
    out = DeviceOutput("out")
    out.targets.append(target)
    new = message(99)
    Call(out.send, new).join()       # does not wait for room
    assert target.queue.try_get_all() == old[1:] + [new]


def test_a_full_non_blocking_target_does_not_hold_up_the_others():
    lossy = port(blocking=False, queue_size=1, label="lossy")
    keeper = port(blocking=True, queue_size=8, label="keeper")
    out = DeviceOutput("out")
    out.targets.extend([lossy, keeper])
    msgs = [message(i) for i in range(5)]
    Call(lambda: [out.send(m) for m in msgs]).join()
    assert lossy.queue.try_get_all() == [msgs[-1]]
    assert keeper.queue.try_get_all() == msgs


class Recorder:
    """A feed that notes each message in the producer's thread."""

    holds = False

    def __init__(self):
        self.put_by, self.reason = [], None

    def put(self, msg, timeout=None):
        self.put_by.append((msg.getSequenceNum(), threading.current_thread().name))
        return True

    def close(self, reason="queue closed", discard=False):
        self.reason = reason

    def blocking(self):
        return True


def test_a_fed_input_takes_messages_in_the_producers_thread_and_its_end():
    feed, inp, out = Recorder(), port(), DeviceOutput("out")
    inp.feed(feed)
    out.targets.append(inp)
    inp.add_producer()
    out.send(message(1))
    out.close("the producer ended")
    assert feed.put_by == [(1, threading.current_thread().name)]
    assert len(inp.queue) == 0
    assert feed.reason == "the producer ended"


def test_records_the_thread_holds_leave_before_it_puts_into_an_input_that_is_not_a_link():
    a, b = socket.socketpair()
    tx, rx = Link(a, "tx"), Link(b, "rx")
    link_feed = Recorder()
    link_feed.holds = True   # as a feed that only writes to a link
    fed, queued, out = port(), port(), DeviceOutput("out")
    fed.feed(link_feed)
    out.targets.append(fed)
    try:
        with held_sends():
            tx.send_message(message(1))
            out.send(message(2))
            assert not select.select([rx.sock], [], [], 0)[0]   # still held
            out.targets.append(queued)
            out.send(message(3))   # a queue may make the thread wait: what it holds leaves first
            assert rx.recv().message.getSequenceNum() == 1
    finally:
        tx.close()
        rx.close()


def test_an_output_gives_frame_memory_from_its_pool_and_closing_it_lets_the_pool_go():
    import numpy as np
    from oakling.link import sharedmem
    out = DeviceOutput("ImageManip(1).out")
    arr = out.array((100, 200, 3))
    assert arr.shape == (100, 200, 3) and arr.dtype == np.uint8 and arr.flags.writeable
    region, _ = sharedmem.find(arr.reshape(-1))
    assert region.reused   # links lend it rather than copy it
    arr[:] = 4
    out.close("done")
    assert region.fd < 0 and (arr == 4).all()   # the pool is gone; the frame held stays valid
