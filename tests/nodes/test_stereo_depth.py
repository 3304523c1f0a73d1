"""StereoDepth in a real device: two MonoCameras on the synthetic stereo scene, or frames from the host."""
import time

import numpy as np
import pytest

import oakling as dai
from oakling.calibration import oak_d
from calibrations import wider_calibration
from oakling.sources.stereo_scene import render, true_depth

LEFT, RIGHT = int(dai.CameraBoardSocket.CAM_B), int(dai.CameraBoardSocket.CAM_C)


def stereo_pipeline(outputs=("depth",), subpixel=True):
    p = dai.Pipeline()
    cams = []
    for socket in (dai.CameraBoardSocket.CAM_B, dai.CameraBoardSocket.CAM_C):
        cam = p.create(dai.node.MonoCamera)
        cam.setBoardSocket(socket)
        cam.setResolution(dai.MonoCameraProperties.SensorResolution.THE_400_P)
        cams.append(cam)
    stereo = p.create(dai.node.StereoDepth)
    stereo.setDefaultProfilePreset(dai.node.StereoDepth.PresetMode.HIGH_ACCURACY)
    stereo.setSubpixel(subpixel)
    cams[0].out.link(stereo.left)
    cams[1].out.link(stereo.right)
    for name in outputs:
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        getattr(stereo, name).link(xout.input)
    return p, stereo


def test_depth_of_the_synthetic_scene_is_within_2_percent_and_pairs_share_sequence_numbers():
    p, stereo = stereo_pipeline(("depth", "disparity", "syncedLeft", "syncedRight", "confidenceMap"))
    with dai.Device(p, realtime=False) as device:
        queues = {name: device.getOutputQueue(name) for name in
                  ("depth", "disparity", "syncedLeft", "syncedRight", "confidenceMap")}
        got = {name: [q.get(timeout=20) for _ in range(3)] for name, q in queues.items()}
    depth = got["depth"][-1]
    assert (depth.getType(), depth.getWidth(), depth.getHeight()) == (dai.ImgFrame.Type.RAW16, 640, 400)
    assert got["disparity"][-1].getType() == dai.ImgFrame.Type.RAW16 and got["disparity"][-1].getFrame().max() <= 760
    assert got["confidenceMap"][-1].getType() == dai.ImgFrame.Type.RAW8
    for k in range(3):
        seqs = {name: frames[k].getSequenceNum() for name, frames in got.items()}
        assert len(set(seqs.values())) == 1, seqs
    assert got["syncedLeft"][0].getInstanceNum() == LEFT and got["syncedRight"][0].getInstanceNum() == RIGHT
    values = depth.getFrame().astype(np.float32)
    truth = true_depth(RIGHT, 640, 400)
    valid = values > 0
    assert valid.mean() > 0.75
    assert (np.abs(values - truth)[valid] / truth[valid] < 0.02).mean() >= 0.95


def test_a_config_from_the_host_changes_the_depth_range_while_it_runs():
    p, stereo = stereo_pipeline()
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("config")
    xin.out.link(stereo.inputConfig)
    with dai.Device(p, realtime=False) as device:
        depth = device.getOutputQueue("depth", maxSize=2, blocking=False)
        assert depth.get(timeout=20).getFrame().max() > 2500   # the back wall, 3 m away
        config = dai.StereoDepthConfig()
        config.setSubpixel(True)
        raw = config.get()
        raw.postProcessing.thresholdFilter.maxRange = 1500
        config.set(raw)
        device.getInputQueue("config").send(config)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            frame = depth.get(timeout=20).getFrame()
            if frame.max() <= 1500:
                break
        assert 0 < frame.max() <= 1500 and (frame[frame > 0] < 1100).mean() > 0.9   # only the near board is left


def host_stereo(width=640, height=400):
    p = dai.Pipeline()
    stereo = p.create(dai.node.StereoDepth)
    stereo.setSubpixel(True)
    for side in ("left", "right"):
        xin = p.create(dai.node.XLinkIn)
        xin.setStreamName(side)
        xin.out.link(getattr(stereo, side))
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("disparity")
    stereo.disparity.link(xout.input)
    return p


