"""BenchmarkOut and BenchmarkIn: a pipeline that measures itself — messages sent at a set rate, and
the rate and latency at which they arrive.

    bench_out = pipeline.create(dai.node.BenchmarkOut)
    bench_out.setNumMessagesToSend(1000)            # default -1: for ever
    bench_out.setFps(30)                            # 0: as fast as the pipeline takes them (default)
    camera.preview.link(bench_out.input)            # the first message is the one sent again and again
    bench_in = pipeline.create(dai.node.BenchmarkIn)
    bench_in.sendReportEveryNMessages(100)
    bench_out.out.link(bench_in.input)
    bench_in.report.link(xout.input)                # dai.BenchmarkReport

BenchmarkOut ports (gen2): `input` (any message; blocking, queue 1, waits) and `out`. It takes one
message from `input`, then sends it `numMessages` times at `fps`; an ImgFrame goes out as a new
frame over the same pixels each time, stamped with the time it is sent (device timestamp). Properties
as gen2's BenchmarkOutProperties: `numMessages` (-1: for ever), `fps` (0).

BenchmarkIn ports (gen2): `input` (any message; non-blocking, queue 4, waits), `passthrough` (every
message, on) and `report` (BenchmarkReport). Properties: `reportEveryNMessages` (50),
`attachLatencies` (False), `logReportsAsWarnings` (True). It counts N messages (N =
reportEveryNMessages), each one's latency being the time from its device timestamp to its arrival
here; the message after the N-th (as in gen2, it is passed through but not counted) sends the report
— fps = N / the time since the batch's first message, averageLatency, and each latency if
measureIndividualLatencies(True) and N <= 1000 — and logs it (warnings, else trace level).
`setRunOnHost` is accepted; the node always runs on the device, so latencies are on the device's clock.
"""
from __future__ import annotations

import copy

from ..log import LogLevel
from ..messages._args import as_bool, as_float, as_int
from ..messages.benchmarkreport import BenchmarkReport
from ..messages.datatype import DatatypeEnum
from ..messages.imgframe import ImgFrame
from ..pipeline.node import Node
from ..pipeline.registry import node_type
from ..runtime.worker import QueueClosed, Worker

MAX_ATTACHED_LATENCIES = 1000   # gen2 attaches no list for larger batches


@node_type(worker="BenchmarkOutWorker")
class BenchmarkOut(Node):
    NAME = "BenchmarkOut"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.input = self._input("input", blocking=True, queueSize=1, waitForMessage=True)
        self.out = self._output("out")
        self.properties = {"numMessages": -1, "fps": 0.0}
        self._run_on_host = False

    def setNumMessagesToSend(self, num: int):
        """How many messages to send; -1 for ever (the default)."""
        n = as_int(num, f"{self._label}.setNumMessagesToSend")
        if n < -1:
            raise ValueError(f"{self._label}.setNumMessagesToSend: expected a count >= 0, or -1 for ever, got {num!r}")
        self.properties["numMessages"] = n

    def setFps(self, fps: float):
        """Messages per second; 0 sends as fast as the pipeline takes them (default)."""
        rate = as_float(fps, f"{self._label}.setFps")
        if rate < 0:
            raise ValueError(f"{self._label}.setFps: expected a rate >= 0 (0: as fast as possible), got {fps!r}")
        self.properties["fps"] = rate

    def setRunOnHost(self, runOnHost: bool):
        """Accepted for gen2's sake: oakling runs the node on its device process either way."""
        self._run_on_host = as_bool(runOnHost, f"{self._label}.setRunOnHost")

    def runOnHost(self) -> bool:
        return self._run_on_host


