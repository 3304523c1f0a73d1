"""The OpenVINO backend: the compiled cache is used only for this OpenVINO and CPU, else the IR is compiled."""
import numpy as np
import pytest

from nets import image_model, image_reference, picture
from oakling.models.backend import default_backend
from oakling.models.blob import ModelBlob
from oakling.models.converter import build_blob


@pytest.fixture(scope="module")
def blob(tmp_path_factory):
    path = image_model(tmp_path_factory.mktemp("net") / "net.onnx", height=8, width=8)
    return build_blob(path, input_precision="U8", output_precision="FP32")


def load(blob, requests=1):
    lines = []
    network = default_backend().load(blob, requests=requests, log=lines.append)
    return network, lines


def infer(network, img):
    return network.infer({"images": img.transpose(2, 0, 1)[None]})


def copy(blob, **cache):
    meta = dict(blob.meta, cache=dict(blob.meta["cache"], **cache))
    return ModelBlob.from_bytes(ModelBlob(meta, blob.xml, blob.weights, blob.cache).to_bytes())


def test_a_cache_for_this_machine_is_used(blob):
    assert blob.cache and blob.meta["cache"]["precision"] == "FP32"
    network, lines = load(blob)
    assert len(lines) == 1 and "loaded from its compiled cache" in lines[0]
    assert "FP32 (computing in f32)" in network.description
    img = picture(8, 8)
    np.testing.assert_allclose(infer(network, img)["features"], image_reference(img.transpose(2, 0, 1)[None])[0],
                               rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("field, value", [("openvino", "2024.0.0-0000"), ("cpu", "0123456789abcdef")])
def test_a_cache_for_another_openvino_or_cpu_is_not_used(blob, field, value):
    network, lines = load(copy(blob, **{field: value}))
    assert f"the blob's compiled cache is for another setup ({field} '{value}' here" in lines[0]
    assert lines[0].endswith("compiling from the IR")
    assert "compiled from the IR" in network.description
    img = picture(8, 8, seed=2)
    np.testing.assert_allclose(infer(network, img)["pooled"], image_reference(img.transpose(2, 0, 1)[None])[1],
                               rtol=1e-5, atol=1e-5)


def test_a_damaged_cache_falls_back_to_the_ir(blob):
    damaged = ModelBlob(blob.meta, blob.xml, blob.weights, b"\0" * 64)
    network, lines = load(damaged)
    assert "could not be imported" in lines[0] and "compiled from the IR" in network.description
    assert infer(network, picture(8, 8))["features"].shape == (1, 4, 8, 8)


def test_no_cache_compiles_from_the_ir_silently(blob):
    bare = ModelBlob(dict(blob.meta, cache=None), blob.xml, blob.weights, None)
    network, lines = load(bare)
    assert len(lines) == 1 and "compiled from the IR" in lines[0]


def test_submitted_inferences_call_back_with_their_own_outputs(blob):
    network, _ = load(blob, requests=3)
    assert network.requests == 3 and "3 requests" in network.description
    images = [picture(8, 8, seed=s) for s in range(8)]
    results = {}
    for i, img in enumerate(images):
        network.submit({"images": img.transpose(2, 0, 1)[None]}, lambda outputs, i=i: results.__setitem__(i, outputs))
    network.wait_all()
    assert sorted(results) == list(range(8))
    for i, img in enumerate(images):
        np.testing.assert_allclose(results[i]["pooled"], image_reference(img.transpose(2, 0, 1)[None])[1],
                                   rtol=1e-5, atol=1e-5)


def test_inputs_go_to_openvino_as_they_are_and_give_the_wrappers_answers(blob):
    network, _ = load(blob, requests=2)
    assert network._start is not None   # tensors straight to OpenVINO's queue, no per-inference conversion
    img = picture(8, 8, seed=5)
    planar = np.ascontiguousarray(img.transpose(2, 0, 1)[None])
    read_only = planar.copy()
    read_only.flags.writeable = False   # as frames from published shared memory arrive: copied for OpenVINO
    direct = [network.infer({"images": planar}), network.infer({"images": read_only})]
    network._start = None                # OpenVINO's Python wrapper, as on a version without the direct call
    wrapped = network.infer({"images": planar})
    for outputs in direct:
        for name in ("features", "pooled"):
            np.testing.assert_array_equal(outputs[name], wrapped[name])



def test_an_input_whose_type_is_not_the_blobs_goes_through_openvinos_wrapper(blob):
    import openvino as ov
    from oakling.models.blob import TensorSpec
    from oakling.models.openvino_backend import _direct_start, core, read_ir
    compiled = core().compile_model(read_ir(blob.xml, blob.weights), "CPU")
    queue = ov.AsyncInferQueue(compiled, 1)
    spec = blob.inputs[0]
    assert _direct_start(queue, compiled, blob.inputs) is not None
    assert _direct_start(queue, compiled, [TensorSpec(spec.name, spec.shape, "FP32", spec.layout)]) is None
    assert _direct_start(queue, compiled, [TensorSpec("other", spec.shape, spec.dtype, spec.layout)]) is None
