"""`oakling run`: run an existing DepthAI program, unchanged, on oakling.

    oakling run app.py
    oakling run --camera CAM_A=clip.mp4 --headless --max-frames 100 --record out/ app.py --app-flag

Options before the program's path are oakling's; everything after it is the program's. The
command puts the run together from the modules beside it: cameras.py (`--camera` → environment),
program.py (`import depthai` → oakling, sys.argv, sys.path), blobs.py (`--blob` → environment),
blobconverter.py (a stand-in for the blobconverter package), windows.py (cv2.imshow/waitKey without
a display), recorder.py (`--record`), limits.py (`--max-frames`/`--seconds` and forcing an end),
report.py (an uncaught exception → a short message).
"""
from __future__ import annotations

import argparse
import os
import sys

from ..host.queues import StreamEnded
from ..models.blob import BlobError
from ..models.substitution import asked as asked_blobs
from ..models.substitution import parse_entry
from ..calibration import ENV_CALIBRATION as CALIBRATION_ENV
from ..script.network import ENV as SCRIPT_NETWORK_ENV
from ..script.network import MODES as SCRIPT_NETWORK_MODES
from ..sources.motion import MOTIONS
from .blobconverter import standing_in_for_blobconverter
from .blobs import blob_environment
from .cameras import (CAMERA_END_ENV, CAMERA_ENDS, REALTIME_ENV, CameraOptionError, camera_environment,
                      stereo_environment)
from .limits import DEFAULT_GRACE, FORCED_EXIT_CODE, RunLimit, Watchdog
from .program import exit_code, program_context, program_path, run_program
from .recorder import FORMATS, Recorder
from .report import describe, display_path, print_full
from .windows import Windows, display_problem
from .usage import USAGE_EXIT, argparse_exit_code

SUMMARY = "run a DepthAI program unchanged: `import depthai as dai` gives oakling"
ERROR_EXIT = 1
INTERRUPTED_EXIT = 130

DESCRIPTION = """\
Runs a DepthAI gen2 program unchanged: while it runs, `import depthai as dai` gives oakling, so
its pipeline runs in an oakling device process on this machine. The program sees sys.argv as
[program, *program args] and its own directory first on sys.path, as `python program.py` would
give it. Options before the program's path are oakling's; everything after it is the program's.

Cameras are fed by a synthetic pattern unless --camera gives a source for their socket.

Windows (cv2.imshow / cv2.waitKey): with --headless, or when windows cannot be shown here (DISPLAY
is not set, or OpenCV has no GUI), no window is opened: cv2.imshow only counts (and with --record
saves) frames, and cv2.waitKey sleeps 1 ms and returns -1 ("no key"). Once --max-frames or
--seconds is reached, cv2.waitKey returns ord('q') (ESC on the call after, in turn), so a program
that quits on 'q' ends through its own exit path. A program still running --grace seconds later
is stopped (from its next cv2.imshow/waitKey, else as by Ctrl-C) with exit code 124.

Exit code: the program's own (sys.exit(n) gives n, a normal end 0); 1 if it stopped on an
uncaught exception, reported as its message and the program's file:line (e.g. a DepthAI API
oakling does not have yet: NotImplementedError naming it); 124 if it had to be stopped after
the limit; 130 on Ctrl-C; 2 for a usage error."""

EPILOG = """\
examples:
  oakling run app.py                       run app.py (windows shown if there is a display)
  oakling run app.py --fps 10              --fps 10 goes to app.py
  oakling run --headless --max-frames 5 --record out/ app.py
                                           5 frames, saved as out/<window>/000000.png, …
  oakling run --camera CAM_A=clip.mp4 --camera LEFT=left/ --offline --seconds 10 app.py
                                           feed CAM_A from clip.mp4 and CAM_B from left/, as fast
                                           as the pipeline takes frames, for 10 s
  oakling run --stereo sbs.mp4 depth_preview.py
                                           CAM_B shows the left half of sbs.mp4, CAM_C the right

  oakling run --view app.py                live view of app.py's pipeline at http://127.0.0.1:8421/

  oakling run --blob mobilenet-ssd_openvino_2021.4_6shave.blob=mobilenet.blob app.py
                                           app.py's setBlobPath (or blobconverter.from_zoo) of that
                                           MyriadX blob loads mobilenet.blob, made by oakling convert

SOURCE is a video file, an image, a folder of images, webcam[:N] or synthetic (docs/cameras.md); a
ToF sensor's socket also takes recorded depth: 16-bit PNGs or a .npy/.npz (docs/nodes.md, ToF).
--camera sets OAKLING_CAMERA_<socket>=SOURCE for the run, with the socket's canonical name (RGB
and CENTER are CAM_A, LEFT is CAM_B, RIGHT is CAM_C; another spelling of the same socket already
in the environment is unset for the run); --offline sets OAKLING_REALTIME=0; --camera-end sets
OAKLING_CAMERA_END; --stereo sets OAKLING_STEREO; --script-network sets OAKLING_SCRIPT_NETWORK;
--calibration sets OAKLING_CALIBRATION; --imu sets OAKLING_IMU; --motion sets OAKLING_MOTION;
--trace sets OAKLING_TRACE;
--view and --view-port set OAKLING_VIEW; --record-session sets OAKLING_RECORD_SESSION; --replay sets
OAKLING_REPLAY.
--blob sets OAKLING_BLOBS (NAME=PATH entries separated by ':'; the entries of an OAKLING_BLOBS
already set are kept unless --blob names the same file). While the program runs, `import
blobconverter` gives a stand-in whose from_zoo/from_onnx/… return the substitute for the file name
blobconverter would have made, instead of downloading a MyriadX blob."""


