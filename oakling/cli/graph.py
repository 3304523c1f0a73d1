"""`oakling graph`: draw a DepthAI program's pipeline as SVG or PNG, without running it on the device.

    oakling graph app.py                     # writes app.svg
    oakling graph -o graph.svg app.py --app-flag
    oakling graph -o graph.png app.py        # the same drawing as a PNG (pipeline/graph_png.py)

The program runs as under `oakling run` (`import depthai` gives oakling) until it hands its pipeline
to a device — `dai.Device(pipeline)` or `device.startPipeline(pipeline)` — and stops there: that
pipeline is drawn (pipeline/graph.py) and no pipeline starts. A `dai.Device()` made before
startPipeline does start a device process, as the program may ask it things first; it is closed
when the program stops.
"""
from __future__ import annotations

import argparse
import os
import sys

from ..host.device import Device
from ..pipeline.graph import pipeline_svg
from ..pipeline.pipeline import Pipeline
from .program import exit_code, program_context, program_path, run_program
from .report import describe, display_path
from .usage import USAGE_EXIT, argparse_exit_code

SUMMARY = "draw a DepthAI program's pipeline as SVG or PNG, without running it"
ERROR_EXIT = 1


class PipelineCaptured(BaseException):
    """Raised inside the program when it hands a pipeline to a device (a BaseException, so that the
    program's own `except Exception` does not catch it)."""

    def __init__(self, pipeline: Pipeline):
        super().__init__("pipeline captured")
        self.pipeline = pipeline


class capturing_pipelines:
    """While active, `dai.Device(pipeline)` and `Device.startPipeline(pipeline)` raise PipelineCaptured."""

    def __enter__(self):
        self._init, self._start = Device.__init__, Device.startPipeline
        original_init = self._init

        def init(device, *args, **options):
            pipeline = options.get("pipeline") or next((a for a in args if isinstance(a, Pipeline)), None)
            if pipeline is not None:
                raise PipelineCaptured(pipeline)
            original_init(device, *args, **options)

        def start(device, pipeline=None):
            if pipeline is not None:
                raise PipelineCaptured(pipeline)
            return self._start(device, pipeline)

        Device.__init__, Device.startPipeline = init, start
        return self

    def __exit__(self, *exc):
        Device.__init__, Device.startPipeline = self._init, self._start


def capture(path: str, args: list[str]) -> Pipeline | None:
    """Run the program at `path` until it gives a device its pipeline; that pipeline, or None if the
    program ended without. Raises what the program raises otherwise (SystemExit included)."""
    with program_context(path, args), capturing_pipelines():
        try:
            run_program(path)
        except PipelineCaptured as captured:
            return captured.pipeline
    return None


def build_parser(prog: str = "oakling graph") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, usage=f"{prog} [-o FILE.svg|FILE.png] program.py [program args ...]",
        description="Runs a DepthAI program until it gives a device its pipeline, and writes that "
                    "pipeline as an SVG graph (or a PNG, for an output named .png): every node with its id and ports, every link with its "
                    "input's queue size and blocking (dashed, orange: non-blocking). No pipeline runs.",
        allow_abbrev=False)
    parser.add_argument("-o", "--output", metavar="FILE", help="the SVG, or PNG if it ends in .png, to write (default: the program's name, .svg)")
    parser.add_argument("--traceback", action="store_true",
                        help="on an uncaught exception, print the full traceback instead of the short message")
    parser.add_argument("program", help="the DepthAI program (a .py file)")
    parser.add_argument("args", nargs=argparse.REMAINDER, metavar="program args",
                        help="passed to the program as sys.argv[1:]")
    return parser


def main(argv: list[str], prog: str = "oakling graph") -> int:
    try:
        ns = build_parser(prog).parse_args(argv)
        path = program_path(ns.program)
    except SystemExit as exit:
        return argparse_exit_code(exit)
    except FileNotFoundError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return USAGE_EXIT
    output = ns.output or os.path.splitext(os.path.basename(path))[0] + ".svg"
    name = display_path(path)
    try:
        pipeline = capture(path, ns.args)
    except SystemExit as exit:
        code = exit_code(exit)
        print(f"{prog}: {name} exited ({code}) before it gave a device its pipeline — nothing to draw",
              file=sys.stderr)
        return code or ERROR_EXIT
    except KeyboardInterrupt:
        return 130
    except BaseException as exc:
        if ns.traceback:
            from .report import print_full
            print_full(exc)
        else:
            print(describe(exc, prog), file=sys.stderr)
        return ERROR_EXIT
    if pipeline is None:
        print(f"{prog}: {name} ended without giving a device its pipeline (dai.Device(pipeline) or "
              f"device.startPipeline(pipeline)) — nothing to draw", file=sys.stderr)
        return ERROR_EXIT
    png = output.lower().endswith(".png")
    try:
        if png:
            from ..pipeline.graph_png import pipeline_png
            drawing = pipeline_png(pipeline, title=os.path.basename(path))
        else:
            drawing = pipeline_svg(pipeline, title=os.path.basename(path)).encode("utf-8")
    except RuntimeError as exc:   # the pipeline would not start either: a node's check says why
        print(f"{prog}: error: {name}'s pipeline: {exc}", file=sys.stderr)
        return ERROR_EXIT
    try:
        with open(output, "wb") as f:
            f.write(drawing)
    except OSError as exc:
        print(f"{prog}: error: cannot write {output}: {exc.strerror}", file=sys.stderr)
        return ERROR_EXIT
    nodes = len(pipeline.getAllNodes())
    print(f"{prog}: wrote {output}: {nodes} node{'s' if nodes != 1 else ''}, "
          f"{len(pipeline.serializeToJson()['pipeline']['connections'])} links", file=sys.stderr)
    return 0
