"""NeuralNetwork: runs a model converted with `oakling convert` on every message it gets.

    nn = pipeline.create(dai.node.NeuralNetwork)
    nn.setBlobPath("model.blob")
    cam.preview.link(nn.input)             # planar frames for an NCHW model: cam.setInterleaved(False)
    nn.out.link(xout.input)                # NNData: one layer per model output
    ...
    np.array(msg.getLayerFp16("output"))   # or msg.getTensor("output") with its shape

Ports (gen2 defaults): `input` ("in"; ImgFrame, NNData or Buffer; blocking, queue 5), `inputs['name']`
(one per model input of a multi-input model; non-blocking, queue 1, waits for a message — call
setReusePreviousMessage(True) for an input that is sent once), `out` (NNData), `passthrough` (the
message `input` fed the inference with, unchanged) and `passthroughs['name']` (the same per input).
`out` carries the sequence number and timestamps of the message on `input` (else of the first
model input fed through `inputs`), so host code can pair them with frames.

Each message is checked against the blob's inputs (models/tensors.py). If the first message the
node gets does not fit, the node stops with the error (it cannot run what it is linked to, and
whatever waits for its results would wait forever): its outputs end, and the host's queues after it
raise with the reason. Later, a message that does not fit is dropped with an error line saying what
to change, as gen2 skips it, e.g. `NeuralNetwork(2).input: image 416x416 BGR888i
does not match input 'images' [1,3,416,416] U8 planar — use setInterleaved(False) or ImageManip
setFrameType(BGR888p)`.

Inference is asynchronous: `setNumInferenceThreads(n)` requests (2 by default, as gen2) run at once
on the CPU and results are sent in the order their inputs arrived; at most `setNumPoolFrames(n)`
results (8) wait to be sent. `setNumNCEPerInferenceThread` and `setNumShavesPerInferenceThread` are
accepted for gen2 programs and change nothing on a CPU.
"""
from __future__ import annotations

import os
import threading
from collections import deque
from functools import partial
from pathlib import Path

from ..log import LogLevel
from ..messages.datatype import DatatypeEnum
from ..models.gen2 import OpenVINO
from ..pipeline.node import InputMap, Node, OutputMap
from ..pipeline.registry import node_type
from ..runtime.worker import Feed, QueueClosed, Worker

BLOB_ASSET = "__blob"


