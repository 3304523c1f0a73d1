"""OpenVINO on the CPU: compiles blobs, and keeps or uses their compiled cache.

The compile settings come from the blob: its precision (FP32 → INFERENCE_PRECISION_HINT f32, FP16 →
f16 where the CPU computes in FP16; elsewhere the CPU plugin computes in f32), and its `threads`
(from `--shaves`: threads per inference, the machine's cores at most in all; 0 lets OpenVINO
choose). `requests` parallel requests get as many CPU streams.

The compiled cache in a blob (`export_model()`) is imported only when this OpenVINO version, this
CPU and the blob's precision are the ones it was made with (`cache_key`); otherwise the model is
compiled from the IR, with a debug line saying why.

A blob with custom layers has their kernels built (or loaded from the kernel cache) and registered
before OpenVINO reads its model, whose custom-layer operations then run them (custom_layers.py).
"""
from __future__ import annotations

import hashlib
import io
import os
import threading
import time
from collections import deque

import numpy as np

from .backend import DEFAULT_REQUESTS, Backend, Network
from .blob import DTYPES, ModelBlob, dtype_of

PRECISION_HINTS = {"FP32": "f32", "FP16": "f16"}
_core = None
_bindings_ready = False
_bindings_lock = threading.Lock()


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


def warm_up_bindings():
    """Make OpenVINO's Python bindings set up their numpy type tables, once, in one thread.

    They do it on first use, inside a C++ static initialiser that takes the GIL: two nodes' threads
    getting there at the same moment deadlock (one holds the GIL and waits for the initialiser, the
    other runs it and waits for the GIL)."""
    global _bindings_ready
    with _bindings_lock:
        if not _bindings_ready:
            ov = openvino()
            ov.Type.f32.to_dtype()
            ov.Tensor(np.zeros(1, np.float32), shared_memory=True).data
            _bindings_ready = True


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


def openvino_reason(error) -> str:
    """OpenVINO's message (an exception or its text) without the source locations and failed checks it
    stacks in front of it."""
    text = str(error)
    kept = [line.strip() for line in text.splitlines()
            if line.strip() and not line.startswith(("Check '", "Exception from"))]
    return " ".join(kept[:4]) or text.strip()


def _type_name(element_type) -> str:
    get = getattr(element_type, "get_type_name", None)
    return get() if get else str(element_type)


_OWN_BELOW = 1 << 20   # inputs and outputs up to this size get memory of their own in each request


class _Slot:
    """One infer request and the memory it was given once, so that starting an inference only copies
    into it: OpenVINO pointed at new memory rebinds the request, which costs more than copying a small
    tensor. `inputs`: name -> (port, array) for the inputs that have their own memory; `outputs`: name
    -> array, or None when the outputs are written into the caller's arrays in place (large ones)."""

    __slots__ = ("request", "inputs", "outputs", "bound")

    def __init__(self, request, inputs: dict, outputs: dict | None):
        self.request, self.inputs, self.outputs = request, inputs, outputs
        self.bound = False   # whether the request reads `inputs` (an input given another way unbinds them)


