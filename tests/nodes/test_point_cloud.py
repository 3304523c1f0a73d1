"""PointCloud on the synthetic stereo scene: the points of each board lie on its plane, at its
distance and within its edges; sparse and dense clouds, the transformation matrix, runtime configs,
gen2's ports and properties, and end to end from two MonoCameras through StereoDepth to the host."""
import numpy as np
import pytest

import oakling as dai
from oakling.calibration import oak_d
from oakling.messages.imgframe import ImgFrame
from oakling.sources.stereo_scene import SCENE, board_at, true_depth
from oakling.testing import NodeHarness
from pipelines import stereo_pair

W, H = 640, 400
RIGHT = dai.CameraBoardSocket.CAM_C


def _camera():
    calib = oak_d()
    (fx, _, cx), (_, fy, cy), _ = calib.getCameraIntrinsics(RIGHT, W, H)
    cam_x = calib.getCameraTranslationVector(RIGHT, dai.CameraBoardSocket.CAM_A)[0] * 10.0
    return fx, fy, cx, cy, cam_x


def _truth():
    return np.round(true_depth(RIGHT, W, H)).astype(np.uint16)


def _depth_frame(depth, seq=1):
    f = ImgFrame()
    f.setWidth(W).setHeight(H).setType(ImgFrame.Type.RAW16).setInstanceNum(int(RIGHT)).setSequenceNum(seq)
    f._data = np.ascontiguousarray(depth).reshape(-1).view(np.uint8)
    return f


def _on_board(points, board, cam_x, tol=1.0):
    """Whether every point lies on `board`: at its distance, within its edges (scene axes: x right, y down)."""
    x, y, z = points[:, 0] + cam_x, points[:, 1], points[:, 2]
    return (np.all(np.abs(z - board.z) <= tol) and np.all((x >= board.x0 - tol) & (x <= board.x1 + tol))
            and np.all((y >= board.y0 - tol) & (y <= board.y1 + tol)))


def test_ports_and_properties_are_gen2s():
    p = dai.Pipeline()
    pcl = p.create(dai.node.PointCloud)
    names = {str(port).partition(".")[2] for port in pcl.ports()}
    assert names == {"inputDepth", "inputConfig", "outputPointCloud", "passthroughDepth"}
    assert (pcl.inputDepth.getBlocking(), pcl.inputDepth.getQueueSize(), pcl.inputDepth.getWaitForMessage()) \
        == (False, 4, True)
    assert (pcl.inputConfig.getBlocking(), pcl.inputConfig.getQueueSize(), pcl.inputConfig.getWaitForMessage()) \
        == (False, 4, False)
    identity = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
    assert pcl.serialize_properties() == {"initialConfig": {"sparse": False, "transformationMatrix": identity},
                                          "numFramesPool": 4}
    pcl.initialConfig.setSparse(True)
    pcl.setNumFramesPool(8)
    assert pcl.serialize_properties()["initialConfig"]["sparse"] is True
    assert pcl.getNumFramesPool() == 8
    with pytest.raises(TypeError, match="setNumFramesPool"):
        pcl.setNumFramesPool(-1)


def test_dense_points_lie_on_the_scenes_boards():
    depth = _truth()
    p = dai.Pipeline()
    pcl = p.create(dai.node.PointCloud)
    with NodeHarness(pcl) as h:
        h.push("inputDepth", _depth_frame(depth, 5))
        msg = h.pull("outputPointCloud")
        assert h.pull("passthroughDepth").getSequenceNum() == 5
    assert msg.getSequenceNum() == 5 and not msg.isSparse() and msg.getInstanceNum() == int(RIGHT)
    assert (msg.getWidth(), msg.getHeight()) == (W, H)
    points = msg.getPoints()
    assert points.shape == (W * H, 3) and points.dtype == np.float32
    grid = points.reshape(H, W, 3)
    fx, fy, cx, cy, cam_x = _camera()
    assert np.array_equal(grid[..., 2], depth.astype(np.float32))
    assert grid[200, 500, 0] == pytest.approx((500 - cx) * depth[200, 500] / fx, rel=1e-5)
    assert grid[300, 100, 1] == pytest.approx((300 - cy) * depth[300, 100] / fy, rel=1e-5)   # y down
    for board in SCENE:
        mine = grid[depth == round(board.z)]
        assert mine.shape[0] > 1000, board.name
        assert _on_board(mine, board, cam_x, tol=0.01 * board.z), board.name
        # the board's points span it: its plane, seen through its edges or the picture's
        assert np.ptp(mine[:, 0]) > 0.3 * min(board.x1 - board.x0, 2 * board.z * cx / fx)
    assert (msg.getMinZ(), msg.getMaxZ()) == (min(b.z for b in SCENE), max(b.z for b in SCENE))
    assert msg.getMinX() == pytest.approx(points[:, 0].min()) and msg.getMaxY() == pytest.approx(points[:, 1].max())


