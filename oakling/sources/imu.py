"""Where the IMU node's readings come from: a recorded IMU file, or a device synthesised, still or
moving as `Device(motion=...)` says (sources/motion.py).

    dai.Device(pipeline, imu="walk.csv")      # or OAKLING_IMU=walk.csv, or `oakling run --imu walk.csv`
    dai.Device(pipeline, imu="BMI270")        # a synthetic IMU of that type ("BNO086", the default, or "NONE")

A recording is CSV or JSON. CSV: one report per line, `time,sensor,values...`, time in seconds
(non-decreasing), sensor one of `accelerometer` (x, y, z in m/s²), `gyroscope` (x, y, z in rad/s),
`magnetometer` (x, y, z in µT) or `rotation_vector` (i, j, k, real and, optionally, an accuracy
estimate in radians). A header line `time,sensor,...` and lines starting with `#` are skipped;
`# imu: BMI270` names the IMU the recording was made with (default BNO086):

    # imu: BNO086
    time,sensor,x,y,z
    0.000,accelerometer,-9.79,0.12,0.31
    0.0025,gyroscope,0.001,-0.002,0.000
    0.010,rotation_vector,0.0,0.7071,0.0,0.7071,0.05

JSON: `{"imu": "BNO086", "reports": [{"time": 0.0, "sensor": "accelerometer", "values": [...]}, ...]}`.

Without a recording the device is still, standing as an OAK-D stands on a table, and the readings
are what its IMU reports then (the OAK-D's BNO086 axes, which the BMI270 boards share here):
gravity, +9.81 m/s², along -x (the accelerometer measures the reaction to gravity, which points
up), the gyroscope near zero, the Earth's field in the magnetometer, and the orientation that
turns the device's axes into the world's (x east, y north, z up) as the rotation vector: the
quaternion (i, j, k, real) = (0, 0.7071, 0, 0.7071), a quarter turn about y. Each reading has
small Gaussian noise, seeded, so runs repeat.

A moving device (`Device(motion="pan")`, sources/motion.py) reports its motion in the same axes:
the gyroscope its angular velocity, the accelerometer its acceleration minus gravity (specific
force), the rotation vector and magnetometer turned with it, from the same trajectory the
synthetic cameras render their pictures from, on the same clock.
"""
from __future__ import annotations

import csv
import json
import math
import os

import numpy as np

from ..messages.imudata import IMUReport, IMUSensor
from .picture import SourceError

ENV_IMU = "OAKLING_IMU"
IMU_TYPES = ("BNO086", "BMI270")
DEFAULT_IMU = "BNO086"
S = IMUSensor
ACC = IMUReport.Accuracy

# The IMUPacket field each sensor's reports fill, and the kind of reading a recording calls it.
FIELD = {**{s: "acceleroMeter" for s in (S.ACCELEROMETER_RAW, S.ACCELEROMETER, S.LINEAR_ACCELERATION, S.GRAVITY)},
         **{s: "gyroscope" for s in (S.GYROSCOPE_RAW, S.GYROSCOPE_CALIBRATED, S.GYROSCOPE_UNCALIBRATED)},
         **{s: "magneticField" for s in (S.MAGNETOMETER_RAW, S.MAGNETOMETER_CALIBRATED, S.MAGNETOMETER_UNCALIBRATED)},
         **{s: "rotationVector" for s in (S.ROTATION_VECTOR, S.GAME_ROTATION_VECTOR, S.GEOMAGNETIC_ROTATION_VECTOR,
                                          S.ARVR_STABILIZED_ROTATION_VECTOR, S.ARVR_STABILIZED_GAME_ROTATION_VECTOR)}}
KINDS = {"accelerometer": "acceleroMeter", "gyroscope": "gyroscope", "magnetometer": "magneticField",
         "rotation_vector": "rotationVector"}
VALUE_COUNTS = {"acceleroMeter": (3,), "gyroscope": (3,), "magneticField": (3,), "rotationVector": (4, 5)}

