"""Warp: frames remapped through a mesh — gen2's port, properties and mesh asset, the warp itself on every
layout it takes, and a device warping a camera's preview."""
import numpy as np
import pytest

import oakling as dai
from oakling.nodes.image_manip_ops import ManipError
from oakling.nodes.warp import Warper
from oakling.testing import NodeHarness

T = dai.ImgFrame.Type
TIMEOUT = 10.0


def flip_mesh(w, h):
    """A 2x2 mesh that mirrors a w x h frame left to right."""
    return [(w - 1, 0), (0, 0), (w - 1, h - 1), (0, h - 1)]


def test_ports_properties_and_mesh_asset_are_gen2s():
    p = dai.Pipeline()
    warp = p.create(dai.node.Warp)
    assert warp.getName() == "Warp"
    image = warp.inputImage
    assert (image.getBlocking(), image.getQueueSize(), image.getWaitForMessage()) == (True, 8, True)
    props = p.serializeToJson()["pipeline"]["nodes"][0][1]["properties"]
    assert props == {"outputWidth": 0, "outputHeight": 0, "outputFrameSize": 1048576, "numFramesPool": 4,
                     "meshWidth": 0, "meshHeight": 0, "meshUri": "", "warpHwIds": [], "interpolation": -1}
    assert warp.getInterpolation() == dai.Interpolation.AUTO and warp.getHwIds() == []
    warp.setWarpMesh([dai.Point2f(20, 20), dai.Point2f(460, 20), (100, 250), (400, 250), (20, 460), (460, 460)], 2, 3)
    warp.setOutputSize((992, 500))
    warp.setMaxOutputFrameSize(992 * 500 * 3)
    warp.setHwIds([1])
    warp.setInterpolation(dai.Interpolation.NEAREST_NEIGHBOR)
    schema = p.serializeToJson()
    props = schema["pipeline"]["nodes"][0][1]["properties"]
    assert (props["outputWidth"], props["outputHeight"], props["meshWidth"], props["meshHeight"]) == (992, 500, 2, 3)
    assert (props["warpHwIds"], props["interpolation"], props["meshUri"]) == ([1], 2, "asset:mesh")
    assert warp.getHwIds() == [1] and warp.getInterpolation() == dai.Interpolation.NEAREST_NEIGHBOR
    warp.setOutputSize(640, 480)
    assert p.serializeToJson()["pipeline"]["nodes"][0][1]["properties"]["outputWidth"] == 640


def test_bad_settings_name_the_node_and_the_fix():
    warp = dai.Pipeline().create(dai.node.Warp)
    with pytest.raises(ValueError, match=r"Warp\(0\).setWarpMesh: Not enough points provided for specified width "
                                         r"and height — a 3x3 mesh needs 9 points, got 4"):
        warp.setWarpMesh(flip_mesh(8, 8), 3, 3)
    with pytest.raises(TypeError, match=r"Warp\(0\).setWarpMesh: point 1: expected a Point2f or an \(x, y\) pair"):
        warp.setWarpMesh([(0, 0), "corner", (1, 1), (0, 1)], 2, 2)
    with pytest.raises(TypeError, match=r"Warp\(0\).setOutputSize: expected \(width, height\) or two ints"):
        warp.setOutputSize(640)
    with pytest.raises(TypeError, match=r"Warp\(0\).setInterpolation"):
        warp.setInterpolation("cubic")


def points(mesh, mw, mh):
    return np.asarray(mesh, np.float64).reshape(mh, mw, 2)


@pytest.mark.parametrize("t", [T.BGR888p, T.BGR888i, T.RGB888p, T.GRAY8, T.RAW8, T.NV12, T.YUV420p])
def test_a_mirror_mesh_mirrors_every_layout(t):
    rng = np.random.default_rng(7)
    bgr = rng.integers(0, 255, (48, 64, 3), np.uint8)
    bgr = np.repeat(np.repeat(bgr[::2, ::2], 2, axis=0), 2, axis=1)     # 2x2 blocks: chroma mirrors exactly
    frame = dai.ImgFrame().setCvFrame(bgr, t).setSequenceNum(3)
    warper = Warper(points(flip_mesh(64, 48), 2, 2), (0, 0), int(dai.Interpolation.NEAREST_NEIGHBOR))
    out = warper(frame)
    assert (out.getType(), out.getWidth(), out.getHeight(), out.getSequenceNum()) == (t, 64, 48, 3)
    want = dai.ImgFrame().setCvFrame(bgr[:, ::-1], t)
    np.testing.assert_array_equal(out.getFrame(), want.getFrame())


def test_without_a_mesh_the_frame_is_resized_and_corners_stay_corners():
    img = np.zeros((40, 60), np.uint8)
    img[0, 0], img[-1, -1] = 200, 100
    warper = Warper(None, (120, 80), int(dai.Interpolation.NEAREST_NEIGHBOR))
    out = warper(dai.ImgFrame().setCvFrame(img, T.GRAY8)).getFrame()
    assert out.shape == (80, 120) and out[0, 0] == 200 and out[-1, -1] == 100
    assert out[40, 60] == 0
    smooth = Warper(None, (0, 0), int(dai.Interpolation.BICUBIC))(dai.ImgFrame().setCvFrame(img, T.GRAY8))
    np.testing.assert_array_equal(smooth.getFrame(), img)         # same size, no mesh: unchanged


