"""Converting a model into an oakling blob: ONNX, TFLite, OpenVINO IR, or a PyTorch nn.Module.

    from oakling.models import convert
    convert("yolo.onnx", "yolo.blob", input_precision="U8", scale_values=[255])   # camera frames in, [0,1] to the model
    convert(module, "net.blob", example_input=torch.rand(1, 3, 224, 224))       # exported through ONNX

What it does, in order (the options are those of OpenVINO's Model Optimizer and compile_tool):
  1. read the model with OpenVINO (a PyTorch module is first exported to ONNX, opset 17);
  2. fix input shapes (`input_shape`); a dynamic shape is an error that says which shape to give;
  3. put the preprocessing into the graph with OpenVINO's PrePostProcessor: per input, the element
     type the blob takes (`input_precision`: U8 for camera frames), its layout (`layout`: "NCHW", or
     "NCHW->NHWC" to take interleaved frames), then reverse_input_channels, mean, scale, in that
     order — so mean and scale values are in the model's channel order; nothing is added unless asked;
  4. make float outputs `output_precision` (FP16 by default, as compile_tool's; gen2 code reads them
     with getLayerFp16); weights are stored in `precision` (FP32 by default, FP16 on request);
  5. write the blob (blob.py): metadata, the IR, and a compiled cache for this OpenVINO and CPU.

With `custom_layers` (a VPU binding XML, kernels/bindings.py), the layers it binds — ONNX nodes of
a bound op_type (a custom domain such as "my.ops", or a standard op the kernel replaces), IR
layers of a bound type — run through their OpenCL kernels inside the model (custom_layers.py);
their kernels are built and checked here, and travel in the blob with the XML.

Errors are ConversionError (a RuntimeError) and say what is wrong and how to fix it.
"""
from __future__ import annotations

import hashlib
import inspect
import io
import re
import tempfile
import warnings
from pathlib import Path

from .blob import DTYPES, FORMAT_VERSION, PLAIN_FORMAT, ModelBlob, TensorSpec, dtype_of, image_layout

PRECISIONS = ("FP32", "FP16")
INPUT_PRECISIONS = ("U8", "U16", "FP16", "FP32")
OUTPUT_PRECISIONS = ("FP16", "FP32")
MODEL_SUFFIXES = {".onnx": "onnx", ".tflite": "tflite", ".xml": "openvino-ir"}
ONNX_OPSET = 17

class ConversionError(RuntimeError):
    """The model cannot be converted as asked; the message says why and what to do."""


def convert(model, output=None, *, weights=None, example_input=None, input_names=None, output_names=None,
            input_shape=None, layout=None, mean_values=None, scale_values=None, reverse_input_channels=False,
            precision="FP32", input_precision=None, output_precision="FP16", shaves=None,
            cache=True, custom_layers=None, decode=None, score_threshold=None, iou_threshold=None,
            max_detections=None) -> Path:
    """Convert `model` and write the blob to `output` (default: the model's path with .blob); returns its path.

    model: a path to .onnx, .tflite or .xml (OpenVINO IR; `weights` defaults to the .bin beside it),
        an onnx.ModelProto, or a torch.nn.Module (with `example_input`: a tensor or tuple of tensors;
        `input_names`/`output_names` name its inputs and outputs, by default the forward()
        parameter names and "output"/"output1"...).
    Per-input options take one value for every input, or a dict {input name: value}:
        input_shape ([1, 3, 224, 224]; needed for dynamic shapes), layout ("NCHW", or "NCHW->NHWC" so
        the blob takes NHWC), mean_values / scale_values (one value or one per channel; the blob
        computes (x - mean) / scale), input_precision ("U8", "U16" for depth, "FP16", "FP32").
    reverse_input_channels: True (every 3-channel input) or input names: RGB <-> BGR.
    output_precision: "FP16" (default) or "FP32" for every float output, or a dict {output name:
        precision} (the float outputs it does not name get FP16); integer outputs keep their type.
    precision: "FP32" (default) or "FP16": the weights and the inference precision.
    shaves: accepted for blobconverter compatibility; sets the CPU threads one inference uses
        (at most the machine's cores).
    cache: include a compiled cache for this OpenVINO version and CPU (loads faster).
    custom_layers: the path of a VPU custom-layer binding XML (or a kernels.bindings.Bindings): the
        layers it binds run through its OpenCL kernels.
    decode: an anchor scheme ("blazeface-short", "blazeface-back", "blazeface-full"; decoding.py): the
        model's raw box and score outputs are decoded, suppressed and given as one DetectionOutput
        output `detection_out` [1,1,max_detections,7] for MobileNetDetectionNetwork; with it,
        score_threshold (0.5), iou_threshold (0.3) and max_detections (100).
    """
    if output is None:
        if not isinstance(model, (str, Path)):
            raise ConversionError("say where to write the blob: convert(model, 'model.blob', ...)")
        output = Path(model).with_suffix(".blob")
    blob = build_blob(model, weights=weights, example_input=example_input, input_names=input_names,
                      output_names=output_names, input_shape=input_shape, layout=layout, mean_values=mean_values,
                      scale_values=scale_values, reverse_input_channels=reverse_input_channels,
                      precision=precision, input_precision=input_precision, output_precision=output_precision,
                      shaves=shaves, cache=cache, custom_layers=custom_layers, decode=decode,
                      score_threshold=score_threshold, iou_threshold=iou_threshold, max_detections=max_detections)
    return blob.write(output)


