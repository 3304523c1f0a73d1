"""Camera sources: where camera frames come from when there is no sensor.

Each board socket gets its own source, chosen on the host:

    dai.Device(pipeline, cameras={"CAM_A": "clip.mp4", "LEFT": "frames/"})
    OAKLING_CAMERA_CAM_A=clip.mp4 python my_gen2_program.py
    dai.Device(pipeline, stereo="sbs.mp4")     # OAKLING_STEREO: left half CAM_B, right half CAM_C

A source is named by a string: a video file (read with PyAV), an image file (shown on every frame),
a folder of images (in name order), recorded depth for a ToF sensor (`.npy`/`.npz`, or 16-bit
images: `depth_recording.py`), `webcam` / `webcam:N` / `/dev/videoN` (OpenCV), or `synthetic`
(the moving test pattern, also what a socket without a source shows; on LEFT and RIGHT, the
stereo scene of `stereo_scene.py`, whose depth is known). A replay (`Device(replay=...)`) feeds
the recorded sockets from the recording (`recording.py`, or `holistic.py` for a DepthAI v3 archive).

The host checks what it can at `Device(...)` time (socket names, that files exist, that a folder
holds images, that a video has a video stream) and hands the device a plain description per
socket (`camera_options`). The device opens it (`open_source`) in the camera's own thread.

Every source has the same small interface:

    read()       the next picture in order (offline mode), or None at its end
    read_at(t)   the picture to show t seconds after the camera started (real-time mode), or None
    name, frames the name for log lines, and how many pictures it has read from its medium
    static       True if every picture is the same array (a single image): the camera may cache
    close()

Pictures are BGR H×W×3 uint8 arrays (H×W for `gray=True`, for MonoCamera), or `Yuv420` planes
straight from a video decoder (the camera crops and resizes the planes and converts only what it
sends, which is much cheaper than converting whole frames to BGR first). They may be read-only
views, and the camera never writes into them.
"""
from __future__ import annotations

import os
import re

from ..messages.enums import CameraBoardSocket
from .depth_recording import DEPTH_EXTENSIONS
from .images import IMAGE_EXTENSIONS, list_images
from .picture import SourceError, Yuv420

__all__ = ["IMAGE_EXTENSIONS", "SourceError", "Yuv420", "camera_options", "describe", "list_images",
           "open_source", "parse_socket", "socket_name"]

# gen2's board socket names (CameraBoardSocket); the older aliases name the same sockets.
SOCKETS = {name: int(s) for name, s in CameraBoardSocket.__members__.items() if s >= 0}
SOCKET_NAMES = {int(s): s.name for s in CameraBoardSocket if s >= 0}   # 0 -> "CAM_A", ...

STEREO_SOCKETS = (int(CameraBoardSocket.CAM_B), int(CameraBoardSocket.CAM_C))   # LEFT and RIGHT
MOVING_SOCKETS = (int(CameraBoardSocket.CAM_A), *STEREO_SOCKETS)   # the sockets a moving device's scene is seen from
END_MODES = ("loop", "stop")
ENV_PREFIX = "OAKLING_CAMERA_"
ENV_STEREO = "OAKLING_STEREO"    # a side-by-side video (or image, or folder) for CAM_B and CAM_C
_ENV_SETTINGS = {"END"}          # OAKLING_CAMERA_END is a setting, not a socket
_SOURCE_HELP = ("give a video file (mp4/mkv/avi…), an image, a folder of images, 'webcam', "
                "'webcam:N' or 'synthetic'")


def socket_name(socket: int) -> str:
    return SOCKET_NAMES.get(int(socket), f"socket {socket}")


def parse_socket(key, where: str) -> int:
    """A board socket from a name ('CAM_A', 'rgb', 'Left'…), a dai.CameraBoardSocket or an int."""
    if isinstance(key, int) and not isinstance(key, bool):   # IntEnum members too
        if 0 <= int(key) <= 7:
            return int(key)
        if int(key) == -1:
            raise SourceError(f"{where}: AUTO is not a socket — name the socket the camera resolves to "
                              f"(ColorCamera AUTO → CAM_A, MonoCamera AUTO → CAM_B)")
    elif isinstance(key, str):
        name = key.strip().upper()
        if name.startswith("CAMERABOARDSOCKET."):
            name = name[len("CAMERABOARDSOCKET."):]
        if name in SOCKETS:
            return SOCKETS[name]
        if name == "AUTO":
            return parse_socket(-1, where)
    raise SourceError(f"{where}: unknown camera socket {key!r} — use CAM_A…CAM_H, RGB, CENTER, LEFT, "
                      f"RIGHT or a dai.CameraBoardSocket")


