#!/usr/bin/env python3
"""ImageAlign on 1280x800 mono frames of the left camera, aligned to the right one at a static depth
plane of 1 m, against the same warp done bare with OpenCV on the same frames in the same run.

Each round times the bare warp of one frame (cv2.warpPerspective with the plane's homography, worked
out once beforehand from the same calibration) and one frame through the node (pushed to its input,
pulled from its output, on the device runtime in this process: the node's own work, no link between
processes); the figures are the medians over the rounds, and the ratio (bare time / node time: the
node's speed relative to the bare code) is the median of the rounds' ratios.

Target: ratio >= 0.8.
"""
import statistics

import cv2
import numpy as np

import oakling as dai
from oakling.calibration import oak_d
from oakling.nodes.image_align import extrinsics, intrinsics, plane_homography
from oakling.sources.synthetic import pattern
from oakling.testing import NodeHarness
from paired import paired_rounds

WIDTH, HEIGHT, FRAMES, ROUNDS, PLANE_MM = 1280, 800, 8, 60, 1000
LEFT, RIGHT = dai.CameraBoardSocket.CAM_B, dai.CameraBoardSocket.CAM_C


def frames() -> list:
    base = pattern(WIDTH, HEIGHT)
    base = cv2.cvtColor(base[:, :, :3], cv2.COLOR_BGR2GRAY) if base.ndim == 3 else base
    return [dai.ImgFrame().setCvFrame(np.roll(base, 37 * i, axis=1), dai.ImgFrame.Type.RAW8)
            .setInstanceNum(int(LEFT)).setSequenceNum(i) for i in range(FRAMES)]


def rounds(inputs: list) -> tuple[list, list]:
    calib = oak_d()
    rotation, translation = extrinsics(calib, LEFT, RIGHT)
    hom = plane_homography(intrinsics(calib, LEFT, WIDTH, HEIGHT), intrinsics(calib, RIGHT, WIDTH, HEIGHT),
                           rotation, translation, PLANE_MM)
    images = [f.getFrame() for f in inputs]

    def bare(image):
        return cv2.warpPerspective(image, hom, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR,
                                   borderMode=cv2.BORDER_CONSTANT)

    align = dai.Pipeline().create(dai.node.ImageAlign)
    raw = align.initialConfig.get()
    raw.staticDepthPlane = PLANE_MM
    align.initialConfig.set(raw)
    align.input.setBlocking(True)
    with NodeHarness(align, outputs=["outputAligned"]) as h:
        h.push("inputAlignTo", dai.ImgFrame().setCvFrame(np.zeros((HEIGHT, WIDTH), np.uint8), dai.ImgFrame.Type.RAW8)
               .setInstanceNum(int(RIGHT)))
        for frame, image in zip(inputs, images):   # warm up, and check the node aligns as the bare code
            h.push("input", frame)
            assert np.array_equal(h.pull("outputAligned", timeout=30).getFrame(), bare(image)), "not the bare warp"
        cv, node = paired_rounds(h, "input", "outputAligned", inputs, bare, images, ROUNDS)
    return cv, node


if __name__ == "__main__":
    cv, node = rounds(frames())
    ratio = statistics.median(c / n for c, n in zip(cv, node))
    ms = lambda xs: statistics.median(xs) * 1000   # noqa: E731
    print(f"ImageAlign CAM_B -> CAM_C at {PLANE_MM} mm, 1280x800 RAW8, median of {ROUNDS} paired rounds: node "
          f"{ms(node):.2f} ms | bare cv2.warpPerspective {ms(cv):.2f} ms | ratio (bare / node) {ratio:.2f} "
          f"(target >= 0.8: {'met' if ratio >= 0.8 else 'MISSED'})")