def build_blob(model, *, weights=None, example_input=None, input_names=None, output_names=None,
               input_shape=None, layout=None, mean_values=None, scale_values=None, reverse_input_channels=False,
               precision="FP32", input_precision=None, output_precision="FP16", shaves=None,
               cache=True, custom_layers=None, decode=None, score_threshold=None, iou_threshold=None,
               max_detections=None) -> ModelBlob:
    """`convert` without writing: the ModelBlob."""
    from . import openvino_backend as backend
    ov = backend.openvino()
    table = _custom_layer_table(custom_layers)
    precision = _choice(precision, PRECISIONS, "precision")
    if shaves is not None and (isinstance(shaves, bool) or not isinstance(shaves, int) or not 1 <= shaves <= 16):
        raise ConversionError(f"shaves: expected a whole number from 1 to 16, got {shaves!r}")
    scheme, decode_options = _decoding(decode, score_threshold, iou_threshold, max_detections)

    with tempfile.TemporaryDirectory(prefix="oakling-convert-") as tmp:
        ov_model, source = _read(model, Path(tmp), weights, example_input, input_names, output_names, table)
        where = source["file"]
        names = [_name(i) for i in ov_model.inputs]
        shapes = _fix_shapes(ov_model, names, _per_input(input_shape, names, "input_shape", where), where)
        layouts = _layouts(ov_model, names, shapes, _per_input(layout, names, "layout", where), where)
        means = _values(_per_input(mean_values, names, "mean_values", where, every=True), "mean_values")
        scales = _values(_per_input(scale_values, names, "scale_values", where, every=True), "scale_values")
        in_types = {n: _choice(v, INPUT_PRECISIONS, f"input_precision for '{n}'")
                    for n, v in _per_input(input_precision, names, "input_precision", where, every=True).items()}
        reverse = _reverse(reverse_input_channels, names, shapes, layouts, where)
        decoding = None
        if scheme is not None:
            ov_model, decoding = _append_decoding(ov_model, scheme, decode_options, where)
        out_names = [_name(o, f"output{i}") for i, o in enumerate(ov_model.outputs)]
        out_types = {n: _choice(v, OUTPUT_PRECISIONS, f"output_precision for '{n}'")
                     for n, v in _per_output(output_precision, out_names, ov_model, where).items()}
        preprocess = _preprocess(ov, ov_model, names, shapes, layouts, means, scales, in_types, reverse, out_types,
                                 where)
        if table is not None:
            from .custom_layers import keep_channels_last
            keep_channels_last(ov_model)

        ov.save_model(ov_model, str(Path(tmp) / "model.xml"), compress_to_fp16=precision == "FP16")
        xml, bin_ = (Path(tmp) / "model.xml").read_bytes(), (Path(tmp) / "model.bin").read_bytes()

    if table is not None:
        from .custom_layers import register
        register(backend.core())
    final = backend.read_ir(xml, bin_)
    custom = _prepare_custom_layers(table, final, where)
    threads = shaves or 0
    meta = {
        "format": FORMAT_VERSION if custom else PLAIN_FORMAT,
        "producer": f"oakling {_oakling_version()}",
        "openvino": ov.get_version(),
        "source": source,
        "precision": precision,
        "threads": threads,
        "layers": len(final.get_ordered_ops()),
        "inputs": [dict(_spec(port, _final_layout(layouts.get(_name(port)))).to_json(),
                        preprocess=preprocess[_name(port)]) for port in final.inputs],
        "outputs": [_spec(port, "", f"output{i}").to_json() for i, port in enumerate(final.outputs)],
        "options": {"input_shape": {n: list(s) for n, s in shapes.items() if n in _given(input_shape, names)},
                    "layout": {n: "->".join(filter(None, lay)) for n, lay in layouts.items()
                               if n in _given(layout, names)},
                    "mean_values": means, "scale_values": scales, "reverse_input_channels": sorted(reverse),
                    "input_precision": in_types, "output_precision": out_types, "precision": precision,
                    "shaves": shaves},
        "cache": None,
    }
    if decoding:
        meta["decoding"] = decoding
        meta["options"].update(decode=decoding["scheme"], **decode_options)
    if custom:
        meta["custom_layers"] = custom
    cache_bytes = None
    if cache:
        cache_bytes, meta["cache"] = backend.export_cache(final, precision, threads)
    return ModelBlob(meta, xml, bin_, cache_bytes, table.files() if custom else None)