def describe(spec, where: str) -> dict:
    """Check a source named on the host and describe it for the device (a plain dict).
    `where` says who named it, for the error messages."""
    if isinstance(spec, os.PathLike):
        spec = os.fspath(spec)
    if not isinstance(spec, str) or not spec.strip():
        raise SourceError(f"{where}: expected a source name, got {spec!r} — {_SOURCE_HELP}")
    text = spec.strip()
    lowered = text.lower()
    if lowered in ("synthetic", "pattern"):
        return {"kind": "synthetic", "name": "synthetic"}
    webcam = re.fullmatch(r"webcam(?::(\d+))?|/dev/video(\d+)", lowered)
    if webcam:
        index = int(webcam.group(1) or webcam.group(2) or 0)
        device = f"/dev/video{index}"
        if os.path.isdir("/dev") and not os.path.exists(device):
            raise SourceError(f"{where}: no webcam {index} on this machine ({device} does not exist) — "
                              f"plug one in, pick another index ('webcam:1'), or use a video file")
        return {"kind": "webcam", "index": index, "name": f"webcam {index}"}
    path = os.path.abspath(os.path.expanduser(text))
    name = os.path.basename(path.rstrip(os.sep)) or path
    if os.path.isdir(path):
        images = list_images(path)
        if not images:
            raise SourceError(f"{where}: the folder '{path}' holds no images ({', '.join(IMAGE_EXTENSIONS)}) — "
                              f"put the frames there, or name a video file or an image instead")
        return {"kind": "images", "path": path, "name": name + "/"}
    if not os.path.exists(path):
        raise SourceError(f"{where}: no such file or folder '{path}' — {_SOURCE_HELP}")
    if path.lower().endswith(IMAGE_EXTENSIONS):
        return {"kind": "image", "path": path, "name": name}
    if path.lower().endswith(DEPTH_EXTENSIONS):   # recorded depth, for a ToF sensor (depth_recording.py)
        return {"kind": "depth", "path": path, "name": name}
    from .video import probe
    probe(path, where)
    return {"kind": "video", "path": path, "name": name}


def _env_bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise SourceError(f"{name}={value!r}: expected 1 or 0 (true/false, yes/no, on/off)")


def _end_mode(value, where: str) -> str:
    mode = str(value).strip().lower()
    if mode not in END_MODES:
        raise SourceError(f"{where}: camera_end must be 'loop' or 'stop', got {value!r}")
    return mode


def camera_options(options: dict, environ=os.environ) -> dict:
    """The Device's camera options, checked, with the environment filled in, as the device gets them:
    {"realtime": bool, "camera_end": "loop"|"stop", "cameras": {"0": description, ...}}.

    A Device option wins over the environment variable for the same setting or socket. A
    side-by-side `stereo` source describes CAM_B and CAM_C, each with its `half`; Device(cameras=...)
    may not name them too (an OAKLING_STEREO from the environment gives way to it)."""
    if "realtime" in options:
        if not isinstance(options["realtime"], bool):
            raise SourceError(f"Device(realtime=...): expected True or False, got {options['realtime']!r}")
        realtime = options["realtime"]
    elif environ.get("OAKLING_REALTIME", "").strip():
        realtime = _env_bool("OAKLING_REALTIME", environ["OAKLING_REALTIME"])
    else:
        realtime = True
    if options.get("camera_end") is not None:
        end = _end_mode(options["camera_end"], "Device(camera_end=...)")
    elif environ.get(ENV_PREFIX + "END", "").strip():
        end = _end_mode(environ[ENV_PREFIX + "END"], ENV_PREFIX + "END")
    else:
        end = "loop" if realtime else "stop"   # a live camera keeps going; offline, every frame once

    cameras: dict[str, dict] = {}
    for key, value in sorted(environ.items()):
        suffix = key[len(ENV_PREFIX):].upper()
        if not key.upper().startswith(ENV_PREFIX) or suffix in _ENV_SETTINGS or not value.strip():
            continue
        socket = parse_socket(suffix, key)
        cameras[str(socket)] = describe(value, f"{socket_name(socket)} ({key})")
    stereo, where = options.get("stereo"), "Device(stereo=...)"
    if stereo is None and environ.get(ENV_STEREO, "").strip():
        stereo, where = environ[ENV_STEREO], ENV_STEREO
    if stereo is not None:
        whole = describe(stereo, f"the side-by-side stereo source ({where})")
        if whole["kind"] in ("synthetic", "webcam"):
            raise SourceError(f"{where}: a side-by-side source is a video, an image or a folder of images, "
                              f"got {stereo!r}")
        for socket, side in zip(STEREO_SOCKETS, ("left", "right")):
            cameras[str(socket)] = {**whole, "half": side}
    given = options.get("cameras") or {}
    if not isinstance(given, dict):
        raise SourceError(f"Device(cameras=...): expected a dict like {{'CAM_A': 'clip.mp4'}}, "
                          f"got {type(given).__name__}")
    seen: dict[int, object] = {}
    for key, value in given.items():
        socket = parse_socket(key, "Device(cameras=...)")
        if socket in seen:
            raise SourceError(f"Device(cameras=...): {key!r} and {seen[socket]!r} both name "
                              f"{socket_name(socket)} — give each socket one source")
        seen[socket] = key
        if stereo is not None and socket in STEREO_SOCKETS and where != ENV_STEREO:
            raise SourceError(f"Device(cameras=...): {key!r} names {socket_name(socket)}, which the side-by-side "
                              f"stereo source ({where}) feeds — give either stereo= or the two cameras")
        cameras[str(socket)] = describe(value, f"{socket_name(socket)} (Device(cameras=...))")
    return {"realtime": realtime, "camera_end": end, "cameras": cameras}