# Report rates (Hz), after Luxonis' IMU documentation. BNO086: a rate is rounded up to the next
# stable rate of its sensor, and capped at the sensor's maximum. BMI270: rounded down to one of
# its rates (at least the lowest); above 400 Hz it runs at 250 Hz.
_BNO_ACC, _BNO_GYRO = (15, 31, 62, 125, 250, 500), (25, 33, 50, 100, 200, 400)
BNO086_RATES = {  # sensor: (stable rates, maximum)
    S.ACCELEROMETER_RAW: (_BNO_ACC, 512), S.ACCELEROMETER: (_BNO_ACC, 512),
    S.LINEAR_ACCELERATION: (_BNO_ACC, 400), S.GRAVITY: (_BNO_ACC, 400),
    S.GYROSCOPE_RAW: (_BNO_GYRO, 1000), S.GYROSCOPE_CALIBRATED: (_BNO_GYRO, 100),
    S.GYROSCOPE_UNCALIBRATED: (_BNO_GYRO, 100),
    S.MAGNETOMETER_RAW: ((100,), 100), S.MAGNETOMETER_CALIBRATED: ((100,), 100),
    S.MAGNETOMETER_UNCALIBRATED: ((100,), 100),
    S.ROTATION_VECTOR: ((), 400), S.GAME_ROTATION_VECTOR: ((), 400), S.GEOMAGNETIC_ROTATION_VECTOR: ((), 100),
    S.ARVR_STABILIZED_ROTATION_VECTOR: ((), 100), S.ARVR_STABILIZED_GAME_ROTATION_VECTOR: ((), 100),
}
_BMI_RATES = (25, 50, 100, 200, 400)
BMI270_SENSORS = (S.ACCELEROMETER_RAW, S.ACCELEROMETER, S.GYROSCOPE_RAW, S.GYROSCOPE_CALIBRATED,
                  S.GYROSCOPE_UNCALIBRATED)
FIRMWARE_VERSIONS = {"BNO086": "3.9.7", "BMI270": "0.0.0", "NONE": "0.0.0"}


def supported(imu_type: str, sensor) -> bool:
    return imu_type == "BNO086" or (imu_type == "BMI270" and sensor in BMI270_SENSORS)


def report_rate(imu_type: str, sensor, requested: int) -> int:
    """The rate (Hz) the IMU runs `sensor` at when `requested` is asked; 0 stays 0 (disabled)."""
    requested = int(requested)
    if requested <= 0:
        return 0
    if imu_type == "BMI270":
        if requested > 400:
            return 250
        return max([r for r in _BMI_RATES if r <= requested] or [_BMI_RATES[0]])
    stable, maximum = BNO086_RATES[S(sensor)]
    up = [r for r in stable if r >= requested]
    return min(up[0] if up else requested, maximum)


# -- the synthetic device: still, or moving (sources/motion.py) --

GRAVITY = 9.80665
EARTH_FIELD_WORLD = (0.0, 20.0, -44.0)   # µT, world x east, y north, z up: a mid-northern latitude
STILL_ORIENTATION = (0.0, math.sqrt(0.5), 0.0, math.sqrt(0.5))   # (i, j, k, real): body -> world
NOISE = {"acceleroMeter": 0.02, "gyroscope": 0.001, "magneticField": 0.3, "rotationVector": 0.0005}
ROTATION_ACCURACY = {S.ROTATION_VECTOR: 0.05, S.GEOMAGNETIC_ROTATION_VECTOR: 0.15,
                     S.ARVR_STABILIZED_ROTATION_VECTOR: 0.05}   # radians; the game vectors give none (0)


def rotate(q, v) -> np.ndarray:
    """v turned by the unit quaternion q = (i, j, k, real)."""
    i, j, k, r = q
    u = np.array([i, j, k], float)
    v = np.asarray(v, float)
    return v + 2.0 * np.cross(u, np.cross(u, v) + r * v)


def conjugate(q) -> tuple:
    i, j, k, r = q
    return (-i, -j, -k, r)


def synthetic_reading(sensor, rng: np.random.Generator, trajectory=None,
                      t: float = 0.0) -> tuple[list, IMUReport.Accuracy]:
    """(values, accuracy) the IMU reports for `sensor`: of a still, upright device, or, given a
    `trajectory` (sources/motion.py), of the device moving along it, t seconds into its motion:
    the gyroscope its angular velocity, the accelerometer its acceleration minus gravity, the
    rotation vector its orientation, all in the IMU's axes."""
    sensor = S(sensor)
    field = FIELD[sensor]
    if trajectory is None or trajectory.still:
        orientation = STILL_ORIENTATION
        spin, acceleration = np.zeros(3), np.zeros(3)
    else:
        from .motion import quaternion_of
        orientation = tuple(quaternion_of(trajectory.imu_orientation(t)))
        spin = trajectory.imu_angular_velocity(t)
        acceleration = trajectory.imu_linear_acceleration(t)
    to_body = conjugate(orientation)
    noise = NOISE[field]
    raw = sensor in (S.ACCELEROMETER_RAW, S.GYROSCOPE_RAW, S.MAGNETOMETER_RAW)
    accuracy = ACC.UNRELIABLE if raw else ACC.HIGH
    if field == "acceleroMeter":
        gravity = rotate(to_body, (0.0, 0.0, GRAVITY))
        if sensor == S.LINEAR_ACCELERATION:
            base = acceleration
        elif sensor == S.GRAVITY:
            return [float(v) for v in gravity], accuracy
        else:
            base = gravity + acceleration
        return [float(v) for v in base + rng.normal(0.0, noise, 3)], accuracy
    if field == "gyroscope":
        return [float(v) for v in spin + rng.normal(0.0, noise, 3)], accuracy
    if field == "magneticField":
        base = rotate(to_body, EARTH_FIELD_WORLD)
        return [float(v) for v in base + rng.normal(0.0, noise, 3)], accuracy
    q = np.asarray(orientation) + rng.normal(0.0, noise, 4)
    q /= np.linalg.norm(q)
    return [*(float(v) for v in q), ROTATION_ACCURACY.get(sensor, 0.0)], ACC.HIGH


