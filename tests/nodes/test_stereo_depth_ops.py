"""StereoDepth's matching and filters on the synthetic scene, whose true depth is known."""
import numpy as np
import pytest

import oakling as dai
from oakling.calibration import oak_d
from oakling.nodes import stereo_depth_ops as ops
from oakling.sources.stereo_scene import render, true_depth

LEFT, RIGHT = int(dai.CameraBoardSocket.CAM_B), int(dai.CameraBoardSocket.CAM_C)
CALIB = oak_d()


def seen_by_both(width, height, reference=RIGHT):
    """The reference camera's pixels that the other camera sees too (inside its picture, not hidden)."""
    other = LEFT if reference == RIGHT else RIGHT
    fx = CALIB.getCameraIntrinsics(reference, width, height)[0][0]
    depth, other_depth = true_depth(reference, width, height), true_depth(other, width, height)
    shift = fx * CALIB.getBaselineDistance() * 10 / depth * (1 if reference == RIGHT else -1)
    xs = np.arange(width)[None, :] + np.rint(shift).astype(int)
    inside = (xs >= 0) & (xs < width)
    rows = np.arange(height)[:, None].repeat(width, 1)
    same = np.zeros_like(inside)
    same[inside] = other_depth[rows[inside], xs[inside]] == depth[inside]
    return same


def config(**settings):
    c = dai.StereoDepthConfig()
    for name, value in settings.items():
        getattr(c, name)(value)
    return c.get()


@pytest.mark.parametrize("size, align", [
    ((640, 400), "RECTIFIED_RIGHT"), ((1280, 800), "RECTIFIED_RIGHT"), ((640, 400), "RECTIFIED_LEFT"),
])
def test_subpixel_depth_is_within_2_percent_of_the_truth(size, align):
    width, height = size
    raw = config(setSubpixel=True, setMedianFilter=dai.MedianFilter.MEDIAN_OFF,
                 setDepthAlign=dai.StereoDepthProperties.DepthAlign.__members__[align])
    reference = LEFT if align == "RECTIFIED_LEFT" else RIGHT
    left, right = render(LEFT, width, height)[0], render(RIGHT, width, height)[0]
    found = ops.Matcher(raw).disparity(left, right)
    fx = CALIB.getCameraIntrinsics(reference, width, height)[0][0]
    depth = ops.depth_output(ops.filtered_disparity(ops.disparity_output(found, raw), raw), fx, 75.0, raw)
    truth = true_depth(reference, width, height)
    valid = depth > 0
    error = np.abs(depth - truth) / truth
    assert (error[valid] < 0.02).mean() >= 0.95
    assert valid[seen_by_both(width, height, reference)].mean() >= 0.85


@pytest.mark.parametrize("reference", [RIGHT, LEFT])
def test_the_refinement_in_two_halves_is_the_whole_pictures(reference):
    """refine() works on the top and bottom halves at once, each with the rows its edge depends on,
    and only on the columns that can have a match."""
    left, right = render(LEFT, 640, 400)[0], render(RIGHT, 640, 400)[0]
    matcher = ops.Matcher(config(setDepthAlign=dai.StereoDepthProperties.DepthAlign.RECTIFIED_LEFT
                                 if reference == LEFT else dai.StereoDepthProperties.DepthAlign.RECTIFIED_RIGHT))
    coarse = matcher.disparity(left, right)     # whole pixels: no refinement yet
    pictures, direction = ((left, right), -1.0) if reference == LEFT else ((right, left), 1.0)
    first, end = (95, 640) if reference == LEFT else (0, 545)   # 95 columns by the far edge have no match
    assert not coarse[:, :first].any() and not coarse[:, end:].any()
    whole = ops._refine(pictures[0][:, first:end], pictures[1], coarse[:, first:end], direction, first).copy()
    halves = ops.refine(*pictures, coarse.copy(), direction, (first, end))
    np.testing.assert_array_equal(halves[:, first:end], whole)
    assert not halves[:, :first].any() and not halves[:, end:].any()
    assert np.abs(halves - coarse).max() > 0.05   # refined


