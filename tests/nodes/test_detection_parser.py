"""DetectionParser: a NeuralNetwork's raw outputs decoded by a node of their own, as the detection networks
decode them. The models are the examples' bright-square detectors (examples/toy_models.py)."""
import sys
from pathlib import Path

import numpy as np
import pytest

import oakling as dai
from oakling.testing import NodeHarness

pytest.importorskip("onnx")
pytest.importorskip("openvino")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import toy_models  # noqa: E402
from detectors import H, TIMEOUT, W, blobs, square_frame  # noqa: E402,F401  (the fixture too)


def yolo_settings(node):
    node.setNumClasses(2)
    node.setCoordinateSize(4)
    node.setAnchors(toy_models.YOLO_ANCHORS)
    node.setAnchorMasks(toy_models.yolo_masks(W))
    node.setIouThreshold(0.5)
    node.setConfidenceThreshold(0.5)
    return node


def parser_pipeline(blobs, family):
    """XLinkIn -> NeuralNetwork -> DetectionParser -> "parsed", beside the matching detection network -> "det"."""
    p = dai.Pipeline()
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("in")
    blob = blobs["ssd" if family == "mobilenet" else "yolo"]
    nn = p.create(dai.node.NeuralNetwork)
    nn.setBlobPath(blob)
    parser = p.create(dai.node.DetectionParser)
    if family == "mobilenet":
        parser.setNNFamily(dai.DetectionNetworkType.MOBILENET)
        det = p.create(dai.node.MobileNetDetectionNetwork)
        det.setBlobPath(blob)
    else:
        parser.setBlob(dai.OpenVINO.Blob(blob))
        det = yolo_settings(p.create(dai.node.YoloDetectionNetwork))
        det.setBlobPath(blob)
        yolo_settings(parser)
    xin.out.link(nn.input)
    xin.out.link(det.input)
    nn.out.link(parser.input)
    for name, port in (("parsed", parser.out), ("det", det.out)):
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        port.link(xout.input)
    return p, parser


def test_ports_settings_and_schema_are_gen2s(blobs):
    p = dai.Pipeline()
    parser = p.create(dai.node.DetectionParser)
    assert parser.getName() == "DetectionParser"
    assert (parser.input.getBlocking(), parser.input.getQueueSize()) == (True, 5)
    assert parser.getNNFamily() == dai.DetectionNetworkType.YOLO and parser.getIouThreshold() == 0.5
    parser.setNumFramesPool(4)
    parser.setInputImageSize(128, 96)
    yolo_settings(parser)
    assert (parser.getNumFramesPool(), parser.getNumClasses(), parser.getCoordinateSize()) == (4, 2, 4)
    assert parser.getAnchorMasks() == toy_models.yolo_masks(W)

    def properties():
        return p.serializeToJson()["pipeline"]["nodes"][0][1]["properties"]

    assert properties()["numFramesPool"] == 4 and properties()["parser"]["classes"] == 2
    assert [i["shape"] for i in properties()["networkInputs"].values()] == [[1, 3, 96, 128]]
    parser.setInputImageSize((64, 48))
    assert [i["shape"] for i in properties()["networkInputs"].values()] == [[1, 3, 48, 64]]
    parser.setBlob(dai.OpenVINO.Blob(blobs["yolo"]))
    assert [i["shape"][-2:] for i in properties()["networkInputs"].values()] == [[H, W]]
    with pytest.raises(TypeError, match=r"setNNFamily: expected dai.DetectionNetworkType"):
        parser.setNNFamily(7)
    xin = p.create(dai.node.XLinkIn)
    manip = p.create(dai.node.ImageManip)
    with pytest.raises(RuntimeError, match=r"sends ImgDetections, but .* accepts ImgFrame"):
        parser.out.link(manip.inputImage)
    xin.out.link(parser.input)


def test_yolo_without_the_input_size_fails_when_the_pipeline_is_built():
    p = dai.Pipeline()
    p.create(dai.node.DetectionParser)
    with pytest.raises(RuntimeError, match=r"DetectionParser\(0\): YOLO boxes are measured in the model's input "
                                           r"pixels — call setBlob.* or setInputImageSize"):
        p.serializeToJson()
    p = dai.Pipeline()
    p.create(dai.node.DetectionParser).setNNFamily(dai.DetectionNetworkType.MOBILENET)
    p.serializeToJson()   # SSD boxes are normalised already


@pytest.mark.parametrize("family", ["mobilenet", "yolo"])
def test_a_networks_outputs_parsed_apart_give_the_detection_networks_boxes(blobs, family):
    p, _ = parser_pipeline(blobs, family)
    squares = [(40, 20, 32), (4, 50, 40), (90, 8, 24), (0, 0, 0)]
    with dai.Device(p) as device:
        qi, qp, qd = device.getInputQueue("in"), device.getOutputQueue("parsed"), device.getOutputQueue("det")
        for seq, (x0, y0, side) in enumerate(squares):
            qi.send(square_frame(x0, y0, side, seq))
        for seq in range(len(squares)):
            parsed, det = qp.get(timeout=TIMEOUT), qd.get(timeout=TIMEOUT)
            assert isinstance(parsed, dai.ImgDetections)
            assert parsed.getSequenceNum() == det.getSequenceNum() == seq
            assert parsed.getTimestamp() == det.getTimestamp()
            got = [(d.label, d.confidence, d.xmin, d.ymin, d.xmax, d.ymax) for d in parsed.detections]
            want = [(d.label, d.confidence, d.xmin, d.ymin, d.xmax, d.ymax) for d in det.detections]
            assert len(got) == len(want) == (1 if squares[seq][2] else 0)
            if got:
                np.testing.assert_allclose(got, want, atol=1e-6)
        assert device.getFailedNodes() == {}


def test_nndata_that_does_not_fit_the_settings_is_dropped_with_the_setting_to_check(blobs):
    p = dai.Pipeline()
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("in")
    parser = yolo_settings(p.create(dai.node.DetectionParser))
    parser.setInputImageSize(W, H)
    xin.out.link(parser.input)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("parsed")
    parser.out.link(xout.input)
    with NodeHarness(parser) as h:
        wrong = dai.NNData()
        wrong.addTensor("grid_stride16", np.zeros((1, 9, H // 16, W // 16), np.float16))   # 9 channels, not 7
        wrong.setSequenceNum(1)
        h.push("input", wrong)
        empty = dai.NNData()
        empty.addTensor("grid_stride16", np.full((1, 7, H // 16, W // 16), -10, np.float16))
        empty.addTensor("grid_stride32", np.full((1, 7, H // 32, W // 32), -10, np.float16))
        empty.setSequenceNum(2)
        h.push("input", empty)
        out = h.pull("out", timeout=TIMEOUT)
        lines = [m.payload for m in h.logs]
    assert out.getSequenceNum() == 2 and out.detections == []
    [line] = [text for text in lines if "grid_stride16" in text]
    assert "DetectionParser(1).input" in line and "setNumClasses" in line and "(message 1 dropped)" in line
