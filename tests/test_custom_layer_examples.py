"""Custom layers end to end: a blob whose layers are OpenCL kernels runs in a real device process
(XLinkIn -> NeuralNetwork -> XLinkOut) and gives NumPy's answer, message after message; and
examples/custom_layers/auto_contrast.py runs unchanged under `oakling run --headless`."""
import re
from pathlib import Path

import numpy as np
import pytest

import oakling as dai
from nets import custom_layer_model, custom_layer_reference
from programs import EXAMPLES, assert_recorded, clip_fixture, oakling_run

pytest.importorskip("pyopencl")
pytest.importorskip("openvino")

BINDINGS = Path(__file__).resolve().parent.parent / "examples" / "custom_layers" / "bindings.xml"
clip = clip_fixture(count=20)


def test_a_pipeline_runs_the_models_custom_layers_in_the_device_process(tmp_path):
    import oakling.models
    blob = oakling.models.convert(custom_layer_model(), tmp_path / "layers.blob", custom_layers=BINDINGS)
    p = dai.Pipeline()
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("x")
    nn = p.create(dai.node.NeuralNetwork)
    nn.setBlobPath(blob)
    xin.out.link(nn.input)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("y")
    nn.out.link(xout.input)
    rng = np.random.default_rng(5)
    inputs = [rng.normal(0, 1 + k, (1, 3, 8, 16)).astype(np.float32) for k in range(4)]
    with dai.Device(p) as device:
        q_in, q_out = device.getInputQueue("x"), device.getOutputQueue("y")
        for k, x in enumerate(inputs):
            msg = dai.NNData()
            msg.addTensor("x", x)
            msg.setSequenceNum(100 + k)
            q_in.send(msg)
        for k, x in enumerate(inputs):
            result = q_out.get(timeout=30)
            assert result.getSequenceNum() == 100 + k
            y = np.array(result.getTensor("y"), np.float32)     # FP16, as gen2 code reads it
            np.testing.assert_allclose(y, custom_layer_reference(x), atol=8e-3)
        assert device.getFailedNodes() == {}


def test_the_auto_contrast_example_stretches_every_channel(clip, tmp_path):
    record = tmp_path / "record"
    result = oakling_run("--max-frames", "4", "--record", record, "--camera", f"CAM_A={clip}",
                         EXAMPLES / "custom_layers" / "auto_contrast.py", timeout=120)
    assert_recorded(record, {"auto contrast": (180, 320), "preview": (180, 320)})
    m = re.search(r"channel means ([\d.]+), ([\d.]+), ([\d.]+), deviations ([\d.]+), ([\d.]+), ([\d.]+)",
                  result.stdout)
    assert m, result.stdout
    means, deviations = [float(v) for v in m.groups()[:3]], [float(v) for v in m.groups()[3:]]
    # each channel brought to mean 0 and deviation 1, stretched by 1.5 around 3 of 6, in bytes: mean 127.5
    # and deviation 63.75 — less what the clamp to [0, 6] cuts off a skewed channel, never more
    assert all(64 < v < 192 for v in means), means
    assert all(10 < v < 64 for v in deviations), deviations
