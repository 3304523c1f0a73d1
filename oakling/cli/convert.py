"""`oakling convert`: turn an ONNX, TFLite or OpenVINO IR model into a blob for NeuralNetwork.

    oakling convert model.onnx -o model.blob
    oakling convert yolo.onnx --input-shape 1,3,416,416 -ip U8 --scale-values 255 --reverse-input-channels
    oakling convert net.onnx --custom-layers bindings.xml     # layers bound there run OpenCL kernels

The options are those of Model Optimizer (mo) and compile_tool, so blobconverter recipes carry
over; their underscore spellings (--mean_values, --input_shape, …) are accepted too. A PyTorch
module is converted from Python: `oakling.models.convert(module, "net.blob", example_input=…)`.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .usage import USAGE_EXIT, argparse_exit_code

SUMMARY = "convert an ONNX, TFLite or OpenVINO IR model into a .blob for NeuralNetwork"
ERROR_EXIT = 1

DESCRIPTION = """\
Converts MODEL (ONNX .onnx, TFLite .tflite, or OpenVINO IR .xml with its .bin) into an oakling blob
that dai.node.NeuralNetwork runs (nn.setBlobPath("model.blob")). The blob holds the model, the
preprocessing asked for here, and a compiled cache for this machine.

Nothing is added to the model unless asked: no mean, no scale, no channel swap, and inputs keep the
model's element type. For camera frames, give --input-precision U8 (frames are bytes) and the
normalisation the model was trained with; frames are BGR unless the camera says RGB.

