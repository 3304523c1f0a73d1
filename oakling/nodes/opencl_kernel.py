"""OpenCLKernel: your own OpenCL C kernel run on every message, without a model (an oakling node;
gen2 has none — on an OAK, kernels run only as layers inside a network).

    blur = pipeline.create(dai.node.OpenCLKernel)
    blur.setKernelPath("box_blur.cl")                  # or setKernelSource(text)
    blur.setEntry("box_blur")
    blur.addInput("src")                               # argument 0: the frame's bytes
    blur.addOutput("dst", dai.ImgFrame.Type.BGR888i)   # argument 1: a new frame, as large as I.X x I.Y
    blur.addScalar("width", "I.X")                     # argument 2: the input's width
    blur.addScalar("height", "I.Y")                    # argument 3
    blur.setGlobalWorkSize("I.X * 3", "I.Y")           # one work item per byte
    cam.preview.link(blur.inputs["src"])               # or blur.input, when it has one input
    blur.outputs["dst"].link(xout.input)               # or blur.out, when it has one output

Arguments are bound in the order of the kernel's parameters, one `add*` call each:
- `addInput(name)`: a buffer with the bytes of each ImgFrame (all planes) or the tensor of each
  NNData (the one called `name`, or its only one) arriving at `inputs[name]`; the kernel must
  declare it `__global const` (it is read where it lies);
- `addOutput(name, frameType, width="I.X", height="I.Y")`: a new ImgFrame of that type and size per
  run, which the kernel fills, sent on `outputs[name]`;
- `addOutputTensor(name, dims, dataType=FP32)`: a new NNData with one tensor, `name`, of those dims;
- `addScalar(name, value)`: a number or an expression, passed with the kernel parameter's type.

Sizes, scalars and work sizes are expressions (oakling/kernels/expressions.py: numbers, + - * /
% //, parentheses, min, max) over the sizes of the messages: `I.X`, `I.Y`, `I.F`, `I.B` (width,
height, channels, batch) of the first input, `I1.X` of the second and so on, `O.X`, `O1.X` of the
outputs, and `src.X` by port name. `/` divides as C does. The global work size defaults to the
first output's X and Y; the local one to the device's choice.

Ports: `inputs[name]` (ImgFrame or NNData; blocking, queue 4, waits for a message:
`setReusePreviousMessage(True)` on one that is sent once), `outputs[name]`. Each run takes one
message from every input, and its outputs keep the sequence number and timestamps of the first
input's message (an output frame also keeps its camera settings).

The kernel is built for the CPU through PyOpenCL and PoCL when the device starts, and checked
against its bindings, so `Device(pipeline)` raises for a kernel that does not build (with the
kernel's file, line and the compiler's message) or whose arguments do not fit. Built programs are
cached on disk (oakling/kernels/cache.py).
"""
from __future__ import annotations

import os
import re

import numpy as np

from ..kernels.expressions import ExpressionError, parse
from ..log import LogLevel
from ..messages.datatype import DatatypeEnum
from ..messages.imgframe import ImgFrame
from ..messages.nndata import NNData, TensorInfo
from ..pipeline.node import Input, Node, Output
from ..pipeline.registry import node_type
from ..runtime.queue import QueueClosed
from ..runtime.runtime import PipelineBuildError
from ..runtime.worker import Worker

T = ImgFrame.Type
KERNEL_ASSET = "__kernel"
DIMS = ("X", "Y", "F", "B")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z_0-9]*$")
_RESERVED = re.compile(r"^[IO][0-9]*$")