def _decoding(decode, score_threshold, iou_threshold, max_detections):
    """(the decoding.Scheme, its options), or (None, None) without `decode`."""
    from . import decoding
    if decode is None:
        given = [k for k, v in (("score_threshold", score_threshold), ("iou_threshold", iou_threshold),
                                ("max_detections", max_detections)) if v is not None]
        if given:
            raise ConversionError(f"{', '.join(given)}: only with decode=… (--decode SCHEME): they set the decoding "
                                  f"added to the model — the schemes are {', '.join(decoding.SCHEMES)}")
        return None, None
    try:
        return decoding.scheme(decode), decoding.options(score_threshold, iou_threshold, max_detections)
    except decoding.DecodingError as e:
        raise ConversionError(str(e)) from None


def _append_decoding(ov_model, scheme, options, where):
    from . import decoding
    try:
        return decoding.append(ov_model, scheme, options, where)
    except decoding.DecodingError as e:
        raise ConversionError(str(e)) from None


def _custom_layer_table(custom_layers):
    """The CustomLayerTable of a binding XML (a path or a Bindings), or None."""
    if custom_layers is None:
        return None
    from ..kernels.bindings import BindingError, Bindings
    from .custom_layers import CustomLayerTable
    try:
        bindings = custom_layers if isinstance(custom_layers, Bindings) else Bindings.read(custom_layers)
    except BindingError as e:
        raise ConversionError(str(e)) from None
    return CustomLayerTable(bindings)


def _prepare_custom_layers(table, final, where: str) -> dict | None:
    """Build and check the kernels of the model's custom layers; their metadata, or None if it has none."""
    if table is None:
        return None
    from .custom_layers import CustomLayerConversionError
    try:
        custom = table.prepare(final)
    except CustomLayerConversionError as e:
        raise ConversionError(f"{where}: {e}") from None
    if not custom["layers"]:
        warnings.warn(f"{where}: {table.bindings.file} binds {', '.join(table.bindings.types)}, and the model has "
                      f"no layer of {'those types' if len(table.bindings.types) > 1 else 'that type'}")
        return None
    return custom


