"""OpenVINO's VPU custom-layer binding XML: which OpenCL kernels run a model's layers of a type,
and what is bound to each kernel argument.

    bindings = Bindings.read("bindings.xml")          # the XML and every Source it names
    binding = bindings.select("MyReLU6", {"max": "6"})  # the CustomLayer whose <Where> fits, or None
    binding.stages[0].entry                             # "relu6"

Both forms the VPU plugin met are read. The documented one keeps `Parameters` and `WorkSizes`
beside the `Kernel`, and a multi-stage layer is several `CustomLayer` elements of the same name
with `stage="0"`, `stage="1"`, …:

    <CustomLayer name="MyReLU6" type="MVCL" version="1">
        <Kernel entry="relu6"><Source filename="relu6.cl"/></Kernel>
        <Parameters>
            <Tensor arg-name="src" type="input" port-index="0" format="BFYX"/>
            <Tensor arg-name="dst" type="output" port-index="0" format="BFYX"/>
            <Scalar arg-name="n" type="int" source="I.X"/>
        </Parameters>
        <WorkSizes dim="input,0" global="X*Y,F,B"/>
    </CustomLayer>

The form the 2021.x parser required (and its own bindings file used) puts one `Parameters` and one
`WorkSizes` inside each `Kernel`, and a multi-stage layer is one `CustomLayer` with a `Kernel` per
stage (`stage="N"` on each). Both give the same LayerBinding: its `stages` run in order.

Elements and attributes (OpenVINO's rules, checked here, each error naming the file and line):
- `CustomLayer`: `name` (the layer type it binds, compared without case), `type="MVCL"`,
  `version="1"`, optional `max-shaves` (also accepted on `Kernel`) and `stage`;
- `Where` (at most one): each attribute is a condition on the layer's attribute of that name:
  `>=`, `<=`, `>`, `<`, `!=` before a number compare numbers; otherwise the values must be equal
  (as numbers when both are numbers, else as text: `kernel="3,3"`);
- `Kernel`: `entry` (the kernel function), one or more `Source filename` (relative to the XML);
- `Tensor`: `arg-name`, `type` (input, output, input_buffer, output_buffer, data), `port-index`,
  `format` (BFYX — the default —, BYXF, FYX, YXF, BF, ANY); buffers also `dim` and `size` (bytes);
  a `data` tensor `source` (weights, biases);
- `Data`: `arg-name`, `type` (`data` with `source`, or `local_data` with `dim` and `size` in bytes);
- `Scalar`: `arg-name`, `type` (int, float), `source` (a layer attribute, `port-index` picking one
  element of a list attribute, or `I.X`, `I.Y`, `I.F`, `I.B`, `I1.X`, `O.X`, …);
- `WorkSizes`: `dim` ("input,N" or "output,N"; default "input,0"), `global` and optional `local`:
  up to three comma-separated expressions (expressions.py) of `B`, `F`, `Y`, `X`, the ports'
  sizes and the layer's attributes.

Nothing here builds or runs a kernel (custom_layer.py does); this module only reads text.
"""
from __future__ import annotations

import hashlib
import re
import xml.parsers.expat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable

from .expressions import Expression, ExpressionError, parse

TENSOR_TYPES = ("input", "output", "input_buffer", "output_buffer", "data")
FORMATS = ("BFYX", "BYXF", "FYX", "YXF", "BF", "ANY")
DATA_TYPES = ("data", "local_data")
SCALAR_TYPES = ("int", "float")
DIMS = ("B", "F", "Y", "X")
_COMPARISONS = (">=", "<=", "!=", ">", "<")
_DIM = re.compile(r"^\s*(input|output)\s*,\s*(\d+)\s*$")
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


class BindingError(ValueError):
    """Binding XML that cannot be used as written; the message names the file, the line and the fix."""


