#!/usr/bin/env python3
"""1080p BGR frames from the device to the host through XLinkOut, against a same-run baseline:
a single-process loop that numpy.copyto's the same frames (what a frame costs at the least).

Target: ≥ 40 % of the baseline and ≥ 300 frames/s.

The synthetic camera's frames live in a published shared region, so they cross by reference.
A second figure shows the other path, taken by frames in private memory (a node's frames when its
output's pool of shared buffers is exhausted; computed frames are otherwise lent, see
bench_manip_frames.py): one copy into a link segment, measured on a bare link between two processes.
"""
import os
import socket
import time

import numpy as np

import oakling as dai
from oakling.sources.synthetic import SyntheticSource

WIDTH, HEIGHT, SECONDS = 1920, 1080, 3.0


def baseline() -> float:
    source = SyntheticSource(WIDTH, HEIGHT)
    dst = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < SECONDS:
        np.copyto(dst, source.read())
        n += 1
    return n / (time.perf_counter() - start)


def oakling_fps() -> float:
    pipeline = dai.Pipeline()
    cam = pipeline.create(dai.node.ColorCamera)
    cam.setPreviewSize(WIDTH, HEIGHT)
    xout = pipeline.create(dai.node.XLinkOut)
    xout.setStreamName("frames")
    cam.preview.link(xout.input)
    with dai.Device(pipeline, realtime=False) as device:
        q = device.getOutputQueue("frames")
        for _ in range(30):   # warm up: segments mapped, threads running
            q.get()
        n, checksum, start = 0, 0, time.perf_counter()
        while time.perf_counter() - start < SECONDS:
            frame = q.get().getFrame()
            checksum += int(frame[HEIGHT // 2, WIDTH // 2, 0])   # touch the pixels on the host
            n += 1
        return n / (time.perf_counter() - start)


def copied_fps() -> float:
    from oakling.link.link import Link
    from oakling.messages import ImgFrame
    host_end, device_end = socket.socketpair()
    child = os.fork()
    if child == 0:   # the "device": frames that are not in a shared region
        try:
            source = SyntheticSource(WIDTH, HEIGHT)
            link = Link(device_end, "frames")
            frame = ImgFrame().setType(ImgFrame.Type.BGR888i).setSize(WIDTH, HEIGHT)
            private = np.array(source.read())
            while True:
                frame._data = private.reshape(-1)
                link.send_message(frame)
        finally:
            os._exit(0)
    link = Link(host_end, "frames")
    for _ in range(30):
        link.recv()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < SECONDS:
        frame = link.recv().message.getFrame()
        n += 1
    fps = n / (time.perf_counter() - start)
    link.close()
    os.waitpid(child, 0)
    return fps


if __name__ == "__main__":
    base = baseline()
    ours = oakling_fps()
    ratio = ours / base
    ok = ratio >= 0.40 and ours >= 300
    print(f"xlink 1080p BGR device->host: {ours:7.0f} frames/s | baseline numpy.copyto loop: {base:7.0f} "
          f"frames/s | ratio {ratio:.2f} (target >= 0.40 and >= 300 frames/s: {'met' if ok else 'MISSED'})")
    copied = copied_fps()
    print(f"  frames in private memory (one copy into a link segment): {copied:7.0f} frames/s | "
          f"ratio {copied / base:.2f} against the same baseline")
