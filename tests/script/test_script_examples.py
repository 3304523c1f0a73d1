"""gen2's Script examples, as programs in examples/: each runs unchanged through `oakling run`."""
import os

import pytest

from programs import EXAMPLES, assert_recorded, clip_fixture, oakling_run

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


clip = clip_fixture(count=30)


@pytest.mark.parametrize("example", sorted(CASES))
def test_script_example_runs_unchanged(example, clip, tmp_path):
    camera, windows, printed, logged = CASES[example]
    cameras = ["--camera", f"CAM_A={clip}"] if camera else []
    env = dict(os.environ, OAKLING_STORAGE=str(tmp_path / "storage"))
    result = oakling_run("--max-frames", "2", "--record", tmp_path / "record", *cameras, EXAMPLES / example, env=env)
    assert printed in result.stdout and logged in result.stderr
    assert_recorded(tmp_path / "record", windows)