def frame_of(picture, seq, instance):
    frame = dai.ImgFrame()
    frame.setType(dai.ImgFrame.Type.RAW8)
    frame.setWidth(picture.shape[1])
    frame.setHeight(picture.shape[0])
    frame.setData(picture.reshape(-1))
    frame.setSequenceNum(seq)
    frame.setInstanceNum(instance)
    return frame


def test_frames_from_the_host_are_paired_by_sequence_number_and_bad_pairs_are_reported():
    left, right = render(LEFT, 640, 400)[0], render(RIGHT, 640, 400)[0]
    lines = []
    with dai.Device(host_stereo()) as device:
        device.addLogCallback(lines.append)
        qleft, qright = device.getInputQueue("left"), device.getInputQueue("right")
        out = device.getOutputQueue("disparity")
        qleft.send(frame_of(left, 1, LEFT))       # its partner never comes: dropped
        qleft.send(frame_of(left, 2, LEFT))
        qright.send(frame_of(right, 2, RIGHT))
        first = out.get(timeout=20)
        qleft.send(frame_of(left[:200], 3, LEFT))
        qright.send(frame_of(right, 3, RIGHT))
        qleft.send(frame_of(left, 4, LEFT))
        qright.send(frame_of(right, 4, RIGHT))
        second = out.get(timeout=20)
    assert (first.getSequenceNum(), second.getSequenceNum()) == (2, 4)
    fx = oak_d().getCameraIntrinsics(dai.CameraBoardSocket.CAM_C, 640, 400)[0][0]
    truth = fx * 75 / true_depth(RIGHT, 640, 400) * 8
    found = first.getFrame().astype(np.float32)
    assert (np.abs(found - truth)[found > 0] < 8 * 0.25).mean() > 0.95
    errors = [m.payload for m in lines if m.level == dai.LogLevel.ERR]
    assert any("StereoDepth(0): left is 640x200 but right is 640x400 — give both cameras the same resolution "
               "(pair 3 dropped)" in e for e in errors), errors


def test_settings_are_serialized_as_gen2s_properties():
    p, stereo = stereo_pipeline()
    stereo.setExtendedDisparity(True)
    stereo.setMedianFilter(dai.MedianFilter.KERNEL_7x7)
    stereo.setDepthAlign(dai.CameraBoardSocket.CAM_A)
    stereo.setInputResolution(640, 400)
    stereo.setBaseline(7.5)
    assert stereo.getMaxDisparity() == 190 * 8
    node = next(n for _, n in p.serializeToJson()["pipeline"]["nodes"] if n["name"] == "StereoDepth")
    props = node["properties"]
    assert props["initialConfig"]["algorithmControl"]["enableExtended"] is True
    assert props["initialConfig"]["postProcessing"]["median"] == 7
    assert props["initialConfig"]["costMatching"]["confidenceThreshold"] == 200   # HIGH_ACCURACY
    assert (props["depthAlignCamera"], props["width"], props["height"], props["baseline"]) == (0, 640, 400, 7.5)
    io = {tuple(k): v for k, v in node["ioInfo"]}
    assert io[("", "left")]["blocking"] is False and io[("", "left")]["queueSize"] == 8
    assert io[("", "inputConfig")]["queueSize"] == 4
    with pytest.raises(ValueError, match=r"StereoDepth\(2\).setInputResolution: expected a positive integer"):
        stereo.setInputResolution(0, 400)


@pytest.mark.parametrize("given", ["device", "pipeline"])
def test_the_scene_and_the_depth_follow_the_calibration_given(given):
    """A stereo pair 12 cm apart: the cameras' pictures and the depth both use it, so depth stays right."""
    calib = wider_calibration(12.0)
    p, stereo = stereo_pipeline(("depth",))
    if given == "pipeline":
        p.setCalibrationData(calib)
        assert p.getCalibrationData() == calib
    with dai.Device(p, realtime=False, **({"calibration": calib} if given == "device" else {})) as device:
        values = device.getOutputQueue("depth").get(timeout=20).getFrame().astype(np.float32)
    truth = true_depth(RIGHT, 640, 400, calib)
    valid = values > 0
    assert valid.mean() > 0.75
    assert (np.abs(values - truth)[valid] / truth[valid] < 0.02).mean() >= 0.95


