"""ImageSource, ImageFolderSource, SyntheticSource and (where there is one) WebcamSource."""
import glob

import cv2
import numpy as np
import pytest

from oakling.link import sharedmem
from oakling.sources import SourceError, open_source
from oakling.sources.images import ImageFolderSource, ImageSource
from oakling.sources.synthetic import SyntheticSource
from media import frame_pattern, write_images


def test_a_single_image_is_the_same_read_only_picture_forever(tmp_path):
    path = write_images(tmp_path, count=1)[0]
    source = ImageSource(str(path))
    pictures = [source.read() for _ in range(3)] + [source.read_at(100.0)]
    assert all(p is pictures[0] for p in pictures) and source.static
    assert not pictures[0].flags.writeable
    np.testing.assert_array_equal(pictures[0], frame_pattern(0, 160, 120))   # PNG: lossless
    assert source.frames == 4


def test_a_single_image_in_grey(tmp_path):
    path = write_images(tmp_path, count=1)[0]
    picture = ImageSource(str(path), gray=True).read()
    expected = cv2.cvtColor(frame_pattern(0, 160, 120), cv2.COLOR_BGR2GRAY)
    assert picture.shape == expected.shape
    assert np.abs(picture.astype(int) - expected).max() <= 1   # imread's own grey rounding


@pytest.mark.parametrize("loop, expected", [(False, [0, 1, 2, None]), (True, [0, 1, 2, 0, 1])])
def test_a_folder_plays_in_name_order_then_stops_or_loops(tmp_path, loop, expected):
    write_images(tmp_path, names=["b10.png", "b2.png", "b1.png"])   # written as frames 0, 1, 2
    order = {2: 0, 1: 1, 0: 2}                                       # b1, b2, b10
    source = ImageFolderSource(str(tmp_path), loop=loop)
    got = []
    for want in expected:
        picture = source.read()
        got.append(None if picture is None else
                   order[next(k for k in range(3) if np.array_equal(picture, frame_pattern(k, 160, 120)))])
    assert got == expected


def test_a_folder_image_that_cannot_be_read_is_a_source_error(tmp_path):
    (tmp_path / "a.png").write_bytes(b"not a png")
    source = ImageFolderSource(str(tmp_path), name="frames/")
    with pytest.raises(SourceError, match="frames/: cannot read '.*a.png' as an image"):
        source.read()


def test_synthetic_frames_are_views_of_published_memory_in_colour_and_grey():
    for gray, shape in ((False, (90, 160, 3)), (True, (90, 160))):
        source = SyntheticSource(160, 90, gray=gray)
        first, second = source.read(), source.read_at(1.0)
        assert first.shape == second.shape == shape
        assert not np.array_equal(first, second)                   # it scrolls
        assert sharedmem.find(first.reshape(-1)) is not None       # sent by reference, no copy
        source.close()


def test_open_source_defaults_to_the_synthetic_pattern():
    source = open_source(None, width=64, height=48, gray=True)
    assert isinstance(source, SyntheticSource) and source.read().shape == (48, 64)
    source.close()


@pytest.mark.skipif(not glob.glob("/dev/video*"), reason="no webcam on this machine")
def test_webcam_gives_frames():
    source = open_source({"kind": "webcam", "index": 0, "name": "webcam 0"}, width=640, height=480)
    try:
        picture = source.read()
        assert picture.ndim == 3 and picture.shape[2] == 3
    finally:
        source.close()


def test_a_webcam_that_cannot_be_opened_is_a_source_error():
    from oakling.sources.webcam import WebcamSource
    with pytest.raises(SourceError, match="webcam 97: OpenCV cannot open the webcam"):
        WebcamSource(97)