# Frame types an output may have: (elements per pixel as (numerator, denominator), element type, channels).
_U8, _U16, _F16 = np.dtype(np.uint8), np.dtype(np.uint16), np.dtype(np.float16)
FRAME_LAYOUTS = {
    T.GRAY8: ((1, 1), _U8, 1), T.RAW8: ((1, 1), _U8, 1),
    T.BGR888i: ((3, 1), _U8, 3), T.RGB888i: ((3, 1), _U8, 3), T.BGR888p: ((3, 1), _U8, 3), T.RGB888p: ((3, 1), _U8, 3),
    T.NV12: ((3, 2), _U8, 1), T.YUV420p: ((3, 2), _U8, 1),
    T.RAW16: ((1, 1), _U16, 1), T.GRAYF16: ((1, 1), _F16, 1),
    T.BGRF16F16F16i: ((3, 1), _F16, 3), T.RGBF16F16F16i: ((3, 1), _F16, 3),
    T.BGRF16F16F16p: ((3, 1), _F16, 3), T.RGBF16F16F16p: ((3, 1), _F16, 3),
}
_INTERLEAVED = {T.BGR888i, T.RGB888i, T.BGRF16F16F16i, T.RGBF16F16F16i}
_PLANAR = {T.BGR888p, T.RGB888p, T.BGRF16F16F16p, T.RGBF16F16F16p}
_INPUT_ELEMENT = {T.RAW16: _U16, T.RAW14: _U16, T.RAW12: _U16, T.RAW10: _U16, T.GRAYF16: _F16,
                  T.BGRF16F16F16i: _F16, T.RGBF16F16F16i: _F16, T.BGRF16F16F16p: _F16, T.RGBF16F16F16p: _F16}
_THREE_CHANNELS = set(_INTERLEAVED) | set(_PLANAR) | {T.RGB161616}
_TENSOR_TYPES = {TensorInfo.DataType.FP16: np.float16, TensorInfo.DataType.FP32: np.float32,
                 TensorInfo.DataType.U8F: np.uint8, TensorInfo.DataType.I8: np.int8, TensorInfo.DataType.INT: np.int32}


# ------------------------------------------------------------------------------------------------
# The host node
# ------------------------------------------------------------------------------------------------

class _Bound:
    """The ports the bindings made (`inputs` or `outputs`): read-only, `[name]` for a bound port."""

    def __init__(self, node, attr: str, adder: str):
        self._node, self._attr, self._adder = node, attr, adder
        self._ports: dict[str, object] = {}

    def __getitem__(self, name):
        port = self._ports.get(name)
        if port is None:
            have = ", ".join(repr(n) for n in self._ports) or "none yet"
            raise KeyError(f"{self._node._label}.{self._attr}[{name!r}]: no such port (bound: {have}) — bind "
                           f"one with {self._adder}({name!r}, ...) first; a port is made by binding it to a "
                           f"kernel argument")
        return port

    def __contains__(self, name) -> bool:
        return name in self._ports

    def __iter__(self):
        return iter(list(self._ports))

    def __len__(self) -> int:
        return len(self._ports)

    def keys(self):
        return list(self._ports)

    def values(self):
        return list(self._ports.values())

    def items(self):
        return list(self._ports.items())


