"""Detectors of a known object for the spatial tests: models that always find one box, where the test
says the object is (say the synthetic stereo scene's near board), so the spatial coordinates can be
checked against the scene's true geometry. They are real models converted to blobs, in the layouts
MobileNetDetectionNetwork and YoloDetectionNetwork decode; the picture is read (its mean is added
with weight 0) so OpenVINO keeps the input.

    path = known_box_blob("ssd", (0.2, 0.3, 0.4, 0.6), 300, 300, folder)
    path = known_box_blob("yolo", (0.2, 0.3, 0.4, 0.6), 416, 416, folder)   # see YOLO_SETTINGS
"""
from pathlib import Path

import numpy as np

import oakling as dai
from oakling.calibration import oak_d
from oakling.sources.stereo_scene import board_at

LABEL = 5
YOLO_STRIDES = (16, 32)
YOLO_ANCHORS = [32, 32, 96, 96]
YOLO_CLASSES = 2
NEAR = board_at("near board")
PART = (-500, -150, -200, 250)   # x0, x1, y0, y1 (mm, colour camera axes): the near board less its edges
CENTRE_PART = (-380, -170, -200, 250)   # the part of it inside the right camera's centred square (400x400 of 640x400)
CENTRE_SQUARE = (0.1875, 0.0, 0.8125, 1.0)   # that square, normalised: what ImageManip's setResize(n, n) keeps


def camera(socket, width, height):
    """(fx, fy, cx, cy, x position in mm from the colour camera) of the default calibration's camera."""
    calib = oak_d()
    (fx, _, cx), (_, fy, cy), _ = calib.getCameraIntrinsics(socket, width, height)
    cam_x = calib.getCameraTranslationVector(socket, dai.CameraBoardSocket.CAM_A)[0] * 10.0
    return fx, fy, cx, cy, cam_x


def box_on(socket, width, height, board=NEAR, part=PART):
    """(xmin, ymin, xmax, ymax), normalised, of `part` of the scene's `board` seen by the camera on `socket`."""
    fx, fy, cx, cy, cam_x = camera(socket, width, height)
    x0, x1, y0, y1 = part
    u0, u1 = (fx * (x - cam_x) / board.z + cx for x in (x0, x1))
    v0, v1 = (fy * y / board.z + cy for y in (y0, y1))
    return u0 / width, v0 / height, u1 / width, v1 / height


def box_in(box, crop):
    """`box` (xmin, ymin, xmax, ymax, normalised on a picture) on the part `crop` (xmin, ymin, xmax, ymax,
    normalised) of that picture cut out, as a network fed that part sees it."""
    cx0, cy0, cx1, cy1 = crop
    w, h = cx1 - cx0, cy1 - cy0
    return (box[0] - cx0) / w, (box[1] - cy0) / h, (box[2] - cx0) / w, (box[3] - cy0) / h


def place(socket, board=NEAR, part=PART):
    """The true (X, Y, Z) in mm of the centre of `part` of `board` from the camera on `socket`, in gen2's
    spatial axes (X right, Y up, Z ahead)."""
    x0, x1, y0, y1 = part
    cam_x = camera(socket, 640, 400)[4]
    return (x0 + x1) / 2 - cam_x, -(y0 + y1) / 2, board.z


def yolo_settings(width: int) -> dict:
    return {"classes": YOLO_CLASSES, "coordinates": 4, "anchors": YOLO_ANCHORS,
            "masks": {f"side{width // s}": [i] for i, s in enumerate(YOLO_STRIDES)}}


def _ssd_outputs(box) -> dict:
    rows = np.array([[0, LABEL, 0.9, *box], [-1, 0, 0, 0, 0, 0, 0]], np.float32).reshape(1, 1, 2, 7)
    return {"detection_out": rows}


def _yolo_outputs(box, width: int, height: int, classes: int = YOLO_CLASSES, anchors=None, masks=None) -> dict:
    """One grid per stride (16, 32), `masks[i]` the anchors of grid i; the box's centre cell of the
    stride-16 grid holds it, with its first anchor (label 0)."""
    anchors = YOLO_ANCHORS if anchors is None else anchors
    masks = masks or [[0], [1]]
    x0, y0, x1, y1 = box[0] * width, box[1] * height, box[2] * width, box[3] * height
    cx, cy, bw, bh = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0
    outputs = {}
    for i, stride in enumerate(YOLO_STRIDES):
        gw, gh = width // stride, height // stride
        per_box = 4 + 1 + classes
        grid = np.zeros((1, per_box * len(masks[i]), gh, gw), np.float32)
        if i == 0:
            col, row = int(cx // stride), int(cy // stride)
            aw, ah = anchors[2 * masks[0][0]], anchors[2 * masks[0][0] + 1]
            grid[0, :5, row, col] = [cx / stride - col, cy / stride - row, np.log(bw / aw), np.log(bh / ah), 1]
            grid[0, 5, row, col] = 1
        outputs[f"grid_stride{stride}"] = grid
    return outputs


def known_box_model(kind: str, box, width: int, height: int, **yolo):
    """An ONNX model taking a [1,3,height,width] picture and finding `box` (xmin, ymin, xmax, ymax, 0..1).
    `yolo`: classes, anchors (flat) and masks (anchor indices per grid, stride 16 first)."""
    from onnx import TensorProto, helper, numpy_helper
    outputs = _ssd_outputs(box) if kind == "ssd" else _yolo_outputs(box, width, height, **yolo)
    nodes = [helper.make_node("ReduceMean", ["image"], ["mean"], keepdims=1),
             helper.make_node("Mul", ["mean", "zero"], ["nothing"])]
    constants = [numpy_helper.from_array(np.zeros((1, 1, 1, 1), np.float32), "zero")]
    for name, value in outputs.items():
        constants.append(numpy_helper.from_array(value, f"{name}_value"))
        nodes.append(helper.make_node("Add", [f"{name}_value", "nothing"], [name]))
    graph = helper.make_graph(nodes, f"known_{kind}",
                              [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, height, width])],
                              [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(v.shape))
                               for n, v in outputs.items()], constants)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


def known_box_blob(kind: str, box, width: int, height: int, folder, **yolo) -> str:
    from oakling.models.converter import build_blob
    path = Path(folder) / f"known_{kind}_{width}x{height}.blob"
    build_blob(known_box_model(kind, box, width, height, **yolo), input_precision="U8").write(path)
    return str(path)
