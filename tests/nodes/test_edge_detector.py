"""EdgeDetector: the Sobel magnitude of a frame's luma — gen2's ports, properties and schema, the filter
against a NumPy reference, configs on the fly, and a device finding edges in a camera's frames."""
import warnings

import numpy as np
import pytest

import oakling as dai
from oakling.nodes.edge_detector import Sobel
from oakling.testing import NodeHarness

T = dai.ImgFrame.Type
TIMEOUT = 10.0
SOBEL = ([[1, 0, -1], [2, 0, -2], [1, 0, -1]], [[1, 2, 1], [0, 0, 0], [-1, -2, -1]])
SCHARR = ([[3, 0, -3], [10, 0, -10], [3, 0, -3]], [[3, 10, 3], [0, 0, 0], [-3, -10, -3]])


def reference(luma, kernels=SOBEL):
    """sqrt(gx² + gy²) saturated to 0..255, the kernels correlated over a mirrored border, in NumPy."""
    h, w = luma.shape
    padded = np.pad(luma.astype(np.float32), 1, mode="reflect")
    grads = []
    for k in kernels:
        g = np.zeros((h, w), np.float32)
        for i in range(3):
            for j in range(3):
                g += np.float32(k[i][j]) * padded[i:i + h, j:j + w]
        grads.append(g)
    return np.clip(np.rint(np.sqrt(grads[0] ** 2 + grads[1] ** 2)), 0, 255).astype(np.uint8)


