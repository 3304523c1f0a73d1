"""`--camera SOCKET=SOURCE` → `OAKLING_CAMERA_<socket>`: sockets, aliases, and what is refused."""
import pytest

from oakling.cli.cameras import CameraOptionError, camera_environment, canonical_socket, parse_camera
from oakling.nodes.camera_common import CameraBoardSocket


@pytest.mark.parametrize("name", ["CAM_A", "cam_b", "Cam_C", "CAM_D", "cam_e", "CAM_F", "CAM_G", "cam_h",
                                  "RGB", "rgb", "LEFT", "left", "RIGHT", "Right", "CENTER", "center"])
def test_every_gen2_socket_name_is_accepted_as_the_same_socket_gen2_means(name):
    socket = canonical_socket(name)
    assert CameraBoardSocket[socket] == CameraBoardSocket[name.upper()]
    assert socket.startswith("CAM_")


@pytest.mark.parametrize("name", ["CAM_I", "AUTO", "0", "", "rgb2", "CAM A"])
def test_other_socket_names_are_refused_naming_the_accepted_ones(name):
    with pytest.raises(CameraOptionError, match=r"unknown socket .*CAM_A, CAM_B.*RGB"):
        canonical_socket(name)


@pytest.mark.parametrize("value", ["CAM_A", "CAM_A=", "=clip.mp4", "clip.mp4"])
def test_a_value_without_socket_and_source_is_refused(value):
    with pytest.raises(CameraOptionError, match="expected SOCKET=SOURCE"):
        parse_camera(value)


def test_existing_paths_become_absolute_other_sources_stay_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "clip.mp4").write_bytes(b"")
    (tmp_path / "frames").mkdir()
    assert parse_camera("RGB=clip.mp4") == ("CAM_A", str(tmp_path / "clip.mp4"))
    assert parse_camera("left=frames") == ("CAM_B", str(tmp_path / "frames"))
    assert parse_camera("right=webcam:0") == ("CAM_C", "webcam:0")
    assert parse_camera("CAM_D=a=b.mp4") == ("CAM_D", "a=b.mp4")   # only the first '=' splits


def test_environment_has_one_variable_per_socket():
    env = camera_environment(["rgb=a.mp4", "CAM_B=b/", "right=webcam:1"])
    assert env == {"OAKLING_CAMERA_CAM_A": "a.mp4", "OAKLING_CAMERA_CAM_B": "b/", "OAKLING_CAMERA_CAM_C": "webcam:1"}
    with pytest.raises(CameraOptionError, match="CAM_A given twice"):
        camera_environment(["center=a.mp4", "RGB=b.mp4"])


def test_another_spelling_of_a_given_socket_in_the_environment_is_unset_for_the_run():
    environ = {"OAKLING_CAMERA_RGB": "old.mp4", "oakling_camera_center": "old/", "OAKLING_CAMERA_LEFT": "left/",
               "OAKLING_CAMERA_END": "stop", "OAKLING_CAMERA_CAM_A": "older.mp4"}
    assert camera_environment(["cam_a=new.mp4"], environ) == {
        "OAKLING_CAMERA_CAM_A": "new.mp4", "OAKLING_CAMERA_RGB": None, "oakling_camera_center": None}


def test_stereo_sets_one_variable_and_refuses_a_camera_for_either_half(tmp_path, monkeypatch):
    from oakling.cli.cameras import stereo_environment
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sbs.mp4").write_bytes(b"")
    assert stereo_environment("sbs.mp4", ["CAM_A=clip.mp4"]) == {"OAKLING_STEREO": str(tmp_path / "sbs.mp4")}
    assert stereo_environment(None, ["CAM_B=x"]) == {}
    for value in ("LEFT=left.mp4", "cam_c=right/"):
        with pytest.raises(CameraOptionError, match=r"--stereo feeds CAM_B and CAM_C.*give either --stereo"):
            stereo_environment("sbs.mp4", [value])
