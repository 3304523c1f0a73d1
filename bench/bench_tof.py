#!/usr/bin/env python3
"""ToF decoding of 640x480 sensor frames (the synthetic scene from CAM_A, phase unwrapping level 4,
depth out), against the same decoding written bare with NumPy on the same frames in the same run.

Each round times the bare decoding of one frame (the 100 MHz distance plus the number of its ranges
that the 80 MHz phase agrees with, worked out at once from the two phases, invalid past the error
threshold, divided by the rays' lengths, rounded to uint16 millimetres) and one frame through the node (pushed to its
input, depth pulled from its output, on the device runtime in this process); the figures are the
medians over the rounds, and the ratio (bare time / node time) is the median of the rounds' ratios.
The temporal filter is off, so both do the same work.

Target: ratio >= 0.8.
"""
import statistics

import numpy as np

import oakling as dai
from oakling.sources.tof_scene import RANGES_MM, TURN, intrinsics, measure, ray_lengths
from oakling.testing import NodeHarness
from paired import paired_rounds

WIDTH, HEIGHT, FRAMES, ROUNDS, LEVEL, THRESHOLD = 640, 480, 4, 60, 4, 100
CAM_A = 0


def frames() -> list:
    planes = np.ascontiguousarray(measure(CAM_A, WIDTH, HEIGHT).transpose(2, 0, 1))
    out = []
    for i in range(FRAMES):   # the scene shifted sideways a little on each frame
        data = np.ascontiguousarray(np.roll(planes, 9 * i, axis=2))
        f = dai.ImgFrame()
        f.setType(dai.ImgFrame.Type.RAW16).setSize(WIDTH, HEIGHT)
        f._data = data.reshape(-1).view(np.uint8)
        out.append(f.setInstanceNum(CAM_A).setSequenceNum(i))
    return out


def bare_decoder():
    rays = ray_lengths(intrinsics(CAM_A, WIDTH, HEIGHT), WIDTH, HEIGHT)

    def bare(planes):
        pa = planes[0] / np.float32(TURN)
        x = np.float32(0.8) * pa - planes[1] / np.float32(TURN)     # the ranges are 4:5
        x = x - np.floor(x)
        k = np.rint(5 * x) % 5                                      # the candidate the 80 MHz phase agrees with
        off = x - np.float32(0.2) * k
        off = off - np.rint(off)
        distance = np.where(np.abs(off) * np.float32(RANGES_MM[1]) <= THRESHOLD, (pa + k) * np.float32(RANGES_MM[0]),
                            np.float32(0))
        return np.clip(np.rint(distance / rays), 0, 65535).astype(np.uint16)
    return bare


def rounds(inputs: list) -> tuple[list, list]:
    bare = bare_decoder()
    planes = [f.getData().view(np.uint16).reshape(3, HEIGHT, WIDTH) for f in inputs]
    tof = dai.Pipeline().create(dai.node.ToF)
    cfg = tof.initialConfig.get()
    cfg.enablePhaseShuffleTemporalFilter = False
    tof.initialConfig.set(cfg)
    with NodeHarness(tof, outputs=["depth"]) as h:
        for frame, p in zip(inputs, planes):      # warm up, and check the node decodes as the bare code
            h.push("input", frame)
            assert np.array_equal(h.pull("depth", timeout=30).getFrame(), bare(p)), "not the bare decoding"
        cv, node = paired_rounds(h, "input", "depth", inputs, bare, planes, ROUNDS)
    return cv, node


if __name__ == "__main__":
    cv, node = rounds(frames())
    ratio = statistics.median(c / n for c, n in zip(cv, node))
    ms = lambda xs: statistics.median(xs) * 1000   # noqa: E731
    print(f"ToF depth, 640x480, unwrapping level {LEVEL}, median of {ROUNDS} paired rounds: node {ms(node):.2f} ms | "
          f"bare NumPy {ms(cv):.2f} ms | ratio (bare / node) {ratio:.2f} "
          f"(target >= 0.8: {'met' if ratio >= 0.8 else 'MISSED'})")
