"""Custom layers inside converted models: bound layers of an ONNX model (a custom domain) or an
OpenVINO IR run through their OpenCL kernels inside OpenVINO's graph, and give what NumPy and
OpenVINO's own ops give; the kernels travel in the blob; mistakes are refused at conversion."""
import shutil
from pathlib import Path

import numpy as np
import pytest

from nets import (conv_custom_layer_model, custom_layer_model, custom_layer_reference, custom_op_model, grn_ir, grn_reference, run_blob,
                  softmax_model, softmax_reference)
from oakling.models.blob import ModelBlob
from oakling.models.converter import ConversionError, build_blob
from oakling.models.custom_layers import OP_TYPE

pytest.importorskip("pyopencl")

BINDINGS = Path(__file__).resolve().parents[2] / "examples" / "custom_layers" / "bindings.xml"


@pytest.fixture(scope="module")
def custom_blob():
    return build_blob(custom_layer_model(), custom_layers=BINDINGS, output_precision="FP32")


def test_the_custom_layers_give_numpys_answer_and_openvinos_own_ops(custom_blob):
    x = np.random.default_rng(0).normal(0, 2, (1, 3, 8, 16)).astype(np.float32)
    y = run_blob(ModelBlob.from_bytes(custom_blob.to_bytes()), {"x": x})["y"]
    np.testing.assert_allclose(y, custom_layer_reference(x), atol=4e-3)     # one FP16 step at 6 at most
    native = run_blob(build_blob(custom_layer_model(custom=False), output_precision="FP32"), {"x": x})["y"]
    np.testing.assert_allclose(y, native, atol=4e-3)                        # OpenVINO's ops compute in f32
    assert np.abs(y - native).max() > 0                                     # ReLU6's kernel rounds to FP16


def test_the_blob_carries_its_kernels_and_lists_its_layers(custom_blob, tmp_path):
    assert custom_blob.meta["format"] == 2
    assert set(custom_blob.kernels) == {"bindings.xml", "relu6.cl", "scale_shift.cl", "mvn.cl", "grn.cl",
                                         "softmax.cl"}
    layers = custom_blob.meta["custom_layers"]["layers"]
    assert [(l["name"], l["type"]) for l in layers] == [("mvn", "MyMVN"), ("scale_shift", "MyScaleShift"),
                                                        ("relu6", "MyReLU6")]
    assert layers[0]["stages"] == ["mvn_reduce() in mvn.cl", "mvn_scale() in mvn.cl"]
    assert layers[1]["inputs"] == [[[1, 3, 8, 16], "FP32"], [[3], "FP32"], [[3], "FP32"]]
    assert layers[2]["attributes"] == {"max": "6.0"} and layers[2]["binding"] == "bindings.xml:7"
    assert custom_blob.xml.count(f'type="{OP_TYPE}"'.encode()) == 3
    plain = build_blob(custom_layer_model(custom=False))
    assert plain.meta["format"] == 1 and plain.kernels is None and "custom_layers" not in plain.meta


def test_a_blob_runs_without_its_bindings_on_disk(tmp_path):
    folder = tmp_path / "layers"
    shutil.copytree(BINDINGS.parent, folder)
    path = build_blob(custom_layer_model(height=4, width=8), custom_layers=folder / "bindings.xml",
                      output_precision="FP32", cache=False).write(tmp_path / "net.blob")
    shutil.rmtree(folder)
    x = np.random.default_rng(1).normal(size=(1, 3, 4, 8)).astype(np.float32)
    y = run_blob(ModelBlob.read(path), {"x": x})["y"]
    np.testing.assert_allclose(y, custom_layer_reference(x), atol=4e-3)