@pytest.mark.parametrize("shift", [60, 130, 180])
@pytest.mark.parametrize("align", ["RECTIFIED_RIGHT", "RECTIFIED_LEFT"])
def test_extended_disparity_finds_what_96_levels_cannot(shift, align):
    """A textured wall `shift` pixels of disparity away: extended disparity (96 levels on the pictures,
    96 on them at half size) finds it up to 190, to a tenth of a pixel with subpixel."""
    import cv2
    texture = cv2.GaussianBlur(np.random.default_rng(shift).integers(0, 256, (200, 700)).astype(np.uint8), (3, 3), 0)
    left, right = np.ascontiguousarray(texture[:, :480]), np.ascontiguousarray(texture[:, shift:480 + shift])
    if align == "RECTIFIED_LEFT":   # the same wall seen with the roles swapped: the left camera's pixels
        left, right = np.ascontiguousarray(right[:, ::-1]), np.ascontiguousarray(left[:, ::-1])
    depth_align = dai.StereoDepthProperties.DepthAlign.__members__[align]
    found = ops.Matcher(config(setSubpixel=True, setExtendedDisparity=True, setDepthAlign=depth_align)).disparity(left, right)
    matched = found[found > 0]
    assert matched.size > 0.25 * found.size
    assert (np.abs(matched - shift) < 0.1).mean() > 0.95
    plain = ops.Matcher(config(setSubpixel=True, setDepthAlign=depth_align)).disparity(left, right)
    assert (np.abs(plain - shift) < 0.5).mean() < (0.01 if shift > 95 else 1.0)


def test_a_disparity_shift_gives_the_depth_of_what_is_nearer_than_the_unshifted_range():
    """The device 70 cm nearer the near board, which then fills the view 30 cm away: 110 px of
    disparity, past the 95 of the unshifted range (whose nearest depth is 35 cm here). Shifted by
    48 (gen2's example: the search covers 48..143), the depth is right; the disparity output counts
    from the shift, and depth is made from it with the shift added back."""
    from oakling.sources.stereo_scene import render_pose
    centre = (-325.0, -25.0, 700.0)
    left, _ = render_pose(LEFT, 640, 400, np.eye(3), centre)
    right, truth = render_pose(RIGHT, 640, 400, np.eye(3), centre)
    fx = CALIB.getCameraIntrinsics(RIGHT, 640, 400)[0][0]
    board = truth == 300
    assert board.mean() > 0.9 and fx * 75 / 95 > 340
    depths = {}
    for shift in (0, 48):
        raw = config(setSubpixel=True, setDisparityShift=shift)
        out = ops.disparity_output(ops.Matcher(raw).disparity(left, right), raw)
        assert out.max() <= 95 * 8
        depths[shift] = ops.DepthTable()(out, fx, 75.0, raw).astype(np.float32)
    right_depth = {shift: np.abs(d - truth) < 0.02 * truth for shift, d in depths.items()}
    shifted = depths[48] > 0
    assert (right_depth[48] & board).sum() > 0.85 * (board & seen_by_both_at(truth, fx)).sum()
    assert right_depth[48][shifted].mean() > 0.95
    assert right_depth[0][board].mean() < 0.01                # the unshifted search cannot reach it


def seen_by_both_at(depth, fx):
    """The right camera's pixels whose match in the left picture lies inside it."""
    return np.arange(depth.shape[1])[None, :] + fx * 75 / depth < depth.shape[1]


def test_disparity_output_types_follow_subpixel():
    found = np.array([[0, 1.26, 94.9]], np.float32)
    assert ops.disparity_output(found, config(setMedianFilter=0)).tolist() == [[0, 1, 95]]
    assert ops.disparity_output(found, config(setMedianFilter=0)).dtype == np.uint8
    sub = ops.disparity_output(found, config(setMedianFilter=0, setSubpixel=True))
    assert sub.dtype == np.uint16 and sub.tolist() == [[0, 10, 759]]   # 3 fractional bits
    shifted = config(setMedianFilter=0, setDisparityShift=30)
    out = ops.disparity_output(np.array([[0, 31.2, 124.9]], np.float32), shifted)
    assert out.tolist() == [[0, 1, 95]]                        # counted from the shift; no match stays 0
    assert ops.filtered_disparity(out, shifted).tolist() == [[0, 31, 125]]


