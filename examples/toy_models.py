"""Tiny models for the detection examples, built on the spot: they find bright (white) squares.

    from toy_models import make_blob
    path = make_blob("ssd", 300, 300)          # MobileNet-SSD-shaped: detection_out [1,1,2,7]
    path = make_blob("yolo", 416, 416)         # YOLOv3-shaped: one grid per stride 16 and 32
    path = make_blob("classifier", 64, 64)     # probs [1,2]: (dark, bright) share of the picture

An OAK runs mobilenet-ssd or tiny-yolo; these stand in for them so the examples run anywhere with
no download. They really look at the picture: the pixels whose every channel is above 240 form the
"object", and its bounding box is the detection. Each is an ONNX graph converted with
`oakling.models.convert` to a blob taking U8 planar BGR frames, as a camera preview gives them.

YOLO layout (what YoloDetectionNetwork decodes): per stride s, a grid [1, 7, H/s, W/s] with, in
each cell, x and y (offset of the box centre within the cell), log(w / anchor_w), log(h / anchor_h),
objectness (1 in the cell holding the centre), and two class scores (how much of the box is
bright; 0). Use it with setNumClasses(2), setCoordinateSize(4), setAnchors(YOLO_ANCHORS) and
setAnchorMasks(yolo_masks(W)).
"""
from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import numpy as np

BRIGHT = 240                  # a pixel belongs to the object when its every channel is above this
SSD_LABEL = 1                 # the label the SSD model gives its box (0 is background in SSD models)
YOLO_STRIDES = (16, 32)
YOLO_ANCHORS = [32, 32, 96, 96]      # (w, h) pairs in input pixels; stride 16 uses the first, 32 the second
OPSET = 13


def yolo_masks(width: int) -> dict:
    """Anchor masks for a `width`-pixel-wide input: {"side<grid width>": [anchor index]}."""
    return {f"side{width // s}": [i] for i, s in enumerate(YOLO_STRIDES)}


def make_blob(kind: str, width: int, height: int, folder=None) -> str:
    """Build the `kind` model ("ssd", "yolo" or "classifier") for width x height frames; the blob's path.
    Without a `folder` the blob goes to a temporary one, removed when the program ends (setBlobPath
    reads the file at once)."""
    from oakling.models.converter import build_blob
    builders = {"ssd": ssd_model, "yolo": yolo_model, "classifier": classifier_model}
    model = builders[kind](width, height)
    folder = Path(folder) if folder else _scratch()
    path = folder / f"{kind}_{width}x{height}.blob"
    build_blob(model, input_precision="U8").write(path)          # FP16 outputs, as compile_tool makes them
    return str(path)


def _scratch() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="oakling-toy-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


# ------------------------------------------------------------------------------------------------
# The graphs
# ------------------------------------------------------------------------------------------------

class _Graph:
    """A small helper around onnx.helper: add nodes and constants by name."""

    def __init__(self):
        from onnx import helper
        self.helper = helper
        self.nodes, self.constants = [], []
        self._count = 0

    def const(self, value, name=None) -> str:
        from onnx import numpy_helper
        self._count += 1
        name = name or f"c{self._count}"
        self.constants.append(numpy_helper.from_array(np.asarray(value, np.float32), name))
        return name

    def op(self, op_type, *inputs, **attrs) -> str:
        self._count += 1
        out = f"{op_type.lower()}{self._count}"
        self.nodes.append(self.helper.make_node(op_type, list(inputs), [out], **attrs))
        return out

    def model(self, name, width, height, outputs: dict):
        """outputs: graph value name -> (output name, shape)."""
        from onnx import TensorProto
        h = self.helper
        for value, (out_name, _) in outputs.items():
            self.nodes.append(h.make_node("Identity", [value], [out_name]))
        graph = h.make_graph(
            self.nodes, name, [h.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, height, width])],
            [h.make_tensor_value_info(n, TensorProto.FLOAT, shape) for n, shape in outputs.values()],
            self.constants)
        model = h.make_model(graph, opset_imports=[h.make_opsetid("", OPSET)])
        model.ir_version = 8
        return model


