"""The synthetic camera: a pattern that scrolls and wraps, frames that are read-only views of one
published strip (no copy per frame), and the grey pattern for MonoCamera."""
import numpy as np
import pytest

from oakling.sources.synthetic import SyntheticSource, pattern


@pytest.fixture
def source():
    source = SyntheticSource(64, 40, rows_per_frame=3)
    yield source
    source.close()


def test_frames_scroll_down_by_their_rows_and_wrap_around(source):
    tile = pattern(64, 40)
    frames = [source.read().copy() for _ in range(15)]   # 45 rows: past one period
    for k, frame in enumerate(frames):
        np.testing.assert_array_equal(frame, np.roll(tile, -3 * k, axis=0))
    assert source.frames == 15


def test_frames_are_read_only_views_of_one_strip(source):
    a, b = source.read(), source.read()
    assert a.shape == (40, 64, 3) and a.dtype == np.uint8
    assert not a.flags.writeable and np.shares_memory(a, b)
    with pytest.raises(ValueError):
        a[0, 0] = 1


def test_read_at_gives_a_new_frame_whatever_the_time(source):
    first = source.read_at(0.0).copy()
    assert not np.array_equal(source.read_at(0.0), first) and source.frames == 2


def test_grey_frames_are_the_patterns_green_channel():
    source = SyntheticSource(32, 24, gray=True)
    try:
        frame = source.read()
        assert frame.shape == (24, 32)
        np.testing.assert_array_equal(frame, pattern(32, 24)[:, :, 1])
    finally:
        source.close()


def test_the_pattern_has_its_bars_ramp_and_grid():
    img = pattern(80, 64)
    assert img.shape == (64, 80, 3)
    assert img[1, 1].tolist() == [255, 255, 255] and img[1, 71].tolist() == [16, 16, 16]   # first and last bar
    assert (img[::8, :] == 128).all() and (img[:, ::8] == 128).all()
    assert img[63, 79, 0] > img[33, 1, 0]   # the ramp rises towards the bottom right
