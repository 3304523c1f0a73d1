"""VideoSource: every frame in order, real-time playback by the clock, looping, scaling, grey."""
import numpy as np
import pytest

from oakling.sources import SourceError, Yuv420
from oakling.sources.video import VideoSource
from media import FORMATS, as_bgr, decode_video, make_broken_video, make_video, mean_abs_diff, need_format


def same_frame(picture, decoded):
    """The source gave decoded frame `decoded` (BGR from PyAV): exactly, or as its planes."""
    return mean_abs_diff(as_bgr(picture), decoded) < 2


def _read_all(source, limit=1000):
    pictures = []
    while len(pictures) < limit and (picture := source.read()) is not None:
        pictures.append(picture)
    return pictures


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_frame_in_order_for_each_container_and_codec(tmp_path, fmt):
    path = tmp_path / f"clip.{need_format(fmt)}"
    encoded = make_video(path, count=12, fmt=fmt)
    source = VideoSource(str(path), name="clip")
    pictures = _read_all(source)
    source.close()
    assert len(pictures) == 12 == source.frames
    assert source.fps == 30.0 and (source.width, source.height) == (320, 180)
    planes = decode_video(path, fmt="yuv420p")
    for picture, expected, original, yuv in zip(pictures, decode_video(path), encoded, planes):
        assert picture.shape == (180, 320, 3)
        if fmt == "mjpeg-avi":    # full-range JPEG planes: converted by FFmpeg
            assert isinstance(picture, np.ndarray) and picture.dtype == np.uint8
            np.testing.assert_array_equal(picture, expected)
        else:                      # TV-range 4:2:0: the decoder's planes, converted later by the camera
            assert isinstance(picture, Yuv420)
            np.testing.assert_array_equal(np.concatenate([picture.y.reshape(-1), picture.u.reshape(-1),
                                                          picture.v.reshape(-1)]), yuv.reshape(-1))
            assert mean_abs_diff(picture.to_bgr(), expected) < 2
        assert mean_abs_diff(as_bgr(picture), original) < 4      # and close to what was encoded


def test_loop_starts_again_after_the_last_frame(tmp_path):
    make_video(tmp_path / "clip.mp4", count=5)
    decoded = decode_video(tmp_path / "clip.mp4")
    source = VideoSource(str(tmp_path / "clip.mp4"), loop=True)
    pictures = _read_all(source, limit=12)
    assert len(pictures) == 12 and source.frames == 12
    for k, picture in enumerate(pictures):
        assert same_frame(picture, decoded[k % 5])
        assert not same_frame(picture, decoded[(k + 1) % 5])


def test_real_time_shows_the_frame_due_at_each_moment(tmp_path):
    # A 60 fps video seen by a 30 fps camera: every other frame is skipped, keeping wall-clock time.
    make_video(tmp_path / "fast.mp4", count=12, fps=60)
    decoded = decode_video(tmp_path / "fast.mp4")
    source = VideoSource(str(tmp_path / "fast.mp4"))
    shown = [source.read_at(k / 30 + 0.001) for k in range(6)]
    for k, picture in enumerate(shown):
        assert [same_frame(picture, d) for d in decoded].index(True) == 2 * k
    assert source.frames in (11, 12)   # decoded up to the one after the last shown


def test_real_time_holds_a_frame_until_the_next_is_due_then_ends(tmp_path):
    # A 10 fps video seen by a 30 fps camera: each frame is on screen for three camera frames.
    make_video(tmp_path / "slow.mp4", count=3, fps=10)
    source = VideoSource(str(tmp_path / "slow.mp4"))
    shown = [source.read_at(k / 30 + 0.001) for k in range(9)]
    assert all(p is not None for p in shown)
    assert shown[0] is shown[1] is shown[2] and shown[3] is shown[5] and shown[6] is shown[8]
    assert shown[2] is not shown[3]
    assert source.read_at(0.31) is None   # the last frame has had its 100 ms


def test_real_time_loops_by_the_clock(tmp_path):
    make_video(tmp_path / "clip.mp4", count=4, fps=10)      # 0.4 s long
    decoded = decode_video(tmp_path / "clip.mp4")
    source = VideoSource(str(tmp_path / "clip.mp4"), loop=True)
    assert same_frame(source.read_at(0.05), decoded[0])
    assert same_frame(source.read_at(0.95), decoded[1])   # 0.95 s = 0.15 s into the third pass
    assert same_frame(source.read_at(1.21), decoded[0])


def test_first_frame_is_shown_even_if_the_camera_is_early(tmp_path):
    make_video(tmp_path / "clip.mp4", count=2)
    source = VideoSource(str(tmp_path / "clip.mp4"))
    assert source.read_at(0.0) is not None


def test_output_size_scales_during_conversion_where_ffmpeg_converts(tmp_path):
    make_video(tmp_path / "clip.avi", count=2, fmt="mjpeg-avi")
    source = VideoSource(str(tmp_path / "clip.avi"))
    source.set_output_size(160, 90)
    picture = source.read()
    assert picture.shape == (90, 160, 3)
    import cv2
    expected = cv2.resize(decode_video(tmp_path / "clip.avi")[0], (160, 90), interpolation=cv2.INTER_AREA)
    assert mean_abs_diff(picture, expected) < 3


@pytest.mark.parametrize("fmt", ["h264-mp4", "mjpeg-avi"])
def test_gray_frames_for_mono_cameras_are_the_luma_in_full_range(tmp_path, fmt):
    path = tmp_path / f"clip.{FORMATS[fmt][0]}"
    make_video(path, count=2, fmt=fmt)
    picture = VideoSource(str(path), gray=True).read()
    assert picture.shape == (180, 320) and picture.dtype == np.uint8
    np.testing.assert_allclose(picture, decode_video(path, fmt="gray")[0], atol=2)   # FFmpeg's own grey


def test_broken_data_is_a_source_error_naming_the_frame(tmp_path):
    path = tmp_path / "broken.mp4"
    make_broken_video(path)
    source = VideoSource(str(path), name="broken.mp4")
    with pytest.raises(SourceError, match=r"broken.mp4: cannot decode frame \d+: Invalid data"):
        _read_all(source)
