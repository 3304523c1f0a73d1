"""What every worker shares: sleeping until the device stops, rate-limited error lines, and the Feed
an input policy builds on."""
import threading
import time

import numpy as np

from oakling.log import LogLevel
from oakling.runtime.worker import Feed, Worker, WorkerContext, published_copy


def worker(name="Probe", node_id=3):
    lines = []
    ctx = WorkerContext(node_id=node_id, name=name, properties={}, inputs={}, outputs={}, assets={},
                        log=lambda level, text: lines.append((level, text)), stop_event=threading.Event())
    return Worker(ctx), lines


def test_sleep_waits_its_time_unless_the_device_stops():
    w, _ = worker()
    start = time.monotonic()
    assert w.sleep(0.05) is False and time.monotonic() - start >= 0.05
    assert w.sleep(0) is False and not w.stopping
    threading.Timer(0.05, w.ctx.stop_event.set).start()
    start = time.monotonic()
    assert w.sleep(10) is True and time.monotonic() - start < 5
    assert w.sleep(0) is True and w.stopping


def test_errors_of_one_kind_are_logged_once_per_interval_each_kind_on_its_own():
    w, lines = worker()
    w.ERROR_INTERVAL = 0.2
    for _ in range(5):
        w._error("size", "bad size")
        w._error("type", "bad type", LogLevel.WARN)
    assert lines == [(LogLevel.ERR, "bad size"), (LogLevel.WARN, "bad type")]
    time.sleep(0.25)
    w._error("size", "bad size again")
    assert lines[-1] == (LogLevel.ERR, "bad size again") and len(lines) == 3


def test_a_worker_finds_its_ports_by_group_and_name_and_says_its_label():
    w, _ = worker("ImageManip", 7)
    w.ctx.inputs[("", "in")] = "input port"
    w.ctx.outputs[("io", "out")] = "output port"
    assert w.input("in") == "input port" and w.output("out", "io") == "output port"
    assert w.label == "ImageManip(7)" and w.feeds() == {}


def test_a_feed_is_closed_once_with_its_first_reason():
    feed = Feed("in")
    assert not feed.closed and feed.blocking() and len(feed) == 0
    threading.Timer(0.05, feed.close, ["upstream ended"]).start()
    assert feed.wait_closed(threading.Event()) == "upstream ended"
    feed.close("later")
    assert feed.closed and feed.wait_closed(threading.Event()) == "upstream ended"


def test_waiting_for_a_feed_ends_with_none_when_the_device_stops_first():
    stop = threading.Event()
    threading.Timer(0.05, stop.set).start()
    start = time.monotonic()
    assert Feed("in").wait_closed(stop) is None and time.monotonic() - start < 5


def test_a_published_copy_holds_the_data_in_shared_memory():
    data = np.arange(12, dtype=np.uint16).reshape(3, 4)
    shared, region = published_copy(data)
    try:
        np.testing.assert_array_equal(shared, data)
        assert shared.dtype == data.dtype and not np.shares_memory(shared, data)
    finally:
        region.release()
