"""`--camera SOCKET=SOURCE`: which source feeds the camera on a board socket.

The device reads one environment variable per socket, `OAKLING_CAMERA_<socket>`, where the socket
is gen2's canonical name (CAM_A…CAM_H). gen2's aliases name the same sockets: RGB and CENTER are
CAM_A, LEFT is CAM_B, RIGHT is CAM_C.

    >>> camera_environment(["rgb=clip.mp4", "CAM_B=left/"])
    {'OAKLING_CAMERA_CAM_A': 'clip.mp4', 'OAKLING_CAMERA_CAM_B': 'left/'}

`--stereo sbs.mp4` sets OAKLING_STEREO: one side-by-side video for the pair (left half CAM_B,
right half CAM_C).
"""
from __future__ import annotations

import os

from ..messages.enums import CameraBoardSocket

ENV_PREFIX = "OAKLING_CAMERA_"
STEREO_ENV = "OAKLING_STEREO"
REALTIME_ENV = "OAKLING_REALTIME"
CAMERA_END_ENV = "OAKLING_CAMERA_END"
CAMERA_ENDS = ("loop", "stop")

SOCKETS = tuple(s.name for s in CameraBoardSocket if s >= 0)   # CAM_A … CAM_H
ALIASES = {name: s.name for name, s in CameraBoardSocket.__members__.items() if s >= 0 and name not in SOCKETS}


class CameraOptionError(ValueError):
    """A `--camera` value that is not SOCKET=SOURCE with a known socket."""


def canonical_socket(name: str) -> str:
    """`"rgb"` → `"CAM_A"`, `"cam_c"` → `"CAM_C"`; anything else raises CameraOptionError."""
    key = name.strip().upper()
    if key in SOCKETS:
        return key
    if key in ALIASES:
        return ALIASES[key]
    raise CameraOptionError(f"--camera: unknown socket {name!r} — use one of {', '.join(SOCKETS)} "
                            f"or {', '.join(ALIASES)}")


def parse_camera(value: str) -> tuple[str, str]:
    """`"RGB=clip.mp4"` → `("CAM_A", "clip.mp4")`. A source that names an existing file or folder
    is made absolute, so it still resolves if the program changes directory."""
    socket, sep, source = value.partition("=")
    if not sep or not socket.strip() or not source:
        raise CameraOptionError(f"--camera: expected SOCKET=SOURCE (for example CAM_A=clip.mp4), "
                                f"got {value!r}")
    if os.path.exists(source):
        source = os.path.abspath(source)
    return canonical_socket(socket), source


def camera_environment(values: list[str], environ=os.environ) -> dict[str, str | None]:
    """The environment variables for a list of `--camera` values; one source per socket. A
    variable already in `environ` that names a given socket by another spelling
    (`OAKLING_CAMERA_RGB` for CAM_A) maps to None: it is unset for the run, so `--camera` wins."""
    env: dict[str, str | None] = {}
    given: dict[str, str] = {}
    for value in values:
        socket, source = parse_camera(value)
        if socket in given:
            raise CameraOptionError(f"--camera: {socket} given twice ({given[socket]!r} and {value!r}) "
                                    f"— RGB/CENTER are CAM_A, LEFT is CAM_B, RIGHT is CAM_C")
        given[socket] = value
        env[ENV_PREFIX + socket] = source
    for key in environ:
        if key.upper().startswith(ENV_PREFIX) and key not in env and _socket_of(key) in given:
            env[key] = None
    return env


def _socket_of(key: str) -> str | None:
    """The socket an OAKLING_CAMERA_* variable names, or None (OAKLING_CAMERA_END)."""
    try:
        return canonical_socket(key[len(ENV_PREFIX):])
    except CameraOptionError:
        return None


def stereo_environment(source: str | None, camera_values: list[str]) -> dict[str, str]:
    """`--stereo SBS`: OAKLING_STEREO for the run, the side-by-side source whose left half feeds
    CAM_B and right half CAM_C; a `--camera` for either of those sockets too is an error."""
    if source is None:
        return {}
    if not source.strip():
        raise CameraOptionError("--stereo: expected a side-by-side video, image or folder of images")
    for value in camera_values:
        socket, _ = parse_camera(value)
        if socket in ("CAM_B", "CAM_C"):
            raise CameraOptionError(f"--stereo feeds CAM_B and CAM_C, and --camera {value} names {socket} "
                                    f"too — give either --stereo or the two cameras")
    return {STEREO_ENV: os.path.abspath(source) if os.path.exists(source) else source}
