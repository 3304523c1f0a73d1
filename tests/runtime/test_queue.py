"""MessageQueue: gen2's blocking and non-blocking overflow policies, timeouts, closing, resizing and on_put."""
import threading
import time

import pytest

from oakling.runtime.queue import MessageQueue, QueueClosed
from calls import WAKE, Call

SETTLE = 0.15   # how long we give a thread to reach its blocking call


def filled(items, max_size=None, blocking=True, name="q"):
    q = MessageQueue(len(items) if max_size is None else max_size, blocking, name)
    for item in items:
        assert q.put(item, timeout=0) is True
    return q


def drain(q) -> list:
    return q.try_get_all()


# -- construction and settings --

@pytest.mark.parametrize("asked, expected", [(1, 1), (5, 5), (0, 1), (-3, 1), (2.9, 2)])
def test_max_size_is_at_least_one(asked, expected):
    assert MessageQueue(asked).max_size() == expected
    q = MessageQueue(7)
    q.set_max_size(asked)
    assert q.max_size() == expected


@pytest.mark.parametrize("blocking", [True, False])
def test_blocking_setting_round_trips(blocking):
    q = MessageQueue(3, blocking)
    assert q.blocking() is blocking
    q.set_blocking(not blocking)
    assert q.blocking() is (not blocking)


# -- blocking put --

def test_blocking_put_waits_for_room_and_resumes_when_a_get_frees_space():
    q = filled(["a"], max_size=1)
    put = Call(q.put, "b")
    time.sleep(SETTLE)
    assert put.running and len(q) == 1 and q.front() == "a"
    freed_at = time.monotonic()
    assert q.get(timeout=1) == "a"
    put.join()
    assert put.error is None and put.result is True
    assert put.finished_at - freed_at < WAKE
    assert drain(q) == ["b"]


@pytest.mark.parametrize("free", [
    pytest.param(lambda q: q.try_get(), id="try_get"),
    pytest.param(lambda q: q.try_get_all(), id="try_get_all"),
    pytest.param(lambda q: q.set_max_size(3), id="grow"),
])
def test_every_way_of_making_room_wakes_a_blocked_put(free):
    q = filled([1, 2])
    put = Call(q.put, 3)
    time.sleep(SETTLE)
    assert put.running
    free(q)
    put.join()
    assert put.result is True and put.error is None
    assert 3 in drain(q)


@pytest.mark.parametrize("timeout", [0, 0.05, 0.2])
def test_put_with_timeout_on_a_full_blocking_queue_returns_false_and_changes_nothing(timeout):
    q = filled(["a", "b"])
    started = time.monotonic()
    assert q.put("c", timeout=timeout) is False
    elapsed = time.monotonic() - started
    assert timeout <= elapsed < timeout + 0.5
    assert drain(q) == ["a", "b"]


def test_put_with_timeout_succeeds_when_room_appears_in_time():
    q = filled(["a"])
    threading.Timer(0.1, q.try_get).start()
    assert q.put("b", timeout=2.0) is True
    assert drain(q) == ["b"]


# -- non-blocking put --

@pytest.mark.parametrize("max_size, puts, kept", [
    (1, [1], [1]),
    (1, [1, 2, 3], [3]),
    (3, [1, 2, 3], [1, 2, 3]),
    (3, [1, 2, 3, 4], [2, 3, 4]),
    (3, [1, 2, 3, 4, 5, 6, 7], [5, 6, 7]),
])
def test_non_blocking_put_drops_the_oldest(max_size, puts, kept):
    q = MessageQueue(max_size, blocking=False)
    for item in puts:
        assert q.put(item, timeout=0) is True   # a waiting put would give up and return False
    assert len(q) == len(kept)
    assert drain(q) == kept


# -- get --

