"""The OpenVINO backend: the compiled cache is used only for this OpenVINO and CPU, else the IR is compiled."""
import numpy as np
import pytest

from nets import image_model, image_reference, picture
from oakling.models import default_backend
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


def reference(blob, inputs):
    """The same blob's answers from OpenVINO's own synchronous call, with the node's settings."""
    from oakling.models.openvino_backend import compile_config, core, read_ir
    compiled = core().compile_model(read_ir(blob.xml, blob.weights), "CPU", compile_config(blob.precision))
    answers = compiled(inputs)
    return {name: answers[port] for port in compiled.outputs for name in port.get_names()}


def test_outputs_are_written_into_the_callers_arrays(blob):
    network, _ = load(blob, requests=2)
    assert network.writes_outputs
    planar = np.ascontiguousarray(picture(8, 8, seed=5).transpose(2, 0, 1)[None])
    mine = {spec.name: np.full(spec.shape, -1, spec.numpy_dtype) for spec in blob.outputs}
    got = []
    network.submit({"images": planar}, got.append, mine)
    network.wait_all()
    assert got[0] is mine   # no copy: the arrays given are the results
    expected = reference(blob, {"images": planar})
    for name in ("features", "pooled"):
        np.testing.assert_array_equal(mine[name], expected[name])


def test_inputs_that_openvino_cannot_read_in_place_are_copied_and_give_the_same_answers(blob):
    network, _ = load(blob, requests=2)
    planar = np.ascontiguousarray(picture(8, 8, seed=6).transpose(2, 0, 1)[None])
    read_only = planar.copy()
    read_only.flags.writeable = False   # as frames from published shared memory arrive
    strided = np.ascontiguousarray(picture(8, 8, seed=6)).transpose(2, 0, 1)[None]
    expected = reference(blob, {"images": planar})
    for tensor in (planar, read_only, strided):
        outputs = network.infer({"images": tensor})
        for name in ("features", "pooled"):
            np.testing.assert_array_equal(outputs[name], expected[name])


def test_a_request_is_free_again_before_its_results_are_handed_over(blob):
    """With one request, the callback for the first inference can start the next one: results are sent
    while the next inference runs."""
    network, _ = load(blob, requests=1)
    planar = np.ascontiguousarray(picture(8, 8, seed=7).transpose(2, 0, 1)[None])
    order = []

    def first(outputs):
        order.append("first")
        network.submit({"images": planar}, lambda outputs: order.append("second"))

    network.submit({"images": planar}, first)
    network.wait_all()
    assert order == ["first", "second"]


def test_inferences_submitted_while_every_request_is_busy_wait_and_start_in_order(blob):
    network, _ = load(blob, requests=1)
    images = [np.ascontiguousarray(picture(8, 8, seed=s).transpose(2, 0, 1)[None]) for s in range(2)]
    wrong = np.zeros((1, 3, 4, 4), np.uint8)   # OpenVINO refuses it when its turn comes
    done = []
    busy = network._free.pop()   # the one request, as if an inference were running on it
    for k, tensor in enumerate([images[0], wrong]):
        network.submit({"images": tensor}, lambda outputs, k=k: done.append((k, outputs)))
    assert len(network._waiting) == 2 and not done
    assert network._next(busy) == []   # what OpenVINO's callback does when that inference ends
    network.submit({"images": images[1]}, lambda outputs: done.append((2, outputs)))
    network.wait_all()
    assert [k for k, _ in done] == [0, 1, 2]
    assert isinstance(done[1][1], RuntimeError) and "incompatible" in str(done[1][1])
    for (k, outputs), image in zip([done[0], done[2]], images):
        np.testing.assert_array_equal(outputs["pooled"], reference(blob, {"images": image})["pooled"])


def test_an_input_whose_compiled_type_is_not_the_blobs_is_converted(blob):
    from oakling.models.blob import TensorSpec
    from oakling.models.openvino_backend import _input_ports, core, read_ir
    compiled = core().compile_model(read_ir(blob.xml, blob.weights), "CPU")
    spec = blob.inputs[0]
    assert _input_ports(compiled.inputs, blob.inputs) == ({spec.name: 0}, {})
    as_fp32 = TensorSpec(spec.name, spec.shape, "FP32", spec.layout)
    assert _input_ports(compiled.inputs, [as_fp32]) == ({spec.name: 0}, {spec.name: np.dtype(np.uint8)})


def test_outputs_of_another_shape_than_the_blobs_are_not_written_in_place(blob):
    from oakling.models.blob import TensorSpec
    from oakling.models.openvino_backend import _outputs_settable, core, read_ir
    out = blob.outputs[0]
    compiled = core().compile_model(read_ir(blob.xml, blob.weights), "CPU")
    wrong = [TensorSpec(out.name, [1] + list(out.shape), out.dtype, out.layout)] + blob.outputs[1:]
    assert not _outputs_settable(compiled, wrong)
    assert _outputs_settable(compiled, blob.outputs)
    network, _ = load(blob)
    network.writes_outputs = False   # as for such outputs: OpenVINO's own arrays, copied before reuse
    planar = np.ascontiguousarray(picture(8, 8, seed=8).transpose(2, 0, 1)[None])
    mine = {spec.name: np.zeros(spec.shape, spec.numpy_dtype) for spec in blob.outputs}
    got = []
    network.submit({"images": planar}, got.append, mine)
    network.wait_all()
    assert got[0] is not mine and not mine["features"].any()
    expected = reference(blob, {"images": planar})
    for name in ("features", "pooled"):
        np.testing.assert_array_equal(got[0][name], expected[name])


def test_small_inputs_are_copied_into_the_request_so_the_caller_may_reuse_its_array_at_once(blob):
    network, _ = load(blob, requests=1)
    assert all(slot.inputs and slot.outputs for slot in network._slots)
    planar = np.ascontiguousarray(picture(8, 8, seed=9).transpose(2, 0, 1)[None])
    expected = reference(blob, {"images": planar.copy()})
    got = []
    network.submit({"images": planar}, got.append)   # the request is free: copied before submit returns
    planar[...] = 0
    network.wait_all()
    for name in ("features", "pooled"):
        np.testing.assert_array_equal(got[0][name], expected[name])


def test_large_inputs_and_outputs_are_read_and_written_where_they_are(blob, monkeypatch):
    from oakling.models import openvino_backend
    monkeypatch.setattr(openvino_backend, "_OWN_BELOW", 0)   # as for megabyte tensors
    network, _ = load(blob, requests=2)
    assert all(not slot.inputs and slot.outputs is None for slot in network._slots)
    images = [np.ascontiguousarray(picture(8, 8, seed=s).transpose(2, 0, 1)[None]) for s in range(4)]
    results = []
    for image in images:
        mine = {spec.name: np.full(spec.shape, -1, spec.numpy_dtype) for spec in blob.outputs}
        network.submit({"images": image}, lambda outputs, mine=mine: results.append(outputs is mine), mine)
        network.wait_all()
        np.testing.assert_array_equal(mine["pooled"], reference(blob, {"images": image})["pooled"])
    assert results == [True] * 4