Options that concern one input take NAME:VALUE (or MO's NAME[VALUES]); without a name they apply to
the model's only input (--input-shape, --layout) or to every input (the others)."""

EPILOG = """\
examples:
  oakling convert mobilenet.onnx -o mobilenet.blob -ip U8 --mean-values 123.7,116.3,103.5 \\
      --scale-values 58.4,57.1,57.4 --reverse-input-channels
                            BGR camera frames (U8, planar) into a model trained on normalised RGB
  oakling convert yolo.onnx --input-shape 1,3,416,416 -ip U8 --scale-values 255
                            a dynamic-shape model fixed at 416x416, pixels scaled to [0,1]
  oakling convert net.onnx --layout NCHW->NHWC -ip U8
                            the blob takes interleaved frames (ColorCamera's default preview)
  oakling convert net.xml --precision FP16 --shaves 6
                            an IR with FP16 weights; 6 shaves → 6 CPU threads per inference at most
  oakling convert net.onnx --custom-layers bindings.xml
                            the layers bindings.xml binds (OpenVINO's VPU custom-layer XML) run
                            through its OpenCL kernels; they travel in the blob
  oakling convert face_detection_short_range.tflite --decode blazeface-short \\
      -ip U8 --mean-values 127.5 --scale-values 127.5 --reverse-input-channels
                            BlazeFace's raw outputs decoded in the blob (boxes, NMS) into
                            DetectionOutput rows, for MobileNetDetectionNetwork

output precision: float outputs are FP16 unless -op FP32 (gen2 code reads them with getLayerFp16).
Then `oakling inspect model.blob` shows what the blob takes and gives."""


def build_parser(prog: str = "oakling convert") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False)
    parser.add_argument("model", help="the model: .onnx, .tflite, or .xml (OpenVINO IR)")
    parser.add_argument("-o", "--output", metavar="BLOB", help="where to write the blob (default: MODEL with .blob)")
    parser.add_argument("--weights", metavar="BIN", help="an IR's weights (default: the .bin beside the .xml)")
    parser.add_argument("--input-shape", "--input_shape", action="append", default=[], metavar="[NAME:]SHAPE",
                        help="fix an input's shape, e.g. 1,3,416,416 or images:[1,3,416,416]; needed for dynamic "
                             "shapes; repeatable")
    parser.add_argument("--layout", action="append", default=[], metavar="[NAME:]LAYOUT",
                        help="the model's layout (NCHW, NHWC, NC, …), or MODEL->BLOB (NCHW->NHWC) for the blob to "
                             "take another; repeatable")
    parser.add_argument("--mean-values", "--mean_values", action="append", default=[], metavar="[NAME:]VALUES",
                        help="subtracted from the input, one value or one per channel: 127.5,127.5,127.5; "
                             "repeatable")
    parser.add_argument("--scale-values", "--scale_values", action="append", default=[], metavar="[NAME:]VALUES",
                        help="the input (after the mean) is divided by these: 255, or one per channel; repeatable")
    parser.add_argument("--reverse-input-channels", "--reverse_input_channels", action="store_true",
                        help="swap RGB <-> BGR on every 3-channel input (before mean and scale, so their "
                             "values are in the model's channel order)")
    parser.add_argument("--precision", "--data-type", "--data_type", "-dt", type=str.upper,
                        choices=("FP32", "FP16"), default="FP32",
                        help="weights and inference precision (default FP32; FP16 as on the VPU)")
    parser.add_argument("-ip", "--input-precision", action="append", default=[], metavar="[NAME:]TYPE",
                        help="element type the blob takes: U8 (camera frames), U16 (depth), FP16 or FP32; name:TYPE "
                             "for one input, a:U8,b:FP16 for several; default: the model's own")
    parser.add_argument("-op", "--output-precision", action="append", default=[], metavar="[NAME:]TYPE",
                        help="element type of float outputs: FP16 (default) or FP32")
    parser.add_argument("-iop", action="append", default=[], metavar="NAME:TYPE,…",
                        help="compile_tool's per-layer precision: names of inputs or outputs with their types")
    parser.add_argument("-sh", "--shaves", type=int, metavar="N",
                        help="accepted from blobconverter (1-16): at most N CPU threads per inference")
    parser.add_argument("--custom-layers", metavar="XML",
                        help="a VPU custom-layer binding XML: the layers it binds run through its OpenCL kernels")
    parser.add_argument("--decode", metavar="SCHEME",
                        help="decode raw box and score outputs over an anchor grid inside the model, with NMS, into "
                             "DetectionOutput rows [1,1,N,7] for MobileNetDetectionNetwork: blazeface-short, "
                             "blazeface-back or blazeface-full")
    parser.add_argument("--score-threshold", type=float, metavar="S",
                        help="with --decode: boxes scoring less are dropped (default 0.5)")
    parser.add_argument("--iou-threshold", type=float, metavar="T",
                        help="with --decode: a box overlapping a more confident one by more is dropped (default 0.3)")
    parser.add_argument("--max-detections", type=int, metavar="N",
                        help="with --decode: the rows of the output, at most N boxes (default 100)")
    parser.add_argument("--no-cache", action="store_true",
                        help="leave out the compiled cache (smaller blob; compiled when loaded)")
    return parser


class OptionError(ValueError):
    pass


def split_name(spec: str) -> tuple[str | None, str]:
    """'images:1,3,8,8' / 'images[1,3,8,8]' / 'images:[…]' → ('images', '1,3,8,8'); '1,3,8,8' → (None, …)."""
    text = spec.strip()
    if text.endswith("]") and "[" in text:
        name, values = text[:-1].split("[", 1)
        name = name.rstrip(":").strip()
        return (name or None), values
    if ":" in text:
        name, value = text.rsplit(":", 1)
        return name.strip() or None, value.strip()
    return None, text


def _numbers(text: str, kind, what: str) -> list:
    parts = [p for p in text.replace(" ", ",").split(",") if p]
    try:
        return [kind(p) for p in parts]
    except ValueError:
        raise OptionError(f"{what}: expected numbers separated by commas, got {text!r}") from None