@pytest.mark.parametrize("timeout", [0, 0.05, 0.2])
def test_get_with_timeout_on_an_empty_queue_raises_timeout_error(timeout):
    q = MessageQueue(2, name="frames")
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="frames"):
        q.get(timeout=timeout)
    assert timeout <= time.monotonic() - started < timeout + 0.5


def test_get_waits_for_a_message_put_later():
    q = MessageQueue(2)
    get = Call(q.get, 2.0)
    time.sleep(SETTLE)
    assert get.running
    q.put("late")
    get.join()
    assert get.error is None and get.result == "late"
    assert len(q) == 0


def test_get_returns_messages_in_the_order_they_were_put():
    q = filled([1, 2, 3])
    assert [q.get(timeout=0), q.get(timeout=0), q.get(timeout=0)] == [1, 2, 3]


# -- close --

@pytest.mark.parametrize("op", ["get", "put"])
def test_close_wakes_a_blocked_waiter_with_queue_closed_carrying_the_reason(op):
    q = MessageQueue(1) if op == "get" else filled(["x"], max_size=1)
    waiter = Call(q.get) if op == "get" else Call(q.put, "y")
    time.sleep(SETTLE)
    assert waiter.running
    closed_at = time.monotonic()
    q.close("device lost: segfault in node 3")
    waiter.join()
    assert waiter.finished_at - closed_at < WAKE
    assert isinstance(waiter.error, QueueClosed)
    assert str(waiter.error) == "device lost: segfault in node 3"


def test_close_wakes_every_waiter():
    q = MessageQueue(1)
    getters = [Call(q.get) for _ in range(3)]
    time.sleep(SETTLE)
    q.close("bye")
    for g in getters:
        g.join()
        assert isinstance(g.error, QueueClosed) and str(g.error) == "bye"


def test_close_keeps_the_first_reason_and_reports_it():
    q = MessageQueue(2)
    assert not q.closed and q.closed_reason is None
    q.close("first")
    q.close("second")
    assert q.closed and q.closed_reason == "first"
    with pytest.raises(QueueClosed, match="^first$"):
        q.get(timeout=0)


def test_close_without_discard_lets_queued_messages_drain_first():
    q = filled([1, 2])
    q.close("done")
    assert len(q) == 2 and q.has()
    assert q.get() == 1
    assert q.try_get() == 2
    with pytest.raises(QueueClosed, match="done"):
        q.get(timeout=5)   # raises at once, does not wait for the timeout
    with pytest.raises(QueueClosed, match="done"):
        q.try_get()


def test_close_with_discard_drops_queued_messages():
    q = filled([1, 2, 3])
    q.close("dropped", discard=True)
    assert len(q) == 0 and not q.has() and q.front() is None
    started = time.monotonic()
    with pytest.raises(QueueClosed, match="dropped"):
        q.get(timeout=5)
    assert time.monotonic() - started < 0.5
    with pytest.raises(QueueClosed, match="dropped"):
        q.try_get_all()


@pytest.mark.parametrize("blocking", [True, False])
def test_put_after_close_raises_queue_closed(blocking):
    q = MessageQueue(3, blocking)
    q.put(1)
    q.close("closed for good")
    with pytest.raises(QueueClosed, match="closed for good"):
        q.put(2)
    with pytest.raises(QueueClosed):
        q.put(3, timeout=0)
    assert drain(q) == [1]


def test_a_refused_put_on_a_closed_full_non_blocking_queue_loses_nothing():
    q = filled([1, 2], blocking=False)
    q.close("closed")
    with pytest.raises(QueueClosed):
        q.put(3)
    assert drain(q) == [1, 2]


# -- set_max_size --

def test_shrinking_keeps_queued_messages_and_bounds_later_puts_blocking():
    q = filled([1, 2, 3, 4])
    q.set_max_size(2)
    assert q.max_size() == 2 and len(q) == 4
    assert q.put(5, timeout=0) is False            # still over the new bound
    assert q.try_get() == 1 and q.try_get() == 2
    assert q.put(5, timeout=0) is False            # exactly at the bound: still full
    assert q.try_get() == 3
    assert q.put(5, timeout=0) is True
    assert drain(q) == [4, 5]


