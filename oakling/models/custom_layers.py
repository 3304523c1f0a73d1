"""Custom layers inside a model: layers whose type a VPU binding XML binds run through their OpenCL
kernels (kernels/custom_layer.py), the rest of the model in OpenVINO, all in one OpenVINO model.

    table = CustomLayerTable(bindings)                 # at conversion
    ov_model = read_onnx(path, table)                  # or read_ir(xml, weights, table)
    ...                                                # preprocessing, save, read the IR back
    meta = table.prepare(final_model)                  # builds and checks every layer's kernels
    install(blob)                                      # where a blob is loaded: the kernels again

How: each bound layer becomes an `OaklingCustomLayer` operation, an OpenVINO Python `Op` whose
`evaluate` runs the layer's kernels on the tensors OpenVINO hands it. OpenVINO runs it in place in
its graph (on the inference request's thread, several requests at once), saves it in the IR as
`type="OaklingCustomLayer" version="extension"` with three attributes — `table` (which conversion
made it), `layer` (its index in that conversion's table) and `outputs` (element types and shapes,
`f32:1,3,8,8;…`, or "" for input 0's) — and reads it back, and exports and imports it in the
compiled cache, once `register(core)` has told the Core about the class. So the blob keeps one IR,
preprocessing and all, and the NeuralNetwork node runs it as any other.

Layers are found:
- in ONNX: nodes whose op_type a binding names (compared without case), in any domain — a custom
  one such as "my.ops", or the standard one, where the kernel takes precedence over OpenVINO's op,
  as on the VPU. The node's attributes (as text: lists "3,3") choose the binding through `Where`;
  a node of a standard type no binding's `Where` fits stays OpenVINO's. Each node is given an
  attribute `oakling_layer` (its index) and turned into the Op by a ConversionExtension.
- in an OpenVINO IR: `<layer type=…>` elements, rewritten to the Op's type before OpenVINO reads
  the IR; their `<data>` attributes are the layer's attributes, their output ports the Op's.

The kernel sources and the binding XML travel in the blob (section "kernels", blob.py); its
metadata lists the layers (`custom_layers`), which `oakling inspect` prints.

Where a layer meets convolutions, `keep_channels_last` (run by the converter before it saves the
model) gives it those 4-D ports NHWC, with a Transpose on each side that OpenVINO folds into its
own layout reorders; the Op's attributes `channels_last_inputs` and `channels_last_outputs` ("0,2")
list them, and its `evaluate` tells the runner. Blobs without these attributes run as before.
"""
from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import numpy as np

from ..kernels.bindings import BindingError, Bindings
from .blob import DTYPES

OP_TYPE = "OaklingCustomLayer"
MARK = "oakling_layer"   # the ONNX attribute that tells a node's index in the table
_ELEMENT = {"f32": np.float32, "f16": np.float16, "f64": np.float64, "i32": np.int32, "i64": np.int64,
            "u8": np.uint8, "i8": np.int8, "u16": np.uint16, "i16": np.int16}
_IR_PRECISION = {"FP32": "f32", "FP16": "f16", "FP64": "f64", "I32": "i32", "I64": "i64", "U8": "u8", "I8": "i8",
                 "U16": "u16", "I16": "i16"}
_ONNX_ELEMENT = {1: "f32", 10: "f16", 11: "f64", 6: "i32", 7: "i64", 2: "u8", 3: "i8", 4: "u16", 5: "i16"}

_RUNNERS: dict[tuple[str, int], object] = {}   # (table key, layer index) -> CustomLayerKernels
_RUNNERS_LOCK = threading.Lock()
_registered: dict[int, object] = {}            # id -> each Core told about the Op, kept so no id is reused


class CustomLayerConversionError(RuntimeError):
    """A bound layer that cannot run as its binding says; the message names it and the fix."""


# ------------------------------------------------------------------------------------------------
# The OpenVINO operation
# ------------------------------------------------------------------------------------------------

_op_class = None


