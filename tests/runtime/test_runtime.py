"""The device runtime on its own: workers built from a schema, end of stream, failing nodes."""
import threading

import pytest

import oakling as dai
from oakling.pipeline import registry
from oakling.runtime.runtime import PipelineBuildError, Runtime
from oakling.messages.datatype import DatatypeEnum
from oakling.runtime.worker import Feed, Worker
from oakling.pipeline.node import Node
from oakling.pipeline.schema import build


class Counter(Node):
    """Sends `count` Buffers numbered 0…count-1, then ends (or raises, if `fail` is set)."""
    NAME = "TestCounter"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.out = self._output("out", types=(DatatypeEnum.Buffer,))
        self.properties = {"count": 5, "first": 0, "fail": False}


class CounterWorker(Worker):
    def run(self):
        first = self.properties["first"]
        for k in range(first, first + self.properties["count"]):
            self.output("out").send(dai.Buffer().setSequenceNum(k))
        if self.properties["fail"]:
            raise ValueError("counter broke")


class Collector:
    """The host end of a stream, as XLinkOut sees it."""

    def __init__(self):
        self.messages, self.ended = [], threading.Event()
        self.reason = None

    def send(self, msg, metadata_only=False):
        self.messages.append(msg)
        return True

    def end(self, reason):
        self.reason = reason
        self.ended.set()


@pytest.fixture
def counter_node(monkeypatch):
    worker_class = registry.worker_class
    monkeypatch.setattr(registry, "worker_class", lambda name: CounterWorker if name == "TestCounter"
                        else worker_class(name))


def run_counter(fail=False, counters=1, count=5, blocking=True):
    p = dai.Pipeline()
    made = [p.create(Counter) for _ in range(counters)]
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("out")
    xout.input.setBlocking(blocking)
    xout.input.setQueueSize(count * counters)   # a non-blocking queue keeps them all too
    for k, counter in enumerate(made):
        counter.properties.update(fail=fail, count=count, first=1000 * k)
        counter.out.link(xout.input)
    schema, assets, storage = build(p)
    host, logs, failed = Collector(), [], []
    runtime = Runtime(schema, assets, storage, {"out": host}, lambda *a: logs.append(a),
                      on_node_failed=lambda *a: failed.append(a))
    runtime.start()
    assert host.ended.wait(5)
    runtime.stop()
    return host, logs, failed


def test_end_of_stream_reaches_the_host_after_every_message(counter_node):
    host, _, failed = run_counter()
    assert [m.getSequenceNum() for m in host.messages] == [0, 1, 2, 3, 4]
    assert "TestCounter(0) ended" in host.reason
    assert failed == []


@pytest.mark.parametrize("blocking", [True, False], ids=["producers-write-the-stream", "xlinkout-thread"])
def test_several_producers_into_one_xlinkout_keep_their_order_and_end_last(counter_node, blocking):
    host, _, failed = run_counter(counters=3, count=200, blocking=blocking)
    seqs = [m.getSequenceNum() for m in host.messages]
    for k in range(3):   # every message of every producer, each producer's in its own order
        assert [s for s in seqs if s // 1000 == k] == list(range(1000 * k, 1000 * k + 200))
    assert len(seqs) == 600 and "ended" in host.reason and failed == []


def test_a_failing_node_is_logged_reported_and_ends_its_streams(counter_node):
    host, logs, failed = run_counter(fail=True)
    assert len(host.messages) == 5
    assert "TestCounter(0) failed: ValueError: counter broke" in host.reason
    assert failed == [("TestCounter(0)", "ValueError: counter broke")]
    level, node, text = next(entry for entry in logs if entry[1] == "TestCounter(0)")
    assert level == dai.LogLevel.ERR and "counter broke" in text and "Traceback" in text


def test_unknown_node_names_fail_the_build_clearly():
    p = dai.Pipeline()
    p.create(Counter)
    schema, assets, storage = build(p)
    with pytest.raises(PipelineBuildError, match=r"TestCounter\(0\): oakling has no 'TestCounter' node"):
        Runtime(schema, assets, storage, {}, lambda *a: None)


class FedWorker(Worker):
    """Declares a feed for `in`: the runtime wires it, so the producer's thread does the work."""

    def __init__(self, ctx):
        super().__init__(ctx)
        self.feed = RecordingFeed(self.input("in").label)

    def feeds(self):
        return {("", "in"): self.feed}

    def run(self):
        self.feed.wait_closed(self.ctx.stop_event)


class RecordingFeed(Feed):
    def __init__(self, label):
        super().__init__(label)
        self.threads = []

    def put(self, msg, timeout=None):
        self.threads.append(threading.current_thread().name)
        return True


class Fed(Node):
    NAME = "TestFed"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.input = self._input("in", types=(DatatypeEnum.Buffer,))


def test_the_runtime_wires_the_feeds_a_worker_declares(monkeypatch):
    worker_class = registry.worker_class
    monkeypatch.setattr(registry, "worker_class", lambda name: {"TestCounter": CounterWorker, "TestFed": FedWorker}
                        .get(name) or worker_class(name))
    p = dai.Pipeline()
    counter, fed = p.create(Counter), p.create(Fed)
    counter.out.link(fed.input)
    schema, assets, storage = build(p)
    runtime = Runtime(schema, assets, storage, {}, lambda *a: None)
    runtime.start()
    feed = runtime.workers[1].feed
    assert feed._closed.wait(5)
    runtime.stop()
    assert feed.threads == ["TestCounter(0)"] * 5   # put by the producer's own thread
    assert "TestCounter(0) ended" in feed._reason
