"""Detection decoding (models/detections.py) against hand-computed boxes."""
import math

import numpy as np
import pytest

from oakling.models.blob import TensorSpec
from oakling.models.detections import (DetectionConfigError, YoloOptions, decode_yolo, non_max_suppression,
                                       parse_ssd, yolo_layers)


def options(classes=2, anchors=(10, 20), masks=None, iou=0.5, confidence=0.5):
    return YoloOptions(classes, 4, tuple(anchors), masks if masks is not None else {"side2": [0]}, iou, confidence)


def grid(cells: dict, per_box=7, side=2, anchors=1) -> np.ndarray:
    """A [1, anchors*per_box, side, side] tensor, zero but for {(anchor, row, col): values}."""
    t = np.zeros((anchors, per_box, side, side), np.float32)
    for (a, row, col), values in cells.items():
        t[a, :len(values), row, col] = values
    return t.reshape(1, anchors * per_box, side, side)


def decode(name, tensor, opts, size=(64, 64)):
    layers = yolo_layers([TensorSpec(name, tensor.shape, "FP32", "NCHW")], opts, "YoloDetectionNetwork(1)")
    return decode_yolo({name: tensor}, layers, opts, size)


def corners(d):
    return [d.xmin, d.ymin, d.xmax, d.ymax]


# ------------------------------------------------------------------------------------------------
# SSD
# ------------------------------------------------------------------------------------------------

def test_ssd_rows_until_the_end_marker_above_the_threshold_unclipped():
    rows = np.array([[0, 15, 0.9, -0.01, 0.1, 0.5, 1.02],
                     [0, 7, 0.3, 0.1, 0.1, 0.2, 0.2],          # below the threshold
                     [0, 2, 0.5, 0.2, 0.3, 0.4, 0.5],          # at it: kept
                     [-1, 0, 0, 0, 0, 0, 0],
                     [0, 3, 0.99, 0.1, 0.1, 0.2, 0.2]],        # after the end: ignored
                    np.float32).reshape(1, 1, 5, 7)
    found = parse_ssd(rows, 0.5)
    assert [(d.label, round(d.confidence, 3)) for d in found] == [(15, 0.9), (2, 0.5)]
    np.testing.assert_allclose(corners(found[0]), [-0.01, 0.1, 0.5, 1.02], rtol=1e-6)


# ------------------------------------------------------------------------------------------------
# YOLO families
# ------------------------------------------------------------------------------------------------

def test_v3_centre_in_the_cell_size_from_the_anchor():
    # cell row 1, col 0 of a 2x2 grid on a 64x64 input, anchor (10, 20):
    # cx = (0 + 0.5) / 2 * 64 = 16, cy = (1 + 0.25) / 2 * 64 = 40, w = e^ln2 * 10 = 20, h = e^0 * 20 = 20
    t = grid({(0, 1, 0): [0.5, 0.25, math.log(2), 0, 0.8, 0.25, 0.9]})
    [d] = decode("conv_out", t, options())
    assert d.label == 1 and d.confidence == pytest.approx(0.72)
    np.testing.assert_allclose(corners(d), np.array([6, 30, 26, 50]) / 64, rtol=1e-5)


def test_v5_named_outputs_use_the_doubled_offsets_and_squared_sizes():
    # cx = (1 + 2*0.25 - 0.5) / 2 * 64 = 32, cy = (0 + 2*0.5 - 0.5) / 2 * 64 = 16;
    # w = (2*0.5)^2 * 10 = 10, h = (2*1)^2 * 20 = 80
    t = grid({(0, 0, 1): [0.25, 0.5, 0.5, 1.0, 0.9, 0.9, 0.1]})
    [d] = decode("output1_yolov5", t, options())
    assert d.label == 0 and d.confidence == pytest.approx(0.81)
    np.testing.assert_allclose(corners(d), np.array([27, 0, 37, 56]) / 64, rtol=1e-5)   # ymin -24 clipped to 0


def test_anchor_free_distances_from_the_cell_centre_in_strides():
    # stride 32 on 64x64; cell (row 0, col 1) centre (48, 16); l=0.5, t=0.25, r=0.25, b=1 strides
    t = grid({(0, 0, 1): [0.5, 0.25, 0.25, 1.0, 1.0, 0.2, 0.7]})
    [d] = decode("output1_yolov8", t, options(anchors=(), masks={}))
    assert d.label == 1 and d.confidence == pytest.approx(0.7)
    np.testing.assert_allclose(corners(d), np.array([32, 8, 56, 48]) / 64, rtol=1e-5)


