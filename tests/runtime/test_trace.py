"""Traces: a known pipeline's messages, send by send and dequeue by dequeue, in the Chrome trace event
format — and no traced port at all when no trace is asked for."""
import json
import time

import numpy as np
import pytest

import oakling as dai
from oakling.host.options import trace_option
from oakling.runtime.ports import DeviceInput, DeviceOutput
from oakling.runtime.runtime import Runtime
from oakling.runtime.trace import ENV_TRACE, TracedDeviceInput, TracedDeviceOutput, Tracer
from oakling.pipeline.schema import build

TIMEOUT = 10.0
N = 5


def _pipeline():
    p = dai.Pipeline()
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("in")
    manip = p.create(dai.node.ImageManip)
    manip.initialConfig.setResize(32, 24)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("out")
    xin.out.link(manip.inputImage)
    manip.out.link(xout.input)
    return p


def _frame(seq):
    f = dai.ImgFrame()
    f.setCvFrame(np.full((48, 64, 3), seq, np.uint8), dai.ImgFrame.Type.BGR888p)
    return f.setSequenceNum(seq)


def _run(tmp_path):
    path = tmp_path / "trace.json"
    with dai.Device(_pipeline(), trace=str(path)) as device:
        qin, qout = device.getInputQueue("in"), device.getOutputQueue("out")
        for seq in range(10, 10 + N):
            qin.send(_frame(seq))
            assert qout.get(timeout=TIMEOUT).getSequenceNum() == seq
    return json.loads(path.read_text())


def _by_ts(events):
    return sorted(events, key=lambda e: e["ts"])


def _inside(point, slice_):
    return slice_["ts"] <= point["ts"] <= slice_["ts"] + slice_["dur"] + 0.001


