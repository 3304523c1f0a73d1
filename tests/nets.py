"""Test models, made on the spot with the onnx helper API, and the NumPy answers they must give.

    path = image_model(tmp_path / "net.onnx")          # images [1,3,16,16] -> features [1,4,16,16], pooled [1,4]
    features, pooled = image_reference(x)              # what the model computes for x (NCHW float)
    two_input_model(tmp_path / "sum.onnx")             # a [1,4], b [1,4] -> out = 2a + b
    custom_op_model(tmp_path / "custom.onnx")          # an op OpenVINO cannot convert

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
