"""Choosing a source per board socket on the host: Device options, environment variables, errors."""
import pytest

import oakling as dai
from oakling.sources import SourceError, camera_options, describe, list_images, parse_socket
from media import make_video, write_images


@pytest.mark.parametrize("key, socket", [
    ("CAM_A", 0), ("cam_a", 0), ("RGB", 0), ("rgb", 0), ("Center", 0), ("CAM_B", 1), ("left", 1),
    ("RIGHT", 2), ("CAM_C", 2), ("CAM_H", 7), (dai.CameraBoardSocket.CAM_A, 0), (dai.CameraBoardSocket.LEFT, 1),
    (dai.CameraBoardSocket.CAM_D, 3), (2, 2), ("CameraBoardSocket.CAM_B", 1),
])
def test_socket_names_and_values(key, socket):
    assert parse_socket(key, "test") == socket


@pytest.mark.parametrize("key, message", [
    ("CAM_Z", "unknown camera socket 'CAM_Z'"), ("", "unknown camera socket"), (9, "unknown camera socket 9"),
    (dai.CameraBoardSocket.AUTO, "AUTO is not a socket"), ("auto", "AUTO is not a socket"), (None, "unknown"),
])
def test_bad_socket_names_say_what_to_use(key, message):
    with pytest.raises(SourceError, match=message) as e:
        parse_socket(key, "Device(cameras=...)")
    assert "Device(cameras=...)" in str(e.value)


def test_describe_tells_sources_apart(tmp_path):
    video = tmp_path / "clip.mp4"
    make_video(video, count=3)
    image = write_images(tmp_path / "one", count=1)[0]
    write_images(tmp_path / "many", count=2)
    assert describe(str(video), "x") == {"kind": "video", "path": str(video), "name": "clip.mp4"}
    assert describe(video, "x")["kind"] == "video"             # a PathLike
    assert describe(str(image), "x") == {"kind": "image", "path": str(image), "name": image.name}
    assert describe(str(tmp_path / "many"), "x")["kind"] == "images"
    assert describe("synthetic", "x") == {"kind": "synthetic", "name": "synthetic"}
    assert describe(" Synthetic ", "x")["kind"] == "synthetic"


def test_relative_paths_are_made_absolute_on_the_host(tmp_path, monkeypatch):
    make_video(tmp_path / "clip.mkv", count=2, fmt="h264-mkv")
    monkeypatch.chdir(tmp_path)
    assert describe("clip.mkv", "x")["path"] == str(tmp_path / "clip.mkv")


def _bad_source(root, kind):
    if kind == "missing":
        return root / "missing.mp4"
    if kind == "empty folder":
        (root / "empty").mkdir()
        return root / "empty"
    if kind == "folder without images":
        (root / "notes").mkdir()
        (root / "notes" / "a.txt").write_text("x")
        return root / "notes"
    path = root / ("junk.mp4" if kind == "zeros" else "text.avi")
    path.write_bytes(b"\0" * 5000 if kind == "zeros" else b"not a video at all")
    return path


@pytest.mark.parametrize("kind, message", [
    ("missing", "no such file or folder '.*missing.mp4' — give a video file"),
    ("empty folder", "the folder '.*empty' holds no images"),
    ("folder without images", "the folder '.*notes' holds no images"),
    ("zeros", "cannot read '.*junk.mp4' as a video"),
    ("text", "cannot read '.*text.avi' as a video"),
])
def test_bad_sources_are_clear_errors_naming_socket_and_path(tmp_path, kind, message):
    path = _bad_source(tmp_path, kind)
    with pytest.raises(SourceError, match=message) as e:
        camera_options({"cameras": {"CAM_A": str(path)}}, {})
    assert str(e.value).startswith("CAM_A (Device(cameras=...)): ")


def test_a_missing_webcam_is_an_error(tmp_path):
    with pytest.raises(SourceError, match=r"no webcam 97 on this machine \(/dev/video97"):
        camera_options({"cameras": {"CAM_A": "webcam:97"}}, {})


def test_defaults_realtime_loops_and_offline_stops():
    assert camera_options({}, {}) == {"realtime": True, "camera_end": "loop", "cameras": {}}
    assert camera_options({"realtime": False}, {}) == {"realtime": False, "camera_end": "stop", "cameras": {}}
    assert camera_options({"realtime": False, "camera_end": "loop"}, {})["camera_end"] == "loop"
    assert camera_options({"camera_end": "STOP"}, {})["camera_end"] == "stop"