def test_a_known_pipelines_trace(tmp_path):
    events = _run(tmp_path)
    names = {e["tid"]: e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert names == {0: "XLinkIn(0)", 1: "ImageManip(1)", 2: "XLinkOut(2)"}
    assert [e["args"]["name"] for e in events if e["name"] == "process_name"] == ["oakling device"]
    slices = [e for e in events if e["ph"] == "X"]
    assert all(e["dur"] >= 0 for e in slices)

    def named(tid, name):
        return _by_ts(e for e in slices if e["tid"] == tid and e["name"] == name)

    xin_sends = named(0, "send out → ImageManip(1).inputImage")
    manip_work = named(1, "process inputImage")
    manip_sends = named(1, "send out → XLinkOut(2).in")
    xout_work = named(2, "process in")
    seqs = list(range(10, 10 + N))
    for found in (xin_sends, manip_work, manip_sends, xout_work):
        assert [e["args"]["seq"] for e in found] == seqs
    assert {e["name"] for e in slices} == {"send out → ImageManip(1).inputImage", "process inputImage",
                                           "send out → XLinkOut(2).in", "process in"}
    for a, b, c, d in zip(xin_sends, manip_work, manip_sends, xout_work):
        assert a["ts"] <= b["ts"] <= c["ts"] <= d["ts"]
        # ImageManip sends from inside its processing of the same message
        assert b["ts"] <= c["ts"] and c["ts"] + c["dur"] <= b["ts"] + b["dur"]
        # XLinkOut writes the stream in ImageManip's send (its feed): nested in time too
        assert c["ts"] <= d["ts"] and d["ts"] + d["dur"] <= c["ts"] + c["dur"] + 1
        assert b["args"]["queued_us"] >= 0
    # every send starts one flow, and the consumer's processing of that message ends it
    starts = {e["id"]: e for e in events if e["ph"] == "s"}
    ends = {e["id"]: e for e in events if e["ph"] == "f"}
    assert len(starts) == 2 * N and starts.keys() == ends.keys()
    for sends, work in ((xin_sends, manip_work), (manip_sends, xout_work)):
        for send, process in zip(sends, work):
            flow = send["args"]["flow"]
            assert process["args"]["flow"] == flow
            assert starts[flow]["tid"] == send["tid"] and _inside(starts[flow], send)
            assert ends[flow]["tid"] == process["tid"] and _inside(ends[flow], process)
            assert ends[flow]["bp"] == "e"
    counters = [e for e in events if e["ph"] == "C"]
    assert {e["name"] for e in counters} == {"queue ImageManip(1).inputImage"}
    assert all(0 <= e["args"]["messages"] <= 8 for e in counters)
    assert events[-1]["name"] == "trace end"


def test_no_trace_no_traced_ports(tmp_path):
    p = dai.Pipeline()
    cam, manip = p.create(dai.node.ColorCamera), p.create(dai.node.ImageManip)
    cam.preview.link(manip.inputImage)
    schema, assets, storage = build(p)
    plain = Runtime(schema, assets, storage, {}, lambda *a: None)
    assert plain.tracer is None
    ports = [p for w in plain.workers for p in (*w.ctx.inputs.values(), *w.ctx.outputs.values())]
    assert ports and {type(p) for p in ports} == {DeviceInput, DeviceOutput}
    traced = Runtime(schema, assets, storage, {}, lambda *a: None, {"trace": str(tmp_path / "t.json")})
    ports = [p for w in traced.workers for p in (*w.ctx.inputs.values(), *w.ctx.outputs.values())]
    assert {type(p) for p in ports} == {TracedDeviceInput, TracedDeviceOutput}
    traced.stop()
    assert json.loads((tmp_path / "t.json").read_text())[-1]["name"] == "trace end"


def test_a_trace_cut_short_still_reads(tmp_path):
    tracer = Tracer(str(tmp_path / "t.json"))
    track = tracer.track(3, "Script(3)")
    track.start_work(1.0, "in", 1, None, None)
    track.end_work(5.0)
    tracer.flush()                               # the device was killed here: no closing bracket
    text = (tmp_path / "t.json").read_text()
    assert not text.rstrip().endswith("]")
    events = json.loads(text.rstrip().rstrip(",") + "]")   # what the viewers do with such a file
    assert events[-1] == {"ph": "X", "name": "process in", "cat": "node", "pid": tracer.pid, "tid": 3, "ts": 1.0,
                          "dur": 4.0, "args": {"input": "in", "seq": 1}}
    track.start_work(6.0, "in", 2, 7, 0.5)                     # a message that came through a flow, queued 0.5 µs
    track.start_work(6.5, "config", 3, 8, None)                # taken while working: its flow ends in that slice
    track.end_work(9.0)
    tracer.close()
    events = json.loads((tmp_path / "t.json").read_text())
    assert events[-4:-1] == [
        {"ph": "f", "bp": "e", "name": "message", "cat": "message", "id": 8, "pid": tracer.pid, "tid": 3, "ts": 6.5},
        {"ph": "X", "name": "process in", "cat": "node", "pid": tracer.pid, "tid": 3, "ts": 6.0, "dur": 3.0,
         "args": {"input": "in", "seq": 2, "queued_us": 0.5, "flow": 7}},
        {"ph": "f", "bp": "e", "name": "message", "cat": "message", "id": 7, "pid": tracer.pid, "tid": 3, "ts": 7.5}]
    tracer.close()


def test_takes_that_do_not_wait_and_messages_a_queue_dropped(tmp_path):
    tracer = Tracer(str(tmp_path / "t.json"))
    camera, source = tracer.track(0, "ColorCamera(0)"), tracer.track(1, "Script(1)")
    control = TracedDeviceInput("ColorCamera(0).inputControl", False, 2, False, camera, "inputControl")
    out = TracedDeviceOutput("Script(1).out", source, "out")
    out.targets.append(control)
    control.add_producer()
    for seq in range(200):                       # a non-blocking queue of 2 keeps the last two
        out.send(dai.CameraControl().setSequenceNum(seq))
    assert len(control._pending) <= 4 * 2 + 64 + 1
    assert [m.getSequenceNum() for m in control.try_get_all()] == [198, 199]
    assert control.try_get() is None
    tracer.close()
    events = json.loads((tmp_path / "t.json").read_text())
    taken = [e for e in events if e["ph"] == "X" and e["tid"] == 0]
    assert [(e["name"], e["dur"], e["args"]["seq"]) for e in taken] == [("process inputControl", 0.0, 198),
                                                                        ("process inputControl", 0.0, 199)]
    ends = {e["id"] for e in events if e["ph"] == "f"}
    assert ends == {e["args"]["flow"] for e in taken}
    assert len([e for e in events if e["ph"] == "s"]) == 200


SCRIPT = """
while True:
    msg = node.io["in"].get()
    node.io["out"].send(msg)
"""


def test_a_scripts_sends_come_from_its_pump_on_a_track_beside_it(tmp_path):
    p = dai.Pipeline()
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("in")
    script = p.create(dai.node.Script)
    script.setScript(SCRIPT)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("out")
    xin.out.link(script.inputs["in"])
    script.outputs["out"].link(xout.input)
    with dai.Device(p, trace=str(tmp_path / "t.json")) as device:
        for seq in range(3):
            device.getInputQueue("in").send(dai.Buffer().setSequenceNum(seq))
            assert device.getOutputQueue("out").get(timeout=TIMEOUT).getSequenceNum() == seq
    events = json.loads((tmp_path / "t.json").read_text())
    names = {e["tid"]: e["args"]["name"] for e in events if e["name"] == "thread_name"}
    assert names == {0: "XLinkIn(0)", 1: "Script(1)", 2: "XLinkOut(2)", 2000: "Script(1) · out"}
    slices = [e for e in events if e["ph"] == "X"]
    assert [e["args"]["seq"] for e in slices if e["tid"] == 1] == [0, 1, 2]           # into the script
    assert {e["name"] for e in slices if e["tid"] == 1} == {"process io.in"}
    assert [e["args"]["seq"] for e in slices if e["tid"] == 2000] == [0, 1, 2]        # out of it
    assert {e["name"] for e in slices if e["tid"] == 2000} == {"send io.out → XLinkOut(2).in"}


def test_the_option_and_its_variable(tmp_path):
    assert trace_option(None, {}) is None
    assert trace_option(tmp_path / "t.json", {}) == str(tmp_path / "t.json")
    assert trace_option(None, {ENV_TRACE: str(tmp_path / "a.json")}) == str(tmp_path / "a.json")
    assert trace_option(str(tmp_path / "b.json"), {ENV_TRACE: str(tmp_path / "a.json")}) == str(tmp_path / "b.json")
    with pytest.raises(RuntimeError, match=r"OAKLING_TRACE: cannot write the trace .*: the folder .*nowhere does not "
                                           r"exist"):
        trace_option(None, {ENV_TRACE: str(tmp_path / "nowhere" / "t.json")})
    with pytest.raises(RuntimeError, match=r"Device\(trace=...\): .* is a folder — name the trace file"):
        trace_option(str(tmp_path), {})
    with pytest.raises(TypeError, match=r"Device\(trace=...\): expected the path of the trace file"):
        trace_option(3, {})


def test_a_send_stuck_on_a_full_blocking_input_shows_until_the_device_closes(tmp_path):
    """XLinkIn → Script that never reads (blocking input of 1): the host's messages pile up, and the
    trace shows XLinkIn's last send lasting until the close."""
    p = dai.Pipeline()
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("in")
    script = p.create(dai.node.Script)
    script.setScript("import time\nwhile True:\n    time.sleep(1)\n")
    script.inputs["in"].setBlocking(True)
    script.inputs["in"].setQueueSize(1)
    xin.out.link(script.inputs["in"])
    with dai.Device(p, trace=str(tmp_path / "t.json")) as device:
        q = device.getInputQueue("in", maxSize=8, blocking=False)
        for seq in range(6):
            q.send(dai.Buffer().setSequenceNum(seq))
        time.sleep(1.0)
        closing = time.monotonic_ns() / 1000
    events = json.loads((tmp_path / "t.json").read_text())
    sends = [e for e in events if e["ph"] == "X" and e["tid"] == 0]
    assert sends and sends[-1]["ts"] + sends[-1]["dur"] >= closing - 50_000
    assert sends[-1]["dur"] > 500_000                     # stuck for most of the second
