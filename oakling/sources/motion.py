"""The device's motion: where the synthetic device is, and how it is turned, at every moment, so the
synthetic cameras and the synthetic IMU see one and the same movement.

    dai.Device(pipeline, motion="pan")     # or OAKLING_MOTION=pan, or `oakling run --motion pan`
    dai.Device(pipeline, motion="poses.csv")
    trajectory = Trajectory("pan")
    rotation, centre = trajectory.pose(1.5)          # 1.5 s after the pipeline started

A motion is one of MOTIONS:

- `still` (the default): the device stands still, as it always did: cameras show the unmoving
  scene, the IMU reads gravity and noise.
- `pan`: the device turns left and right about its vertical axis, ±15° every 8 s, a tripod pan.
- `shake`: a hand-held device: small rotations (about 2°) about all three axes and a few
  millimetres of translation, at 1–2.5 Hz.
- `walk`: the device is carried towards the boards and back (30 cm every 10 s), bobbing with each
  step and swaying a little.

- a pose file (CSV): the device's recorded or planned poses, one a line,
  `time,x,y,z,qi,qj,qk,qreal`: seconds since the start, the device's position in millimetres and
  its rotation as a unit quaternion, both in the scene's frame below (a header line `time,...` and
  lines starting with `#` are skipped). Between two poses the position follows a Catmull-Rom
  curve (smooth, so the accelerometer sees no jolts) and the rotation turns at a constant rate (so
  the gyroscope integrates to exactly the next pose); before the first pose and after the last the
  device holds still there.

    # time,x,y,z,qi,qj,qk,qreal
    0.0,0,0,0,0,0,0,1
    1.0,0,0,50,0,0.0436,0,0.9990

A pose is given in the scene's frame, which is the colour camera's (CAM_A's) at rest: x right, y
down, z forward, millimetres. `pose(t)` is (R, c): R turns directions from the device's camera frame
at time t into the scene's frame, c is where the device's origin (CAM_A's centre) is. Time t is in
seconds since the device built the pipeline (the `epoch_ns` the runtime puts in the option), on the
device's clock, so a camera frame and an IMU report with the same timestamp see the same pose.
"""
from __future__ import annotations

import math
import os

import numpy as np

ENV_MOTION = "OAKLING_MOTION"
MOTIONS = ("still", "pan", "shake", "walk")
TAU = 2.0 * math.pi

# The IMU's axes in the camera frame (x right, y down, z forward): the OAK-D's BNO086 x points down
# (camera y), y forward (camera z) and z right (camera x), so body = CAMERA_TO_IMU @ camera.
CAMERA_TO_IMU = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
# The world's axes (x east, y north, z up) from the scene's (the camera at rest faces north).
SCENE_TO_WORLD = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
GRAVITY_SCENE = np.array([0.0, 1.0, 0.0])   # gravity points down, +y in the scene


def exp_rotation(r) -> np.ndarray:
    """The rotation matrix of rotation vector `r` (axis times angle in radians)."""
    r = np.asarray(r, np.float64)
    angle = float(np.linalg.norm(r))
    if angle < 1e-15:
        return np.eye(3)
    k = r / angle
    kx = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return np.eye(3) + math.sin(angle) * kx + (1.0 - math.cos(angle)) * (kx @ kx)