@node_type(worker="OpenCLKernelWorker")
class OpenCLKernel(Node):
    NAME = "OpenCLKernel"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.inputs = _Bound(self, "inputs", "addInput")
        self.outputs = _Bound(self, "outputs", "addOutput")
        self.properties = {"kernelUri": "", "kernelName": "", "entry": "", "buildOptions": "", "arguments": [],
                           "globalWorkSize": [], "localWorkSize": []}
        self._kernel_path = ""

    # -- the kernel --
    def setKernelSource(self, source, name: str = "<kernel>"):
        """The kernel's OpenCL C source (str or bytes); `name` is the file name its build errors show."""
        if isinstance(source, (bytes, bytearray)):
            source = bytes(source).decode("utf-8")
        if not isinstance(source, str):
            raise TypeError(f"{self._label}.setKernelSource: expected the source as str or bytes, got "
                            f"{type(source).__name__}")
        self._assets[KERNEL_ASSET] = source.encode("utf-8")
        self.properties.update(kernelUri=f"asset:{KERNEL_ASSET}", kernelName=str(name) or "<kernel>")
        self._kernel_path = ""

    def setKernelPath(self, path):
        """Read the kernel's source from a file (now: the file travels with the pipeline); its build
        errors name the file as given."""
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise RuntimeError(f"{self._label}.setKernelPath: cannot read '{path}' ({e.strerror or e}) — pass the "
                               f"path of an OpenCL C file") from None
        self.setKernelSource(data, os.fspath(path))
        self._kernel_path = os.fspath(path)

    def getKernelPath(self) -> str:
        return self._kernel_path

    def setEntry(self, name: str):
        """The kernel function to run (a `__kernel void name(...)` of the source)."""
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(f"{self._label}.setEntry: expected a kernel function's name, got {name!r}")
        self.properties["entry"] = name

    def getEntry(self) -> str:
        return self.properties["entry"]

    def setBuildOptions(self, options: str):
        """Options for the OpenCL C compiler, e.g. "-DRADIUS=2 -cl-fast-relaxed-math"."""
        if not isinstance(options, str):
            raise TypeError(f"{self._label}.setBuildOptions: expected a str, got {type(options).__name__}")
        self.properties["buildOptions"] = options

    # -- arguments, in the kernel's order --
    def addInput(self, name: str) -> Input:
        """Bind the next argument to a new input, `inputs[name]`; returns it."""
        self._new_name(name, "addInput")
        port = self._register(Input(self, name, "inputs", (DatatypeEnum.ImgFrame, DatatypeEnum.NNData),
                                    blocking=True, queueSize=4, waitForMessage=True, label=f"inputs['{name}']"))
        self.inputs._ports[name] = port
        self.properties["arguments"].append({"kind": "input", "name": name})
        return port

    def addOutput(self, name: str, frameType, width="I.X", height="I.Y") -> Output:
        """Bind the next argument to a new ImgFrame of `frameType`, `width` x `height` (numbers or
        expressions), sent on `outputs[name]`; returns that output."""
        what = f"{self._label}.addOutput({name!r})"
        try:
            frame_type = T(frameType)
        except ValueError:
            raise ValueError(f"{what}: expected an ImgFrame.Type, got {frameType!r}") from None
        if frame_type not in FRAME_LAYOUTS:
            raise ValueError(f"{what}: a kernel cannot write {frame_type.name} frames — the types it can write are "
                             f"{', '.join(t.name for t in FRAME_LAYOUTS)}")
        w, h = self._expression(width, what), self._expression(height, what)
        self._new_name(name, "addOutput")
        port = self._add_output(name, DatatypeEnum.ImgFrame)
        self.properties["arguments"].append({"kind": "output", "name": name, "frameType": int(frame_type),
                                             "width": w, "height": h})
        return port

    def addOutputTensor(self, name: str, dims, dataType=TensorInfo.DataType.FP32) -> Output:
        """Bind the next argument to a new NNData holding one tensor, `name`, of `dims` (numbers or
        expressions, outermost first) and `dataType` (TensorInfo.DataType or a NumPy dtype), sent on
        `outputs[name]`; returns that output."""
        what = f"{self._label}.addOutputTensor({name!r})"
        if isinstance(dims, (str, int)) or not hasattr(dims, "__iter__") or not list(dims):
            raise TypeError(f"{what}: expected a list of dims such as [1, 3, 'I.Y', 'I.X'], got {dims!r}")
        texts = [self._expression(d, what) for d in dims]
        data_type = _tensor_type(dataType, what)
        self._new_name(name, "addOutputTensor")
        port = self._add_output(name, DatatypeEnum.NNData)
        self.properties["arguments"].append({"kind": "output", "name": name,
                                             "tensor": {"dims": texts, "dataType": data_type.name}})
        return port

    def addScalar(self, name: str, value):
        """Bind the next argument to a value: a number, or an expression of the messages' sizes."""
        text = self._expression(value, f"{self._label}.addScalar({name!r})")
        self._new_name(name, "addScalar")
        self.properties["arguments"].append({"kind": "scalar", "name": name, "value": text})

    def getArguments(self) -> list[dict]:
        """The bindings, in argument order, as the schema carries them."""
        return [dict(a) for a in self.properties["arguments"]]

    # -- work sizes --
    def setGlobalWorkSize(self, *sizes):
        """The global work size: 1 to 3 numbers or expressions (default: the first output's X, Y)."""
        self.properties["globalWorkSize"] = self._sizes(sizes, "setGlobalWorkSize")

    def setLocalWorkSize(self, *sizes):
        """The work-group size: as many numbers or expressions as the global size has (default: the
        device chooses)."""
        self.properties["localWorkSize"] = self._sizes(sizes, "setLocalWorkSize")

    # -- the one input and output, when there is one --
    @property
    def input(self) -> Input:
        return self._only(self.inputs, "input", "inputs", "addInput")

    @property
    def out(self) -> Output:
        return self._only(self.outputs, "output", "outputs", "addOutput")

    def _only(self, ports, kind, attr, adder):
        if len(ports) != 1:
            have = ", ".join(f"{attr}['{n}']" for n in ports)
            raise AttributeError(f"{self._label}.{kind if kind == 'input' else 'out'}: the kernel has "
                                 f"{len(ports)} {kind}s ({have or f'bind one with {adder}'}) — "
                                 + ("name one" if ports else f"call {adder}(...) first"))
        return ports.values()[0]

    # -- helpers --
    def _add_output(self, name, datatype):
        port = self._register(Output(self, name, "outputs", (datatype,), label=f"outputs['{name}']"))
        self.outputs._ports[name] = port
        return port

    def _new_name(self, name, adder):
        what = f"{self._label}.{adder}({name!r})"
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(f"{what}: a binding's name is a C-like identifier (letters, digits, _), got {name!r}")
        if _RESERVED.match(name):
            raise ValueError(f"{what}: {name} names the inputs' or outputs' sizes in expressions (I.X, O1.Y) — "
                             f"choose another name")
        if any(a["name"] == name for a in self.properties["arguments"]):
            raise ValueError(f"{what}: '{name}' is already bound — each argument needs a name of its own")

    def _expression(self, value, what) -> str:
        try:
            return parse(value).text
        except ExpressionError as e:
            raise ValueError(f"{what}: {e}") from None

    def _sizes(self, sizes, setter) -> list[str]:
        what = f"{self._label}.{setter}"
        if len(sizes) == 1 and isinstance(sizes[0], (list, tuple)):
            sizes = tuple(sizes[0])
        if not 1 <= len(sizes) <= 3:
            raise ValueError(f"{what}: expected 1 to 3 sizes, got {len(sizes)}")
        return [self._expression(s, what) for s in sizes]

    # -- checked when the pipeline is built --
    def check_ports(self):
        super().check_ports()
        props, label = self.properties, self._label
        if not props["kernelUri"]:
            raise RuntimeError(f"{label}: no kernel — call setKernelSource(source) or setKernelPath('kernel.cl')")
        if not props["entry"]:
            raise RuntimeError(f"{label}: no entry — call setEntry('name') with the __kernel function to run")
        if not self.inputs:
            raise RuntimeError(f"{label}: no input is bound — call addInput('src') for the argument that takes "
                               f"each message")
        if not self.outputs:
            raise RuntimeError(f"{label}: no output is bound — call addOutput('dst', frameType) or "
                               f"addOutputTensor('dst', dims) for the argument the kernel writes")
        args = props["arguments"]
        input_names = size_names([a["name"] for a in args if a["kind"] == "input"], "I")
        all_names = input_names | size_names([a["name"] for a in args if a["kind"] == "output"], "O")
        for a in args:
            if a["kind"] == "output":
                texts = a["tensor"]["dims"] if "tensor" in a else [a["width"], a["height"]]
                _check_names(texts, input_names, f"{label}: the size of output '{a['name']}'",
                             "an output's size may depend on the inputs' sizes only")
            elif a["kind"] == "scalar":
                _check_names([a["value"]], all_names, f"{label}: scalar '{a['name']}'", "")
        _check_names(props["globalWorkSize"], all_names, f"{label}: the global work size", "")
        _check_names(props["localWorkSize"], all_names, f"{label}: the local work size", "")
        if props["localWorkSize"] and props["globalWorkSize"] and \
                len(props["localWorkSize"]) != len(props["globalWorkSize"]):
            raise RuntimeError(f"{label}: the local work size has {len(props['localWorkSize'])} dimensions and the "
                               f"global one {len(props['globalWorkSize'])} — give both as many")