def model_io_names(model, weights=None, float_outputs_only: bool = False,
                   custom_layers=None) -> tuple[list[str], list[str]]:
    """The input and output names of a model file, as the blob will name them."""
    with tempfile.TemporaryDirectory(prefix="oakling-convert-") as tmp:
        ov_model, _ = _read(model, Path(tmp), weights, None, None, None, _custom_layer_table(custom_layers))
    outputs = [_name(o, f"output{i}") for i, o in enumerate(ov_model.outputs)
               if not float_outputs_only or o.get_element_type().is_real()]
    return [_name(i) for i in ov_model.inputs], outputs


# ------------------------------------------------------------------------------------------------
# Reading the source model
# ------------------------------------------------------------------------------------------------

def _read(model, tmp: Path, weights, example_input, input_names, output_names, table=None):
    """(ov.Model, source description: kind, file, sha256). With a CustomLayerTable, the layers it binds
    become custom-layer operations."""
    from .openvino_backend import core
    if _is_torch_module(model):
        data = _export_torch(model, example_input, input_names, output_names)
        path = tmp / "exported.onnx"
        path.write_bytes(data)
        source = {"kind": "pytorch", "file": f"{type(model).__name__} (PyTorch)", "sha256": _sha256(data)}
        return _read_file(core, path, None, source, table, tmp), source
    if type(model).__name__ == "ModelProto" and hasattr(model, "SerializeToString"):
        data = model.SerializeToString()
        path = tmp / "model.onnx"
        path.write_bytes(data)
        source = {"kind": "onnx", "file": "the ONNX model", "sha256": _sha256(data)}
        return _read_file(core, path, None, source, table, tmp), source
    if not isinstance(model, (str, Path)):
        raise ConversionError(f"expected a model file path (.onnx, .tflite, .xml), an onnx.ModelProto or a "
                              f"torch.nn.Module, got {type(model).__name__}")
    path = Path(model)
    if not path.is_file():
        raise ConversionError(f"{path}: no such file")
    kind = MODEL_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        if path.suffix.lower() == ".blob":
            from .blob import check_not_myriadx
            check_not_myriadx(path.read_bytes(), str(path))
            raise ConversionError(f"{path} is already a blob — convert the model it was made from "
                                  f"(.onnx, .tflite, .xml)")
        raise ConversionError(f"{path}: oakling converts ONNX (.onnx), TFLite (.tflite) and OpenVINO IR (.xml + .bin) "
                              f"files, and PyTorch modules from Python (oakling.models.convert) — export the model "
                              f"to ONNX first")
    data = path.read_bytes()
    if kind == "openvino-ir":
        weights = Path(weights) if weights is not None else path.with_suffix(".bin")
        if not weights.is_file():
            raise ConversionError(f"{path}: its weights file {weights} does not exist — put the .bin beside the "
                                  f".xml, or give it with --weights")
        data += weights.read_bytes()
    source = {"kind": kind, "file": path.name, "sha256": _sha256(data)}
    return _read_file(core, path, weights if kind == "openvino-ir" else None, source, table, tmp), source


def _read_file(core, path: Path, weights, source, table=None, tmp: Path | None = None):
    if table is None:
        try:
            return core().read_model(str(path), str(weights)) if weights else core().read_model(str(path))
        except Exception as e:
            raise _read_error(e, path, source) from None
    from . import custom_layers
    table.seal(source["sha256"])
    try:
        if source["kind"] in ("onnx", "pytorch"):
            return custom_layers.read_onnx(path, table, tmp)
        if source["kind"] == "openvino-ir":
            rewritten = tmp / "custom_layers.xml"
            rewritten.write_bytes(custom_layers.rewrite_ir(path.read_bytes(), table))
            custom_layers.register(core())
            return core().read_model(str(rewritten), str(weights))
    except custom_layers.CustomLayerConversionError as e:
        raise ConversionError(f"{source['file']}: {e}") from None
    except ConversionError:
        raise
    except Exception as e:
        raise _read_error(e, path, source, table) from None
    raise ConversionError(f"{source['file']}: custom layers are bound in ONNX models and OpenVINO IRs, not in "
                          f"{source['kind']} models — convert the model to ONNX first")


