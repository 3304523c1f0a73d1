"""The session files: pictures and messages round-trip exactly through MCAP; damaged or missing
recordings are named with what to do."""
import json
import threading

import numpy as np
import pytest

import oakling as dai
from oakling.session.format import (MCAP_NAME, RecordingError, SessionReader, SessionWriter, camera_topic,
                                    decode_message, encode_message, encode_picture, picture_planes,
                                    read_manifest, write_manifest, xlinkout_topic)
from oakling.sources.picture import Yuv420

rng = np.random.default_rng(3)


def recording(folder, records: dict, calibration=None):
    """A finished recording in `folder` holding {topic: [bytes, ...]}."""
    folder.mkdir(exist_ok=True)
    writer = SessionWriter(str(folder / MCAP_NAME))
    if calibration is not None:
        writer.attach("calibration.json", "application/json", json.dumps(calibration).encode())
    for topic, items in records.items():
        for i, data in enumerate(items):
            writer.add(topic, 1000 + i, data)
    writer.close()
    write_manifest(str(folder), {"streams": {}})
    return folder


@pytest.mark.parametrize("kind", ["bgr", "gray", "yuv420", "tof"])
def test_pictures_round_trip_bit_exact(kind):
    if kind == "tof":   # a ToF sensor's planes: two phases and the amplitude, uint16
        picture = rng.integers(0, 65536, (6, 8, 3), np.uint16)
        arrays = [picture]
    elif kind == "yuv420":
        picture = Yuv420(rng.integers(0, 256, (6, 8), np.uint8), rng.integers(0, 256, (3, 4), np.uint8),
                         rng.integers(0, 256, (3, 4), np.uint8))
        arrays = [picture.y, picture.u, picture.v]
    else:
        picture = rng.integers(0, 256, (6, 8, 3) if kind == "bgr" else (6, 8), np.uint8)
        arrays = [picture]
    import msgpack
    record = msgpack.unpackb(encode_picture(picture, 7, 123456789), raw=False)
    fmt, planes = picture_planes(record)
    assert (fmt, record["seq"], record["ts"], record["width"], record["height"]) == (kind, 7, 123456789, 8, 6)
    for got, want in zip(planes, arrays, strict=True):
        np.testing.assert_array_equal(got, want)


def test_a_view_of_a_picture_is_recorded_as_its_pixels():
    whole = rng.integers(0, 256, (4, 10, 3), np.uint8)
    import msgpack
    _, planes = picture_planes(msgpack.unpackb(encode_picture(whole[:, 5:], 0, 0), raw=False))
    np.testing.assert_array_equal(planes[0], whole[:, 5:])


def test_messages_round_trip_with_every_field():
    import msgpack
    frame = dai.ImgFrame()
    frame.setCvFrame(rng.integers(0, 256, (4, 6, 3), np.uint8), dai.ImgFrame.Type.BGR888p)
    frame.setSequenceNum(42).setInstanceNum(2)
    record = msgpack.unpackb(encode_message(frame), raw=False)
    back = decode_message(record)
    assert record["type"] == "ImgFrame"
    assert (back.getSequenceNum(), back.getTimestamp(), back.getWidth(), back.getType(), back.getInstanceNum()) == \
        (42, frame.getTimestamp(), 6, dai.ImgFrame.Type.BGR888p, 2)
    np.testing.assert_array_equal(back.getData(), frame.getData())
    nn = dai.NNData()
    nn.setLayer("x", [1.0, 2.5])
    assert decode_message(msgpack.unpackb(encode_message(nn), raw=False)).getLayerFp16("x") == [1.0, 2.5]
    assert msgpack.unpackb(encode_message(frame, metadata_only=True), raw=False)["payload"] == b""


