"""OpenVINO on the CPU: compiles blobs, and keeps or uses their compiled cache.

The compile settings come from the blob: its precision (FP32 → INFERENCE_PRECISION_HINT f32, FP16 →
f16 where the CPU computes in FP16; elsewhere the CPU plugin computes in f32), and its `threads`
(from `--shaves`: threads per inference, the machine's cores at most in all; 0 lets OpenVINO
choose). `requests` parallel requests get as many CPU streams.

The compiled cache in a blob (`export_model()`) is imported only when this OpenVINO version, this
CPU and the blob's precision are the ones it was made with (`cache_key`); otherwise the model is
compiled from the IR, with a debug line saying why.
"""
from __future__ import annotations

import hashlib
import io
import os
import time

import numpy as np

from .backend import DEFAULT_REQUESTS, Backend, Network
from .blob import ModelBlob

PRECISION_HINTS = {"FP32": "f32", "FP16": "f16"}
_core = None


def openvino():
    """The openvino module, with an error that says how to get it."""
    try:
        import openvino as ov
    except ImportError as e:
        raise RuntimeError(f"running or converting models needs OpenVINO, which is not installed ({e}) — "
                           f"pip install openvino (or oakling[nn])") from None
    return ov


def core():
    """One OpenVINO Core per process (creating one costs tens of milliseconds)."""
    global _core
    if _core is None:
        _core = openvino().Core()
    return _core


def cpu_signature() -> str:
    """What a compiled model depends on in the machine: the CPU's name, OpenVINO's view of its
    capabilities, and the instruction-set flags the kernel reports."""
    c = core()
    parts = [str(c.get_property("CPU", "FULL_DEVICE_NAME")),
             ",".join(sorted(c.get_property("CPU", "OPTIMIZATION_CAPABILITIES")))]
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith(("flags", "model name", "Features")):
                    parts.append(" ".join(sorted(line.split(":", 1)[1].split())))
                if line.strip() == "":
                    break
    except OSError:
        pass
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def cache_key(precision: str) -> dict:
    """What must match for a compiled cache to be used: OpenVINO version, CPU, precision."""
    return {"openvino": openvino().get_version(), "cpu": cpu_signature(),
            "cpu_name": str(core().get_property("CPU", "FULL_DEVICE_NAME")), "precision": precision}


def compile_config(precision: str, threads: int = 0, streams: int | None = None) -> dict:
    """OpenVINO CPU settings: the precision hint; `streams` inferences at once; with `threads` (from
    --shaves), at most that many threads per inference and the machine's cores in all."""
    config = {"INFERENCE_PRECISION_HINT": PRECISION_HINTS.get(precision, "f32")}
    if threads:
        total = int(threads) * (int(streams) if streams else 1)
        config["INFERENCE_NUM_THREADS"] = str(max(1, min(total, os.cpu_count() or 1)))
    if streams:
        config["NUM_STREAMS"] = str(int(streams))
    return config


def read_ir(xml: bytes, weights: bytes):
    ov = openvino()
    return core().read_model(model=xml, weights=ov.Tensor(np.frombuffer(weights, np.uint8).copy()))


def export_cache(model, precision: str, threads: int = 0) -> tuple[bytes, dict]:
    """Compile `model` (an ov.Model) and export it: (cache bytes, cache key)."""
    compiled = core().compile_model(model, "CPU", compile_config(precision, threads))
    exported = compiled.export_model()   # a BytesIO in recent OpenVINO, bytes in older ones
    return (exported.getvalue() if hasattr(exported, "getvalue") else bytes(exported)), cache_key(precision)


def _type_name(element_type) -> str:
    get = getattr(element_type, "get_type_name", None)
    return get() if get else str(element_type)