def _read_error(e: Exception, path: Path, source: dict, table=None) -> ConversionError:
    text = str(e)
    where = source["file"]
    unknown_ir = (re.search(r"doesn't contain the operation with type: (\w+)", text)
                  or re.search(r"Cannot create (\w+) layer", text))
    if unknown_ir and table is not None:
        said, fix = _bound_types(table, [unknown_ir.group(1)])
        return ConversionError(f"{where}: OpenVINO does not know layer type '{unknown_ir.group(1)}', and {said} — "
                               f"{fix}replace the layer with operations OpenVINO has")
    unsupported = re.search(r"No conversion rule found for operations?:\s*(.+)", text)
    if unsupported:
        ops = [op.strip() for op in unsupported.group(1).split(",") if op.strip()]
        described = [_describe_op(op, path, source["kind"]) for op in ops]
        said, fix = "", ""
        if table is not None:
            said, fix = _bound_types(table, [re.sub(r"-\d+$", "", op).rsplit(".", 1)[-1] for op in ops])
            said = f", and {said}"
        return ConversionError(
            f"{where}: OpenVINO cannot convert {'this operation' if len(ops) == 1 else 'these operations'}: "
            f"{'; '.join(described)}{said} — {fix}rewrite that part of the model with standard "
            f"{'ONNX' if source['kind'] in ('onnx', 'pytorch') else source['kind']} operations that OpenVINO "
            f"supports (for PyTorch: in forward(), then export again), and convert again")
    from .openvino_backend import openvino_reason
    return ConversionError(f"{where}: OpenVINO could not read the model: {openvino_reason(text)}")


def _bound_types(table, names) -> tuple[str, str]:
    """(what the bindings bind, the fix) for layer types `names` they do not bind."""
    file = table.bindings.file
    said = f"{file} binds no layer of type {', '.join(repr(n) for n in names)} (it binds {', '.join(table.bindings.types)})"
    return said, f"add <CustomLayer name=\"{names[0]}\" type=\"MVCL\" version=\"1\"> with its kernel to {file}, or "


def _describe_op(op: str, path: Path, kind: str) -> str:
    """'FooBar' (domain 'my.custom', node 'n1') from OpenVINO's "my.custom.FooBar" / "NotAnOp-13"."""
    name = re.sub(r"-\d+$", "", op)
    domain = ""
    if "." in name:
        domain, name = name.rsplit(".", 1)
    details = [f"domain '{domain}'"] if domain else []
    if kind in ("onnx", "pytorch"):
        nodes = _onnx_nodes(path, name, domain)
        if nodes:
            details.append(f"node{'s' if len(nodes) > 1 else ''} {', '.join(repr(n) for n in nodes[:5])}"
                           f"{' …' if len(nodes) > 5 else ''}")
    return f"'{name}'" + (f" ({', '.join(details)})" if details else "")


def _onnx_nodes(path: Path, op_type: str, domain: str) -> list[str]:
    try:
        import onnx
        graph = onnx.load(str(path), load_external_data=False).graph
    except Exception:
        return []
    return [n.name or f"#{i}" for i, n in enumerate(graph.node)
            if n.op_type == op_type and (n.domain or "") in (domain, "ai.onnx" if not domain else domain)]


def _is_torch_module(model) -> bool:
    return any(c.__module__.startswith("torch.nn") and c.__name__ == "Module" for c in type(model).__mro__)