class _OpenVINONetwork(Network):
    """`requests` OpenVINO infer requests. Small inputs (up to 1 MiB, of a fixed shape) are copied into
    memory each request holds for good, and small outputs copied out of it into the caller's arrays (a
    copy costs less than pointing OpenVINO at new memory every inference); larger ones reach OpenVINO as
    ov.Tensors over the caller's arrays, so nothing is copied either way.

    `submit` starts an inference on a free request, or, when every request is busy, leaves it waiting
    (up to twice `requests` of them; beyond that `submit` waits). The OpenVINO callback that ends an
    inference starts the oldest waiting one on its request at once, before it hands over the results:
    the CPU goes straight on to the next inference, and the submitting thread is woken only when the
    waiting ones are down to half, not once per inference."""

    def __init__(self, compiled, inputs, outputs, requests, description):
        super().__init__(inputs, outputs, requests, description)
        ov = openvino()
        self._tensor = ov.Tensor
        self._requests = [compiled.create_infer_request() for _ in range(requests)]
        for request in self._requests:
            request.set_callback(self._finished, None)
        self._free = list(range(requests))   # indices of idle requests
        self._waiting: deque = deque()       # (tensors, done, outputs) for a request to free up
        self._backlog = 2 * requests
        self._busy = 0                       # inferences submitted whose `done` has not returned
        self._cond = threading.Condition(threading.Lock())
        self._input_ports, self._input_casts = _input_ports(compiled.inputs, inputs)
        self._output_shapes = [(spec.name, tuple(spec.shape), spec.numpy_dtype) for spec in outputs]
        self.writes_outputs = _outputs_settable(compiled, outputs)
        self._slots = [self._slot(request, inputs) for request in self._requests]
        try:
            from openvino._pyopenvino import InferRequest as native   # takes ov.Tensors as they are
            self._start_async = native.start_async
        except ImportError:
            self._start_async = type(self._requests[0]).start_async

    def _slot(self, request, specs) -> _Slot:
        """Give `request` memory of its own for its small inputs of a fixed shape and, when OpenVINO
        writes the outputs where it is told, for its outputs if they are small."""
        inputs = {}
        for spec in specs:
            dtype = self._input_casts.get(spec.name, spec.numpy_dtype)
            shape = tuple(spec.shape)
            if all(d > 0 for d in shape) and spec.size * dtype.itemsize <= _OWN_BELOW:
                inputs[spec.name] = (self._input_ports[spec.name], np.zeros(shape, dtype))
        outputs = None
        if self.writes_outputs and sum(int(np.prod(shape)) * dtype.itemsize
                                       for _, shape, dtype in self._output_shapes) <= _OWN_BELOW:
            outputs = {name: np.zeros(shape, dtype) for name, shape, dtype in self._output_shapes}
            for k, (name, _, _) in enumerate(self._output_shapes):
                request.set_output_tensor(k, self._tensor(outputs[name], shared_memory=True))
        slot = _Slot(request, inputs, outputs)
        self._bind(slot)
        return slot

    def _bind(self, slot: _Slot):
        for port, array in slot.inputs.values():
            tensor = self._tensor(array, shared_memory=True)
            if isinstance(port, int):
                slot.request.set_input_tensor(port, tensor)
            else:
                slot.request.set_tensor(port, tensor)
        slot.bound = True

    def submit(self, tensors, done, outputs=None):
        if self.writes_outputs and outputs is None and self._slots[0].outputs is None:
            outputs = {name: np.empty(shape, dtype) for name, shape, dtype in self._output_shapes}
        job = (tensors, done, outputs if self.writes_outputs else None)
        with self._cond:
            while not self._free and len(self._waiting) >= self._backlog:
                self._cond.wait()
            self._busy += 1
            if not self._free:
                self._waiting.append(job)
                return
            index = self._free.pop()
        try:
            self._start(index, job)
        except BaseException:
            self._done_returned()
            for done_later, error in self._next(index):   # others may have come to wait meanwhile
                done_later(error)
                self._done_returned()
            raise

    def _start(self, index, job):
        tensors, done, outputs = job
        slot = self._slots[index]
        own = slot.inputs
        given, kept = {}, []   # port -> ov.Tensor for the inputs OpenVINO reads where they are; their arrays
        for name, array in tensors.items():
            place = own.get(name)
            if place is not None and place[1].shape == array.shape:
                np.copyto(place[1], array, casting="unsafe")   # converts to the compiled type on the way
                continue
            # OpenVINO reads the array itself, so it must be contiguous and writable (else copied here)
            # and stay alive until the inference ends: the userdata holds it.
            if not (array.flags.c_contiguous and array.flags.writeable):
                array = np.array(array, order="C")
            cast = self._input_casts.get(name)
            if cast is not None:
                array = array.astype(cast)
            given[self._input_ports[name]] = self._tensor(array, shared_memory=True)
            kept.append(array)   # alive until the inference ends: the userdata holds them
        if given:
            if own:
                slot.bound = False   # the request may now read some input from elsewhere
        elif not slot.bound:
            self._bind(slot)
        if outputs is not None and slot.outputs is None:
            request = slot.request
            for k, (name, _, _) in enumerate(self._output_shapes):
                request.set_output_tensor(k, self._tensor(outputs[name], shared_memory=True))
        self._start_async(slot.request, given, (index, done, kept, outputs))

    def _next(self, index) -> list:
        """Request `index` is idle: start the oldest waiting inference on it, or put it back on the free
        list. Returns the waiting inferences OpenVINO refused, as (done, error), for the caller to tell."""
        refused = []
        while True:
            with self._cond:
                if not self._waiting:
                    self._free.append(index)
                    self._cond.notify_all()
                    return refused
                job = self._waiting.popleft()
                if len(self._waiting) <= self._backlog // 2:
                    self._cond.notify_all()
            try:
                self._start(index, job)
                return refused
            except BaseException as e:   # OpenVINO refused its tensors: a failed inference
                refused.append((job[1], e))

    def _finished(self, userdata):
        index, done, _tensors, outputs = userdata
        slot = self._slots[index]
        try:
            if slot.outputs is not None:   # the request's own: copied out before the request is reused
                if outputs is None:
                    outputs = {name: array.copy() for name, array in slot.outputs.items()}
                else:
                    for name, array in slot.outputs.items():
                        np.copyto(outputs[name], array)
            elif outputs is None:   # outputs OpenVINO would not write into our arrays: copied before reuse
                request = slot.request
                outputs = {name: np.array(request.get_output_tensor(k).data)
                           for k, (name, _, _) in enumerate(self._output_shapes)}
        except BaseException as e:   # reported to the caller, never raised into OpenVINO's thread
            outputs = e
        refused = self._next(index)
        for done_now, result in [(done, outputs)] + refused:
            try:
                done_now(result)
            finally:
                self._done_returned()

    def _done_returned(self):
        with self._cond:
            self._busy -= 1
            if not self._busy:
                self._cond.notify_all()

    def wait_all(self):
        with self._cond:
            while self._busy:
                self._cond.wait(0.1)