def test_environment_variables_select_sources_and_modes(tmp_path):
    video = tmp_path / "clip.mp4"
    make_video(video, count=2)
    write_images(tmp_path / "frames", count=2)
    env = {"OAKLING_CAMERA_rgb": str(video), "OAKLING_CAMERA_LEFT": str(tmp_path / "frames"),
           "OAKLING_CAMERA_CAM_C": "synthetic", "OAKLING_REALTIME": "0", "OAKLING_CAMERA_END": "loop",
           "OAKLING_CAMERA_CAM_D": "", "OTHER": "x"}
    options = camera_options({}, env)
    assert options["realtime"] is False and options["camera_end"] == "loop"
    assert {k: v["kind"] for k, v in options["cameras"].items()} == {"0": "video", "1": "images", "2": "synthetic"}


def test_device_options_win_over_the_environment(tmp_path):
    make_video(tmp_path / "a.mp4", count=2)
    make_video(tmp_path / "b.mp4", count=2)
    env = {"OAKLING_CAMERA_CAM_A": str(tmp_path / "a.mp4"), "OAKLING_REALTIME": "0", "OAKLING_CAMERA_END": "stop"}
    options = camera_options({"cameras": {"RGB": str(tmp_path / "b.mp4")}, "realtime": True,
                              "camera_end": "loop"}, env)
    assert options["cameras"]["0"]["name"] == "b.mp4"
    assert options["realtime"] is True and options["camera_end"] == "loop"


@pytest.mark.parametrize("options, env, message", [
    ({}, {"OAKLING_CAMERA_CAMA": "synthetic"}, "OAKLING_CAMERA_CAMA: unknown camera socket 'CAMA'"),
    ({}, {"OAKLING_CAMERA_CAM_A": "/nope/clip.mp4"}, r"CAM_A \(OAKLING_CAMERA_CAM_A\): no such file or folder '/nope/clip.mp4'"),
    ({}, {"OAKLING_REALTIME": "maybe"}, "OAKLING_REALTIME='maybe': expected 1 or 0"),
    ({}, {"OAKLING_CAMERA_END": "rewind"}, "OAKLING_CAMERA_END: camera_end must be 'loop' or 'stop'"),
    ({"camera_end": "rewind"}, {}, r"Device\(camera_end=...\): camera_end must be 'loop' or 'stop'"),
    ({"realtime": "no"}, {}, r"Device\(realtime=...\): expected True or False"),
    ({"cameras": ["clip.mp4"]}, {}, r"Device\(cameras=...\): expected a dict"),
    ({"cameras": {"CAM_A": "synthetic", "RGB": "synthetic"}}, {}, "both name CAM_A"),
    ({"cameras": {"CAM_A": 3}}, {}, "expected a source name, got 3"),
])
def test_bad_options_and_variables(options, env, message):
    with pytest.raises(SourceError, match=message):
        camera_options(options, env)


def test_folder_images_are_in_name_order_with_numbers_as_numbers(tmp_path):
    names = ["img10.png", "img2.jpg", "img1.png", "IMG3.bmp", "notes.txt", ".hidden.png"]
    (tmp_path / "notes.txt").write_text("x")
    write_images(tmp_path, names=[n for n in names if n != "notes.txt"])
    assert [p.rsplit("/", 1)[1] for p in list_images(str(tmp_path))] == ["img1.png", "img2.jpg", "IMG3.bmp", "img10.png"]


def test_device_raises_before_starting_anything(tmp_path, monkeypatch):
    p = dai.Pipeline()
    p.create(dai.node.ColorCamera)
    with pytest.raises(RuntimeError, match=r"CAM_A \(Device\(cameras=...\)\): no such file or folder '.*gone.mp4'"):
        dai.Device(p, cameras={"CAM_A": str(tmp_path / "gone.mp4")})
    monkeypatch.setenv("OAKLING_CAMERA_LEFT", str(tmp_path / "gone"))
    with pytest.raises(RuntimeError, match=r"CAM_B \(OAKLING_CAMERA_LEFT\): no such file or folder"):
        dai.Device(p)