def _export_torch(module, example_input, input_names, output_names) -> bytes:
    import torch
    if example_input is None:
        raise ConversionError(f"{type(module).__name__} (PyTorch): give example_input=… — a tensor, or a tuple of "
                              f"tensors, of the shapes the model takes (e.g. torch.rand(1, 3, 224, 224))")
    args = tuple(example_input) if isinstance(example_input, (tuple, list)) else (example_input,)
    if input_names is None:
        params = [p.name for p in inspect.signature(module.forward).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        input_names = params[:len(args)] if len(params) >= len(args) else [f"input{i}" for i in range(len(args))]
    with torch.no_grad():
        result = module(*args)
    count = len(result) if isinstance(result, (tuple, list)) else 1
    if output_names is None:
        output_names = ["output"] if count == 1 else [f"output{i}" for i in range(count)]
    buffer = io.BytesIO()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(module, args, buffer, dynamo=False, opset_version=ONNX_OPSET,
                              do_constant_folding=True, input_names=list(input_names),
                              output_names=list(output_names))
    except Exception as e:
        raise ConversionError(f"{type(module).__name__} (PyTorch): the export to ONNX failed: "
                              f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''} — "
                              f"rewrite that part of forward() with operations ONNX supports") from None
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------------
# Options
# ------------------------------------------------------------------------------------------------

def _name(port, default: str = "") -> str:
    names = port.get_names()
    if not names:
        return default
    try:
        return port.get_any_name()
    except RuntimeError:
        return sorted(names)[0]


def _choice(value, allowed, what: str) -> str:
    text = str(value).upper() if value is not None else ""
    if text == "F16":
        text = "FP16"
    if text == "F32":
        text = "FP32"
    if text not in allowed:
        raise ConversionError(f"{what}: expected one of {', '.join(allowed)}, got {value!r}")
    return text


def _given(option, names) -> set:
    if option is None:
        return set()
    return set(option) if isinstance(option, dict) else set(names)


def _check_names(value: dict, names, kind: str, what: str, where: str):
    """Every key of `value` names one of the model's inputs (or outputs)."""
    unknown = [k for k in value if k not in names]
    if unknown:
        raise ConversionError(f"{what}: {where} has no {kind} {', '.join(repr(k) for k in unknown)} — its "
                              f"{kind}s are {names}")


def _per_input(value, names, what: str, where: str, every: bool = False) -> dict:
    """{input name: value}: a dict is checked against the model's inputs; one value goes to every
    input when `every`, else to the only input."""
    if value is None:
        return {}
    if isinstance(value, dict):
        _check_names(value, names, "input", what, where)
        return dict(value)
    if every or len(names) == 1:
        return {n: value for n in names}
    raise ConversionError(f"{what}: {where} has {len(names)} inputs {names} — say which one the value is for, "
                          f"e.g. --{what.replace('_', '-')} {names[0]}:… (Python: {what}={{'{names[0]}': …}})")


def _per_output(value, names, ov_model, where: str) -> dict:
    """{output name: precision}: one value is for every floating-point output (integer outputs, such as
    indices, stay as they are); a dict names outputs, and the other float outputs get FP16."""
    floats = [n for n, port in zip(names, ov_model.outputs) if port.get_element_type().is_real()]
    if value is None:
        return {}
    if isinstance(value, dict):
        _check_names(value, names, "output", "output_precision", where)
        return {**{n: "FP16" for n in floats}, **value}
    return {n: value for n in floats}


def _shape_text(dims) -> str:
    return "[" + ",".join("?" if d is None or d < 0 else str(d) for d in dims) + "]"