def test_depth_units_and_the_threshold_filter():
    disparity = np.array([[0, 10.0, 30.0, 100.0]], np.float32)
    raw = config()
    assert ops.depth_output(disparity, 400, 75, raw).tolist() == [[0, 3000, 1000, 300]]
    raw.postProcessing.thresholdFilter.minRange, raw.postProcessing.thresholdFilter.maxRange = 500, 2000
    assert ops.depth_output(disparity, 400, 75, raw).tolist() == [[0, 0, 1000, 0]]
    raw = config(setDepthUnit=dai.RawStereoDepthConfig.AlgorithmControl.DepthUnit.CENTIMETER)
    assert ops.depth_output(disparity, 400, 75, raw).tolist() == [[0, 300, 100, 30]]


def test_the_confidence_threshold_sets_how_unique_a_match_must_be():
    assert ops.uniqueness(255) == 0 and ops.uniqueness(245) == 1 and ops.uniqueness(0) == 15
    left, right = render(LEFT, 640, 400)[0], render(RIGHT, 640, 400)[0]
    lenient = (ops.Matcher(config(setConfidenceThreshold=245)).disparity(left, right) > 0).mean()
    strict = (ops.Matcher(config(setConfidenceThreshold=0)).disparity(left, right) > 0).mean()
    assert strict < lenient


@pytest.mark.parametrize("mode, expected", [
    (0, [[1, 3], [9, 11]]),        # pixel skipping: the top-left of each block
    (1, [[2, 0], [10, 12]]),       # median of the non-zero values (0 where all are 0)
    (2, [[2, 0], [10, 12]]),       # mean of the non-zero values
])
def test_decimation(mode, expected):
    values = np.array([[1, 0, 3, 0], [0, 3, 0, 0], [9, 10, 11, 12], [10, 11, 12, 13]], np.uint16)
    values[0, 2] = 0
    raw = config()
    raw.postProcessing.decimationFilter.decimationFactor = 2
    raw.postProcessing.decimationFilter.decimationMode = mode
    out = ops.decimate(values, raw)
    if mode == 0:
        expected = [[1, 0], [9, 11]]
    assert out.tolist() == expected and out.dtype == np.uint16


def test_the_speckle_filter_removes_small_blobs():
    disparity = np.full((40, 40), 20, np.uint8)
    disparity[10:12, 10:12] = 60   # a 4-pixel speckle
    raw = config()
    assert (ops.speckle(disparity, raw) == disparity).all()   # off by default
    raw.postProcessing.speckleFilter.enable, raw.postProcessing.speckleFilter.speckleRange = True, 10
    cleaned = ops.speckle(disparity, raw)
    assert (cleaned[10:12, 10:12] == 0).all() and (cleaned[20:, 20:] == 20).all()


def test_the_median_filter_sizes():
    noisy = np.full((20, 20), 50, np.uint16)
    noisy[5, 5] = 900
    for size in (3, 5, 7):
        assert ops.median(noisy, size)[5, 5] == 50
    assert ops.median(noisy, 0)[5, 5] == 900


def test_confidence_is_best_where_the_match_is_right():
    left, right = render(LEFT, 640, 400)[0], render(RIGHT, 640, 400)[0]
    truth = CALIB.getCameraIntrinsics(RIGHT, 640, 400)[0][0] * 75.0 / true_depth(RIGHT, 640, 400)
    right_match = ops.confidence(right, left, truth.astype(np.float32), False)
    wrong_match = ops.confidence(right, left, (truth + 3).astype(np.float32), False)
    both = seen_by_both(640, 400)
    assert np.median(right_match[both]) < np.median(wrong_match[both])
    assert ops.confidence(right, left, np.zeros_like(truth, np.float32), False).min() == 255


CAM_A = int(dai.CameraBoardSocket.CAM_A)


def board_box(depth, z):
    """(left, right, top, bottom) pixels of the board `z` millimetres away in a depth map."""
    ys, xs = np.nonzero(np.abs(depth - z) < z * 0.01)
    return np.array([xs.min(), xs.max(), ys.min(), ys.max()])