def board_box(depth, z):
    """(left, right, top, bottom) pixels of the board `z` millimetres away: the rows and columns
    where most of a line of it is (so a few stray pixels do not move an edge)."""
    mask = np.abs(depth.astype(np.float32) - z) < z * 0.02
    per_col, per_row = mask.sum(0), mask.sum(1)
    cols, rows = np.flatnonzero(per_col > per_col.max() / 2), np.flatnonzero(per_row > per_row.max() / 2)
    return np.array([cols.min(), cols.max(), rows.min(), rows.max()])


@pytest.mark.parametrize("output_size", [None, (640, 360)])
def test_depth_aligned_to_the_colour_camera_registers_with_what_it_sees(output_size):
    """setDepthAlign(CAM_A): depth on the colour camera's pixels, at its ISP size (1280x720 with
    setIspScale(2, 3)) unless setOutputSize says otherwise; each board where CAM_A sees it."""
    p, stereo = stereo_pipeline(("depth", "disparity"))
    rgb = p.create(dai.node.ColorCamera)
    rgb.setBoardSocket(dai.CameraBoardSocket.CAM_A)
    rgb.setResolution(dai.ColorCameraProperties.SensorResolution.THE_1080_P)
    rgb.setIspScale(2, 3)
    stereo.setDepthAlign(dai.CameraBoardSocket.CAM_A)
    if output_size:
        stereo.setOutputSize(*output_size)
    with dai.Device(p, realtime=False) as device:
        depth = device.getOutputQueue("depth").get(timeout=30)
        disparity = device.getOutputQueue("disparity").get(timeout=30)
    width, height = output_size or (1280, 720)
    assert (depth.getWidth(), depth.getHeight(), disparity.getWidth(), disparity.getHeight()) == (width, height) * 2
    assert depth.getInstanceNum() == int(dai.CameraBoardSocket.CAM_A)
    values = depth.getFrame().astype(np.float32)
    truth = true_depth(dai.CameraBoardSocket.CAM_A, width, height)
    valid = values > 0
    assert valid.mean() > 0.75
    assert (np.abs(values - truth)[valid] / truth[valid] < 0.02).mean() >= 0.95
    # the near and middle boards stand out from what is behind them by 7 and 12 px of disparity; the
    # far board by under 2, and the matcher's own edge of it (on the right camera) is 3 px off already
    for z in (1000, 1800):
        assert np.abs(board_box(values, z) - board_box(truth, z)).max() <= 2, z
    assert ((disparity.getFrame() > 0) == valid).mean() > 0.99   # the disparity moves with the depth


def test_center_alignment_puts_depth_half_way_between_the_cameras():
    p, stereo = stereo_pipeline(("depth",))
    stereo.setDepthAlign(dai.StereoDepthConfig.AlgorithmControl.DepthAlign.CENTER)
    with dai.Device(p, realtime=False) as device:
        values = device.getOutputQueue("depth").get(timeout=30).getFrame()
    right, left = board_box(true_depth(RIGHT, 640, 400), 1000), board_box(true_depth(LEFT, 640, 400), 1000)
    assert np.abs(board_box(values, 1000) - (right + left) / 2).max() <= 2


def test_spatial_and_temporal_filters_fill_holes_and_keep_the_depth_right():
    """gen2's depth_post_processing.py settings: the filtered depth has more pixels, as right as before."""
    counts = {}
    for enable in (False, True):
        p, stereo = stereo_pipeline(("depth",))
        raw = stereo.initialConfig.get()
        raw.postProcessing.temporalFilter.enable = enable
        raw.postProcessing.spatialFilter.enable = enable
        raw.postProcessing.spatialFilter.holeFillingRadius = 2
        stereo.initialConfig.set(raw)
        with dai.Device(p, realtime=False) as device:
            frames = [device.getOutputQueue("depth").get(timeout=30) for _ in range(3)]
        values = frames[-1].getFrame().astype(np.float32)
        truth = true_depth(RIGHT, 640, 400)
        valid = values > 0
        assert (np.abs(values - truth)[valid] / truth[valid] < 0.02).mean() >= 0.95
        counts[enable] = valid.sum()
    assert counts[True] > counts[False] * 1.01, counts


