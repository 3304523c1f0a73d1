"""Kernel sources written for the VPU's SHAVE cores, made to build on a CPU device as they are.

    prepared = prepare([("grn.cl", text)], "grn_NCHW", half=not cpu_has_fp16)
    build(prepared.text, name="grn.cl")   # then launch prepared.launch_entry, not "grn_NCHW"
    prepared.half_args                     # {"src", "dst"}: arguments the kernel declares as half

What the VPU has and PoCL's CPU device lacks, and what stands in for it here:

- `half` arithmetic (cl_khr_fp16): with `half=True` the prelude maps `half`, `half2` … `half16`
  onto float types, `convert_half*` and `vstore_half*` round to FP16 precision (half_rounding: the
  compiler's _Float16 where it has one, else integer arithmetic) and keep the value in a float,
  `vload_half*` read those floats, `(half)` / `(halfN)` casts are rewritten into the same rounding
  (round_half_casts), and the `cl_khr_fp16` pragma is dropped. Buffers the kernel
  declares `half` hold floats: whoever launches it rounds them to FP16 at the kernel's boundaries
  (custom_layer.py), so results have FP16's precision. Arithmetic between the boundaries is float:
  a little more exact than the VPU's, never less.
- Manual DMA: `__dma_preload_<k>` and `__dma_postwrite_<k>`, defined with the kernel's own
  signature, run before and after each work group of `k`. The three become plain functions and a
  kernel `__oakling_dma_<k>` (`launch_entry`), with `k`'s arguments, calls them in turn with
  barriers between. They are work-group functions, as `async_work_group_copy` is: every work item
  of the group calls them with the same arguments, and the copies are shared among the items.
  `__local` variables the entry declares are declared by the wrapper and passed in (_hoist_locals).
- `WorkGroupDmaCreateStrideTransaction`, `WorkGroupDmaCreate3DTransaction` (global <-> local,
  widths, strides and sizes in bytes), `WorkGroupDmaWaitAll` (a barrier), `WorkItemDmaCreate*`
  (one work item's copy, done at once), `async_work_group_copy_2D2D` and `_3D3D` (the Khronos
  cl_khr_extended_async_copies forms: sizes in elements of `num_bytes_per_element`): shims over
  byte copies. Copies are done by the time the call returns; the events they give are 0.
- `__builtin_shave_*`: SHAVE instructions no shim can give. `shave_builtins` finds them (file and
  line) so that a model is refused when it is converted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

PRELUDE_NAME = "<oakling vpu prelude>"
DMA_PREFIX = "__oakling_dma_"
LOCAL_PREFIX = "__oakling_local_"
_VECTOR_SIZES = (2, 3, 4, 8, 16)
_SCALARS = ("float", "double", "char", "uchar", "short", "ushort", "int", "uint", "long", "ulong")
_ROUNDING = ("", "_rte", "_rtz", "_rtp", "_rtn")

_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_HALF = re.compile(r"\bhalf(2|3|4|8|16)?\b")
_SHAVE = re.compile(r"\b__builtin_shave_\w+")
_FP16_PRAGMA = re.compile(r"^[ \t]*#[ \t]*pragma[ \t]+OPENCL[ \t]+EXTENSION[ \t]+cl_khr_fp16[^\n]*", re.M)
_DMA_NAMES = re.compile(r"\b(WorkGroupDma\w+|WorkItemDma\w+|async_work_group_copy_(?:2D2D|3D3D))\b")
_TYPES = ("char", "uchar", "short", "ushort", "int", "uint", "long", "ulong", "half", "float", "double")
_TYPE_TOKEN = re.compile(r"\b(unsigned\s+)?(" + "|".join(_TYPES) + r")(2|3|4|8|16)?\b")


def blank_comments(text: str) -> str:
    """`text` with its comments replaced by spaces, newlines kept, so that positions and lines hold."""
    return _COMMENTS.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def uses_half(text: str) -> bool:
    return bool(_HALF.search(blank_comments(text)))


def shave_builtins(text: str, filename: str) -> list[tuple[str, str, int]]:
    """(builtin, file, line) of every `__builtin_shave_*` the code (not its comments) calls."""
    code = blank_comments(text)
    return [(m.group(0), filename, code.count("\n", 0, m.start()) + 1) for m in _SHAVE.finditer(code)]


# ------------------------------------------------------------------------------------------------
# A kernel's parameters, read from its source
# ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Parameter:
    text: str          # as declared: "__global const half* restrict src"
    name: str
    base: str | None   # the scalar type under vectors and pointers as written ("half", "uchar"); None if other
    pointer: bool


def _definition(code: str, name: str):
    """The match of `__kernel … void name(` in comment-free code, or None."""
    pattern = re.compile(r"\b(?:__kernel|kernel)\b(?P<attrs>(?:\s*__attribute__\s*\(\(.*?\)\))*)\s*void\s+"
                         + re.escape(name) + r"\s*\(", re.S)
    return pattern.search(code)


def _closing(code: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(code)):
        if code[i] == "(":
            depth += 1
        elif code[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return -1


def kernel_parameters(text: str, entry: str) -> list[Parameter] | None:
    """The parameters of kernel `entry` as its source declares them, or None if no `__kernel void
    entry(` is there."""
    code = blank_comments(text)
    m = _definition(code, entry)
    if m is None:
        return None
    end = _closing(code, m.end() - 1)
    if end < 0:
        return None
    inside = code[m.end():end]
    parts, depth, current = [], 0, ""
    for ch in inside:
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += (ch in "([") - (ch in ")]")
        current += ch
    parts.append(current)
    params = []
    for part in parts:
        decl = " ".join(part.split())
        if not decl or decl == "void":
            continue
        names = re.findall(r"[A-Za-z_]\w*", decl)
        t = _TYPE_TOKEN.search(decl)
        base = None
        if t is not None:
            base = ("u" + t.group(2)) if t.group(1) else t.group(2)
        params.append(Parameter(decl, names[-1] if names else "", base, "*" in decl))
    return params


# ------------------------------------------------------------------------------------------------
# (half) casts
# ------------------------------------------------------------------------------------------------

_HALF_CAST = re.compile(r"\(\s*half(2|3|4|8|16)?\s*\)")
_CAST = re.compile(r"\(\s*(?:const\s+|unsigned\s+)*(?:" + "|".join(_TYPES) + r"|size_t|ptrdiff_t|bool)"
                   r"(?:2|3|4|8|16)?\s*\)")
_NUMBER = re.compile(r"(?:0[xX][0-9a-fA-F.]+(?:[pP][+-]?\d+)?|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)[fFhHuUlL]*")
_NAME = re.compile(r"[A-Za-z_]\w*")
_TYPE_OPERATORS = {"sizeof", "vec_step", "_Alignof", "__alignof__", "__alignof"}
_PREFIX = ("++", "--", "-", "+", "!", "~", "*", "&")


def _skip(code: str, i: int) -> int:
    while i < len(code) and code[i].isspace():
        i += 1
    return i


def _depth(code: str, i: int) -> int:
    """How many braces are open at `i`."""
    return code.count("{", 0, i) - code.count("}", 0, i)


def _balanced(code: str, i: int) -> int:
    """The position after the bracket that closes the one at `i`, or -1."""
    pairs = {"(": ")", "[": "]"}
    stack = []
    while i < len(code):
        ch = code[i]
        if ch == '"':
            i = code.find('"', i + 1)
            if i < 0:
                return -1
        elif ch in pairs:
            stack.append(pairs[ch])
        elif ch in ")]":
            if not stack or stack.pop() != ch:
                return -1
            if not stack:
                return i + 1
        i += 1
    return -1


def _operand_end(code: str, i: int) -> int:
    """The end of the cast-expression (C's unary-expression, or another cast) that starts at `i`, or -1."""
    i = _skip(code, i)
    if i >= len(code):
        return -1
    cast = _CAST.match(code, i)
    if cast is not None:
        return _operand_end(code, cast.end())
    for op in _PREFIX:
        if code.startswith(op, i):
            return _operand_end(code, i + len(op))
    if code[i] == "(":
        end = _balanced(code, i)
    elif code[i] == '"':
        end = code.find('"', i + 1) + 1 or -1
    else:
        m = _NUMBER.match(code, i) if (code[i].isdigit() or code[i] == ".") else _NAME.match(code, i)
        end = m.end() if m is not None else -1
    while end > 0:                                  # postfix: calls, subscripts, members, ++ and --
        j = _skip(code, end)
        if j < len(code) and code[j] in "([":
            end = _balanced(code, j)
        elif code.startswith("->", j) or (j < len(code) and code[j] == "." and not code.startswith("...", j)):
            m = _NAME.match(code, _skip(code, j + (2 if code[j] == "-" else 1)))
            end = m.end() if m is not None else -1
        elif code.startswith("++", j) or code.startswith("--", j):
            end = j + 2
        else:
            break
    return end


def round_half_casts(text: str, _inside: bool = False) -> str:
    """`text` with each `(half)x` / `(halfN)x` cast written as a rounding call (`__oakling_round(x)`,
    `(floatN)(__oakling_round(x))`; a vector literal `(halfN)(a, b, …)` is rounded as a vector), so
    that it rounds to FP16 as the VPU's does (half is a float here). Not `sizeof(half)` nor pointer casts;
    a cast whose operand cannot be told is left as it is, and so is one at file scope (a `__constant`
    initializer, which cannot call a function) outside a #define. Lines are kept."""
    code = blank_comments(text)
    edits = []
    for m in _HALF_CAST.finditer(code):
        word = re.search(r"([A-Za-z_]\w*)\s*$", code[:m.start()])
        if word is not None and (word.group(1) in _TYPE_OPERATORS or word.end(1) == m.start()):
            continue                                # sizeof(half), vec_step (half8), f(half), #define F(half)
        line = code.rfind("\n", 0, m.start()) + 1
        if not _inside and _depth(code, m.start()) == 0 and not code[line:m.start()].lstrip().startswith("#"):
            continue                                # file scope: a constant's initializer takes no call
        if any(start < m.start() < end for start, end, _, _ in edits):
            continue                                # inside an operand already rewritten: done with it
        end = _operand_end(code, m.end())
        if end < 0:
            continue
        n = m.group(1) or ""
        start = _skip(code, m.end())
        literal = (n and code[start] == "(" and _balanced(code, start) == end
                   and len(_split_top(code[start + 1:end - 1])) > 1)          # (half8)(a, b, …): a vector literal
        if literal:
            edits.append((m.start(), end, f"__oakling_to_half{n}((float{n})", ")"))
        elif n:   # a scalar to broadcast (or a vector of the size): rounded once, before it is spread
            edits.append((m.start(), end, f"((float{n})(__oakling_round(", ")))"))
        else:
            edits.append((m.start(), end, "__oakling_round(", ")"))
    for start, end, head, tail in sorted(edits, reverse=True):
        inner = round_half_casts(text[start:end][_HALF_CAST.match(code, start).end() - start:], True)
        text = text[:start] + head + inner + tail + text[end:]
    return text


# ------------------------------------------------------------------------------------------------
# The prelude
# ------------------------------------------------------------------------------------------------

def _rounding(n: str) -> str:
    """`__oakling_to_half<n>`: a float (vector) rounded to the nearest FP16 value, ties to even, as
    float: in integer arithmetic on the bits, which the compiler vectorises across work items."""
    u, f = f"uint{n}", f"float{n}"
    return (f"static inline {f} __oakling_to_half{n}({f} x) {{ "
            f"{u} bits = as_{u}(x), a = bits & 0x7fffffffu, sign = bits ^ a; "
            f"{u} normal = (a + 0x0fffu + ((a >> 13) & 1u)) & 0xffffe000u; "             # 10 bits of mantissa
            f"{u} tiny = as_{u}(rint(as_{f}(a) * 16777216.0f) * 5.9604644775390625e-8f); "   # steps of 2^-24
            f"{u} r = select(normal, tiny, a < 0x38800000u); "                            # below 2^-14
            f"r = select(r, ({u})0x7f800000u, a >= 0x477ff000u); "                       # 65520 and up: inf
            f"r = select(r, a, a > 0x7f800000u); "                                       # NaN stays NaN
            f"return as_{f}(sign | r); }}")


def _float16_rounding(n: str) -> str:
    """The same through the compiler's _Float16, which x86's F16C converts in one instruction."""
    if not n:
        return "static inline float __oakling_to_half(float x) { return (float)(_Float16)x; }"
    return (f"typedef _Float16 __oakling_f16x{n} __attribute__((ext_vector_type({n}))); "
            f"static inline float{n} __oakling_to_half{n}(float{n} x) {{ "
            f"return __builtin_convertvector(__builtin_convertvector(x, __oakling_f16x{n}), float{n}); }}")


FLOAT16_PROBE = "__kernel void probe(__global float *x) { x[0] = (float)(_Float16)x[0]; }"


def half_rounding(float16: bool = False) -> str:
    """OpenCL C defining `__oakling_to_half` and `__oakling_to_half2` … `16`: FP16 rounding, kept in
    floats (as NumPy's astype(float16) does, bit for bit). `float16`: the compiler has _Float16
    (FLOAT16_PROBE builds), the quickest; else integer arithmetic on the bits. A round trip through
    vstore_half_rte and private memory, the core OpenCL way, made a ReLU6 kernel four times slower."""
    make = _float16_rounding if float16 else _rounding
    return "/* FP16 rounding, round to nearest even, kept in floats */\n" + "\n".join(
        make(n) for n in ("",) + tuple(str(k) for k in _VECTOR_SIZES)) + "\n"


def _half_prelude(float16: bool) -> str:
    lines = [
        half_rounding(float16),
    ]
    lines += [
        "/* (half)x: x of any scalar type (or a float vector) rounded, as float */",
        *(f"static inline __attribute__((overloadable)) float __oakling_round({t} x) "
          f"{{ return __oakling_to_half((float)x); }}" for t in _SCALARS),
        *(f"static inline __attribute__((overloadable)) float{n} __oakling_round(float{n} x) "
          f"{{ return __oakling_to_half{n}(x); }}" for n in _VECTOR_SIZES),
        "/* half is float from here on; FP16 values are kept in floats */",
        "#define half float",
        *(f"#define half{n} float{n}" for n in _VECTOR_SIZES),
        "#ifndef HALF_MAX",
        "#define HALF_MAX 65504.0f",
        "#define HALF_MIN 6.103515625e-05f",
        "#define HALF_EPSILON 9.765625e-04f",
        "#define HALF_DIG 3",
        "#define HALF_MANT_DIG 11",
        "#endif",
    ]
    for r in _ROUNDING:
        lines.append(f"#define convert_half{r}(x) __oakling_to_half(convert_float(x))")
        lines.append(f"#define vstore_half{r}(v, i, p) ((p)[i] = __oakling_to_half(v))")
        for n in _VECTOR_SIZES:
            lines.append(f"#define convert_half{n}{r}(x) __oakling_to_half{n}(convert_float{n}(x))")
            lines.append(f"#define vstore_half{n}{r}(v, i, p) vstore{n}(__oakling_to_half{n}(v), i, p)")
            lines.append(f"#define vstorea_half{n}{r}(v, i, p) vstore{n}(__oakling_to_half{n}(v), i, p)")
    lines.append("#define vload_half(i, p) ((float)(p)[i])")
    for n in _VECTOR_SIZES:
        lines.append(f"#define vload_half{n}(i, p) vload{n}(i, p)")
        lines.append(f"#define vloada_half{n}(i, p) vload{n}(i, p)")
    # the OpenCL headers may define some of these names as macros already
    defined = [line for line in lines if line.startswith("#define ")]
    lines = [f"#undef {line.split()[1].split('(')[0]}\n{line}" if line in defined else line for line in lines]
    return "\n".join(lines) + "\n"


_LINEAR = ("size_t __oakling_lid(void) { return get_local_id(0) + get_local_size(0) * (get_local_id(1) + "
           "get_local_size(1) * get_local_id(2)); }\n"
           "size_t __oakling_lsize(void) { return get_local_size(0) * get_local_size(1) * get_local_size(2); }\n")


def _copy(name: str, src_space: str, dst_space: str, extra: str, body: str, result: str = "event_t",
          back: str = "e") -> str:
    return (f"__attribute__((overloadable)) {result} {name}({src_space} const void *src, {dst_space} void *dst, "
            f"{extra}, {result} e) {{ {src_space} const uchar *s = ({src_space} const uchar *)src; "
            f"{dst_space} uchar *d = ({dst_space} uchar *)dst; {body} return {back}; }}\n")


def _dma_prelude() -> str:
    """Work-group copies share their bytes among the group's items (each copies every n-th byte);
    work-item copies are done by the calling item alone."""
    stride = ("size_t src_width, size_t dst_width, size_t src_stride, size_t dst_stride, size_t size")
    planes = ("size_t src_width, size_t dst_width, size_t src_stride, size_t dst_stride, size_t num_planes, "
              "size_t src_plane_stride, size_t dst_plane_stride, size_t size")
    group_2d = ("for (size_t k = __oakling_lid(); k < size; k += __oakling_lsize()) "
                "d[(k / dst_width) * dst_stride + k % dst_width] = s[(k / src_width) * src_stride + k % src_width];")
    group_3d = ("for (size_t p = 0; p < num_planes; p++) for (size_t k = __oakling_lid(); k < size; "
                "k += __oakling_lsize()) d[p * dst_plane_stride + (k / dst_width) * dst_stride + k % dst_width] = "
                "s[p * src_plane_stride + (k / src_width) * src_stride + k % src_width];")
    item_1d = "for (size_t k = 0; k < size; k++) d[k] = s[k];"
    item_2d = group_2d.replace("__oakling_lid()", "0").replace("__oakling_lsize()", "1")
    item_3d = group_3d.replace("__oakling_lid()", "0").replace("__oakling_lsize()", "1")
    out = ["/* VPU DMA functions: byte copies, done when the call returns */", "typedef int item_dma_event_t;",
           _LINEAR]
    spaces = [("__global", "__local"), ("__local", "__global"), ("__global", "__global"), ("__local", "__local")]
    for src, dst in spaces:
        out.append(_copy("WorkGroupDmaCreateStrideTransaction", src, dst, stride, group_2d))
        out.append(_copy("WorkGroupDmaCreate3DTransaction", src, dst, planes, group_3d))
    item_spaces = [("__global", "__private"), ("__private", "__global"), ("__global", "__local"),
                   ("__local", "__private"), ("__private", "__local"), ("__local", "__global")]
    for src, dst in item_spaces:
        out.append(_copy("WorkItemDmaCreateTransaction", src, dst, "size_t size", item_1d, "item_dma_event_t"))
        out.append(_copy("WorkItemDmaCreateStrideTransaction", src, dst, stride, item_2d, "item_dma_event_t"))
        out.append(_copy("WorkItemDmaCreate3DTransaction", src, dst, planes, item_3d, "item_dma_event_t"))
    out.append("void WorkGroupDmaWaitAll(void) { barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE); }")
    # cl_khr_extended_async_copies: offsets and sizes in elements of num_bytes_per_element bytes
    for src, dst in (("__global", "__local"), ("__local", "__global")):
        out.append(
            f"__attribute__((overloadable)) event_t async_work_group_copy_2D2D({dst} void *dst, size_t dst_offset, "
            f"{src} const void *src, size_t src_offset, size_t num_bytes_per_element, size_t num_elements_per_line, "
            f"size_t num_lines, size_t src_line_stride, size_t dst_line_stride, event_t e) {{ "
            f"{src} const uchar *s = ({src} const uchar *)src; {dst} uchar *d = ({dst} uchar *)dst; "
            f"size_t b = num_bytes_per_element, line = num_elements_per_line * b; "
            f"for (size_t k = __oakling_lid(); k < line * num_lines; k += __oakling_lsize()) "
            f"d[(dst_offset + (k / line) * dst_line_stride) * b + k % line] = "
            f"s[(src_offset + (k / line) * src_line_stride) * b + k % line]; return e; }}")
        out.append(
            f"__attribute__((overloadable)) event_t async_work_group_copy_3D3D({dst} void *dst, size_t dst_offset, "
            f"{src} const void *src, size_t src_offset, size_t num_bytes_per_element, size_t num_elements_per_line, "
            f"size_t num_lines, size_t num_planes, size_t src_line_stride, size_t src_plane_stride, "
            f"size_t dst_line_stride, size_t dst_plane_stride, event_t e) {{ "
            f"{src} const uchar *s = ({src} const uchar *)src; {dst} uchar *d = ({dst} uchar *)dst; "
            f"size_t b = num_bytes_per_element, line = num_elements_per_line * b; "
            f"for (size_t p = 0; p < num_planes; p++) "
            f"for (size_t k = __oakling_lid(); k < line * num_lines; k += __oakling_lsize()) "
            f"d[(dst_offset + p * dst_plane_stride + (k / line) * dst_line_stride) * b + k % line] = "
            f"s[(src_offset + p * src_plane_stride + (k / line) * src_line_stride) * b + k % line]; return e; }}")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------------------------
# Putting a program together
# ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Prepared:
    text: str                 # the program to build
    launch_entry: str         # the kernel to launch: the entry, or its DMA wrapper
    half: bool                # whether half is mapped onto float
    dma: tuple                # ("preload", "postwrite") present for the entry
    parameters: tuple         # the entry's Parameters as declared (empty if not found)

    @property
    def half_args(self) -> set[str]:
        """Names of the entry's buffer arguments declared as half: FP16 values at its boundaries."""
        return {p.name for p in self.parameters if p.pointer and p.base == "half"} if self.half else set()

    def declared_size(self, name: str) -> int | None:
        """Bytes of one element of argument `name` as the VPU has it (half: 2), or None."""
        p = next((p for p in self.parameters if p.name == name), None)
        if p is None or p.base is None:
            return None
        return {"char": 1, "uchar": 1, "short": 2, "ushort": 2, "half": 2, "int": 4, "uint": 4, "float": 4,
                "long": 8, "ulong": 8, "double": 8}[p.base]


def prepare(sources: list[tuple[str, str]], entry: str, *, half: bool = True, float16: bool = False) -> Prepared:
    """The program for `sources` ((filename, text), built in order) with kernel `entry`: the prelude
    the sources need (half mapped onto float when `half` and they use it; DMA shims when they use
    DMA), then each source behind a `#line 1 "filename"` so that errors name its own lines.
    `float16`: the compiler has _Float16 for the FP16 rounding (half_rounding)."""
    texts = [text for _, text in sources]
    joined = "\n".join(texts)
    map_half = half and uses_half(joined)
    found = [(name, text) for name, text in sources if _definition(blank_comments(text), entry)]
    params = kernel_parameters(found[0][1], entry) if found else None
    dma = tuple(kind for kind in ("preload", "postwrite")
                if any(_definition(blank_comments(t), f"__dma_{kind}_{entry}") for t in texts))
    needs_shims = bool(dma) or bool(_DMA_NAMES.search(blank_comments(joined)))
    parts = []
    if map_half or needs_shims:
        parts.append(f'#line 1 "{PRELUDE_NAME}"\n')
        if needs_shims:
            parts.append(_dma_prelude())
        if map_half:
            parts.append(_half_prelude(float16))
    moved_attrs = ""
    hoisted = []
    for name, text in sources:
        if map_half:
            text = round_half_casts(_FP16_PRAGMA.sub(lambda m: " " * len(m.group(0)), text))
        escaped = name.replace("\\", "\\\\").replace('"', '\\"')
        if dma:
            if found and name == found[0][0]:
                text, hoisted = _hoist_locals(text, entry, escaped)
            text, attrs = _unkernel(text, [entry] + [f"__dma_{kind}_{entry}" for kind in dma])
            moved_attrs = moved_attrs or attrs
        parts.append(f'#line 1 "{escaped}"\n{text}\n')
    launch = entry
    if dma and params is not None:
        launch = DMA_PREFIX + entry
        names = ", ".join(p.name for p in params)
        decl = ", ".join(p.text for p in params)
        fence = "barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);"
        body = [f"__local {kind} {LOCAL_PREFIX}{local}{dims};" for kind, local, dims in hoisted]
        if "preload" in dma:
            body += [f"__dma_preload_{entry}({names});", fence]
        body.append(f"{entry}({', '.join([p.name for p in params] + [f'&{LOCAL_PREFIX}{n}' for _, n, _ in hoisted])});")
        if "postwrite" in dma:
            body += [fence, f"__dma_postwrite_{entry}({names});"]
        parts.append(f'#line 1 "{PRELUDE_NAME}"\n__kernel {moved_attrs} void {launch}({decl}) {{ '
                     + " ".join(body) + " }\n")
    return Prepared("".join(parts), launch, map_half, dma, tuple(params or ()))


def _hoist_locals(text: str, entry: str, escaped_name: str) -> tuple[str, list]:
    """`text` with the `__local` variables declared in `entry`'s body moved out of it, and those
    variables ([(type, name, dims)]). OpenCL C allows `__local` variables only in a kernel, and with
    manual DMA the entry becomes a function its wrapper kernel calls: the wrapper declares them and
    passes their addresses, as a parameter `__local T (*__oakling_local_x)[…]` the entry gains, and
    `#define x (*__oakling_local_x)` over the entry's body keeps every use (and sizeof) as it was.
    `#line` directives keep the lines after them numbered as the user's file; a declaration that is
    not a plain one (a pointer, an initializer) stays where it is, for the compiler to refuse."""
    code = blank_comments(text)
    m = _definition(code, entry)
    if m is None:
        return text, []
    close = _closing(code, m.end() - 1)
    opening = code.find("{", close)
    if close < 0 or opening < 0:
        return text, []
    depth, end = 0, -1
    for i in range(opening, len(code)):
        depth += (code[i] == "{") - (code[i] == "}")
        if depth == 0:
            end = i
            break
    if end < 0:
        return text, []
    hoisted, blanks = [], []
    for d in re.finditer(r"\b(?:__local|local)\b", code[opening:end]):
        at = opening + d.start()
        if _depth(code, at) - _depth(code, opening) != 1 or code[:at].rstrip()[-1:] not in (";", "{", "}"):
            continue
        semi = code.find(";", at)
        declarators = _split_top(code[opening + d.end():semi])
        first = re.match(r"(?P<type>.*?)\b(?P<name>[A-Za-z_]\w*)\s*(?P<dims>(?:\[[^\]]*\]\s*)*)$",
                         declarators[0].strip(), re.S)
        if first is None or "*" in declarators[0] or any("=" in x for x in declarators) or not first["type"].strip():
            continue
        kind = " ".join(first["type"].split())
        found = [(kind, first["name"], first["dims"].strip())]
        for other in declarators[1:]:
            o = re.match(r"\s*(?P<name>[A-Za-z_]\w*)\s*(?P<dims>(?:\[[^\]]*\]\s*)*)$", other)
            if o is None:
                break
            found.append((kind, o["name"], o["dims"].strip()))
        else:
            hoisted += found
            blanks.append((at, semi + 1))
    if not hoisted:
        return text, []
    line_of = lambda i: code.count("\n", 0, i) + 1
    start = code.rfind("\n", 0, m.start()) + 1
    after = code.find("\n", end)
    after = len(code) if after < 0 else after + 1
    defines = "".join(f"#define {name} (*{LOCAL_PREFIX}{name})\n" for _, name, _ in hoisted)
    undefines = "".join(f"#undef {name}\n" for _, name, _ in hoisted)
    params = "".join(f", __local {kind} (*{LOCAL_PREFIX}{name}){dims}" for kind, name, dims in hoisted)
    tail = text[after:]
    text = (text[:after] + ("" if text[:after].endswith("\n") else "\n") + undefines
            + f'#line {line_of(after) + (0 if code[:after].endswith(chr(10)) else 1)} "{escaped_name}"\n' + tail)
    for a, b in sorted(blanks, reverse=True):
        text = text[:a] + re.sub(r"[^\n]", " ", text[a:b]) + text[b:]
    text = text[:close] + params + text[close:]
    text = text[:start] + defines + f'#line {line_of(start)} "{escaped_name}"\n' + text[start:]
    return text, hoisted


def _split_top(text: str) -> list[str]:
    """`text` split at the commas outside brackets."""
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += (ch in "([") - (ch in ")]")
        current += ch
    return parts + [current]


def _unkernel(text: str, names: list[str]) -> tuple[str, str]:
    """`text` with `__kernel` (and its attributes) blanked out of the definitions of `names`, so they
    become plain functions on the same lines and columns; also the attributes taken away."""
    moved = ""
    code = blank_comments(text)
    spans = []
    for name in names:
        m = _definition(code, name)
        if m is None:
            continue
        if m.group("attrs").strip():
            moved = moved or m.group("attrs").strip()
        start = m.start()
        void_at = code.index("void", m.end("attrs"))
        spans.append((start, void_at))
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]
    return text, moved