@node_type(worker="BenchmarkInWorker")
class BenchmarkIn(Node):
    NAME = "BenchmarkIn"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.input = self._input("input", blocking=False, queueSize=4, waitForMessage=True)
        self.passthrough = self._output("passthrough")
        self.report = self._output("report", types=(DatatypeEnum.BenchmarkReport,))
        self.properties = {"reportEveryNMessages": 50, "attachLatencies": False, "logReportsAsWarnings": True}
        self._run_on_host = False

    def sendReportEveryNMessages(self, num: int):
        """Messages per report (default 50)."""
        n = as_int(num, f"{self._label}.sendReportEveryNMessages")
        if n < 1:
            raise ValueError(f"{self._label}.sendReportEveryNMessages: expected at least 1 message, got {num!r}")
        self.properties["reportEveryNMessages"] = n

    def setNumMessagesToGet(self, num: int):
        """gen2's older name of sendReportEveryNMessages."""
        self.sendReportEveryNMessages(num)

    def measureIndividualLatencies(self, attachLatencies: bool):
        """Put each message's latency in the report's `latencies` (batches of up to 1000 messages)."""
        self.properties["attachLatencies"] = as_bool(attachLatencies, f"{self._label}.measureIndividualLatencies")

    def logReportsAsWarnings(self, logReportsAsWarnings: bool):
        """Log each report at warning level (default), else at trace level."""
        self.properties["logReportsAsWarnings"] = as_bool(logReportsAsWarnings,
                                                          f"{self._label}.logReportsAsWarnings")

    def setRunOnHost(self, runOnHost: bool):
        """Accepted for gen2's sake: oakling runs the node on its device process either way."""
        self._run_on_host = as_bool(runOnHost, f"{self._label}.setRunOnHost")

    def runOnHost(self) -> bool:
        return self._run_on_host


class BenchmarkOutWorker(Worker):
    """One message in, sent numMessages times at fps."""

    def run(self):
        try:
            msg = self.input("input").get()
        except QueueClosed:
            return
        count = int(self.properties["numMessages"])
        fps = float(self.properties["fps"])
        out = self.output("out")
        clock = self.ctx.clock
        due = clock.monotonic()
        sent = 0
        while (count == -1 or sent < count) and not self.stopping:
            if isinstance(msg, ImgFrame):
                frame = copy.copy(msg)            # the same pixels, a message of its own
                frame._ts_dev_ns = clock.now_ns()
                out.send(frame)
            else:
                out.send(msg)
            sent += 1
            if fps > 0:
                due += 1.0 / fps
                wait = due - clock.monotonic()
                if wait > 0 and self.sleep(wait):
                    return


class BenchmarkInWorker(Worker):
    """Counts messages and their latencies; a report every reportEveryNMessages."""

    def run(self):
        source = self.input("input")
        passthrough, report_out = self.output("passthrough"), self.output("report")
        batch = int(self.properties["reportEveryNMessages"])
        keep = bool(self.properties["attachLatencies"])
        if keep and batch > MAX_ATTACHED_LATENCIES:
            self.log(LogLevel.WARN, f"{self.label}: more than {MAX_ATTACHED_LATENCIES} messages per report, "
                                    f"latencies not individually attached")
            keep = False
        level = LogLevel.WARN if self.properties["logReportsAsWarnings"] else LogLevel.TRACE
        clock = self.ctx.clock
        count, total, start, latencies = 0, 0.0, 0, []
        reports = 0
        while True:
            try:
                msg = source.get()
            except QueueClosed:
                return
            now = clock.now_ns()
            if count == 0:
                start, total, latencies = now, 0.0, []
            if count < batch:
                stamp = msg._ts_dev_ns or msg._ts_ns
                latency = (now - stamp) / 1e9
                total += latency
                if keep:
                    latencies.append(latency)
                count += 1
            else:
                report = BenchmarkReport()
                report.numMessagesReceived = batch
                report.timeTotal = (now - start) / 1e9
                report.fps = batch / report.timeTotal if report.timeTotal > 0 else 0.0
                report.averageLatency = total / batch
                report.latencies = latencies if keep else []
                report._seq, report._ts_dev_ns = reports, now
                reports += 1
                self.log(level, f"FPS: {report.fps}")
                self.log(level, f"Messages took {report.timeTotal} s")
                self.log(level, f"Average latency: {report.averageLatency} s")
                count = 0
                report_out.send(report)
            passthrough.send(msg)
