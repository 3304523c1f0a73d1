"""The `oakling` command.

    oakling run examples/synthetic_preview.py --seconds 2
    oakling run --headless --max-frames 100 --record out/ my_depthai_app.py --my-flag
    oakling convert model.onnx -o model.blob -ip U8
    oakling inspect model.blob
    oakling demo --video street.mp4
    oakling graph app.py -o graph.svg
    oakling boot --seconds 60
    oakling replay-diff run1/ run2/

One module per command (`run.py`), each with SUMMARY (its line in `oakling --help`) and
`main(argv, prog) -> exit code`; the modules beside them hold the concepts a command uses.
"""
from __future__ import annotations

import argparse
import sys

from . import boot
from . import convert
from . import demo
from . import graph
from . import inspect_blob
from . import replay_diff
from . import run
from .usage import USAGE_EXIT, argparse_exit_code

# name → command module.
COMMANDS = {
    "run": run,
    "convert": convert,
    "inspect": inspect_blob,
    "demo": demo,
    "graph": graph,
    "boot": boot,
    "replay-diff": replay_diff,
}



def _version() -> str:
    from ..version import __version__
    return f"oakling {__version__}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oakling",
        description="oakling: an open DepthAI gen2-compatible device. Runs DepthAI programs without\n"
                    "an OAK camera: the pipeline runs in a device process on this machine.",
        epilog="example:\n"
               "  oakling run --camera CAM_A=clip.mp4 --headless --max-frames 100 --record out/ app.py --app-flag\n"
               "      runs app.py (with --app-flag) on oakling without windows for 100 frames, saving\n"
               "      them under out/, with the camera on socket CAM_A fed from clip.mp4\n\n"
               "`oakling run --help` tells more.",
        formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False)
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name, module in COMMANDS.items():
        commands.add_parser(name, help=module.SUMMARY, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the `oakling` command line; returns the exit code (`sys.exit(main())`)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in COMMANDS:
        # A command parses its own arguments: `run` must hand everything after the program's
        # path to the program untouched, which one argparse parser for all of them cannot do.
        return COMMANDS[argv[0]].main(argv[1:], prog=f"oakling {argv[0]}")
    parser = build_parser()
    if not argv:
        parser.print_help(sys.stderr)
        return USAGE_EXIT
    try:
        parser.parse_args(argv)   # --help / --version exit here; an unknown command is a usage error
    except SystemExit as exit:
        return argparse_exit_code(exit)
    parser.print_help(sys.stderr)
    return USAGE_EXIT
