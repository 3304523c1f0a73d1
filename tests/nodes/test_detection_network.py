"""MobileNetDetectionNetwork / YoloDetectionNetwork: the host nodes, and the nodes at work alone in
oakling.testing's harness.

The models are the examples' bright-square detectors (examples/toy_models.py): a frame with a white
square must come back as one detection around it.
"""
from datetime import timedelta

import numpy as np
import pytest

import oakling as dai
from oakling.testing import NodeHarness

from detectors import H, TIMEOUT, W, blobs, square_frame, toy_models  # noqa: F401  (the fixture too)


def yolo_node(p, blob):
    det = p.create(dai.node.YoloDetectionNetwork)
    det.setBlobPath(blob)
    det.setNumClasses(2)
    det.setCoordinateSize(4)
    det.setAnchors(toy_models.YOLO_ANCHORS)
    det.setAnchorMasks(toy_models.yolo_masks(W))
    det.setIouThreshold(0.5)
    det.setConfidenceThreshold(0.5)
    return det


def detection_pipeline(det_factory):
    p = dai.Pipeline()
    det = det_factory(p)
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("in")
    xin.out.link(det.input)
    for name, port in (("det", det.out), ("raw", det.outNetwork), ("pass", det.passthrough)):
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        port.link(xout.input)
    return p, det


# ------------------------------------------------------------------------------------------------
# The host nodes
# ------------------------------------------------------------------------------------------------

def test_both_are_gen2_detection_networks_in_the_schema(blobs):
    p = dai.Pipeline()
    mobilenet = p.create(dai.node.MobileNetDetectionNetwork)
    mobilenet.setBlobPath(blobs["ssd"])
    mobilenet.setConfidenceThreshold(0.3)
    yolo = yolo_node(p, blobs["yolo"])
    assert isinstance(yolo, dai.node.DetectionNetwork) and isinstance(yolo, dai.node.NeuralNetwork)
    assert mobilenet.getName() == yolo.getName() == "DetectionNetwork"
    assert (yolo.input.getBlocking(), yolo.input.getQueueSize()) == (True, 5)
    assert (yolo.getNumClasses(), yolo.getCoordinateSize(), yolo.getAnchors(), yolo.getIouThreshold(),
            yolo.getConfidenceThreshold()) == (2, 4, [32.0, 32.0, 96.0, 96.0], 0.5, 0.5)
    assert yolo.getAnchorMasks() == {"side8": [0], "side4": [1]}
    yolo.setAnchors([[32, 32], [96, 96]])                     # pairs are accepted too
    assert yolo.getAnchors() == [32.0, 32.0, 96.0, 96.0]
    nodes = dict(p.serializeToJson()["pipeline"]["nodes"])
    assert nodes[0]["name"] == nodes[1]["name"] == "DetectionNetwork"
    assert (int(dai.DetectionNetworkType.YOLO), int(dai.DetectionNetworkType.MOBILENET)) == (0, 1)
    assert nodes[0]["properties"]["parser"] == {"nnFamily": 1, "confidenceThreshold": 0.3, "classes": 0,
                                                "coordinates": 0, "anchors": [], "anchorMasks": {},
                                                "iouThreshold": 0.0}
    assert nodes[1]["properties"]["parser"] == {"nnFamily": 0, "confidenceThreshold": 0.5, "classes": 2,
                                                "coordinates": 4, "anchors": [32.0, 32.0, 96.0, 96.0],
                                                "anchorMasks": {"side8": [0], "side4": [1]}, "iouThreshold": 0.5}
    io = {tuple(k): v for k, v in nodes[1]["ioInfo"]}
    assert {("", "in"), ("", "out"), ("", "outNetwork"), ("", "passthrough")} <= set(io)
    with pytest.raises(TypeError, match="DetectionNetwork cannot be created itself"):
        p.create(dai.node.DetectionNetwork)


def test_links_follow_the_output_types(blobs):
    p = dai.Pipeline()
    det = p.create(dai.node.MobileNetDetectionNetwork)
    manip = p.create(dai.node.ImageManip)
    with pytest.raises(RuntimeError, match=r"sends ImgDetections, but .* accepts ImgFrame"):
        det.out.link(manip.inputImage)
    nn = p.create(dai.node.NeuralNetwork)
    det.outNetwork.link(nn.input)
    det.passthrough.link(manip.inputImage)


def test_settings_that_do_not_fit_the_model_fail_when_the_pipeline_is_built(blobs):
    p = dai.Pipeline()
    det = yolo_node(p, blobs["yolo"])
    det.setNumClasses(80)
    with pytest.raises(RuntimeError, match=r"^DetectionNetwork\(0\): output 'grid_stride16' \[1,7,6,8\] FP16 has 7 "
                                           r"channels, the settings make 85 .* check setNumClasses"):
        dai.Device(p)
    p = dai.Pipeline()
    det = p.create(dai.node.MobileNetDetectionNetwork)
    det.setBlobPath(blobs["yolo"])
    with pytest.raises(RuntimeError, match=r"output 'grid_stride16' \[1,7,6,8\] FP16 is not an SSD DetectionOutput"):
        p.serializeToJson()
    with pytest.raises(TypeError, match=r"setAnchorMasks: expected a dict"):
        yolo_node(dai.Pipeline(), blobs["yolo"]).setAnchorMasks([1, 2, 3])


# ------------------------------------------------------------------------------------------------
# Pipelines
# ------------------------------------------------------------------------------------------------

def _mobilenet(blobs):
    def make(p):
        det = p.create(dai.node.MobileNetDetectionNetwork)
        det.setBlobPath(blobs["ssd"])
        det.setConfidenceThreshold(0.5)
        return det
    return make


@pytest.mark.parametrize("family", ["mobilenet", "yolo"])
def test_a_square_in_the_frame_comes_back_as_its_box(blobs, family):
    make = _mobilenet(blobs) if family == "mobilenet" else (lambda p: yolo_node(p, blobs["yolo"]))
    _, det = detection_pipeline(make)
    squares = [(40, 20, 32), (4, 50, 40), (90, 8, 24)]
    with NodeHarness(det, inputs=["input"], outputs=["out", "outNetwork", "passthrough"]) as h:
        for seq, (x0, y0, side) in enumerate(squares):
            h.push("input", square_frame(x0, y0, side, seq))
        empty = square_frame(0, 0, 0, 7)                       # no square: no detection
        h.push("input", empty)
        for seq, (x0, y0, side) in enumerate(squares):
            dets, raw, passed = (h.pull(name, timeout=TIMEOUT) for name in ("out", "outNetwork", "passthrough"))
            assert isinstance(dets, dai.ImgDetections) and isinstance(raw, dai.NNData)
            assert dets.getSequenceNum() == raw.getSequenceNum() == passed.getSequenceNum() == seq
            assert dets.getTimestamp() == passed.getTimestamp() == timedelta(seconds=10 + seq)
            [d] = dets.detections
            assert d.label == (toy_models.SSD_LABEL if family == "mobilenet" else 0)
            assert d.confidence == pytest.approx(1.0, abs=1e-3)
            want = [x0 / W, y0 / H, (x0 + side) / W, (y0 + side) / H]
            np.testing.assert_allclose([d.xmin, d.ymin, d.xmax, d.ymax], want, atol=1e-3)   # FP16 outputs
        last = h.pull("out", timeout=TIMEOUT)
        assert last.getSequenceNum() == 7 and last.detections == []
        names = raw.getAllLayerNames()
        assert names == (["detection_out"] if family == "mobilenet" else ["grid_stride16", "grid_stride32"])
        assert h.failure is None