# -- recordings --

def _imu_type(value, where: str) -> str:
    name = str(value).strip().upper()
    if name not in IMU_TYPES:
        raise SourceError(f"{where}: unknown IMU type {value!r} — give one of {', '.join(IMU_TYPES)}")
    return name


def load_recording(path: str) -> tuple[str, list]:
    """(IMU type, [(time s, field, [values]), ...] in time order) from a CSV or JSON recording;
    SourceError naming the file and line for anything wrong."""
    try:
        with open(path, newline="") as f:
            text = f.read()
    except OSError as e:
        raise SourceError(f"IMU recording {path}: {e.strerror or e} — give a CSV or JSON IMU file") from None
    imu_type, rows = DEFAULT_IMU, []
    if text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
            imu_type = _imu_type(doc.get("imu", DEFAULT_IMU), f"IMU recording {path}")
            rows = [(f"report {n}", r["time"], r["sensor"], r["values"]) for n, r in enumerate(doc["reports"])]
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise SourceError(f"IMU recording {path}: not an IMU JSON file ({type(e).__name__}: {e}) — expected "
                              f'{{"imu": "BNO086", "reports": [{{"time": 0.0, "sensor": "accelerometer", '
                              f'"values": [x, y, z]}}, ...]}}') from None
    else:
        for n, line in enumerate(csv.reader(text.splitlines()), 1):
            if not line or not "".join(line).strip():
                continue
            first = line[0].strip()
            if first.startswith("#"):
                key, _, value = first[1:].partition(":")
                if key.strip().lower() == "imu":
                    imu_type = _imu_type(value, f"IMU recording {path}:{n}")
                continue
            if first.lower() == "time":
                continue
            if len(line) < 2:
                raise SourceError(f"IMU recording {path}:{n}: expected time,sensor,values..., got {','.join(line)!r}")
            rows.append((f"line {n}", first, line[1], line[2:]))
    reports, last = [], -math.inf
    for where, t, sensor, values in rows:
        try:
            t = float(t)
            values = [float(v) for v in values]
        except (TypeError, ValueError):
            raise SourceError(f"IMU recording {path}, {where}: time and values must be numbers") from None
        field = KINDS.get(str(sensor).strip().lower())
        if field is None:
            raise SourceError(f"IMU recording {path}, {where}: unknown sensor {sensor!r} — use one of "
                              f"{', '.join(KINDS)}")
        if len(values) not in VALUE_COUNTS[field]:
            raise SourceError(f"IMU recording {path}, {where}: {sensor} takes "
                              f"{' or '.join(map(str, VALUE_COUNTS[field]))} values, got {len(values)}")
        if not math.isfinite(t) or t < last:
            raise SourceError(f"IMU recording {path}, {where}: time {t} goes back — times must not decrease")
        last = t
        if field == "rotationVector" and len(values) == 4:
            values.append(0.0)
        reports.append((t, field, values))
    if not reports:
        raise SourceError(f"IMU recording {path}: no reports in it")
    return imu_type, reports


def imu_option(given, environ=os.environ) -> dict:
    """The Device's IMU, checked: {"type": "BNO086"|"BMI270"|"NONE", "recording": path or None}, from
    `Device(imu=...)` or OAKLING_IMU: a recording's path, or an IMU type to synthesise."""
    where = "Device(imu=...)"
    if given is None:
        given, where = environ.get(ENV_IMU, "").strip() or None, ENV_IMU
    if given is None:
        return {"type": DEFAULT_IMU, "recording": None}
    if not isinstance(given, (str, os.PathLike)):
        raise SourceError(f"{where}: expected the path of an IMU recording or an IMU type "
                          f"({', '.join(IMU_TYPES)}, NONE), got {type(given).__name__}")
    text = os.fspath(given)
    if text.strip().upper() in (*IMU_TYPES, "NONE") and not os.path.exists(text):
        return {"type": text.strip().upper(), "recording": None}
    path = os.path.abspath(text)
    if not os.path.isfile(path):
        raise SourceError(f"{where}: no IMU recording at {text!r} — give a CSV or JSON IMU file, or one of "
                          f"{', '.join(IMU_TYPES)}, NONE")
    imu_type, _ = load_recording(path)
    return {"type": imu_type, "recording": path}
