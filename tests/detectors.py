"""The examples' bright-square detectors (examples/toy_models.py) and the frames they see, shared by
the detection network and DetectionParser tests: a frame with a white square must come back as one
detection around it."""
import sys
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

import oakling as dai

pytest.importorskip("onnx")
pytest.importorskip("openvino")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import toy_models  # noqa: E402

T = dai.ImgFrame.Type
TIMEOUT = 20
W, H = 128, 96


@pytest.fixture(scope="module")
def blobs(tmp_path_factory):
    d = tmp_path_factory.mktemp("detectors")
    return {kind: toy_models.make_blob(kind, W, H, d) for kind in ("ssd", "yolo")}


def square_frame(x0, y0, side, seq):
    """A BGR888p frame: a gradient with a white square at (x0, y0)."""
    img = np.zeros((H, W, 3), np.uint8)
    img[..., 0] = np.linspace(0, 200, W, dtype=np.uint8)
    img[..., 2] = 90
    img[y0:y0 + side, x0:x0 + side] = 255
    f = dai.ImgFrame()
    f.setCvFrame(img, T.BGR888p)
    f.setSequenceNum(seq)
    f.setTimestamp(timedelta(seconds=10 + seq))
    return f
