"""BenchmarkOut / BenchmarkIn: gen2's ports, properties and setters, and a pipeline that measures itself
on a real device — the rate BenchmarkOut sends at comes back in BenchmarkIn's reports."""
import pytest

import oakling as dai

TIMEOUT = 10.0


def test_ports_properties_and_setters_are_gen2s():
    p = dai.Pipeline()
    out, inp = p.create(dai.node.BenchmarkOut), p.create(dai.node.BenchmarkIn)
    assert (out.getName(), inp.getName()) == ("BenchmarkOut", "BenchmarkIn")
    assert [o.name for o in inp.getOutputs()] == ["passthrough", "report"]
    assert (inp.input.getBlocking(), inp.input.getQueueSize()) == (False, 4)
    nodes = dict(p.serializeToJson()["pipeline"]["nodes"])
    assert nodes[out.id]["properties"] == {"numMessages": -1, "fps": 0.0}
    assert nodes[inp.id]["properties"] == {"reportEveryNMessages": 50, "attachLatencies": False,
                                           "logReportsAsWarnings": True}
    out.setNumMessagesToSend(-1)
    out.setFps(30)
    inp.setNumMessagesToGet(10)
    inp.measureIndividualLatencies(True)
    inp.logReportsAsWarnings(False)
    inp.setRunOnHost(True)
    assert inp.runOnHost() and not out.runOnHost()
    nodes = dict(p.serializeToJson()["pipeline"]["nodes"])
    assert nodes[out.id]["properties"] == {"numMessages": -1, "fps": 30.0}
    assert nodes[inp.id]["properties"] == {"reportEveryNMessages": 10, "attachLatencies": True,
                                           "logReportsAsWarnings": False}
    with pytest.raises(ValueError, match=r"BenchmarkOut\(0\).setNumMessagesToSend: expected a count >= 0"):
        out.setNumMessagesToSend(-2)
    with pytest.raises(ValueError, match=r"BenchmarkIn\(1\).sendReportEveryNMessages: expected at least 1"):
        inp.sendReportEveryNMessages(0)
    with pytest.raises(ValueError, match=r"BenchmarkOut\(0\).setFps"):
        out.setFps(-1)


def _pipeline(fps, count, every, latencies=False):
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    cam.setPreviewSize(64, 48)
    bench_out = p.create(dai.node.BenchmarkOut)
    bench_out.setFps(fps)
    bench_out.setNumMessagesToSend(count)
    cam.preview.link(bench_out.input)
    bench_in = p.create(dai.node.BenchmarkIn)
    bench_in.sendReportEveryNMessages(every)
    bench_in.measureIndividualLatencies(latencies)
    bench_in.logReportsAsWarnings(False)
    bench_out.out.link(bench_in.input)
    for name, port in (("report", bench_in.report), ("frames", bench_in.passthrough)):
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        port.link(xout.input)
    return p


def test_reports_give_the_rate_benchmark_out_sends_at():
    with dai.Device(_pipeline(fps=50, count=-1, every=10, latencies=True)) as device:
        reports = device.getOutputQueue("report", 4, False)
        device.getOutputQueue("frames", 4, False)
        first, second = reports.get(timeout=TIMEOUT), reports.get(timeout=TIMEOUT)
    for report in (first, second):
        assert isinstance(report, dai.BenchmarkReport) and report.numMessagesReceived == 10
        assert 35 < report.fps < 60, report              # 50 fps asked; the machine may lag a little
        assert report.timeTotal == pytest.approx(10 / report.fps)
        assert len(report.latencies) == 10 and all(0 <= v < 1.0 for v in report.latencies)
        assert report.averageLatency == pytest.approx(sum(report.latencies) / 10)
    assert (first.getSequenceNum(), second.getSequenceNum()) == (0, 1)


def test_benchmark_out_sends_the_count_asked_and_frames_pass_through():
    with dai.Device(_pipeline(fps=50, count=7, every=3)) as device:
        reports = device.getOutputQueue("report", 8, True)
        frames = device.getOutputQueue("frames", 8, True)
        got = [frames.get(timeout=TIMEOUT) for _ in range(7)]
        # messages 1-3 are counted, the 4th sends the first report, 5-7 the next batch (no 8th: no report)
        first = reports.get(timeout=TIMEOUT)
        assert reports.tryGet() is None
    assert all(isinstance(f, dai.ImgFrame) and f.getCvFrame().shape == (48, 64, 3) for f in got)
    stamps = [f.getTimestampDevice() for f in got]
    assert stamps == sorted(stamps) and len(set(stamps)) == 7      # each sent frame is stamped anew
    assert first.numMessagesReceived == 3 and first.latencies == []