class _OpenVINONetwork(Network):
    """The requests are an AsyncInferQueue: OpenVINO hands a free request to `submit` without Python in
    between, and calls back on its own thread when an inference ends."""

    def __init__(self, compiled, inputs, outputs, requests, description):
        super().__init__(inputs, outputs, requests, description)
        ov = openvino()
        self._queue = ov.AsyncInferQueue(compiled, requests)
        self._queue.set_callback(self._finished)
        self._output_names = [spec.name for spec in outputs]
        self._tensor = ov.Tensor
        self._start = _direct_start(self._queue, compiled, inputs)

    def submit(self, tensors, done):
        # Zero copy: OpenVINO reads the arrays themselves, so they must be contiguous and writable (else
        # copied here) and stay alive until the inference ends: the callback's userdata holds them.
        tensors = {name: a if a.flags.c_contiguous and a.flags.writeable else np.array(a, order="C")
                   for name, a in tensors.items()}
        if self._start is None:
            self._queue.start_async(tensors, (done, tensors), share_inputs=True)
        else:
            self._start({name: self._tensor(a, shared_memory=True) for name, a in tensors.items()}, (done, tensors))

    def _finished(self, request, userdata):
        done, _tensors = userdata
        try:
            outputs = {name: np.array(request.get_output_tensor(i).data)
                       for i, name in enumerate(self._output_names)}
        except BaseException as e:   # reported to the caller, never raised into OpenVINO's thread
            outputs = e
        done(outputs)

    def wait_all(self):
        self._queue.wait_all()


def _direct_start(queue, compiled, specs):
    """AsyncInferQueue's own start_async, which takes ov.Tensors as they are, or None.

    The Python wrapper around it converts every input anew for each inference (tens of microseconds
    of a model's few hundred); tensors made as the blob's input specs say need none of that. None
    (use the wrapper) when this OpenVINO has no such method or an input's element type is not the
    spec's."""
    try:
        from openvino._pyopenvino import AsyncInferQueue as native
    except ImportError:
        return None
    start = getattr(native, "start_async", None)
    if start is None or not isinstance(queue, native) or len(compiled.inputs) != len(specs):
        return None
    for port, spec in zip(compiled.inputs, specs):
        try:
            element = np.dtype(port.get_element_type().to_dtype())
        except Exception:   # an element type numpy has no name for
            return None
        if element != spec.numpy_dtype or spec.name not in port.get_names():
            return None
    return lambda tensors, userdata: start(queue, tensors, userdata)


class OpenVINOBackend(Backend):
    name = "openvino"

    def load(self, blob: ModelBlob, *, requests: int = DEFAULT_REQUESTS, log=None) -> Network:
        ov = openvino()
        log = log or (lambda text: None)
        precision = blob.precision
        threads = int(blob.meta.get("threads") or 0)
        config = compile_config(precision, threads, streams=requests)
        started = time.monotonic()
        compiled, how = None, ""
        if blob.cache:
            recorded, here = blob.meta.get("cache") or {}, cache_key(precision)
            if recorded == here:
                try:
                    compiled = core().import_model(io.BytesIO(blob.cache), "CPU", config)
                    how = "loaded from its compiled cache"
                except Exception as e:   # a damaged cache is no reason not to run
                    log(f"the blob's compiled cache could not be imported ({type(e).__name__}: {e}); "
                        f"compiling from the IR")
            else:
                differs = ", ".join(f"{k} {recorded.get(k)!r} here {here[k]!r}" for k in here
                                    if recorded.get(k) != here[k] and k != "cpu_name")
                log(f"the blob's compiled cache is for another setup ({differs}); compiling from the IR")
        if compiled is None:
            compiled = core().compile_model(read_ir(blob.xml, blob.weights), "CPU", config)
            how = how or "compiled from the IR"
        output_names = [spec.name for spec in blob.outputs]
        if len(compiled.outputs) != len(output_names):
            raise RuntimeError(f"the blob lists {len(output_names)} outputs but its model has "
                               f"{len(compiled.outputs)} — convert the model again")
        actual = _type_name(compiled.get_property("INFERENCE_PRECISION_HINT"))
        description = (f"OpenVINO {ov.get_version().split('-')[0]} CPU, {precision} "
                       f"(computing in {actual}), {requests} request{'s' if requests != 1 else ''}, {how} in "
                       f"{(time.monotonic() - started) * 1000:.0f} ms")
        log(description)
        return _OpenVINONetwork(compiled, blob.inputs, blob.outputs, requests, description)
