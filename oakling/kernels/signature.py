"""A kernel's signature — its arguments' names, types and address spaces — and the check that what
is bound to each argument fits it.

    args = signature(kernel)                  # [KernelArg(0, 'src', 'uchar*', 'global', const=True), ...]
    check("box_blur", args, [Bound("input", "src"), Bound("output", "dst", np.uint8), Bound("scalar", "w")])

Arguments are bound in order. An input or an output is a buffer: it needs a `__global` (an
input may also use `__constant`) pointer argument, an output one that is not `const`, and an
output's element type must be the kernel's (uchar for 8-bit frames, float for FP32 tensors, ...).
An input's argument must be `const` (or `__constant`): inputs are read where they lie, which
may be memory that must not change. A scalar needs a value argument of a number type. Each refusal names the kernel, the argument,
what was bound to it, and the fix.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

# OpenCL C scalar types and their NumPy twins.
SCALAR_TYPES = {
    "char": np.int8, "uchar": np.uint8, "short": np.int16, "ushort": np.uint16, "int": np.int32,
    "uint": np.uint32, "long": np.int64, "ulong": np.uint64, "half": np.float16, "float": np.float32,
    "double": np.float64,
}
C_NAME = {np.dtype(t): name for name, t in SCALAR_TYPES.items() if name != "half"}
C_NAME[np.dtype(np.float16)] = "half"

_TYPE = re.compile(r"^(?:unsigned\s+)?(?P<base>[a-z_]+?)(?P<lanes>2|3|4|8|16)?(?P<pointer>\s*\*)?$")
_ADDRESS = {0x119B: "global", 0x119C: "local", 0x119D: "constant", 0x119E: "private"}
_CONST = 1   # CL_KERNEL_ARG_TYPE_CONST


@dataclass(frozen=True)
class KernelArg:
    index: int
    name: str
    type_name: str     # as the kernel reports it: "uchar*", "float4*", "int"
    address: str       # "global", "constant", "local" or "private"
    const: bool = False

    @property
    def pointer(self) -> bool:
        return self.type_name.rstrip().endswith("*")

    @property
    def base(self) -> str:
        """The scalar type under vectors and pointers: "uchar" for "uchar16*"."""
        m = _TYPE.match(self.type_name.strip())
        if m is None:
            return self.type_name.rstrip("* ")
        base = m["base"]
        if self.type_name.startswith("unsigned"):
            base = "u" + base
        return base

    @property
    def dtype(self) -> np.dtype | None:
        """NumPy's type of `base`, or None for types that are not numbers (images, samplers, structs)."""
        t = SCALAR_TYPES.get(self.base)
        return np.dtype(t) if t is not None else None

    def declaration(self) -> str:
        """How it reads in the kernel's source, roughly: `__global const uchar *src`, `int w`."""
        if not self.pointer:
            return f"{self.type_name} {self.name}"
        const = "const " if self.const and self.address != "constant" else ""
        return f"__{self.address} {const}{self.type_name.rstrip('* ')} *{self.name}"

    def describe(self) -> str:
        return f"argument {self.index} '{self.name}' (`{self.declaration()}`)"


def signature(kernel) -> list[KernelArg]:
    """The arguments of a pyopencl Kernel from a program built with -cl-kernel-arg-info."""
    import pyopencl as cl
    info = cl.kernel_arg_info
    args = []
    for i in range(kernel.num_args):
        address = _ADDRESS.get(kernel.get_arg_info(i, info.ADDRESS_QUALIFIER), "private")
        const = bool(kernel.get_arg_info(i, info.TYPE_QUALIFIER) & _CONST)
        args.append(KernelArg(i, kernel.get_arg_info(i, info.NAME), kernel.get_arg_info(i, info.TYPE_NAME).strip(),
                              address, const))
    return args


@dataclass(frozen=True)
class Bound:
    """What is bound to one argument: an "input", an "output" or a "scalar" called `name`. `dtype`:
    the element type of an output's buffer (None where it is known only once a message comes), or
    of a scalar's constant value."""
    kind: str
    name: str
    dtype: np.dtype | None = None


