#!/usr/bin/env python3
"""Warp on 1080p BGR888i frames through a 3x3 mesh, against the same warp done bare with OpenCV on
the same frames in the same run.

Each round times the bare warp of one frame (cv2.remap with dense maps made once beforehand from
the same mesh: the straightforward way to write it) and one frame through the node (pushed to its
input, pulled from its output, on the device runtime in this process: the node's own work, no link
between processes); the figures are the medians over the rounds, and the ratio (bare time / node
time: the node's speed relative to the bare code) is the median of the rounds' ratios.

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
MESH = [(60, 40), (960, 0), (1860, 40),
        (0, 540), (960, 540), (1919, 540),
        (60, 1040), (960, 1079), (1860, 1040)]   # a barrel-like pull towards the middle of each edge


def bare_maps() -> tuple:
    """Dense maps of the mesh, interpolated linearly between its points over the output frame."""
    pts = np.asarray(MESH, np.float64).reshape(3, 3, 2)
    def weights(n_out, n_mesh):
        pos = np.linspace(0, n_mesh - 1, n_out)
        lo = np.minimum(pos.astype(int), n_mesh - 2)
        w = np.zeros((n_out, n_mesh))
        w[np.arange(n_out), lo], w[np.arange(n_out), lo + 1] = 1 - (pos - lo), pos - lo
        return w
    wy, wx = weights(HEIGHT, 3), weights(WIDTH, 3)
    map_x = (wy @ pts[:, :, 0] @ wx.T).astype(np.float32)
    map_y = (wy @ pts[:, :, 1] @ wx.T).astype(np.float32)
    return cv2.convertMaps(map_x, map_y, cv2.CV_16SC2)


def frames() -> list:
    base = pattern(WIDTH, HEIGHT)
    base = base[:, :, :3] if base.ndim == 3 else cv2.cvtColor(base, cv2.COLOR_GRAY2BGR)
    return [dai.ImgFrame().setCvFrame(np.roll(base, 37 * i, axis=1), dai.ImgFrame.Type.BGR888i).setSequenceNum(i)
            for i in range(FRAMES)]


def rounds(inputs: list) -> tuple[list, list]:
    warp = dai.Pipeline().create(dai.node.Warp)
    warp.setWarpMesh(MESH, 3, 3)
    warp.setMaxOutputFrameSize(WIDTH * HEIGHT * 3)
    map1, map2 = bare_maps()
    images = [f.getCvFrame() for f in inputs]

    def bare(image):
        return cv2.remap(image, map1, map2, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)

    with NodeHarness(warp) as h:
        for frame, image in zip(inputs, images):   # warm up, and check the node warps as the bare code
            h.push("inputImage", frame)
            out = h.pull("out", timeout=30).getCvFrame()
            assert np.abs(out.astype(int) - bare(image)).max() <= 1, "the node's warp is not the bare one"
        cv, node = paired_rounds(h, "inputImage", "out", inputs, bare, images, ROUNDS)
    return cv, node


if __name__ == "__main__":
    cv, node = rounds(frames())
    ratio = statistics.median(c / n for c, n in zip(cv, node))
    ms = lambda xs: statistics.median(xs) * 1000   # noqa: E731
    print(f"3x3 warp mesh, 1920x1080 BGR888i, median of {ROUNDS} paired rounds: Warp node {ms(node):.2f} ms | "
          f"bare cv2.remap {ms(cv):.2f} ms | ratio (bare / node) {ratio:.2f} "
          f"(target >= 0.8: {'met' if ratio >= 0.8 else 'MISSED'})")
