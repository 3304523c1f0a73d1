"""gen2's Script examples, as programs in examples/: each runs unchanged through `oakling run`."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from media import make_video

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# example -> (needs a camera, windows it must record, what it must print, what the log must show)
CASES = {
    "script_json_communication.py": (False, {}, "changedDict {'one': 2, 'foo': 'baz', 'fw_version': 'oakling-", ""),
    "script_nndata_example.py": (False, {}, "FP16 values: [1.0, 1.2001953125, 3.900390625, 5.5]\nUINT8 values: "
                                            "[6, 9, 4, 2, 0]", "[Script(0)] [warning] Names of layers: ['fp16', 'uint8']"),
    "script_get_device_info.py": (False, {}, '"fwVersion": "oakling-', ""),
    "script_read_calibration.py": (False, {}, "calibration read", "[warning] extrinsics CAM_B -> CAM_C"),
    "script_forward_frames.py": (True, {"stream1": (540, 960), "stream2": (540, 960)}, "", ""),
    "script_camera_control.py": (True, {"still": (1080, 1920)}, "", ""),
}


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("media") / "clip.mp4"
    make_video(path, count=30, size=(640, 360))
    return path


@pytest.mark.parametrize("example", sorted(CASES))
def test_script_example_runs_unchanged(example, clip, tmp_path):
    import cv2
    camera, windows, printed, logged = CASES[example]
    args = [sys.executable, "-m", "oakling.cli", "run", "--headless", "--max-frames", "2",
            "--record", str(tmp_path / "record")]
    if camera:
        args += ["--camera", f"CAM_A={clip}"]
    env = dict(os.environ, OAKLING_STORAGE=str(tmp_path / "storage"))
    result = subprocess.run(args + [str(EXAMPLES / example)], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    assert printed in result.stdout and logged in result.stderr
    for window, shape in windows.items():
        images = sorted((tmp_path / "record" / window).glob("*.png"))
        assert images, f"no frames recorded for window '{window}'"
        assert cv2.imread(str(images[-1])).shape[:2] == shape