def rgb_alignment(size=(1280, 720), calib=CALIB):
    k_ref = calib.getCameraIntrinsics(RIGHT, 640, 400)
    k_rgb = calib.getCameraIntrinsics(CAM_A, *size)
    extrinsics = np.array(calib.getCameraExtrinsics(RIGHT, CAM_A, True))
    return ops.Alignment(k_ref, k_rgb, extrinsics[:3, :3], extrinsics[:3, 3] * 10, (400, 640), size[::-1])


@pytest.mark.parametrize("size", [(1280, 720), (640, 360), (1920, 1080)])
def test_depth_moved_into_the_colour_camera_matches_what_it_sees_within_2_pixels(size):
    """The right camera's true depth re-projected into CAM_A lands where the scene, rendered for
    CAM_A, has those boards: every board's edges within 2 px, the depth within 1 %."""
    aligned = rgb_alignment(size).splat(true_depth(RIGHT, 640, 400)).depth()
    truth = true_depth(CAM_A, *size)
    assert aligned.shape == truth.shape == size[::-1]
    valid = aligned > 0
    assert valid.mean() > 0.97                                # upscaled without gaps; only the occluded are left
    assert (np.abs(aligned - truth)[valid] / truth[valid] < 0.01).mean() > 0.99
    for z in (1000, 1800, 2600):
        assert np.abs(board_box(aligned, z) - board_box(truth, z)).max() <= 2, z


def test_alignment_carries_other_maps_along_and_leaves_unseen_pixels_empty():
    depth = true_depth(RIGHT, 640, 400).copy()
    depth[:, :320] = 0                                         # nothing known on the left half
    splat = rgb_alignment((640, 360)).splat(depth)
    marks = np.arange(640, dtype=np.uint16)[None, :].repeat(400, 0)   # each pixel's column
    carried = splat.carry(marks, fill=7)
    landed = splat.depth() > 0
    assert (carried[~landed] == 7).all() and landed.mean() > 0.3
    assert carried[landed].min() >= 320                        # only what had depth moved
    row = carried[180][landed[180]].astype(int)
    assert (np.diff(row) >= -40).mean() > 0.95                 # columns keep their order (but at board edges)


def test_center_alignment_is_half_way_between_the_cameras():
    fx = CALIB.getCameraIntrinsics(RIGHT, 640, 400)[0][0]
    k = CALIB.getCameraIntrinsics(RIGHT, 640, 400)
    aligned = ops.Alignment(k, k, np.eye(3), (37.5, 0, 0), (400, 640), (400, 640)).splat(
        true_depth(RIGHT, 640, 400)).depth()
    right, left = board_box(true_depth(RIGHT, 640, 400), 1000), board_box(true_depth(LEFT, 640, 400), 1000)
    expected = (right + left) / 2
    assert np.abs(board_box(aligned, 1000) - expected).max() <= 1.5
    assert abs((left - right)[0] - fx * 75 / 1000) < 1.5       # the pair's disparity at 1 m, for scale


def filters(subpixel=False, **rules):
    """A config with the spatial and temporal filters set: spatial={...}, temporal={...}."""
    raw = config(setSubpixel=subpixel)
    for name, fields in rules.items():
        rule = getattr(raw.postProcessing, f"{name}Filter")
        rule.enable = True
        for key, value in fields.items():
            setattr(rule, key, value)
    return raw