def test_shrinking_a_non_blocking_queue_drops_down_to_the_new_size_on_the_next_put():
    q = filled([1, 2, 3, 4], blocking=False)
    q.set_max_size(2)
    assert len(q) == 4
    q.put(5)
    assert drain(q) == [4, 5]


def test_growing_makes_room_for_more():
    q = filled([1, 2])
    assert q.put(3, timeout=0) is False
    q.set_max_size(4)
    assert q.put(3, timeout=0) is True and q.put(4, timeout=0) is True
    assert q.put(5, timeout=0) is False
    assert drain(q) == [1, 2, 3, 4]


# -- try_get / try_get_all / has / front --

@pytest.mark.parametrize("items", [[], ["a"], ["a", "b", "c"]])
def test_try_get_takes_the_oldest_or_none(items):
    q = MessageQueue(4)
    for item in items:
        q.put(item)
    got = [q.try_get() for _ in range(len(items) + 2)]
    assert got == items + [None, None]
    assert len(q) == 0


@pytest.mark.parametrize("items", [[], ["a"], ["a", "b", "c"]])
def test_try_get_all_takes_everything_in_order(items):
    q = MessageQueue(4)
    for item in items:
        q.put(item)
    assert q.try_get_all() == items
    assert q.try_get_all() == []
    assert len(q) == 0 and not q.has()


@pytest.mark.parametrize("items, has, front", [([], False, None), ([7], True, 7), ([7, 8], True, 7)])
def test_has_and_front_look_without_taking(items, has, front):
    q = MessageQueue(4)
    for item in items:
        q.put(item)
    for _ in range(2):
        assert q.has() is has
        assert q.front() == front
    assert len(q) == len(items)


def test_a_queued_none_is_still_a_message_for_has_and_len():
    q = MessageQueue(2)
    q.put(None)
    assert q.has() and len(q) == 1
    assert q.get(timeout=0) is None
    assert not q.has()


def test_try_get_on_a_closed_empty_queue_raises_but_a_closed_full_one_still_gives():
    q = filled(["left"])
    q.close("gone")
    assert q.try_get_all() == ["left"]
    with pytest.raises(QueueClosed, match="gone"):
        q.try_get_all()
    with pytest.raises(QueueClosed, match="gone"):
        q.try_get()


# -- on_put --

@pytest.mark.parametrize("blocking, max_size, puts", [
    (True, 4, [1, 2, 3]),
    (False, 2, [1, 2, 3, 4, 5]),   # drops do not skip the callback
])
def test_on_put_is_called_after_each_put_with_the_message_queued(blocking, max_size, puts):
    q = MessageQueue(max_size, blocking)
    seen = []
    q.on_put = lambda queue: seen.append((queue, len(queue), list(queue._items)[-1]))
    for item in puts:
        q.put(item)
    assert [s[0] for s in seen] == [q] * len(puts)
    assert [s[2] for s in seen] == puts                  # the new message is already in the queue
    assert [s[1] for s in seen] == [min(i + 1, max_size) for i in range(len(puts))]


def test_on_put_is_not_called_when_the_put_fails():
    q = filled([1])
    calls = []
    q.on_put = calls.append
    assert q.put(2, timeout=0) is False
    q.close("x")
    with pytest.raises(QueueClosed):
        q.put(3)
    assert calls == []


def test_on_put_runs_outside_the_lock_so_it_may_use_the_queue():
    q = MessageQueue(2)
    taken = []
    q.on_put = lambda queue: taken.append((queue.front(), queue.try_get()))
    put = Call(q.put, "m")
    put.join(2.0)   # a callback under the (non-reentrant) lock would deadlock here
    assert put.error is None and put.result is True
    assert taken == [("m", "m")]
    assert len(q) == 0
