"""PyTorch modules convert through ONNX; the blob computes what the module computes."""
import numpy as np
import pytest

from nets import run_blob   # skips without onnx and openvino
from oakling.models.converter import ConversionError, build_blob

torch = pytest.importorskip("torch")


class Blur(torch.nn.Module):
    """A 3x3 box blur per channel and a global mean: image in, image and vector out."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 3, 3, padding=1, groups=3, bias=False)
        with torch.no_grad():
            self.conv.weight.fill_(1 / 9)

    def forward(self, img):
        blurred = self.conv(img)
        return blurred, blurred.mean(dim=(2, 3))


class Diff(torch.nn.Module):
    """depthai-experiments' two-frame diff: sum over channels of img1 minus that of img2."""

    def forward(self, img1, img2):
        return torch.sum(img1, 1) - torch.sum(img2, 1)


def test_module_with_example_input_round_trips():
    torch.manual_seed(0)
    module = Blur().eval()
    example = torch.rand(1, 3, 12, 10)
    blob = build_blob(module, example_input=example, output_precision="FP32")
    assert [(s.name, s.shape) for s in blob.inputs] == [("img", (1, 3, 12, 10))]     # forward()'s parameter name
    assert [s.name for s in blob.outputs] == ["output0", "output1"]
    assert blob.meta["source"]["kind"] == "pytorch" and blob.meta["source"]["file"] == "Blur (PyTorch)"
    x = torch.rand(1, 3, 12, 10)
    with torch.no_grad():
        want = [t.numpy() for t in module(x)]
    got = run_blob(blob, {"img": x.numpy()})
    np.testing.assert_allclose(got["output0"], want[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got["output1"], want[1], rtol=1e-5, atol=1e-6)


def test_two_inputs_named_and_u8_frames():
    example = (torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8))
    blob = build_blob(Diff(), example_input=example, input_names=["img1", "img2"], output_names=["diff"],
                      input_precision="U8", output_precision="FP32")
    assert [(s.name, s.dtype) for s in blob.inputs] == [("img1", "U8"), ("img2", "U8")]
    a = np.random.default_rng(1).integers(0, 256, (1, 3, 8, 8), dtype=np.uint8)
    b = np.random.default_rng(2).integers(0, 256, (1, 3, 8, 8), dtype=np.uint8)
    want = Diff()(torch.from_numpy(a.astype(np.float32)), torch.from_numpy(b.astype(np.float32))).numpy()
    np.testing.assert_array_equal(run_blob(blob, {"img1": a, "img2": b})["diff"], want)


def test_a_module_needs_an_example_input():
    with pytest.raises(ConversionError, match=r"Blur \(PyTorch\): give example_input=…"):
        build_blob(Blur())