def build_parser(prog: str = "oakling run") -> tuple[argparse.ArgumentParser, set[str]]:
    """The parser for oakling's options, and the option strings that take a value (needed to
    find where the program's path is)."""
    parser = argparse.ArgumentParser(prog=prog, description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     usage=f"{prog} [options] program.py [program args ...]",
                                     allow_abbrev=False)
    takes_value: set[str] = set()

    def option(*names, **kwargs):
        parser.add_argument(*names, **kwargs)
        if kwargs.get("action") not in ("store_true", "store_false", "count", "help", "version"):
            takes_value.update(names)

    parser.add_argument("program", nargs="?", help="the DepthAI program (a .py file)")
    parser.add_argument("args", nargs="*", metavar="program args",
                        help="passed to the program as sys.argv[1:]")
    option("--camera", action="append", default=[], metavar="SOCKET=SOURCE",
           help="feed the camera on SOCKET (CAM_A…CAM_H, RGB, LEFT, RIGHT, CENTER; any case) from "
                "SOURCE; repeatable")
    option("--stereo", metavar="SBS",
           help="feed CAM_B (LEFT) and CAM_C (RIGHT) from one side-by-side video, image or folder: its "
                "left and right halves, each pair with one sequence number and timestamp")
    option("--blob", action="append", default=[], metavar="NAME=PATH",
           help="load the oakling blob PATH wherever the program loads a blob file named NAME (a MyriadX "
                "blob, e.g. mobilenet-ssd_openvino_2021.4_6shave.blob, which need not exist); repeatable")
    option("--offline", action="store_true",
           help="cameras deliver frames as fast as the pipeline takes them instead of at their FPS")
    option("--camera-end", choices=CAMERA_ENDS,
           help="at the end of a video or image folder: loop, or stop (the program's queue then "
                "ends as on a disconnected device); default loop, stop with --offline")
    option("--script-network", choices=SCRIPT_NETWORK_MODES,
           help="which addresses LEON_CSS Script nodes' sockets may use: loopback (default) or any")
    option("--calibration", metavar="FILE",
           help="the device's calibration: a calibration JSON, as CalibrationHandler.eepromToJsonFile writes "
                "(default: an OAK-D's)")
    option("--imu", metavar="FILE|TYPE",
           help="the IMU node's readings: a recorded IMU file (CSV or JSON, docs/nodes.md), or the IMU to "
                "synthesise a still device for: BNO086 (default), BMI270 or NONE")
    option("--motion", metavar="|".join(MOTIONS) + "|FILE",
           help="how the synthetic device moves, or a pose file (CSV of time,x,y,z,qi,qj,qk,qreal): its "
                "synthetic cameras' pictures and its IMU's readings follow it (default still; docs/nodes.md, IMU)")
    option("--headless", action="store_true",
           help="never open windows: cv2.imshow/waitKey are stood in for (automatic without a display)")
    limits = parser.add_mutually_exclusive_group()
    limits.add_argument("--max-frames", type=int, metavar="N",
                        help="end after N cv2.imshow calls on the busiest window")
    limits.add_argument("--seconds", type=float, metavar="S", help="end after S seconds of wall time")
    takes_value.update(("--max-frames", "--seconds"))
    option("--record", metavar="DIR", help="save every shown frame under DIR, per window")
    option("--record-format", choices=FORMATS, default="png",
           help="png: DIR/<window>/000000.png, … (default); mp4: DIR/<window>.mp4")
    option("--grace", type=float, default=DEFAULT_GRACE, metavar="S",
           help=f"seconds the program has to end after the limit before it is stopped "
                f"(default {DEFAULT_GRACE:g})")
    option("--trace", metavar="FILE",
           help="record every message's path through the pipeline in FILE, a Chrome trace (JSON) for "
                "Perfetto or chrome://tracing (sets OAKLING_TRACE; docs/observe.md)")
    option("--view", action="store_true",
           help="serve a live view of the running pipeline (its graph, per node and link figures, blocked "
                "links) on http://127.0.0.1:8421/, or a free port if that one is taken; the address is "
                "printed (sets OAKLING_VIEW; docs/observe.md)")
    option("--view-port", type=int, metavar="PORT",
           help="the live view's port (0: any free port); implies --view")
    option("--record-session", metavar="DIR",
           help="record what enters the device (camera pictures, host messages, IMU, calibration) and what "
                "leaves it (every XLinkOut stream) in DIR: session.mcap and manifest.json (sets "
                "OAKLING_RECORD_SESSION; docs/observe.md)")
    option("--replay", metavar="DIR",
           help="feed the cameras, XLinkIn streams and IMU from the session recorded in DIR, every picture "
                "in order with its recorded number and time (sets OAKLING_REPLAY); compare runs with "
                "`oakling replay-diff`")
    option("--traceback", action="store_true",
           help="on an uncaught exception, print the full traceback instead of the short message")
    return parser, takes_value