def test_sparse_clouds_keep_the_pixels_with_depth_and_configs_apply_from_the_next_frame():
    depth = _truth().copy()
    depth[:, :200] = 0                                   # no depth on the left
    p = dai.Pipeline()
    pcl = p.create(dai.node.PointCloud)
    pcl.initialConfig.setSparse(True)
    with NodeHarness(pcl, outputs=["outputPointCloud"]) as h:
        h.push("inputDepth", _depth_frame(depth, 1))
        sparse = h.pull("outputPointCloud")
        config = dai.PointCloudConfig()
        config.setTransformationMatrix([[1, 0, 0, 0], [0, -1, 0, 500], [0, 0, 1, 0], [0, 0, 0, 1]])   # y up, +0.5 m
        h.push("inputConfig", config)
        h.push("inputDepth", _depth_frame(depth, 2))
        dense = h.pull("outputPointCloud")
    assert sparse.isSparse() and (sparse.getWidth(), sparse.getHeight()) == (W, H)
    pts = sparse.getPoints()
    assert pts.shape == (np.count_nonzero(depth), 3) and np.all(pts[:, 2] > 0)
    assert sparse.getMinX() > (200 - _camera()[2]) * 3000 / _camera()[0] - 1    # nothing left of column 200
    assert not dense.isSparse()
    grid = dense.getPoints().reshape(H, W, 3)
    assert np.all(grid[:, :200] == 0)                     # no depth: (0, 0, 0), untransformed
    moved = grid[depth > 0]
    np.testing.assert_allclose(moved[:, 1], 500 - pts[:, 1], atol=1e-3)
    np.testing.assert_allclose(moved[:, [0, 2]], pts[:, [0, 2]])
    near = board_at("near board")
    assert dense.getMinZ() == near.z and dense.getMaxY() == pytest.approx(500 - pts[:, 1].min())


def test_end_to_end_the_near_board_is_a_plane_at_its_distance():
    p = dai.Pipeline()
    stereo = stereo_pair(p)
    pcl = p.create(dai.node.PointCloud)
    stereo.depth.link(pcl.inputDepth)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("pcl")
    pcl.outputPointCloud.link(xout.input)
    with dai.Device(p, realtime=False) as device:
        msg = device.getOutputQueue("pcl").get(timeout=30)
    assert isinstance(msg, dai.PointCloudData) and (msg.getWidth(), msg.getHeight()) == (W, H)
    grid = msg.getPoints().reshape(H, W, 3)
    near = board_at("near board")
    truth = true_depth(RIGHT, W, H)
    inside = (truth == near.z)
    inside[:, :] &= np.pad(inside, 6)[12:, 6:-6] & np.pad(inside, 6)[:-12, 6:-6]   # away from its top and bottom
    found = grid[inside & (grid[..., 2] > 0)]
    assert found.shape[0] > 0.85 * np.count_nonzero(inside)
    good = np.abs(found[:, 2] - near.z) <= 0.02 * near.z
    assert good.mean() > 0.95
    # a plane fitted to its points faces the cameras at the board's distance
    a, b, c = np.linalg.lstsq(np.c_[found[good, :2], np.ones(good.sum())], found[good, 2], rcond=None)[0]
    assert abs(a) < 0.02 and abs(b) < 0.02 and c == pytest.approx(near.z, rel=0.02)
    assert _on_board(found[good], near, _camera()[4], tol=0.03 * near.z)


def test_a_scripts_config_applies_and_outlives_the_script():
    """A Script sends one PointCloudConfig and ends: the clouds turn sparse and keep coming."""
    p = dai.Pipeline()
    stereo = stereo_pair(p)
    stereo.setSubpixel(False)
    script = p.create(dai.node.Script)
    script.setScript("""
        config = PointCloudConfig()
        config.setSparse(True)
        node.io['config'].send(config)
    """)
    pcl = p.create(dai.node.PointCloud)
    script.outputs["config"].link(pcl.inputConfig)
    stereo.depth.link(pcl.inputDepth)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("pcl")
    pcl.outputPointCloud.link(xout.input)
    with dai.Device(p, realtime=False) as device:
        q = device.getOutputQueue("pcl")
        clouds = [q.get(timeout=30) for _ in range(12)]
    assert clouds[-1].isSparse() and all(c.isSparse() for c in clouds[-4:])
    assert len(clouds[-1].getPoints()) < W * H