# ------------------------------------------------------------------------------------------------
# What a binding says
# ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Condition:
    """One attribute of `<Where>`: the layer's attribute `key` compared with `value` by `op`."""
    key: str
    op: str      # "==", "!=", ">=", "<=", ">" or "<"
    value: str

    def matches(self, attributes: dict) -> bool:
        if self.key not in attributes:
            return False
        have = str(attributes[self.key]).strip()
        if self.op == "==":
            if _is_number(have) and _is_number(self.value):
                return float(have) == float(self.value)
            return _canonical(have) == _canonical(self.value)
        if not _is_number(have):
            return False
        a, b = float(have), float(self.value)
        return {"!=": a != b, ">=": a >= b, "<=": a <= b, ">": a > b, "<": a < b}[self.op]

    def text(self) -> str:
        return f'{self.key}="{self.value}"' if self.op == "==" else f'{self.key}="{self.op}{self.value}"'


@dataclass(frozen=True)
class Param:
    """One `Tensor`, `Data` or `Scalar` of `Parameters`: what is bound to kernel argument `arg`.

    element: "Tensor", "Data" or "Scalar"; type: the element's `type` attribute; port: `port-index`
    (None when absent); format: a FORMATS value (tensors); dim: ("input"|"output", port) or None;
    size: the byte-size expression (buffers, local_data); source: `source` (scalars, data)."""
    element: str
    arg: str
    type: str
    line: int
    port: int | None = None
    format: str = "BFYX"
    dim: tuple | None = None
    size: Expression | None = None
    source: str | None = None

    def describe(self) -> str:
        return f'<{self.element} arg-name="{self.arg}" type="{self.type}">'


@dataclass(frozen=True)
class WorkSizes:
    dim: tuple                         # ("input"|"output", port)
    global_size: tuple                 # 1 to 3 Expressions
    local_size: tuple | None           # None: the device chooses
    line: int
    text: str = ""                     # as written, for messages


@dataclass(frozen=True)
class Source:
    filename: str     # as the XML names it, relative to the XML's folder
    text: str


@dataclass(frozen=True)
class Stage:
    index: int
    entry: str
    sources: tuple
    params: tuple
    work_sizes: WorkSizes
    line: int
    max_shaves: int | None = None

    def param(self, arg: str) -> Param | None:
        return next((p for p in self.params if p.arg == arg), None)


@dataclass(frozen=True)
class LayerBinding:
    """One bound layer type: its conditions and its stages, in the order they run."""
    name: str
    where: tuple
    stages: tuple
    file: str
    line: int
    max_shaves: int | None = None

    @property
    def label(self) -> str:
        """How messages name it: `CustomLayer 'MyReLU6' (bindings.xml:3)`."""
        return f"CustomLayer '{self.name}' ({self.file}:{self.line})"

    def matches(self, attributes: dict) -> bool:
        return all(c.matches(attributes) for c in self.where)


@dataclass
class Bindings:
    """Every CustomLayer of a binding file, with the text of the file and of its sources (so that
    they can travel in a blob and be read again with `from_files`)."""
    layers: list
    file: str
    files: dict = field(default_factory=dict)   # name relative to the XML -> text (the XML under `file`)

    @classmethod
    def read(cls, path) -> "Bindings":
        path = Path(path)
        try:
            text = path.read_text()
        except FileNotFoundError:
            raise BindingError(f"{path}: no such file — give the custom-layer binding XML") from None
        except UnicodeDecodeError as e:
            raise BindingError(f"{path}: not a text file ({e})") from None
        folder = path.parent

        def read_source(name: str) -> str:
            source = folder / name
            try:
                return source.read_text()
            except FileNotFoundError:
                raise FileNotFoundError(f"{source} does not exist") from None
            except UnicodeDecodeError:
                raise FileNotFoundError(f"{source} is not OpenCL C source text (a compiled .bin from clc "
                                        f"cannot run here — give the .cl it was compiled from)") from None
        return parse_text(text, path.name, read_source)

    @classmethod
    def from_files(cls, files: dict, file: str) -> "Bindings":
        """Read bindings again from the texts `files` holds (as a blob keeps them)."""
        def read_source(name: str) -> str:
            key = _key(name)
            if key not in files:
                raise FileNotFoundError(f"{name} is not among the files kept with the bindings")
            return files[key]
        return parse_text(files[file], file, read_source)

    @property
    def types(self) -> list[str]:
        """The layer types bound, each once, in the order of the file."""
        seen = []
        for layer in self.layers:
            if layer.name.lower() not in (s.lower() for s in seen):
                seen.append(layer.name)
        return seen

    def binds(self, layer_type: str) -> bool:
        return any(layer.name.lower() == layer_type.lower() for layer in self.layers)

    def candidates(self, layer_type: str) -> list[LayerBinding]:
        return [layer for layer in self.layers if layer.name.lower() == layer_type.lower()]

    def select(self, layer_type: str, attributes: dict) -> LayerBinding | None:
        """The binding for a layer of `layer_type` with `attributes` (names -> values as text): among
        those whose `Where` holds, the one with the most conditions, the first in the file on a tie."""
        fitting = [layer for layer in self.candidates(layer_type) if layer.matches(attributes)]
        if not fitting:
            return None
        return max(fitting, key=lambda layer: (len(layer.where), -self.layers.index(layer)))

    def digest(self) -> str:
        """A short hash of the texts: what identifies these bindings."""
        h = hashlib.sha256()
        for name in sorted(self.files):
            h.update(name.encode() + b"\0" + self.files[name].encode() + b"\0")
        return h.hexdigest()[:16]