def size_names(ports: list[str], letter: str) -> set[str]:
    """The names expressions may use for these ports' sizes: I.X (the first), I0.X, I1.X ..., src.X."""
    names = set()
    for i, port in enumerate(ports):
        for d in DIMS:
            names |= {f"{letter}{i}.{d}", f"{port}.{d}"} | ({f"{letter}.{d}"} if i == 0 else set())
    return names


def _check_names(texts, known: set, what: str, why: str):
    for text in texts:
        unknown = sorted(parse(text).names - known)
        if unknown:
            listing = ", ".join(sorted(n for n in known if not n[1:2].isdigit())) or "none"
            raise RuntimeError(f"{what} ({text!r}) uses {', '.join(unknown)}, which is not bound — "
                               f"{why + '; ' if why else ''}the names it may use are {listing}")


def _tensor_type(value, what) -> TensorInfo.DataType:
    if isinstance(value, TensorInfo.DataType):
        return value
    if isinstance(value, str) and value in TensorInfo.DataType.__members__:
        return TensorInfo.DataType[value]
    try:
        dtype = np.dtype(value)
    except TypeError:
        dtype = None
    for data_type, np_type in _TENSOR_TYPES.items():
        if dtype == np.dtype(np_type):
            return data_type
    raise ValueError(f"{what}: expected a TensorInfo.DataType (FP16, FP32, U8F, I8, INT) or one of the NumPy "
                     f"types float16, float32, uint8, int8, int32, got {value!r}")