def op_class():
    """The OaklingCustomLayer Op class (made on first use: OpenVINO is imported only then)."""
    global _op_class
    if _op_class is not None:
        return _op_class
    import openvino as ov

    class OaklingCustomLayer(ov.Op):
        """A layer run by OpenCL kernels: `table` and `layer` find its kernels in this process;
        `channels_last_inputs` / `_outputs` list the 4-D ports it takes and gives NHWC (see
        keep_channels_last)."""

        def __init__(self, inputs=None, table: str = "", layer: int = -1, outputs: str = "",
                     channels_last_inputs: str = "", channels_last_outputs: str = ""):
            super().__init__(self)
            self._attrs = {"table": table, "layer": int(layer), "outputs": outputs,
                           "channels_last_inputs": channels_last_inputs,
                           "channels_last_outputs": channels_last_outputs}
            if inputs is not None:
                self.set_arguments(inputs)
                self.constructor_validate_and_infer_types()

        def _last(self, which: str) -> set:
            return ports(self._attrs.get(f"channels_last_{which}", ""))

        def validate_and_infer_types(self):
            specs = parse_outputs(self._attrs["outputs"])
            last_in, last_out = self._last("inputs"), self._last("outputs")
            if not specs:
                shape = self.get_input_partial_shape(0)
                if 0 in last_in:
                    shape = ov.PartialShape([shape[0], shape[3], shape[1], shape[2]])
                if 0 in last_out:
                    shape = ov.PartialShape([shape[0], shape[2], shape[3], shape[1]])
                self.set_output_type(0, self.get_input_element_type(0), shape)
                return
            for k, (element, shape) in enumerate(specs):
                shape = channels_last_shape(shape) if k in last_out else shape
                self.set_output_type(k, ov.Type(np.dtype(_ELEMENT[element])), ov.PartialShape(list(shape)))

        def clone_with_new_inputs(self, new_inputs):
            return OaklingCustomLayer(new_inputs, **self._attrs)

        def visit_attributes(self, visitor):
            visitor.on_attributes(self._attrs)
            return True

        def has_evaluate(self):
            return (self._attrs["table"], self._attrs["layer"]) in _RUNNERS

        def evaluate(self, outputs, inputs):
            runner = _RUNNERS.get((self._attrs["table"], self._attrs["layer"]))
            if runner is None:
                raise RuntimeError(f"custom layer {self._attrs['layer']} of table {self._attrs['table']} has no "
                                   f"kernels in this process — load the blob through oakling")
            last_in, last_out = self._last("inputs"), self._last("outputs")
            arrays = [t.data for t in inputs]
            results = []
            for k, t in enumerate(outputs):
                shape = runner.layer.outputs[k][0]
                t.shape = list(channels_last_shape(shape) if k in last_out else shape)
                results.append(t.data)
            runner.run(arrays, results, [("input", k) for k in last_in] + [("output", k) for k in last_out])
            return True

    _op_class = OaklingCustomLayer
    return _op_class


def register(core) -> None:
    """Tell `core` (one that lives on, as the backend's) about the Op, once, so it can read, compile
    and import models that have it. The Core is kept: a Core made later never has its id."""
    if id(core) in _registered:
        return
    _add_op(core)
    _registered[id(core)] = core


def _add_op(core) -> None:
    from openvino import OpExtension
    core.add_extension(OpExtension(op_class()))


def ports(text: str) -> set:
    """{0, 2} from "0,2"."""
    return {int(k) for k in str(text or "").split(",") if k.strip()}


def channels_last_shape(shape) -> tuple:
    """NCHW -> NHWC."""
    return (shape[0], shape[2], shape[3], shape[1])


def format_outputs(specs) -> str:
    return ";".join(f"{element}:{','.join(str(d) for d in shape)}" for element, shape in specs)


def parse_outputs(text: str) -> list:
    specs = []
    for part in filter(None, (text or "").split(";")):
        element, _, shape = part.partition(":")
        specs.append((element, tuple(int(d) for d in shape.split(",") if d)))
    return specs


# ------------------------------------------------------------------------------------------------
# The table of a conversion's layers
# ------------------------------------------------------------------------------------------------