def picture(w=96, h=64, seed=0):
    rng = np.random.default_rng(seed)
    img = np.zeros((h, w), np.uint8)
    img[h // 4:3 * h // 4, w // 3:2 * w // 3] = 200        # a square: strong edges
    return (img + rng.integers(0, 20, (h, w))).astype(np.uint8)


def test_ports_defaults_and_schema_are_gen2s():
    p = dai.Pipeline()
    edges = p.create(dai.node.EdgeDetector)
    assert edges.getName() == "EdgeDetector"
    image, config = edges.inputImage, edges.inputConfig
    assert (image.getBlocking(), image.getQueueSize(), image.getWaitForMessage()) == (False, 4, True)
    assert (config.getBlocking(), config.getQueueSize(), config.getWaitForMessage()) == (False, 4, False)
    assert {o.name for o in edges.getOutputs()} == {"outputImage", "passthroughInputImage"}
    props = p.serializeToJson()["pipeline"]["nodes"][0][1]["properties"]
    assert props == {"initialConfig": {"config": {"sobelFilterHorizontalKernel": [], "sobelFilterVerticalKernel": []}},
                     "outputFrameSize": 1048576, "numFramesPool": 4}
    edges.initialConfig.setSobelFilterKernels(*SCHARR)
    edges.setMaxOutputFrameSize(1920 * 1080)
    edges.setNumFramesPool(2)
    props = p.serializeToJson()["pipeline"]["nodes"][0][1]["properties"]
    assert props["initialConfig"]["config"]["sobelFilterVerticalKernel"] == SCHARR[1]
    assert (props["outputFrameSize"], props["numFramesPool"]) == (1920 * 1080, 2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        edges.setWaitForConfigInput(True)
        assert edges.getWaitForConfigInput() is True and config.getWaitForMessage() is True
    assert [str(w.message) for w in caught] == ["Use 'inputConfig.setWaitForMessage()' instead"] * 2
    with pytest.raises(TypeError, match=r"EdgeDetector\(0\).setMaxOutputFrameSize: expected a whole number"):
        edges.setMaxOutputFrameSize(-1)


@pytest.mark.parametrize("kernels", [SOBEL, SCHARR, ([[0, 0, 0], [1, 0, -1], [0, 0, 0]], [[0, 1, 0], [0, 0, 0],
                                                                                         [0, -1, 0]])])
def test_the_filter_is_the_magnitude_of_both_gradients(kernels):
    luma = picture(seed=1)
    np.testing.assert_array_equal(Sobel(*kernels)(luma), reference(luma, kernels))


def frame_of(luma, t=T.GRAY8, seq=0):
    if t == T.GRAY8:
        return dai.ImgFrame().setCvFrame(luma, T.GRAY8).setSequenceNum(seq)
    frame = dai.ImgFrame().setCvFrame(np.dstack([luma] * 3), t).setSequenceNum(seq)
    return frame


def test_frames_configs_and_bad_frames_through_the_node():
    edges = dai.Pipeline().create(dai.node.EdgeDetector)
    edges.setMaxOutputFrameSize(96 * 64)
    luma = picture()
    with NodeHarness(edges) as h:
        h.push("inputImage", frame_of(luma, seq=1))
        first, same = h.pull("outputImage", timeout=TIMEOUT), h.pull("passthroughInputImage", timeout=TIMEOUT)
        nv12 = frame_of(luma, T.NV12, seq=2)
        h.push("inputImage", nv12)
        second = h.pull("outputImage", timeout=TIMEOUT)
        cfg = dai.EdgeDetectorConfig()
        cfg.setSobelFilterKernels(*SCHARR)
        h.push("inputConfig", cfg)
        h.push("inputImage", dai.ImgFrame().setCvFrame(np.dstack([luma] * 3), T.BGR888i).setSequenceNum(3))
        big = dai.ImgFrame().setCvFrame(np.zeros((65, 96), np.uint8), T.GRAY8).setSequenceNum(4)
        h.push("inputImage", big)
        h.push("inputImage", frame_of(luma, seq=5))
        third = h.pull("outputImage", timeout=TIMEOUT)
        lines = [m.payload for m in h.logs]
    assert (first.getSequenceNum(), first.getType(), first.getWidth(), first.getHeight()) == (1, T.GRAY8, 96, 64)
    assert same.getSequenceNum() == 1 and same.getTimestamp() == first.getTimestamp()
    np.testing.assert_array_equal(first.getFrame(), reference(luma))
    assert second.getSequenceNum() == 2 and second.getType() == T.GRAY8
    np.testing.assert_array_equal(second.getFrame(), reference(nv12.getFrame()[:64]))
    assert third.getSequenceNum() == 5
    np.testing.assert_array_equal(third.getFrame(), reference(luma, SCHARR))
    assert any("EdgeDetector(0).inputImage: cannot find edges in a BGR888i frame — send GRAY8, RAW8, NV12" in line
               and "(frame 3 dropped)" in line for line in lines)
    assert any("needs 6240 bytes, more than setMaxOutputFrameSize's 6144 — call edgeDetector.setMaxOutputFrameSize"
               "(6240) (frame 4 dropped)" in line for line in lines)


def test_a_device_finds_edges_in_a_mono_cameras_frames():
    p = dai.Pipeline()
    mono = p.create(dai.node.MonoCamera)
    mono.setResolution(dai.MonoCameraProperties.SensorResolution.THE_400_P)
    mono.setCamera("left")
    edges = p.create(dai.node.EdgeDetector)
    mono.out.link(edges.inputImage)
    edges.inputImage.setBlocking(True)
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("cfg")
    xin.out.link(edges.inputConfig)
    for name, port in (("edges", edges.outputImage), ("frames", edges.passthroughInputImage)):
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        port.link(xout.input)
    with dai.Device(p) as device:
        q_edges, q_frames = device.getOutputQueue("edges"), device.getOutputQueue("frames")
        cfg = dai.EdgeDetectorConfig()
        cfg.setSobelFilterKernels(*SCHARR)
        kernels_seen = []
        while kernels_seen[-3:] != ["scharr"] * 3:       # the config applies from some frame on, then stays
            assert len(kernels_seen) < 80, f"the config sent from the host never applied: {kernels_seen}"
            out, frame = q_edges.get(timeout=TIMEOUT), q_frames.get(timeout=TIMEOUT)
            assert out.getSequenceNum() == frame.getSequenceNum()
            assert (out.getType(), out.getWidth(), out.getHeight()) == (T.RAW8, 640, 400)
            luma = frame.getFrame()
            if np.array_equal(out.getFrame(), reference(luma, SOBEL)):
                assert "scharr" not in kernels_seen
                kernels_seen.append("sobel")
            else:
                np.testing.assert_array_equal(out.getFrame(), reference(luma, SCHARR))
                kernels_seen.append("scharr")
            if len(kernels_seen) == 3:
                device.getInputQueue("cfg").send(cfg)
        assert kernels_seen[:3] == ["sobel"] * 3
        assert out.getFrame().max() > 0           # the camera's picture has edges
        assert device.getFailedNodes() == {}