def test_a_rotated_distorted_pair_is_rectified_from_the_calibration():
    """Cameras turned up to 1.5° with barrel distortion: rectified, the depth is as right as ever;
    with setRectification(False), it is not."""
    from calibrations import skewed_calibration
    calib = skewed_calibration()
    truth = true_depth(RIGHT, 640, 400, calib, rectified=True)
    good = {}
    for rectify in (True, False):
        p, stereo = stereo_pipeline(("depth", "rectifiedRight"))
        stereo.setRectification(rectify)
        with dai.Device(p, realtime=False, calibration=calib) as device:
            values = device.getOutputQueue("depth").get(timeout=30).getFrame().astype(np.float32)
            rectified = device.getOutputQueue("rectifiedRight").get(timeout=30).getFrame()
        valid = values > 0
        good[rectify] = ((np.abs(values - truth) / np.maximum(truth, 1) < 0.02) & valid).mean()
        if rectify:
            assert (np.abs(values - truth)[valid] / truth[valid] < 0.02).mean() >= 0.95
            inner = (slice(30, 370), slice(40, 600))
            view = render(RIGHT, 640, 400, calib, rectified=True)[0]
            assert np.abs(rectified.astype(float) - view)[inner].mean() < 8
    assert good[True] > 0.7 and good[False] < good[True] - 0.2, good


def test_a_fisheye_pair_is_rectified_with_the_fisheye_model():
    """Cameras whose calibration names fisheye lenses: rectified with OpenCV's fisheye model, the
    depth is as right as with pinhole lenses."""
    from calibrations import fisheye_calibration
    calib = fisheye_calibration()
    truth = true_depth(RIGHT, 640, 400, calib, rectified=True)
    p, stereo = stereo_pipeline(("depth",))
    with dai.Device(p, realtime=False, calibration=calib) as device:
        values = device.getOutputQueue("depth").get(timeout=30).getFrame().astype(np.float32)
    valid = values > 0
    assert valid.mean() > 0.7
    assert (np.abs(values - truth)[valid] / truth[valid] < 0.02).mean() >= 0.95


def test_a_pair_with_the_centre_camera_takes_its_own_baseline(tmp_path):
    """An OAK-D-LR-style pair, CAM_B and CAM_A (half the CAM_B–CAM_C baseline): the depth uses the
    baseline between the sockets that feed the node, which the frames' instance numbers name."""
    import cv2
    from pipelines import stereo_pair
    calib = oak_d()
    k, width, height = calib.getDefaultIntrinsics(dai.CameraBoardSocket.CAM_B)
    calib.setCameraIntrinsics(dai.CameraBoardSocket.CAM_A, k, width, height)   # three like cameras
    assert abs(calib.getBaselineDistance(dai.CameraBoardSocket.CAM_A, dai.CameraBoardSocket.CAM_B) - 3.75) < 0.01
    sockets = (dai.CameraBoardSocket.CAM_B, dai.CameraBoardSocket.CAM_A)
    pictures = {socket.name: str(tmp_path / f"{socket.name}.png") for socket in sockets}
    for socket in sockets:
        cv2.imwrite(pictures[socket.name], render(socket, 640, 400, calib)[0])
    p = dai.Pipeline()
    stereo = stereo_pair(p, sockets)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("depth")
    stereo.depth.link(xout.input)
    with dai.Device(p, realtime=False, calibration=calib, cameras=pictures) as device:
        values = device.getOutputQueue("depth").get(timeout=30).getFrame().astype(np.float32)
    truth = true_depth(dai.CameraBoardSocket.CAM_A, 640, 400, calib)
    valid = values > 0
    assert valid.mean() > 0.5
    assert (np.abs(values - truth)[valid] / truth[valid] < 0.04).mean() >= 0.9   # half the disparity: coarser