# ------------------------------------------------------------------------------------------------
# The device worker
# ------------------------------------------------------------------------------------------------

class _Plan:
    """What one kind of messages (their types and sizes) makes: output layouts, scalar values, work sizes."""
    __slots__ = ("outputs", "scalars", "global_size", "local_size", "elements")

    def __init__(self):
        self.outputs, self.scalars, self.elements = {}, {}, {}
        self.global_size = self.local_size = None


class _Drop(Exception):
    """A message set the node cannot run on: logged, dropped."""


class OpenCLKernelWorker(Worker):
    """Builds the kernel (from the cache if it can) and checks the bindings while the device starts;
    then, for each set of one message per input, makes the outputs, runs the kernel, sends them."""

    def __init__(self, ctx):
        super().__init__(ctx)
        from ..kernels.build import KernelBuildError, OpenCLUnavailable, build
        from ..kernels.launch import Launcher
        from ..kernels.signature import BindingError, Bound, check, signature
        props = self.properties
        label = self.label
        source = ctx.assets.get(KERNEL_ASSET)
        if source is None:
            raise PipelineBuildError(f"{label}: the kernel source is missing — call setKernelSource() or "
                                     f"setKernelPath() on the node")
        name = props.get("kernelName") or "<kernel>"
        try:
            program = build(source.decode("utf-8"), name=name, options=props.get("buildOptions", ""))
        except OpenCLUnavailable as e:
            raise PipelineBuildError(f"{label}: {e}") from None
        except KernelBuildError as e:
            raise PipelineBuildError(f"{label}: the kernel {name} does not build — {e}") from None
        how = "loaded from the kernel cache" if program.from_cache else "compiled"
        self.log(LogLevel.INFO, f"{name} {how} in {program.seconds * 1000:.0f} ms")
        if program.log.strip():
            self.log(LogLevel.DEBUG, f"{name}: the compiler said:\n{program.log.strip()}")
        entry = props["entry"]
        try:
            kernel = program.kernel(entry)
        except LookupError as e:
            raise PipelineBuildError(f"{label}.setEntry('{entry}'): {e}") from None
        self._args = signature(kernel)
        self._bindings = props["arguments"]
        bound = []
        for b in self._bindings:
            dtype = None
            if b["kind"] == "output":
                dtype = _output_dtype(b)
            elif b["kind"] == "scalar":
                e = parse(b["value"])
                dtype = np.dtype(type(e.evaluate({}))) if e.constant else None
            bound.append(Bound(b["kind"], b["name"], dtype))
        try:
            check(entry, self._args, bound)
        except BindingError as e:
            raise PipelineBuildError(f"{label}: {e}") from None
        self._launcher = Launcher(kernel)
        self._exprs = {}
        self._plans: dict = {}

    def run(self):
        inputs = [(b["name"], self.input(b["name"], "inputs")) for b in self._bindings if b["kind"] == "input"]
        unlinked = [name for name, port in inputs if not port.linked]
        if unlinked:
            raise RuntimeError(f"{self.label}.inputs['{unlinked[0]}'] is not linked — link an output to it: the kernel "
                               f"runs once for each message on every input")
        outputs = {b["name"]: self.output(b["name"], "outputs") for b in self._bindings if b["kind"] == "output"}
        last = {}
        while not self.stopping:
            try:
                messages = self._gather(inputs, last)
            except QueueClosed:
                return
            made = self._process(messages)
            if made is None:
                continue
            for name, msg in made.items():
                if outputs[name].linked:
                    outputs[name].send(msg)

    @staticmethod
    def _gather(inputs, last) -> dict:
        """One message per input: a new one where the input waits for messages, else the newest or the
        last one again (waiting only for the first)."""
        messages = {}
        for name, port in inputs:
            if port.wait_for_message:
                messages[name] = port.get()
        for name, port in inputs:
            if not port.wait_for_message:
                try:
                    msg = port.try_get()
                except QueueClosed:
                    msg = None
                if msg is None:
                    msg = last.get(name) or port.get()
                messages[name] = last[name] = msg
        return {name: messages[name] for name, _ in inputs}

    def _process(self, messages: dict) -> dict | None:
        first = next(iter(messages.values()))
        seq = first.getSequenceNum()
        try:
            key = tuple(_kind(name, msg) for name, msg in messages.items())
            plan = self._plans.get(key)
            if plan is None:
                if len(self._plans) > 16:
                    self._plans.clear()
                plan = self._plans[key] = self._plan(messages)
            if isinstance(plan, _Drop):
                raise plan
            args, made, written = [], {}, set()
            for i, b in enumerate(self._bindings):
                kind, name = b["kind"], b["name"]
                if kind == "input":
                    args.append(_input_array(name, messages[name], self.label))
                elif kind == "scalar":
                    args.append(plan.scalars[name])
                else:
                    msg, array = _new_output(name, plan.outputs[name])
                    made[name] = msg
                    args.append(array)
                    written.add(i)
            self._launcher.run(args, written, plan.global_size, plan.local_size)
        except _Drop as e:
            self._error(("drop", str(e)), f"{self.label}: {e} (message {seq} dropped)")
            return None
        except Exception as e:   # an OpenCL failure on one message must not stop the node
            self._error(("fail", type(e).__name__), f"{self.label}: the kernel failed on message {seq}: "
                                                    f"{type(e).__name__}: {e}")
            return None
        for msg in made.values():
            if isinstance(msg, ImgFrame) and isinstance(first, ImgFrame):
                msg._keep_capture_of(first)
            else:
                msg._keep_time_of(first)
        return made

    def _expr(self, text):
        e = self._exprs.get(text)
        if e is None:
            e = self._exprs[text] = parse(text)
        return e

    def _plan(self, messages: dict):
        """The plan for messages of these kinds, or the _Drop that says why they cannot run."""
        from ..kernels.signature import element_problem
        try:
            values = {}
            inputs = [(name, msg) for name, msg in messages.items()]
            for i, (name, msg) in enumerate(inputs):
                dims, dtype = _input_dims(name, msg, self.label)
                _name_dims(values, "I", i, name, dims)
                arg = self._args[self._index(name)]
                problem = element_problem(arg, dtype, f"input '{name}' ({_describe(msg)})")
                if problem:
                    raise _Drop(f"{self._entry()}(): {problem}")
            plan = _Plan()
            out_index = 0
            for b in self._bindings:
                if b["kind"] != "output":
                    continue
                layout = self._output_layout(b, values)
                plan.outputs[b["name"]] = layout
                _name_dims(values, "O", out_index, b["name"], layout["dims"])
                out_index += 1
            for b in self._bindings:
                if b["kind"] == "scalar":
                    plan.scalars[b["name"]] = self._scalar(b, values)
            props = self.properties
            first_out = next(iter(plan.outputs.values()))["dims"]
            plan.global_size = self._work_size(props["globalWorkSize"], values, "global") \
                if props["globalWorkSize"] else (first_out["X"], first_out["Y"])
            if props["localWorkSize"]:
                plan.local_size = self._work_size(props["localWorkSize"], values, "local")
                if len(plan.local_size) != len(plan.global_size):
                    raise _Drop(f"the local work size {plan.local_size} and the global one {plan.global_size} "
                                f"have different dimensions — give both as many")
                bad = [f"{g} is not a multiple of {l}" for g, l in zip(plan.global_size, plan.local_size) if g % l]
                if bad:
                    raise _Drop(f"global work size {plan.global_size}, local {plan.local_size}: {'; '.join(bad)} — "
                                f"round the global size up to whole work groups")
            return plan
        except ExpressionError as e:
            return _Drop(str(e))
        except _Drop as e:
            return e

    def _index(self, name) -> int:
        return next(i for i, b in enumerate(self._bindings) if b["name"] == name)

    def _entry(self) -> str:
        return self.properties["entry"]

    def _output_layout(self, b, values) -> dict:
        what = f"output '{b['name']}'"
        if "tensor" in b:
            dims = [self._whole(self._expr(t).evaluate(values), f"{what}: dim {t!r}") for t in b["tensor"]["dims"]]
            dtype = _output_dtype(b)
            return {"tensor": dims, "dtype": dtype, "dims": _bfyx(dims)}
        w = self._whole(self._expr(b["width"]).evaluate(values), f"{what}: width {b['width']!r}")
        h = self._whole(self._expr(b["height"]).evaluate(values), f"{what}: height {b['height']!r}")
        frame_type = T(b["frameType"])
        channels = FRAME_LAYOUTS[frame_type][2]
        if frame_type in (T.NV12, T.YUV420p) and (w % 2 or h % 2):
            raise _Drop(f"{what}: {frame_type.name} frames need an even width and height, got {w}x{h}")
        return {"frame": (frame_type, w, h), "dtype": FRAME_LAYOUTS[frame_type][1],
                "dims": {"X": w, "Y": h, "F": channels, "B": 1}}

    @staticmethod
    def _whole(value, what) -> int:
        if isinstance(value, float):
            if not value.is_integer():
                raise _Drop(f"{what} is {value}, not a whole number — use // or / between integers")
            value = int(value)
        if value < 1:
            raise _Drop(f"{what} is {value} — sizes must be at least 1")
        return value

    def _scalar(self, b, values):
        arg = self._args[self._index(b["name"])]
        value = self._expr(b["value"]).evaluate(values)
        dtype = arg.dtype
        if isinstance(value, float) and dtype.kind != "f":
            raise _Drop(f"scalar '{b['name']}' ({b['value']!r}) is {value}, a float, for {arg.describe()} — "
                        f"make it an integer (// divides to one)")
        if dtype.kind in "iu":
            info = np.iinfo(dtype)
            if not info.min <= value <= info.max:
                raise _Drop(f"scalar '{b['name']}' ({b['value']!r}) is {value}, out of the range of "
                            f"{arg.describe()}")
        return dtype.type(value)

    def _work_size(self, texts, values, which) -> tuple:
        return tuple(self._whole(self._expr(t).evaluate(values), f"the {which} work size {t!r}") for t in texts)


