"""Detection networks' outputs → boxes: what gen2's MobileNet and Yolo detection nodes do after inference.

    parse_ssd(outputs["detection_out"], confidence=0.5)                  # [1,1,N,7] DetectionOutput rows
    layers = yolo_layers(output_specs, options, "YoloDetectionNetwork(1)")  # checked when the pipeline is built
    decode_yolo(outputs, layers, options, (416, 416))                    # per-scale grids, then NMS

Both return `ImgDetection`s with corners normalised to the network input (0..1).

SSD (MobileNetDetectionNetwork): OpenVINO's DetectionOutput rows `[image_id, label, confidence,
xmin, ymin, xmax, ymax]`, already normalised; the list ends at the first row whose image_id is
negative. Rows below the confidence threshold are dropped; corners are passed on as the network
gave them (they may stray a little outside 0..1, as on an OAK: draw with a clip).

YOLO (YoloDetectionNetwork): each output is one scale's grid, `[1, A*(coords+1+classes), H, W]`
(or NHWC), values as the exported graph leaves them — gen2's blobs end in RegionYolo (x, y,
objectness and classes through a sigmoid, w and h raw) or, for tools.luxonis.com exports, in a
sigmoid on everything. The family is read from the output's name, as those exports name them:
- `…yolov5…`/`…yolov7…`: cx = (col + 2x − 0.5)/W, w = (2w)² · anchor_w / input width;
- `…yolov6…`/`…yolov8…`/`…yolov10…`, or no anchors given: anchor free, the four values are the
  distances from the cell centre to the left, top, right and bottom sides, in strides;
- anything else (YOLOv3/v4, darknet → OpenVINO): cx = (col + x)/W, w = e^w · anchor_w / input width.
A scale's anchors are `anchors[2i], anchors[2i+1]` for each i in `anchorMasks["side<W>"]` (W the
grid width). A box is kept when objectness ≥ threshold and objectness × best class ≥ threshold
(anchor free: class score ≥ threshold); corners are clipped to the input, empty boxes dropped, and
boxes of any class that overlap a more confident one by IoU ≥ iouThreshold are suppressed.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..messages.detections import ImgDetection
from .blob import TensorSpec

SSD_ROW = 7


class DetectionConfigError(ValueError):
    """The network's outputs do not fit the parser's settings."""


class YoloOptions(NamedTuple):
    """The YOLO part of gen2's DetectionParserOptions."""
    classes: int
    coordinates: int
    anchors: tuple
    anchor_masks: dict
    iou_threshold: float
    confidence_threshold: float

    @classmethod
    def from_parser(cls, parser: dict) -> "YoloOptions":
        """From the schema's `properties.parser` dict."""
        return cls(int(parser.get("classes", 0)), int(parser.get("coordinates", 0)),
                   tuple(float(a) for a in parser.get("anchors") or ()),
                   {k: [int(i) for i in v] for k, v in (parser.get("anchorMasks") or {}).items()},
                   float(parser.get("iouThreshold", 0.5)), float(parser.get("confidenceThreshold", 0.5)))


class YoloLayer(NamedTuple):
    """How one output is read: its family, grid, layout and the anchors (in input pixels) of its boxes."""
    name: str
    family: str            # "v3", "v5" or "anchor-free"
    grid: tuple            # (W, H)
    channels_last: bool
    anchors: tuple         # ((w, h), …); one () entry for anchor free


# ------------------------------------------------------------------------------------------------
# SSD
# ------------------------------------------------------------------------------------------------

def check_ssd_output(spec: TensorSpec, where: str):
    if spec.size >= 0 and (not spec.shape or spec.shape[-1] != SSD_ROW):
        raise DetectionConfigError(
            f"{where}: output '{spec.name}' {spec.describe()} is not an SSD DetectionOutput [1,1,N,7] — "
            f"MobileNetDetectionNetwork needs a model ending in DetectionOutput; use a NeuralNetwork "
            f"node for other outputs and decode them yourself")


def parse_ssd(tensor: np.ndarray, confidence: float) -> list[ImgDetection]:
    """The detections in one DetectionOutput tensor whose confidence is at least `confidence`."""
    rows = np.asarray(tensor, np.float32).reshape(-1, SSD_ROW)
    ends = np.flatnonzero(rows[:, 0] < 0)
    rows = rows[:ends[0]] if ends.size else rows
    rows = rows[rows[:, 2] >= confidence]
    return [ImgDetection(int(r[1]) if r[1] >= 0 else 0, r[2], r[3], r[4], r[5], r[6]) for r in rows.tolist()]


