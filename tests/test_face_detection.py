"""A real face detector in MobileNetDetectionNetwork: BlazeFace converted with `--decode` runs in the
node unchanged, and the astronaut's face comes out as an ImgDetection around it.

Host → XLinkIn → MobileNetDetectionNetwork → XLinkOut → host, in a real device process; the frames
are photographs resized to the model's input, interleaved BGR (the blob takes NHWC U8, and turns it
into RGB in [-1, 1] itself).
"""
from datetime import timedelta

import cv2
import numpy as np
import pytest

import oakling as dai
from nets import BLAZEFACE_PREPROCESS, astronaut, blazeface_model
from oakling.models import convert

TIMEOUT = 20
T = dai.ImgFrame.Type

# The astronaut's face in skimage.data.astronaut() (512×512 pixels), marked by hand: left cheek to right
# cheek, eyebrows to chin — (xmin, ymin, xmax, ymax).
FACE = (182, 78, 276, 178)

# model file, scheme, input size
DETECTORS = [("short_range", "blazeface-short", 128), ("back", "blazeface-back", 256)]


def iou(a, b) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union


def frame(img: np.ndarray, seq: int) -> dai.ImgFrame:
    f = dai.ImgFrame()
    f.setCvFrame(img, T.BGR888i)
    f.setSequenceNum(seq)
    f.setTimestamp(timedelta(seconds=seq))
    return f


def no_face(size: int) -> np.ndarray:
    """scikit-image's coffee cup photograph: no face in it."""
    import skimage.data
    return cv2.resize(cv2.cvtColor(skimage.data.coffee(), cv2.COLOR_RGB2BGR), (size, size),
                      interpolation=cv2.INTER_AREA)


@pytest.mark.parametrize("name, scheme, size", DETECTORS)
def test_the_astronauts_face_comes_out_of_mobilenet_detection_network(tmp_path, name, scheme, size):
    blob = convert(blazeface_model(name), tmp_path / "face.blob", decode=scheme, **BLAZEFACE_PREPROCESS)
    p = dai.Pipeline()
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("in")
    det = p.create(dai.node.MobileNetDetectionNetwork)
    det.setBlobPath(blob)
    det.setConfidenceThreshold(0.5)
    xin.out.link(det.input)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("det")
    det.out.link(xout.input)
    with dai.Device(p) as device:
        qi, qo = device.getInputQueue("in"), device.getOutputQueue("det")
        qi.send(frame(astronaut(size), 1))
        qi.send(frame(no_face(size), 2))
        faces, nothing = qo.get(timeout=TIMEOUT), qo.get(timeout=TIMEOUT)
    assert isinstance(faces, dai.ImgDetections) and faces.getSequenceNum() == 1
    assert faces.getTimestamp() == timedelta(seconds=1)
    [face] = faces.detections
    assert face.label == 0 and face.confidence > 0.5
    box = [face.xmin * 512, face.ymin * 512, face.xmax * 512, face.ymax * 512]
    assert iou(box, FACE) >= 0.5, box
    assert 0 <= face.xmin < face.xmax <= 1 and 0 <= face.ymin < face.ymax <= 1
    assert nothing.getSequenceNum() == 2 and nothing.detections == []
