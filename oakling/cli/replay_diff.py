"""`oakling replay-diff A B`: compare two recorded sessions' outputs, stream by stream.

    oakling run --record-session run1/ app.py
    oakling run --replay run1/ --record-session run2/ app.py     # after changing the model, say
    oakling replay-diff run1/ run2/                               # exit 0: identical; 1: the first difference

What is compared is session/diff.py's: every XLinkOut stream's messages in order — type, sequence
number, timestamps, metadata fields, payload bytes (images within --tolerance).
"""
from __future__ import annotations

import argparse
import sys

from .usage import USAGE_EXIT, argparse_exit_code

SUMMARY = "compare two recorded sessions' outputs (--record-session) and report the first difference"
DIFFERENT_EXIT = 1


def build_parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0].split(": ", 1)[1],
                                     allow_abbrev=False)
    parser.add_argument("a", metavar="A", help="a recorded session folder (oakling run --record-session A)")
    parser.add_argument("b", metavar="B", help="the session folder to compare with A")
    parser.add_argument("--tolerance", type=int, default=0, metavar="N",
                        help="let ImgFrame pixels (payload bytes) differ by up to N (default 0: bit-exact)")
    parser.add_argument("--ignore-timestamps", action="store_true",
                        help="do not compare timestamps (for messages a Script stamps with the time it makes them)")
    parser.add_argument("--stream", action="append", metavar="NAME",
                        help="compare only this XLinkOut stream (may be given more than once)")
    return parser


def main(argv: list[str], prog: str = "oakling replay-diff") -> int:
    parser = build_parser(prog)
    try:
        ns = parser.parse_args(argv)
    except SystemExit as exit:
        return argparse_exit_code(exit)
    if not 0 <= ns.tolerance <= 255:
        print(f"{prog}: error: --tolerance must be from 0 to 255, got {ns.tolerance}", file=sys.stderr)
        return USAGE_EXIT
    from ..session.diff import compare
    from ..session.format import RecordingError
    try:
        report = compare(ns.a, ns.b, tolerance=ns.tolerance, ignore_timestamps=ns.ignore_timestamps,
                         streams=ns.stream)
    except RecordingError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return USAGE_EXIT
    for stream in report.streams:
        state = "identical" if stream.first is None else "differ"
        print(f"{stream.name}: A {stream.count_a} messages, B {stream.count_b} — {state}")
    if not report.streams:
        print("no XLinkOut streams recorded in either session")
    if report.equal:
        print(f"identical: {len(report.streams)} stream(s)")
        return 0
    print(f"first difference: {report.first}")
    return DIFFERENT_EXIT
