"""`oakling inspect`: what a blob takes and gives, as compile_tool printed it, plus what oakling adds.

    oakling inspect model.blob
    oakling inspect --json model.blob

A MyriadX blob is recognised and refused with the `oakling convert` command to use instead.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .usage import argparse_exit_code

SUMMARY = "show a blob's inputs, outputs, preprocessing and compiled cache"
ERROR_EXIT = 1

DESCRIPTION = """\
Prints a blob's network inputs and outputs the way OpenVINO's compile_tool did (name : element
type / layout, then the shape), the preprocessing inside it (mean, scale, reverse channels), the
model it was converted from, its precision, and whether its compiled cache fits this machine (if not,
the model is compiled from the IR when a pipeline loads it, which takes a little longer)."""

EPILOG = """\
example:
  $ oakling inspect net.blob
  net.blob: oakling blob (format 1), 19,402 bytes, FP32
    converted from net.onnx (onnx, sha256 8afae67b9c01…) by oakling 0.1.0 with OpenVINO 2026.4.1
  Network inputs:
      images : U8 / NCHW [1,3,16,16] planar; scale [255], reverse channels, model takes FP32
  Network outputs:
      features : FP16 / NCHW [1,4,16,16]
      pooled : FP16 / NC [1,4]
  Compiled cache: OpenVINO 2026.4.1, AMD EPYC CPU — fits this machine: used when the blob is loaded"""

_DEFAULT_ORDER = {1: "C", 2: "NC", 3: "CHW", 4: "NCHW"}


def build_parser(prog: str = "oakling inspect") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False)
    parser.add_argument("blob", help="a .blob made by `oakling convert`")
    parser.add_argument("--json", action="store_true", help="print the blob's metadata as JSON instead")
    return parser


def main(argv: list[str], prog: str = "oakling inspect") -> int:
    parser = build_parser(prog)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:
        return argparse_exit_code(exit)
    from ..models.blob import BlobError, ModelBlob
    path = Path(args.blob)
    try:
        blob = ModelBlob.read(path)
    except BlobError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return ERROR_EXIT
    if args.json:
        print(json.dumps(blob.meta, indent=2, sort_keys=True))
        return 0
    size = path.stat().st_size
    print(f"{path.name}: oakling blob (format {blob.meta.get('format', '?')}), {size:,} bytes, {blob.precision}")
    for line in describe(blob):
        print(line)
    return 0


def describe(blob) -> list[str]:
    """Lines about a ModelBlob: its source, inputs, outputs and cache."""
    meta = blob.meta
    source = meta.get("source", {})
    digest = source.get("sha256", "")
    lines = [f"  converted from {source.get('file', '?')} ({source.get('kind', '?')}"
             f"{', sha256 ' + digest[:12] + '…' if digest else ''}) by {meta.get('producer', '?')} "
             f"with OpenVINO {str(meta.get('openvino', '?')).split('-')[0]}"]
    threads = meta.get("threads") or 0
    if threads:
        lines.append(f"  {threads} CPU threads per inference (--shaves {threads})")
    lines.append("Network inputs:")
    for spec, record in zip(blob.inputs, meta.get("inputs", [])):
        lines.append(f"    {_io_line(spec)}{_preprocess_text(spec, record.get('preprocess') or {})}")
    lines.append("Network outputs:")
    for spec in blob.outputs:
        lines.append(f"    {_io_line(spec)}")
    lines += custom_layer_lines(meta)
    if meta.get("decoding"):
        from ..models.decoding import describe as decoding_line
        lines.append(decoding_line(meta["decoding"]))
    lines.append(f"Compiled cache: {cache_text(blob)}")
    return lines


def custom_layer_lines(meta: dict) -> list[str]:
    """The custom layers a blob runs through OpenCL kernels, one per line, with their binding."""
    custom = meta.get("custom_layers")
    if not custom:
        return []
    layers = custom.get("layers", [])
    lines = [f"Custom layers ({len(layers)}, OpenCL kernels bound by {custom.get('bindings', '?')}):"]
    for layer in layers:
        shape = ",".join(str(d) for d in (layer.get("inputs") or [[[]]])[0][0])
        attributes = ", ".join(f"{k}={v}" for k, v in layer.get("attributes", {}).items())
        lines.append(f"    {layer['name']} : {layer['type']} [{shape}]{' ' + attributes if attributes else ''} — "
                     f"{'; then '.join(layer.get('stages', []))} ({layer.get('binding', '?')})")
    return lines


def _io_line(spec) -> str:
    layout = spec.layout or _DEFAULT_ORDER.get(len(spec.shape), "ANY")
    shape = ",".join(str(d) if d >= 0 else "?" for d in spec.shape)
    return f"{spec.name} : {spec.dtype} / {layout} [{shape}]"


def _numbers(values) -> str:
    return "[" + ",".join(f"{v:g}" for v in values) + "]"


def _preprocess_text(spec, record: dict) -> str:
    from ..models.blob import image_arrangement
    parts = []
    if record.get("mean"):
        parts.append(f"mean {_numbers(record['mean'])}")
    if record.get("scale"):
        parts.append(f"scale {_numbers(record['scale'])}")
    if record.get("reverse_channels"):
        parts.append("reverse channels")
    model_layout, model_dtype = record.get("model_layout"), record.get("model_dtype")
    if model_dtype and model_dtype != spec.dtype:
        parts.append(f"model takes {model_dtype}")
    if model_layout and spec.layout and model_layout != spec.layout:
        parts.append(f"model takes {model_layout}")
    arrangement = image_arrangement(spec)
    text = f" {arrangement}" if arrangement else ""
    return text + ("; " + ", ".join(parts) if parts else "")


def cache_text(blob) -> str:
    recorded = blob.meta.get("cache")
    if not blob.cache or not recorded:
        return "none — the model is compiled from the IR when the blob is loaded"
    made = f"OpenVINO {str(recorded.get('openvino', '?')).split('-')[0]}, {recorded.get('cpu_name', '?')} CPU"
    try:
        from ..models.openvino_backend import cache_key
        here = cache_key(recorded.get("precision", blob.precision))
    except Exception as e:
        return f"{made} (whether it fits this machine is unknown: {e})"
    if here == recorded:
        return f"{made} — fits this machine: used when the blob is loaded"
    return (f"{made} — made for another OpenVINO or CPU than this machine's "
            f"(OpenVINO {here['openvino'].split('-')[0]}, {here['cpu_name']} CPU): the model is compiled from "
            f"the IR when the blob is loaded")