# ------------------------------------------------------------------------------------------------
# Reading
# ------------------------------------------------------------------------------------------------

@dataclass
class _Element:
    tag: str
    attrs: dict
    line: int
    children: list = field(default_factory=list)

    def all(self, tag: str) -> list:
        return [c for c in self.children if c.tag == tag]


def _tree(text: str, file: str) -> _Element:
    """The XML as _Elements with their line numbers (ElementTree does not keep them)."""
    parser = xml.parsers.expat.ParserCreate()
    root: list[_Element] = []
    stack: list[_Element] = []

    def start(tag, attrs):
        element = _Element(tag, dict(attrs), parser.CurrentLineNumber)
        (stack[-1].children if stack else root).append(element)
        stack.append(element)

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda tag: stack.pop()
    try:
        parser.Parse(text, True)
    except xml.parsers.expat.ExpatError as e:
        raise BindingError(f"{file}:{e.lineno}: not well-formed XML ({xml.parsers.expat.ErrorString(e.code)}, "
                           f"column {e.offset + 1})") from None
    return root[0]


def parse_text(text: str, file: str, read_source: Callable[[str], str]) -> Bindings:
    """Parse binding XML `text` (called `file` in messages); `read_source(name)` gives the text of a
    `Source` file named relative to the XML, or raises FileNotFoundError saying why not."""
    root = _tree(text, file)
    elements = [root] if root.tag == "CustomLayer" else root.all("CustomLayer")
    if not elements:
        raise BindingError(f"{file}:{root.line}: no <CustomLayer> element — the file binds nothing")
    files = {file: text}
    parts = [_layer(e, file, read_source, files) for e in elements]
    # The documented form's stages: CustomLayer elements of one name and Where, with stage="N".
    layers, staged = [], {}
    for layer, stage_attr in parts:
        if stage_attr is None:
            layers.append(layer)
            continue
        key = (layer.name.lower(), layer.where)
        if key not in staged:
            staged[key] = []
            layers.append(key)
        staged[key].append((stage_attr, layer))
    result = []
    for item in layers:
        if isinstance(item, LayerBinding):
            result.append(item)
            continue
        pieces = sorted(staged[item], key=lambda sl: sl[0])
        numbers = [n for n, _ in pieces]
        first = pieces[0][1]
        if numbers != list(range(len(numbers))):
            raise BindingError(f"{file}:{first.line}: CustomLayer '{first.name}' has stages {numbers} — number "
                               f"them 0, 1, 2, … without gaps or repeats")
        stages = tuple(_restage(layer.stages[0], n) for n, layer in pieces)
        result.append(LayerBinding(first.name, first.where, stages, file, first.line, first.max_shaves))
    return Bindings(result, file, files)


