"""Custom models: the oakling blob, the converter, and the inference backends.

    import oakling.models
    oakling.models.convert("model.onnx", "model.blob", input_precision="U8")   # or: oakling convert …
    nn.setBlobPath("model.blob")

Modules: `blob` (the file format; no OpenVINO), `converter` (ONNX/TFLite/IR/PyTorch → blob),
`backend` (the interface nodes run models through), `openvino_backend` (OpenVINO on the CPU),
`tensors` (messages ↔ tensors for the NeuralNetwork node), `gen2` (`dai.OpenVINO`), `custom_layers`
(layers a VPU binding XML binds, run through OpenCL kernels inside the OpenVINO model), `decoding`
(raw SSD-style detector outputs decoded inside the model into DetectionOutput rows: `--decode`).
OpenVINO, ONNX and PyTorch are imported only when a model is converted or run.
"""
from .blob import BlobError, ModelBlob, MyriadXBlobError, TensorSpec


def convert(model, output=None, **options):
    """Convert a model into an oakling blob; see `oakling.models.converter.convert` for the options."""
    from .converter import convert as _convert
    return _convert(model, output, **options)


def default_backend():
    """The inference backend the nodes use: OpenVINO on the CPU (imported only now: `import oakling`
    stays light)."""
    from .openvino_backend import OpenVINOBackend
    return OpenVINOBackend()


__all__ = ["convert", "default_backend", "ModelBlob", "TensorSpec", "BlobError", "MyriadXBlobError"]
