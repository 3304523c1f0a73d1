"""The Device's oakling options, from its keywords and their environment variables (the keyword
wins), checked on the host before the device starts:

    options, blobs = device_options({"cameras": {"CAM_A": "clip.mp4"}, "realtime": False})

`options` is what the device process gets (a plain description of each socket's camera source,
pacing, what cameras do at a source's end, the Scripts' network, the device's calibration, its
IMU and its motion); `blobs` maps the blob file names
a program loads to the oakling blobs to load instead, which the host applies to the pipeline.
"""
from __future__ import annotations

import os

OPTIONS = ("blobs", "calibration", "camera_end", "cameras", "imu", "motion", "realtime", "record_session",
           "replay", "script_network", "stereo", "trace", "view")
ENV_RECORD_SESSION = "OAKLING_RECORD_SESSION"
ENV_REPLAY = "OAKLING_REPLAY"


def device_options(keywords: dict, environ=os.environ):
    """(device options, blob substitutions) for `Device(**keywords)`; TypeError for an unknown
    keyword, RuntimeError (or the sources' SourceError) for a bad value."""
    unknown = set(keywords) - set(OPTIONS)
    if unknown:
        raise TypeError(f"Device(): unknown option(s) {sorted(unknown)} — oakling accepts {sorted(OPTIONS)}")
    from ..models.substitution import Substitutions
    from ..script.network import network_option
    from ..sources import camera_options
    keywords = dict(keywords)
    blobs = Substitutions.from_option(keywords.pop("blobs", None))
    options = camera_options(keywords, environ)
    try:
        options["script_network"] = network_option(keywords.get("script_network"), environ)
    except ValueError as e:
        raise RuntimeError(str(e)) from None
    options["calibration"] = calibration_option(keywords.get("calibration"), environ)
    from ..sources.imu import imu_option
    options["imu"] = imu_option(keywords.get("imu"), environ)
    from ..sources.motion import motion_option
    options["motion"] = motion_option(keywords.get("motion"), environ)
    options["trace"] = trace_option(keywords.get("trace"), environ)
    options["view"] = view_option(keywords.get("view"), environ)
    options["record_session"] = record_session_option(keywords.get("record_session"), environ)
    options["replay"] = replay_option(keywords.get("replay"), environ)
    if options["replay"]:
        apply_replay(options, given_calibration=options["calibration"] is not None)
    if options["replay"] and options["record_session"] and \
            options["replay"]["dir"] == options["record_session"]["dir"]:
        raise RuntimeError(f"Device(record_session=..., replay=...): both name {options['replay']['dir']} — "
                           f"record the replay into another folder")
    return options, blobs


def _folder_option(given, keyword: str, env: str, environ):
    where = f"Device({keyword}=...)"
    if given is None:
        given, where = environ.get(env, "").strip() or None, env
    if given is None or given is False:
        return None, where
    if not isinstance(given, (str, os.PathLike)):
        raise TypeError(f"{where}: expected the path of a session folder, got {type(given).__name__}")
    return os.path.abspath(os.path.expanduser(os.fspath(given))), where


def record_session_option(given, environ=os.environ) -> dict | None:
    """{"dir": folder, "program": the running program} for `Device(record_session=...)` /
    OAKLING_RECORD_SESSION: the device records what enters and leaves it there (session/);
    None: no recording. The folder is made if it does not exist; its parent must."""
    import sys
    folder, where = _folder_option(given, "record_session", ENV_RECORD_SESSION, environ)
    if folder is None:
        return None
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise RuntimeError(f"{where}: {folder} is a file — name a folder for the recording")
    parent = os.path.dirname(folder)
    if not os.path.isdir(parent):
        raise RuntimeError(f"{where}: cannot record into {folder}: the folder {parent} does not exist — create it "
                           f"or name a folder in an existing one")
    program = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] and os.path.isfile(sys.argv[0]) else None
    return {"dir": folder, "program": program}


def replay_option(given, environ=os.environ) -> dict | None:
    """{"dir": folder, "cameras": {socket: description}, "calibration": JSON or None} for
    `Device(replay=...)` / OAKLING_REPLAY, checked (session.format.RecordingError, naming the file,
    for a missing or damaged recording); None: no replay."""
    folder, where = _folder_option(given, "replay", ENV_REPLAY, environ)
    if folder is None:
        return None
    from ..messages.enums import CameraBoardSocket
    from ..session.format import RecordingError, SessionReader
    from ..sources.holistic import is_holistic
    if os.path.exists(folder) and is_holistic(folder):
        return _holistic_replay(folder, where)
    try:
        reader = SessionReader(folder)
        calibration = reader.calibration()
    except RecordingError as e:
        raise RecordingError(f"{where}: {e}") from None
    cameras = {}
    for camera in reader.streams("camera/"):
        socket = CameraBoardSocket.__members__.get(camera)
        if socket is None:
            raise RecordingError(f"{where}: {reader.path} has pictures of an unknown camera {camera!r} — record "
                                 f"the session again with this oakling")
        cameras[str(int(socket))] = {"kind": "recording", "path": folder, "camera": camera,
                                     "name": f"{os.path.basename(folder)} {camera}"}
    return {"dir": folder, "cameras": cameras, "calibration": calibration}


