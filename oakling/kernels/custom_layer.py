"""One model layer run by the OpenCL kernels of its binding: every stage, in order, on NumPy arrays.

    layer = Layer("relu6_1", "MyReLU6", {"max": "6"}, inputs=[((1, 3, 8, 8), np.float32)],
                  outputs=[((1, 3, 8, 8), np.float32)])
    kernels = CustomLayerKernels(binding, layer)   # builds, checks: CustomLayerError says what and how to fix
    kernels.run([x], [y])                          # y (the layer's output array) is written
    kernels.run([x_nhwc], [y_nhwc], {("input", 0), ("output", 0)})   # ports given channels-last

Everything that can be checked is checked when the kernels are made (so a model is refused when it
is converted, not when a frame comes): the kernel builds (file:line and the compiler's message);
no `__builtin_shave_*`; each argument of each stage's kernel is bound, by name, by exactly one
`Tensor`, `Data` or `Scalar`, of a kind that fits it (a buffer to a `__global` pointer, local data
to a `__local` one, a scalar to a number of the same kind); ports exist; attributes the scalars
read exist; sizes and work sizes evaluate, are whole and positive, and the local size divides the
global one; a work group's local memory is at most a SHAVE's 100 KB.

How the VPU's conventions map onto arrays here:
- a port's sizes: B, F, Y, X are an NCHW shape's (a 3-D shape is F, Y, X; 2-D is B, F; the dims
  between F and X of a 5-D shape count into Y). In expressions: `I.X` (input 0), `I1.F`,
  `O.Y`, and the WorkSizes' / Data's `dim` port as plain `B F Y X`; numeric layer attributes by name.
- formats: BFYX, FYX, BF and ANY pass the array as it is; BYXF and YXF transpose to channels-last
  for the kernel (and back, for outputs).
- `Data source="weights"` is the layer's first input port no Tensor binds (`biases` the second):
  an ONNX node's or IR layer's constant input.
- `size` of buffers and local data is in the VPU's bytes (a half is 2): where half is a float
  here, twice as many bytes are allocated.
- FP16: buffers the kernel declares `half` hold floats here (vpu_prelude.py); inputs are rounded to
  FP16 on the way in, outputs and buffers between stages when a kernel has written them.
- ports given channels-last (NHWC arrays of the layer's NCHW shapes, as models/custom_layers.py
  arranges where a layer meets convolutions) are moved to the kernel's format and back on the
  OpenCL device, in the pass that rounds them; a BYXF kernel takes them as they are.
- a run enqueues the edge kernels (rounding, moving) and the stages on one in-order queue and waits
  once; float32 arrays are used where they lie (CL_MEM_USE_HOST_PTR), buffers between stages and
  moved copies live in device memory kept from run to run. Other element types go through NumPy.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

import numpy as np

from .bindings import LayerBinding, Param, Stage
from .build import KernelBuildError, build, cpu, has_float16
from .expressions import ExpressionError, parse
from .signature import KernelArg, element_problem, signature
from .vpu_prelude import half_rounding, prepare, shave_builtins

LOCAL_MEMORY_LIMIT = 100 * 1024   # bytes of CMX a SHAVE gives a work group
_DIM_SOURCE = re.compile(r"^(I|O)(\d*)\.([BFYX])$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z_0-9]*$")


class CustomLayerError(ValueError):
    """The binding and kernels of a layer do not fit together; the message names the layer, the
    argument (or work size) and the fix."""


@dataclass
class Layer:
    """The layer a binding is used for: its name (as the model has it), type, attributes (name ->
    value as text) and its ports' (shape, dtype)."""
    name: str
    type: str
    attributes: dict
    inputs: list
    outputs: list

    @property
    def label(self) -> str:
        return f"layer '{self.name}' ({self.type})"


def dims(shape) -> dict:
    """{"B", "F", "Y", "X"} of an NCHW-ordered shape."""
    shape = [int(d) for d in shape]
    if len(shape) == 0:
        return {"B": 1, "F": 1, "Y": 1, "X": 1}
    if len(shape) == 1:
        return {"B": 1, "F": 1, "Y": 1, "X": shape[0]}
    if len(shape) == 2:
        return {"B": shape[0], "F": shape[1], "Y": 1, "X": 1}
    if len(shape) == 3:
        return {"B": 1, "F": shape[0], "Y": shape[1], "X": shape[2]}
    return {"B": shape[0], "F": shape[1], "Y": int(np.prod(shape[2:-1])), "X": shape[-1]}


