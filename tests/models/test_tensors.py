"""Messages into tensors (models/tensors.py). A stream of frames into one input: the checks are paid once
per kind of frame, yet every frame gives its own pixels, and a frame of another kind is checked again (and
refused with its fix). 16-bit depth: RAW16 frames feed U16 inputs as they are (and gen2's U8 byte-pair
inputs), `input_precision="U16"` makes such a blob, and what cannot fit says how to fix it."""
import numpy as np
import pytest

import oakling as dai
from oakling.models.blob import TensorSpec
from oakling.models.tensors import InputMismatch, OutputLayout, frame_tensor, input_tensors

T = dai.ImgFrame.Type
WHERE = "NeuralNetwork(3).input"
PLANAR = TensorSpec("images", (1, 3, 4, 6), "U8", "NCHW")


def frame(seed, w=6, h=4, frame_type=T.BGR888p):
    f = dai.ImgFrame()
    f.setCvFrame(np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8), frame_type)
    return f


def test_every_frame_of_a_stream_gives_its_own_pixels():
    for seed in range(3):
        f = frame(seed)
        np.testing.assert_array_equal(frame_tensor(f, PLANAR, WHERE), f.getFrame()[None])


@pytest.mark.parametrize("other, fix", [(dict(w=8), "send 6x4 images"),
                                        (dict(frame_type=T.BGR888i), r"setInterleaved\(False\)")])
def test_after_frames_that_fit_one_that_does_not_is_still_refused_with_its_fix(other, fix):
    frame_tensor(frame(0), PLANAR, WHERE)
    with pytest.raises(InputMismatch, match=fix) as e:
        frame_tensor(frame(1, **other), PLANAR, WHERE)
    assert str(e.value).startswith(f"{WHERE}: image ")


def test_a_frame_without_its_pixels_is_refused_even_after_frames_that_fit():
    frame_tensor(frame(0), PLANAR, WHERE)
    empty = dai.ImgFrame()
    empty.setType(T.BGR888p).setWidth(6).setHeight(4)
    with pytest.raises(InputMismatch, match=r"NeuralNetwork\(3\).input: ImgFrame.getFrame: .* needs 72 bytes"):
        frame_tensor(empty, PLANAR, WHERE)


def test_depth_bytes_and_float_inputs_are_read_their_own_way_each_time():
    depth = np.arange(8, dtype=np.uint16).reshape(2, 4) * 300
    raw = dai.ImgFrame()
    raw.setType(T.RAW16).setWidth(4).setHeight(2)
    raw.setFrame(depth)
    as_bytes = TensorSpec("depth", (1, 1, 2, 8), "U8", "NCHW")
    as_float = TensorSpec("depth", (1, 1, 2, 4), "FP32", "NCHW")
    for _ in range(2):
        assert frame_tensor(raw, as_bytes, WHERE).view(np.uint16).reshape(2, 4).tolist() == depth.tolist()
        values = frame_tensor(raw, as_float, WHERE)
        assert values.dtype == np.float32 and values[0, 0].tolist() == depth.tolist()


def test_one_message_for_a_one_input_model_feeds_it_whatever_its_kind():
    f = frame(4)
    assert list(input_tensors(f, {}, [PLANAR], "NeuralNetwork(3)")) == ["images"]
    nn = dai.NNData()
    nn.addTensor("anything", np.arange(72, dtype=np.uint8).reshape(1, 3, 4, 6))
    tensors = input_tensors(nn, {}, [PLANAR], "NeuralNetwork(3)")
    assert tensors["images"].dtype == np.uint8 and tensors["images"].ravel().tolist() == list(range(72))
    buf = dai.Buffer()
    buf.setData(np.zeros(71, np.uint8))
    with pytest.raises(InputMismatch, match=r"NeuralNetwork\(3\).input: a Buffer of 71 bytes"):
        input_tensors(buf, {}, [PLANAR], "NeuralNetwork(3)")


DEPTH_WHERE = "NeuralNetwork(1).inputs['depth']"


def depth_frame(depth: np.ndarray) -> dai.ImgFrame:
    f = dai.ImgFrame()
    f.setType(T.RAW16).setWidth(depth.shape[1]).setHeight(depth.shape[0])
    f.setFrame(depth)
    return f


DEPTH = np.array([[0, 255, 256, 2049], [40000, 65535, 1, 1000]], np.uint16)   # 4x2


