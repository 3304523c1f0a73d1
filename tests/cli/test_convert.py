"""`oakling convert` (and `oakling inspect` on what it wrote): options as Model Optimizer and compile_tool
spell them."""
import json

import pytest

import nets
from oakling.cli import main
from oakling.cli.convert import OptionError, per_input, precisions, split_name
from oakling.models.blob import ModelBlob


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_convert_then_inspect(tmp_path, capsys):
    model = nets.image_model(tmp_path / "net.onnx")
    code, out, err = run(capsys, "convert", str(model), "-o", str(tmp_path / "net.blob"), "-ip", "U8",
                         "--mean-values", "[0,0,0]", "--scale_values", "255", "--reverse-input-channels",
                         "--shaves", "6")
    assert code == 0, err
    assert out.startswith(f"wrote {tmp_path / 'net.blob'} (") and "bytes, FP32)" in out.splitlines()[0]
    assert "Network inputs:\n    images : U8 / NCHW [1,3,16,16] planar; mean [0,0,0], scale [255], reverse channels, " \
           "model takes FP32\n" in out
    assert "Network outputs:\n    features : FP16 / NCHW [1,4,16,16]\n    pooled : FP16 / NC [1,4]\n" in out
    blob = ModelBlob.read(tmp_path / "net.blob")
    assert blob.meta["options"]["shaves"] == 6 and blob.meta["threads"] == 6

    code, out, err = run(capsys, "inspect", str(tmp_path / "net.blob"))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("net.blob: oakling blob (format 1), ") and lines[0].endswith(" bytes, FP32")
    assert lines[1].startswith("  converted from net.onnx (onnx, sha256 ") and "with OpenVINO 20" in lines[1]
    assert lines[2] == "  6 CPU threads per inference (--shaves 6)"
    assert lines[-1].startswith("Compiled cache: OpenVINO ") and lines[-1].endswith(
        "fits this machine: used when the blob is loaded")

    code, out, _ = run(capsys, "inspect", "--json", str(tmp_path / "net.blob"))
    assert code == 0 and json.loads(out)["inputs"][0]["preprocess"]["scale"] == [255.0]


def test_convert_errors_exit_1_with_the_message(tmp_path, capsys):
    code, _, err = run(capsys, "convert", str(nets.image_model(tmp_path / "dyn.onnx", dynamic=True)))
    assert code == 1
    assert err.startswith("oakling convert: error: dyn.onnx: input 'images' has a dynamic shape [?,3,?,?]")
    code, _, err = run(capsys, "convert", str(nets.custom_op_model(tmp_path / "c.onnx")))
    assert code == 1 and "cannot convert this operation: 'FrameDiff'" in err
    code, _, err = run(capsys, "convert", str(tmp_path / "dyn.onnx"), "--input-shape", "1,3,8,8",
                       "--input-shape", "images:1,3,8,8")
    assert code == 2 and "give it for every input by name, or once without a name" in err
    code, _, err = run(capsys, "convert", str(tmp_path / "dyn.onnx"), "--precision", "FP64")
    assert code == 2 and "invalid choice" in err


def test_custom_layers_from_the_command_line_and_inspect_lists_them(tmp_path, capsys):
    from pathlib import Path
    bindings = Path(__file__).resolve().parents[2] / "examples" / "custom_layers" / "bindings.xml"
    model = nets.custom_layer_model(tmp_path / "layers.onnx")
    code, out, err = run(capsys, "convert", str(model), "--custom-layers", str(bindings), "-iop", "y:FP32",
                         "-o", str(tmp_path / "layers.blob"))
    assert code == 0, err
    code, out, err = run(capsys, "inspect", str(tmp_path / "layers.blob"))
    assert code == 0, err
    assert out.splitlines()[0].startswith("layers.blob: oakling blob (format 2), ")
    assert ("Network outputs:\n    y : FP32 / NCHW [1,3,8,16]\n"
            "Custom layers (3, OpenCL kernels bound by bindings.xml):\n"
            "    mvn : MyMVN [1,3,8,16] epsilon=9.999999747378752e-06 — mvn_reduce() in mvn.cl; then mvn_scale() in "
            "mvn.cl (bindings.xml:34)\n"
            "    scale_shift : MyScaleShift [1,3,8,16] — scale_shift_byxf() in scale_shift.cl (bindings.xml:20)\n"
            "    relu6 : MyReLU6 [1,3,8,16] max=6.0 — relu6() in relu6.cl (bindings.xml:7)\n") in out
    code, _, err = run(capsys, "convert", str(model), "--custom-layers", str(tmp_path / "none.xml"))
    assert code == 1 and "none.xml: no such file — give the custom-layer binding XML" in err


