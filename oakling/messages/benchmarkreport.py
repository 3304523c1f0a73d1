"""`BenchmarkReport`: what a BenchmarkIn node measured over its last batch of messages.

    report = q.get()                       # from benchmarkIn.report
    report.fps, report.timeTotal           # messages per second, seconds the batch took
    report.numMessagesReceived             # the batch's size
    report.averageLatency                  # seconds from a message's device timestamp to its arrival
    report.latencies                       # each message's, if measureIndividualLatencies(True)

gen2's fields, all plain attributes (floats, and a list of floats).
"""
from .buffer import Buffer
from .datatype import DatatypeEnum


class BenchmarkReport(Buffer):
    """A BenchmarkIn node's figures for one batch of messages (gen2 `dai.BenchmarkReport`)."""

    DATATYPE = DatatypeEnum.BenchmarkReport

    def __init__(self):
        super().__init__()
        self.fps = 0.0
        self.timeTotal = 0.0
        self.numMessagesReceived = 0
        self.averageLatency = 0.0
        self.latencies: list[float] = []

    def __repr__(self):
        return (f"BenchmarkReport(fps={self.fps:.2f}, timeTotal={self.timeTotal:.3f} s, "
                f"numMessagesReceived={self.numMessagesReceived}, averageLatency={self.averageLatency * 1e3:.2f} ms)")