def _bright_box(g: _Graph, width: int, height: int):
    """(xmin, ymin, xmax, ymax) in pixels of the bright pixels, their share of that box, and 1 if any."""
    lowest = g.op("ReduceMin", "image", axes=[1], keepdims=1)                      # [1,1,H,W]
    mask = g.op("Cast", g.op("Greater", lowest, g.const(BRIGHT)), to=1)             # 1.0 where bright
    cols = g.op("ReduceMax", mask, axes=[2], keepdims=1)                            # [1,1,1,W]
    rows = g.op("ReduceMax", mask, axes=[3], keepdims=1)                            # [1,1,H,1]
    xs = g.const(np.arange(width).reshape(1, 1, 1, width))
    ys = g.const(np.arange(height).reshape(1, 1, height, 1))
    one = g.const(1.0)

    def first(flags, index, size):      # smallest index where flags is 1 (size if none)
        unset = g.op("Mul", g.op("Sub", one, flags), g.const(size))
        return g.op("ReduceMin", g.op("Add", g.op("Mul", flags, index), unset), keepdims=1)

    def last(flags, index):             # one past the largest index where flags is 1 (0 if none)
        return g.op("ReduceMax", g.op("Mul", flags, g.op("Add", index, one)), keepdims=1)

    x0, x1 = first(cols, xs, width), last(cols, xs)
    y0, y1 = first(rows, ys, height), last(rows, ys)
    count = g.op("Mul", g.op("ReduceMean", mask, keepdims=1), g.const(width * height))
    area = g.op("Max", g.op("Mul", g.op("Sub", x1, x0), g.op("Sub", y1, y0)), one)
    fill = g.op("Div", count, area)
    present = g.op("ReduceMax", mask, keepdims=1)
    return (x0, y0, x1, y1), fill, present                                          # each [1,1,1,1]


def ssd_model(width: int, height: int):
    """image -> detection_out [1,1,2,7]: the bright box (label 1, confidence = its bright share), then the end row."""
    g = _Graph()
    (x0, y0, x1, y1), fill, present = _bright_box(g, width, height)
    confidence = g.op("Mul", fill, present)
    coords = [g.op("Div", v, g.const(size)) for v, size in ((x0, width), (y0, height), (x1, width), (y1, height))]
    row = g.op("Concat", g.const(np.zeros((1, 1, 1, 1))), g.const(np.full((1, 1, 1, 1), SSD_LABEL)),
               confidence, *coords, axis=3)
    end = g.const(np.array([-1, 0, 0, 0, 0, 0, 0]).reshape(1, 1, 1, 7))
    out = g.op("Concat", row, end, axis=2)
    return g.model("bright_ssd", width, height, {out: ("detection_out", [1, 1, 2, 7])})


def yolo_model(width: int, height: int):
    """image -> one YOLOv3-style grid per stride (see the module doc)."""
    if width % 32 or height % 32:
        raise ValueError(f"the YOLO toy model needs a size divisible by 32, got {width}x{height}")
    g = _Graph()
    (x0, y0, x1, y1), fill, present = _bright_box(g, width, height)
    half = g.const(0.5)
    cx, cy = g.op("Mul", g.op("Add", x0, x1), half), g.op("Mul", g.op("Add", y0, y1), half)
    bw, bh = g.op("Max", g.op("Sub", x1, x0), g.const(1)), g.op("Max", g.op("Sub", y1, y0), g.const(1))
    outputs = {}
    for i, stride in enumerate(YOLO_STRIDES):
        gw, gh = width // stride, height // stride
        aw, ah = YOLO_ANCHORS[2 * i], YOLO_ANCHORS[2 * i + 1]
        zeros = g.const(np.zeros((1, 1, gh, gw)))
        tx = g.op("Sub", g.op("Div", cx, g.const(stride)), g.const(np.arange(gw).reshape(1, 1, 1, gw)))
        ty = g.op("Sub", g.op("Div", cy, g.const(stride)), g.const(np.arange(gh).reshape(1, 1, gh, 1)))

        def within(t):   # 1 where 0 <= t < 1
            return g.op("Mul", g.op("Cast", g.op("Not", g.op("Less", t, g.const(0))), to=1),
                        g.op("Cast", g.op("Less", t, g.const(1)), to=1))

        objectness = g.op("Mul", g.op("Mul", within(tx), within(ty)), present)      # [1,1,gh,gw]
        tw = g.op("Log", g.op("Div", bw, g.const(aw)))
        th = g.op("Log", g.op("Div", bh, g.const(ah)))
        channels = [g.op("Add", v, zeros) for v in (tx, ty, tw, th, objectness, fill, g.const(0))]
        out = g.op("Concat", *channels, axis=1)
        outputs[out] = (f"grid_stride{stride}", [1, 7, gh, gw])
    return g.model("bright_yolo", width, height, outputs)


def classifier_model(width: int, height: int):
    """image -> probs [1,2]: (1 - bright share, bright share) of the whole picture."""
    g = _Graph()
    lowest = g.op("ReduceMin", "image", axes=[1], keepdims=1)
    mask = g.op("Cast", g.op("Greater", lowest, g.const(BRIGHT)), to=1)
    share = g.op("ReduceMean", mask, axes=[1, 2, 3], keepdims=0)                    # [1]
    share = g.op("Unsqueeze", share, g.op("Cast", g.const([1]), to=7))              # [1,1]
    probs = g.op("Concat", g.op("Sub", g.const(1.0), share), share, axis=1)
    return g.model("bright_share", width, height, {probs: ("probs", [1, 2])})
