"""A camera source reading a recorded session's pictures, with their recorded numbers and times."""
import numpy as np
import pytest

from oakling.session.format import MCAP_NAME, SessionWriter, camera_topic, encode_picture, write_manifest
from oakling.sources import SourceError, Yuv420, open_source
from oakling.sources.recording import RecordingSource

rng = np.random.default_rng(5)


def recording(folder, pictures, camera="CAM_A"):
    folder.mkdir(exist_ok=True)
    writer = SessionWriter(str(folder / MCAP_NAME))
    for seq, picture in pictures:
        writer.add(camera_topic(camera), 50 + seq, encode_picture(picture, seq, 10_000 + seq))
    writer.close()
    write_manifest(str(folder), {})
    return str(folder)


def test_every_picture_in_order_with_its_recorded_stamp(tmp_path):
    pictures = [(s, rng.integers(0, 256, (4, 6, 3), np.uint8)) for s in (3, 4, 9)]
    source = open_source({"kind": "recording", "path": recording(tmp_path, pictures), "camera": "CAM_A",
                          "name": "rec CAM_A"}, width=6, height=4)
    assert isinstance(source, RecordingSource) and source.name == "rec CAM_A" and not source.static
    for seq, picture in pictures:
        np.testing.assert_array_equal(source.read(), picture)
        assert source.stamp(0, 123) == (seq, 10_000 + seq)
    assert source.read() is None and source.frames == 3
    source.close()


def test_pictures_in_the_kind_the_camera_wants(tmp_path):
    bgr = rng.integers(0, 256, (4, 6, 3), np.uint8)
    y, u, v = (rng.integers(0, 256, s, np.uint8) for s in ((4, 6), (2, 3), (2, 3)))
    folder = recording(tmp_path, [(0, bgr), (1, Yuv420(y, u, v))])
    gray = RecordingSource(folder, "CAM_A", gray=True)
    assert gray.read().shape == (4, 6)
    np.testing.assert_array_equal(gray.read(), y)
    colour = RecordingSource(folder, "CAM_A")
    colour.read()
    planes = colour.read()
    assert isinstance(planes, Yuv420)
    np.testing.assert_array_equal(planes.v, v)


def test_a_camera_the_recording_does_not_have_reads_nothing(tmp_path):
    source = RecordingSource(recording(tmp_path, [(0, np.zeros((2, 2), np.uint8))]), "CAM_B")
    assert source.read() is None


def test_a_missing_recording_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match=r"manifest\.json is missing"):
        RecordingSource(str(tmp_path), "CAM_A")


def test_a_tof_sensor_replays_its_recorded_planes_and_only_it(tmp_path):
    planes = rng.integers(0, 65536, (4, 6, 3), np.uint16)
    folder = recording(tmp_path, [(0, planes)])
    source = RecordingSource(folder, "CAM_A", name="rec CAM_A", tof=True)
    np.testing.assert_array_equal(source.read(), planes)
    with pytest.raises(SourceError, match=r"rec CAM_A: this camera was a ToF sensor when it was recorded"):
        RecordingSource(folder, "CAM_A", name="rec CAM_A").read()


def test_a_tof_program_recorded_replays_the_same_depth(tmp_path):
    import oakling as dai
    p = dai.Pipeline()
    cam = p.create(dai.node.Camera)
    cam.setBoardSocket(dai.CameraBoardSocket.CAM_A)
    tof = p.create(dai.node.ToF)
    cam.raw.link(tof.input)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("depth")
    tof.depth.link(xout.input)
    with dai.Device(p, record_session=str(tmp_path / "run"), motion="shake") as device:   # every frame differs
        q = device.getOutputQueue("depth", 8, True)
        recorded = [q.get(timeout=20).getFrame().copy() for _ in range(3)]
    with dai.Device(p, replay=str(tmp_path / "run")) as device:
        q = device.getOutputQueue("depth", 8, True)
        replayed = [q.get(timeout=20).getFrame().copy() for _ in range(3)]
    assert not np.array_equal(recorded[0], recorded[2])
    for a, b in zip(recorded, replayed):
        np.testing.assert_array_equal(a, b)
