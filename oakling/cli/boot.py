"""`oakling boot`: run the application flashed with DeviceBootloader.flash(pipeline), as an OAK does
on power-up with no host program (standalone mode; host/standalone.py).

    oakling boot                    # until Ctrl-C
    oakling boot --seconds 60
"""
from __future__ import annotations

import argparse
import sys

from ..host import standalone
from .usage import USAGE_EXIT, argparse_exit_code

SUMMARY = "run the flashed application as the device would on its own (standalone mode)"
ERROR_EXIT = 1


def main(argv: list[str], prog: str = "oakling boot") -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0], allow_abbrev=False)
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long (default: until Ctrl-C)")
    try:
        ns = parser.parse_args(argv)
    except SystemExit as exit:
        return argparse_exit_code(exit)
    if ns.seconds is not None and ns.seconds <= 0:
        print(f"{prog}: --seconds must be more than 0, got {ns.seconds:g}", file=sys.stderr)
        return USAGE_EXIT

    def say(line):
        print(f"{prog}: {line}", file=sys.stderr, flush=True)

    try:
        ended = standalone.run(ns.seconds, log=say)
    except RuntimeError as e:
        say(str(e))
        return ERROR_EXIT
    say(ended)
    return ERROR_EXIT if ended.startswith("the device stopped") else 0