@node_type(worker="NeuralNetworkWorker")
class NeuralNetwork(Node):
    NAME = "NeuralNetwork"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.input = self._input("in", attr="input", blocking=True, queueSize=5, waitForMessage=True)
        self.inputs = InputMap(self, "inputs", "inputs", blocking=False, queueSize=1, waitForMessage=True)
        self.out = self._output("out", types=(DatatypeEnum.NNData,))
        self.passthrough = self._output("passthrough")
        self.passthroughs = OutputMap(self, "passthroughs", "passthroughs")
        self.properties = {"blobSize": None, "blobUri": "", "numFrames": 8, "numNCEPerThread": 0, "numThreads": 0}
        self._blob: OpenVINO.Blob | None = None
        self._requested_blob: str | None = None   # the path setBlobPath was given: substitutions match its name
        self._blob_problem: str | None = None     # why that file cannot run, told when the pipeline is built
        self._shaves_per_thread = 0

    # -- the model --
    def setBlobPath(self, path):
        """Load the blob at `path` (made by `oakling convert`), or the substitute OAKLING_BLOBS names
        for its file name. A file that cannot run here (missing, or a MyriadX blob) is an error when
        the pipeline is built, unless `Device(pipeline, blobs=...)` substitutes it by then."""
        from ..models.blob import BlobError
        from ..models.gen2 import open_blob
        from ..models.substitution import BlobSubstitutionError, hint
        self._requested_blob = os.fspath(path)
        try:
            blob = open_blob(path)
        except BlobSubstitutionError:
            raise
        except BlobError as e:
            self._use_blob(None)
            self._blob_problem = (f"{self._label}.setBlobPath({self._requested_blob!r}): {e} — "
                                  f"{hint(self._requested_blob)}")
            return
        self._use_blob(blob)

    def setBlob(self, blob):
        """An OpenVINO.Blob, or a path to one (as setBlobPath)."""
        if isinstance(blob, (str, Path)):
            return self.setBlobPath(blob)
        if not isinstance(blob, OpenVINO.Blob):
            raise TypeError(f"{self._label}.setBlob: expected dai.OpenVINO.Blob or a path, got {type(blob).__name__}")
        self._requested_blob = None
        self._use_blob(blob)

    def requested_blob(self) -> str | None:
        return self._requested_blob

    def substitute_blob(self, substitutions) -> str | None:
        """Load the substitute `Device(pipeline, blobs=...)` gives for the file setBlobPath named, if
        any; returns the file name it matched, or None."""
        from ..models.gen2 import open_blob
        from ..models.substitution import blob_name
        if self._requested_blob and substitutions.find(self._requested_blob) is not None:
            self._use_blob(open_blob(self._requested_blob, substitutions))
            return blob_name(self._requested_blob)
        return None

    def _use_blob(self, blob):
        self._blob, self._blob_problem = blob, None
        if blob is None:
            self._assets.pop(BLOB_ASSET, None)
            self.properties.update(blobUri="", blobSize=None)
            return
        self._assets[BLOB_ASSET] = bytes(blob.data)
        self.properties.update(blobUri=f"asset:{BLOB_ASSET}", blobSize=len(blob.data))

    # -- gen2 settings --
    def setNumInferenceThreads(self, numThreads: int):
        """How many inferences run at once (0 = auto: 2)."""
        self.properties["numThreads"] = _count(numThreads, f"{self._label}.setNumInferenceThreads")

    def getNumInferenceThreads(self) -> int:
        return self.properties["numThreads"]

    def setNumPoolFrames(self, numFrames: int):
        """Output pool size: at most this many results wait to be sent (then the node waits)."""
        self.properties["numFrames"] = _count(numFrames, f"{self._label}.setNumPoolFrames")

    def getNumPoolFrames(self) -> int:
        return self.properties["numFrames"]

    def setNumNCEPerInferenceThread(self, numNCEPerThread: int):
        """Neural compute engines per inference on the VPU (accepted; the CPU has none)."""
        self.properties["numNCEPerThread"] = _count(numNCEPerThread, f"{self._label}.setNumNCEPerInferenceThread")

    def getNumNCEPerInferenceThread(self) -> int:
        return self.properties["numNCEPerThread"]

    def setNumShavesPerInferenceThread(self, numShavesPerThread: int):
        """SHAVE cores per inference on the VPU (accepted; give `oakling convert --shaves` instead)."""
        self._shaves_per_thread = _count(numShavesPerThread, f"{self._label}.setNumShavesPerInferenceThread")

    def getNumShavesPerInferenceThread(self) -> int:
        return self._shaves_per_thread

    # -- checked when the pipeline is built --
    def check_ports(self):
        super().check_ports()
        if self._blob is None and self._blob_problem:
            raise RuntimeError(self._blob_problem)
        if self._blob is None:
            raise RuntimeError(f"{self._label}: no model — call setBlobPath('model.blob') (make one with "
                               f"`oakling convert model.onnx -o model.blob`)")
        names = list(self._blob.networkInputs)
        for name in self.inputs:
            if name not in names:
                raise RuntimeError(f"{self._label}.inputs['{name}']: the model has no input '{name}' — its inputs "
                                   f"are {names}")
        for name in self.passthroughs:
            if name not in names:
                raise RuntimeError(f"{self._label}.passthroughs['{name}']: the model has no input '{name}' — "
                                   f"passthroughs are named after its inputs {names}")



