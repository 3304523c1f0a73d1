"""The live view's counters on the device: plain ports when the view is off, metered ports (over the
traced ones too) when it is on; messages taken, sent, received and dropped, busy time, and a blocked
link named while its producer waits on a full blocking queue, and no longer once the consumer takes."""
import threading
import time

import numpy as np

import oakling as dai
from oakling.pipeline.schema import build
from oakling.runtime.meter import BLOCKED_AFTER, Meter, metered_input, metered_output
from oakling.runtime.ports import DeviceInput, DeviceOutput
from oakling.runtime.queue import MessageQueue
from oakling.runtime.runtime import Runtime
from oakling.runtime.trace import TracedDeviceInput, TracedDeviceOutput
from oakling.testing import NodeHarness


def _ports(runtime):
    return [p for w in runtime.workers for p in (*w.ctx.inputs.values(), *w.ctx.outputs.values())]


def test_plain_ports_without_the_view_and_metered_ones_with_it(tmp_path):
    p = dai.Pipeline()
    cam, manip = p.create(dai.node.ColorCamera), p.create(dai.node.ImageManip)
    cam.preview.link(manip.inputImage)
    schema, assets, storage = build(p)
    plain = Runtime(schema, assets, storage, {}, lambda *a: None)
    assert plain.meter is None and plain.view_snapshot() is None
    assert {type(port) for port in _ports(plain)} == {DeviceInput, DeviceOutput}
    both = Runtime(schema, assets, storage, {}, lambda *a: None,
                   {"view": {"port": 0}, "trace": str(tmp_path / "t.json")})
    types = {type(port) for port in _ports(both)}
    assert types == {metered_input(TracedDeviceInput), metered_output(TracedDeviceOutput)}
    assert all(isinstance(port, (TracedDeviceInput, TracedDeviceOutput)) for port in _ports(both))
    snapshot = both.view_snapshot()
    assert [n["label"] for n in snapshot["nodes"]] == ["ColorCamera(0)", "ImageManip(1)"]
    manip_inputs = {i["port"]: i for i in snapshot["nodes"][1]["inputs"]}
    assert manip_inputs["inputImage"]["size"] == 8 and manip_inputs["inputImage"]["blocking"] is True
    both.stop()


def test_a_queue_counts_what_it_received_and_dropped():
    queue = MessageQueue(2, blocking=False)
    for i in range(5):
        queue.put(i)
    assert (queue.received, queue.dropped, len(queue)) == (5, 3, 2)


def _frame(seq):
    frame = dai.ImgFrame()
    frame.setCvFrame(np.full((24, 32, 3), seq, np.uint8), dai.ImgFrame.Type.BGR888p)
    return frame.setSequenceNum(seq)


def test_a_nodes_messages_and_busy_time():
    p = dai.Pipeline()
    manip = p.create(dai.node.ImageManip)
    manip.initialConfig.setResize(16, 12)
    with NodeHarness(manip, inputs=["inputImage"], outputs=["out"], view=0) as harness:
        for seq in range(6):
            harness.push("inputImage", _frame(seq))
            assert harness.pull("out", timeout=10).getSequenceNum() == seq
        snapshot = harness._runtime.view_snapshot()
    (node,) = snapshot["nodes"]
    assert node["label"] == "ImageManip(0)" and node["error"] is None
    assert node["taken"] == 6 and node["busy"] > 0
    image = next(i for i in node["inputs"] if i["port"] == "inputImage")
    assert (image["received"], image["dropped"], image["fill"]) == (6, 0, 0)
    assert next(o for o in node["outputs"] if o["port"] == "out")["sent"] == 6
    assert snapshot["blocked"] == [] and snapshot["time"] >= snapshot["started"]


def test_a_blocked_link_is_named_until_its_consumer_takes():
    meter = Meter()
    producer, consumer = meter.node(0, "A(0)"), meter.node(1, "B(1)")
    out = metered_output(DeviceOutput)("A(0).out")
    out.attach(producer, "out")
    inp = metered_input(DeviceInput)("B(1).in", True, 2, True)
    inp.attach(consumer, "in")
    out.targets.append(inp)
    inp.add_producer()
    out.send(1)
    out.send(2)                                          # the queue is full now
    sender = threading.Thread(target=out.send, args=(3,), daemon=True)
    sender.start()
    deadline = time.monotonic() + 10
    while not meter.snapshot()["blocked"] and time.monotonic() < deadline:
        time.sleep(0.05)
    snapshot = meter.snapshot()
    (blocked,) = snapshot["blocked"]
    assert blocked["from"] == [0, "out"] and blocked["to"] == [1, "in"] and blocked["seconds"] >= BLOCKED_AFTER
    assert inp.get(timeout=5) == 1
    sender.join(5)
    snapshot = meter.snapshot()
    assert snapshot["blocked"] == []
    nodes = {n["label"]: n for n in snapshot["nodes"]}
    assert nodes["A(0)"]["outputs"][0]["sent"] == 3
    assert nodes["B(1)"]["taken"] == 1 and nodes["B(1)"]["inputs"][0]["received"] == 3
    assert nodes["B(1)"]["inputs"][0]["fill"] == 2


def test_a_failed_node_s_reason_is_in_the_snapshot():
    p = dai.Pipeline()
    script = p.create(dai.node.Script)
    script.setScript("raise ValueError('broken on purpose')")
    schema, assets, storage = build(p)
    runtime = Runtime(schema, assets, storage, {}, lambda *a: None, {"view": {"port": 0}})
    runtime.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not runtime.view_snapshot()["nodes"][0]["error"]:
            time.sleep(0.1)
        assert "broken on purpose" in runtime.view_snapshot()["nodes"][0]["error"]
    finally:
        runtime.stop()