def crop_mesh(crop, in_size, out_size, bend=0.0):
    """A 3x3 mesh that stretches the normalised `crop` (x0, y0, x1, y1) of the input over the output;
    `bend` pushes its middle point that many input pixels down."""
    (x0, y0, x1, y1), (w, h), (ow, oh) = crop, in_size, out_size
    sx, sy = (x1 - x0) * w / ow, (y1 - y0) * h / oh
    at = lambda px, py: (x0 * w + (px + 0.5) * sx - 0.5, y0 * h + (py + 0.5) * sy - 0.5)
    mesh = np.array([[at(px, py) for px in (0, (ow - 1) / 2, ow - 1)] for py in (0, (oh - 1) / 2, oh - 1)])
    mesh[1, 1, 1] += bend
    return mesh


def test_the_output_says_where_it_lies_in_its_input_when_a_3x3_map_is_the_mesh():
    """ImgFrame._view (spatial detection maps boxes back through it): a crop mesh's is the crop, a
    mirror's the mirror, after the input's own view; a bent mesh keeps its input's."""
    frame = dai.ImgFrame().setCvFrame(np.zeros((400, 640), np.uint8), T.GRAY8)
    out = Warper(crop_mesh((0.05, 0.1, 0.55, 0.9), (640, 400), (300, 300)), (300, 300), 0)(frame)
    np.testing.assert_allclose(np.reshape(out._view, (3, 3)), [[0.5, 0, 0.05], [0, 0.8, 0.1], [0, 0, 1]], atol=1e-6)
    mirrored = Warper(points(flip_mesh(640, 400), 2, 2), (0, 0), 0)(frame)
    np.testing.assert_allclose(np.reshape(mirrored._view, (3, 3)), [[-1, 0, 1], [0, 1, 0], [0, 0, 1]], atol=1e-6)
    frame._view = [0.5, 0, 0.25, 0, 0.5, 0.25, 0, 0, 1]             # itself the middle of a bigger picture
    again = Warper(points(flip_mesh(640, 400), 2, 2), (0, 0), 0)(frame)
    np.testing.assert_allclose(np.reshape(again._view, (3, 3)), [[-0.5, 0, 0.75], [0, 0.5, 0.25], [0, 0, 1]], atol=1e-6)
    bent = Warper(crop_mesh((0.05, 0.1, 0.55, 0.9), (640, 400), (300, 300), bend=20), (300, 300), 0)(frame)
    assert bent._view == frame._view
    assert Warper(None, (0, 0), 0)(dai.ImgFrame().setCvFrame(np.zeros((40, 60), np.uint8), T.GRAY8))._view is None


def test_frames_it_cannot_warp_say_what_it_takes():
    frame = dai.ImgFrame().setSize(4, 4).setType(T.RAW16).setFrame(np.zeros(32, np.uint8))
    with pytest.raises(ManipError, match=r"cannot warp a RAW16 frame — send BGR/RGB"):
        Warper(None, (0, 0), -1)(frame)
    nv12 = dai.ImgFrame().setCvFrame(np.zeros((8, 8, 3), np.uint8), T.NV12)
    with pytest.raises(ManipError, match=r"a NV12 output needs an even width and height, got 7x8"):
        Warper(None, (7, 8), -1)(nv12)


def test_the_node_drops_outputs_over_its_limit():
    warp = dai.Pipeline().create(dai.node.Warp)
    warp.setOutputSize(100, 100)
    warp.setMaxOutputFrameSize(100 * 100)
    with NodeHarness(warp) as h:
        h.push("inputImage", dai.ImgFrame().setCvFrame(np.zeros((20, 20, 3), np.uint8), T.BGR888p).setSequenceNum(1))
        h.push("inputImage", dai.ImgFrame().setCvFrame(np.full((20, 20), 9, np.uint8), T.GRAY8).setSequenceNum(2))
        out = h.pull("out", timeout=TIMEOUT)
        lines = [m.payload for m in h.logs]
    assert out.getSequenceNum() == 2 and out.getFrame().shape == (100, 100) and (out.getFrame() == 9).all()
    assert any("Warp(0): a 100x100 BGR888p output needs 30000 bytes, more than setMaxOutputFrameSize's 10000 — "
               "call warp.setMaxOutputFrameSize(30000) (frame 1 dropped)" in line for line in lines)


def test_a_device_mirrors_a_cameras_preview():
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    cam.setPreviewSize(160, 120)
    cam.setInterleaved(False)
    warp = p.create(dai.node.Warp)
    warp.setWarpMesh([dai.Point2f(x, y) for x, y in flip_mesh(160, 120)], 2, 2)
    warp.setInterpolation(dai.Interpolation.NEAREST_NEIGHBOR)
    cam.preview.link(warp.inputImage)
    for name, port in (("warped", warp.out), ("preview", cam.preview)):
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        port.link(xout.input)
    with dai.Device(p) as device:
        q_warped, q_preview = device.getOutputQueue("warped"), device.getOutputQueue("preview")
        for _ in range(3):
            warped, preview = q_warped.get(timeout=TIMEOUT), q_preview.get(timeout=TIMEOUT)
            assert warped.getSequenceNum() == preview.getSequenceNum()
            assert (warped.getType(), warped.getWidth(), warped.getHeight()) == (T.BGR888p, 160, 120)
            np.testing.assert_array_equal(warped.getCvFrame(), preview.getCvFrame()[:, ::-1])
        assert device.getFailedNodes() == {}