def _input_ports(ports, specs) -> tuple[dict, dict]:
    """(input name -> the compiled model's port index for it, input name -> the element type to convert
    to, for inputs whose compiled type is not the blob's)."""
    indices, casts = {}, {}
    for spec in specs:
        found = [k for k, port in enumerate(ports) if spec.name in port.get_names()]
        indices[spec.name] = found[0] if found else spec.name
        dtype = dtype_of(ports[found[0]].get_element_type()) if found else spec.dtype
        if dtype != spec.dtype and dtype in DTYPES:
            casts[spec.name] = np.dtype(DTYPES[dtype])
    return indices, casts


def _outputs_settable(compiled, specs) -> bool:
    """Whether OpenVINO can write every output into an array of the blob's shape and element type."""
    if len(compiled.outputs) != len(specs):
        return False
    for port, spec in zip(compiled.outputs, specs):
        if dtype_of(port.get_element_type()) != spec.dtype:
            return False
        if port.get_partial_shape().is_dynamic or list(port.get_shape()) != list(spec.shape):
            return False
    return True


class OpenVINOBackend(Backend):
    name = "openvino"

    def load(self, blob: ModelBlob, *, requests: int = DEFAULT_REQUESTS, log=None) -> Network:
        ov = openvino()
        warm_up_bindings()
        log = log or (lambda text: None)
        precision = blob.precision
        threads = int(blob.meta.get("threads") or 0)
        config = compile_config(precision, threads, streams=requests)
        started = time.monotonic()
        custom = blob.meta.get("custom_layers")
        if custom:   # their kernels first: OpenVINO meets their operations as it reads the model
            from .custom_layers import install, register
            if not blob.kernels:
                raise RuntimeError("the blob lists custom layers but carries no kernels — convert the model again")
            install(custom, blob.kernels, log)
            register(core())
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
            try:
                compiled = core().compile_model(read_ir(blob.xml, blob.weights), "CPU", config)
            except RuntimeError as e:
                raise RuntimeError(f"OpenVINO {ov.get_version().split('-')[0]} cannot load the blob's model: "
                                   f"{openvino_reason(e)} — convert the model again with `oakling convert` "
                                   f"(the blob may be damaged, or made for a newer OpenVINO)") from None
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
