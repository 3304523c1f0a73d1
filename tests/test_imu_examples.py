"""The IMU example runs unchanged through `oakling run --headless --motion ...`: a gen2 program with
a camera and an IMU, whose gyroscope and pictures agree about how far the device turned."""
import math
import re

import pytest

from programs import EXAMPLES, assert_recorded, oakling_run


@pytest.mark.parametrize("motion", ["pan", "shake"])
def test_the_gyroscope_and_the_pictures_agree_on_the_turn(tmp_path, motion):
    result = oakling_run("--motion", motion, "--max-frames", "10", "--record", tmp_path / "record",
                         EXAMPLES / "imu_camera_motion.py", timeout=180)
    turns = [(float(g), float(p)) for g, p in
             re.findall(r"frame \d+: gyroscope ([\d.]+) deg, pictures ([\d.na]+) deg", result.stdout)]
    assert len(turns) >= 10, result.stdout
    measured = [(g, p) for g, p in turns if not math.isnan(p)]
    assert len(measured) >= 8 and max(g for g, _ in measured) > 1.0, result.stdout      # it did turn
    for gyro, pictures in measured:   # CAM_B is 37.5 mm off the turn's centre: a little parallax
        assert abs(gyro - pictures) <= 0.2 + 0.03 * gyro, result.stdout
    assert_recorded(tmp_path / "record", {"mono": (400, 640)})