def test_spatial_locations_on_depth_aligned_to_the_colour_camera_are_in_its_frame():
    """A region of the near board in CAM_A's pixels: the calculator takes CAM_A's intrinsics from the
    aligned depth's instance number, so X, Y and Z are the board's, seen from the colour camera."""
    from oakling.sources.stereo_scene import board_at
    near = board_at("near board")
    x0, x1, y0, y1 = -450, -200, -200, -50                       # mm, around the colour camera's axis
    (fx, _, cx), (_, fy, cy), _ = oak_d().getCameraIntrinsics(dai.CameraBoardSocket.CAM_A, 1280, 720)
    p, stereo = stereo_pipeline(())
    rgb = p.create(dai.node.ColorCamera)
    rgb.setIspScale(2, 3)
    stereo.setDepthAlign(dai.CameraBoardSocket.CAM_A)
    calc = p.create(dai.node.SpatialLocationCalculator)
    data = dai.SpatialLocationCalculatorConfigData()
    data.roi = dai.Rect(dai.Point2f(round(fx * x0 / near.z + cx), round(fy * y0 / near.z + cy)),
                        dai.Point2f(round(fx * x1 / near.z + cx), round(fy * y1 / near.z + cy)))
    calc.initialConfig.addROI(data)
    stereo.depth.link(calc.inputDepth)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("spatial")
    calc.out.link(xout.input)
    with dai.Device(p, realtime=False) as device:
        c = device.getOutputQueue("spatial").get(timeout=30).getSpatialLocations()[0].spatialCoordinates
    assert c.z == pytest.approx(near.z, rel=0.02)
    # 10 mm: the right camera's intrinsics in place of CAM_A's would put X 20 mm off
    assert c.x == pytest.approx((x0 + x1) / 2, abs=10)
    assert c.y == pytest.approx(-(y0 + y1) / 2, abs=10)


@pytest.mark.parametrize("make, size", [
    (lambda p: p.create(dai.node.Camera).setSize(1280, 720), [1280, 720]),
    (lambda p: p.create(dai.node.Camera), None),
])
def test_depth_aligned_to_a_unified_camera_takes_its_size(make, size):
    """gen2's rgb_depth_aligned.py makes a dai.node.Camera on CAM_A: the aligned depth is its size."""
    p, stereo = stereo_pipeline(("depth",))
    make(p)
    stereo.setDepthAlign(dai.CameraBoardSocket.CAM_A)
    node = dict(p.serializeToJson()["pipeline"]["nodes"])[stereo.id]
    assert node["properties"]["alignedCameraSize"] == size


def test_a_mesh_of_ones_own_rectifies_the_pair():
    """gen2's stereo_depth_custom_mesh.py way: meshes made from the calibration with OpenCV, given with
    loadMeshData, rectify a turned, distorted pair as well as the calibration does."""
    import cv2
    from calibrations import gen2_mesh, skewed_calibration
    calib = skewed_calibration()
    right_k = np.array(calib.getCameraIntrinsics(dai.CameraBoardSocket.CAM_C, 640, 400))
    meshes = []
    for socket, rotation in ((dai.CameraBoardSocket.CAM_B, calib.getStereoLeftRectificationRotation()),
                             (dai.CameraBoardSocket.CAM_C, calib.getStereoRightRectificationRotation())):
        maps = cv2.initUndistortRectifyMap(np.array(calib.getCameraIntrinsics(socket, 640, 400)),
                                           np.array(calib.getDistortionCoefficients(socket)), np.array(rotation),
                                           right_k, (640, 400), cv2.CV_32FC1)
        meshes.append(list(gen2_mesh(*maps)))
    ys, xs = np.mgrid[0:400, 0:640].astype(np.float32)
    as_is = gen2_mesh(xs, ys)                   # a mesh that leaves the pictures as they are
    truth = true_depth(RIGHT, 640, 400, calib, rectified=True)
    right = {}
    for name, left_mesh, right_mesh in (("calibration's", *meshes), ("as is", as_is, as_is)):
        p, stereo = stereo_pipeline(("depth",))
        stereo.loadMeshData(left_mesh, right_mesh)
        stereo.setMeshStep(16, 16)
        with dai.Device(p, realtime=False, calibration=calib) as device:
            values = device.getOutputQueue("depth").get(timeout=30).getFrame().astype(np.float32)
        valid = values > 0
        right[name] = ((np.abs(values - truth) / np.maximum(truth, 1) < 0.02) & valid).mean()
        if name == "calibration's":
            assert valid.mean() > 0.6
            assert (np.abs(values - truth)[valid] / truth[valid] < 0.02).mean() >= 0.95
    assert right["as is"] < right["calibration's"] - 0.2, right    # the mesh rectifies, not the calibration
    with pytest.raises(RuntimeError, match=r"loadMeshData: the left mesh must be float32 \(y, x\) pairs, got 3 bytes"):
        stereo.loadMeshData(b"abc", b"abcdefgh")


