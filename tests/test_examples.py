"""Every program in examples/ runs, unchanged, through `oakling run --headless` on a video file;
the example test of a Script's logic passes."""
import os
import subprocess
import sys

import pytest

from programs import EXAMPLES, assert_recorded, clip_fixture, oakling_run

# example -> (windows it must have recorded, text it must print)
CASES = {
    "video_preview.py": ({"preview": (360, 640)}, ""),
    "crop_resize.py": ({"crop": (300, 300)}, ""),
    "rotate.py": ({"rotated": (400, 640)}, ""),
    "manip_config_from_host.py": ({"window": (200, 200)}, ""),
    "still_capture.py": ({"preview": (360, 640), "still": (1080, 1920)}, "still 1920x1080 NV12"),
}


clip = clip_fixture(count=60)


@pytest.mark.parametrize("example", sorted(CASES))
def test_example_runs_headless_on_a_video(example, clip, tmp_path):
    windows, text = CASES[example]
    record = tmp_path / "record"
    result = oakling_run("--max-frames", "12", "--record", record, "--camera", f"CAM_A={clip}", EXAMPLES / example)
    assert text in result.stdout
    assert_recorded(record, windows)


def test_synthetic_demo_writes_pngs(tmp_path):
    result = subprocess.run([sys.executable, str(EXAMPLES / "synthetic_preview.py"), "--seconds", "1",
                             "--out", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert {p.name for p in tmp_path.glob("*.png")} == {"rgb.png", "left.png", "right.png"}
    assert "fps" in result.stdout


def test_the_example_testing_a_scripts_logic_passes_in_seconds():
    root = str(EXAMPLES.parent)   # this checkout's oakling
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, str(EXAMPLES / "test_script_logic.py")], capture_output=True, text=True,
                            timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    assert "ok: the reply came at 1 s and the alarm at 1.2 s on the node's clock" in result.stdout


def test_a_program_reading_past_the_end_of_its_clip_ends_normally(clip, tmp_path):
    result = oakling_run("--offline", "--camera-end", "stop", "--camera", f"CAM_A={clip}",
                         EXAMPLES / "video_preview.py")
    assert "ended with its input" in result.stderr and "clip.mp4 ended after 60 frames" in result.stderr


def test_stream_end_is_a_runtime_error_of_its_own(clip):
    import oakling as dai
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    cam.setPreviewSize(64, 36)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("preview")
    cam.preview.link(xout.input)
    with dai.Device(p, cameras={"CAM_A": str(clip)}, realtime=False, camera_end="stop") as device:
        q = device.getOutputQueue("preview")
        with pytest.raises(dai.StreamEnded, match="Queue 'preview': the stream ended"):
            for _ in range(1000):
                q.get(timeout=10)
    assert issubclass(dai.StreamEnded, RuntimeError)


def test_the_opencl_blur_example_blurs_the_preview(clip, tmp_path):
    record = tmp_path / "record"
    result = oakling_run("--max-frames", "8", "--record", record, "--camera", f"CAM_A={clip}",
                         EXAMPLES / "opencl_blur.py")
    assert "640x360 BGR888i" in result.stdout
    assert_recorded(record, {"blurred": (360, 640), "preview": (360, 640)})
    import cv2

    def sharpness(window):   # mean |Laplacian| over the window's frames: a blur lowers it
        frames = sorted((record / window).glob("*.png"))
        return sum(abs(cv2.Laplacian(cv2.imread(str(f), cv2.IMREAD_GRAYSCALE), cv2.CV_32F)).mean()
                   for f in frames) / len(frames)
    assert sharpness("blurred") < 0.8 * sharpness("preview")
