"""The backend interface: `Network.infer` is one submitted inference, waited for, whose error is raised;
and the default backend is a Backend whose networks answer it."""
import threading

import numpy as np
import pytest

from oakling.models.backend import DEFAULT_REQUESTS, Backend, Network


class Doubling(Network):
    """The smallest backend network: doubles its input in a thread of its own, or fails on NaN."""

    def __init__(self):
        super().__init__([], [], requests=1, description="doubles")
        self.threads = []

    def submit(self, tensors, done, outputs=None):
        def run():
            x = tensors["x"]
            done(ValueError("NaN input") if np.isnan(x).any() else {"y": 2 * x})
        thread = threading.Thread(target=run)
        self.threads.append(thread)
        thread.start()

    def wait_all(self):
        for thread in self.threads:
            thread.join()


def test_infer_waits_for_the_result_of_its_inference():
    assert Doubling().infer({"x": np.arange(3.0)})["y"].tolist() == [0.0, 2.0, 4.0]


def test_infer_raises_the_error_that_stopped_the_inference():
    with pytest.raises(ValueError, match="NaN input"):
        Doubling().infer({"x": np.array([np.nan])})


def test_the_default_backend_loads_a_blob_into_a_network_of_the_default_requests(tmp_path):
    from nets import image_model, image_reference, picture   # skips without onnx and openvino
    from oakling.models import default_backend
    from oakling.models.converter import build_blob
    blob = build_blob(image_model(tmp_path / "net.onnx", height=8, width=8), input_precision="U8",
                      output_precision="FP32")
    backend = default_backend()
    network = backend.load(blob)
    assert isinstance(backend, Backend) and isinstance(network, Network)
    assert network.requests == DEFAULT_REQUESTS and [s.name for s in network.inputs] == ["images"]
    img = picture(8, 8).transpose(2, 0, 1)[None]
    np.testing.assert_allclose(network.infer({"images": img})["features"], image_reference(img)[0],
                               rtol=1e-5, atol=1e-4)
    network.wait_all()