def test_an_ir_layer_of_a_bound_type_runs_the_kernel_instead_of_openvinos_op(tmp_path):
    path = grn_ir(tmp_path / "grn.xml")
    blob = build_blob(path, custom_layers=BINDINGS, output_precision="FP32")
    assert [l["type"] for l in blob.meta["custom_layers"]["layers"]] == ["GRN"]
    x = np.random.default_rng(2).normal(0, 2, (1, 8, 6, 16)).astype(np.float32)
    y = run_blob(blob, {"x": x})["y"]
    np.testing.assert_allclose(y, grn_reference(x), atol=1e-3)
    native = run_blob(build_blob(path, output_precision="FP32"), {"x": x})["y"]
    np.testing.assert_allclose(y, native, atol=1e-3)


@pytest.mark.parametrize("shape", [(1, 5, 3, 13), (2, 3, 4, 7)])   # a row of 8 and a tail; a tail alone, 2 items
def test_a_softmax_over_channels_gives_numpys_answer_and_openvinos_own_softmax(shape):
    blob = build_blob(softmax_model(shape), custom_layers=BINDINGS, output_precision="FP32")
    assert [(l["name"], l["stages"]) for l in blob.meta["custom_layers"]["layers"]] == [
        ("softmax", ["softmax() in softmax.cl"])]
    x = np.random.default_rng(3).normal(0, 2, shape).astype(np.float32)
    y = run_blob(blob, {"x": x})["y"]
    np.testing.assert_allclose(y, softmax_reference(x), atol=5e-4)          # one FP16 step below 1 at most
    native = run_blob(build_blob(softmax_model(shape, custom=False), output_precision="FP32"), {"x": x})["y"]
    np.testing.assert_allclose(y, native, atol=1e-3)                        # OpenVINO's Softmax computes in f32
    assert np.abs(y - native).max() > 0                                     # the kernel rounds to FP16
    # large inputs: exp(2x) alone would overflow; the kernel subtracts each pixel's maximum first
    big = x + 60
    y = run_blob(blob, {"x": big})["y"]
    assert np.isfinite(y).all()
    np.testing.assert_allclose(y, softmax_reference(big), atol=5e-4)


def test_layers_between_convolutions_take_channels_last_tensors_and_give_the_same_results(monkeypatch):
    blob = build_blob(conv_custom_layer_model(), custom_layers=BINDINGS, output_precision="FP32")
    xml = blob.xml.decode()
    # ReLU6 and ScaleShift sit between convolutions: NHWC in and out; MVN's output is the model's
    assert xml.count('type="Transpose"') == 5                                # 3 in, 2 out
    assert xml.count('channels_last_inputs="0"') == 3 and xml.count('channels_last_outputs="0"') == 2
    layers = blob.meta["custom_layers"]["layers"]
    assert [l["inputs"][0] for l in layers] == [[[1, 5, 6, 13], "FP32"]] * 3     # the layers' own NCHW shapes
    x = np.random.default_rng(4).normal(0, 1, (1, 3, 6, 13)).astype(np.float32)
    y = run_blob(blob, {"x": x})["y"]
    native = run_blob(build_blob(conv_custom_layer_model(custom=False), output_precision="FP32"), {"x": x})["y"]
    np.testing.assert_allclose(y, native, atol=2e-2)                        # FP16 rounding, then two convolutions
    import oakling.models.custom_layers as custom_layers
    monkeypatch.setattr(custom_layers, "keep_channels_last", lambda model: 0)
    planar = build_blob(conv_custom_layer_model(), custom_layers=BINDINGS, output_precision="FP32")
    assert b'type="Transpose"' not in planar.xml
    np.testing.assert_array_equal(run_blob(planar, {"x": x})["y"], y)      # the same kernels on the same values


