"""tools/gen2_examples.py: the stand-in networks compute what their names say, and a run over an
examples folder (programs written here in gen2's style) reports each program and the total."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnx")
pytest.importorskip("openvino")
pytest.importorskip("skimage")

TOOL = Path(__file__).resolve().parents[2] / "tools" / "gen2_examples.py"
spec = importlib.util.spec_from_file_location("gen2_examples", TOOL)
gen2_examples = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen2_examples)


def infer(model, feeds):
    import openvino as ov
    compiled = ov.Core().compile_model(ov.Core().read_model(model.SerializeToString()), "CPU",
                                       {"INFERENCE_PRECISION_HINT": "f32"})   # not bf16 where the CPU has it
    return [compiled(feeds)[out] for out in compiled.outputs]


def test_the_arithmetic_stand_ins_compute_what_their_names_say():
    rng = np.random.default_rng(0)
    a, b, c = (rng.uniform(0, 255, (1, 3, 300, 300)).astype(np.float32) for _ in range(3))
    [joined] = infer(gen2_examples.concat(), {"img1": a, "img2": b, "img3": c})
    assert np.array_equal(joined, np.concatenate([a, b, c], axis=3))
    [normed] = infer(gen2_examples.normalize(), {"frame": a, "mean": np.array([127.5], np.float32),
                                                 "scale": np.array([255.0], np.float32)})
    assert np.allclose(normed, (a - 127.5) / 255, atol=1e-5)
    [blurred] = infer(gen2_examples.blur(), {"input": a})
    assert np.allclose(blurred[0, :, 1:-1, 1:-1], sum(a[0, :, 1 + dy:299 + dy, 1 + dx:299 + dx]
                                                    for dy in (-1, 0, 1) for dx in (-1, 0, 1)) / 9, atol=1e-3)
    d1, d2 = (rng.uniform(0, 255, (1, 3, 720, 720)).astype(np.float32) for _ in range(2))
    [difference] = infer(gen2_examples.diff(), {"img1": d1, "img2": d2})
    assert np.allclose(difference, np.abs(d1 - d2).mean(axis=1, keepdims=True), atol=1e-3)


def test_the_detector_stand_ins_have_the_published_shapes_and_report_one_box():
    [table] = infer(gen2_examples.ssd(300, 300, 100), {"data": np.zeros((1, 3, 300, 300), np.float32)})
    assert table.shape == (1, 1, 100, 7)
    assert np.allclose(table[0, 0, 0], gen2_examples.ONE_BOX) and (table[0, 0, 1:, 0] == -1).all()
    grids = infer(gen2_examples.yolo(416, 416, (16, 32), 255, "conv2d_"), {"images": np.zeros((1, 3, 416, 416),
                                                                                              np.float32)})
    assert [g.shape for g in grids] == [(1, 255, 26, 26), (1, 255, 13, 13)]
    assert grids[0].max() == 0 and grids[1][0, 4, 6, 6] == pytest.approx(0.9)


def test_programs_leaves_out_the_downloader_and_filters_by_path(tmp_path):
    for name in ("install_requirements.py", "models/x.py", "downloader/d.py", "Script/a.py", "Yolo/b.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    assert [p.relative_to(tmp_path).as_posix() for p in gen2_examples.programs(tmp_path, [])] == \
        ["Script/a.py", "Yolo/b.py"]
    assert [p.name for p in gen2_examples.programs(tmp_path, ["Yolo"])] == ["b.py"]


DETECTOR = '''
from pathlib import Path
import depthai as dai
blob = (Path(__file__).parent / "../models/mobilenet-ssd_openvino_2021.4_6shave.blob").resolve()
if not blob.exists():
    raise FileNotFoundError("run install_requirements.py")
pipeline = dai.Pipeline()
cam = pipeline.create(dai.node.ColorCamera)
cam.setPreviewSize(300, 300)
cam.setInterleaved(False)
nn = pipeline.create(dai.node.MobileNetDetectionNetwork)
nn.setBlobPath(blob)
nn.setConfidenceThreshold(0.5)
cam.preview.link(nn.input)
out = pipeline.create(dai.node.XLinkOut)
out.setStreamName("nn")
nn.out.link(out.input)
with dai.Device(pipeline) as device:
    detections = device.getOutputQueue("nn").get().detections
    print("labels", [d.label for d in detections])
'''
FAILING = '''
import depthai as dai
raise RuntimeError("this program needs a thermal camera")
'''


def test_a_run_over_an_examples_folder_reports_each_program_and_the_total(tmp_path):
    examples = tmp_path / "examples"
    (examples / "models").mkdir(parents=True)
    (examples / "MobileNet").mkdir()
    (examples / "MobileNet" / "detect.py").write_text(DETECTOR)
    (examples / "Thermal").mkdir()
    (examples / "Thermal" / "thermal.py").write_text(FAILING)
    result = subprocess.run([sys.executable, str(TOOL), str(examples), "--seconds", "20", "--keep",
                             str(tmp_path / "work")], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("ran ") and "MobileNet/detect.py" in line and "ended" in line for line in lines), \
        result.stdout
    assert any(line.startswith("FAIL") and "Thermal/thermal.py" in line and "needs a thermal camera" in line
               for line in lines), result.stdout
    assert "1 of 2 programs ran (50 %)" in result.stdout
    assert not (examples / "models" / "mobilenet-ssd_openvino_2021.4_6shave.blob").exists()   # the source untouched
    assert (tmp_path / "work" / "examples" / "models" / "construction_vest.mp4").stat().st_size > 10_000
