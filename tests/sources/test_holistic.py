"""DepthAI v3 holistic recordings (the archive DEPTHAI_RECORD writes) as camera sources: an archive
built here in that layout — Camera<SOCKET>.mp4 with its protobuf ImgFrame metadata in
Camera<SOCKET>.mcap, calibration.json, record_config.json — replays on a real device process with
the recorded sequence numbers and timestamps."""
import json
import tarfile

import numpy as np
import pytest

import oakling as dai
from media import make_video
from oakling.calibration import oak_d
from oakling.sources import SourceError, open_source
from oakling.sources.video import VideoSource
from oakling.sources.holistic import HolisticSource, frame_stamp, is_holistic, proto_fields, read_archive

FRAMES = 4


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number: int, value) -> bytes:
    if isinstance(value, bytes):
        return varint(number << 3 | 2) + varint(len(value)) + value
    return varint(number << 3) + varint(value)


def img_frame_proto(seq: int, ts_ns: int, width=64, height=48) -> bytes:
    """A dai.proto.img_frame.ImgFrame with ts, tsDevice, sequenceNum and fb (Specs) set, and a float field."""
    ts = field(1, ts_ns // 1_000_000_000) + field(2, ts_ns % 1_000_000_000)
    specs = field(1, 22) + field(2, width) + field(3, height)
    fov = varint(7 << 3 | 5) + np.float32(71.9).tobytes()
    return field(1, ts) + field(2, field(1, 1) + field(2, 5)) + field(3, seq) + field(4, specs) + fov


def seconds(i: int) -> int:
    return 7_000_000_000 + i * 33_333_333


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    d = tmp_path_factory.mktemp("holistic")
    make_video(d / "CameraCAM_A.mp4", count=FRAMES, size=(64, 48))
    from mcap.writer import Writer
    with open(d / "CameraCAM_A.mcap", "wb") as f:
        writer = Writer(f)
        writer.start()
        schema = writer.register_schema("dai.proto.img_frame.ImgFrame", "protobuf", b"")
        channel = writer.register_channel("video", "protobuf", schema)
        for i in range(FRAMES):
            writer.add_message(channel, seconds(i), img_frame_proto(100 + i, seconds(i)), seconds(i))
        writer.finish()
    (d / "calibration.json").write_text(json.dumps(oak_d().eepromToJson()))
    (d / "record_config.json").write_text(json.dumps({"outputDir": "", "videoEncoding": {"enabled": True}}))
    tar = d / "recording_2026-01-31_10-00-00.tar"
    with tarfile.open(tar, "w") as t:
        for name in ("CameraCAM_A.mp4", "CameraCAM_A.mcap", "calibration.json", "record_config.json"):
            t.add(d / name, arcname=f"rec/{name}")
    return tar, d


def test_protobuf_fields_and_frame_stamps():
    data = img_frame_proto(12, 5_250_000_000)
    assert proto_fields(data)[3] == [12]
    assert frame_stamp(data) == (12, 5_250_000_000)
    assert frame_stamp(field(2, field(1, 3)) + field(3, 1)) == (1, 3_000_000_000)   # tsDevice when ts is unset
    with pytest.raises(ValueError):
        proto_fields(field(1, b"abc")[:-1])


def test_the_archive_layout(archive):
    tar, folder = archive
    assert is_holistic(str(tar)) and is_holistic(str(folder)) and not is_holistic(str(folder / "rec"))
    found = read_archive(str(tar))
    assert found["cameras"] == {"CAM_A": {"video": "rec/CameraCAM_A.mp4", "metadata": "rec/CameraCAM_A.mcap"}}
    assert found["calibration"]["batchName"] == oak_d().eepromToJson()["batchName"]
    assert read_archive(str(folder))["cameras"]["CAM_A"]["video"] == "CameraCAM_A.mp4"


def test_a_camera_reads_every_frame_with_its_recorded_stamp(archive):
    tar, folder = archive
    source = open_source({"kind": "holistic", "path": str(tar), "camera": "CAM_A", "name": "rec CAM_A"},
                         width=64, height=48)
    assert isinstance(source, HolisticSource) and (source.width, source.height) == (64, 48)
    video = VideoSource(str(folder / "CameraCAM_A.mp4"))   # the archive's video, decoded as any video is
    for i in range(FRAMES):
        picture, want = source.read(), video.read()
        for plane in ("y", "u", "v"):
            np.testing.assert_array_equal(getattr(picture, plane), getattr(want, plane))
        assert source.stamp(i, 1) == (100 + i, seconds(i))
    assert source.read() is None
    source.close()
    video.close()


def test_a_bad_archive_is_named(tmp_path, archive):
    bad = tmp_path / "x.tar"
    with tarfile.open(bad, "w") as t:
        (tmp_path / "notes.txt").write_text("hi")
        t.add(tmp_path / "notes.txt", arcname="notes.txt")
    with pytest.raises(SourceError, match=r"x\.tar: no camera video in it \(found notes\.txt\) — expected a DepthAI v3"):
        read_archive(str(bad))
    with pytest.raises(SourceError, match="no CAM_B camera"):
        HolisticSource(str(archive[0]), "CAM_B")


def test_a_holistic_recording_replays_on_the_device(archive):
    tar, _ = archive
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    cam.setBoardSocket(dai.CameraBoardSocket.CAM_A)
    cam.setPreviewSize(32, 24)
    x = p.create(dai.node.XLinkOut)
    x.setStreamName("preview")
    cam.preview.link(x.input)
    with dai.Device(p, replay=tar) as device:
        q = device.getOutputQueue("preview", maxSize=FRAMES + 2)
        frames = [q.get() for _ in range(FRAMES)]
        with pytest.raises(dai.StreamEnded):
            q.get()
    assert [f.getSequenceNum() for f in frames] == [100 + i for i in range(FRAMES)]
    from oakling.messages.clock import to_timedelta
    assert [f.getTimestamp() for f in frames] == [to_timedelta(seconds(i)) for i in range(FRAMES)]
