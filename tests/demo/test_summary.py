"""Scoring a run against the truth, the summary's text, and the drawing."""
import numpy as np
import pytest

from oakling.demo.clip import Truth
from oakling.demo.program import Face, Frame
from oakling.demo.summary import KEY_LANDMARKS, accuracy, annotate, iou, summary


def face(box, landmarks_at=None):
    x0, y0, x1, y1 = box
    points = np.full((468, 2), landmarks_at if landmarks_at is not None else ((x0 + x1) / 2, (y0 + y1) / 2), np.float32)
    return Face(tuple(box), 0.9, 0.99, points)


def frame(seq, faces, t=0.0):
    return Frame(seq, np.zeros((360, 640, 3), np.uint8), faces=faces, latency=0.01 * (seq + 1),
                 arrived={"frames": t, "detections": t, **({"landmarks": t} if faces else {})})


@pytest.mark.parametrize("a, b, expected", [
    ((0, 0, 10, 10), (0, 0, 10, 10), 1.0),
    ((0, 0, 10, 10), (5, 0, 15, 10), 1 / 3),
    ((0, 0, 10, 10), (20, 20, 30, 30), 0.0),
])
def test_iou(a, b, expected):
    assert iou(a, b) == pytest.approx(expected)


def test_accuracy_counts_found_missed_extra_and_landmarks():
    truth = Truth((640, 360), 30, ["a"] * 5, [[[10, 10, 50, 50]], [[10, 10, 50, 50]], [], [], [[100, 100, 140, 140]]])
    frames = [
        frame(0, [face((12, 12, 50, 52))]),                        # found, landmarks inside
        frame(1, [face((30, 30, 70, 70))]),                        # IoU 0.14: missed, and one extra face
        frame(2, []),                                              # right
        frame(3, [face((0, 0, 5, 5))]),                            # a face on a face-free frame
        frame(4, [face((100, 100, 140, 140), landmarks_at=(0, 0))]),  # found, landmarks outside
    ]
    acc = accuracy(frames, truth)
    assert (acc.face_frames, acc.found, acc.faces, acc.matched) == (3, 2, 3, 2)
    assert (acc.free_frames, acc.free_right, acc.extra_faces) == (2, 1, 2)
    assert acc.landmarks_inside == 1 and acc.landmark_rate == 0.5
    assert acc.found_rate == pytest.approx(2 / 3) and acc.free_rate == 0.5


def test_frames_past_the_clip_are_an_error():
    with pytest.raises(ValueError, match="past the clip's 1 frames"):
        accuracy([frame(3, [])], Truth((640, 360), 30, ["a"], [[]]))


def test_the_summary_says_frames_faces_rates_latency_and_accuracy():
    truth = Truth((640, 360), 30, ["a"] * 3, [[[10, 10, 50, 50]], [], []])
    frames = [frame(0, [face((10, 10, 50, 50))], 0.0), frame(1, [], 0.5), frame(2, [], 1.0)]
    text = summary(frames, 1.5, accuracy(frames, truth), "x.mp4")
    assert "on x.mp4" in text
    assert "3 in 1.50 s" in text and "2.0 frames/s end to end" in text
    assert "0: 2 frames, 1: 1 frames" in text
    assert "p50 20.0 ms" in text
    assert "1/1 frames showing faces (100.0%)" in text and "2/2 frames (100.0%)" in text
    assert "landmarks in the face box     1/1 faces" in text


def test_annotate_draws_the_box_and_the_landmarks():
    f = frame(0, [face((100, 100, 200, 200), landmarks_at=(150, 150))])
    img = annotate(f)
    assert tuple(img[150, 100]) == (40, 220, 40)       # the box's left edge
    assert tuple(img[150, 150]) == (255, 200, 0)       # a landmark
    assert not f.image.any()                           # the frame's own picture is left alone
    assert len(KEY_LANDMARKS) == 9
