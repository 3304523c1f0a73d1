"""models/decoding.py: BlazeFace's raw outputs decoded inside the blob give the rows a NumPy decoding of
the same raw outputs gives, on a photograph with a face; a scheme that does not fit the model is refused.

The reference below is written from MediaPipe's published SSD anchor options for these models (layers
with their strides, 2 anchors per layer — aspect ratio 1 and the interpolated scale — or 1 for the
full-range model; fixed anchor size, offset 0.5), not from the module's tables.
"""
import math

import numpy as np
import pytest

from nets import BLAZEFACE_PREPROCESS, astronaut, blazeface_model, image_model, run_blob
from oakling.cli.inspect_blob import describe
from oakling.models import decoding
from oakling.models.converter import ConversionError, build_blob

# model file, scheme, input size, the strides of its SSD layers, anchors per layer
MODELS = {
    "short_range": ("blazeface-short", 128, [8, 16, 16, 16], 2),
    "back": ("blazeface-back", 256, [16, 32, 32, 32], 2),
    "full_range": ("blazeface-full", 192, [4], 1),
}


def reference_anchors(size, strides, per_layer) -> np.ndarray:
    """Anchor centres as MediaPipe's SSD anchor generator lays them out: consecutive layers of one stride
    share a feature map, each cell holding all their anchors."""
    centres, i = [], 0
    while i < len(strides):
        j = i
        while j < len(strides) and strides[j] == strides[i]:
            j += 1
        cells = math.ceil(size / strides[i])
        for y in range(cells):
            for x in range(cells):
                centres += [((x + 0.5) / cells, (y + 0.5) / cells)] * (per_layer * (j - i))
        i = j
    return np.array(centres)


def iou(a, b) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def reference_decode(regressors, logits, anchors, size, score_threshold, iou_threshold, max_detections):
    """[(confidence, xmin, ymin, xmax, ymax)], most confident first, and the count of boxes above the
    score threshold (the candidates NMS chose from). As OpenVINO's NonMaxSuppression: a box must score
    more than the threshold, and goes when it overlaps a kept one by IoU ≥ iou_threshold."""
    r = regressors.reshape(len(anchors), -1).astype(np.float64)
    scores = 1 / (1 + np.exp(-np.clip(logits.reshape(-1).astype(np.float64), -100, 100)))
    cx, cy = r[:, 0] / size + anchors[:, 0], r[:, 1] / size + anchors[:, 1]
    w, h = r[:, 2] / size, r[:, 3] / size
    boxes = np.clip(np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1), 0, 1)
    candidates = [i for i in np.argsort(-scores, kind="stable") if scores[i] > score_threshold]
    kept = []
    for i in candidates:
        if len(kept) == max_detections:
            break
        if all(iou(boxes[i], boxes[k]) < iou_threshold for k in kept):
            kept.append(i)
    return np.array([[scores[i], *boxes[i]] for i in kept]).reshape(-1, 5), len(candidates)


def raw_and_decoded(name, **decode_options):
    """The raw outputs and the decoded rows of model `name` on the astronaut photograph (FP32 outputs)."""
    path = blazeface_model(name)
    scheme, size, _, _ = MODELS[name]
    raw = build_blob(path, output_precision="FP32", cache=False, **BLAZEFACE_PREPROCESS)
    decoded = build_blob(path, output_precision="FP32", cache=False, decode=scheme, **decode_options,
                         **BLAZEFACE_PREPROCESS)
    frame = astronaut(size)[None]
    raw_out = run_blob(raw, {raw.inputs[0].name: frame})
    rows = run_blob(decoded, {decoded.inputs[0].name: frame})["detection_out"]
    by_width = {v.shape[-1]: v for v in raw_out.values()}
    return by_width[16], by_width[1], rows, decoded


def check_rows(rows, want, max_detections):
    rows = rows.reshape(-1, 7)
    assert rows.shape == (max_detections, 7)
    found = rows[rows[:, 0] >= 0]
    assert len(found) == len(want)
    assert (rows[:len(want), 0] == 0).all() and (rows[:len(want), 1] == decoding.LABEL).all()
    np.testing.assert_allclose(found[:, 2:], want, atol=2e-4)
    rest = rows[len(want):]                    # DetectionOutput's end: image_id -1, nothing else
    assert (rest[:, 0] == -1).all() and (rest[:, 1] == decoding.LABEL).all() and (rest[:, 2:] == 0).all()


@pytest.mark.parametrize("name", list(MODELS))
def test_decoded_rows_are_the_numpy_decoding_of_the_raw_outputs(name):
    regressors, logits, rows, blob = raw_and_decoded(name)
    scheme, size, strides, per_layer = MODELS[name]
    anchors = reference_anchors(size, strides, per_layer)
    np.testing.assert_allclose(decoding.anchors(decoding.SCHEMES[scheme]), anchors, atol=1e-7)
    want, _ = reference_decode(regressors, logits, anchors, size, 0.5, 0.3, 100)
    assert len(want) == 1                      # the astronaut's face, found by every model
    check_rows(rows, want, 100)
    assert [(s.name, s.shape) for s in blob.outputs] == [("detection_out", (1, 1, 100, 7))]


