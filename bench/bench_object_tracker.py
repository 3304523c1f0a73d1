#!/usr/bin/env python3
"""ObjectTracker (ZERO_TERM_COLOR_HISTOGRAM) on 1280x720 BGR frames with 12 moving objects, against the
same tracking step done bare with OpenCV and NumPy on the same frames in the same run.

The bare step is what a colour-histogram tracker has to do per frame: the hue-saturation histogram of
each detection's box (cv2.cvtColor, cv2.calcHist, cv2.normalize), the boxes' overlaps with last frame's
(NumPy), each overlapping pair's histogram likeness (cv2.compareHist), and the assignment (the
best pairs first). Each round times one frame through that and one frame through
the node (the tracker frame and the detections pushed to its inputs, the Tracklets pulled from `out`, on
the device runtime in this process: the node's own work, no link between processes); the figures are
the medians over the rounds, and the ratio (bare time / node time: the node's speed relative to the
bare code) is the median of the rounds' ratios.

Target: ratio >= 0.8.
"""
import statistics
import time

import cv2
import numpy as np

import oakling as dai
from oakling.nodes.object_tracker import iou
from oakling.testing import NodeHarness

WIDTH, HEIGHT, OBJECTS, ROUNDS = 1280, 720, 12, 150


def scene() -> tuple[list, list]:
    """ROUNDS pictures of OBJECTS coloured boxes moving about, and each frame's boxes (normalised)."""
    rng = np.random.default_rng(1)
    start = rng.uniform(0.05, 0.8, (OBJECTS, 2))
    speed = rng.uniform(-0.0015, 0.0015, (OBJECTS, 2))
    colours = rng.integers(0, 256, (OBJECTS, 3))
    pictures, boxes = [], []
    for i in range(ROUNDS):
        img = np.full((HEIGHT, WIDTH, 3), 60, np.uint8)
        frame_boxes = []
        for (x, y), (vx, vy), c in zip(start, speed, colours):
            x0, y0 = x + vx * i, y + vy * i
            box = (x0, y0, x0 + 0.1, y0 + 0.12)
            cv2.rectangle(img, (int(box[0] * WIDTH), int(box[1] * HEIGHT)), (int(box[2] * WIDTH), int(box[3] * HEIGHT)),
                          tuple(int(v) for v in c), -1)
            frame_boxes.append(box)
        pictures.append(img)
        boxes.append(frame_boxes)
    return pictures, boxes


def hist(img, box):
    h, w = img.shape[:2]
    roi = img[int(box[1] * h):int(np.ceil(box[3] * h)), int(box[0] * w):int(np.ceil(box[2] * w))]
    out = cv2.calcHist([cv2.cvtColor(roi, cv2.COLOR_BGR2HSV)], [0, 1], None, [16, 16], [0, 180, 0, 256])
    return cv2.normalize(out, out).reshape(-1)


def bare_step(img, boxes, last):
    """One tracking step: (boxes, histograms) of this frame, and the matched pairs with last frame's."""
    hists = [hist(img, b) for b in boxes]
    arr = np.array(boxes)
    if last is None:
        return (arr, hists), []
    overlap = iou(last[0], arr)
    affinity = overlap.copy()
    for i, j in zip(*np.nonzero(overlap)):
        affinity[i, j] *= 0.5 + 0.5 * max(cv2.compareHist(last[1][i], hists[j], cv2.HISTCMP_CORREL), 0.0)
    rows, cols = np.nonzero(overlap >= 0.3)
    pairs, taken_rows, taken_cols = [], set(), set()
    for k in np.argsort(-affinity[rows, cols], kind="stable").tolist():
        i, j = int(rows[k]), int(cols[k])
        if i not in taken_rows and j not in taken_cols:
            taken_rows.add(i)
            taken_cols.add(j)
            pairs.append((i, j))
    return (arr, hists), pairs


def rounds(pictures, boxes):
    ot = dai.Pipeline().create(dai.node.ObjectTracker)
    ot.setTrackerType(dai.TrackerType.ZERO_TERM_COLOR_HISTOGRAM)
    for port in (ot.inputTrackerFrame, ot.inputDetections):
        port.setBlocking(True)
    frames = [dai.ImgFrame().setCvFrame(p, dai.ImgFrame.Type.BGR888i) for p in pictures]
    pictures = [f.getData().reshape(HEIGHT, WIDTH, 3) for f in frames]      # both read the same bytes
    dets = []
    for frame_boxes in boxes:
        msg = dai.ImgDetections()
        msg.detections = [dai.ImgDetection(1, 0.9, *b) for b in frame_boxes]
        dets.append(msg)
    cv, node, last, matched = [], [], None, None
    with NodeHarness(ot, inputs=["inputTrackerFrame", "inputDetections"], outputs=["out"]) as h:
        for k in range(ROUNDS):                    # one pass over the scene: the objects stay the same 12
            start = time.perf_counter()
            last, pairs = bare_step(pictures[k], boxes[k], last)
            cv.append(time.perf_counter() - start)
            frames[k].setSequenceNum(k)
            dets[k].setSequenceNum(k)
            start = time.perf_counter()
            h.push("inputTrackerFrame", frames[k])
            h.push("inputDetections", dets[k])
            out = h.pull("out", timeout=30)
            node.append(time.perf_counter() - start)
            matched = (len(pairs), sum(t.status == dai.Tracklet.TrackingStatus.TRACKED for t in out.tracklets))
    return cv, node, matched


if __name__ == "__main__":
    cv, node, (pairs, tracked) = rounds(*scene())
    ratio = statistics.median(c / n for c, n in zip(cv, node))
    ms = lambda xs: statistics.median(xs) * 1000   # noqa: E731
    print(f"colour-histogram tracking, 1280x720, {OBJECTS} objects, median of {ROUNDS} paired rounds: "
          f"ObjectTracker node {ms(node):.2f} ms ({tracked} tracked) | bare {ms(cv):.2f} ms ({pairs} matched) | "
          f"ratio (bare / node) {ratio:.2f} (target >= 0.8: {'met' if ratio >= 0.8 else 'MISSED'})")