def _fix_shapes(ov_model, names, given: dict, where: str) -> dict:
    """Reshape to the given shapes; every input must end up static. {name: shape}."""
    shapes, problems = {}, []
    for port, name in zip(ov_model.inputs, names):
        partial = port.get_partial_shape()
        if partial.rank.is_dynamic:
            current = None
        else:
            current = [d.get_length() if d.is_static else None for d in partial]
        if name in given:
            shape = [int(d) for d in given[name]]
            if current is not None:
                if len(shape) != len(current):
                    raise ConversionError(f"input_shape for '{name}': {where}'s input '{name}' has {len(current)} "
                                          f"dimensions {_shape_text(current)}, the shape given has {len(shape)} "
                                          f"{_shape_text(shape)}")
                for i, (want, have) in enumerate(zip(shape, current)):
                    if have is not None and want != have:
                        raise ConversionError(f"input_shape for '{name}': dimension {i} of input '{name}' is fixed "
                                              f"at {have} in {where} ({_shape_text(current)}), the shape given "
                                              f"says {want} — keep {have} there")
            if any(d <= 0 for d in shape):
                raise ConversionError(f"input_shape for '{name}': sizes must be positive, got {_shape_text(shape)}")
            shapes[name] = shape
        elif current is None or None in current:
            problems.append((name, current))
        else:
            shapes[name] = current
    if problems:
        parts, examples = [], []
        for name, current in problems:
            parts.append(f"input '{name}' has a dynamic shape {_shape_text(current) if current else '(any rank)'}")
            if current:
                proposal = [1 if (d is None and i == 0) else d for i, d in enumerate(current)]
                examples.append(f"{name}:{_shape_text(proposal)}")
            else:
                examples.append(f"{name}:[1,3,224,224]")
        unknown = any("?" in e for e in examples)
        raise ConversionError(f"{where}: {'; '.join(parts)} — the blob needs fixed shapes: give "
                              f"{' '.join('--input-shape ' + e for e in examples)}"
                              f"{' (with each ? replaced by a size)' if unknown else ''} "
                              f"(Python: input_shape={{'{problems[0][0]}': [...]}})")
    if given:
        try:
            ov_model.reshape({name: shapes[name] for name in given})
        except Exception as e:
            raise ConversionError(f"{where}: the model cannot take the shapes "
                                  f"{ {n: shapes[n] for n in given} }: {str(e).strip().splitlines()[-1]}") from None
    return shapes


def _layouts(ov_model, names, shapes, given: dict, where: str) -> dict:
    """{name: (model layout or "", blob layout or "")}: the model's layout (given, or guessed for image
    inputs) and, when given as "MODEL->BLOB", the layout the blob takes."""
    layouts = {}
    for name in names:
        shape = shapes[name]
        if name in given:
            text = str(given[name]).replace(" ", "").upper()
            parts = text.split("->")
            if len(parts) > 2 or not all(re.fullmatch(r"[A-Z?.]+", p) for p in parts):
                raise ConversionError(f"layout for '{name}': expected letters like NCHW, or NCHW->NHWC, got "
                                      f"{given[name]!r}")
            model_layout, tensor_layout = parts[0], (parts[1] if len(parts) == 2 else "")
            for lay in filter(None, (model_layout, tensor_layout)):
                if len(lay) != len(shape):
                    raise ConversionError(f"layout for '{name}': {lay} has {len(lay)} letters, input '{name}' "
                                          f"has {len(shape)} dimensions {_shape_text(shape)}")
            if tensor_layout and sorted(tensor_layout) != sorted(model_layout):
                raise ConversionError(f"layout for '{name}': {model_layout}->{tensor_layout} must use the same "
                                      f"letters on both sides")
            layouts[name] = (model_layout, tensor_layout)
        else:
            layouts[name] = (image_layout(TensorSpec(name, tuple(shape), "FP32")), "")
    return layouts


def _final_layout(layout) -> str:
    if not layout:
        return ""
    model_layout, tensor_layout = layout
    return tensor_layout or model_layout


def _values(per_input: dict, what: str) -> dict:
    out = {}
    for name, value in per_input.items():
        values = [value] if isinstance(value, (int, float)) else list(value)
        try:
            out[name] = [float(v) for v in values]
        except (TypeError, ValueError):
            raise ConversionError(f"{what} for '{name}': expected numbers, got {value!r}") from None
        if not out[name]:
            raise ConversionError(f"{what} for '{name}': expected at least one value")
        if what == "scale_values" and any(v == 0 for v in out[name]):
            raise ConversionError(f"scale_values for '{name}': a scale of 0 divides by zero — use 1 for no scaling")
    return out


def _channels(name, shapes, layouts) -> int | None:
    model_layout = layouts[name][0]
    if model_layout and "C" in model_layout:
        return shapes[name][model_layout.index("C")]
    return None


