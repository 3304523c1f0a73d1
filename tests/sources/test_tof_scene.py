"""The ToF sensor's view of the synthetic scene: phases that give back each pixel's distance, an
amplitude that falls with the square of it."""
import numpy as np
import pytest

from oakling.sources.stereo_scene import render
from oakling.sources.tof_scene import (AMPLITUDE_AT_1M, RANGES_MM, TURN, ToFSceneSource, intrinsics, measure,
                                       phases_of, ray_lengths)

CAM_A = 0


def test_the_ranges_are_those_of_100_and_80_mhz():
    assert RANGES_MM == pytest.approx((1498.96, 1873.70), abs=0.01)


@pytest.mark.parametrize("mm", [0.0, 500.0, 1498.0, 1800.0, 3000.0, 7000.0])
def test_each_phase_is_the_distance_modulo_its_range(mm):
    a, b = phases_of(np.array([mm], np.float32))
    for phase, r in zip((a, b), RANGES_MM):
        assert float(phase[0]) / TURN * r == pytest.approx(mm % r, abs=0.05)


def test_rays_are_longest_at_the_corners():
    k = intrinsics(CAM_A, 640, 480)
    rays = ray_lengths(k, 640, 480)
    cx, cy = int(round(k[0, 2])), int(round(k[1, 2]))
    assert rays[cy, cx] == pytest.approx(1.0, abs=1e-4)
    corner = np.hypot((0 - k[0, 2]) / k[0, 0], (0 - k[1, 2]) / k[1, 1])
    assert rays[0, 0] == pytest.approx(np.sqrt(1 + corner ** 2), rel=1e-6) and rays[0, 0] > 1.2


def test_measure_encodes_the_scene_seen_from_the_socket():
    planes = measure(CAM_A, 320, 240)
    assert planes.shape == (240, 320, 3) and planes.dtype == np.uint16 and not planes.flags.writeable
    picture, depth = render(CAM_A, 320, 240)
    distance = depth * ray_lengths(intrinsics(CAM_A, 320, 240), 320, 240)
    for plane, r in ((0, RANGES_MM[0]), (1, RANGES_MM[1])):
        off = np.abs(planes[..., plane].astype(np.float64) / TURN * r - distance % r)
        assert np.minimum(off, r - off).max() < 0.05            # the distance modulo the range, round the turn
    near = depth == 1000                                       # the near board: amplitude ∝ brightness / r²
    expected = picture[near] / 255 * AMPLITUDE_AT_1M / (distance[near] / 1000) ** 2
    assert np.abs(planes[..., 2][near] - expected).max() <= 0.5
    assert planes[..., 2][depth == 3000].mean() < planes[..., 2][near].mean() / 4


def test_the_source_shows_the_same_planes_forever():
    source = ToFSceneSource(CAM_A, 64, 48)
    first = source.read()
    assert source.read_at(10.0) is first and source.frames == 2 and source.static
    assert (source.width, source.height) == (64, 48)