def _output_dtype(b) -> np.dtype:
    if "tensor" in b:
        return np.dtype(_TENSOR_TYPES[TensorInfo.DataType[b["tensor"]["dataType"]]])
    return FRAME_LAYOUTS[T(b["frameType"])][1]


def _kind(name, msg):
    if isinstance(msg, ImgFrame):
        return ("frame", msg._type, msg._width, msg._height)
    if isinstance(msg, NNData):
        t = _tensor_info(name, msg)
        return ("tensor", None if t is None else (t.name, tuple(t.dims), t.dataType))
    return ("other", type(msg).__name__)


def _describe(msg) -> str:
    if isinstance(msg, ImgFrame):
        return f"{msg.getWidth()}x{msg.getHeight()} {msg.getType().name}"
    return type(msg).__name__


def _tensor_info(name, msg: NNData):
    tensors = msg._tensors
    for t in tensors:
        if t.name == name:
            return t
    return tensors[0] if len(tensors) == 1 else None


def _bfyx(dims: list[int]) -> dict:
    """X, Y, F, B of a tensor's dims, innermost first (missing ones are 1)."""
    inner = list(reversed(dims)) + [1] * 4
    return dict(zip(DIMS, inner[:4]))


def _name_dims(values: dict, letter: str, index: int, port: str, dims: dict):
    for d, v in dims.items():
        values[f"{letter}{index}.{d}"] = values[f"{port}.{d}"] = v
        if index == 0:
            values[f"{letter}.{d}"] = v


