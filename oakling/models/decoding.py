"""Decoding inside the model: raw SSD-style outputs (box regressors and scores over a fixed anchor grid)
become DetectionOutput rows, so MobileNetDetectionNetwork runs the blob unchanged.

    oakling convert face_detection_short_range.tflite --decode blazeface-short \\
        -ip U8 --mean-values 127.5 --scale-values 127.5 --reverse-input-channels
    convert("face_detection_short_range.tflite", "face.blob", decode="blazeface-short", score_threshold=0.5)

A scheme names the model's input size and its anchor grid: per feature map, its stride and the anchors
each cell holds. BlazeFace's anchors (MediaPipe's SSD anchor options for these models: fixed anchor
size, offset 0.5) all have width and height 1 and sit at the cell centres, ((col + 0.5) / cols,
(row + 0.5) / rows), row by row, a cell's anchors one after the other, the feature maps in order:

| scheme | model | input | feature maps (stride × anchors per cell) | anchors |
|---|---|---|---|---|
| blazeface-short | face_detection_short_range / _front | 128×128 | 16×16 (8 × 2), 8×8 (16 × 6) | 896 |
| blazeface-back | face_detection_back | 256×256 | 16×16 (16 × 2), 8×8 (32 × 6) | 896 |
| blazeface-full | face_detection_full_range / _sparse | 192×192 | 48×48 (4 × 1) | 2304 |

The model must have one image input of the scheme's size and two outputs, [1, A, C] box regressors
(C ≥ 4: x, y, w, h offsets in input pixels first; BlazeFace's other 12 values, six keypoints, are
not used) and [1, A, 1] score logits. The ops appended to the model (OpenVINO opset, no code at run
time):

  1. score = sigmoid(clamp(logit, -100, 100));
  2. centre = (dx / W, dy / H) + anchor, size = (dw / W, dh / H); corners = centre ∓ size / 2,
     clipped to 0..1;
  3. NonMaxSuppression (opset 9, OpenVINO's comparisons): boxes scoring at most `score_threshold`
     are skipped, a box overlapping a more confident kept one by IoU ≥ `iou_threshold` is dropped
     (so 0 keeps one box), at most `max_detections` are kept;
  4. the kept boxes, most confident first, become `detection_out` [1, 1, max_detections, 7] rows
     [image_id 0, label 0, confidence, xmin, ymin, xmax, ymax]; the rows left over have image_id -1
     (and zeros), where DetectionOutput's list ends.

The label is 0: these detectors have one class (a face) and no background class, so the face is
class 0 of a label map ["face"] (MediaPipe numbers it 0 too). Open Model Zoo's SSD face detectors
give 1, after their background class 0.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

OUTPUT_NAME = "detection_out"
LABEL = 0
DEFAULTS = {"score_threshold": 0.5, "iou_threshold": 0.3, "max_detections": 100}
LOGIT_CLIP = 100.0


class DecodingError(ValueError):
    """The model does not fit the decoding asked for, or an option is out of range."""


class Scheme(NamedTuple):
    """An anchor grid: the model's input (width, height), per feature map (stride, anchors per cell), and
    the models it is for."""
    name: str
    input_size: tuple
    maps: tuple
    models: str

    @property
    def anchor_count(self) -> int:
        return sum(cols * rows * per_cell for (cols, rows), (_, per_cell) in zip(self.map_sizes, self.maps))

    @property
    def map_sizes(self) -> list:
        """(columns, rows) of each feature map."""
        w, h = self.input_size
        return [(-(-w // stride), -(-h // stride)) for stride, _ in self.maps]

    def describe(self) -> str:
        w, h = self.input_size
        grids = ", ".join(f"{cols}×{rows} (stride {stride}, {per_cell} per cell)"
                          for (cols, rows), (stride, per_cell) in zip(self.map_sizes, self.maps))
        return f"{self.name}: {w}×{h} input, {self.anchor_count} anchors on {grids} — {self.models}"


SCHEMES = {s.name: s for s in (
    Scheme("blazeface-short", (128, 128), ((8, 2), (16, 6)), "face_detection_short_range, face_detection_front"),
    Scheme("blazeface-back", (256, 256), ((16, 2), (32, 6)), "face_detection_back"),
    Scheme("blazeface-full", (192, 192), ((4, 1),), "face_detection_full_range, face_detection_full_range_sparse"),
)}


def scheme(name: str) -> Scheme:
    found = SCHEMES.get(str(name).lower())
    if found is None:
        raise DecodingError(f"decode: unknown scheme {name!r} — the schemes are {', '.join(SCHEMES)}")
    return found


def anchors(s: Scheme) -> np.ndarray:
    """[A, 2] anchor centres (x, y) in 0..1, in the order of the model's outputs."""
    parts = []
    for (cols, rows), (_, per_cell) in zip(s.map_sizes, s.maps):
        ys, xs = np.meshgrid((np.arange(rows) + 0.5) / rows, (np.arange(cols) + 0.5) / cols, indexing="ij")
        cells = np.stack([xs.ravel(), ys.ravel()], axis=1)
        parts.append(np.repeat(cells, per_cell, axis=0))
    return np.concatenate(parts).astype(np.float32)


