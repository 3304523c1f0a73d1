"""The inference backend interface: what a node needs to run a blob, whatever runs it.

    network = default_backend().load(blob, requests=2, log=print)
    network.submit({"images": tensor}, done)   # starts as soon as a request is free; returns at once
    ...                                        # done(outputs) is called from a backend thread:
                                               # {"output": array}, arrays the callee may keep
    network.submit(inputs, done, outputs)      # outputs written into the caller's arrays instead
    network.wait_all()

A backend compiles a ModelBlob into a Network with a fixed number of inference requests, which run
in parallel; `submit` waits only while every request is busy. The NeuralNetwork node keeps every
request busy and sends results in the order their inputs arrived. OpenVINO on the CPU is the one
backend today (`openvino_backend.py`); the node never imports it directly.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .blob import ModelBlob, TensorSpec

DEFAULT_REQUESTS = 2   # gen2 runs a NeuralNetwork on 2 inference threads unless told otherwise

Done = Callable[[object], None]   # called with {output name: array}, or with the exception that stopped it


class Network:
    def __init__(self, inputs: list[TensorSpec], outputs: list[TensorSpec], requests: int, description: str = ""):
        self.inputs = inputs
        self.outputs = outputs
        self.requests = requests
        self.writes_outputs = False      # whether submit's `outputs` arrays are written (else done gets its own)
        self.description = description   # e.g. "OpenVINO 2026.4.1 CPU, FP32 (computing in f32), 2 requests, …"

    def submit(self, tensors: dict[str, np.ndarray], done: Done,
               outputs: dict[str, np.ndarray] | None = None) -> None:
        """Start one inference on `tensors` (input name -> array of the input's shape and dtype) as soon as
        a request is free. The arrays must stay unchanged until `done` is called. `outputs` (output name ->
        a writable C-contiguous array of the output's shape and dtype) asks for the results to be written
        there; a backend that cannot passes `done` arrays of its own instead."""
        raise NotImplementedError

    def infer(self, tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """One inference, waited for."""
        import threading
        finished, result = threading.Event(), []
        self.submit(tensors, lambda outputs: (result.append(outputs), finished.set()))
        finished.wait()
        if isinstance(result[0], BaseException):
            raise result[0]
        return result[0]

    def wait_all(self) -> None:
        """Wait until every submitted inference has finished (and its `done` has been called)."""
        raise NotImplementedError


class Backend:
    name = "backend"

    def load(self, blob: ModelBlob, *, requests: int = DEFAULT_REQUESTS,
             log: Callable[[str], None] | None = None) -> Network:
        """Compile `blob` for `requests` parallel inferences; `log` gets debug lines (cache use, timing)."""
        raise NotImplementedError