@dataclass
class _Arg:
    kind: str                  # input, output, buffer_in, buffer_out, weights, local, scalar
    arg: KernelArg
    port: int | None = None
    format: str = "ANY"
    dtype: np.dtype | None = None
    round_half: bool = False
    value: object = None       # a scalar's NumPy value; local data's cl.LocalMemory
    copy: bool = False         # an input the kernel may write to: give it a copy


@dataclass
class _StagePlan:
    stage: Stage
    kernel: object             # the pyopencl.Kernel of the stage (its DMA wrapper, if any)
    args: list
    global_size: tuple
    local_size: tuple | None
    buffers: dict = field(default_factory=dict)   # port -> array made by this stage (output_buffer)


_EDGES = """
/* FP16 rounding as a SHAVE stores values, and the NHWC <-> NCHW moves at a layer's edges */
#define to_half __oakling_to_half
#define to_half8 __oakling_to_half8

__kernel void round_to_half(__global const float* src, __global float* dst, uint n)
{
    size_t i = get_global_id(0) * 8;
    if (i + 8 <= n) {
        vstore8(to_half8(vload8(0, src + i)), 0, dst + i);
    } else {
        for (; i < n; i++)
            dst[i] = to_half(src[i]);
    }
}

#define COLUMN(k) (float8)(v0.s##k, v1.s##k, v2.s##k, v3.s##k, v4.s##k, v5.s##k, v6.s##k, v7.s##k)

/* Batches of matrices of `rows` x `cols` floats transposed (and rounded to FP16 if `round`): NHWC ->
   NCHW is rows = pixels, cols = channels, and NCHW -> NHWC the other way round. A work item moves
   blocks of 8 x 8 — 8 vectors in, 8 out, in named vectors the compiler keeps in registers — along
   8 rows, up to BLOCKS of them. Global size: (rows + 7) / 8, (cols + 8 * BLOCKS - 1) / (8 * BLOCKS),
   batch. */
#define BLOCKS 8
__kernel void transpose(__global const float* src, __global float* dst, uint rows, uint cols, uint round)
{
    size_t r0 = get_global_id(0) * 8, b = get_global_id(2);
    size_t first = get_global_id(1) * 8 * BLOCKS, last = min(first + 8 * BLOCKS, (size_t)cols);
    __global const float* in = src + b * rows * cols;
    __global float* out = dst + b * rows * cols;
    for (size_t c0 = first; c0 < last; c0 += 8) {
        if (r0 + 8 <= rows && c0 + 8 <= cols) {
            __global const float* i = in + r0 * cols + c0;
            float8 v0 = vload8(0, i), v1 = vload8(0, i + cols), v2 = vload8(0, i + 2 * cols),
                   v3 = vload8(0, i + 3 * cols), v4 = vload8(0, i + 4 * cols), v5 = vload8(0, i + 5 * cols),
                   v6 = vload8(0, i + 6 * cols), v7 = vload8(0, i + 7 * cols);
            float8 t0 = COLUMN(0), t1 = COLUMN(1), t2 = COLUMN(2), t3 = COLUMN(3),
                   t4 = COLUMN(4), t5 = COLUMN(5), t6 = COLUMN(6), t7 = COLUMN(7);
            if (round) {
                t0 = to_half8(t0); t1 = to_half8(t1); t2 = to_half8(t2); t3 = to_half8(t3);
                t4 = to_half8(t4); t5 = to_half8(t5); t6 = to_half8(t6); t7 = to_half8(t7);
            }
            __global float* o = out + c0 * rows + r0;
            vstore8(t0, 0, o); vstore8(t1, 0, o + rows); vstore8(t2, 0, o + 2 * rows);
            vstore8(t3, 0, o + 3 * rows); vstore8(t4, 0, o + 4 * rows); vstore8(t5, 0, o + 5 * rows);
            vstore8(t6, 0, o + 6 * rows); vstore8(t7, 0, o + 7 * rows);
        } else {
            for (size_t r = r0; r < min(r0 + 8, (size_t)rows); r++)
                for (size_t c = c0; c < min(c0 + 8, (size_t)cols); c++)
                    out[c * rows + r] = round ? to_half(in[r * cols + c]) : in[r * cols + c];
        }
    }
}
"""

_CHANNELS_LAST_FORMATS = ("BYXF", "YXF")