def test_a_layer_type_bound_nowhere_and_unknown_to_openvino_lists_the_bound_types(tmp_path):
    with pytest.raises(ConversionError) as e:
        build_blob(custom_op_model(tmp_path / "custom.onnx"), custom_layers=BINDINGS)
    assert ("OpenVINO cannot convert this operation: 'FrameDiff' (domain 'my.ops', node 'diff_node'), and "
            "bindings.xml binds no layer of type 'FrameDiff' (it binds MyReLU6, MyScaleShift, MyMVN, GRN, "
            "MySoftmax) — add <CustomLayer name=\"FrameDiff\" type=\"MVCL\" version=\"1\"> with its kernel to "
            "bindings.xml, or rewrite"
            ) in str(e.value)


def test_an_ir_layer_type_bound_nowhere_lists_the_bound_types(tmp_path):
    path = grn_ir(tmp_path / "grn.xml")
    path.write_text(path.read_text().replace('type="GRN"', 'type="MyGRN"'))
    with pytest.raises(ConversionError, match=r"grn.xml: OpenVINO does not know layer type 'MyGRN', and "
                                              r"bindings.xml binds no layer of type 'MyGRN' \(it binds MyReLU6, "):
        build_blob(path, custom_layers=BINDINGS)


def copy_bindings(tmp_path, replace=None, kernel=None):
    folder = tmp_path / "layers"
    shutil.copytree(BINDINGS.parent, folder)
    if replace:
        xml = folder / "bindings.xml"
        xml.write_text(xml.read_text().replace(*replace))
    if kernel:
        path = folder / kernel[0]
        path.write_text(path.read_text().replace(*kernel[1:]))
    return folder / "bindings.xml"


def test_a_custom_node_no_where_fits_is_refused(tmp_path):
    bindings = copy_bindings(tmp_path, ('<CustomLayer name="MyReLU6" type="MVCL" version="1">',
                                        '<CustomLayer name="MyReLU6" type="MVCL" version="1"><Where max="&lt;=4"/>'))
    with pytest.raises(ConversionError, match=r"layer 'relu6' \(MyReLU6\): no <CustomLayer name=\"MyReLU6\"> fits its "
                                              r"attributes \(max=6.0\) — their conditions: bindings.xml:7 "
                                              r"<Where max=\"<=4\"/>"):
        build_blob(custom_layer_model(), custom_layers=bindings)


def test_a_binding_that_names_an_argument_the_kernel_lacks_is_refused_at_conversion(tmp_path):
    bindings = copy_bindings(tmp_path, ('arg-name="max_value"', 'arg-name="max_val"'))
    with pytest.raises(ConversionError) as e:
        build_blob(custom_layer_model(), custom_layers=bindings)
    assert str(e.value).startswith("the ONNX model: CustomLayer 'MyReLU6' (bindings.xml:7) for layer 'relu6' "
                                   "(MyReLU6): stage 0, relu6(): <Scalar arg-name=\"max_val\" type=\"float\"> "
                                   "(line 15) names no argument of the kernel — its arguments are src, dst, width, "
                                   "max_value; fix arg-name")


def test_a_kernel_that_does_not_build_is_refused_at_conversion_with_its_line(tmp_path):
    bindings = copy_bindings(tmp_path, kernel=("mvn.cl", "sum += p[i];", "sum += p[i]"))
    with pytest.raises(ConversionError, match=r"CustomLayer 'MyMVN' \(bindings.xml:34\) for layer 'mvn' \(MyMVN\): "
                                              r"the kernel mvn_reduce\(\) does not build — mvn.cl:14:\d+: error: "
                                              r"expected ';'"):
        build_blob(custom_layer_model(), custom_layers=bindings)


def test_bad_binding_xml_is_refused_with_its_line(tmp_path):
    bindings = copy_bindings(tmp_path, ('global="(X+7)/8,Y,F*B"', 'global="(X+7)/8,Y,F*"'))
    with pytest.raises(ConversionError, match=r"bindings.xml:17: CustomLayer 'MyReLU6', kernel relu6\(\): "
                                              r"<WorkSizes>: global=\"\(X\+7\)/8,Y,F\*\" does not parse"):
        build_blob(custom_layer_model(), custom_layers=bindings)