@pytest.mark.parametrize("dtype", ["U16", "I32", "FP32"])
def test_raw16_feeds_a_one_channel_input_that_holds_its_values(dtype):
    spec = TensorSpec("depth", (1, 1, 2, 4), dtype, "NCHW")
    tensor = frame_tensor(depth_frame(DEPTH), spec, DEPTH_WHERE)
    assert tensor.dtype == spec.numpy_dtype and tensor.shape == (1, 1, 2, 4)
    np.testing.assert_array_equal(tensor[0, 0], DEPTH)


def test_raw16_feeds_gen2s_u8_input_of_twice_the_width_as_its_bytes():
    spec = TensorSpec("depth", (1, 1, 2, 8), "U8", "NCHW")
    tensor = frame_tensor(depth_frame(DEPTH), spec, DEPTH_WHERE)
    low, high = tensor[..., ::2].astype(int), tensor[..., 1::2].astype(int)
    np.testing.assert_array_equal((256 * high + low)[0, 0], DEPTH)   # what the VPU-era models rebuild


@pytest.mark.parametrize("dtype", ["U8", "FP16"])
def test_raw16_into_an_input_that_would_lose_values_says_to_convert_with_u16(dtype):
    spec = TensorSpec("depth", (1, 1, 2, 4), dtype, "NCHW")
    with pytest.raises(InputMismatch) as e:
        frame_tensor(depth_frame(DEPTH), spec, DEPTH_WHERE)
    assert str(e.value) == (f"{DEPTH_WHERE}: image 4x2 RAW16 does not match input 'depth' [1,1,2,4] {dtype} grey — convert "
                            f"the model with --input-precision depth:U16 (input_precision={{'depth': 'U16'}}) so "
                            f"that it takes the 16-bit values as they are")


def test_raw16_of_the_wrong_size_names_the_size_to_send():
    spec = TensorSpec("depth", (1, 1, 4, 4), "U16", "NCHW")
    with pytest.raises(InputMismatch, match=r"image 4x2 RAW16 does not match input 'depth' \[1,1,4,4\] U16 grey — "
                                            r"send 4x4 images"):
        frame_tensor(depth_frame(DEPTH), spec, DEPTH_WHERE)


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


def test_an_output_layout_writes_big_messages_into_the_memory_it_is_given_with_the_gaps_zeroed():
    """`new(alloc)`: a message links would lend lies in memory from `alloc` (an output's frame pool,
    which may hold an older message's bytes); small ones stay in zeroed memory of their own."""
    stale = lambda shape, dtype: np.full(shape, 0xAB, dtype)   # a reused buffer
    big = OutputLayout([TensorSpec("a", (1, 3), "U8"), TensorSpec("b", (1, 20000), "FP32")])
    message, arrays = big.new(stale)
    arrays["a"][...] = 7
    arrays["b"][...] = 1.5
    assert message._data.nbytes >= 64 * 1024
    assert message.getTensor("a").tolist() == [[7, 7, 7]] and np.all(message.getTensor("b") == 1.5)
    written = np.zeros(message._data.size, bool)
    for name in ("a", "b"):
        start = arrays[name].__array_interface__["data"][0] - message._data.__array_interface__["data"][0]
        written[start:start + arrays[name].nbytes] = True
    assert written.sum() < written.size and not message._data[~written].any()   # the gaps are zeroed
    small, _ = OutputLayout([TensorSpec("a", (1, 3), "U8")]).new(stale)
    assert not small._data.any()


def test_out_messages_share_their_layout_but_a_layer_replaced_in_one_leaves_the_others_as_they_were():
    specs = [TensorSpec("a", (1, 3), "FP32"), TensorSpec("b", (1, 5), "FP16")]
    layout = OutputLayout(specs)
    first, outputs = layout.new()
    second, _ = layout.new()
    outputs["a"][...] = [[1, 2, 3]]
    outputs["b"][...] = 7
    first.setLayer("a", [4, 5])   # the others move: in `first` only
    assert first.getAllLayerNames() == ["b", "a"] and first.getTensorInfo("b").offset == 0
    assert [t.offset for t in second.getAllLayers()] == [0, 64]
    np.testing.assert_array_equal(first.getTensor("b"), np.full((1, 5), 7, np.float16))
    assert second.getTensor("b").shape == (1, 5)

