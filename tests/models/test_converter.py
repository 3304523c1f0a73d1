"""oakling.models.convert: ONNX, IR and TFLite in, a blob out that computes what the model computes."""
import numpy as np
import pytest

from nets import (argmax_model, blazeface_model, custom_op_model, image_model, image_reference, picture, run_blob,
                  square_model, two_input_model)
from oakling.models import ModelBlob, convert
from oakling.models.converter import ConversionError, build_blob

RTOL16 = 2 ** -10   # FP16 outputs: 10 mantissa bits


def nchw(img):
    return img.transpose(2, 0, 1)[None]


def test_onnx_round_trip_computes_what_the_model_computes(tmp_path):
    path = convert(image_model(tmp_path / "net.onnx"), tmp_path / "net.blob", output_precision="FP32")
    blob = ModelBlob.read(path)
    assert [(s.name, s.shape, s.dtype, s.layout) for s in blob.inputs] == [("images", (1, 3, 16, 16), "FP32", "NCHW")]
    assert [(s.name, s.shape, s.dtype) for s in blob.outputs] == [("features", (1, 4, 16, 16), "FP32"),
                                                                  ("pooled", (1, 4), "FP32")]
    meta = blob.meta
    assert meta["source"]["kind"] == "onnx" and meta["source"]["file"] == "net.onnx"
    assert meta["source"]["sha256"] == __import__("hashlib").sha256((tmp_path / "net.onnx").read_bytes()).hexdigest()
    assert meta["precision"] == "FP32" and meta["inputs"][0]["preprocess"]["mean"] is None
    x = nchw(picture()).astype(np.float32)
    out = run_blob(blob, {"images": x})
    features, pooled = image_reference(x)
    np.testing.assert_allclose(out["features"], features, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(out["pooled"], pooled, rtol=1e-5, atol=1e-4)


def test_defaults_add_nothing_but_fp16_outputs(tmp_path):
    blob = build_blob(image_model(tmp_path / "net.onnx"))
    assert blob.inputs[0].dtype == "FP32"                      # no -ip U8 unless asked
    record = blob.meta["inputs"][0]["preprocess"]
    assert (record["mean"], record["scale"], record["reverse_channels"]) == (None, None, False)
    assert [s.dtype for s in blob.outputs] == ["FP16", "FP16"]  # compile_tool's -op default
    x = nchw(picture()).astype(np.float32)
    out = run_blob(blob, {"images": x})
    assert out["features"].dtype == np.float16
    np.testing.assert_allclose(out["features"], image_reference(x)[0], rtol=RTOL16, atol=1e-2)


def test_u8_input_with_mean_scale_and_reverse_channels(tmp_path):
    mean, scale = [10.0, 20.0, 30.0], [2.0, 4.0, 8.0]
    blob = build_blob(image_model(tmp_path / "net.onnx"), input_precision="U8", mean_values=mean,
                      scale_values=scale, reverse_input_channels=True, output_precision="FP32")
    assert blob.inputs[0].dtype == "U8"
    record = blob.meta["inputs"][0]["preprocess"]
    assert (record["mean"], record["scale"], record["reverse_channels"]) == (mean, scale, True)
    img = picture(seed=3)
    out = run_blob(blob, {"images": nchw(img)})
    # reverse first, then mean and scale in the model's channel order (Model Optimizer's order)
    want = (nchw(img)[:, ::-1].astype(np.float64) - np.array(mean)[None, :, None, None]) / \
        np.array(scale)[None, :, None, None]
    np.testing.assert_allclose(out["features"], image_reference(want)[0], rtol=1e-5, atol=1e-4)


def test_one_scale_value_for_every_channel(tmp_path):
    blob = build_blob(image_model(tmp_path / "net.onnx"), input_precision="U8", scale_values=255,
                      output_precision="FP32")
    img = picture(seed=4)
    out = run_blob(blob, {"images": nchw(img)})
    np.testing.assert_allclose(out["pooled"], image_reference(nchw(img) / 255.0)[1], rtol=1e-5, atol=1e-5)


def test_layout_nchw_to_nhwc_makes_the_blob_take_interleaved_frames(tmp_path):
    blob = build_blob(image_model(tmp_path / "net.onnx"), layout="NCHW->NHWC", input_precision="U8",
                      output_precision="FP32")
    spec = blob.inputs[0]
    assert (spec.shape, spec.layout, spec.describe()) == ((1, 16, 16, 3), "NHWC", "[1,16,16,3] U8 interleaved")
    img = picture(seed=5)
    out = run_blob(blob, {"images": img[None]})
    np.testing.assert_allclose(out["features"], image_reference(nchw(img))[0], rtol=1e-5, atol=1e-4)


def test_dynamic_shape_needs_input_shape_and_says_which(tmp_path):
    path = image_model(tmp_path / "dyn.onnx", dynamic=True)
    with pytest.raises(ConversionError) as e:
        build_blob(path)
    text = str(e.value)
    assert "dyn.onnx: input 'images' has a dynamic shape [?,3,?,?]" in text
    assert "--input-shape images:[1,3,?,?] (with each ? replaced by a size)" in text
    blob = build_blob(path, input_shape=[1, 3, 24, 32], output_precision="FP32")
    assert blob.inputs[0].shape == (1, 3, 24, 32)
    assert blob.outputs[0].shape == (1, 4, 24, 32)
    assert blob.meta["options"]["input_shape"] == {"images": [1, 3, 24, 32]}
    x = nchw(picture(24, 32)).astype(np.float32)
    np.testing.assert_allclose(run_blob(blob, {"images": x})["features"], image_reference(x)[0], rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("options, message", [
    (dict(input_shape=[1, 4, 16, 16]), "dimension 1 of input 'images' is fixed at 3"),
    (dict(input_shape=[1, 3, 16]), "has 4 dimensions [1,3,16,16], the shape given has 3"),
    (dict(input_shape={"image": [1, 3, 8, 8]}), "has no input 'image' — its inputs are ['images']"),
    (dict(mean_values=[1.0, 2.0]), "2 values for input 'images' [1,3,16,16] with 3 channels — give 3 values or one"),
    (dict(scale_values=0), "a scale of 0 divides by zero"),
    (dict(precision="FP8"), "precision: expected one of FP32, FP16, got 'FP8'"),
    (dict(input_precision="I4"), "expected one of U8, U16, FP16, FP32"),
    (dict(layout="NCH"), "NCH has 3 letters, input 'images' has 4 dimensions"),
    (dict(shaves=17), "shaves: expected a whole number from 1 to 16"),
])
def test_option_errors_say_what_to_give(tmp_path, options, message):
    with pytest.raises(ConversionError) as e:
        build_blob(image_model(tmp_path / "net.onnx"), **options)
    assert message in str(e.value)


def test_unsupported_op_is_named_with_its_node(tmp_path):
    with pytest.raises(ConversionError) as e:
        convert(custom_op_model(tmp_path / "custom.onnx"), tmp_path / "custom.blob")
    text = str(e.value)
    assert "custom.onnx: OpenVINO cannot convert this operation: 'FrameDiff' (domain 'my.ops', node 'diff_node')" \
        in text
    assert "rewrite that part of the model" in text
    assert not (tmp_path / "custom.blob").exists()


def test_files_it_cannot_take(tmp_path):
    with pytest.raises(ConversionError, match="no such file"):
        build_blob(tmp_path / "missing.onnx")
    (tmp_path / "model.pb").write_bytes(b"x")
    with pytest.raises(ConversionError, match=r"oakling converts ONNX \(.onnx\), TFLite \(.tflite\)"):
        build_blob(tmp_path / "model.pb")
    (tmp_path / "broken.onnx").write_bytes(b"not a model")
    with pytest.raises(ConversionError, match="broken.onnx: OpenVINO could not read the model"):
        build_blob(tmp_path / "broken.onnx")


def test_multi_input_model_options_by_name(tmp_path):
    path = two_input_model(tmp_path / "two.onnx")
    with pytest.raises(ConversionError, match=r"has 2 inputs \['a', 'b'\] — say which one"):
        build_blob(path, input_shape=[1, 4])
    blob = build_blob(path, mean_values={"b": [1.0]}, input_precision={"a": "FP16"}, output_precision="FP32")
    assert [s.dtype for s in blob.inputs] == ["FP16", "FP32"]
    a, b = np.array([[1, 2, 3, 4]], np.float16), np.array([[5, 6, 7, 8]], np.float32)
    np.testing.assert_allclose(run_blob(blob, {"a": a, "b": b})["out"], 2 * a.astype(np.float32) + b - 1)


def test_integer_outputs_keep_their_type(tmp_path):
    blob = build_blob(argmax_model(tmp_path / "argmax.onnx"))
    assert {s.name: s.dtype for s in blob.outputs} == {"index": "I64", "probs": "FP16"}
    out = run_blob(blob, {"x": np.array([[0.1, 3.0, 0.2, -1.0, 2.0]], np.float32)})
    assert out["index"].tolist() == [1]


def test_fp16_precision_halves_the_weights_and_overflows_like_the_vpu(tmp_path):
    net = image_model(tmp_path / "net.onnx", height=8, width=8)
    fp32, fp16 = build_blob(net, cache=False), build_blob(net, precision="FP16", cache=False)
    assert fp16.precision == "FP16" and fp16.meta["options"]["precision"] == "FP16"
    assert len(fp16.weights) < len(fp32.weights)
    x = nchw(picture(8, 8)).astype(np.float32)
    np.testing.assert_allclose(run_blob(fp16, {"images": x})["features"], image_reference(x)[0], rtol=1e-2, atol=0.5)
    square = build_blob(square_model(tmp_path / "sq.onnx"), precision="FP16")
    y = run_blob(square, {"x": np.array([[300, 2, -3, 0.5]], np.float32)})["y"]
    assert np.isinf(y[0, 0]) and y[0, 1:].tolist() == [4, 9, 0.25]    # 90000 > 65504: inf in FP16


def test_openvino_ir_round_trip(tmp_path):
    import openvino as ov
    model = ov.convert_model(str(image_model(tmp_path / "net.onnx")))
    ov.save_model(model, str(tmp_path / "ir" / "net.xml"), compress_to_fp16=False)
    blob = build_blob(tmp_path / "ir" / "net.xml", output_precision="FP32")
    assert blob.meta["source"]["kind"] == "openvino-ir"
    x = nchw(picture(seed=9)).astype(np.float32)
    np.testing.assert_allclose(run_blob(blob, {"images": x})["pooled"], image_reference(x)[1], rtol=1e-5, atol=1e-5)
    (tmp_path / "ir" / "net.bin").rename(tmp_path / "ir" / "weights.bin")
    with pytest.raises(ConversionError, match="its weights file .*net.bin does not exist — put the .bin beside"):
        build_blob(tmp_path / "ir" / "net.xml")
    assert build_blob(tmp_path / "ir" / "net.xml", weights=tmp_path / "ir" / "weights.bin").inputs[0].name == "images"


def test_default_output_path_is_beside_the_model(tmp_path):
    path = convert(two_input_model(tmp_path / "two.onnx"), cache=False)
    assert path == tmp_path / "two.blob" and path.is_file()


def test_tflite_face_detector_converts_and_runs(tmp_path):
    blob = build_blob(blazeface_model("short_range"), output_precision="FP32")
    assert [(s.shape, s.layout) for s in blob.inputs] == [((1, 128, 128, 3), "NHWC")]
    assert sorted(s.shape for s in blob.outputs) == [(1, 896, 1), (1, 896, 16)]
    out = run_blob(blob, {blob.inputs[0].name: np.zeros((1, 128, 128, 3), np.float32)})
    assert all(np.isfinite(v).all() for v in out.values())