# ------------------------------------------------------------------------------------------------
# YOLO
# ------------------------------------------------------------------------------------------------

def yolo_family(name: str, options: YoloOptions) -> str:
    lowered = name.lower()
    if any(v in lowered for v in ("yolov5", "yolov7")):
        return "v5"
    if any(v in lowered for v in ("yolov6", "yolov8", "yolov10")) or not options.anchors:
        return "anchor-free"
    return "v3"


def yolo_layers(specs: list[TensorSpec], options: YoloOptions, where: str) -> list[YoloLayer]:
    """Check every output against the options and say how to read it; DetectionConfigError names what
    does not fit and the setting to change."""
    if options.classes <= 0:
        raise DetectionConfigError(f"{where}: setNumClasses was not called — give the number of classes the "
                                   f"model was trained on (e.g. yolo.setNumClasses(80))")
    if options.coordinates != 4:
        raise DetectionConfigError(f"{where}: setCoordinateSize({options.coordinates}) — YOLO boxes have 4 "
                                   f"coordinates: call setCoordinateSize(4)")
    if len(options.anchors) % 2:
        raise DetectionConfigError(f"{where}: setAnchors got {len(options.anchors)} values — anchors are "
                                   f"(width, height) pairs in input pixels")
    return [_yolo_layer(spec, options, where) for spec in specs]


def _yolo_layer(spec: TensorSpec, options: YoloOptions, where: str) -> YoloLayer:
    per_box = options.coordinates + 1 + options.classes
    family = yolo_family(spec.name, options)
    shape = spec.shape
    if len(shape) != 4 or shape[0] != 1 or min(shape) <= 0:
        raise DetectionConfigError(
            f"{where}: output '{spec.name}' {spec.describe()} is not a YOLO grid [1, A*{per_box}, H, W] "
            f"(A boxes of {options.coordinates} coordinates, 1 objectness and {options.classes} classes per "
            f"cell) — export the model without its decoding head, or use a NeuralNetwork node")
    # (channels last, grid (W, H), channel count): NCHW unless the blob says NHWC, then the other way
    readings = [(False, (shape[3], shape[2]), shape[1]), (True, (shape[2], shape[1]), shape[3])]
    if spec.layout == "NHWC":
        readings.reverse()
    for channels_last, grid, channels in readings:
        anchors = _layer_anchors(spec.name, family, options, grid, where)
        if anchors is not None and channels == len(anchors) * per_box:
            return YoloLayer(spec.name, family, grid, channels_last, anchors)
    channels_last, grid, channels = readings[0]
    anchors = _layer_anchors(spec.name, family, options, grid, where)
    if anchors is None:
        raise DetectionConfigError(
            f"{where}: output '{spec.name}' {spec.describe()} has no anchor mask — the masks are "
            f"{sorted(options.anchor_masks)}; add 'side{grid[0]}' to setAnchorMasks")
    count = len(anchors)
    raise DetectionConfigError(
        f"{where}: output '{spec.name}' {spec.describe()} has {channels} channels, the settings make "
        f"{count * per_box} ({count} box{'es' if count > 1 else ''} × ({options.coordinates} + 1 + "
        f"{options.classes} classes)) — check setNumClasses and the anchor mask 'side{grid[0]}'")


def _layer_anchors(name: str, family: str, options: YoloOptions, grid: tuple, where: str):
    """The (w, h) anchors of a grid's boxes; ((),) when anchor free; None when no mask names the grid."""
    if family == "anchor-free":
        return ((),)
    pairs = [(options.anchors[i], options.anchors[i + 1]) for i in range(0, len(options.anchors), 2)]
    w, h = grid
    mask = next((options.anchor_masks[k] for k in (f"side{w}", f"side{h}", f"side{w}x{h}")
                 if k in options.anchor_masks), None)
    if mask is None:
        if options.anchor_masks:
            return None
        mask = list(range(len(pairs)))   # no masks: every anchor at every scale
    bad = [i for i in mask if not 0 <= i < len(pairs)]
    if bad:
        raise DetectionConfigError(f"{where}: anchor mask {mask} for output '{name}' names anchor {bad[0]}, "
                                   f"but setAnchors gave {len(pairs)} (width, height) pairs")
    return tuple(pairs[i] for i in mask)


