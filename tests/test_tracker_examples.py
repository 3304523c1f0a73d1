"""The tracker examples run unchanged through `oakling run --headless`: the project's own (on a clip with
a moving white square, and on the synthetic left camera), and gen2's FeatureTracker and ObjectTracker
examples from a depthai-python checkout when DEPTHAI_EXAMPLES names its examples folder."""
import os
import re
import sys
from pathlib import Path

import pytest

from programs import EXAMPLES, assert_recorded, clip_fixture, oakling_run

clip = clip_fixture(count=40)
GEN2 = os.environ.get("DEPTHAI_EXAMPLES")


@pytest.mark.parametrize("kind", ["ZERO_TERM_COLOR_HISTOGRAM", "SHORT_TERM_KCF"])
def test_object_tracker_keeps_one_id_on_the_moving_square(clip, tmp_path, kind):
    pytest.importorskip("openvino")
    result = oakling_run("--offline", "--max-frames", "40", "--record", tmp_path / "record", "--camera",
                         f"CAM_A={clip}", EXAMPLES / "object_tracker.py", "--type", kind, timeout=120)
    lines = re.findall(r"^frame (\d+): (.*)$", result.stdout, re.M)
    assert [int(seq) for seq, _ in lines] == list(range(len(lines))) and len(lines) >= 35, result.stdout
    seen = [re.findall(r"id (\d+) (\w+) age (\d+) box \[(\d+), (\d+), (\d+), (\d+)\]", rest) for _, rest in lines]
    first = next(i for i, s in enumerate(seen) if s)
    assert all(len(s) == 1 for s in seen[first:])                       # one object, never lost
    ids = {s[0][0] for s in seen[first:]}
    statuses = [s[0][1] for s in seen[first:]]
    ages = [int(s[0][2]) for s in seen[first:]]
    assert ids == {"0"} and statuses[:3] == ["NEW", "NEW", "TRACKED"] and set(statuses[3:]) == {"TRACKED"}
    assert ages == list(range(1, len(ages) + 1))
    xs = [int(s[0][5]) for s in seen[first:]]                           # the right edge moves right
    assert xs == sorted(xs) and xs[-1] - xs[0] > 100
    assert_recorded(tmp_path / "record", {"tracker": (300, 300)})


def test_feature_tracker_keeps_its_features_on_the_still_left_camera(tmp_path):
    result = oakling_run("--max-frames", "12", "--record", tmp_path / "record", EXAMPLES / "feature_tracker.py")
    lines = re.findall(r"^frame (\d+): (\d+) features, (\d+) kept, mean age ([\d.]+)$", result.stdout, re.M)
    assert len(lines) >= 10, result.stdout
    counts = [(int(n), int(kept)) for _, n, kept, _ in lines]
    assert counts[0] == (160, 0) and all(n == 160 and kept >= 150 for n, kept in counts[1:])
    assert float(lines[-1][3]) > float(lines[1][3]) > 1.0
    assert_recorded(tmp_path / "record", {"features": (400, 640)})


def gen2_example(name: str) -> Path:
    if not GEN2:
        pytest.skip("set DEPTHAI_EXAMPLES to a depthai-python checkout's examples folder")
    path = Path(GEN2) / name
    if not path.is_file():
        pytest.skip(f"{path} is not there")
    return path


@pytest.mark.parametrize("name, windows", [
    ("FeatureTracker/feature_tracker.py", {"left": (720, 1280), "right": (720, 1280)}),
    ("FeatureTracker/feature_detector.py", {"left": (400, 640), "right": (400, 640)}),
    ("FeatureTracker/feature_tracker_color.py", {}),
    ("FeatureTracker/feature_motion_estimation.py", {}),
])
def test_gen2s_feature_tracker_examples_run_unmodified(tmp_path, name, windows):
    result = oakling_run("--max-frames", "10", "--record", tmp_path / "record", gen2_example(name), timeout=120)
    if name.endswith("motion_estimation.py"):
        counts = [int(n) for n in re.findall(r"Number of features: (\d+)", result.stdout)]
        assert counts and max(counts) >= 100, result.stdout
    assert_recorded(tmp_path / "record", windows)


def test_gen2s_object_tracker_examples_run_unmodified(clip, tmp_path):
    pytest.importorskip("openvino")
    sys.path.insert(0, str(EXAMPLES))
    from toy_models import make_blob
    ssd300, ssd544 = make_blob("ssd", 300, 300, tmp_path), make_blob("ssd", 544, 320, tmp_path)
    for args in ([], ["-ff"]):
        oakling_run("--max-frames", "20", "--record", tmp_path / f"record{len(args)}", "--blob",
                    f"mobilenet-ssd_openvino_2021.4_6shave.blob={ssd300}", "--camera", f"CAM_A={clip}",
                    gen2_example("ObjectTracker/object_tracker.py"), *args, timeout=180)
        assert_recorded(tmp_path / f"record{len(args)}", {"tracker": (300, 300) if not args else (1080, 1920)})
    oakling_run("--max-frames", "20", "--record", tmp_path / "video", "--blob",
                f"person-detection-retail-0013_openvino_2021.4_7shave.blob={ssd544}",
                gen2_example("ObjectTracker/object_tracker_video.py"), "-v", clip, timeout=180)
    assert_recorded(tmp_path / "video", {"tracker": (1080, 1920), "nn": (320, 544)})
