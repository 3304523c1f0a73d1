"""The ToF examples run unchanged through `oakling run --headless`: the project's own, which changes
the unwrapping level from the host, and gen2's ImageAlign/tof_align.py from a depthai-python checkout
when DEPTHAI_EXAMPLES names its examples folder."""
import os
import re
from pathlib import Path

import pytest

from programs import EXAMPLES, assert_recorded, oakling_run

GEN2 = os.environ.get("DEPTHAI_EXAMPLES")


def test_the_tof_example_sees_the_wall_once_the_host_raises_the_unwrapping_level(tmp_path):
    result = oakling_run("--max-frames", "20", "--record", tmp_path / "record", EXAMPLES / "tof_depth.py", timeout=120)
    lines = re.findall(r"frame (\d+): level (\d), centre (\d+) mm, valid (\d+)%", result.stdout)
    assert len(lines) == 20, result.stdout
    levels = [(int(level), int(centre)) for _, level, centre, _ in lines]
    assert levels[:5] == [(1, 0)] * 5                       # the wall at 3 m is beyond level 1's reach
    assert levels[-1] == (4, 3000) and int(lines[-1][3]) == 100
    assert_recorded(tmp_path / "record", {"depth": (480, 640)})


def test_gen2s_tof_align_example_runs_unmodified(tmp_path):
    if not GEN2 or not (Path(GEN2) / "ImageAlign/tof_align.py").is_file():
        pytest.skip("set DEPTHAI_EXAMPLES to a depthai-python checkout's examples folder")
    oakling_run("--max-frames", "10", "--record", tmp_path / "record", Path(GEN2) / "ImageAlign/tof_align.py",
                timeout=120)
    assert_recorded(tmp_path / "record", {"depth": (800 // 2, 1280 // 2), "rgb-depth": (400, 640)})