def test_channels_last_outputs_decode_the_same():
    t = grid({(0, 1, 0): [0.5, 0.25, math.log(2), 0, 0.8, 0.25, 0.9]})
    nhwc = np.ascontiguousarray(t.transpose(0, 2, 3, 1))
    opts = options()
    layers = yolo_layers([TensorSpec("out", nhwc.shape, "FP32", "NHWC")], opts, "Y(1)")
    assert layers[0].channels_last and layers[0].grid == (2, 2)
    [d] = decode_yolo({"out": nhwc}, layers, opts, (64, 64))
    np.testing.assert_allclose(corners(d), np.array([6, 30, 26, 50]) / 64, rtol=1e-5)


@pytest.mark.parametrize("objectness, best, kept", [(0.4, 1.0, False),    # objectness below the threshold
                                                    (0.6, 0.8, False),    # 0.48 below it
                                                    (0.5, 1.0, True)])    # at it: kept
def test_thresholds_on_objectness_and_on_the_product(objectness, best, kept):
    t = grid({(0, 0, 0): [0.5, 0.5, 0, 0, objectness, best, 0]})
    assert bool(decode("conv", t, options())) is kept


def test_masks_pick_each_scales_anchors_and_nms_keeps_the_best_of_any_class():
    anchors = (10, 10, 40, 40, 20, 20)
    opts = options(anchors=anchors, masks={"side2": [1], "side4": [0, 2]}, iou=0.5)
    big = grid({(0, 0, 0): [0.5, 0.5, 0, 0, 0.9, 0.9, 0]})                          # 40x40 at (16, 16), clipped
    small = grid({(1, 1, 1): [0.5, 0.5, math.log(1.9), math.log(1.9), 0.95, 0, 0.99],  # 38x38 at (24, 24): IoU 0.54
                  (1, 3, 3): [0.5, 0.5, 0, 0, 0.7, 0.8, 0]},                         # 20x20 at (56, 56): apart
                 side=4, anchors=2)
    specs = [TensorSpec("a", big.shape, "FP32", "NCHW"), TensorSpec("b", small.shape, "FP32", "NCHW")]
    layers = yolo_layers(specs, opts, "Y(1)")
    assert [l.anchors for l in layers] == [((40, 40),), ((10, 10), (20, 20))]
    found = decode_yolo({"a": big, "b": small}, layers, opts, (64, 64))
    assert [(d.label, round(d.confidence, 4)) for d in found] == [(1, 0.9405), (0, 0.56)]
    np.testing.assert_allclose(corners(found[0]), np.array([5, 5, 43, 43]) / 64, rtol=1e-5)
    np.testing.assert_allclose(corners(found[1]), np.array([46, 46, 64, 64]) / 64, rtol=1e-5)   # clipped


def test_nms_suppresses_at_the_threshold_and_keeps_below_it():
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 5], [20, 20, 30, 30]], np.float32)   # IoU(0, 1) = 0.5
    scores = np.array([0.9, 0.95, 0.5], np.float32)
    assert non_max_suppression(boxes, scores, 0.5) == [1, 2]
    assert non_max_suppression(boxes, scores, 0.51) == [1, 0, 2]


# ------------------------------------------------------------------------------------------------
# Settings that do not fit the model
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("opts, shape, message", [
    (options(classes=3), (1, 7, 2, 2),
     r"output 'o' \[1,7,2,2\] FP32 has 7 channels, the settings make 8 \(1 box × \(4 \+ 1 \+ 3 classes\)\) — "
     r"check setNumClasses and the anchor mask 'side2'"),
    (options(masks={"side13": [0]}), (1, 7, 2, 2),
     r"output 'o' \[1,7,2,2\] FP32 has no anchor mask — the masks are \['side13'\]; add 'side2' to setAnchorMasks"),
    (options(classes=0), (1, 7, 2, 2), r"setNumClasses was not called"),
    (options(masks={"side2": [3]}), (1, 7, 2, 2), r"anchor mask \[3\] for output 'o' names anchor 3, but setAnchors "
                                                  r"gave 1 \(width, height\) pairs"),
    (options(), (1, 25200, 85), r"output 'o' \[1,25200,85\] FP32 is not a YOLO grid \[1, A\*7, H, W\]"),
])
def test_settings_that_do_not_fit_say_which_to_change(opts, shape, message):
    with pytest.raises(DetectionConfigError, match=r"^YoloDetectionNetwork\(1\): " + message):
        yolo_layers([TensorSpec("o", shape, "FP32")], opts, "YoloDetectionNetwork(1)")