class _Edges:
    """The kernels that move a layer's tensors into and out of its kernels' buffers, on the OpenCL
    device: FP16 rounding (some twenty times quicker than NumPy's astype round trip) and the
    NHWC <-> NCHW transposes, fused, each one pass over the values."""

    def __init__(self, cache):
        program = build(half_rounding(has_float16()) + _EDGES, name="oakling_edges.cl", cache=cache)
        self.round = program.kernel("round_to_half")
        self.transpose = program.kernel("transpose")

    def enqueue(self, queue, src, dst, count: int, move: str | None = None, shape=None, round_half: bool = True):
        """Enqueue `dst` = `src` (`count` floats) rounded to FP16 (if `round_half`), moved from NHWC
        to NCHW (`move="planar"`) or back (`"channels_last"`) for a 4-D NCHW `shape`."""
        cl = cpu().cl
        if move is None:
            if not round_half:
                cl.enqueue_copy(queue, dst, src, byte_count=count * 4)
                return
            self.round.set_args(src, dst, np.uint32(count))
            cl.enqueue_nd_range_kernel(queue, self.round, ((count + 7) // 8,), None)
            return
        b, c, h, w = (int(d) for d in shape)
        rows, cols = (h * w, c) if move == "planar" else (c, h * w)
        self.transpose.set_args(src, dst, np.uint32(rows), np.uint32(cols), np.uint32(bool(round_half)))
        cl.enqueue_nd_range_kernel(queue, self.transpose, ((rows + 7) // 8, (cols + 63) // 64, b), None)


class _Run:
    """One run of a layer: the OpenCL buffers over its arrays and the commands, on one in-order
    queue, waited for once at the end."""

    def __init__(self, queue):
        self.queue = queue
        self._cl = cpu().cl
        self._made = []            # buffers over host arrays, released at the end
        self._written = []         # (buffer, array): mapped once the commands are done
        self.after = []            # what NumPy does once they are

    def host(self, array: np.ndarray, write: bool = False):
        """A buffer that is `array`'s memory (CL_MEM_USE_HOST_PTR: no copy on a CPU device)."""
        mf = self._cl.mem_flags
        buf = self._cl.Buffer(cpu().context, (mf.READ_WRITE if write else mf.READ_ONLY) | mf.USE_HOST_PTR,
                              hostbuf=array)
        self._made.append(buf)
        if write:
            self._written.append((buf, array))
        return buf

    def abandon(self):
        """Wait for what was enqueued, and let go of the buffers, after a failure."""
        try:
            self.queue.finish()
        finally:
            for buf in self._made:
                buf.release()

    def finish(self):
        cl = self._cl
        try:
            for buf, array in self._written:
                mapped, _ = cl.enqueue_map_buffer(self.queue, buf, cl.map_flags.READ, 0, array.shape, array.dtype,
                                                  is_blocking=False)
                mapped.base.release(self.queue)
            self.queue.finish()
        finally:
            for buf in self._made:
                buf.release()
        for step in self.after:
            step()


def _fast(array: np.ndarray, a: "_Arg") -> bool:
    """Whether the OpenCL device can take `array` for argument `a` as it lies: float32 both, contiguous."""
    return array.dtype == np.float32 and a.dtype == np.float32 and array.flags.c_contiguous and array.size > 0


def _to_layout(array: np.ndarray, channels_last: bool, want_channels_last: bool) -> np.ndarray:
    """A view of a 4-D array in NHWC (`channels_last`) or NCHW order as the other."""
    if channels_last == want_channels_last:
        return array
    return array.transpose(0, 2, 3, 1) if want_channels_last else array.transpose(0, 3, 1, 2)


class CustomLayerKernels:
    def __init__(self, binding: LayerBinding, layer: Layer, *, cache=None):
        self.binding, self.layer = binding, layer
        self._cache = cache
        self._lock = threading.Lock()
        self._where = f"{binding.label} for {layer.label}"
        self._refuse_shave_builtins()
        device = cpu()
        self._half = "cl_khr_fp16" not in (device.device.extensions or "")
        self._max_group = int(device.device.max_work_group_size)
        self._weights_ports = self._unbound_inputs()
        self._buffers: dict[int, np.ndarray] = {}
        self._buffer_half: dict[int, bool] = {}
        self.stages = [self._plan(stage) for stage in binding.stages]
        self._edges = _Edges(cache)
        self._queue = device.cl.CommandQueue(device.context)
        self._device_buffers: dict = {}   # buffers only kernels touch: between stages, and layouts moved

    # -- running --
    def run(self, inputs: list, outputs: list, channels_last=()) -> None:
        """Run every stage over `inputs` (arrays in the layer's input shapes) and write `outputs`.
        `channels_last`: ports, as ("input", k) or ("output", k), whose 4-D arrays are NHWC — the
        layer's NCHW shape with its channels moved last — rather than NCHW."""
        channels_last = frozenset(channels_last)
        for k, (array, (shape, _)) in enumerate(zip(inputs, self.layer.inputs)):
            if tuple(array.shape) != _shape_in(shape, ("input", k) in channels_last):
                raise CustomLayerError(f"{self._where}: input {k} is {list(array.shape)}, the kernels were set up "
                                       f"for {list(_shape_in(shape, ('input', k) in channels_last))} — convert the "
                                       f"model again for this shape")
        with self._lock:
            run = _Run(self._queue)
            try:
                for number, plan in enumerate(self.stages):
                    self._enqueue_stage(number, plan, inputs, outputs, channels_last, run)
            except BaseException:
                run.abandon()
                raise
            run.finish()

    def _scratch(self, key, nbytes: int, zeros: np.ndarray | None = None):
        buf = self._device_buffers.get(key)
        if buf is None or buf.size < nbytes:
            cl = cpu().cl
            if zeros is not None:
                buf = cl.Buffer(cpu().context, cl.mem_flags.READ_WRITE | cl.mem_flags.COPY_HOST_PTR, hostbuf=zeros)
            else:
                buf = cl.Buffer(cpu().context, cl.mem_flags.READ_WRITE, max(nbytes, 4))
            self._device_buffers[key] = buf
        return buf

    def _enqueue_stage(self, number: int, plan: _StagePlan, inputs, outputs, channels_last, run: _Run):
        cl = cpu().cl
        values, after = [], []
        for i, a in enumerate(plan.args):
            if a.kind in ("input", "weights"):
                values.append(self._input_value(number, i, a, np.asarray(inputs[a.port]),
                                                a.kind == "input" and ("input", a.port) in channels_last, run))
            elif a.kind == "output":
                values.append(self._output_value(number, i, a, outputs[a.port], ("output", a.port) in channels_last,
                                                 run, after))
            elif a.kind in ("buffer_out", "buffer_in"):
                array = self._buffers[a.port]
                buf = self._scratch(("buffer", a.port), array.nbytes, array)
                values.append(buf)
                if a.kind == "buffer_out" and a.round_half and array.dtype == np.float32:
                    after.append(lambda buf=buf, n=array.size: self._edges.enqueue(run.queue, buf, buf, n))
            else:
                values.append(a.value)
        plan.kernel.set_args(*values)
        cl.enqueue_nd_range_kernel(run.queue, plan.kernel, tuple(plan.global_size),
                                   tuple(plan.local_size) if plan.local_size else None)
        for step in after:
            step()

    def _input_value(self, number: int, i: int, a: _Arg, array: np.ndarray, channels_last: bool, run: _Run):
        four = array.ndim == 4
        src_last = channels_last and four
        want_last = a.format in _CHANNELS_LAST_FORMATS and four
        if _fast(array, a):
            if src_last == want_last and not a.round_half and not a.copy:
                return run.host(array)
            dst = self._scratch(("in", number, i), array.nbytes)
            move = None if src_last == want_last else ("channels_last" if want_last else "planar")
            shape = _planar_shape(array.shape, src_last)
            self._edges.enqueue(run.queue, run.host(array), dst, array.size, move, shape, a.round_half)
            return dst
        planar = _to_layout(array, src_last, False) if four else array
        laid = _kernel_layout(planar, a.format)
        if a.round_half:
            laid = laid.astype(np.float16)
        laid = np.ascontiguousarray(laid, dtype=a.dtype)
        if laid is array and a.copy:
            laid = laid.copy()
        return run.host(laid)

    def _output_value(self, number: int, i: int, a: _Arg, target: np.ndarray, channels_last: bool, run: _Run,
                      after: list):
        four = target.ndim == 4
        dst_last = channels_last and four
        want_last = a.format in _CHANNELS_LAST_FORMATS and four
        if _fast(target, a) and target.flags.writeable:
            out = run.host(target, write=True)
            if dst_last == want_last:
                if a.round_half:
                    after.append(lambda: self._edges.enqueue(run.queue, out, out, target.size))
                return out
            made = self._scratch(("out", number, i), target.nbytes)
            move = "channels_last" if dst_last else "planar"
            shape = _planar_shape(target.shape, dst_last)
            after.append(lambda: self._edges.enqueue(run.queue, made, out, target.size, move, shape, a.round_half))
            return made
        made = np.empty(_kernel_shape(_planar_shape(target.shape, dst_last), a.format), a.dtype)

        def back():
            planar = _model_layout(made, a.format)
            values = planar.astype(np.float16) if a.round_half else planar
            np.copyto(target, _to_layout(values, False, dst_last) if four else values, casting="unsafe")
        run.after.append(back)
        return run.host(made, write=True)

    # -- checks and plans --
    def _fail(self, text: str):
        raise CustomLayerError(f"{self._where}: {text}")

    def _refuse_shave_builtins(self):
        for stage in self.binding.stages:
            for source in stage.sources:
                found = shave_builtins(source.text, source.filename)
                if found:
                    builtin, file, line = found[0]
                    self._fail(f"{file}:{line}: {builtin} is a SHAVE instruction, which no CPU has and no shim can "
                               f"give — write what it computes in OpenCL C (a loop, dot(), or vector arithmetic)")

    def _unbound_inputs(self) -> list[int]:
        bound = {p.port for stage in self.binding.stages for p in stage.params
                 if p.element == "Tensor" and p.type in ("input", "data") and p.port is not None}
        return [k for k in range(len(self.layer.inputs)) if k not in bound]

    def _values(self, dim: tuple | None) -> dict:
        values = {}
        for letter, ports in (("I", self.layer.inputs), ("O", self.layer.outputs)):
            for k, (shape, _) in enumerate(ports):
                for name, size in dims(shape).items():
                    values[f"{letter}{k}.{name}"] = size
                    if k == 0:
                        values[f"{letter}.{name}"] = size
        for key, text in self.layer.attributes.items():
            number = _number(text)
            if number is not None and _IDENTIFIER.match(key):
                values[key] = number
        if dim is not None:
            direction, port = dim
            ports = self.layer.inputs if direction == "input" else self.layer.outputs
            if port >= len(ports):
                return values | {"__missing__": (direction, port)}
            values.update(dims(ports[port][0]))
        return values

    def _evaluate(self, expression, dim, what: str, fix: str):
        values = self._values(dim)
        if "__missing__" in values:
            direction, port = values["__missing__"]
            count = len(self.layer.inputs if direction == "input" else self.layer.outputs)
            self._fail(f"{what}: dim=\"{direction},{port}\" points at a missing port — the layer has {count} "
                       f"{direction}{'s' if count != 1 else ''}; use dim=\"{direction},0\"")
        try:
            return expression.evaluate(values)
        except ExpressionError as e:
            self._fail(f"{what}: {e} — {fix}")

    def _plan(self, stage: Stage) -> _StagePlan:
        entry = stage.entry
        first = stage.sources[0].filename
        prepared = prepare([(s.filename, s.text) for s in stage.sources], entry, half=self._half,
                           float16=has_float16())
        try:
            program = build(prepared.text, name=first, cache=self._cache)
        except KernelBuildError as e:
            self._fail(f"the kernel {entry}() does not build — {e}")
        if prepared.launch_entry not in program.kernel_names():
            found = ", ".join(n for n in program.kernel_names()) or "none"
            self._fail(f"no kernel {entry}() in {', '.join(s.filename for s in stage.sources)} — its kernels are "
                       f"{found}; fix <Kernel entry=\"…\"> (line {stage.line})")
        kernel = program.kernel(prepared.launch_entry)
        args = signature(kernel)
        where = f"stage {stage.index}, {entry}()"
        names = [a.name for a in args]
        for p in stage.params:
            if p.arg not in names:
                self._fail(f"{where}: {p.describe()} (line {p.line}) names no argument of the kernel — its "
                           f"arguments are {', '.join(names)}; fix arg-name")
        planned = []
        for a in args:
            p = stage.param(a.name)
            if p is None:
                self._fail(f"{where}: {a.describe()} has no binding — add {_suggest(a)} to its <Parameters>")
            planned.append(self._arg(stage, where, a, p, prepared))
        self._check_local_memory(stage, where, kernel, planned)
        global_size, local_size = self._work_sizes(stage, where)
        return _StagePlan(stage, kernel, planned, global_size, local_size)

    def _arg(self, stage: Stage, where: str, a: KernelArg, p: Param, prepared) -> _Arg:
        said = f"{where}: {p.describe()} (line {p.line}) is bound to {a.describe()}"
        half = a.name in prepared.half_args
        if p.element == "Scalar":
            if a.pointer:
                self._fail(f"{said}, a buffer — bind a <Tensor> or <Data> there, or make the argument a value "
                           f"(`{p.type} {a.name}`)")
            kind = a.dtype.kind if a.dtype is not None else None
            if kind is None:
                self._fail(f"{said}, which is not a number — make the argument `int` or `float`")
            if (p.type == "float") != (kind == "f"):
                self._fail(f"{said}, declared {a.base}, but the Scalar has type=\"{p.type}\" — write "
                           f"type=\"{'float' if kind == 'f' else 'int'}\" or declare the argument "
                           f"`{p.type} {a.name}`")
            value = self._scalar(where, p)
            if p.type == "int" and float(value) != int(value):
                self._fail(f"{where}: Scalar '{p.arg}' (line {p.line}) is {value} from source=\"{p.source}\", not a "
                           f"whole number — use type=\"float\" (and a float argument)")
            return _Arg("scalar", a, value=a.dtype.type(value))
        if not a.pointer:
            self._fail(f"{said}, a value — bind a <Scalar> there, or make the argument a pointer "
                       f"(`__global {'const ' if p.type in ('input', 'data') else ''}{a.base} *{a.name}`)")
        if p.element == "Data" and p.type == "local_data":
            if a.address != "local":
                self._fail(f"{said}, which is `__{a.address}` — local_data is `__local` memory: declare "
                           f"`__local {a.base} *{a.name}`")
            size = self._whole(self._evaluate(p.size, p.dim, f"{where}: Data '{p.arg}' size",
                                              "sizes use B, F, Y, X of its dim port, I.X …, and numbers"),
                               f"{where}: Data '{p.arg}' size")
            ratio = _cpu_ratio(a, prepared)
            return _Arg("local", a, value=_LocalBytes(size, int(size * ratio)))
        if a.address == "local":
            self._fail(f"{said}, which is `__local` memory only the kernel fills — declare it `__global`, or bind "
                       f"<Data type=\"local_data\"> to it")
        if a.dtype is None:
            self._fail(f"{said}, a pointer to {a.base} — declare it a pointer to numbers (half, float, …)")
        if p.type in ("input", "data") or (p.element == "Data" and p.type == "data"):
            if p.element == "Data" or (p.type == "data" and p.port is None):
                port = self._weights_port(where, p)
                kind = "weights"
            else:
                port = self._port(where, p, "input")
                kind = "input"
            problem = element_problem(a, _model_dtype(self.layer.inputs[port][1], a), f"input port {port}")
            if problem:
                self._fail(f"{where}: {problem}")
            return _Arg(kind, a, port, p.format, a.dtype, half, copy=not (a.const or a.address == "constant"))
        if p.type == "output":
            port = self._port(where, p, "output")
            if a.const or a.address == "constant":
                self._fail(f"{said}, which the kernel cannot write (it is const) — declare it "
                           f"`__global {a.base} *{a.name}`")
            problem = element_problem(a, _model_dtype(self.layer.outputs[port][1], a), f"output port {port}")
            if problem:
                self._fail(f"{where}: {problem}")
            return _Arg("output", a, port, p.format, a.dtype, half)
        size = self._whole(self._evaluate(p.size, p.dim, f"{where}: {p.type} '{p.arg}' size",
                                          "sizes use B, F, Y, X of its dim port, I.X …, and numbers"),
                           f"{where}: {p.type} '{p.arg}' size")
        vpu_size = prepared.declared_size(a.name) or a.dtype.itemsize
        if p.type == "output_buffer":
            if p.port in self._buffers:
                self._fail(f"{where}: output_buffer port-index=\"{p.port}\" (line {p.line}) is written by an "
                           f"earlier stage too — give each buffer its own port-index")
            self._buffers[p.port] = np.zeros(max(1, size // vpu_size), a.dtype)
            self._buffer_half[p.port] = half
            return _Arg("buffer_out", a, p.port, "ANY", a.dtype, half)
        buffer = self._buffers.get(p.port)
        if buffer is None:
            self._fail(f"{where}: input_buffer port-index=\"{p.port}\" (line {p.line}) is written by no earlier "
                       f"stage — bind <Tensor type=\"output_buffer\" port-index=\"{p.port}\"> in a stage before it")
        if buffer.dtype != a.dtype:
            self._fail(f"{where}: input_buffer port-index=\"{p.port}\" holds {buffer.dtype} (as the stage that "
                       f"writes it declares), but {a.describe()} reads {a.base} — declare both alike")
        if buffer.size < size // vpu_size:
            self._fail(f"{where}: input_buffer port-index=\"{p.port}\" needs {size} bytes, but the stage that "
                       f"writes it makes it {buffer.size * vpu_size} — give both the same size")
        return _Arg("buffer_in", a, p.port, "ANY", a.dtype, half)

    def _port(self, where: str, p: Param, direction: str) -> int:
        ports = self.layer.inputs if direction == "input" else self.layer.outputs
        port = p.port if p.port is not None else 0
        if port >= len(ports):
            count = len(ports)
            have = ", ".join(str(k) for k in range(count)) or "none"
            self._fail(f"{where}: {p.describe()} (line {p.line}) has port-index=\"{port}\", a missing port: the "
                       f"layer has {count} {direction}{'s' if count != 1 else ''} (port {have}) — use one of them")
        return port

    def _weights_port(self, where: str, p: Param) -> int:
        which = (p.source or "weights").lower()
        index = {"weights": 0, "biases": 1}.get(which)
        if index is None:
            self._fail(f"{where}: {p.describe()} (line {p.line}) has source=\"{p.source}\" — the sources are "
                       f"weights and biases (the layer's first and second inputs no Tensor binds)")
        if index >= len(self._weights_ports):
            bound = sorted(set(range(len(self.layer.inputs))) - set(self._weights_ports))
            self._fail(f"{where}: {p.describe()} (line {p.line}) takes the layer's {which}, but the layer has no "
                       f"input left for them (its inputs {bound} are bound as Tensors) — give the layer its "
                       f"{which} as an input (an ONNX initializer, an IR Const)")
        return self._weights_ports[index]

    def _scalar(self, where: str, p: Param):
        source = p.source.strip()
        m = _DIM_SOURCE.match(source)
        if m is not None:
            letter, number, dim = m.groups()
            ports = self.layer.inputs if letter == "I" else self.layer.outputs
            port = int(number) if number else (p.port or 0)
            if port >= len(ports):
                self._fail(f"{where}: Scalar '{p.arg}' (line {p.line}) reads {source} of port {port}, a missing "
                           f"port — the layer has {len(ports)} {'input' if letter == 'I' else 'output'}"
                           f"{'s' if len(ports) != 1 else ''}")
            return dims(ports[port][0])[dim]
        if source in self.layer.attributes:
            text = str(self.layer.attributes[source])
            items = [t for t in re.split(r"[,\s]+", text.strip()) if t]
            index = p.port or 0
            if index >= len(items):
                self._fail(f"{where}: Scalar '{p.arg}' (line {p.line}) takes element {index} of attribute "
                           f"{source}=\"{text}\", which has {len(items)} — fix port-index")
            value = _number(items[index]) if items else None
            if value is None:
                self._fail(f"{where}: Scalar '{p.arg}' (line {p.line}): attribute {source}=\"{text}\" is not a "
                           f"number")
            return value
        try:
            expression = parse(source)
        except ExpressionError:
            expression = None
        if expression is not None and not (expression.names - set(self._values(None))):
            return self._evaluate(expression, None, f"Scalar '{p.arg}'", "")
        attrs = ", ".join(f"{k}={v}" for k, v in self.layer.attributes.items()) or "none"
        self._fail(f"{where}: Scalar '{p.arg}' (line {p.line}) has source=\"{source}\", which is neither an attribute "
                   f"of the layer (its attributes: {attrs}) nor a size (I.X, I.Y, I.F, I.B, O.X, I1.F, …) — fix "
                   f"source")

    def _whole(self, value, what: str) -> int:
        if isinstance(value, float):
            if not value.is_integer():
                self._fail(f"{what} is {value}, not a whole number — use integer arithmetic (/ between integers "
                           f"rounds towards zero)")
            value = int(value)
        if value <= 0:
            self._fail(f"{what} is {value} — it must be positive")
        return value

    def _work_sizes(self, stage: Stage, where: str):
        ws = stage.work_sizes
        what = f"{where}: <WorkSizes> (line {ws.line})"
        fix = "work sizes use B, F, Y, X of the dim port, I.X …, numeric attributes and numbers"
        global_size = tuple(self._whole(self._evaluate(e, ws.dim, f"{what} global", fix), f"{what} global size "
                                        f"'{e.text}'") for e in ws.global_size)
        local_size = None
        if ws.local_size is not None:
            local_size = tuple(self._whole(self._evaluate(e, ws.dim, f"{what} local", fix), f"{what} local size "
                                           f"'{e.text}'") for e in ws.local_size)
            for g, l, e in zip(global_size, local_size, ws.global_size):
                if g % l:
                    self._fail(f"{what}: global size {g} ('{e.text}') is not a multiple of the local size {l} — "
                               f"round it up, e.g. global=\"(({e.text})+{l - 1})/{l}*{l}\", and let the kernel skip "
                               f"the work items past the end")
            if int(np.prod(local_size)) > self._max_group:
                self._fail(f"{what}: a work group of {int(np.prod(local_size))} work items is more than the device "
                           f"runs ({self._max_group}) — use a smaller local size")
        return global_size, local_size

    def _check_local_memory(self, stage: Stage, where: str, kernel, planned: list):
        declared = [(a.arg.name, a.value.declared) for a in planned if a.kind == "local"]
        try:
            static = int(kernel.get_work_group_info(cpu().cl.kernel_work_group_info.LOCAL_MEM_SIZE, cpu().device))
        except Exception:
            static = 0
        total = sum(size for _, size in declared) + static
        if total > LOCAL_MEMORY_LIMIT:
            parts = [f"local_data '{name}' {size:,}" for name, size in declared]
            if static:
                parts.append(f"__local variables {static:,}")
            self._fail(f"{where}: a work group needs {total:,} bytes of local memory ({' + '.join(parts)}), more "
                       f"than a SHAVE's {LOCAL_MEMORY_LIMIT:,} (100 KB) — make work groups smaller (local sizes, "
                       f"and the local_data sizes that follow them)")
        for a in planned:
            if a.kind == "local":
                a.value = cpu().cl.LocalMemory(a.value.allocated)


@dataclass
class _LocalBytes:
    declared: int     # as the binding gives it (the VPU's bytes)
    allocated: int    # here, where a half may take a float's 4 bytes


def _cpu_ratio(a: KernelArg, prepared) -> float:
    declared = prepared.declared_size(a.name)
    if declared is None or a.dtype is None:
        return 1.0
    return a.dtype.itemsize / declared


def _model_dtype(dtype, a: KernelArg) -> np.dtype:
    """The element type a model tensor reaches the kernel in: floats of any width are converted to a
    float argument's (FP16 model tensors to float arguments, FP32 ones to half), other types not."""
    dtype = np.dtype(dtype)
    return a.dtype if dtype.kind == "f" and a.dtype is not None and a.dtype.kind == "f" else dtype


def _shape_in(shape, channels_last: bool) -> tuple:
    """The shape of a port's array: its NCHW `shape`, or NHWC when the port is channels-last."""
    shape = tuple(int(d) for d in shape)
    return (shape[0], shape[2], shape[3], shape[1]) if channels_last and len(shape) == 4 else shape


def _planar_shape(shape, channels_last: bool) -> tuple:
    """The NCHW shape of an array of `shape` (NHWC when `channels_last`)."""
    shape = tuple(int(d) for d in shape)
    return (shape[0], shape[3], shape[1], shape[2]) if channels_last and len(shape) == 4 else shape


def _kernel_shape(shape, fmt: str) -> tuple:
    """The shape a model tensor of NCHW `shape` has in the kernel's `fmt`."""
    shape = tuple(int(d) for d in shape)
    view = np.lib.stride_tricks.as_strided(np.empty(1, np.uint8), shape, (0,) * len(shape))   # no memory
    return _kernel_layout(view, fmt).shape


def _kernel_layout(array: np.ndarray, fmt: str) -> np.ndarray:
    if fmt == "BYXF" and array.ndim == 4:
        return array.transpose(0, 2, 3, 1)
    if fmt == "YXF" and array.ndim == 3:
        return array.transpose(1, 2, 0)
    if fmt == "YXF" and array.ndim == 4:
        return array.transpose(0, 2, 3, 1)
    return array


def _model_layout(array: np.ndarray, fmt: str) -> np.ndarray:
    if fmt in ("BYXF", "YXF") and array.ndim == 4:
        return array.transpose(0, 3, 1, 2)
    if fmt == "YXF" and array.ndim == 3:
        return array.transpose(2, 0, 1)
    return array


def _number(text):
    try:
        value = float(str(text).strip())
    except ValueError:
        return None
    return int(value) if value.is_integer() and "." not in str(text) and "e" not in str(text).lower() else value


def _suggest(a: KernelArg) -> str:
    if not a.pointer:
        kind = "float" if a.dtype is not None and a.dtype.kind == "f" else "int"
        return f'<Scalar arg-name="{a.name}" type="{kind}" source="…"/> (an attribute of the layer, or I.X, I.F, …)'
    if a.address == "local":
        return f'<Data arg-name="{a.name}" type="local_data" dim="input,0" size="…"/>'
    if a.const or a.address == "constant":
        return f'<Tensor arg-name="{a.name}" type="input" port-index="0" format="BFYX"/>'
    return f'<Tensor arg-name="{a.name}" type="output" port-index="0" format="BFYX"/>'