DEBUG = ("debugDispLrCheckIt1", "debugDispLrCheckIt2", "debugExtDispLrCheckIt1", "debugExtDispLrCheckIt2",
         "debugDispCostDump")


def true_disparity(socket, width=640, height=400):
    fx = oak_d().getCameraIntrinsics(socket, width, height)[0][0]
    return fx * 75.0 / true_depth(socket, width, height)


def test_debug_outputs_show_each_way_of_the_left_right_check_and_the_matching_costs():
    """Iteration 1 is matched on the reference (right) camera's pixels, iteration 2 on the left
    camera's, each alone (the check has not removed what they disagree on); the extended search's
    at half size; the cost dump holds 96 costs a pixel, least at the true disparity."""
    p, stereo = stereo_pipeline(("disparity",) + DEBUG, subpixel=False)
    stereo.setExtendedDisparity(True)
    with dai.Device(p, realtime=False) as device:
        got = {name: device.getOutputQueue(name).get(timeout=30) for name in ("disparity",) + DEBUG}
    assert len({f.getSequenceNum() for f in got.values()}) == 1
    for name, socket, scale in (("debugDispLrCheckIt1", RIGHT, 1), ("debugDispLrCheckIt2", LEFT, 1),
                                ("debugExtDispLrCheckIt1", RIGHT, 2), ("debugExtDispLrCheckIt2", LEFT, 2)):
        frame = got[name]
        assert (frame.getType(), frame.getWidth(), frame.getHeight()) == (dai.ImgFrame.Type.RAW8, 640 // scale, 400 // scale)
        assert frame.getInstanceNum() == socket, name
        found = frame.getFrame().astype(np.float32)
        truth = true_disparity(socket)[::scale, ::scale] / scale
        matched = found > 0
        assert matched.mean() > 0.6, name
        assert (np.abs(found - truth)[matched] <= 1).mean() > 0.9, name
    # the check drops what the two ways disagree on: the disparity output has no more than iteration 1
    assert (got["disparity"].getFrame() > 0).sum() < (got["debugDispLrCheckIt1"].getFrame() > 0).sum()
    dump = got["debugDispCostDump"]
    assert (dump.getWidth(), dump.getHeight(), dump.getInstanceNum()) == (640, 400, RIGHT)
    costs = np.asarray(dump.getData()).reshape(400, 640, 96)
    assert (costs[:, 640 - 10:, 10:] == 255).all()   # the right camera's x + d past the left picture's edge
    best = costs[:, :500].argmin(axis=2)
    assert (np.abs(best - true_disparity(RIGHT)[:, :500]) <= 1).mean() > 0.8


def test_debug_iterations_are_sent_only_with_the_check_or_extended_disparity_on():
    p, stereo = stereo_pipeline(("disparity",) + DEBUG[:4], subpixel=True)
    stereo.setLeftRightCheck(False)
    with dai.Device(p, realtime=False) as device:
        for _ in range(3):
            device.getOutputQueue("disparity").get(timeout=30)
        assert all(device.getOutputQueue(name).tryGet() is None for name in DEBUG[:4])
    p, stereo = stereo_pipeline(("disparity",) + DEBUG[:4], subpixel=True)
    with dai.Device(p, realtime=False) as device:
        for _ in range(3):
            device.getOutputQueue("disparity").get(timeout=30)
        it1 = device.getOutputQueue("debugDispLrCheckIt1").get(timeout=30)
        assert it1.getType() == dai.ImgFrame.Type.RAW16 and it1.getFrame().max() > 8 * 30   # 1/8 pixels
        assert all(device.getOutputQueue(name).tryGet() is None for name in DEBUG[2:4])
