"""The spatial examples run unchanged through `oakling run --headless` on the synthetic stereo scene:
the spatial detector, with a stand-in that finds the near board, prints its distance; the point cloud
example prints clouds whose depth spans the scene's boards."""
import re

import pytest

from oakling.sources.stereo_scene import SCENE, board_at
from programs import EXAMPLES, assert_recorded, oakling_run

pytest.importorskip("onnx")
pytest.importorskip("openvino")
import oakling as dai  # noqa: E402
from known_box import CENTRE_PART, CENTRE_SQUARE, LABEL, box_in, box_on, known_box_blob, place  # noqa: E402

RIGHT, W, H = dai.CameraBoardSocket.CAM_C, 640, 400


def test_spatial_detection_prints_the_near_boards_place(tmp_path):
    # the example's ImageManip keeps the centred square of the right picture (setResize(300, 300))
    blob = known_box_blob("ssd", box_in(box_on(RIGHT, W, H, part=CENTRE_PART), CENTRE_SQUARE), 300, 300, tmp_path)
    record = tmp_path / "record"
    result = oakling_run("--offline", "--max-frames", "6", "--record", record, EXAMPLES / "spatial_detection.py",
                         blob, timeout=120)
    found = re.findall(r"label (\d+) \(([\d.]+)\) at X (-?\d+) Y (-?\d+) Z (-?\d+) mm", result.stdout)
    assert len(found) >= 5, result.stdout
    x, y, z = place(RIGHT, part=CENTRE_PART)
    for label, _, fx, fy, fz in found:
        assert int(label) == LABEL
        assert abs(int(fz) - z) <= 0.03 * z and abs(int(fx) - x) <= 0.03 * z and abs(int(fy) - y) <= 0.03 * z
    assert_recorded(record, {"detections": (300, 300), "depth": (H, W)})


def test_pointcloud_prints_clouds_spanning_the_scene(tmp_path):
    record = tmp_path / "record"
    result = oakling_run("--offline", "--max-frames", "4", "--record", record, EXAMPLES / "pointcloud.py",
                         timeout=120)
    clouds = re.findall(r"cloud \d+: (\d+) points of 640x400, .* z (\d+)\.\.(\d+) mm", result.stdout)
    assert len(clouds) >= 3, result.stdout
    near, back = board_at("near board").z, max(b.z for b in SCENE)
    for count, low, high in clouds:
        assert 0.5 * W * H < int(count) < W * H          # sparse: the pixels with depth only
        assert int(low) <= near and int(high) >= back
    assert_recorded(record, {"top view": (400, 600)})