def test_writer_and_reader_round_trip_in_order_from_many_threads(tmp_path):
    writer = SessionWriter(str(tmp_path / MCAP_NAME))

    def write(topic):
        for i in range(200):
            writer.add(topic, 5000 - i, i.to_bytes(2, "little"))   # log times go back: order is kept anyway
    threads = [threading.Thread(target=write, args=(f"xlinkout/s{n}",)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writer.close()
    assert writer.add("xlinkout/s0", 0, b"late") is False
    write_manifest(str(tmp_path), {"streams": {}})
    # raw bytes are not msgpack: read them back through the MCAP reader
    from mcap.reader import make_reader
    with open(tmp_path / MCAP_NAME, "rb") as f:
        reader = make_reader(f)
        seen = {}
        for _, channel, message in reader.iter_messages(log_time_order=False):
            seen.setdefault(channel.topic, []).append(int.from_bytes(message.data, "little"))
    assert seen == {f"xlinkout/s{n}": list(range(200)) for n in range(3)}
    assert SessionReader(tmp_path).topics == {f"xlinkout/s{n}": 200 for n in range(3)}


def test_reader_gives_topics_counts_records_and_calibration(tmp_path):
    frame = dai.Buffer().setData([1, 2])
    folder = recording(tmp_path / "rec", {camera_topic("CAM_A"): [encode_picture(np.zeros((2, 2), np.uint8), s, s)
                                                                  for s in range(3)],
                                          xlinkout_topic("out"): [encode_message(frame)]},
                       calibration={"batchName": "x"})
    reader = SessionReader(folder)
    assert reader.topics == {"camera/CAM_A": 3, "xlinkout/out": 1}
    assert [r["seq"] for r in reader.records("camera/CAM_A")] == [0, 1, 2]
    assert list(reader.records("camera/CAM_B")) == []
    assert reader.streams("xlinkout/") == ["out"]
    assert reader.calibration() == {"batchName": "x"}


def test_a_missing_folder_or_manifest_is_named_with_the_fix(tmp_path):
    with pytest.raises(RecordingError, match=r"no recording at .*nowhere: the folder does not exist — record one "
                                             r"with `oakling run --record-session"):
        read_manifest(tmp_path / "nowhere")
    with pytest.raises(RecordingError, match=r"manifest\.json is missing"):
        SessionReader(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(RecordingError, match=r"manifest\.json cannot be read .* record the session again"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text('{"format": "other"}')
    with pytest.raises(RecordingError, match="not an oakling session manifest"):
        read_manifest(tmp_path)
    write_manifest(str(tmp_path), {})
    with pytest.raises(RecordingError, match=r"session\.mcap is missing"):
        SessionReader(tmp_path)


def test_a_damaged_mcap_is_named(tmp_path):
    folder = recording(tmp_path / "rec", {"xlinkout/out": [encode_message(dai.Buffer())] * 50})
    data = (folder / MCAP_NAME).read_bytes()
    (folder / MCAP_NAME).write_bytes(data[:len(data) // 2])
    with pytest.raises(RecordingError, match=r"session\.mcap .*(damaged|not closed properly|not an MCAP).*again"):
        SessionReader(folder)
    (folder / MCAP_NAME).write_bytes(b"hello, not mcap at all" * 10)
    with pytest.raises(RecordingError, match=r"session\.mcap .*again"):
        SessionReader(folder)


def test_a_newer_format_version_is_refused(tmp_path):
    (tmp_path / "manifest.json").write_text('{"format": "oakling-session", "version": 99}')
    with pytest.raises(RecordingError, match="version 99, this oakling reads version 1"):
        read_manifest(tmp_path)


def test_records_come_in_recorded_order_across_many_chunks(tmp_path):
    pictures = [rng.integers(0, 256, (200, 300, 3), np.uint8) for _ in range(4)]
    writer = SessionWriter(str(tmp_path / MCAP_NAME))
    for seq in range(24):   # about 4 MB of pictures: several 1 MiB chunks, a message stream between them
        writer.add(camera_topic("CAM_A"), 10 ** 9 - seq, encode_picture(pictures[seq % 4], seq, seq))
        writer.add(xlinkout_topic("out"), seq, encode_message(dai.Buffer().setSequenceNum(seq)))
    writer.close()
    write_manifest(str(tmp_path), {})
    reader = SessionReader(tmp_path)
    from mcap.reader import make_reader
    with open(tmp_path / MCAP_NAME, "rb") as f:
        assert len(make_reader(f).get_summary().chunk_indexes) > 2
    got = list(reader.records(camera_topic("CAM_A")))
    assert [r["seq"] for r in got] == list(range(24))
    np.testing.assert_array_equal(picture_planes(got[5])[1][0], pictures[1])
    assert [decode_message(r).getSequenceNum() for r in reader.records(xlinkout_topic("out"))] == list(range(24))