def _restage(stage: Stage, index: int) -> Stage:
    return Stage(index, stage.entry, stage.sources, stage.params, stage.work_sizes, stage.line, stage.max_shaves)


def _required(e: _Element, name: str, file: str, what: str) -> str:
    value = e.attrs.get(name)
    if value is None or not value.strip():
        raise BindingError(f"{file}:{e.line}: {what}: <{e.tag}> needs {name}=\"…\"")
    return value.strip()


def _int(e: _Element, name: str, file: str, what: str, default=None) -> int | None:
    value = e.attrs.get(name)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise BindingError(f"{file}:{e.line}: {what}: {name}=\"{value}\" is not a whole number") from None
    if number < 0:
        raise BindingError(f"{file}:{e.line}: {what}: {name}=\"{value}\" must not be negative")
    return number


def _layer(e: _Element, file: str, read_source, files: dict) -> tuple[LayerBinding, int | None]:
    name = _required(e, "name", file, "CustomLayer")
    what = f"CustomLayer '{name}'"
    kind = _required(e, "type", file, what)
    if kind != "MVCL":
        raise BindingError(f"{file}:{e.line}: {what}: type=\"{kind}\" — the only type is MVCL (type=\"MVCL\")")
    version = _required(e, "version", file, what)
    if version != "1":
        raise BindingError(f"{file}:{e.line}: {what}: version=\"{version}\" — the only version is 1 (version=\"1\")")
    max_shaves = _int(e, "max-shaves", file, what)
    stage_attr = _int(e, "stage", file, what)
    wheres = e.all("Where")
    if len(wheres) > 1:
        raise BindingError(f"{file}:{wheres[1].line}: {what}: more than one <Where> — put every condition in one")
    where = tuple(_condition(k, v, file, wheres[0].line, what) for k, v in wheres[0].attrs.items()) if wheres else ()
    kernels = e.all("Kernel")
    if not kernels:
        raise BindingError(f"{file}:{e.line}: {what}: no <Kernel> — add <Kernel entry=\"…\"><Source filename=\"…\"/>"
                           f"</Kernel>")
    outer_params, outer_sizes = e.all("Parameters"), e.all("WorkSizes")
    nested = [k for k in kernels if k.all("Parameters") or k.all("WorkSizes")]
    if nested and (outer_params or outer_sizes):
        raise BindingError(f"{file}:{e.line}: {what}: <Parameters>/<WorkSizes> both inside a <Kernel> and beside "
                           f"it — use one form: inside each Kernel (2021.x), or beside a single Kernel (documented)")
    stages = []
    if nested:
        if len(nested) != len(kernels):
            lonely = next(k for k in kernels if k not in nested)
            raise BindingError(f"{file}:{lonely.line}: {what}: this <Kernel> has no <Parameters>/<WorkSizes> while "
                               f"another has them inside — give every Kernel its own")
        numbers = []
        for k in kernels:
            number = _int(k, "stage", file, what)
            if number is None:
                if len(kernels) > 1:
                    raise BindingError(f"{file}:{k.line}: {what}: several <Kernel>s need stage=\"N\" on each (the "
                                       f"order they run in: 0, 1, …)")
                number = 0
            numbers.append(number)
        if sorted(numbers) != list(range(len(numbers))):
            raise BindingError(f"{file}:{e.line}: {what}: its Kernels have stages {numbers} — number them 0, 1, 2, "
                               f"… without gaps or repeats")
        for number, k in sorted(zip(numbers, kernels), key=lambda nk: nk[0]):
            stages.append(_stage(number, k, _one(k, "Parameters", file, what), _one(k, "WorkSizes", file, what),
                                 file, read_source, files, what))
    else:
        if len(kernels) > 1:
            raise BindingError(f"{file}:{kernels[1].line}: {what}: several <Kernel>s beside one <Parameters> — give "
                               f"each Kernel stage=\"N\" and its own <Parameters> and <WorkSizes> inside it, or one "
                               f"CustomLayer per stage with stage=\"N\"")
        stages.append(_stage(0, kernels[0], _one(e, "Parameters", file, what), _one(e, "WorkSizes", file, what),
                             file, read_source, files, what))
    return LayerBinding(name, where, tuple(stages), file, e.line, max_shaves), stage_attr


