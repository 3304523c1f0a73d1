#!/usr/bin/env python3
"""Camera fed by a 1080p H.264 file → ImageManip (resize to 300×300 BGR888p) → XLinkOut → host,
in offline mode (every frame, as fast as the pipeline goes), against a same-run plain loop that
decodes the same file with PyAV and cv2.resize's each frame.

Target: ≥ 95 % of the baseline. Baseline and pipeline run back to back in each of ROUNDS rounds (which
goes first alternates); the ratio is the median of the rounds' ratios, so the machine's speed drifting
between rounds cancels out, and its range is printed.
"""
import os
import statistics
import tempfile
import time

import av
import cv2
import numpy as np

import oakling as dai
from oakling.sources.synthetic import pattern

WIDTH, HEIGHT, FRAMES = 1920, 1080, 240
ROUNDS = 7
TARGET = 0.95


def make_clip(path: str):
    """A moving pattern, H.264 at 30 fps."""
    tile = pattern(WIDTH, HEIGHT)
    with av.open(path, "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "23"}
        for k in range(FRAMES):
            img = np.roll(tile, 8 * k, axis=1)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def baseline(path: str) -> float:
    start, n = time.perf_counter(), 0
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            cv2.resize(frame.to_ndarray(format="bgr24"), (300, 300))
            n += 1
    return n / (time.perf_counter() - start)


def oakling_fps(path: str) -> float:
    pipeline = dai.Pipeline()
    cam = pipeline.create(dai.node.ColorCamera)
    cam.setBoardSocket(dai.CameraBoardSocket.CAM_A)
    cam.setPreviewSize(WIDTH, HEIGHT)
    manip = pipeline.create(dai.node.ImageManip)
    manip.initialConfig.setResize(300, 300)
    manip.initialConfig.setFrameType(dai.ImgFrame.Type.BGR888p)
    cam.preview.link(manip.inputImage)
    xout = pipeline.create(dai.node.XLinkOut)
    xout.setStreamName("nn")
    manip.out.link(xout.input)
    with dai.Device(pipeline, cameras={"CAM_A": path}, realtime=False, camera_end="stop") as device:
        q = device.getOutputQueue("nn")
        q.get()
        start, n = time.perf_counter(), 1
        try:
            while True:
                q.get()
                n += 1
        except RuntimeError:   # the file ended, and with it the stream
            pass
        return (n - 1) / (time.perf_counter() - start)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        clip = os.path.join(tmp, "clip.mp4")
        make_clip(clip)
        bases, ours = [], []
        for k in range(ROUNDS):
            if k % 2:
                ours.append(oakling_fps(clip))
                bases.append(baseline(clip))
            else:
                bases.append(baseline(clip))
                ours.append(oakling_fps(clip))
    ratios = sorted(o / b for o, b in zip(ours, bases))
    ratio = statistics.median(ratios)
    print(f"video 1080p H.264 -> ImageManip 300x300 BGR888p -> host: {statistics.median(ours):6.0f} frames/s | "
          f"baseline PyAV decode + cv2.resize loop: {statistics.median(bases):6.0f} frames/s | ratio {ratio:.2f} "
          f"(rounds {ratios[0]:.2f}-{ratios[-1]:.2f}; target >= {TARGET:.2f}: {'met' if ratio >= TARGET else 'MISSED'}) "
          f"| load average {os.getloadavg()[0]:.1f}")