def session_environment(record_session: str | None, replay: str | None) -> dict:
    """OAKLING_RECORD_SESSION / OAKLING_REPLAY for --record-session / --replay, checked now
    (ValueError naming the option and the file)."""
    from ..host import options
    env = {}
    try:
        if record_session:
            env[options.ENV_RECORD_SESSION] = options.record_session_option(record_session, {})["dir"]
        if replay:
            env[options.ENV_REPLAY] = options.replay_option(replay, {})["dir"]
    except RuntimeError as e:
        text = str(e).replace("Device(record_session=...)", "--record-session").replace("Device(replay=...)", "--replay")
        raise ValueError(text) from None
    if record_session and replay and env[options.ENV_RECORD_SESSION] == env[options.ENV_REPLAY]:
        raise ValueError(f"--record-session and --replay both name {env[options.ENV_REPLAY]} — record the replay "
                         f"into another folder")
    return env


def split_argv(argv: list[str], takes_value: set[str]) -> tuple[list[str], str | None, list[str]]:
    """`[oakling options…, program, program args…]` → (options, program, program args). The program
    is the first word that is neither an option nor an option's value (or the word after `--`);
    what follows it is the program's, untouched."""
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--":
            return argv[:i], (argv[i + 1] if i + 1 < len(argv) else None), argv[i + 2:]
        if word.startswith("-") and word != "-":
            i += 2 if word in takes_value else 1
            continue
        return argv[:i], word, argv[i + 1:]
    return argv, None, []


def main(argv: list[str], prog: str = "oakling run") -> int:
    parser, takes_value = build_parser(prog)
    options, program, program_args = split_argv(list(argv), takes_value)
    try:
        ns = parser.parse_args(options)
        if program is None:
            parser.error("the program to run is missing (oakling run [options] program.py [args])")
        env = camera_environment(ns.camera)
        env.update(stereo_environment(ns.stereo, ns.camera))
        env.update(blob_environment(ns.blob))
        if ns.offline:
            env[REALTIME_ENV] = "0"
        if ns.camera_end:
            env[CAMERA_END_ENV] = ns.camera_end
        if ns.script_network:
            env[SCRIPT_NETWORK_ENV] = ns.script_network
        if ns.calibration:
            if not os.path.isfile(ns.calibration):
                raise FileNotFoundError(f"--calibration {ns.calibration}: no such file — give a calibration JSON")
            env[CALIBRATION_ENV] = os.path.abspath(ns.calibration)
        if ns.imu:
            from ..sources.imu import ENV_IMU, imu_option
            from ..sources.picture import SourceError
            try:
                given = ns.imu if ns.imu.strip().upper() in ("BNO086", "BMI270", "NONE") else os.path.abspath(ns.imu)
                imu_option(given, {})
            except SourceError as e:
                raise ValueError(f"--imu {ns.imu}: {e}") from None
            env[ENV_IMU] = given
        if ns.motion:
            from ..sources.motion import ENV_MOTION, motion_option
            from ..sources.picture import SourceError
            given = ns.motion if ns.motion.strip().lower() in MOTIONS else os.path.abspath(ns.motion)
            try:
                motion_option(given, {})
            except SourceError as e:
                raise ValueError(f"--motion {ns.motion}: {e}") from None
            env[ENV_MOTION] = given
        if ns.trace:
            from ..host.options import trace_option
            from ..runtime.trace import ENV_TRACE
            try:
                env[ENV_TRACE] = trace_option(ns.trace, {})
            except RuntimeError as e:
                raise ValueError(str(e).replace("Device(trace=...)", "--trace")) from None
        if ns.view or ns.view_port is not None:
            from ..host.options import view_option
            from ..runtime.meter import ENV_VIEW
            if ns.view_port is not None:
                try:
                    view_option(ns.view_port, {})
                except RuntimeError as e:
                    raise ValueError(str(e).replace("Device(view=...)", "--view-port")) from None
            env[ENV_VIEW] = "1" if ns.view_port is None else ("any" if ns.view_port == 0 else str(ns.view_port))
        env.update(session_environment(ns.record_session, ns.replay))
        limit = RunLimit(max_frames=ns.max_frames, seconds=ns.seconds, grace=ns.grace)
        path = program_path(program)
        recorder = Recorder(ns.record, ns.record_format, ns.max_frames) if ns.record else None
    except SystemExit as exit:      # argparse: --help, or a usage error already printed
        return argparse_exit_code(exit)
    except (CameraOptionError, BlobError, ValueError, FileNotFoundError) as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return USAGE_EXIT
    try:
        return run(path, program_args, env, limit, recorder, headless=ns.headless,
                   full_traceback=ns.traceback, blobs=ns.blob)
    except KeyboardInterrupt:   # a Ctrl-C that came after the program had ended
        return FORCED_EXIT_CODE if limit.forced else INTERRUPTED_EXIT


