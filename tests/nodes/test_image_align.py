"""ImageAlign: frames and depth maps seen from another camera by the calibration — gen2's ports and
properties, the geometry against figures worked out by hand, and a device aligning one mono camera
to the other."""
import math

import numpy as np
import pytest

import oakling as dai
from oakling.calibration import oak_d
from oakling.nodes.image_align import AlignError, align, intrinsics
from oakling.testing import NodeHarness

T = dai.ImgFrame.Type
TIMEOUT = 10.0
LEFT, RIGHT, RGB = 1, 2, 0
BASELINE_MM = 75.0
MONO_FX = 640 / math.tan(math.radians(71.86) / 2)     # the default calibration's mono focal length, pixels


def grey(width, height, socket, column=None, seq=0):
    img = np.zeros((height, width), np.uint8)
    if column is not None:
        img[:, column] = 255
    return dai.ImgFrame().setCvFrame(img, T.GRAY8).setInstanceNum(socket).setSequenceNum(seq)


def depth_frame(depth, socket):
    f = dai.ImgFrame()
    f.setType(T.RAW16)
    f.setSize(depth.shape[1], depth.shape[0])
    f.setFrame(depth.astype(np.uint16))
    return f.setInstanceNum(socket)


def test_ports_properties_and_schema_are_gen2s():
    p = dai.Pipeline()
    node = p.create(dai.node.ImageAlign)
    assert node.getName() == "ImageAlign"
    settings = {name: (i.getBlocking(), i.getQueueSize(), i.getWaitForMessage()) for name, i in
                (("input", node.input), ("inputAlignTo", node.inputAlignTo), ("inputConfig", node.inputConfig))}
    assert settings == {"input": (False, 4, True), "inputAlignTo": (False, 1, True), "inputConfig": (False, 4, False)}
    assert {o.name for o in node.getOutputs()} == {"outputAligned", "passthroughInput"}
    props = p.serializeToJson()["pipeline"]["nodes"][0][1]["properties"]
    assert props == {"initialConfig": {"staticDepthPlane": 0}, "numFramesPool": 4, "alignWidth": 0, "alignHeight": 0,
                     "warpHwIds": [], "interpolation": -1, "outKeepAspectRatio": True, "numShaves": 2}
    raw = node.initialConfig.get()
    raw.staticDepthPlane = 1200
    node.initialConfig.set(raw)
    assert node.setOutputSize(640, 400).setOutKeepAspectRatio(False).setNumShaves(1).setNumFramesPool(2) is node
    node.setInterpolation(dai.Interpolation.BILINEAR)
    props = p.serializeToJson()["pipeline"]["nodes"][0][1]["properties"]
    assert props == {"initialConfig": {"staticDepthPlane": 1200}, "numFramesPool": 2, "alignWidth": 640,
                     "alignHeight": 400, "warpHwIds": [], "interpolation": 0, "outKeepAspectRatio": False,
                     "numShaves": 1}
    with pytest.raises(TypeError, match=r"ImageAlign\(0\).setOutKeepAspectRatio"):
        node.setOutKeepAspectRatio("yes")


def test_intrinsics_cover_and_centre_the_frame():
    calib = oak_d()
    full = intrinsics(calib, LEFT, 1280, 800)
    assert full[0, 0] == pytest.approx(MONO_FX) and (full[0, 2], full[1, 2]) == (640, 400)
    cropped = intrinsics(calib, LEFT, 1280, 720)              # 720P: the middle 720 rows
    assert cropped[0, 0] == pytest.approx(MONO_FX) and (cropped[0, 2], cropped[1, 2]) == (640, 360)
    half = intrinsics(calib, LEFT, 640, 400)
    assert half[0, 0] == pytest.approx(MONO_FX / 2) and (half[0, 2], half[1, 2]) == (320, 200)
    four_three = intrinsics(calib, RGB, 640, 480)            # a 4:3 frame of the 16:9 colour sensor: its
    assert np.allclose(four_three, calib.getCameraIntrinsics(RGB, 640, 480))   # whole width, rows above and below
    assert four_three[0, 2] == 320 and four_three[1, 2] == 240 and four_three[0, 0] == pytest.approx(
        intrinsics(calib, RGB, 1920, 1080)[0, 0] / 3)


def test_a_tof_sensors_depth_lands_on_the_depth_the_other_camera_sees():
    """The ToF sensor on CAM_A (640x480) measures the scene with the calibration's intrinsics at that
    size; aligned to the right camera, its depth is what that camera sees, to the millimetre."""
    from oakling.sources.stereo_scene import true_depth
    tof = true_depth(RGB, 640, 480).astype(np.uint16)        # what the ToF node decodes of the scene
    out = align(depth_frame(tof, RGB), RIGHT, 640, 400, 0, -1).getFrame().astype(np.float64)
    seen = out > 0
    assert seen.mean() > 0.9                                   # all but what CAM_A does not see, and edges' shadows
    assert (np.abs(out - true_depth(RIGHT, 640, 400))[seen] <= 5).mean() > 0.995


@pytest.mark.parametrize("plane_mm", [1000, 2500])
def test_a_plane_at_a_distance_shifts_by_the_disparity(plane_mm):
    out = align(grey(1280, 800, LEFT, column=700), RIGHT, 1280, 800, plane_mm,
                int(dai.Interpolation.NEAREST_NEIGHBOR))
    disparity = MONO_FX * BASELINE_MM / plane_mm
    assert (out.getInstanceNum(), out.getWidth(), out.getHeight(), out.getType()) == (RIGHT, 1280, 800, T.GRAY8)
    columns = np.nonzero(out.getFrame()[400])[0]
    assert columns.tolist() == [round(700 - disparity)]