def decode_yolo(outputs: dict, layers: list[YoloLayer], options: YoloOptions, input_size: tuple) -> list[ImgDetection]:
    """The detections in one inference's outputs, after NMS, normalised to the input (width, height)."""
    in_w, in_h = input_size
    boxes, scores, labels = [], [], []
    for layer in layers:
        b, s, c = _decode_layer(np.asarray(outputs[layer.name], np.float32), layer, options, input_size)
        boxes.append(b)
        scores.append(s)
        labels.append(c)
    if not boxes:
        return []
    boxes, scores, labels = np.concatenate(boxes), np.concatenate(scores), np.concatenate(labels)
    boxes[:, 0::2] = boxes[:, 0::2].clip(0, in_w)
    boxes[:, 1::2] = boxes[:, 1::2].clip(0, in_h)
    valid = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    boxes, scores, labels = boxes[valid], scores[valid], labels[valid]
    keep = non_max_suppression(boxes, scores, options.iou_threshold)
    scale = np.array([in_w, in_h, in_w, in_h], np.float32)
    return [ImgDetection(int(labels[i]), float(scores[i]), *(boxes[i] / scale).tolist()) for i in keep]


def _decode_layer(tensor: np.ndarray, layer: YoloLayer, options: YoloOptions, input_size: tuple):
    """(boxes [n,4] in input pixels, scores [n], labels [n]) of the cells above the threshold."""
    grid_w, grid_h = layer.grid
    per_box = options.coordinates + 1 + options.classes
    count = len(layer.anchors)
    if layer.channels_last:
        cells = tensor.reshape(grid_h, grid_w, count, per_box).transpose(2, 0, 1, 3)
    else:
        cells = tensor.reshape(count, per_box, grid_h, grid_w).transpose(0, 2, 3, 1)
    # cells: [anchor, row, col, value]
    threshold = options.confidence_threshold
    objectness = cells[..., 4]
    classes = cells[..., 5:]
    label = classes.argmax(axis=-1)
    best = np.take_along_axis(classes, label[..., None], axis=-1)[..., 0]
    if layer.family == "anchor-free":
        score = best
        hit = (objectness >= threshold) & (best >= threshold)
    else:
        score = objectness * best
        hit = (objectness >= threshold) & (score >= threshold)
    a, row, col = np.nonzero(hit)
    v = cells[a, row, col, :4]
    in_w, in_h = input_size
    if layer.family == "anchor-free":
        sx, sy = in_w / grid_w, in_h / grid_h
        boxes = np.stack([(col + 0.5 - v[:, 0]) * sx, (row + 0.5 - v[:, 1]) * sy,
                          (col + 0.5 + v[:, 2]) * sx, (row + 0.5 + v[:, 3]) * sy], axis=1)
    else:
        anchors = np.asarray(layer.anchors, np.float32)[a].reshape(-1, 2)
        if layer.family == "v5":
            cx, cy = (col + 2 * v[:, 0] - 0.5) / grid_w * in_w, (row + 2 * v[:, 1] - 0.5) / grid_h * in_h
            w, h = (2 * v[:, 2]) ** 2 * anchors[:, 0], (2 * v[:, 3]) ** 2 * anchors[:, 1]
        else:
            cx, cy = (col + v[:, 0]) / grid_w * in_w, (row + v[:, 1]) / grid_h * in_h
            w, h = np.exp(v[:, 2]) * anchors[:, 0], np.exp(v[:, 3]) * anchors[:, 1]
        boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    return boxes.astype(np.float32).reshape(-1, 4), score[a, row, col], label[a, row, col]


def iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Intersection over union of one [4] box with each of [n,4] boxes (xmin, ymin, xmax, ymax)."""
    w = np.minimum(box[2], others[:, 2]) - np.maximum(box[0], others[:, 0])
    h = np.minimum(box[3], others[:, 3]) - np.maximum(box[1], others[:, 1])
    inter = np.clip(w, 0, None) * np.clip(h, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-12)


def non_max_suppression(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> list[int]:
    """Indices of the boxes kept, most confident first: each box suppresses the less confident ones
    that overlap it by IoU ≥ iou_threshold, whatever their class."""
    order = np.argsort(-scores, kind="stable")
    kept = []
    alive = np.ones(len(order), bool)
    for i, idx in enumerate(order):
        if not alive[i]:
            continue
        kept.append(int(idx))
        rest = order[i + 1:]
        if rest.size:
            alive[i + 1:] &= iou(boxes[idx], boxes[rest]) < iou_threshold
    return kept