def quaternion_of(rotation) -> np.ndarray:
    """The unit quaternion (i, j, k, real), real part >= 0, of a rotation matrix."""
    m = np.asarray(rotation, np.float64)
    trace = m[0, 0] + m[1, 1] + m[2, 2]
    if trace > 0:
        s = 2.0 * math.sqrt(trace + 1.0)
        q = ((m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s, 0.25 * s)
    elif m[0, 0] > m[1, 1] and m[0, 0] > m[2, 2]:
        s = 2.0 * math.sqrt(1.0 + m[0, 0] - m[1, 1] - m[2, 2])
        q = (0.25 * s, (m[0, 1] + m[1, 0]) / s, (m[0, 2] + m[2, 0]) / s, (m[2, 1] - m[1, 2]) / s)
    elif m[1, 1] > m[2, 2]:
        s = 2.0 * math.sqrt(1.0 + m[1, 1] - m[0, 0] - m[2, 2])
        q = ((m[0, 1] + m[1, 0]) / s, 0.25 * s, (m[1, 2] + m[2, 1]) / s, (m[0, 2] - m[2, 0]) / s)
    else:
        s = 2.0 * math.sqrt(1.0 + m[2, 2] - m[0, 0] - m[1, 1])
        q = ((m[0, 2] + m[2, 0]) / s, (m[1, 2] + m[2, 1]) / s, 0.25 * s, (m[1, 0] - m[0, 1]) / s)
    q = np.array(q)
    q /= np.linalg.norm(q)
    return -q if q[3] < 0 else q


def log_rotation(rotation) -> np.ndarray:
    """The rotation vector (axis times angle) of a rotation matrix; exact for small angles too."""
    q = quaternion_of(rotation)
    s = float(np.linalg.norm(q[:3]))
    if s < 1e-300:
        return np.zeros(3)
    return q[:3] / s * (2.0 * math.atan2(s, q[3]))


def _rotation(yaw=0.0, pitch=0.0, roll=0.0) -> np.ndarray:
    """Yaw about the camera's y (down) axis, then pitch about x, then roll about z."""
    return exp_rotation((0.0, yaw, 0.0)) @ exp_rotation((pitch, 0.0, 0.0)) @ exp_rotation((0.0, 0.0, roll))


def _pan(t):
    return _rotation(yaw=math.radians(15.0) * math.sin(TAU * t / 8.0)), np.zeros(3)


def _shake(t):
    rotation = exp_rotation((0.035 * math.sin(TAU * 1.3 * t), 0.03 * math.sin(TAU * 1.9 * t + 1.0),
                             0.02 * math.sin(TAU * 2.3 * t + 2.0)))
    centre = np.array([4.0 * math.sin(TAU * 1.1 * t), 3.0 * math.sin(TAU * 1.7 * t + 0.5),
                       2.0 * math.sin(TAU * 1.5 * t + 1.0)])
    return rotation, centre


def _walk(t):
    rotation = _rotation(yaw=0.03 * math.sin(TAU * 0.9 * t), pitch=0.01 * math.sin(TAU * 1.8 * t))
    centre = np.array([10.0 * math.sin(TAU * 0.9 * t), 15.0 * math.sin(TAU * 1.8 * t),
                       150.0 * (1.0 - math.cos(TAU * t / 10.0))])
    return rotation, centre


_POSES = {"pan": _pan, "shake": _shake, "walk": _walk}


def _slerp_matrix(r0: np.ndarray, r1: np.ndarray, f: float) -> np.ndarray:
    return r0 @ exp_rotation(f * log_rotation(r0.T @ r1))


class PoseFile:
    """A pose file's poses (see above), interpolated."""

    def __init__(self, path: str):
        self.path = path
        self.times, self.centres, self.rotations = load_poses(path)

    def __call__(self, t: float):
        times = self.times
        if t <= times[0]:
            return self.rotations[0], self.centres[0].copy()
        if t >= times[-1]:
            return self.rotations[-1], self.centres[-1].copy()
        i = int(np.searchsorted(times, t, side="right")) - 1
        f = (t - times[i]) / (times[i + 1] - times[i])
        p = self.centres
        p0, p1, p2, p3 = p[max(i - 1, 0)], p[i], p[i + 1], p[min(i + 2, len(p) - 1)]
        # Catmull-Rom with tangents scaled to uneven time steps
        t0, t1, t2, t3 = times[max(i - 1, 0)], times[i], times[i + 1], times[min(i + 2, len(times) - 1)]
        dt = t2 - t1
        m1 = (p2 - p0) / (t2 - t0) * dt if t2 > t0 else np.zeros(3)
        m2 = (p3 - p1) / (t3 - t1) * dt if t3 > t1 else np.zeros(3)
        f2, f3 = f * f, f * f * f
        centre = ((2 * f3 - 3 * f2 + 1) * p1 + (f3 - 2 * f2 + f) * m1 + (-2 * f3 + 3 * f2) * p2 + (f3 - f2) * m2)
        return _slerp_matrix(self.rotations[i], self.rotations[i + 1], f), centre


def load_poses(path: str):
    """(times s, centres mm N×3, rotation matrices) of a pose file, checked: a SourceError names the
    file and line of anything wrong."""
    from .picture import SourceError
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise SourceError(f"pose file {path}: {e.strerror or e} — give a CSV of time,x,y,z,qi,qj,qk,qreal") from None
    times, centres, rotations = [], [], []
    for n, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#") or text.lower().startswith("time"):
            continue
        fields = [v.strip() for v in text.split(",")]
        try:
            values = [float(v) for v in fields]
        except ValueError:
            raise SourceError(f"pose file {path}:{n}: expected numbers time,x,y,z,qi,qj,qk,qreal, got {text!r}") from None
        if len(values) != 8 or not all(map(math.isfinite, values)):
            raise SourceError(f"pose file {path}:{n}: expected 8 numbers time,x,y,z,qi,qj,qk,qreal, got {text!r}")
        q = np.array(values[4:])
        if abs(np.linalg.norm(q) - 1.0) > 0.01:
            raise SourceError(f"pose file {path}:{n}: the quaternion {values[4:]} is not a unit one (its length is "
                              f"{np.linalg.norm(q):.3f}) — give qi,qj,qk,qreal of the device's rotation")
        if times and values[0] <= times[-1]:
            raise SourceError(f"pose file {path}:{n}: time {values[0]} is not after {times[-1]} — times must increase")
        times.append(values[0])
        centres.append(values[1:4])
        i, j, k, r = q / np.linalg.norm(q)
        rotations.append(np.array([[1 - 2 * (j * j + k * k), 2 * (i * j - k * r), 2 * (i * k + j * r)],
                                   [2 * (i * j + k * r), 1 - 2 * (i * i + k * k), 2 * (j * k - i * r)],
                                   [2 * (i * k - j * r), 2 * (j * k + i * r), 1 - 2 * (i * i + j * j)]]))
    if not times:
        raise SourceError(f"pose file {path}: no poses in it — one a line, time,x,y,z,qi,qj,qk,qreal")
    return np.array(times), np.array(centres, np.float64), rotations


class Trajectory:
    """One motion's poses over time, and the derivatives the IMU measures."""

    def __init__(self, kind: str, path: str | None = None):
        """`kind` one of MOTIONS, or "file" with the pose file's `path`."""
        if kind == "file":
            self.kind = os.path.basename(path)
            self._pose = PoseFile(path)
            return
        if kind not in MOTIONS:
            raise ValueError(f"unknown motion {kind!r} — give one of {', '.join(MOTIONS)} or a pose file")
        self.kind = kind
        self._pose = _POSES.get(kind)

    @property
    def still(self) -> bool:
        return self._pose is None

    def pose(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """(R camera -> scene, device origin in the scene in mm) at t seconds."""
        if self._pose is None:
            return np.eye(3), np.zeros(3)
        return self._pose(float(t))

    def angular_velocity(self, t: float, h: float = 1e-4) -> np.ndarray:
        """The device's angular velocity in its camera frame (rad/s) at t."""
        before, after = self.pose(t - h)[0], self.pose(t + h)[0]
        return log_rotation(before.T @ after) / (2.0 * h)

    def acceleration(self, t: float, h: float = 1e-3) -> np.ndarray:
        """The device origin's acceleration in the scene frame (m/s²) at t."""
        c0, c1, c2 = self.pose(t - h)[1], self.pose(t)[1], self.pose(t + h)[1]
        return (c0 - 2.0 * c1 + c2) / (h * h) / 1000.0

    def imu_orientation(self, t: float) -> np.ndarray:
        """The rotation that turns the IMU's axes into the world's (x east, y north, z up) at t."""
        return SCENE_TO_WORLD @ self.pose(t)[0] @ CAMERA_TO_IMU.T

    def specific_force(self, t: float, gravity: float) -> np.ndarray:
        """What an accelerometer in the IMU's axes reads at t: acceleration minus gravity (m/s²)."""
        rotation = self.pose(t)[0]
        force = self.acceleration(t) - gravity * GRAVITY_SCENE
        return CAMERA_TO_IMU @ rotation.T @ force

    def imu_angular_velocity(self, t: float) -> np.ndarray:
        """What a gyroscope in the IMU's axes reads at t (rad/s)."""
        return CAMERA_TO_IMU @ self.angular_velocity(t)

    def imu_linear_acceleration(self, t: float) -> np.ndarray:
        """The acceleration without gravity, in the IMU's axes (m/s²)."""
        return CAMERA_TO_IMU @ self.pose(t)[0].T @ self.acceleration(t)


def motion_option(given, environ=os.environ) -> dict | None:
    """The Device's motion, checked: {"kind": "pan"|"shake"|"walk"}, {"kind": "file", "path": ...}
    for a pose file, or None for a still device, from `Device(motion=...)` or OAKLING_MOTION."""
    from .picture import SourceError
    where = "Device(motion=...)"
    if given is None:
        given, where = environ.get(ENV_MOTION, "").strip() or None, ENV_MOTION
    if given is None:
        return None
    if not isinstance(given, (str, os.PathLike)):
        raise SourceError(f"{where}: expected one of {', '.join(MOTIONS)} or a pose file's path, got "
                          f"{type(given).__name__}")
    text = os.fspath(given).strip()
    if text.lower() in MOTIONS and not os.path.exists(text):
        return None if text.lower() == "still" else {"kind": text.lower()}
    path = os.path.abspath(os.path.expanduser(text))
    if not os.path.isfile(path):
        raise SourceError(f"{where}: unknown motion {given!r} — give one of {', '.join(MOTIONS)} or a pose file "
                          f"(CSV of time,x,y,z,qi,qj,qk,qreal; see docs/nodes.md, IMU)")
    try:
        load_poses(path)
    except SourceError as e:
        raise SourceError(f"{where}: {e}") from None
    return {"kind": "file", "path": path}


def trajectory_of(options: dict | None) -> tuple[Trajectory, int] | None:
    """(Trajectory, epoch_ns) of the device's motion option, or None for a still device."""
    motion = (options or {}).get("motion")
    if not motion:
        return None
    return Trajectory(motion["kind"], motion.get("path")), int(motion.get("epoch_ns", 0))
