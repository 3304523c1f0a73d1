"""The stereo examples run unchanged through `oakling run --headless`: oakling's own (examples/), on the
synthetic stereo scene and on a side-by-side video, and gen2's own StereoDepth and SpatialDetection
examples when a depthai-python checkout is given (DEPTHAI_EXAMPLES=<depthai-python>/examples)."""
import os
import re
from pathlib import Path

import numpy as np
import pytest

from media import scene_sbs
from programs import EXAMPLES, assert_recorded, oakling_run

GEN2 = os.environ.get("DEPTHAI_EXAMPLES")


def centre_distances(stdout: str) -> list[float]:
    return [float(m) for m in re.findall(r"centre ([\d.]+) m", stdout)]


def test_depth_preview_sees_the_back_wall_at_3_m_in_the_centre(tmp_path):
    record = tmp_path / "record"
    result = oakling_run("--max-frames", "6", "--record", record, EXAMPLES / "depth_preview.py", "--subpixel",
                         "--filters", timeout=120)
    distances = centre_distances(result.stdout)
    assert len(distances) >= 5 and all(abs(d - 3.0) < 0.06 for d in distances), result.stdout
    assert_recorded(record, {"disparity": (400, 640)})


def test_depth_preview_on_a_side_by_side_video(tmp_path):
    scene_sbs(tmp_path / "sbs.mp4", count=8)
    result = oakling_run("--offline", "--stereo", tmp_path / "sbs.mp4", "--max-frames", "6",
                         EXAMPLES / "depth_preview.py", timeout=120)
    distances = centre_distances(result.stdout)
    assert len(distances) >= 5 and all(abs(d - 3.0) < 0.1 for d in distances), result.stdout


def test_rgb_depth_aligned_blends_depth_and_colour_of_one_size(tmp_path):
    record = tmp_path / "record"
    result = oakling_run("--max-frames", "3", "--record", record, EXAMPLES / "rgb_depth_aligned.py", timeout=120)
    assert "disparity 1280x720 on rgb 1280x720" in result.stdout
    assert_recorded(record, {"rgb-depth": (720, 1280)})


# gen2's example (under examples/ of depthai-python) -> (oakling run options, {window: (height, width)})
GEN2_CASES = {
    "StereoDepth/depth_preview.py": (["--max-frames", "8"], {"disparity": (400, 640), "disparity_color": (400, 640)}),
    "StereoDepth/depth_colormap.py": (["--max-frames", "8"], {"disparity": (400, 640)}),
    "StereoDepth/depth_post_processing.py": (["--max-frames", "8"], {"disparity": (400, 640),
                                                                      "disparity_color": (400, 640)}),
    "StereoDepth/depth_crop_control.py": (["--max-frames", "8"], {"depth": (240, 384)}),
    "StereoDepth/depth_preview_sr.py": (["--max-frames", "4"], {"disparity": (800, 1280)}),
    "StereoDepth/stereo_depth_custom_mesh.py": (["--max-frames", "4"], {"disparity": (720, 1280)}),
    "StereoDepth/rgb_depth_confidence_aligned.py": (["--seconds", "20"], {"rgb-depth-conf": (720, 1280),
                                                                           "depth": (720, 1280)}),
    "SpatialDetection/spatial_location_calculator.py": (["--max-frames", "8"], {"depth": (400, 640)}),
    "SpatialDetection/spatial_calculator_multi_roi.py": (["--max-frames", "8"], {"depth": (400, 640)}),
}


@pytest.mark.skipif(not GEN2, reason="set DEPTHAI_EXAMPLES to depthai-python's examples folder")
@pytest.mark.parametrize("example", sorted(GEN2_CASES))
def test_gen2_stereo_example_runs_unmodified(example, tmp_path):
    options, windows = GEN2_CASES[example]
    record = tmp_path / "record"
    oakling_run(*options, "--record", record, Path(GEN2) / example, timeout=180)
    assert_recorded(record, windows)
