#!/usr/bin/env python3
"""A model whose ReLU6 is a custom layer (examples/custom_layers: relu6.cl in half, run by PoCL
inside OpenVINO's graph) against the same model with OpenVINO's own Clip, measured in the same run.

The model is a small camera-sized network: three 3×3 convolutions (3→16→16→16 channels) on a
1×3×224×224 input, each followed by ReLU6. Both blobs are converted with `oakling.models.convert`
the same way (FP32 outputs) and run through the backend the NeuralNetwork node uses, one request,
on the same input. Baseline and custom run back to back in each of ROUNDS rounds (which goes first
alternates); the ratio printed is the median of the rounds' ratios.

A third model, in the same rounds, is the custom one converted without its channels-last edges
(custom_layers.keep_channels_last turned off for that conversion): each custom layer then takes and
gives NCHW, and OpenVINO reorders the convolutions' NHWC output to NCHW and back around it. Its
ratio to the baseline shows what the channels-last edges buy.

Target (issue 14): the custom-layer model at ≥ 50 % of the native one.
"""
import contextlib
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

ROUNDS = 7
INFERENCES = 40
TARGET = 0.5
BINDINGS = Path(__file__).resolve().parents[1] / "examples" / "custom_layers" / "bindings.xml"


def model(path: Path, custom: bool) -> Path:
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(0)
    init = [numpy_helper.from_array(np.array(0.0, np.float32), "zero"),
            numpy_helper.from_array(np.array(6.0, np.float32), "six")]
    nodes, x, cin = [], "x", 3
    for i in range(3):
        w = rng.normal(0, (2 / (9 * cin)) ** 0.5, (16, cin, 3, 3)).astype(np.float32)
        init.append(numpy_helper.from_array(w, f"w{i}"))
        nodes.append(helper.make_node("Conv", [x, f"w{i}"], [f"c{i}"], pads=[1, 1, 1, 1]))
        out = "y" if i == 2 else f"r{i}"
        if custom:
            nodes.append(helper.make_node("MyReLU6", [f"c{i}"], [out], domain="my.ops", name=f"relu6_{i}", max=6.0))
        else:
            nodes.append(helper.make_node("Clip", [f"c{i}", "zero", "six"], [out]))
        x, cin = out, 16
    graph = helper.make_graph(nodes, "relu6net", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 224, 224])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 16, 224, 224])], init)
    opsets = [helper.make_opsetid("", 13)] + ([helper.make_opsetid("my.ops", 1)] if custom else [])
    onnx.save(helper.make_model(graph, opset_imports=opsets), str(path))
    return path


def rate(network, x) -> float:
    """Inferences per second, one request."""
    network.infer({"x": x})   # warm up
    start = time.perf_counter()
    for _ in range(INFERENCES):
        network.infer({"x": x})
    return INFERENCES / (time.perf_counter() - start)


@contextlib.contextmanager
def planar_edges():
    """Conversions in this block leave every custom layer's tensors NCHW."""
    from oakling.models import custom_layers
    kept = custom_layers.keep_channels_last
    custom_layers.keep_channels_last = lambda model: 0
    try:
        yield
    finally:
        custom_layers.keep_channels_last = kept


def main():
    from oakling.models import convert, default_backend
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        native = convert(str(model(folder / "native.onnx", False)), output=str(folder / "native.blob"),
                         output_precision="FP32")
        custom = convert(str(model(folder / "custom.onnx", True)), output=str(folder / "custom.blob"),
                         output_precision="FP32", custom_layers=str(BINDINGS))
        with planar_edges():
            planar = convert(str(folder / "custom.onnx"), output=str(folder / "planar.blob"),
                             output_precision="FP32", custom_layers=str(BINDINGS))
        from oakling.models.blob import ModelBlob
        backend = default_backend()
        nets = {name: backend.load(ModelBlob.read(path), requests=1) for name, path in
                (("native", native), ("custom", custom), ("planar", planar))}
        x = np.random.default_rng(1).normal(0, 1, (1, 3, 224, 224)).astype(np.float32)
        same = np.abs(nets["custom"].infer({"x": x})["y"] - nets["planar"].infer({"x": x})["y"]).max()
        assert same == 0, f"the two custom models disagree by {same}"
        rates = {name: [] for name in nets}
        ratios = {"custom": [], "planar": []}
        for r in range(ROUNDS):
            order = ("native", "custom", "planar") if r % 2 == 0 else ("planar", "custom", "native")
            got = {name: rate(nets[name], x) for name in order}
            for name in got:
                rates[name].append(got[name])
            for name in ratios:
                ratios[name].append(got[name] / got["native"])
        ratio = statistics.median(ratios["custom"])
        verdict = "met" if ratio >= TARGET else "MISSED"
        print(f"3-conv 224x224 net, ReLU6 as an OpenCL custom layer: {statistics.median(rates['custom']):7.1f} inf/s | "
              f"baseline with OpenVINO's Clip: {statistics.median(rates['native']):7.1f} inf/s | ratio {ratio:.2f} "
              f"(target >= {TARGET:.2f}: {verdict})")
        print(f"  the same custom layers with NCHW edges (OpenVINO's reorders around them): "
              f"{statistics.median(rates['planar']):7.1f} inf/s | ratio {statistics.median(ratios['planar']):.2f}")


if __name__ == "__main__":
    main()
