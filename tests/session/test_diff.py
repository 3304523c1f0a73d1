"""Two recordings' outputs compared: the first difference names the stream, the message's index
and the field."""
import numpy as np
import pytest

import oakling as dai
from oakling.session.diff import compare
from oakling.session.format import MCAP_NAME, SessionWriter, encode_message, write_manifest


def frame(seq=0, width=4, fill=10, ts=None):
    f = dai.ImgFrame()
    f.setCvFrame(np.full((2, width), fill, np.uint8), dai.ImgFrame.Type.GRAY8)
    f.setSequenceNum(seq)
    f._ts_ns = f._ts_dev_ns = 1000 + seq if ts is None else ts
    return f


def session(folder, streams: dict):
    folder.mkdir()
    writer = SessionWriter(str(folder / MCAP_NAME))
    for name, messages in streams.items():
        for msg in messages:
            writer.add(f"xlinkout/{name}", 0, encode_message(msg))
    writer.close()
    write_manifest(str(folder), {})
    return folder


def diff(tmp_path, a: dict, b: dict, **options):
    return compare(session(tmp_path / "a", a), session(tmp_path / "b", b), **options)


def test_identical_outputs(tmp_path):
    streams = {"frames": [frame(i) for i in range(3)], "nn": [dai.NNData().setSequenceNum(1)]}
    report = diff(tmp_path, streams, streams)
    assert report.equal and report.first is None
    assert [(s.name, s.count_a, s.count_b) for s in report.streams] == [("frames", 3, 3), ("nn", 1, 1)]


@pytest.mark.parametrize("b,field,values", [
    (frame(1, width=6), "metadata width", (4, 6)),
    (frame(2), "sequenceNum", (1, 2)),
    (frame(1, ts=5), "timestamp (ns)", (1001, 5)),
    (frame(1, fill=11), "payload byte 0 (8 bytes differ, by up to 1)", (10, 11)),
    (dai.Buffer(), "type", ("ImgFrame", "Buffer")),
])
def test_the_first_difference_names_the_field(tmp_path, b, field, values):
    report = diff(tmp_path, {"frames": [frame(0), frame(1)]}, {"frames": [frame(0), b]})
    first = report.first
    assert not report.equal
    assert (first.stream, first.index, first.field, (first.a, first.b)) == ("frames", 1, field, values)
    assert str(first).startswith("stream 'frames', message index 1, ")


def test_tolerance_and_ignored_timestamps(tmp_path):
    a = {"frames": [frame(0, fill=10)]}
    assert diff(tmp_path, a, {"frames": [frame(0, fill=12, ts=9)]}, tolerance=2, ignore_timestamps=True).equal
    (tmp_path / "a").rename(tmp_path / "a0"), (tmp_path / "b").rename(tmp_path / "b0")
    assert diff(tmp_path, a, {"frames": [frame(0, fill=13)]}, tolerance=2).first.field.startswith("payload byte 0")


def test_counts_and_missing_streams(tmp_path):
    report = diff(tmp_path, {"frames": [frame(0), frame(1)], "gone": [frame(0)]}, {"frames": [frame(0)]})
    by_name = {s.name: s.first for s in report.streams}
    assert (by_name["frames"].index, by_name["frames"].field, by_name["frames"].a, by_name["frames"].b) == \
        (1, "message count", 2, 1)
    assert by_name["gone"].field == "stream" and by_name["gone"].b == "no such stream"
    assert report.first.stream == "frames"   # in name order


def test_only_the_streams_asked_for(tmp_path):
    report = diff(tmp_path, {"a": [frame(0)], "b": [frame(0)]}, {"a": [frame(0)], "b": [frame(1)]}, streams=["a"])
    assert report.equal and [s.name for s in report.streams] == ["a"]