class CustomLayerTable:
    """The bound layers found in one model, in the order they were found."""

    def __init__(self, bindings: Bindings, key: str | None = None):
        self.bindings = bindings
        self.key = key or bindings.digest()
        self.layers: list[dict] = []   # {"name", "type", "attributes"}, then what prepare() found
        self.op_outputs: dict[int, str] = {}   # layer index -> the Op's `outputs` attribute

    def add(self, name: str, layer_type: str, attributes: dict) -> int | None:
        """Record a layer if a binding fits it; its index, or None when no binding's Where holds."""
        binding = self.bindings.select(layer_type, attributes)
        if binding is None:
            return None
        self.layers.append({"name": name, "type": binding.name, "attributes": dict(attributes)})
        return len(self.layers) - 1

    def unmatched(self, name: str, layer_type: str, attributes: dict) -> str:
        """Why no binding of `layer_type` fits the layer (for a layer OpenVINO cannot run either)."""
        wheres = "; ".join(f"{b.file}:{b.line} <Where {' '.join(c.text() for c in b.where)}/>"
                           for b in self.bindings.candidates(layer_type))
        shown = ", ".join(f"{k}={v}" for k, v in attributes.items()) or "none"
        return (f"layer '{name}' ({layer_type}): no <CustomLayer name=\"{layer_type}\"> fits its attributes "
                f"({shown}) — their conditions: {wheres}; add a CustomLayer whose <Where> it meets")

    def seal(self, source_sha256: str) -> None:
        """Fix the key from the bindings and the model, before layers are found: the key goes into
        the model's Ops, and tells this conversion's layers from another's in one process."""
        self.key = hashlib.sha256(f"{self.bindings.digest()}|{source_sha256}".encode()).hexdigest()[:16]

    def prepare(self, model) -> dict:
        """Build and check the kernels of every Op in `model` (the final ov.Model), register them,
        and return the metadata the blob keeps; CustomLayerConversionError says what does not fit."""
        from ..kernels.custom_layer import CustomLayerError, CustomLayerKernels, Layer
        found = {}
        for op in model.get_ordered_ops():
            if op.get_type_name() != OP_TYPE:
                continue
            attrs = op.get_attributes()
            if attrs.get("table") != self.key:
                continue
            index = int(attrs["layer"])
            record = self.layers[index]
            last_in, last_out = ports(attrs.get("channels_last_inputs")), ports(attrs.get("channels_last_outputs"))
            inputs = [(_planar(_static(op.get_input_partial_shape(k), record, f"input {k}"), k in last_in),
                       _dtype(op.get_input_element_type(k))) for k in range(op.get_input_size())]
            outputs = [(_planar(_static(op.get_output_partial_shape(k), record, f"output {k}"), k in last_out),
                        _dtype(op.get_output_element_type(k))) for k in range(op.get_output_size())]
            layer = Layer(record["name"], record["type"], record["attributes"], inputs, outputs)
            binding = self.bindings.select(record["type"], record["attributes"])
            try:
                runner = CustomLayerKernels(binding, layer)
            except CustomLayerError as e:
                raise CustomLayerConversionError(str(e)) from None
            found[index] = runner
            record.update(index=index, inputs=[[list(s), _name(d)] for s, d in inputs],
                          outputs=[[list(s), _name(d)] for s, d in outputs],
                          binding=f"{binding.file}:{binding.line}",
                          stages=[f"{s.entry}() in {', '.join(x.filename for x in s.sources)}"
                                  for s in binding.stages])
        with _RUNNERS_LOCK:
            for index, runner in found.items():
                _RUNNERS[(self.key, index)] = runner
        return {"key": self.key, "bindings": self.bindings.file,
                "layers": [r for i, r in enumerate(self.layers) if i in found]}

    def files(self) -> dict:
        return dict(self.bindings.files)


def install(meta: dict, files: dict, log=None) -> int:
    """Build (from the kernel cache, as a rule) and register the kernels of a blob's custom layers,
    before OpenVINO reads its model; returns how many. RuntimeError if they cannot run here."""
    from ..kernels.custom_layer import CustomLayerError, CustomLayerKernels, Layer
    key = meta["key"]
    try:
        bindings = Bindings.from_files(files, meta["bindings"])
    except (BindingError, KeyError) as e:
        raise RuntimeError(f"the blob's custom-layer bindings cannot be read ({e}) — convert the model again") \
            from None
    count = 0
    for index, record in enumerate(meta.get("layers", [])):
        with _RUNNERS_LOCK:
            if (key, record.get("index", index)) in _RUNNERS:
                count += 1
                continue
        binding = bindings.select(record["type"], record["attributes"])
        if binding is None:
            raise RuntimeError(f"the blob's bindings have no CustomLayer for layer '{record['name']}' "
                               f"({record['type']}) — convert the model again")
        layer = Layer(record["name"], record["type"], record["attributes"],
                      [(tuple(s), np.dtype(DTYPES[d])) for s, d in record["inputs"]],
                      [(tuple(s), np.dtype(DTYPES[d])) for s, d in record["outputs"]])
        try:
            runner = CustomLayerKernels(binding, layer)
        except CustomLayerError as e:
            raise RuntimeError(f"custom layer '{record['name']}' cannot run here: {e}") from None
        with _RUNNERS_LOCK:
            _RUNNERS[(key, record.get("index", index))] = runner
        count += 1
    if log:
        log(f"{count} custom layer{'s' if count != 1 else ''} through OpenCL kernels "
            f"({', '.join(sorted({r['type'] for r in meta.get('layers', [])}))})")
    return count


