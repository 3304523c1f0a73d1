"""The pipeline's graph as a PNG: the SVG's layout drawn with OpenCV — every node box where the layout
puts it, in the SVG's colours, links solid or dashed by blocking, and names outside ASCII drawn."""
import cv2
import numpy as np

import oakling as dai
from oakling.pipeline.graph import HEADER, NODE_WIDTH, layout
from oakling.pipeline.graph_png import SCALE, _bezier, _dashes, pipeline_png



def known_pipeline():
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    manip = p.create(dai.node.ImageManip)
    cam.preview.link(manip.inputImage)
    script = p.create(dai.node.Script)
    script.setScript("pass")
    manip.out.link(script.inputs["frames"])
    script.inputs["frames"].setBlocking(False)
    script.outputs["ctl"].link(cam.inputControl)          # a loop back to the camera
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("preview")
    script.outputs["out"].link(xout.input)
    return p

BLUE = (128, 90, 58)     # BGR of the SVG's #3a5a80
ORANGE = (0, 96, 176)    # #b06000: non-blocking links


def _decode(png: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def test_the_png_draws_the_svgs_layout():
    p = known_pipeline()
    lay = layout(p, "app.py")
    image = _decode(pipeline_png(p, title="app.py"))
    assert image.shape[:2] == (lay.height * SCALE, lay.width * SCALE)
    for node_id, (x, y, h) in lay.boxes.items():
        header = image[(y + 4) * SCALE:(y + HEADER - 10) * SCALE, (x + 150) * SCALE:(x + NODE_WIDTH - 20) * SCALE]
        assert np.all(np.abs(header.astype(int) - BLUE).max(axis=2) <= 1), f"node {node_id}'s header"
        body = image[(y + h - 4) * SCALE, (x + 100) * SCALE]
        assert tuple(body) != (255, 255, 255)
    assert np.all(image[-8 * SCALE:, :] == 255)          # the bottom margin: background only
    orange = np.abs(image.astype(int) - ORANGE).max(axis=2) <= 40
    assert orange.sum() > 100                             # the non-blocking link ImageManip → Script


def test_curves_dashes_and_text_outside_ascii():
    points = _bezier(((0, 0), (10, 0), (20, 10), (30, 10)), steps=8)
    assert tuple(points[0]) == (0, 0) and tuple(points[-1]) == (30, 10)
    dashes = list(_dashes(np.array([[0.0, 0.0], [20.0, 0.0]]), 6.0, 3.0))
    assert [(round(a[0]), round(b[0])) for a, b in dashes] == [(0, 6), (9, 15), (18, 20)]
    p = dai.Pipeline()
    script = p.create(dai.node.Script)
    script.setScript("pass")
    script.setScript("pass", name="caméra → ✓")
    assert _decode(pipeline_png(p)).shape[0] > 0