def _one(e: _Element, tag: str, file: str, what: str) -> _Element:
    found = e.all(tag)
    if len(found) != 1:
        many = "more than one" if found else "no"
        raise BindingError(f"{file}:{(found[1] if found else e).line}: {what}: {many} <{tag}> in <{e.tag}> — give "
                           f"exactly one")
    return found[0]


def _condition(key: str, value: str, file: str, line: int, what: str) -> Condition:
    text = value.strip()
    for op in _COMPARISONS:
        if text.startswith(op):
            number = text[len(op):].strip()
            if not _is_number(number):
                raise BindingError(f"{file}:{line}: {what}: <Where {key}=\"{value}\">: {op} compares numbers, and "
                                   f"{number!r} is not one")
            return Condition(key, op, number)
    return Condition(key, "==", text)


def _stage(number: int, kernel: _Element, params: _Element, sizes: _Element, file: str, read_source, files: dict,
           what: str) -> Stage:
    entry = _required(kernel, "entry", file, what)
    what = f"{what}, kernel {entry}()"
    source_elements = kernel.all("Source")
    if not source_elements:
        raise BindingError(f"{file}:{kernel.line}: {what}: no <Source filename=\"…\"/> in its <Kernel>")
    sources = []
    for s in source_elements:
        name = _required(s, "filename", file, what)
        try:
            text = read_source(name)
        except FileNotFoundError as e:
            raise BindingError(f"{file}:{s.line}: {what}: <Source filename=\"{name}\">: {e}") from None
        files[_key(name)] = text
        sources.append(Source(name, text))
    parsed = tuple(_param(p, file, what) for p in params.children)
    seen = {}
    for p in parsed:
        if p.arg in seen:
            raise BindingError(f"{file}:{p.line}: {what}: argument '{p.arg}' is bound twice (also at line "
                               f"{seen[p.arg]}) — bind each argument once")
        seen[p.arg] = p.line
    return Stage(number, entry, tuple(sources), parsed, _work_sizes(sizes, file, what), kernel.line,
                 _int(kernel, "max-shaves", file, what))


def _param(e: _Element, file: str, what: str) -> Param:
    if e.tag not in ("Tensor", "Data", "Scalar"):
        raise BindingError(f"{file}:{e.line}: {what}: <{e.tag}> in <Parameters> — the elements there are Tensor, "
                           f"Data and Scalar")
    arg = _required(e, "arg-name", file, what)
    kind = _required(e, "type", file, f"{what}, argument '{arg}'")
    here = f"{file}:{e.line}: {what}: <{e.tag} arg-name=\"{arg}\">"
    port = _int(e, "port-index", file, f"{what}, argument '{arg}'")
    dim = _dim(e.attrs.get("dim"), here) if e.attrs.get("dim") is not None else None
    size = _expression(e.attrs.get("size"), here, "size") if e.attrs.get("size") is not None else None
    fmt = e.attrs.get("format", "BFYX").strip().upper()
    if e.tag == "Tensor":
        if kind not in TENSOR_TYPES:
            raise BindingError(f"{here}: type=\"{kind}\" — a Tensor's type is one of {', '.join(TENSOR_TYPES)}")
        if fmt == "BFXY":   # the documentation's own spelling of BFYX
            fmt = "BFYX"
        if fmt not in FORMATS:
            raise BindingError(f"{here}: format=\"{e.attrs.get('format')}\" — the formats are {', '.join(FORMATS)}")
        if kind in ("input", "output", "input_buffer", "output_buffer") and port is None:
            raise BindingError(f"{here}: needs port-index=\"N\" (the layer's {kind.split('_')[0]} port, or for a "
                               f"buffer the number that links stages)")
        if kind in ("input_buffer", "output_buffer"):
            if size is None:
                raise BindingError(f"{here}: a {kind} needs size=\"…\" (bytes, e.g. size=\"Y*F*4\") and "
                                   f"dim=\"output,0\"")
            dim = dim or ("input", 0)
        source = e.attrs.get("source")
        if kind == "data":
            source = (source or "weights").strip()
        return Param("Tensor", arg, kind, e.line, port, fmt, dim, size, source)
    if e.tag == "Data":
        if kind not in DATA_TYPES:
            raise BindingError(f"{here}: type=\"{kind}\" — a Data's type is data (with source=\"weights\") or "
                               f"local_data (with dim and size)")
        source = e.attrs.get("source")
        if kind == "data":
            if source is None or size is not None:
                raise BindingError(f"{here}: type=\"data\" takes source=\"weights\" (or \"biases\"), not dim/size")
            return Param("Data", arg, kind, e.line, port, fmt if fmt in FORMATS else "ANY", None, None,
                         source.strip())
        if source is not None or size is None:
            raise BindingError(f"{here}: type=\"local_data\" takes size=\"…\" (bytes of local memory, e.g. "
                               f"size=\"X*F*2\") and dim=\"input,0\", not source")
        return Param("Data", arg, kind, e.line, port, "ANY", dim or ("input", 0), size, None)
    if kind not in SCALAR_TYPES:
        raise BindingError(f"{here}: type=\"{kind}\" — a Scalar's type is int or float")
    source = _required(e, "source", file, f"{what}, argument '{arg}'")
    return Param("Scalar", arg, kind, e.line, port, "ANY", None, None, source)