# ------------------------------------------------------------------------------------------------
# Channels-last edges
# ------------------------------------------------------------------------------------------------

# Ops OpenVINO's CPU plugin runs on channels-last (or blocked) data, and ops it fuses into them
_CHANNELS_LAST_OPS = {"Convolution", "GroupConvolution", "ConvolutionBackpropData", "GroupConvolutionBackpropData",
                      "BinaryConvolution", "DeformableConvolution", "MaxPool", "AvgPool"}
_ELEMENTWISE = {"Add", "Multiply", "Subtract", "Divide", "Maximum", "Minimum", "Relu", "Clamp", "Sigmoid", "Tanh",
                "Swish", "HSwish", "HSigmoid", "Mish", "Elu", "Gelu", "PRelu", "Exp", "Abs", "SoftPlus", "Power",
                "SquaredDifference", "FakeQuantize", "Convert"}
_TO_NHWC, _TO_NCHW = [0, 2, 3, 1], [0, 3, 1, 2]


def _near_convolution(node, up: bool, depth: int = 4) -> bool:
    """Whether `node` is an op OpenVINO runs channels-last, or an elementwise op next to one (looking
    at its producers when `up`, else at its consumers)."""
    kind = node.get_type_name()
    if kind in _CHANNELS_LAST_OPS:
        return True
    if kind not in _ELEMENTWISE or depth == 0:
        return False
    if up:
        return any(_near_convolution(node.input_value(k).get_node(), True, depth - 1)
                   for k in range(node.get_input_size()))
    return any(_near_convolution(target.get_node(), False, depth - 1)
               for k in range(node.get_output_size()) for target in node.output(k).get_target_inputs())


def keep_channels_last(model) -> int:
    """Give the custom layers of `model` their 4-D float tensors NHWC where they meet convolutions.

    OpenVINO's CPU plugin runs convolutions on channels-last data, and an operation like ours takes
    NCHW: between the two it would insert layout reorders, and the NHWC -> NCHW one is slow (about
    1.3 ms for 16 x 224 x 224 values on this machine, more than the layer's kernel). So each such
    input gets a Transpose to NHWC in front of the layer, and each such output a Transpose back
    after it: OpenVINO folds a Transpose into the reorder next to it, and both vanish. The layer's
    kernels still see the layout their binding's `format` asks for: the runner moves the values
    (kernels/custom_layer.py), in the same pass as the FP16 rounding it does anyway. Returns how
    many ports were turned."""
    from openvino import opset13 as op
    cls = op_class()
    turned = 0
    for node in list(model.get_ordered_ops()):
        if node.get_type_name() != OP_TYPE:
            continue
        attrs = node.get_attributes()
        if attrs.get("channels_last_inputs") or attrs.get("channels_last_outputs"):
            continue

        def four_float(port) -> bool:
            return port.get_partial_shape().rank.is_static and port.get_partial_shape().rank.get_length() == 4 \
                and port.get_element_type().is_real()

        last_in = [k for k in range(node.get_input_size()) if four_float(node.input(k))
                   and _near_convolution(node.input_value(k).get_node(), True)]
        last_out = [k for k in range(node.get_output_size()) if four_float(node.output(k))
                    and any(_near_convolution(t.get_node(), False) for t in node.output(k).get_target_inputs())]
        if not last_in and not last_out:
            continue
        inputs = []
        for k in range(node.get_input_size()):
            source = node.input_value(k)
            if k in last_in:
                source = op.transpose(source, op.constant(np.array(_TO_NHWC, np.int64))).output(0)
            inputs.append(source)
        new = cls(inputs, attrs["table"], int(attrs["layer"]), attrs.get("outputs", ""),
                  ",".join(map(str, last_in)), ",".join(map(str, last_out)))
        new.set_friendly_name(node.get_friendly_name())
        for k in range(node.get_output_size()):
            result = new.output(k)
            if k in last_out:
                result = op.transpose(result, op.constant(np.array(_TO_NCHW, np.int64))).output(0)
            names = node.output(k).get_names()
            for target in list(node.output(k).get_target_inputs()):
                target.replace_source_output(result)
            if names:
                result.get_tensor().set_names(names)
        turned += len(last_in) + len(last_out)
    if turned:
        model.validate_nodes_and_infer_types()
    return turned


def _planar(shape: tuple, channels_last: bool) -> tuple:
    return (shape[0], shape[3], shape[1], shape[2]) if channels_last else shape