def noisy_steps(seed=0, shape=(60, 80)):
    """Disparity in 1/8 pixels: a left half at 20 px, a right half at 40 px, noise of ±1 px."""
    rng = np.random.default_rng(seed)
    clean = np.where(np.arange(shape[1])[None, :] < shape[1] // 2, 160, 320).astype(np.float32)
    clean = np.broadcast_to(clean, shape)
    return clean, np.rint(clean + rng.uniform(-8, 8, shape)).astype(np.uint16)


def test_spatial_filter_smooths_surfaces_but_not_across_their_edges():
    clean, noisy = noisy_steps()
    out = ops.spatial(noisy, filters(True, spatial=dict(alpha=0.5, delta=0, holeFillingRadius=0)))
    error_before, error_after = np.abs(noisy - clean).mean(), np.abs(out.astype(np.float32) - clean).mean()
    assert error_after < error_before * 0.6                     # noise of a surface smoothed away
    assert (out[:, 39] < 200).all() and (out[:, 40] > 280).all()   # a 20 px step (> delta 24 = 3 px) stays sharp
    assert out.dtype == np.uint16 and out.shape == noisy.shape
    same = ops.spatial(noisy, filters(True, spatial=dict(alpha=1.0)))
    assert (same == noisy).all()                                 # alpha 1: no filter
    off = ops.spatial(noisy, config(setSubpixel=True))
    assert off is noisy


def test_spatial_filter_with_a_large_delta_blends_across_edges():
    clean, noisy = noisy_steps()
    out = ops.spatial(noisy, filters(True, spatial=dict(alpha=0.5, delta=400, holeFillingRadius=0)))
    assert 200 < out[:, 40].mean() < 280                         # the step is smeared


@pytest.mark.parametrize("radius, hole, filled", [(2, 4, True), (2, 5, False), (3, 6, True), (0, 1, False)])
def test_spatial_filter_fills_holes_up_to_twice_the_radius_along_rows(radius, hole, filled):
    values = np.full((10, 40), 100, np.uint8)
    values[:, 10:10 + hole] = 0
    out = ops.spatial(values, filters(spatial=dict(alpha=0.5, holeFillingRadius=radius)))
    assert (out[:, 10:10 + hole] > 0).all() == filled
    if not filled and radius:
        assert (out[:, 10:10 + radius] == 100).all() and (out[:, 10 + radius:10 + hole - radius] == 0).all()


@pytest.mark.parametrize("dtype, iterations, alpha, delta, radius", [
    (np.uint16, 1, 0.5, 24.0, 1), (np.uint8, 2, 0.37, 3.0, 0), (np.uint16, 3, 0.9, 400.0, 2), (np.uint8, 1, 0.5, 3.0, 3),
])
def test_the_spatial_filters_opencl_passes_give_numpys_values(dtype, iterations, alpha, delta, radius):
    kernel = ops.EdgePreserving.shared()
    if kernel is None:
        pytest.skip("no OpenCL CPU device (PyOpenCL and PoCL): the filter runs in NumPy")
    rng = np.random.default_rng(iterations)
    values = rng.integers(0, 250, (123, 157)).astype(dtype)
    values[rng.random(values.shape) < 0.15] = 0          # holes, some of them wider than the radius
    values[40:45, 60:70] = 0
    expected = ops.spatial_numpy(values, iterations, alpha, delta, radius)
    got = np.rint(kernel(np.ascontiguousarray(values, np.float32), iterations, alpha, delta, radius)).astype(dtype)
    np.testing.assert_array_equal(got, expected)
    raw = filters(dtype == np.uint16, spatial=dict(alpha=alpha, delta=int(delta), holeFillingRadius=radius,
                                                   numIterations=iterations))
    through_spatial = ops.spatial(values, raw)
    assert through_spatial.dtype == dtype
    np.testing.assert_array_equal(through_spatial, ops.spatial_numpy(values, iterations, alpha, ops._delta(int(delta), raw),
                                                                     radius))


def test_temporal_filter_averages_over_frames_and_starts_afresh_at_a_step():
    temporal = ops.Temporal()
    raw = filters(True, temporal=dict(alpha=0.2, delta=0))
    clean, _ = noisy_steps()
    outs = [temporal.apply(noisy_steps(seed)[1], raw) for seed in range(12)]
    assert np.abs(outs[-1] - clean).mean() < np.abs(noisy_steps(11)[1] - clean).mean() * 0.6
    moved = (clean + 80).astype(np.uint16)                       # everything 10 px nearer: more than delta
    assert (temporal.apply(moved, raw) == moved).all()


@pytest.mark.parametrize("mode, seen, kept", [
    ("VALID_2_IN_LAST_4", [1, 1, 0, 0], True),
    ("VALID_2_IN_LAST_4", [1, 0, 0, 0], False),
    ("VALID_2_IN_LAST_4", [1, 1, 0, 0, 0, 0], False),            # the two with values are 5 and 6 frames back
    ("VALID_1_IN_LAST_2", [1, 0], True),
    ("VALID_1_IN_LAST_2", [1, 0, 0], False),
    ("VALID_8_OUT_OF_8", [1] * 8, True),
    ("VALID_8_OUT_OF_8", [1] * 7 + [0] + [1], False),
    ("PERSISTENCY_INDEFINITELY", [1] + [0] * 20, True),
    ("PERSISTENCY_OFF", [1, 1, 1], False),
])
def test_temporal_persistency_keeps_a_lost_pixel_only_if_it_was_seen_often_enough(mode, seen, kept):
    temporal = ops.Temporal()
    raw = filters(temporal=dict(persistencyMode=getattr(dai.StereoDepthConfig.PostProcessing.TemporalFilter
                                                         .PersistencyMode, mode)))
    for had in seen:
        out = temporal.apply(np.full((4, 4), 50 if had else 0, np.uint8), raw)
    out = temporal.apply(np.zeros((4, 4), np.uint8), raw)        # lost now
    assert (out == 50).all() if kept else (out == 0).all()


@pytest.mark.parametrize("lens", ["pinhole", "fisheye"])
def test_rectification_turns_a_rotated_distorted_camera_back_into_its_rectified_view(lens):
    from calibrations import fisheye_calibration, skewed_calibration
    from oakling.sources.stereo_scene import raw_view
    calib = fisheye_calibration() if lens == "fisheye" else skewed_calibration()
    for socket in (LEFT, RIGHT):
        seen, rectified_view = render(socket, 640, 400, calib)[0], render(socket, 640, 400, calib, rectified=True)[0]
        inner = (slice(30, 370), slice(40, 600))
        before = np.abs(seen.astype(float) - rectified_view)[inner].mean()
        view = raw_view(socket, 640, 400, calib)
        assert view.fisheye == (lens == "fisheye")
        after = np.abs(ops.Rectification(*view[:4], (400, 640), fisheye=view.fisheye)(seen).astype(float)
                       - rectified_view)[inner].mean()
        assert after < 8 and after < before / 3, (socket, before, after)
        if view.fisheye:   # the pinhole model does not undo a fisheye lens
            wrong = np.abs(ops.Rectification(*view[:4], (400, 640))(seen).astype(float) - rectified_view)[inner].mean()
            assert wrong > after * 2, (socket, wrong, after)
    assert raw_view(RIGHT, 640, 400, CALIB) is None                 # the default calibration needs none


def test_brightness_filter_drops_disparity_where_the_reference_is_too_dark_or_too_bright():
    reference = np.arange(256, dtype=np.uint8).reshape(16, 16)
    disparity = np.full((16, 16), 40, np.uint8)
    raw = config()
    assert ops.brightness(disparity, reference, raw) is disparity            # 0..256: every pixel kept
    raw.postProcessing.brightnessFilter.minBrightness = 20
    raw.postProcessing.brightnessFilter.maxBrightness = 200
    out = ops.brightness(disparity, reference, raw)
    assert ((out > 0) == ((reference >= 20) & (reference <= 200))).all()


def test_a_mesh_in_gen2s_layout_gives_back_the_maps_it_was_made_from():
    from calibrations import gen2_mesh
    ys, xs = np.mgrid[0:400, 0:640].astype(np.float32)
    map_x = xs + 3 * np.sin(ys / 90) + 0.01 * xs        # smooth, as a lens's maps are
    map_y = ys + 2 * np.cos(xs / 120)
    x, y = ops.mesh_maps(gen2_mesh(map_x, map_y), (400, 640), 16, 16)
    inner = (slice(0, 384), slice(0, 624))                # inside the last cell the edge point is a pixel off
    assert np.abs(x - map_x)[inner].max() < 0.05 and np.abs(y - map_y)[inner].max() < 0.05
    with pytest.raises(ValueError, match=r"has 2 points, not 26 rows of at least 41 for 640x400 with a 16x16 step"):
        ops.mesh_maps(np.zeros(4, np.float32).tobytes(), (400, 640), 16, 16)
