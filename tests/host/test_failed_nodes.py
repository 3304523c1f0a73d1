"""getFailedNodes() and StreamEnded agree: the failure report travels on the control link, the
stream's end on the stream link, yet a host that catches StreamEnded finds the failure at once."""
import re
import time

import pytest

import oakling as dai

SCRIPTS = 12
TIMEOUT = 10


@pytest.fixture(autouse=True)
def storage(tmp_path, monkeypatch):
    monkeypatch.setenv("OAKLING_STORAGE", str(tmp_path / "storage"))


def failing_scripts(count: int) -> dai.Pipeline:
    """`count` Scripts, each failing when its "go<i>" stream brings a message; its "end<i>" stream
    ends with it."""
    p = dai.Pipeline()
    for i in range(count):
        xin = p.create(dai.node.XLinkIn)
        xin.setStreamName(f"go{i}")
        script = p.create(dai.node.Script)
        script.setScript(f"node.io['go'].get()\nraise ValueError('script {i} gave up')", f"fail{i}.py")
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(f"end{i}")
        xin.out.link(script.inputs["go"])
        script.outputs["out"].link(xout.input)
    return p


def test_a_stream_ended_by_a_failure_finds_it_in_get_failed_nodes_at_once():
    with dai.Device(failing_scripts(SCRIPTS)) as device:
        device.setLogOutputLevel(dai.LogLevel.OFF)
        # A slow log callback holds up the control link's reader just before each failure report,
        # as a busy host would: the stream's end wins the race unless the host waits for the report.
        device.addLogCallback(lambda message: time.sleep(0.02))
        for i in range(SCRIPTS):
            label = f"Script({3 * i + 1})"
            device.getInputQueue(f"go{i}").send(dai.Buffer())
            with pytest.raises(dai.StreamEnded, match=re.escape(f"{label} failed: ValueError: script {i} gave up")):
                device.getOutputQueue(f"end{i}").get(timeout=TIMEOUT)
            failed = device.getFailedNodes()   # no waiting: the end came after the report
            assert failed.get(label) == f"ValueError: script {i} gave up — fail{i}.py, line 2", (i, failed)
            assert len(failed) == i + 1


def test_a_stream_that_ends_without_a_failure_reports_none():
    p = dai.Pipeline()
    script = p.create(dai.node.Script)
    script.setScript("node.io['out'].send(Buffer(1))")
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("out")
    script.outputs["out"].link(xout.input)
    with dai.Device(p) as device:
        q = device.getOutputQueue("out")
        assert len(q.get(timeout=TIMEOUT).getData()) == 1
        with pytest.raises(dai.StreamEnded):
            q.get(timeout=TIMEOUT)
        assert device.getFailedNodes() == {}
