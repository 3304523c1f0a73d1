"""The synthetic stereo scene: each camera's picture agrees with the scene's geometry."""
import numpy as np
import pytest

import oakling as dai
from oakling.calibration import oak_d
from oakling.sources import open_source
from oakling.sources.stereo_scene import SCENE, StereoSceneSource, board_at, render, true_depth

LEFT, RIGHT = int(dai.CameraBoardSocket.CAM_B), int(dai.CameraBoardSocket.CAM_C)


def test_every_pixel_has_the_depth_of_a_board_of_the_scene():
    depth = true_depth(RIGHT, 640, 400)
    assert set(np.unique(depth)) <= {b.z for b in SCENE}
    assert (depth > 0).all()
    assert {b.z for b in SCENE} <= set(np.unique(depth))   # every board is in view


@pytest.mark.parametrize("size", [(640, 400), (1280, 800)])
def test_a_board_seen_by_both_cameras_is_shifted_by_its_disparity(size):
    """A patch of the near board in the right picture is found in the left one f·B/z pixels to the right."""
    width, height = size
    calib = oak_d()
    fx = calib.getCameraIntrinsics(dai.CameraBoardSocket.CAM_C, width, height)[0][0]
    board = board_at("near board")
    shift = fx * calib.getBaselineDistance() * 10 / board.z
    right, _ = render(RIGHT, width, height)
    left, _ = render(LEFT, width, height)
    ys, xs = np.nonzero(true_depth(RIGHT, width, height) == board.z)
    y, x = int(ys.mean()), int(xs.mean())
    patch = right[y - 8:y + 8, x - 8:x + 8].astype(np.float32)
    errors = [np.abs(left[y - 8:y + 8, x + s - 8:x + s + 8].astype(np.float32) - patch).mean()
              for s in range(0, 100)]
    assert abs(int(np.argmin(errors)) - shift) <= 1


def test_pictures_are_cached_and_read_only():
    picture, depth = render(RIGHT, 640, 400)
    assert render(RIGHT, 640, 400)[0] is picture
    assert not picture.flags.writeable and not depth.flags.writeable
    assert picture.dtype == np.uint8 and depth.dtype == np.float32 and picture.std() > 20   # textured


def test_the_stereo_sockets_synthetic_source_is_the_scene_and_other_sockets_the_pattern():
    source = open_source(None, width=640, height=400, gray=True, socket=RIGHT)
    assert isinstance(source, StereoSceneSource) and source.static
    assert np.array_equal(source.read(), render(RIGHT, 640, 400)[0]) and source.frames == 1
    colour = StereoSceneSource(LEFT, 640, 400, gray=False).read()
    assert colour.shape == (400, 640, 3) and np.array_equal(colour[:, :, 0], render(LEFT, 640, 400)[0])
    assert not isinstance(open_source(None, width=640, height=400, gray=True, socket=0), StereoSceneSource)