def _dim(text: str, here: str) -> tuple:
    m = _DIM.match(text)
    if m is None:
        raise BindingError(f"{here}: dim=\"{text}\" — write dim=\"input,N\" or dim=\"output,N\" (N: the port)")
    return m.group(1), int(m.group(2))


def _expression(text: str, here: str, what: str) -> Expression:
    try:
        return parse(text)
    except ExpressionError as e:
        raise BindingError(f"{here}: {what}: {e}") from None


def _work_sizes(e: _Element, file: str, what: str) -> WorkSizes:
    here = f"{file}:{e.line}: {what}: <WorkSizes>"
    dim = _dim(e.attrs["dim"], here) if "dim" in e.attrs else ("input", 0)
    if "global" not in e.attrs:
        raise BindingError(f"{here}: needs global=\"…\" (1 to 3 comma-separated sizes, e.g. global=\"X,Y,F\")")
    global_size = _sizes(e.attrs["global"], here, "global")
    local_size = _sizes(e.attrs["local"], here, "local") if e.attrs.get("local", "").strip() else None
    if local_size is not None and len(local_size) != len(global_size):
        raise BindingError(f"{here}: global has {len(global_size)} sizes and local {len(local_size)} — give both "
                           f"the same number")
    text = f'global="{e.attrs["global"]}"' + (f' local="{e.attrs["local"]}"' if local_size else "")
    return WorkSizes(dim, global_size, local_size, e.line, text)


def _sizes(text: str, here: str, which: str) -> tuple:
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += (ch == "(") - (ch == ")")
        current += ch
    parts.append(current)
    if not 1 <= len(parts) <= 3:
        raise BindingError(f"{here}: {which}=\"{text}\" has {len(parts)} sizes — give 1 to 3, separated by commas")
    sizes = []
    for part in parts:
        try:
            sizes.append(parse(part))
        except ExpressionError as e:
            raise BindingError(f"{here}: {which}=\"{text}\" does not parse: {e} — write sizes such as "
                               f"\"(X+7)/8*8,Y,F\" with numbers, B, F, Y, X, + - * / and parentheses") from None
    return tuple(sizes)


def _is_number(text: str) -> bool:
    return bool(_NUMBER.match(text.strip()))


def _canonical(text: str) -> str:
    """Lists compare without their spaces: "3, 3" is "3,3"."""
    return re.sub(r"\s*,\s*", ",", text.strip())


def _key(name: str) -> str:
    return str(PurePosixPath(name.replace("\\", "/")))