def test_dynamic_model_fixed_from_the_command_line_with_a_named_shape(tmp_path, capsys):
    model = nets.image_model(tmp_path / "dyn.onnx", dynamic=True)
    code, out, err = run(capsys, "convert", str(model), "--input-shape", "images[1,3,20,24]", "--no-cache",
                         "--layout", "NCHW->NHWC", "-op", "FP32")
    assert code == 0, err
    assert "    images : FP32 / NHWC [1,20,24,3] interleaved; model takes NCHW\n" in out
    assert "    features : FP32 / NCHW [1,4,20,24]\n" in out
    assert "Compiled cache: none — the model is compiled from the IR when the blob is loaded" in out
    assert (tmp_path / "dyn.blob").is_file()


def test_iop_splits_between_inputs_and_outputs(tmp_path, capsys):
    model = nets.two_input_model(tmp_path / "two.onnx")
    code, out, err = run(capsys, "convert", str(model), "-iop", "a:U8,out:FP32", "--no-cache")
    assert code == 0, err
    blob = ModelBlob.read(tmp_path / "two.blob")
    assert {s.name: s.dtype for s in blob.inputs} == {"a": "U8", "b": "FP32"}
    assert blob.outputs[0].dtype == "FP32"


@pytest.mark.parametrize("spec, parts", [
    ("1,3,8,8", (None, "1,3,8,8")), ("[1,3,8,8]", (None, "1,3,8,8")), ("x:1,2", ("x", "1,2")),
    ("x[1,2]", ("x", "1,2")), ("x:[1,2]", ("x", "1,2")), ("input:0:NCHW", ("input:0", "NCHW")),
    ("NCHW->NHWC", (None, "NCHW->NHWC")),
])
def test_named_values(spec, parts):
    assert split_name(spec) == parts


def test_precision_lists():
    assert precisions(["u8"], "-ip") == "U8"
    assert precisions(["a:U8,b:FP16"], "-ip") == {"a": "U8", "b": "FP16"}
    with pytest.raises(OptionError):
        per_input(["1", "x:2"], int, "--x")


def test_decode_from_the_command_line_and_inspect_shows_it(tmp_path, capsys):
    model = nets.blazeface_model("short_range")
    code, _, err = run(capsys, "convert", str(model), "-o", str(tmp_path / "face.blob"), "--decode", "blazeface-back")
    assert code == 1 and "the model has input [1,128,128,3] and outputs [1,896,16], [1,896,1] — the schemes " \
                         "that fit: blazeface-short" in err
    assert not (tmp_path / "face.blob").exists()
    code, out, err = run(capsys, "convert", str(model), "-o", str(tmp_path / "face.blob"), "--decode",
                         "blazeface-short", "--score-threshold", "0.6", "--iou-threshold", "0.4",
                         "--max-detections", "10", "-ip", "U8", "--no-cache")
    assert code == 0, err
    assert "Network outputs:\n    detection_out : FP16 / NCHW [1,1,10,7]\n" in out
    code, out, err = run(capsys, "inspect", str(tmp_path / "face.blob"))
    assert code == 0, err
    assert "\nDecoding: blazeface-short — 'regressors' and 'classificators' over 896 anchors (16×16×2, 8×8×6) → " \
           "sigmoid, boxes, NMS (score > 0.6, IoU ≥ 0.4, at most 10) → 'detection_out' [1,1,10,7] rows, label 0\n" \
           in out
    code, _, err = run(capsys, "convert", str(model), "--score-threshold", "0.6")
    assert code == 1 and "score_threshold: only with decode=… (--decode SCHEME)" in err
