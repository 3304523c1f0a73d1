"""SpatialLocationCalculator on the synthetic stereo scene's true depth: distance and X/Y/Z of a board
at a known position, the algorithms, thresholds, runtime configs, and gen2's ports and properties."""
import numpy as np
import pytest

import oakling as dai
from oakling.calibration import oak_d
from oakling.messages.imgframe import ImgFrame
from oakling.sources.stereo_scene import board_at, true_depth
from oakling.testing import NodeHarness
from pipelines import stereo_pair

W, H = 640, 400
RIGHT = dai.CameraBoardSocket.CAM_C


def _camera():
    calib = oak_d()
    (fx, _, cx), (_, fy, cy), _ = calib.getCameraIntrinsics(RIGHT, W, H)
    cam_x = calib.getCameraTranslationVector(RIGHT, dai.CameraBoardSocket.CAM_A)[0] * 10.0
    return fx, fy, cx, cy, cam_x


def _depth_frame(seq=1):
    depth = np.round(true_depth(RIGHT, W, H)).astype(np.uint16)
    f = ImgFrame()
    f.setWidth(W).setHeight(H).setType(ImgFrame.Type.RAW16).setInstanceNum(int(RIGHT)).setSequenceNum(seq)
    f._data = depth.reshape(-1).view(np.uint8)
    return f


def _roi_on(board, x0, x1, y0, y1):
    """A pixel ROI on the right camera covering the board's part x0..x1, y0..y1 (mm, colour camera axes)."""
    fx, fy, cx, cy, cam_x = _camera()
    u0, u1 = (fx * (x - cam_x) / board.z + cx for x in (x0, x1))
    v0, v1 = (fy * y / board.z + cy for y in (y0, y1))
    return dai.Rect(dai.Point2f(round(u0), round(v0)), dai.Point2f(round(u1), round(v1)))


def _data(roi, algorithm=dai.SpatialLocationCalculatorAlgorithm.MEDIAN, lower=100, upper=10000):
    d = dai.SpatialLocationCalculatorConfigData()
    d.roi, d.calculationAlgorithm = roi, algorithm
    d.depthThresholds.lowerThreshold, d.depthThresholds.upperThreshold = lower, upper
    return d


def test_ports_and_properties_are_gen2s():
    p = dai.Pipeline()
    calc = p.create(dai.node.SpatialLocationCalculator)
    assert (calc.inputDepth.getBlocking(), calc.inputDepth.getQueueSize(), calc.inputDepth.getWaitForMessage()) \
        == (False, 4, True)
    assert (calc.inputConfig.getBlocking(), calc.inputConfig.getQueueSize(), calc.inputConfig.getWaitForMessage()) \
        == (False, 4, False)
    calc.initialConfig.addROI(_data(dai.Rect(0.4, 0.4, 0.2, 0.2)))
    props = calc.serialize_properties()["roiConfig"]["config"][0]
    assert props["calculationAlgorithm"] == 4 and props["stepSize"] == -1
    assert props["depthThresholds"] == {"lowerThreshold": 100, "upperThreshold": 10000}


@pytest.mark.parametrize("algorithm", list(dai.SpatialLocationCalculatorAlgorithm))
def test_a_board_at_a_known_place_is_found_there(algorithm):
    near = board_at("near board")
    x0, x1, y0, y1 = -450, -200, -200, -50      # the board's upper left part: left of and above the axis
    _, _, _, _, cam_x = _camera()
    p = dai.Pipeline()
    calc = p.create(dai.node.SpatialLocationCalculator)
    calc.initialConfig.addROI(_data(_roi_on(near, x0, x1, y0, y1), algorithm))
    with NodeHarness(calc) as h:
        h.push("inputDepth", _depth_frame(7))
        msg = h.pull("out")
        assert h.pull("passthroughDepth").getSequenceNum() == 7
    assert msg.getSequenceNum() == 7
    loc = msg.getSpatialLocations()[0]
    c = loc.spatialCoordinates
    assert c.z == pytest.approx(near.z, rel=0.03)
    assert c.x == pytest.approx((x0 + x1) / 2 - cam_x, abs=0.03 * near.z)   # left: negative
    assert c.y == pytest.approx(-(y0 + y1) / 2, abs=0.03 * near.z)          # above: positive
    assert c.x < 0 and c.y > 0
    assert loc.depthMin <= loc.depthAverage <= loc.depthMax and loc.depthAveragePixelCount > 100


def test_thresholds_leave_values_out_and_configs_replace_regions():
    middle = board_at("middle board")
    p = dai.Pipeline()
    calc = p.create(dai.node.SpatialLocationCalculator)
    whole = _data(dai.Rect(0.0, 0.0, 1.0, 1.0), dai.SpatialLocationCalculatorAlgorithm.MIN, lower=1500, upper=2000)
    calc.initialConfig.addROI(whole)
    with NodeHarness(calc) as h:
        h.push("inputDepth", _depth_frame(1))
        loc = h.pull("out").getSpatialLocations()[0]
        assert 1500 < loc.depthMin and loc.depthMax < 2000
        assert loc.spatialCoordinates.z == pytest.approx(middle.z, rel=0.01)
        config = dai.SpatialLocationCalculatorConfig()
        config.setROIs([_data(_roi_on(middle, 300, 700, 100, 500)), _data(dai.Rect(0.0, 0.0, 0.1, 0.1))])
        h.push("inputConfig", config)
        h.push("inputDepth", _depth_frame(2))
        locs = h.pull("out").getSpatialLocations()
    assert len(locs) == 2
    c = locs[0].spatialCoordinates
    assert c.z == pytest.approx(middle.z, rel=0.03) and c.x > 0 and c.y < 0   # right of and below the axis


def test_regions_stay_once_the_config_senders_have_ended():
    near = board_at("near board")
    p = dai.Pipeline()
    calc = p.create(dai.node.SpatialLocationCalculator)
    with NodeHarness(calc, outputs=["out"]) as h:
        config = dai.SpatialLocationCalculatorConfig()
        config.setROIs([_data(_roi_on(near, -450, -200, -200, -50))])
        h.push("inputConfig", config)
        h.close("inputConfig")
        for seq in (1, 2):
            h.push("inputDepth", _depth_frame(seq))
            [loc] = h.pull("out").getSpatialLocations()
            assert loc.spatialCoordinates.z == pytest.approx(near.z, rel=0.03)


def test_end_to_end_from_two_cameras_through_stereo_depth():
    near = board_at("near board")
    x0, x1, y0, y1 = -450, -200, -200, -50
    _, _, _, _, cam_x = _camera()
    p = dai.Pipeline()
    stereo = stereo_pair(p)
    calc = p.create(dai.node.SpatialLocationCalculator)
    calc.initialConfig.addROI(_data(_roi_on(near, x0, x1, y0, y1)))
    stereo.depth.link(calc.inputDepth)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("spatial")
    calc.out.link(xout.input)
    with dai.Device(p, realtime=False) as device:
        msg = device.getOutputQueue("spatial").get(timeout=20)
    c = msg.getSpatialLocations()[0].spatialCoordinates
    assert c.z == pytest.approx(near.z, rel=0.03)
    assert c.x == pytest.approx((x0 + x1) / 2 - cam_x, abs=0.03 * near.z)
    assert c.y == pytest.approx(-(y0 + y1) / 2, abs=0.03 * near.z)
