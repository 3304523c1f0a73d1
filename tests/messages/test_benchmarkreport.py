"""BenchmarkReport: gen2's fields, and the same figures after the wire codec."""
import oakling as dai
from oakling.messages import codec


def test_fields_default_to_zero_and_cross_the_wire():
    report = dai.BenchmarkReport()
    assert (report.fps, report.timeTotal, report.numMessagesReceived, report.averageLatency, report.latencies) == \
        (0.0, 0.0, 0, 0.0, [])
    assert report.DATATYPE == dai.DatatypeEnum.BenchmarkReport
    report.fps, report.timeTotal, report.numMessagesReceived = 29.5, 2.0, 59
    report.averageLatency, report.latencies = 0.004, [0.003, 0.005]
    report.setSequenceNum(3)
    datatype, meta, payload = codec.encode(report)
    back = codec.decode(datatype, meta, payload)
    assert isinstance(back, dai.BenchmarkReport) and back.getSequenceNum() == 3
    assert (back.fps, back.timeTotal, back.numMessagesReceived, back.averageLatency, back.latencies) == \
        (29.5, 2.0, 59, 0.004, [0.003, 0.005])
    assert "fps=29.50" in repr(back)