class BindingError(ValueError):
    """Bindings that do not fit the kernel's signature; the message names the argument and the fix."""


def check(entry: str, args: list[KernelArg], bound: list[Bound]):
    """Raise BindingError unless `bound` fits `args`, one by one, in order."""
    if len(bound) != len(args):
        want = ", ".join(a.name for a in args) or "none"
        have = ", ".join(f"{b.kind} '{b.name}'" for b in bound) or "nothing"
        if len(bound) < len(args):
            missing = args[len(bound):]
            fix = (f"bind {', '.join(a.describe() for a in missing)} too (addInput, addOutput, addOutputTensor or "
                   f"addScalar, in the order of the kernel's arguments)")
        else:
            extra = bound[len(args):]
            fix = f"remove the binding{'s' if len(extra) > 1 else ''} of {', '.join(repr(b.name) for b in extra)}"
        raise BindingError(f"{entry}() takes {len(args)} argument{'s' if len(args) != 1 else ''} ({want}), but "
                           f"{len(bound)} {'are' if len(bound) != 1 else 'is'} bound ({have}) — {fix}")
    for arg, b in zip(args, bound):
        problem = _problem(arg, b)
        if problem:
            raise BindingError(f"{entry}(): {problem}")


def _problem(arg: KernelArg, b: Bound) -> str | None:
    said = f"{arg.describe()} has {b.kind} '{b.name}' bound to it"
    if b.kind == "scalar":
        if arg.pointer:
            return (f"{arg.describe()} is a buffer, but scalar '{b.name}' is bound to it — bind an input or an "
                    f"output there, or make the argument a value such as `int {arg.name}`")
        if arg.dtype is None:
            return f"{said}, but oakling passes only numbers as scalars — make the argument a number type"
        if b.dtype is not None and b.dtype.kind == "f" and arg.dtype.kind != "f":
            return (f"{said}, a float value, but the argument is an integer — give an integer (or an expression "
                    f"that is one) or declare it `float {arg.name}`")
        return None
    if not arg.pointer:
        return (f"{arg.describe()} is a value, but {b.kind} '{b.name}' is a buffer — bind a scalar there "
                f"(addScalar) or make the argument a pointer such as "
                f"`__global {'const ' if b.kind == 'input' else ''}uchar *{arg.name}`")
    if arg.address == "local":
        return (f"{said}, but the argument is in `__local` memory, which only the kernel can fill — make it "
                f"`__global`")
    if b.kind == "input" and not (arg.const or arg.address == "constant"):
        return (f"{said}, which the kernel could write to — declare it "
                f"`__global const {arg.base}{_lanes(arg)} *{arg.name}` (inputs are read in place)")
    if b.kind == "output":
        if arg.address == "constant" or arg.const:
            qualifier = "__constant" if arg.address == "constant" else "const"
            return (f"{said}, but the kernel cannot write to it (it is `{qualifier}`) — declare it "
                    f"`__global {arg.base}{_lanes(arg)} *{arg.name}`")
    if b.dtype is not None:
        return element_problem(arg, b.dtype, f"{b.kind} '{b.name}'")
    return None


def _lanes(arg: KernelArg) -> str:
    m = _TYPE.match(arg.type_name.strip())
    return (m["lanes"] or "") if m else ""


def element_problem(arg: KernelArg, dtype, what: str) -> str | None:
    """Why buffers of `dtype` elements do not fit pointer argument `arg` (None if they do): the same
    size and both integers or both floating point (uchar and char mix, as the bytes are the same)."""
    dtype = np.dtype(dtype)
    if arg.dtype is None:
        return None   # a struct or an opaque pointer: the kernel reads the bytes as it likes
    if arg.dtype.itemsize == dtype.itemsize and (arg.dtype.kind == "f") == (dtype.kind == "f"):
        return None
    c_name = C_NAME.get(dtype, str(dtype))
    return (f"{arg.describe()} points to {arg.base}, but {what} holds {dtype} values ({c_name} in OpenCL C) — "
            f"declare it `{c_name}{_lanes(arg)} *` or bind data of {arg.base} elements")
