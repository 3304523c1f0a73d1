#!/usr/bin/env python3
"""AprilTag on 1280x800 grey frames (a MonoCamera's 800P), three 36h11 tags in perspective in each of
scikit-image's photographs, against OpenCV's ArUco detector with its AprilTag dictionary run bare on
the same frames in the same run.

Each round times the bare detector on one frame (cv2.aruco.ArucoDetector with its default
parameters on the full frame: the straightforward way to write it) and one frame through the node
(pushed to its input, pulled from its output, on the device runtime in this process), once with
gen2's default config (quadDecimate 4) and once with quadDecimate 1; the figures are the medians
over the rounds, and each ratio (bare time / node time) the median of the rounds' ratios. Every
tag must be found by both, at the same id.

Target: ratio >= 0.8.
"""
import os
import statistics
import sys

import cv2
import numpy as np

import oakling as dai
from oakling.testing import NodeHarness
from paired import paired_rounds

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from media import photo_gray, render_tag  # noqa: E402

PHOTOS = ("astronaut", "camera", "coffee", "chelsea", "rocket")
TAGS = [(7, [[200, 150], [420, 170], [400, 380], [180, 360]]), (23, [[910, 390], [805, 400], [800, 300], [900, 290]]),
        (3, [[560, 520], [700, 560], [690, 700], [550, 660]])]
ROUNDS = 40


def frames() -> list:
    out = []
    for i, name in enumerate(PHOTOS):
        img = photo_gray(name, (1280, 800))
        for tag_id, corners in TAGS:
            img = render_tag(img, "TAG_36H11", tag_id, corners)
        out.append(img)
    return out


def bare_detector():
    d = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_APRILTAG_36h11)
    det = cv2.aruco.ArucoDetector(d, cv2.aruco.DetectorParameters())
    return lambda img: det.detectMarkers(img)[1]


def rounds(images: list, decimate: int) -> tuple[list, list]:
    node = dai.Pipeline().create(dai.node.AprilTag)
    node.initialConfig.quadDecimate = decimate
    node.inputImage.setBlocking(True)
    bare = bare_detector()
    inputs = [dai.ImgFrame().setCvFrame(img, dai.ImgFrame.Type.GRAY8).setSequenceNum(i) for i, img in enumerate(images)]
    want = sorted(t for t, _ in TAGS)
    with NodeHarness(node, outputs=["out"]) as h:
        for frame, img in zip(inputs, images):     # warm up, and check both find every tag
            h.push("inputImage", frame)
            assert sorted(t.id for t in h.pull("out", timeout=30).aprilTags) == want, "the node missed a tag"
            assert sorted(bare(img).ravel()) == want, "the bare detector missed a tag"
        return paired_rounds(h, "inputImage", "out", inputs, bare, images, ROUNDS)


if __name__ == "__main__":
    images = frames()
    ms = lambda xs: statistics.median(xs) * 1000   # noqa: E731
    for decimate in (4, 1):
        cv, node = rounds(images, decimate)
        ratio = statistics.median(c / n for c, n in zip(cv, node))
        print(f"AprilTag 36h11, 1280x800 grey, median of {ROUNDS} paired rounds: AprilTag node (quadDecimate "
              f"{decimate}) {ms(node):.2f} ms | bare OpenCV ArucoDetector {ms(cv):.2f} ms | ratio (bare / node) "
              f"{ratio:.2f} (target >= 0.8: {'met' if ratio >= 0.8 else 'MISSED'})")