def _input_dims(name, msg, label) -> tuple[dict, np.dtype]:
    if isinstance(msg, ImgFrame):
        if msg._width <= 0 or msg._height <= 0:
            raise _Drop(f"input '{name}': a frame of {msg._width}x{msg._height} — frames need a size (setSize)")
        dims = {"X": msg._width, "Y": msg._height, "F": 3 if msg._type in _THREE_CHANNELS else 1, "B": 1}
        return dims, _INPUT_ELEMENT.get(msg._type, _U8)
    if isinstance(msg, NNData):
        t = _tensor_info(name, msg)
        if t is None:
            raise _Drop(f"input '{name}': the NNData has tensors {msg.getAllLayerNames()} — name one '{name}' "
                        f"or send NNData with one tensor")
        return _bfyx(list(t.dims)), msg.getTensor(t.name).dtype
    raise _Drop(f"input '{name}': expected ImgFrame or NNData, got {type(msg).__name__} — link an output that "
                f"sends frames or tensors")


def _input_array(name, msg, label) -> np.ndarray:
    if isinstance(msg, ImgFrame):
        dtype = _INPUT_ELEMENT.get(msg._type, _U8)
        data = msg._data
        if data.size % dtype.itemsize:
            data = data[:data.size - data.size % dtype.itemsize]
        if data.size == 0:
            raise _Drop(f"input '{name}': the frame has no bytes (was it sent metadata only?)")
        return data.view(dtype)
    t = _tensor_info(name, msg)
    return np.ascontiguousarray(msg.getTensor(t.name))


def _new_output(name, layout):
    """(the message, the array the kernel writes: the message's own bytes)."""
    if "tensor" in layout:
        msg = NNData()
        msg.addTensor(name, np.empty(layout["tensor"], layout["dtype"]))
        return msg, msg.getTensor(name)
    frame_type, w, h = layout["frame"]
    (num, den), dtype, _ = FRAME_LAYOUTS[frame_type]
    count = w * h * num // den
    array = np.empty(count, dtype)
    frame = ImgFrame()
    frame.setType(frame_type)
    frame.setSize(w, h)
    frame._data = array.view(np.uint8)
    item = dtype.itemsize
    if frame_type in _INTERLEAVED:
        frame._stride = w * 3 * item
    else:
        frame._stride = w * item
    if frame_type in _PLANAR:
        frame._p2_offset, frame._p3_offset = w * h * item, 2 * w * h * item
    elif frame_type in (T.NV12, T.YUV420p):
        frame._p2_offset = w * h
        frame._p3_offset = w * h if frame_type == T.NV12 else w * h + w * h // 4
    return frame, array