def per_input(specs: list[str], parse, what: str):
    """The values of a repeatable NAME:VALUE option: None, one value for every input, or {name: value}."""
    if not specs:
        return None
    unnamed, named = None, {}
    for spec in specs:
        name, value = split_name(spec)
        if name is None:
            unnamed = parse(value)
        else:
            named[name] = parse(value)
    if unnamed is not None and named:
        raise OptionError(f"{what}: give it for every input by name, or once without a name — not both")
    return named or unnamed


def precisions(specs: list[str], what: str):
    """-ip U8 / -ip images:U8 / -ip a:U8,b:FP16."""
    items = [item for spec in specs for item in spec.split(",") if item.strip()]
    return per_input(items, lambda v: v.strip().upper(), what)


def options(args) -> dict:
    iop = precisions(args.iop, "-iop") or {}
    if not isinstance(iop, dict):
        raise OptionError("-iop: give NAME:TYPE pairs, e.g. -iop images:U8,output:FP32")
    return {
        "weights": args.weights,
        "input_shape": per_input(args.input_shape, lambda v: _numbers(v, int, "--input-shape"), "--input-shape"),
        "layout": per_input(args.layout, str.strip, "--layout"),
        "mean_values": per_input(args.mean_values, lambda v: _numbers(v, float, "--mean-values"), "--mean-values"),
        "scale_values": per_input(args.scale_values, lambda v: _numbers(v, float, "--scale-values"),
                                  "--scale-values"),
        "reverse_input_channels": args.reverse_input_channels,
        "precision": args.precision,
        "input_precision": precisions(args.input_precision, "--input-precision"),
        "output_precision": precisions(args.output_precision, "--output-precision") or "FP16",
        "shaves": args.shaves,
        "cache": not args.no_cache,
        "custom_layers": args.custom_layers,
        "decode": args.decode,
        "score_threshold": args.score_threshold,
        "iou_threshold": args.iou_threshold,
        "max_detections": args.max_detections,
    }, iop


def main(argv: list[str], prog: str = "oakling convert") -> int:
    parser = build_parser(prog)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:
        return argparse_exit_code(exit)
    try:
        opts, iop = options(args)
    except OptionError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return USAGE_EXIT
    from ..models.blob import ModelBlob
    from ..models.converter import convert
    from .inspect_blob import describe
    try:
        if iop:
            opts = _apply_iop(opts, iop, args.model, opts["weights"], opts["custom_layers"])
        path = convert(args.model, args.output, **opts)
        blob = ModelBlob.read(path)
    except (RuntimeError, OptionError) as e:   # ConversionError, BlobError, OpenVINO missing
        print(f"{prog}: error: {e}", file=sys.stderr)
        return ERROR_EXIT
    print(f"wrote {path} ({Path(path).stat().st_size:,} bytes, {blob.precision})")
    for line in describe(blob):
        print(line)
    return 0


def _apply_iop(opts: dict, iop: dict, model, weights, custom_layers=None) -> dict:
    """Split compile_tool's -iop between inputs and outputs: read the model's input names."""
    from ..models.converter import model_io_names
    inputs, outputs = model_io_names(model, weights, custom_layers=custom_layers)
    in_types = dict(opts["input_precision"]) if isinstance(opts["input_precision"], dict) else (
        {n: opts["input_precision"] for n in inputs} if opts["input_precision"] else {})
    out_types = dict(opts["output_precision"]) if isinstance(opts["output_precision"], dict) else {}
    for name, value in iop.items():
        if name in inputs:
            in_types[name] = value
        elif name in outputs:
            out_types[name] = value
        else:
            raise OptionError(f"-iop: the model has no input or output '{name}' — inputs {inputs}, outputs {outputs}")
    opts = dict(opts, input_precision=in_types or None)
    if out_types:
        if isinstance(opts["output_precision"], str):   # -op TYPE for the other float outputs
            floats = model_io_names(model, weights, float_outputs_only=True, custom_layers=custom_layers)[1]
            out_types = {**{n: opts["output_precision"] for n in floats}, **out_types}
        opts["output_precision"] = out_types
    return opts
