#!/usr/bin/env python3
"""EdgeDetector on 1080p NV12 frames (a ColorCamera's video), against the same Sobel done bare with
OpenCV on the same frames in the same run.

Each round times the bare Sobel magnitude of one frame's luma (cv2.Sobel for x and y in float,
cv2.magnitude, cv2.convertScaleAbs: the straightforward way to write it) and one frame through the
node (pushed to its input, pulled from its output, on the device runtime in this process: the
node's own work, no link between processes); the figures are the medians over the rounds, and the
ratio (bare time / node time: the node's speed relative to the bare code) is the median of the
rounds' ratios.

Target: ratio >= 0.8.
"""
import statistics

import cv2
import numpy as np

import oakling as dai
from oakling.sources.synthetic import pattern
from oakling.testing import NodeHarness
from paired import paired_rounds

WIDTH, HEIGHT, FRAMES, ROUNDS = 1920, 1080, 8, 60


def bare(luma: np.ndarray) -> np.ndarray:
    gx = cv2.Sobel(luma, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(luma, cv2.CV_32F, 0, 1)
    return cv2.convertScaleAbs(cv2.magnitude(gx, gy))


def frames() -> list:
    """FRAMES different NV12 frames: the synthetic camera's pattern, shifted."""
    base = pattern(WIDTH, HEIGHT)
    base = base[:, :, :3] if base.ndim == 3 else cv2.cvtColor(base, cv2.COLOR_GRAY2BGR)
    return [dai.ImgFrame().setCvFrame(np.roll(base, 37 * i, axis=1), dai.ImgFrame.Type.NV12).setSequenceNum(i)
            for i in range(FRAMES)]


def rounds(inputs: list) -> tuple[list, list]:
    edges = dai.Pipeline().create(dai.node.EdgeDetector)
    edges.setMaxOutputFrameSize(WIDTH * HEIGHT)
    edges.inputImage.setBlocking(True)
    lumas = [f.getFrame()[:HEIGHT] for f in inputs]
    with NodeHarness(edges, outputs=["outputImage"]) as h:
        for frame, luma in zip(inputs, lumas):   # warm up, and check the node finds the same edges
            h.push("inputImage", frame)
            out = h.pull("outputImage", timeout=30).getFrame()
            assert np.abs(out.astype(int) - bare(luma)).max() <= 1, "the node's edges are not the bare Sobel's"
        cv, node = paired_rounds(h, "inputImage", "outputImage", inputs, bare, lumas, ROUNDS)
    return cv, node


if __name__ == "__main__":
    cv, node = rounds(frames())
    ratio = statistics.median(c / n for c, n in zip(cv, node))
    ms = lambda xs: statistics.median(xs) * 1000   # noqa: E731
    print(f"Sobel magnitude, 1920x1080 NV12 luma, median of {ROUNDS} paired rounds: EdgeDetector node "
          f"{ms(node):.2f} ms | bare OpenCV {ms(cv):.2f} ms | ratio (bare / node) {ratio:.2f} "
          f"(target >= 0.8: {'met' if ratio >= 0.8 else 'MISSED'})")