def run(path: str, program_args: list[str], env: dict[str, str | None], limit: RunLimit,
        recorder: Recorder | None = None, headless: bool = False, full_traceback: bool = False,
        blobs: list[str] = ()) -> int:
    """Run the program at `path` (absolute) to its end; returns the exit code. `blobs`: the --blob
    values, each said at the end if the program never loaded a blob file of its name."""
    name = display_path(path)
    windows = _windows(limit, recorder, headless, name)
    watchdog = Watchdog(limit, name)
    code = ERROR_EXIT
    with program_context(path, program_args, env), standing_in_for_blobconverter():
        if windows is not None:
            windows.install()
        limit.start()
        watchdog.start()
        try:
            run_program(path)
            code = 0
        except SystemExit as exit:
            code = exit_code(exit)
        except StreamEnded as ended:   # the program read past the end of its input: a normal end
            print(f"oakling run: {name} ended with its input: {ended}", file=sys.stderr)
            code = 0
        except KeyboardInterrupt:
            if not limit.forced:
                print(f"oakling run: {name} interrupted (Ctrl-C)", file=sys.stderr)
            code = INTERRUPTED_EXIT
        except BaseException as exc:
            if full_traceback:
                print_full(exc)
            else:
                print(describe(exc), file=sys.stderr)
            code = ERROR_EXIT
        finally:
            watchdog.stop()
            if windows is not None:
                windows.uninstall()
    if limit.forced:
        code = FORCED_EXIT_CODE
    _tell_unused(blobs)
    if recorder is not None:
        for line in recorder.close():
            print(f"oakling run: {line}", file=sys.stderr)
        if recorder.error:
            print(f"oakling run: error: {recorder.error}", file=sys.stderr)
            code = code or ERROR_EXIT
    sys.stdout.flush()
    return code


def _tell_unused(blobs: list[str]):
    """A warning for each --blob whose file name the program never loaded (a misspelt name, as a rule)."""
    loaded = asked_blobs()
    for value in blobs:
        name = parse_entry(value, "--blob")[0]
        if not loaded.get(name):
            what = f"it loaded {', '.join(sorted(loaded))}" if loaded else "it loaded no blob file by path"
            print(f"oakling run: warning: --blob {value} was not used: the program loaded no blob file named "
                  f"{name} ({what})", file=sys.stderr)


def _windows(limit: RunLimit, recorder: Recorder | None, headless: bool, name: str) -> Windows | None:
    """The cv2 stand-in for this run, or None when the program's cv2 is left as it is (a display,
    and nothing to count or record)."""
    try:
        import cv2
    except ImportError:
        return None
    problem = display_problem(cv2)
    if not (headless or problem or recorder or limit.active):
        return None
    notice = None
    if not headless and problem and not (recorder or limit.active):
        notice = (f"oakling run: windows are not shown ({problem}); {name} runs headless — stop it "
                  f"with Ctrl-C, or give --max-frames/--seconds (see oakling run --help)")
    return Windows(cv2, limit, headless=headless or problem is not None, recorder=recorder,
                   program=name, notice=notice)