def _holistic_replay(path: str, where: str) -> dict:
    """A DepthAI v3 holistic recording (sources/holistic.py): its cameras and calibration."""
    from ..calibration import CalibrationHandler
    from ..sources import SourceError
    from ..sources.holistic import read_archive
    try:
        archive = read_archive(path)
    except SourceError as e:
        raise SourceError(f"{where}: {e}") from None
    calibration = archive["calibration"]
    if calibration is not None:
        try:   # a calibration this oakling cannot read is left out: the device keeps its own
            calibration = CalibrationHandler.fromJson(calibration).eepromToJson()
        except Exception:
            calibration = None
    cameras = {}
    for camera in archive["cameras"]:
        from ..messages.enums import CameraBoardSocket
        socket = CameraBoardSocket.__members__[camera]
        cameras[str(int(socket))] = {"kind": "holistic", "path": path, "camera": camera,
                                     "name": f"{os.path.basename(path)} {camera}"}
    return {"dir": path, "holistic": True, "cameras": cameras, "calibration": calibration}


def apply_replay(options: dict, given_calibration: bool):
    """A replay's cameras show the recorded pictures, offline (every picture once, in order), and the
    device has the recorded calibration unless the program gives one."""
    replay = options["replay"]
    options["cameras"] = {**options["cameras"], **replay.pop("cameras")}
    options["realtime"] = False
    options["camera_end"] = "stop"
    calibration = replay.pop("calibration")
    if not given_calibration and calibration is not None:
        options["calibration"] = calibration


def trace_option(given, environ=os.environ) -> str | None:
    """The absolute path of the trace file the device writes (runtime/trace.py), from
    `Device(trace=...)` or OAKLING_TRACE; None: no trace. Its folder must exist."""
    from ..runtime.trace import ENV_TRACE
    where = "Device(trace=...)"
    if given is None:
        given, where = environ.get(ENV_TRACE) or None, ENV_TRACE
    if given is None or given is False:
        return None
    if not isinstance(given, (str, os.PathLike)):
        raise TypeError(f"{where}: expected the path of the trace file to write, got {type(given).__name__}")
    path = os.path.abspath(os.fspath(given))
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise RuntimeError(f"{where}: cannot write the trace {path}: the folder {folder} does not exist — create it "
                           f"or name a file in an existing folder")
    if os.path.isdir(path):
        raise RuntimeError(f"{where}: {path} is a folder — name the trace file, e.g. {os.path.join(path, 'trace.json')}")
    return path


DEFAULT_VIEW_PORT = 8421


def view_option(given, environ=os.environ) -> dict | None:
    """The live view's port (host/view.py), from `Device(view=...)` or OAKLING_VIEW; None: no view.
    True (OAKLING_VIEW=1) is port 8421, or any free port if that one is taken; a number is that port
    (0: any free port; OAKLING_VIEW=any is 0 too)."""
    from ..runtime.meter import ENV_VIEW
    where = "Device(view=...)"
    if given is None:
        text, where = (environ.get(ENV_VIEW) or "").strip().lower(), ENV_VIEW
        if text in ("", "0", "false", "no", "off"):
            return None
        if text in ("1", "true", "yes", "on"):
            given = True
        elif text == "any":
            given = 0
        elif text.isdigit():
            given = int(text)
        else:
            raise RuntimeError(f"{ENV_VIEW}={text!r}: give 1 (port {DEFAULT_VIEW_PORT}), a port number, or any")
    if given is False:
        return None
    if given is True:
        return {"port": DEFAULT_VIEW_PORT, "any_if_taken": True}
    if not isinstance(given, int) or isinstance(given, bool):
        raise TypeError(f"{where}: expected True or a port number, got {type(given).__name__}")
    if not 0 <= given <= 65535:
        raise RuntimeError(f"{where}: {given} is not a port number — give 1…65535, or 0 for any free port")
    return {"port": given, "any_if_taken": False}


def calibration_option(given, environ=os.environ) -> dict | None:
    """The device's calibration as gen2's JSON, from `Device(calibration=...)` (a dai.CalibrationHandler
    or the path of a calibration JSON) or OAKLING_CALIBRATION; None: an OAK-D's."""
    from ..calibration import ENV_CALIBRATION, CalibrationHandler
    if given is None:
        given = environ.get(ENV_CALIBRATION) or None
        where = ENV_CALIBRATION
    else:
        where = "Device(calibration=...)"
    if given is None:
        return None
    if isinstance(given, CalibrationHandler):
        return given.eepromToJson()
    if isinstance(given, (str, os.PathLike)):
        try:
            return CalibrationHandler(given).eepromToJson()
        except RuntimeError as e:
            raise RuntimeError(f"{where}: {e}") from None
    raise TypeError(f"{where}: expected a dai.CalibrationHandler or the path of a calibration JSON, "
                    f"got {type(given).__name__}")
