"""The demo's program, end to end in a real device process, on a clip of real photographs whose true
face boxes are known: faces are found where they are (IoU ≥ 0.5) in ≥ 95 % of the frames that show
one, their landmarks fall inside the face box, and no face is reported on ≥ 95 % of the face-free
frames."""
import time

import numpy as np
import pytest

import oakling as dai
from oakling.demo import program
from oakling.demo.summary import accuracy


def test_the_pipeline_is_the_two_stage_gen2_program(demo_blobs):
    pipeline = program.create_pipeline(*demo_blobs)
    names = sorted(type(n).__name__ for n in pipeline.getAllNodes())
    assert names == sorted(["ColorCamera", "ImageManip", "MobileNetDetectionNetwork", "Script", "ImageManip",
                            "NeuralNetwork", "XLinkOut", "XLinkOut", "XLinkOut"])
    crop = [n for n in pipeline.getAllNodes() if isinstance(n, dai.node.ImageManip) and n.inputConfig.getWaitForMessage()]
    assert len(crop) == 1


def test_faces_are_found_and_read_on_the_clip(demo_blobs, short_clip):
    path, truth = short_clip
    frames = program.run(str(path), *demo_blobs)
    assert [f.seq for f in frames] == list(range(len(truth.faces)))
    acc = accuracy(frames, truth)
    assert acc.face_frames > 40 and acc.free_frames > 30
    assert acc.found_rate >= 0.95, acc
    assert min(acc.ious) >= 0.5 and np.mean(acc.ious) > 0.7
    assert acc.landmark_rate >= 0.95, acc
    assert acc.free_rate >= 0.95, acc
    for f in frames:
        assert all(face.landmarks.shape == (468, 2) and 0.6 <= face.confidence <= 1 for face in f.faces)
        assert f.latency > 0


def test_max_frames_stops_the_run(demo_blobs, short_clip):
    frames = program.run(str(short_clip[0]), *demo_blobs, max_frames=5)
    assert [f.seq for f in frames] == [0, 1, 2, 3, 4]


def test_a_face_mesh_blob_the_crops_do_not_fit_is_an_error_not_a_hang(demo_blobs, short_clip):
    """The detector's blob given as the face mesh: its 256×256 input cannot take the 192×192 crops. The
    run ends at once with the node, what does not fit and what to send, instead of waiting forever for
    landmarks."""
    detector, _ = demo_blobs
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"the pipeline stopped: NeuralNetwork\(\d+\): NeuralNetwork\(\d+\)\.input: "
                                           r"image 192x192 BGR888i does not match input .* send 256x256 images"):
        program.run(str(short_clip[0]), detector, detector)
    assert time.monotonic() - start < 30


def test_landmarks_that_never_come_end_the_wait_with_what_to_check():
    """A crop lost between the detector and the face mesh (nothing fails, nothing comes): after the
    timeout the host stops waiting and says where to look; a failed node is said at once."""
    from oakling.demo.program import next_landmarks
    p = dai.Pipeline()
    script = p.create(dai.node.Script)
    script.setScript("import time\nwhile True:\n    time.sleep(1)\n")   # sends nothing, like a lost crop
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("landmarks")
    script.outputs["out"].link(xout.input)
    with dai.Device(p) as device:
        queue = device.getOutputQueue("landmarks")
        started = time.monotonic()
        with pytest.raises(RuntimeError, match=r"no landmarks for face 2 of frame 7 within 1.5 s of its detections: "
                                               r"a node between the detector and the face mesh .* dropped its crop"):
            next_landmarks(queue, 7, 1, 1.5, lambda: None)
        assert 1.4 < time.monotonic() - started < 10
        with pytest.raises(RuntimeError, match="NeuralNetwork\\(5\\): broken"):
            next_landmarks(queue, 7, 0, 30, lambda: RuntimeError("the pipeline stopped: NeuralNetwork(5): broken"))
