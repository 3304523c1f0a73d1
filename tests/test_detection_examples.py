"""The detection examples run unchanged through `oakling run --headless` on a clip with a moving white square."""
import re

import cv2
import pytest

from programs import EXAMPLES, clip_fixture, oakling_run

pytest.importorskip("onnx")
pytest.importorskip("openvino")

clip = clip_fixture(count=40)


def run_example(name, clip, record, *args, offline=True):
    pacing = ["--offline"] if offline else []      # real time: the host is not faster than the detector
    return oakling_run(*pacing, "--max-frames", "30", "--record", record, "--camera", f"CAM_A={clip}",
                       EXAMPLES / name, *args, timeout=90)


def test_two_stage_nn_pairs_each_detection_with_the_classifier_result_on_its_crop(clip, tmp_path):
    result = run_example("script_two_stage_nn.py", clip, tmp_path / "record")
    lines = re.findall(r"frame (\d+): box \[(\d+), (\d+), (\d+), (\d+)\] confidence ([\d.]+), bright ([\d.]+)",
                       result.stdout)
    assert len(lines) >= 10, result.stdout
    seqs = [int(line[0]) for line in lines]
    assert seqs == sorted(set(seqs))                       # one detection per frame, in order
    for _, x0, y0, x1, y1, confidence, bright in lines:
        assert float(confidence) > 0.9 and float(bright) > 0.9    # the crop sent to the classifier is the square
        assert 60 <= int(y1) - int(y0) <= 90                   # the 90 px square of a 360 px clip, in a 300 px preview
    xs = [int(line[1]) for line in lines]
    assert xs[-1] > xs[0]                                  # it moves right
    images = sorted((tmp_path / "record" / "detections").glob("*.png"))
    assert len(images) >= 20 and cv2.imread(str(images[-1])).shape[:2] == (300, 300)


def test_change_pipeline_flow_runs_the_detector_only_while_toggled_on(clip, tmp_path):
    result = run_example("script_change_pipeline_flow.py", clip, tmp_path / "record", "--toggle-every", "8",
                         offline=False)
    events = re.findall(r"^(Enabling|Disabling) NN inferencing|^frame (\d+): (\d+) detections", result.stdout, re.M)
    assert [e[0] for e in events if e[0]] == ["Enabling", "Disabling", "Enabling"], result.stdout
    assert [line.rsplit(" ", 1)[1] for line in result.stderr.splitlines() if "Toggle!" in line] == ["1", "0", "1"]
    assert events[0][0] == "Enabling"                      # no results before the host turns the detector on
    found = [(int(seq), int(count)) for toggle, seq, count in events if seq]
    assert found and all(count == 1 for _, count in found), result.stdout
    assert min(seq for seq, _ in found) >= 7               # frames before the 8th were never sent to the detector
    images = sorted((tmp_path / "record" / "Color_frame").glob("*.png"))
    assert len(images) >= 20 and cv2.imread(str(images[-1])).shape[:2] == (720, 720)
