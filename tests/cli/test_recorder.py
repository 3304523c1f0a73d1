"""--record: frames saved per window as imshow displays them, PNG always, MP4 with PyAV."""
import cv2
import numpy as np
import pytest

from oakling.cli.recorder import Recorder, displayable, window_slug


@pytest.mark.parametrize("image, expected", [
    (np.full((2, 3, 3), 7, np.uint8), np.full((2, 3, 3), 7, np.uint8)),
    (np.full((2, 3, 1), 7, np.uint8), np.full((2, 3), 7, np.uint8)),
    (np.full((2, 3), 0x1234, np.uint16), np.full((2, 3), 0x12, np.uint8)),        # / 256
    (np.array([[0.0, 0.5, 2.0]], np.float32), np.array([[0, 127, 255]], np.uint8)),  # * 255, clipped
    (np.array([[True, False]]), np.array([[255, 0]], np.uint8)),
    (np.full((2, 2, 4), 9, np.uint8), np.full((2, 2, 4), 9, np.uint8)),
])
def test_frames_are_saved_as_imshow_displays_them(image, expected):
    shown = displayable(image)
    assert shown.dtype == np.uint8
    np.testing.assert_array_equal(shown, expected)
    assert not np.shares_memory(shown, image)     # the program may reuse its array


@pytest.mark.parametrize("shape", [(2, 3, 2), (2, 3, 5), (5,), (0, 3)])
def test_what_imshow_cannot_show_is_refused(shape):
    with pytest.raises(ValueError, match="expected an image of shape"):
        displayable(np.zeros(shape, np.uint8))


@pytest.mark.parametrize("name, slug", [("preview", "preview"), ("Depth map", "Depth_map"),
                                        ("a/b\\c", "a_b_c"), ("..", "window"), ("rgb.out", "rgb.out")])
def test_window_names_become_file_names(name, slug):
    assert window_slug(name) == slug


def test_png_per_window_numbered_from_zero_replacing_an_earlier_recording(tmp_path):
    old = tmp_path / "left"
    old.mkdir()
    (old / "000099.png").write_bytes(b"old")
    (old / "notes.txt").write_text("kept")
    recorder = Recorder(str(tmp_path), "png", max_frames=3)
    for i in range(5):
        recorder.add("left", np.full((4, 6), i, np.uint8))
        recorder.add("Left", np.zeros((8, 8, 3), np.uint8))
    lines = recorder.close()
    assert sorted(p.name for p in old.iterdir()) == ["000000.png", "000001.png", "000002.png", "notes.txt"]
    assert cv2.imread(str(old / "000002.png"), cv2.IMREAD_UNCHANGED).tolist() == [[2] * 6] * 4
    assert len(list((tmp_path / "Left").iterdir())) == 3
    assert lines == [f"recorded 3 frames of window 'left' to {old}/",
                     f"recorded 3 frames of window 'Left' to {tmp_path / 'Left'}/"]
    assert recorder.error is None


def test_windows_with_the_same_file_name_get_their_own(tmp_path):
    recorder = Recorder(str(tmp_path))
    recorder.add("a b", np.zeros((2, 2), np.uint8))
    recorder.add("a/b", np.zeros((2, 2), np.uint8))
    recorder.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_b", "a_b-2"]


def test_a_write_that_fails_is_reported_and_the_program_goes_on(tmp_path):
    (tmp_path / "taken").write_text("a file where the window's folder should be")
    recorder = Recorder(str(tmp_path))
    recorder.add("taken", np.zeros((2, 2), np.uint8))
    recorder.add("taken", np.zeros((2, 2), np.uint8))
    recorder.close()
    assert "recording window 'taken' failed" in recorder.error


def test_mp4_per_window_with_pyav(tmp_path):
    av = pytest.importorskip("av")
    recorder = Recorder(str(tmp_path), "mp4")
    for i in range(6):
        recorder.add("preview", np.full((241, 321, 3), i * 40, np.uint8))   # odd sizes are padded
    assert recorder.close() == [f"recorded 6 frames of window 'preview' to {tmp_path / 'preview.mp4'}"]
    with av.open(str(tmp_path / "preview.mp4")) as container:
        frames = list(container.decode(video=0))
    assert len(frames) == 6 and (frames[0].width, frames[0].height) == (322, 242)