def _static(partial, record, what) -> tuple:
    if partial.is_dynamic:
        raise CustomLayerConversionError(
            f"layer '{record['name']}' ({record['type']}): its {what} has a dynamic shape {partial} — fix the "
            f"model's input shapes (--input-shape) so that every custom layer's shapes are known")
    return tuple(int(d) for d in partial.to_shape())


def _dtype(element_type) -> np.dtype:
    from .blob import dtype_of
    return np.dtype(DTYPES.get(dtype_of(element_type), np.float32))


def _name(dtype) -> str:
    return next(k for k, v in DTYPES.items() if np.dtype(v) == np.dtype(dtype))


# ------------------------------------------------------------------------------------------------
# Reading models with bound layers
# ------------------------------------------------------------------------------------------------

def read_onnx(path: Path, table: CustomLayerTable, tmp: Path):
    """Read an ONNX file with OpenVINO, its bound nodes turned into the Op. Returns the ov.Model."""
    import onnx
    import openvino as ov
    from onnx import helper
    from openvino.frontend.onnx import ConversionExtension

    proto = onnx.load(str(path))
    graph = proto.graph
    declared = {v.name: v for v in list(graph.value_info) + list(graph.output)}
    kinds, pending = set(), []
    for i, node in enumerate(graph.node):
        if not table.bindings.binds(node.op_type):
            continue
        attributes = {a.name: _attribute_text(helper.get_attribute_value(a)) for a in node.attribute}
        name = node.name or f"{node.op_type}_{i}"
        index = table.add(name, node.op_type, attributes)
        if index is None:
            pending.append((node, name, attributes))
            continue
        node.attribute.append(helper.make_attribute(MARK, index))
        outputs = [_declared_output(declared.get(o)) for o in node.output]
        table.op_outputs[index] = format_outputs(outputs) if all(outputs) else ""
        kinds.add((node.op_type, node.domain))
    marked = tmp / "marked.onnx"
    onnx.save(proto, str(marked))

    core = ov.Core()                               # for this model alone: not remembered by register()
    _add_op(core)
    cls = op_class()

    def convert(node):
        index = node.get_attribute(MARK)
        inputs = [node.get_input(k) for k in range(node.get_input_size())]
        return cls(inputs, table.key, index, table.op_outputs[index]).outputs()

    for op_type, domain in kinds:
        core.add_extension(ConversionExtension(op_type, domain, convert))
    try:
        model = core.read_model(str(marked))
    except Exception as e:
        unknown = [(n, name, a) for n, name, a in pending if n.domain not in ("", "ai.onnx")]
        if unknown:
            raise CustomLayerConversionError(table.unmatched(unknown[0][1], unknown[0][0].op_type, unknown[0][2])) \
                from None
        raise e
    return model


def _declared_output(value_info):
    """(element, shape) of an ONNX value declared with a static shape, else None."""
    if value_info is None or not value_info.type.HasField("tensor_type"):
        return None
    tensor = value_info.type.tensor_type
    if not tensor.HasField("shape") or tensor.elem_type not in _ONNX_ELEMENT:
        return None
    shape = []
    for d in tensor.shape.dim:
        if not d.HasField("dim_value"):
            return None
        shape.append(int(d.dim_value))
    return _ONNX_ELEMENT[tensor.elem_type], tuple(shape)


def _attribute_text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (list, tuple)):
        return ",".join(_attribute_text(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def rewrite_ir(xml: bytes, table: CustomLayerTable) -> bytes:
    """An IR's XML with its bound layers turned into the Op (their attributes go to the table)."""
    import xml.etree.ElementTree as ET
    root = ET.fromstring(xml)
    layers = root.find("layers")
    for layer in (layers if layers is not None else []):
        layer_type = layer.get("type", "")
        if not table.bindings.binds(layer_type):
            continue
        data = layer.find("data")
        attributes = dict(data.attrib) if data is not None else {}
        index = table.add(layer.get("name", layer.get("id", "?")), layer_type, attributes)
        if index is None:
            continue
        specs = []
        output = layer.find("output")
        for port in (output.findall("port") if output is not None else []):
            element = _IR_PRECISION.get(port.get("precision", "FP32").upper(), "f32")
            specs.append((element, tuple(int(d.text) for d in port.findall("dim"))))
        table.op_outputs[index] = format_outputs(specs)
        layer.set("type", OP_TYPE)
        layer.set("version", "extension")
        if data is None:
            data = ET.Element("data")
            layer.insert(0, data)
        data.attrib.clear()
        data.attrib.update({"table": table.key, "layer": str(index), "outputs": table.op_outputs[index]})
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
