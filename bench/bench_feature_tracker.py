#!/usr/bin/env python3
"""FeatureTracker on 1280x720 grey frames (a MonoCamera's THE_720_P) of a scene moving a few pixels a
frame, against the same work done bare with OpenCV on the same frames in the same run.

The bare loop is the usual way to write a corner tracker with OpenCV: cv2.calcOpticalFlowPyrLK of last
frame's corners (gen2's default 5x5 window, 4 levels at this width, 9 iterations, epsilon 0.01), then
cv2.goodFeaturesToTrack (Harris, 320 corners, 7 px apart, away from the tracked ones) to top up. Each
round times one frame through that loop and one frame through the node (pushed to its input, pulled
from its output, on the device runtime in this process: the node's own work, no link between
processes); the figures are the medians over the rounds, and the ratio (bare time / node time: the
node's speed relative to the bare code) is the median of the rounds' ratios.

Target: ratio >= 0.8.
"""
import statistics
import time

import cv2
import numpy as np

import oakling as dai
from oakling.testing import NodeHarness

WIDTH, HEIGHT, FRAMES, ROUNDS = 1280, 720, 40, 60


def scene_frames() -> list:
    """FRAMES grey pictures of a textured scene panning right and down."""
    rng = np.random.default_rng(0)
    big = cv2.GaussianBlur(rng.integers(0, 256, (HEIGHT + 400, WIDTH + 400), dtype=np.uint8), (0, 0), 3)
    big = cv2.normalize(big, None, 0, 255, cv2.NORM_MINMAX)
    for _ in range(300):
        x, y = rng.integers(0, WIDTH + 350, 2)
        cv2.rectangle(big, (int(x), int(y)), (int(x) + 25, int(y) + 18), int(rng.integers(0, 256)), -1)
    return [np.ascontiguousarray(big[200 - 2 * i:200 - 2 * i + HEIGHT, 200 - 3 * i:200 - 3 * i + WIDTH])
            for i in range(FRAMES)]


class Bare:
    def __init__(self):
        self.prev, self.pts = None, np.empty((0, 1, 2), np.float32)
        self.criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 9, 0.01)

    def __call__(self, grey):
        pts = self.pts
        if self.prev is not None and len(pts):
            pts, status, _ = cv2.calcOpticalFlowPyrLK(self.prev, grey, pts, None, winSize=(5, 5), maxLevel=3,
                                                      criteria=self.criteria)
            pts = pts[status.reshape(-1) == 1]
        mask = np.full(grey.shape, 255, np.uint8)
        for x, y in pts.reshape(-1, 2):
            cv2.circle(mask, (int(x), int(y)), 7, 0, -1)
        room = 320 - len(pts)
        if room > 0:
            new = cv2.goodFeaturesToTrack(grey, room, 0.01, 7, mask=mask, blockSize=3, useHarrisDetector=True)
            if new is not None:
                pts = np.concatenate([pts.reshape(-1, 1, 2), new.astype(np.float32)])
        self.prev, self.pts = grey, pts.reshape(-1, 1, 2)
        return self.pts


def rounds(frames: list) -> tuple[list, list, int, int]:
    ft = dai.Pipeline().create(dai.node.FeatureTracker)
    ft.inputImage.setBlocking(True)
    inputs = [dai.ImgFrame().setCvFrame(f, dai.ImgFrame.Type.GRAY8).setSequenceNum(i) for i, f in enumerate(frames)]
    bare, cv, node, counts = Bare(), [], [], []
    with NodeHarness(ft, outputs=["outputFeatures"]) as h:
        for i in range(ROUNDS):
            start = time.perf_counter()
            got = bare(frames[i % FRAMES])
            cv.append(time.perf_counter() - start)
            start = time.perf_counter()
            h.push("inputImage", inputs[i % FRAMES])
            msg = h.pull("outputFeatures", timeout=30)
            node.append(time.perf_counter() - start)
            counts.append((len(got), len(msg.trackedFeatures)))
    return cv, node, *counts[-1]


if __name__ == "__main__":
    cv, node, n_bare, n_node = rounds(scene_frames())
    ratio = statistics.median(c / n for c, n in zip(cv, node))
    ms = lambda xs: statistics.median(xs) * 1000   # noqa: E731
    print(f"corner tracking, 1280x720 grey, median of {ROUNDS} paired rounds: FeatureTracker node "
          f"{ms(node):.2f} ms ({n_node} features) | bare OpenCV {ms(cv):.2f} ms ({n_bare} features) | "
          f"ratio (bare / node) {ratio:.2f} (target >= 0.8: {'met' if ratio >= 0.8 else 'MISSED'})")
