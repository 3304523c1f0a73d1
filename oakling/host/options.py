"""The Device's oakling options, from its keywords and their environment variables (the keyword
wins), checked on the host before the device starts:

    options, blobs = device_options({"cameras": {"CAM_A": "clip.mp4"}, "realtime": False})

`options` is what the device process gets (a plain description of each socket's camera source,
pacing, what cameras do at a source's end, the Scripts' network, the device's calibration, its
IMU); `blobs` maps the blob file names
a program loads to the oakling blobs to load instead, which the host applies to the pipeline.
"""
from __future__ import annotations

import os

OPTIONS = ("blobs", "calibration", "camera_end", "cameras", "imu", "realtime", "script_network", "stereo", "trace",
           "view")


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
    options["trace"] = trace_option(keywords.get("trace"), environ)
    options["view"] = view_option(keywords.get("view"), environ)
    return options, blobs


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
