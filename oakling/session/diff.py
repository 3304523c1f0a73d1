"""Two recordings' outputs compared stream by stream (`oakling replay-diff A B`).

    report = compare("run1", "run2", tolerance=0, ignore_timestamps=False)
    report.equal              # True when every XLinkOut stream gave the same messages
    report.first              # the first Difference: stream, index, field, what A and B had

For each stream the two recordings share (in name order) the messages are compared in order:
the message type, the sequence number, both timestamps (unless ignored), every metadata field
(ImgFrame's and NNData's by name), then the payload bytes; an ImgFrame's payload may differ by
up to `tolerance` per byte. A stream only one recording has, or a different number of messages,
is a difference too.
"""
from __future__ import annotations

from dataclasses import dataclass

from .format import SessionReader, decode_message

IMGFRAME_FIELDS = ("sequenceNum", "timestamp", "timestampDevice", "type", "width", "height", "stride",
                   "bytesPerPixel", "plane1Offset", "plane2Offset", "plane3Offset", "category", "instanceNum",
                   "exposureTimeUs", "sensitivity", "lensPosition", "colorTemperature", "lensPositionRaw")
NNDATA_FIELDS = ("sequenceNum", "timestamp", "timestampDevice", "tensors")
FIELD_NAMES = {"ImgFrame": IMGFRAME_FIELDS, "NNData": NNDATA_FIELDS}


@dataclass
class Difference:
    stream: str
    index: int | None     # the message's index in the stream (None: the stream as a whole)
    field: str
    a: object
    b: object

    def __str__(self) -> str:
        at = f"stream '{self.stream}'" + (f", message index {self.index}" if self.index is not None else "")
        return f"{at}, {self.field}: A has {_short(self.a)}, B has {_short(self.b)}"


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


@dataclass
class StreamReport:
    name: str
    count_a: int
    count_b: int
    first: Difference | None


@dataclass
class Report:
    streams: list[StreamReport]

    @property
    def equal(self) -> bool:
        return all(s.first is None for s in self.streams)

    @property
    def first(self) -> Difference | None:
        return next((s.first for s in self.streams if s.first is not None), None)


def _first_in(a, b, path: str):
    """The path of the first place two metadata values differ, or None."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        for i, (x, y) in enumerate(zip(a, b)):
            found = _first_in(x, y, f"{path}[{i}]")
            if found:
                return found
        return f"{path} (length)" if len(a) != len(b) else None
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            found = _first_in(a.get(key), b.get(key), f"{path}.{key}")
            if found:
                return found
        return None
    return None if a == b and type(a) is type(b) or (a == b and {type(a), type(b)} <= {int, float}) else path


def _lookup(meta, path: str):
    import re
    value = meta
    for token in re.findall(r"\[(\d+)\]|\.(\w+)", path):
        try:
            value = value[int(token[0])] if token[0] else value[token[1]]
        except (IndexError, KeyError, TypeError):
            return None
    return value


def compare_messages(ra: dict, rb: dict, tolerance: int = 0, ignore_timestamps: bool = False):
    """(field, A's value, B's value) of the first difference of two message records, or None."""
    from ..messages import codec
    if ra["type"] != rb["type"] or ra["datatype"] != rb["datatype"]:
        return "type", ra["type"], rb["type"]
    ma, mb = decode_message(ra), decode_message(rb)
    if ma._seq != mb._seq:
        return "sequenceNum", ma._seq, mb._seq
    if not ignore_timestamps:
        for attr, name in (("_ts_ns", "timestamp"), ("_ts_dev_ns", "timestampDevice")):
            if getattr(ma, attr) != getattr(mb, attr):
                return f"{name} (ns)", getattr(ma, attr), getattr(mb, attr)
    for m in (ma, mb):   # compared above (or ignored): the rest of the metadata without them
        m._seq = m._ts_ns = m._ts_dev_ns = 0
    meta_a, meta_b = codec.encode(ma)[1], codec.encode(mb)[1]
    path = _first_in(meta_a, meta_b, "")
    if path is not None:
        names = FIELD_NAMES.get(ra["type"], ())
        head = path.split("]")[0].lstrip("[") if path.startswith("[") else None
        field = path
        if head is not None and head.isdigit() and int(head) < len(names):
            field = names[int(head)] + path[len(head) + 2:]
        return f"metadata {field}".rstrip(), _lookup(meta_a, path), _lookup(meta_b, path)
    return _compare_payload(ra, rb, tolerance)


def _compare_payload(ra: dict, rb: dict, tolerance: int):
    import numpy as np
    pa, pb = ra["payload"], rb["payload"]
    if len(pa) != len(pb):
        return "payload size (bytes)", len(pa), len(pb)
    if pa == pb:
        return None
    a, b = np.frombuffer(pa, np.uint8), np.frombuffer(pb, np.uint8)
    diff = np.abs(a.astype(np.int16) - b.astype(np.int16))
    if ra["type"] == "ImgFrame" and tolerance and int(diff.max()) <= tolerance:
        return None
    over = np.flatnonzero(diff > (tolerance if ra["type"] == "ImgFrame" else 0))
    at = int(over[0])
    return (f"payload byte {at} ({over.size} bytes differ, by up to {int(diff.max())})", int(a[at]), int(b[at]))


def compare(folder_a, folder_b, tolerance: int = 0, ignore_timestamps: bool = False,
            streams: list[str] | None = None) -> Report:
    """Compare the XLinkOut streams of two recordings (RecordingError if one cannot be read)."""
    a, b = SessionReader(folder_a), SessionReader(folder_b)
    names_a, names_b = a.streams("xlinkout/"), b.streams("xlinkout/")
    names = sorted(set(names_a) | set(names_b)) if streams is None else list(streams)
    reports = []
    for name in names:
        topic = f"xlinkout/{name}"
        count_a, count_b = a.topics.get(topic, 0), b.topics.get(topic, 0)
        if (topic in a.topics) != (topic in b.topics):
            reports.append(StreamReport(name, count_a, count_b, Difference(
                name, None, "stream", "it" if topic in a.topics else "no such stream",
                "it" if topic in b.topics else "no such stream")))
            continue
        first = None
        index = -1
        for index, (ra, rb) in enumerate(zip(a.records(topic), b.records(topic))):
            found = compare_messages(ra, rb, tolerance, ignore_timestamps)
            if found is not None:
                first = Difference(name, index, *found)
                break
        if first is None and count_a != count_b:
            first = Difference(name, min(count_a, count_b), "message count", count_a, count_b)
        reports.append(StreamReport(name, count_a, count_b, first))
    return Report(reports)
