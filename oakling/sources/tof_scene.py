"""What a time-of-flight sensor measures of the synthetic stereo scene: the frames a Camera on a ToF
socket sends from its `raw` output, which the ToF node (oakling/nodes/tof.py) decodes into depth.

    planes = measure(socket, 640, 480)          # (H, W, 3) uint16: phase at 100 MHz, at 80 MHz, amplitude
    source = ToFSceneSource(socket, 640, 480)   # the same on every frame

The sensor lights the scene with light modulated at two frequencies (100 and 80 MHz, as the 33D
sensor of gen2's ToF products) and measures, per pixel, how far each modulation's phase has turned
on the way to the surface and back: a distance modulo that frequency's unambiguous range
c / 2f (1499 mm and 1874 mm), stored as a 16-bit fraction of a turn. The distance is the radial one,
along the pixel's ray (the depth of `stereo_scene.render` times the ray's length per millimetre of
depth). The amplitude is what the surface returns: its brightness in the scene's picture
(reflectance 0..1) times AMPLITUDE_AT_1M over the squared distance in metres. The sensor sees no
noise: every pixel's depth can be checked exactly. With `Device(motion=...)` the device moves and
`MovingToFSceneSource` measures the scene from the pose at each frame's time (sources/motion.py).
"""
from __future__ import annotations

import functools

import numpy as np

from .stereo_scene import render

LIGHT_MM_PER_S = 299_792_458_000.0
FREQUENCIES_HZ = (100e6, 80e6)
RANGES_MM = tuple(LIGHT_MM_PER_S / (2 * f) for f in FREQUENCIES_HZ)   # unambiguous ranges: ~1499, ~1874 mm
TURN = 65536                       # phases are stored as 16-bit fractions of a turn
AMPLITUDE_AT_1M = 2000.0           # a white surface 1 m away
SENSOR_SIZE = (640, 480)           # the 33D ToF sensor's frames


def ray_lengths(k: np.ndarray, width: int, height: int) -> np.ndarray:
    """Per pixel, the length of its ray per unit of depth (1 at the principal point), for camera matrix `k`."""
    k = np.asarray(k, np.float64)
    x = (np.arange(width, dtype=np.float64) - k[0, 2]) / k[0, 0]
    y = (np.arange(height, dtype=np.float64) - k[1, 2]) / k[1, 1]
    return np.sqrt(1.0 + x[None, :] ** 2 + y[:, None] ** 2).astype(np.float32)


def intrinsics(socket: int, width: int, height: int, calibration=None) -> np.ndarray:
    """The camera matrix the scene is rendered with for `socket` at width×height."""
    from ..calibration import oak_d
    calibration = calibration if calibration is not None else oak_d()
    return np.asarray(calibration.getCameraIntrinsics(socket, width, height), np.float64)


def phases_of(distance_mm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two modulations' phases (uint16 fractions of a turn) of radial distances in mm."""
    out = []
    for r in RANGES_MM:
        turns = np.mod(distance_mm.astype(np.float64) / r, 1.0)
        out.append(np.mod(np.rint(turns * TURN), TURN).astype(np.uint16))
    return out[0], out[1]


def measure(socket: int, width: int, height: int, calibration=None) -> np.ndarray:
    """The sensor's planes (H, W, 3) uint16 for the scene seen from `socket`: phase at 100 MHz,
    phase at 80 MHz, amplitude. Read-only, cached."""
    import json
    data = json.dumps(calibration.eepromToJson(), sort_keys=True) if calibration is not None else None
    return _measure(int(socket), int(width), int(height), data)


@functools.lru_cache(maxsize=4)
def _measure(socket: int, width: int, height: int, calibration_json: str | None) -> np.ndarray:
    from ..calibration import CalibrationHandler
    import json
    calibration = CalibrationHandler.fromJson(json.loads(calibration_json)) if calibration_json else None
    picture, depth = render(socket, width, height, calibration)
    planes = planes_of(depth, picture, intrinsics(socket, width, height, calibration))
    planes.flags.writeable = False
    return planes


def planes_of(depth_mm: np.ndarray, reflectance: np.ndarray | float, k: np.ndarray) -> np.ndarray:
    """The sensor's planes (H, W, 3) uint16 — phase at 100 MHz, phase at 80 MHz, amplitude — for a
    depth map in mm seen through camera matrix `k`; `reflectance` is the surfaces' brightness
    (0..255, per pixel or one value). Depth 0 (nothing measured) returns no light."""
    height, width = depth_mm.shape
    distance = depth_mm.astype(np.float32) * ray_lengths(k, width, height)
    phase_a, phase_b = phases_of(distance)
    metres = np.maximum(distance, 1.0) / 1000.0
    amplitude = np.clip(np.rint(np.asarray(reflectance, np.float64) / 255.0 * AMPLITUDE_AT_1M / metres ** 2),
                        0, 65535).astype(np.uint16)
    amplitude[depth_mm <= 0] = 0
    return np.ascontiguousarray(np.stack([phase_a, phase_b, amplitude], axis=2))


class ToFSceneSource:
    """The ToF sensor's planes of the scene on every frame (a camera source: `read`, `read_at`); it never ends."""

    static = True

    def __init__(self, socket: int, width: int, height: int, calibration=None):
        self.name = "synthetic ToF scene"
        self.frames = 0
        self.width, self.height = width, height
        self._planes = measure(socket, width, height, calibration)

    def read(self) -> np.ndarray:
        self.frames += 1
        return self._planes

    def read_at(self, t: float) -> np.ndarray:
        return self.read()

    def close(self):
        pass


class MovingToFSceneSource:
    """The ToF sensor's planes of the scene while the device moves (sources/motion.py): each frame
    measured from the pose at the moment it is read, which `stamp` gives as its timestamp."""

    static = False

    def __init__(self, socket: int, width: int, height: int, trajectory, epoch_ns: int, clock, calibration=None):
        from .stereo_scene import MovingSceneSource
        self._scene = MovingSceneSource(socket, width, height, trajectory, epoch_ns, clock, calibration=calibration)
        self.name = f"synthetic ToF scene ({trajectory.kind})"
        self.width, self.height = width, height
        self._k = intrinsics(socket, width, height, calibration)

    @property
    def frames(self) -> int:
        return self._scene.frames

    @property
    def frame_period(self) -> float:
        return self._scene.frame_period

    @frame_period.setter
    def frame_period(self, seconds: float):
        self._scene.frame_period = seconds

    def read(self) -> np.ndarray:
        picture, depth = self._scene.capture()
        return planes_of(depth, picture, self._k)

    def read_at(self, t: float) -> np.ndarray:
        return self.read()

    def stamp(self, seq: int, now_ns: int) -> tuple[int, int]:
        return self._scene.stamp(seq, now_ns)

    def close(self):
        pass