def _count(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError(f"{what}: expected a whole number ≥ 0, got {value!r}")
    return value


_RUNNING = object()   # an inference's outputs until the backend is done with it


class _Inference:
    """One inference in flight: the messages it was fed, the `out` message the backend writes its outputs
    into (None: built from them afterwards), and its outputs once the backend is done."""

    __slots__ = ("main", "messages", "message", "outputs")

    def __init__(self, main, messages, message=None):
        self.main, self.messages, self.message, self.outputs = main, messages, message, _RUNNING


class _InOrder:
    """The inferences submitted and not yet sent, oldest first.

    Whichever thread finishes the oldest inference (an OpenVINO callback, as a rule) sends it and every
    finished one after it, so results leave in submission order and no thread wakes up just to send
    them. `add` waits while `limit` inferences are running or unsent: gen2's output pool."""

    def __init__(self, limit: int, send):
        self._limit, self._send = limit, send
        self._queue: deque[_Inference] = deque()
        self._cond = threading.Condition(threading.Lock())
        self._sending = False   # one thread at a time sends, so the order holds

    def add(self, inference: _Inference, stopping) -> bool:
        """Queue `inference` for sending; False if the device stops while the pool is full."""
        with self._cond:
            while len(self._queue) >= self._limit:
                if stopping():
                    return False
                self._cond.wait(0.1)
            self._queue.append(inference)
        return True

    def finished(self, inference: _Inference, outputs):
        """The backend is done with `inference` (called on its thread): send what is now in order."""
        inference.outputs = outputs
        with self._cond:
            if self._sending:   # that thread checks the oldest inference again before it stops sending
                return
            self._sending = True
        try:
            while True:
                with self._cond:
                    oldest = self._queue[0] if self._queue else None
                    if oldest is None or oldest.outputs is _RUNNING:
                        self._sending = False
                        self._cond.notify_all()
                        return
                try:
                    self._send(oldest)   # may wait for room downstream; later results wait in the queue
                finally:
                    with self._cond:
                        self._queue.popleft()
                        self._cond.notify_all()
        except BaseException:   # `send` should not raise; if it does, the next finisher goes on sending
            with self._cond:
                self._sending = False
                self._cond.notify_all()
            raise

    def wait_sent(self, stopping):
        """Wait until every queued inference has been sent (or the device stops)."""
        with self._cond:
            while (self._queue or self._sending) and not stopping():
                self._cond.wait(0.1)


class NeuralNetworkWorker(Worker):
    """Gather one message per input, check and convert them, submit an inference (the backend runs
    as many at once as it has requests, writing the outputs straight into the `out` message); `out`
    and the passthroughs are sent in the order the inferences were submitted, by the backend thread
    that finishes the oldest one. At most numFrames inferences are running or wait to be sent (gen2's
    output pool): when the receivers are slower, the node waits, and its input queues fill.

    When a blocking `input` alone feeds the model (the usual case), its policy is an `_InferenceFeed`:
    the producer's thread does the gathering and submitting: this thread then only
    waits for the input to close."""

    def __init__(self, ctx):
        super().__init__(ctx)
        main = self.input("in")
        named = any(group == "inputs" and port.linked for (group, _), port in ctx.inputs.items())
        self._feed = None
        if main.linked and not named and main.blocking:
            self._feed = _InferenceFeed(main.label)

    def feeds(self):
        return {("", "in"): self._feed} if self._feed is not None else {}

    def run(self):
        try:
            self._run()
        finally:
            if self._feed is not None:
                self._feed.end()

    def _run(self):
        from ..models import default_backend
        from ..models.backend import DEFAULT_REQUESTS
        from ..models.tensors import InputMismatch, OutputLayout, input_tensors
        blob = self._load_blob()
        main = self.input("in")
        named = {name: port for (group, name), port in self.ctx.inputs.items() if group == "inputs" and port.linked}
        if not main.linked and not named:
            return   # nothing can ever arrive
        requests = self.properties.get("numThreads") or DEFAULT_REQUESTS
        network = default_backend().load(blob, requests=requests, log=lambda text: self.log(LogLevel.DEBUG, text))
        specs = network.inputs
        order = [s.name for s in specs]
        named = dict(sorted(named.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))
        unfed = [name for name in order if name not in named]
        if not main.linked and unfed:
            raise RuntimeError(f"{self.label}: nothing is linked to feed input{'s' if len(unfed) > 1 else ''} "
                               f"{', '.join(repr(n) for n in unfed)} of the model — link an output to "
                               f"nn.inputs['{unfed[0]}'] (or send NNData with a layer per input to nn.input)")
        self._last = {}
        self._output_specs = network.outputs
        self._out = self.output("out")
        self._passthrough = self.output("passthrough")
        self._passthroughs = {name: port for (group, name), port in self.ctx.outputs.items()
                              if group == "passthroughs"}
        layout = OutputLayout(network.outputs) if network.writes_outputs else None
        if layout is not None and not layout.fits:
            layout = None
        results = _InOrder(max(requests, self.properties.get("numFrames") or 8), self._send_results)
        stopping = self.ctx.stop_event.is_set
        ran = False   # has a message fitted the model yet?

        def start(main_msg, messages) -> bool:
            """Check the messages and start their inference; False if the device stops first. Raises
            InputUnfit when the first message does not fit: the node cannot run what it is linked to."""
            nonlocal ran
            try:
                tensors = input_tensors(main_msg, messages, specs, self.label)
            except InputMismatch as e:
                if not ran:
                    raise InputUnfit(f"{e} (message {_seq(main_msg, messages)}, the first it got; the node "
                                     f"stops, as nothing it is sent can run)") from None
                self._error(str(e).split(" — ")[0], f"{e} (message {_seq(main_msg, messages)} dropped)")
                return True
            ran = True
            message, outputs = layout.new(self._out.array) if layout is not None else (None, None)
            inference = _Inference(main_msg, messages, message)
            if not results.add(inference, stopping):
                return False
            try:
                network.submit(tensors, partial(results.finished, inference), outputs)
            except Exception as e:   # OpenVINO refused the tensors: reported in order, as a failed inference
                results.finished(inference, e)
            return True

        try:
            if self._feed is not None:
                self._feed.open(lambda msg: start(msg, {}))
                self._feed.wait_closed(self.ctx.stop_event)
                if self._feed.failure is not None:
                    raise self._feed.failure
                return
            while not stopping():
                try:
                    main_msg, messages = self._gather(main if main.linked else None, named)
                except QueueClosed:
                    break
                if not start(main_msg, messages):
                    break
        finally:
            network.wait_all()
            results.wait_sent(stopping)

    def _load_blob(self):
        from ..models.blob import BlobError, ModelBlob
        uri = self.properties.get("blobUri") or ""
        key = uri[len("asset:"):] if uri.startswith("asset:") else uri
        data = self.ctx.assets.get(key)
        if data is None:
            raise RuntimeError(f"{self.label}: the blob asset '{key}' is missing — call setBlobPath() on the node")
        try:
            return ModelBlob.from_bytes(data, f"{self.label}'s blob")
        except BlobError as e:
            raise RuntimeError(str(e)) from None

    def _gather(self, main, named: dict):
        """One message per linked input: wait on inputs that wait for messages, reuse the last message on
        the others (waiting only for their first). QueueClosed when an input that waits has ended."""
        main_msg = main.get() if main is not None else None
        messages = {}
        for name, port in named.items():
            if port.wait_for_message:
                messages[name] = port.get()
        for name, port in named.items():
            if not port.wait_for_message:
                try:
                    msg = port.try_get()
                except QueueClosed:   # its sender has ended: keep reusing what it sent
                    msg = None
                if msg is None:
                    msg = self._last.get(name) or port.get()
                messages[name] = self._last[name] = msg
        return main_msg, messages

    def _send_results(self, inference: _Inference):
        """Send one inference's `out` and passthroughs (on the thread that finished it, in order)."""
        main_msg, messages, outputs = inference.main, inference.messages, inference.outputs
        if isinstance(outputs, BaseException):
            self._error(("infer", type(outputs).__name__),
                        f"{self.label}: inference failed: {type(outputs).__name__}: {outputs} "
                        f"(message {_seq(main_msg, messages)} dropped)")
            return
        source = main_msg if main_msg is not None else next(iter(messages.values()), None)
        try:
            message = inference.message
            if message is None:   # a backend that keeps its own output arrays
                from ..models.tensors import output_message
                message = output_message(outputs, self._output_specs, source)
            elif source is not None:
                message._keep_time_of(source)
            self._send_out(outputs, message, source)
            if main_msg is not None and self._passthrough.linked:
                self._passthrough.send(main_msg)
            for name, port in self._passthroughs.items():
                if name in messages and port.linked:
                    port.send(messages[name])
        except QueueClosed:
            pass   # the device is stopping: the inferences still queued are dropped the same way
        except Exception as e:   # never into the backend's thread: say what happened and go on
            self._error(("send", type(e).__name__),
                        f"{self.label}: the results of message {_seq(main_msg, messages)} could not be sent: "
                        f"{type(e).__name__}: {e}")

    def _send_out(self, outputs: dict, message, source=None):
        """Send one inference's outputs, `message` (NNData holding them, stamped with the source's sequence
        number and timestamps), on `out` (detection networks send them parsed instead); `source` is the
        message the inference was made of."""
        if self._out.linked:
            self._out.send(message)



def _seq(main_msg, messages) -> str:
    msg = main_msg if main_msg is not None else next(iter(messages.values()), None)
    return str(msg.getSequenceNum()) if msg is not None else "?"


class InputUnfit(RuntimeError):
    """The first message a NeuralNetwork got does not fit its model: the pipeline feeds it the wrong
    thing, and every result downstream would be missing, so the node stops with the fix."""

    report = ""   # the message says it all: the device logs no traceback for it


class _InferenceFeed(Feed):
    """Stands in for a blocking `input` queue that alone feeds the model: `put` checks the message and
    starts its inference in the producer's thread, one producer at a time so inferences start in the
    order messages arrive. It waits while every request is busy and gen2's output pool is full, as a
    full queue would, and until the model is loaded. Once the node has ended (or failed), messages are
    dropped rather than left to block their producers. A message that stops the node (InputUnfit) is
    kept in `failure` for the node's own thread to raise; the producer goes on."""

    def __init__(self, label: str):
        super().__init__(label)
        self._ready = threading.Event()    # the model is loaded, the node has ended, or the input closed
        self._start = None                 # start(msg) -> False if the device stops first
        self.failure: InputUnfit | None = None

    def open(self, start):
        self._start = start
        self._ready.set()

    def end(self):
        """The node has ended: drop what comes from now on."""
        self._start = None
        self._ready.set()

    def put(self, msg, timeout: float | None = None) -> bool:
        while not self._ready.wait(0.1):
            pass
        with self._lock:
            if self._reason is not None:
                raise QueueClosed(self._reason)
            start = self._start
            try:
                if start is not None and not start(msg):
                    raise QueueClosed("device stopping")
            except InputUnfit as e:
                self.failure, self._start = e, None
                self._closed.set()   # wakes the node's thread, which raises it
        return True

    def close(self, reason: str = "queue closed", discard: bool = False):
        """No more messages (every producer has ended, or the device is stopping)."""
        super().close(reason, discard)
        self._ready.set()
