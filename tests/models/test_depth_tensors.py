"""16-bit depth into models: RAW16 frames feed U16 inputs as they are (and gen2's U8 byte-pair
inputs), `input_precision="U16"` makes such a blob, and what cannot fit says how to fix it."""
import numpy as np
import pytest

import oakling as dai
from oakling.models.blob import TensorSpec
from oakling.models.tensors import InputMismatch, frame_tensor

T = dai.ImgFrame.Type
WHERE = "NeuralNetwork(1).inputs['depth']"


def depth_frame(depth: np.ndarray) -> dai.ImgFrame:
    f = dai.ImgFrame()
    f.setType(T.RAW16).setWidth(depth.shape[1]).setHeight(depth.shape[0])
    f.setFrame(depth)
    return f


DEPTH = np.array([[0, 255, 256, 2049], [40000, 65535, 1, 1000]], np.uint16)   # 4x2


@pytest.mark.parametrize("dtype", ["U16", "I32", "FP32"])
def test_raw16_feeds_a_one_channel_input_that_holds_its_values(dtype):
    spec = TensorSpec("depth", (1, 1, 2, 4), dtype, "NCHW")
    tensor = frame_tensor(depth_frame(DEPTH), spec, WHERE)
    assert tensor.dtype == spec.numpy_dtype and tensor.shape == (1, 1, 2, 4)
    np.testing.assert_array_equal(tensor[0, 0], DEPTH)


def test_raw16_feeds_gen2s_u8_input_of_twice_the_width_as_its_bytes():
    spec = TensorSpec("depth", (1, 1, 2, 8), "U8", "NCHW")
    tensor = frame_tensor(depth_frame(DEPTH), spec, WHERE)
    low, high = tensor[..., ::2].astype(int), tensor[..., 1::2].astype(int)
    np.testing.assert_array_equal((256 * high + low)[0, 0], DEPTH)   # what the VPU-era models rebuild


@pytest.mark.parametrize("dtype", ["U8", "FP16"])
def test_raw16_into_an_input_that_would_lose_values_says_to_convert_with_u16(dtype):
    spec = TensorSpec("depth", (1, 1, 2, 4), dtype, "NCHW")
    with pytest.raises(InputMismatch) as e:
        frame_tensor(depth_frame(DEPTH), spec, WHERE)
    assert str(e.value) == (f"{WHERE}: image 4x2 RAW16 does not match input 'depth' [1,1,2,4] {dtype} grey — convert "
                            f"the model with --input-precision depth:U16 (input_precision={{'depth': 'U16'}}) so "
                            f"that it takes the 16-bit values as they are")


def test_raw16_of_the_wrong_size_names_the_size_to_send():
    spec = TensorSpec("depth", (1, 1, 4, 4), "U16", "NCHW")
    with pytest.raises(InputMismatch, match=r"image 4x2 RAW16 does not match input 'depth' \[1,1,4,4\] U16 grey — "
                                            r"send 4x4 images"):
        frame_tensor(depth_frame(DEPTH), spec, WHERE)


def test_a_u16_input_blob_computes_on_the_values_as_they_are(tmp_path):
    torch = pytest.importorskip("torch")
    from nets import run_blob   # skips without onnx and openvino
    from oakling.models.converter import build_blob

    class Half(torch.nn.Module):
        def forward(self, depth):
            return depth * 0.5

    blob = build_blob(Half(), example_input=torch.ones(1, 1, 2, 4), input_names=["depth"], input_precision="U16",
                      output_precision="FP32")
    assert [(s.name, s.dtype) for s in blob.inputs] == [("depth", "U16")]
    got = run_blob(blob, {"depth": DEPTH[None, None]})["output"]
    np.testing.assert_array_equal(got[0, 0], DEPTH.astype(np.float32) / 2)