@pytest.mark.parametrize("score, iou_threshold, keep", [(0.05, 0.3, 100), (0.02, 0.5, 4), (0.1, 0.0, 100)])
def test_thresholds_and_max_detections_match_the_reference_when_nms_has_work(score, iou_threshold, keep):
    regressors, logits, rows, blob = raw_and_decoded("short_range", score_threshold=score,
                                                     iou_threshold=iou_threshold, max_detections=keep)
    want, candidates = reference_decode(regressors, logits, reference_anchors(128, [8, 16, 16, 16], 2), 128,
                                        score, iou_threshold, keep)
    assert candidates > len(want) >= 1         # overlapping boxes were suppressed (or cut at `keep`)
    check_rows(rows, want, keep)
    record = blob.meta["decoding"]
    assert (record["score_threshold"], record["iou_threshold"], record["max_detections"]) == (score, iou_threshold,
                                                                                             keep)


def test_the_blob_records_the_decoding_and_inspect_shows_it():
    blob = build_blob(blazeface_model("short_range"), decode="blazeface-short", cache=False,
                      **BLAZEFACE_PREPROCESS)
    assert [(s.name, s.shape, s.dtype) for s in blob.outputs] == [("detection_out", (1, 1, 100, 7), "FP16")]
    record = blob.meta["decoding"]
    assert (record["scheme"], record["anchors"], record["input_size"], record["label"]) == \
        ("blazeface-short", 896, [128, 128], 0)
    assert record["feature_maps"] == [{"stride": 8, "size": [16, 16], "anchors_per_cell": 2},
                                      {"stride": 16, "size": [8, 8], "anchors_per_cell": 6}]
    assert (record["boxes"], record["scores"]) == ("regressors", "classificators")
    assert blob.meta["options"]["decode"] == "blazeface-short"
    assert "Decoding: blazeface-short — 'regressors' and 'classificators' over 896 anchors (16×16×2, 8×8×6) → " \
           "sigmoid, boxes, NMS (score > 0.5, IoU ≥ 0.3, at most 100) → 'detection_out' [1,1,100,7] rows, " \
           "label 0" in describe(blob)


def test_a_scheme_that_does_not_fit_names_the_shapes_and_the_schemes_that_fit():
    with pytest.raises(ConversionError) as e:
        build_blob(blazeface_model("short_range"), decode="blazeface-back")
    text = str(e.value)
    assert "--decode blazeface-back: face_detection_short_range.tflite does not fit: the scheme expects one " \
           "256×256 image input ([1,256,256,3] or [1,3,256,256]) and outputs [1,896,C≥4] (box regressors) and " \
           "[1,896,1] (scores); the model has input [1,128,128,3] and outputs [1,896,16], [1,896,1] — the " \
           "schemes that fit: blazeface-short" in text
    with pytest.raises(ConversionError, match=r"input \[1,192,192,3\] .* the schemes that fit: blazeface-full"):
        build_blob(blazeface_model("full_range"), decode="blazeface-short")


def test_a_model_no_scheme_fits(tmp_path):
    with pytest.raises(ConversionError, match=r"the model has input \[1,3,16,16\] and outputs \[1,4,16,16\], "
                                              r"\[1,4\] — no scheme fits \(the schemes are blazeface-short, "
                                              r"blazeface-back, blazeface-full\)"):
        build_blob(image_model(tmp_path / "net.onnx"), decode="blazeface-short")


@pytest.mark.parametrize("options, message", [
    (dict(decode="ssd-300"), "decode: unknown scheme 'ssd-300' — the schemes are blazeface-short, blazeface-back, "
                             "blazeface-full"),
    (dict(score_threshold=0.4), "score_threshold: only with decode=… (--decode SCHEME)"),
    (dict(decode="blazeface-short", iou_threshold=1.5), "iou_threshold: expected a number from 0 to 1, got 1.5"),
    (dict(decode="blazeface-short", max_detections=0), "max_detections: expected a whole number of at least 1"),
])
def test_option_errors(tmp_path, options, message):
    with pytest.raises(ConversionError) as e:
        build_blob(image_model(tmp_path / "net.onnx"), **options)
    assert message in str(e.value)


@pytest.mark.parametrize("scheme, count", [("blazeface-short", 896), ("blazeface-back", 896),
                                           ("blazeface-full", 2304)])
def test_schemes_count_their_anchors(scheme, count):
    s = decoding.SCHEMES[scheme]
    assert s.anchor_count == count == len(decoding.anchors(s))
    assert s.describe().startswith(f"{scheme}: {s.input_size[0]}×{s.input_size[1]} input, {count} anchors on ")
