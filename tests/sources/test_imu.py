"""The IMU's sources: report rates as each IMU type gives them, a still device's readings that agree
with each other, recordings (CSV and JSON) and their errors, and the Device's imu option."""
import json

import numpy as np
import pytest

import oakling as dai
from oakling.sources import SourceError
from oakling.sources.imu import (GRAVITY, imu_option, load_recording, report_rate, rotate, synthetic_reading,
                                 supported)

S = dai.IMUSensor


@pytest.mark.parametrize("imu, sensor, asked, runs_at", [
    ("BNO086", S.ACCELEROMETER_RAW, 500, 500), ("BNO086", S.ACCELEROMETER_RAW, 101, 125),
    ("BNO086", S.ACCELEROMETER, 1000, 512), ("BNO086", S.GYROSCOPE_RAW, 400, 400),
    ("BNO086", S.GYROSCOPE_RAW, 30, 33), ("BNO086", S.GYROSCOPE_RAW, 800, 800),
    ("BNO086", S.GYROSCOPE_CALIBRATED, 400, 100), ("BNO086", S.MAGNETOMETER_CALIBRATED, 10, 100),
    ("BNO086", S.ROTATION_VECTOR, 400, 400), ("BNO086", S.GEOMAGNETIC_ROTATION_VECTOR, 400, 100),
    ("BNO086", S.ACCELEROMETER, 0, 0),
    ("BMI270", S.ACCELEROMETER_RAW, 99, 50), ("BMI270", S.GYROSCOPE_RAW, 400, 400),
    ("BMI270", S.GYROSCOPE_RAW, 500, 250), ("BMI270", S.ACCELEROMETER_RAW, 10, 25),
])
def test_rates_are_those_the_imu_gives(imu, sensor, asked, runs_at):
    assert report_rate(imu, sensor, asked) == runs_at


def test_a_bmi270_has_no_magnetometer_nor_fusion():
    assert supported("BMI270", S.GYROSCOPE_RAW) and not supported("BMI270", S.MAGNETOMETER_RAW)
    assert not supported("BMI270", S.ROTATION_VECTOR) and supported("BNO086", S.ROTATION_VECTOR)


def test_a_still_devices_readings_agree_with_its_orientation():
    rng = np.random.default_rng(0)
    accel = np.array([synthetic_reading(S.ACCELEROMETER, rng)[0] for _ in range(200)])
    assert np.allclose(accel.mean(axis=0), [-GRAVITY, 0, 0], atol=0.01)     # an OAK-D upright: -x is up
    assert 0.005 < accel.std(axis=0).mean() < 0.05                          # noisy, a little
    gyro = np.array([synthetic_reading(S.GYROSCOPE_RAW, rng)[0] for _ in range(200)])
    assert np.abs(gyro.mean(axis=0)).max() < 0.001
    values, accuracy = synthetic_reading(S.ROTATION_VECTOR, rng)
    q = values[:4]
    assert abs(np.linalg.norm(q) - 1) < 1e-9 and values[4] > 0 and accuracy == dai.IMUReport.Accuracy.HIGH
    # the orientation turns what the accelerometer measures into the world's up, the field into north and down
    assert np.allclose(rotate(q, accel.mean(axis=0)), [0, 0, GRAVITY], atol=0.05)
    field = rotate(q, synthetic_reading(S.MAGNETOMETER_CALIBRATED, rng)[0])
    assert abs(field[0]) < 2 and field[1] > 15 and field[2] < -35
    assert synthetic_reading(S.GRAVITY, rng)[0] == pytest.approx([-GRAVITY, 0, 0])
    assert synthetic_reading(S.GAME_ROTATION_VECTOR, rng)[0][4] == 0.0


def test_recordings_in_csv_and_json(tmp_path):
    csv = tmp_path / "walk.csv"
    csv.write_text("# imu: BMI270\ntime,sensor,x,y,z\n0.0,accelerometer,-9.8,0.1,0.2\n"
                   "0.005,gyroscope,0.01,0,0\n\n0.01,rotation_vector,0,0.7071,0,0.7071\n")
    imu, reports = load_recording(str(csv))
    assert imu == "BMI270"
    assert reports == [(0.0, "acceleroMeter", [-9.8, 0.1, 0.2]), (0.005, "gyroscope", [0.01, 0, 0]),
                       (0.01, "rotationVector", [0, 0.7071, 0, 0.7071, 0.0])]
    js = tmp_path / "walk.json"
    js.write_text(json.dumps({"reports": [{"time": 0.5, "sensor": "magnetometer", "values": [1, 2, 3]}]}))
    assert load_recording(str(js)) == ("BNO086", [(0.5, "magneticField", [1.0, 2.0, 3.0])])


@pytest.mark.parametrize("text, error", [
    ("0.0,accelerometer,1,2\n", r"bad.csv, line 1: accelerometer takes 3 values, got 2"),
    ("0.0,thermometer,1,2,3\n", r"bad.csv, line 1: unknown sensor 'thermometer' — use one of accelerometer"),
    ("0.1,gyroscope,1,2,3\n0.0,gyroscope,1,2,3\n", r"bad.csv, line 2: time 0.0 goes back"),
    ("0.0,gyroscope,1,x,3\n", r"bad.csv, line 1: time and values must be numbers"),
    ("# imu: MPU6050\n", r"bad.csv:1: unknown IMU type ' MPU6050' — give one of BNO086, BMI270"),
    ("time,sensor\n", r"bad.csv: no reports in it"),
    ('{"reports": 3}', r"bad.csv: not an IMU JSON file"),
])
def test_bad_recordings_say_where_and_what(tmp_path, text, error):
    bad = tmp_path / "bad.csv"
    bad.write_text(text)
    with pytest.raises(SourceError, match=error):
        load_recording(str(bad))


def test_the_device_option(tmp_path):
    assert imu_option(None, {}) == {"type": "BNO086", "recording": None}
    assert imu_option("bmi270", {}) == {"type": "BMI270", "recording": None}
    assert imu_option(None, {"OAKLING_IMU": "NONE"}) == {"type": "NONE", "recording": None}
    rec = tmp_path / "r.csv"
    rec.write_text("0,gyroscope,0,0,0\n")
    assert imu_option(str(rec), {}) == {"type": "BNO086", "recording": str(rec)}
    with pytest.raises(SourceError, match=r"OAKLING_IMU: no IMU recording at 'nope.csv' — give a CSV or JSON"):
        imu_option(None, {"OAKLING_IMU": "nope.csv"})
    with pytest.raises(SourceError, match=r"Device\(imu=...\): expected the path of an IMU recording"):
        imu_option(3, {})