def open_source(description: dict | None, *, width: int, height: int, gray: bool = False,
                loop: bool = True, socket: int | None = None, calibration=None, motion=None, clock=None):
    """Open a described source on the device. `width`×`height` is the size the camera would like
    (the synthetic pictures are made at that size; video decoding may downscale towards it). The
    synthetic picture of the stereo pair's sockets (CAM_B, CAM_C) is the stereo scene, whose depth
    is known, rendered by `calibration` (the device's); elsewhere it is the moving pattern. With a
    `motion` (the device's (Trajectory, epoch_ns), sources/motion.py) the colour camera (CAM_A) sees
    the scene too, and CAM_A, CAM_B and CAM_C render it from the pose at each frame's time on `clock`."""
    kind = (description or {}).get("kind", "synthetic")
    if kind == "synthetic" and motion is not None and socket in MOVING_SOCKETS:
        from .stereo_scene import MovingSceneSource
        trajectory, epoch_ns = motion
        return MovingSceneSource(socket, width, height, trajectory, epoch_ns, clock, gray=gray,
                                 calibration=calibration)
    if (description or {}).get("half"):
        from .side_by_side import half_source
        whole = {k: v for k, v in description.items() if k != "half"}
        return half_source(whole, description["half"], gray, loop, lambda: open_source(
            whole, width=width * 2, height=height, gray=gray, loop=loop))
    if kind == "synthetic" and socket in STEREO_SOCKETS:
        from .stereo_scene import StereoSceneSource
        return StereoSceneSource(socket, width, height, gray=gray, calibration=calibration)
    if kind == "synthetic":
        from .synthetic import SyntheticSource
        return SyntheticSource(width, height, gray=gray)
    if kind == "video":
        from .video import VideoSource
        return VideoSource(description["path"], gray=gray, loop=loop, name=description["name"])
    if kind == "images":
        from .images import ImageFolderSource
        return ImageFolderSource(description["path"], gray=gray, loop=loop, name=description["name"])
    if kind == "image":
        from .images import ImageSource
        return ImageSource(description["path"], gray=gray, name=description["name"])
    if kind == "recording":
        from .recording import RecordingSource
        return RecordingSource(description["path"], description["camera"], gray=gray, name=description["name"])
    if kind == "holistic":
        from .holistic import HolisticSource
        return HolisticSource(description["path"], description["camera"], gray=gray, name=description["name"])
    if kind == "depth":
        raise SourceError(f"{description['name']} is recorded depth, which only a ToF sensor takes — link this "
                          f"socket's camera raw output to a ToF node, or give it a video or images")
    if kind == "webcam":
        from .webcam import WebcamSource
        return WebcamSource(description["index"], gray=gray, width=width, height=height)
    raise SourceError(f"unknown camera source kind {kind!r}")