def _reverse(option, names, shapes, layouts, where) -> set:
    if option is None or option is False:
        return set()
    if option is True:
        return {n for n in names if _channels(n, shapes, layouts) == 3}
    chosen = [option] if isinstance(option, str) else list(option)
    for name in chosen:
        if name not in names:
            raise ConversionError(f"reverse_input_channels: {where} has no input '{name}' — its inputs are {names}")
        if _channels(name, shapes, layouts) != 3:
            raise ConversionError(f"reverse_input_channels for '{name}': the input {_shape_text(shapes[name])} has no "
                                  f"3-channel dimension oakling knows of — give its layout (--layout {name}:NCHW)")
    return set(chosen)


def _preprocess(ov, ov_model, names, shapes, layouts, means, scales, in_types, reverse, out_types, where) -> dict:
    """Put the preprocessing into the graph; returns what was done per input (for the metadata)."""
    from openvino.preprocess import PrePostProcessor
    done = {}
    needed = any(layouts[n][1] for n in names) or means or scales or in_types or reverse or out_types
    ppp = PrePostProcessor(ov_model) if needed else None
    for port, name in zip(list(ov_model.inputs), names):
        model_layout, tensor_layout = layouts[name]
        channels = _channels(name, shapes, layouts)
        for what, per_input in (("mean_values", means), ("scale_values", scales)):
            values = per_input.get(name)
            if values and len(values) > 1 and len(values) != channels:
                layout_hint = {2: "NC", 3: "CHW", 4: "NCHW", 5: "NCDHW"}.get(len(shapes[name]), "NCHW")
                fix = (f"give {channels} values or one" if channels else
                       f"give one value, or the layout (--layout {name}:{layout_hint}) so that oakling knows "
                       f"the channels")
                raise ConversionError(f"{what} for '{name}': {len(values)} values for input '{name}' "
                                      f"{_shape_text(shapes[name])}{f' with {channels} channels' if channels else ''}"
                                      f" — {fix}")
        record = {"mean": means.get(name), "scale": scales.get(name), "reverse_channels": name in reverse,
                  "model_layout": model_layout, "model_dtype": dtype_of(port.get_element_type())}
        done[name] = record
        if ppp is None:
            continue
        inp = ppp.input(name)
        if model_layout:
            inp.model().set_layout(ov.Layout(model_layout))
            inp.tensor().set_layout(ov.Layout(tensor_layout or model_layout))
        if name in in_types:
            inp.tensor().set_element_type(_ov_element(ov, in_types[name]))
        if name in reverse or name in means or name in scales:
            steps = inp.preprocess()
            model_type = port.get_element_type()
            steps.convert_element_type(model_type if model_type.is_real() else ov.Type.f32)
            if name in reverse:
                steps.reverse_channels()
            if name in means:
                steps.mean(means[name] if len(means[name]) > 1 else means[name][0])
            if name in scales:
                steps.scale(scales[name] if len(scales[name]) > 1 else scales[name][0])
    if ppp is not None:
        for i, port in enumerate(list(ov_model.outputs)):
            name = _name(port, f"output{i}")
            if name in out_types:
                ppp.output(i).tensor().set_element_type(_ov_element(ov, out_types[name]))
        try:
            ppp.build()
        except Exception as e:
            raise ConversionError(f"{where}: the preprocessing asked for cannot be added: "
                                  f"{str(e).strip().splitlines()[-1]}") from None
    return done


def _ov_element(ov, precision: str):
    return {"U8": ov.Type.u8, "U16": ov.Type.u16, "FP16": ov.Type.f16, "FP32": ov.Type.f32}[precision]


def _spec(port, layout: str, default_name: str = "") -> TensorSpec:
    partial = port.get_partial_shape()
    shape = tuple(d.get_length() if d.is_static else -1 for d in partial) if partial.rank.is_static else ()
    dtype = dtype_of(port.get_element_type())
    if dtype not in DTYPES:
        raise ConversionError(f"'{_name(port, default_name)}' has element type {dtype}, which oakling cannot pass "
                              f"in messages — change the model to use a numeric type")
    return TensorSpec(_name(port, default_name), shape, dtype, layout)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _oakling_version() -> str:
    from ..version import __version__
    return __version__
