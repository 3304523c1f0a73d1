#!/usr/bin/env python3
"""1080p BGR frames an ImageManip computes (a horizontal flip of the synthetic camera's preview),
ColorCamera → ImageManip → XLinkOut → host, offline, against a same-run baseline: a loop of one
numpy.copyto per frame (what making a new 1080p frame costs at the least).

Target: ≥ 1.0 of the baseline. ImageManip writes each flipped frame straight into a shared buffer
of its output, in two halves at once, which the link lends to the host with no further copy; what
remains is the flip itself (about a copy, on one core a half) and the camera's, the link's and the
host's work on the same 2 cores, with several 6 MiB buffers turning over where the baseline
rewrites one that stays in the CPU's cache. Rounds
alternate baseline and subject on one device; figures are the medians of the rounds.
"""
from __future__ import annotations

import statistics
import time

import numpy as np

import oakling as dai
from oakling.sources.synthetic import SyntheticSource

WIDTH, HEIGHT, ROUNDS, SECONDS = 1920, 1080, 5, 1.0


def baseline_round(source: SyntheticSource) -> float:
    dst = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < SECONDS:
        np.copyto(dst, source.read())
        n += 1
    return n / (time.perf_counter() - start)


def pipeline() -> dai.Pipeline:
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    cam.setPreviewSize(WIDTH, HEIGHT)
    manip = p.create(dai.node.ImageManip)
    manip.initialConfig.setHorizontalFlip(True)
    manip.setMaxOutputFrameSize(WIDTH * HEIGHT * 3)
    cam.preview.link(manip.inputImage)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("manip")
    manip.out.link(xout.input)
    return p


def subject_round(queue) -> float:
    n, checksum, start = 0, 0, time.perf_counter()
    while time.perf_counter() - start < SECONDS:
        frame = queue.get().getFrame()
        checksum += int(frame.reshape(-1)[len(frame.reshape(-1)) // 2])   # touch the pixels on the host
        n += 1
    return n / (time.perf_counter() - start)


def main():
    source = SyntheticSource(WIDTH, HEIGHT)
    base, ours = [], []
    with dai.Device(pipeline(), realtime=False) as device:
        queue = device.getOutputQueue("manip")
        for _ in range(30):   # warm up
            queue.get()
        for _ in range(ROUNDS):
            base.append(baseline_round(source))
            ours.append(subject_round(queue))
    base, ours = statistics.median(base), statistics.median(ours)
    ratio = ours / base
    print(f"ImageManip-computed 1080p BGR device->host: {ours:7.0f} frames/s | baseline numpy.copyto loop: "
          f"{base:7.0f} frames/s | ratio {ratio:.2f} (target >= 1.0: {'met' if ratio >= 1.0 else 'MISSED'})")


if __name__ == "__main__":
    main()