def test_infinitely_far_the_stereo_pair_sees_the_same_picture():
    rng = np.random.default_rng(8)
    img = rng.integers(0, 255, (400, 640), np.uint8)
    frame = dai.ImgFrame().setCvFrame(img, T.GRAY8).setInstanceNum(LEFT)
    np.testing.assert_array_equal(align(frame, RIGHT, 640, 400, 0, -1).getFrame(), img)


def test_depth_moves_by_its_own_disparity_and_the_nearest_wins():
    depth = np.full((400, 640), 2000, np.uint16)
    depth[:, 300:340] = 1000                                  # a nearer bar
    depth[:10] = 0                                            # no depth: nothing moves from there
    out = align(depth_frame(depth, LEFT), RIGHT, 640, 400, 0, -1).getFrame()
    fx = MONO_FX / 2
    far, near = round(fx * BASELINE_MM / 2000), round(fx * BASELINE_MM / 1000)
    row = out[200]
    assert row[300 - near] == 1000 and row[339 - near] == 1000
    assert row[100 - far] == 2000 and (row[640 - far:] == 0).all()   # the right edge: nothing seen from the left
    assert (out[:10] == 0).all()
    assert row[339 - near + 1:340 - far].tolist() == [0] * (340 - far - (339 - near + 1))   # behind the bar: hidden


def test_frames_it_cannot_align_say_what_to_do():
    nv12 = dai.ImgFrame().setCvFrame(np.zeros((8, 8, 3), np.uint8), T.NV12).setInstanceNum(LEFT)
    with pytest.raises(AlignError, match=r"cannot align a NV12 frame — send GRAY8, RAW8, BGR/RGB"):
        align(nv12, RIGHT, 8, 8, 0, -1)
    with pytest.raises(AlignError, match=r"no calibration for camera socket CAM_F"):
        align(grey(8, 8, 5), RIGHT, 8, 8, 0, -1)


def test_the_node_waits_for_a_target_then_follows_configs():
    node = dai.Pipeline().create(dai.node.ImageAlign)
    node.setInterpolation(dai.Interpolation.NEAREST_NEIGHBOR)
    with NodeHarness(node) as h:
        h.push("input", grey(640, 400, LEFT, column=350, seq=1))
        with pytest.raises(TimeoutError):
            h.pull("outputAligned", timeout=0.3)                # no camera to align to yet
        h.push("inputAlignTo", grey(320, 200, RIGHT))
        first = h.pull("outputAligned", timeout=TIMEOUT)
        raw = dai.RawImageAlignConfig()
        raw.staticDepthPlane = 500
        h.push("inputConfig", dai.ImageAlignConfig().set(raw))      # queued before the next frame: applies to it
        h.push("input", grey(640, 400, LEFT, column=350, seq=2))
        second = h.pull("outputAligned", timeout=TIMEOUT)
        through = [h.pull("passthroughInput", timeout=TIMEOUT) for _ in range(2)]
    assert (first.getSequenceNum(), first.getWidth(), first.getHeight()) == (1, 320, 200)
    assert np.nonzero(first.getFrame()[100])[0].tolist() == [175]           # infinitely far: no shift
    shift = MONO_FX / 4 * BASELINE_MM / 500
    assert np.nonzero(second.getFrame()[100])[0].tolist() == [round(175 - shift)]
    assert [f.getSequenceNum() for f in through] == [1, 2] and through[0].getWidth() == 640


def test_a_device_aligns_the_left_camera_to_the_right_one():
    p = dai.Pipeline()
    left, right = p.create(dai.node.MonoCamera), p.create(dai.node.MonoCamera)
    for cam, socket in ((left, dai.CameraBoardSocket.CAM_B), (right, dai.CameraBoardSocket.CAM_C)):
        cam.setBoardSocket(socket)
        cam.setResolution(dai.MonoCameraProperties.SensorResolution.THE_400_P)
    node = p.create(dai.node.ImageAlign)
    raw = node.initialConfig.get()
    raw.staticDepthPlane = 1000
    node.initialConfig.set(raw)
    node.setInterpolation(dai.Interpolation.NEAREST_NEIGHBOR)
    node.input.setBlocking(True)
    left.out.link(node.input)
    right.out.link(node.inputAlignTo)
    cfg_in = p.create(dai.node.XLinkIn)
    cfg_in.setStreamName("config")
    cfg_in.out.link(node.inputConfig)
    for name, port in (("aligned", node.outputAligned), ("left", node.passthroughInput)):
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        port.link(xout.input)
    shift = round(MONO_FX / 2 * BASELINE_MM / 1000)
    with dai.Device(p) as device:
        q_aligned, q_left = device.getOutputQueue("aligned"), device.getOutputQueue("left")
        for _ in range(3):
            aligned, source = q_aligned.get(timeout=TIMEOUT), q_left.get(timeout=TIMEOUT)
            assert aligned.getSequenceNum() == source.getSequenceNum()
            assert (aligned.getInstanceNum(), source.getInstanceNum()) == (RIGHT, LEFT)
            assert (aligned.getType(), aligned.getWidth(), aligned.getHeight()) == (T.RAW8, 640, 400)
            np.testing.assert_array_equal(aligned.getFrame()[:, :640 - shift], source.getFrame()[:, shift:])
            assert (aligned.getFrame()[:, 640 - shift:] == 0).all()
        raw.staticDepthPlane = 0                  # infinitely far: the pair sees the same picture
        device.getInputQueue("config").send(raw)
        for _ in range(30):
            aligned, source = q_aligned.get(timeout=TIMEOUT), q_left.get(timeout=TIMEOUT)
            if np.array_equal(aligned.getFrame(), source.getFrame()):
                break
        else:
            pytest.fail("the config sent from the host never applied")
        assert device.getFailedNodes() == {}