def options(score_threshold=None, iou_threshold=None, max_detections=None) -> dict:
    """The decoding options with their defaults, checked."""
    out = dict(DEFAULTS)
    for key, value in (("score_threshold", score_threshold), ("iou_threshold", iou_threshold)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise DecodingError(f"{key}: expected a number from 0 to 1, got {value!r}")
        out[key] = float(value)
    if max_detections is not None:
        if isinstance(max_detections, bool) or not isinstance(max_detections, int) or max_detections < 1:
            raise DecodingError(f"max_detections: expected a whole number of at least 1, got {max_detections!r}")
        out["max_detections"] = max_detections
    return out


# ------------------------------------------------------------------------------------------------
# Checking the model against a scheme
# ------------------------------------------------------------------------------------------------

def _text(shape) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


def _image_size(shape) -> tuple | None:
    """(width, height) of an NHWC or NCHW image input shape with a batch of 1."""
    if len(shape) != 4 or shape[0] != 1:
        return None
    if shape[3] in (1, 3):
        return shape[2], shape[1]
    if shape[1] in (1, 3):
        return shape[3], shape[2]
    return None


def _roles(output_shapes: list, count: int) -> tuple | None:
    """(index of the box regressors, index of the scores) when the outputs are [1,count,C≥4] and [1,count,1]."""
    if len(output_shapes) != 2:
        return None
    fits = [len(s) == 3 and s[0] == 1 and s[1] == count for s in output_shapes]
    if not all(fits):
        return None
    widths = [s[2] for s in output_shapes]
    if widths[1] == 1 and widths[0] >= 4:
        return 0, 1
    if widths[0] == 1 and widths[1] >= 4:
        return 1, 0
    return None


def fits(s: Scheme, input_shapes: list, output_shapes: list) -> tuple | None:
    """(boxes output index, scores output index) if a model with these shapes fits scheme `s`, else None."""
    if len(input_shapes) != 1 or _image_size(input_shapes[0]) != tuple(s.input_size):
        return None
    return _roles(output_shapes, s.anchor_count)


def check(s: Scheme, input_shapes: list, output_shapes: list, where: str) -> tuple:
    """fits(), or DecodingError naming the shapes the scheme expects and the schemes that fit the model."""
    found = fits(s, input_shapes, output_shapes)
    if found is not None:
        return found
    w, h = s.input_size
    others = [other.name for other in SCHEMES.values() if fits(other, input_shapes, output_shapes)]
    have = (f"input{'s' if len(input_shapes) != 1 else ''} {', '.join(_text(x) for x in input_shapes)} and "
            f"output{'s' if len(output_shapes) != 1 else ''} {', '.join(_text(x) for x in output_shapes)}")
    fix = (f"the schemes that fit: {', '.join(others)}" if others else
           f"no scheme fits (the schemes are {', '.join(SCHEMES)}) — convert it without --decode, run it in a "
           f"NeuralNetwork node and decode its outputs where they arrive")
    raise DecodingError(f"--decode {s.name}: {where} does not fit: the scheme expects one {w}×{h} image input "
                        f"([1,{h},{w},3] or [1,3,{h},{w}]) and outputs [1,{s.anchor_count},C≥4] (box regressors) "
                        f"and [1,{s.anchor_count},1] (scores); the model has {have} — {fix}")


# ------------------------------------------------------------------------------------------------
# The decoding graph
# ------------------------------------------------------------------------------------------------

def append(ov_model, s: Scheme, opts: dict, where: str):
    """Replace `ov_model`'s outputs by one, `detection_out` [1,1,max_detections,7], computed from its box and
    score outputs. Returns (the model, the metadata record of the decoding)."""
    import openvino as ov
    from openvino import opset13 as op
    from openvino import opset9

    shapes = []
    for port in ov_model.outputs:
        partial = port.get_partial_shape()
        shapes.append([d.get_length() if d.is_static else -1 for d in partial] if partial.rank.is_static else [])
    inputs = [[d.get_length() if d.is_static else -1 for d in p.get_partial_shape()] for p in ov_model.inputs]
    box_index, score_index = check(s, inputs, shapes, where)
    names = [sorted(p.get_names())[0] if p.get_names() else f"output{i}" for i, p in enumerate(ov_model.outputs)]
    count = s.anchor_count
    keep = min(opts["max_detections"], count)
    w, h = s.input_size
    f32 = ov.Type.f32

    def const(values, dtype=np.float32):
        return op.constant(np.asarray(values, dtype))

    def as_f32(port):
        return port if port.get_element_type() == f32 else op.convert(port, f32).output(0)

    sources = [r.input_value(0) for r in ov_model.get_results()]     # what feeds each output
    raw = op.reshape(as_f32(sources[box_index]), const([count, shapes[box_index][2]], np.int64), False)
    logits = op.reshape(as_f32(sources[score_index]), const([count], np.int64), False)
    scale = const([w, h])
    centres = op.add(op.divide(op.gather(raw, const([0, 1], np.int64), const(1, np.int64)), scale),
                     const(anchors(s)))
    halves = op.divide(op.gather(raw, const([2, 3], np.int64), const(1, np.int64)), const([2 * w, 2 * h]))
    corners = op.clamp(op.concat([op.subtract(centres, halves), op.add(centres, halves)], 1), 0.0, 1.0)   # [A,4]
    scores = op.sigmoid(op.clamp(logits, -LOGIT_CLIP, LOGIT_CLIP))                                         # [A]

    nms = opset9.non_max_suppression(
        op.unsqueeze(corners, const([0], np.int64)), op.reshape(scores, const([1, 1, count], np.int64), False),
        const(keep, np.int64), const(opts["iou_threshold"]), const(opts["score_threshold"]),
        box_encoding="corner", sort_result_descending=True, output_type="i32")
    chosen = op.slice(nms.output(0), const([0], np.int64), op.convert(nms.output(2), ov.Type.i64),
                      const([1], np.int64), const([0], np.int64))                                       # [K,3]
    indices = op.gather(chosen, const(2, np.int32), const(1, np.int64))                                # [K]
    mask = op.scatter_elements_update(const(np.zeros(count)), indices,
                                      op.broadcast(const(1.0), op.shape_of(indices)), const(0, np.int64))
    kept = op.select(op.greater(mask, const(0.0)), scores, const(-1.0))
    top = op.topk(kept, const(keep, np.int64), 0, "max", "value", ov.Type.i32)
    valid = op.unsqueeze(op.greater_equal(top.output(0), const(0.0)), const([1], np.int64))             # [N,1]
    boxes = op.gather(corners, top.output(1), const(0, np.int64))                                       # [N,4]
    confidence = op.unsqueeze(top.output(0), const([1], np.int64))
    rows = op.concat([op.select(valid, const(0.0), const(-1.0)),
                      op.broadcast(const([float(LABEL)]), const([keep, 1], np.int64)),
                      op.select(valid, confidence, const(0.0)),
                      op.select(valid, boxes, const(0.0))], 1)
    out = op.reshape(rows, const([1, 1, keep, 7], np.int64), False)
    out.output(0).get_tensor().set_names({OUTPUT_NAME})
    out.set_friendly_name(OUTPUT_NAME)
    result = op.result(out)
    result.set_friendly_name(OUTPUT_NAME)
    result.output(0).get_tensor().set_names({OUTPUT_NAME})
    old = list(ov_model.get_results())
    ov_model.add_results([result])
    for r in old:                  # the raw outputs are now inside the graph only
        ov_model.remove_result(r)
    ov_model.validate_nodes_and_infer_types()

    record = {"scheme": s.name, "input_size": list(s.input_size), "anchors": count,
              "feature_maps": [{"stride": stride, "size": list(size), "anchors_per_cell": per_cell}
                               for size, (stride, per_cell) in zip(s.map_sizes, s.maps)],
              "boxes": names[box_index], "scores": names[score_index], "output": OUTPUT_NAME, "label": LABEL,
              "score_threshold": opts["score_threshold"], "iou_threshold": opts["iou_threshold"],
              "max_detections": keep}
    return ov_model, record


def describe(record: dict) -> str:
    """One line about a blob's decoding, for `oakling inspect`."""
    maps = ", ".join(f"{m['size'][0]}×{m['size'][1]}×{m['anchors_per_cell']}" for m in record["feature_maps"])
    return (f"Decoding: {record['scheme']} — '{record['boxes']}' and '{record['scores']}' over {record['anchors']} "
            f"anchors ({maps}) → sigmoid, boxes, NMS (score > {record['score_threshold']:g}, IoU ≥ "
            f"{record['iou_threshold']:g}, at most {record['max_detections']}) → '{record['output']}' "
            f"[1,1,{record['max_detections']},7] rows, label {record['label']}")
