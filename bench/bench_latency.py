#!/usr/bin/env python3
"""Latency of one message at a time, p50 and p99, for small Buffers and 1080p BGR frames, over the
paths a program uses most:

    host → XLinkIn → XLinkOut → host              (the device's round trip)
    host → XLinkIn → Script → XLinkOut → host     (one Script hop more)
    host → XLinkIn → ImageManip (resize to 300×300) → XLinkOut → host   (frames only)

Each message is sent once the one before it is back, so a figure is a message's own time, not a
queue's. The baseline, measured in the same run, is the same round trip through a bare echo: the
payload written to a Unix socket, echoed by a second Python process, and read back into a buffer
(for a frame: two copies of 6 MB across processes, as little as any process boundary costs). Each
line prints oakling's p50/p99, the baseline's, and the ratio of the medians. Not timed targets:
the figures say what a hop costs.
"""
import os
import socket
import statistics
import subprocess
import sys
import time

import numpy as np

import oakling as dai
from bench_echo import echo_pipeline
from bench_script import forwarding_script

SMALL_N = 2000
FRAME_N = 200
FRAME = (1080, 1920, 3)

_ECHO = """
import socket, sys
s = socket.socket(fileno=int(sys.argv[1]))
size = int(sys.argv[2])
buf = bytearray(size)
view = memoryview(buf)
while True:
    got = 0
    while got < size:
        n = s.recv_into(view[got:])
        if not n:
            sys.exit(0)
        got += n
    s.sendall(buf)
"""


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def bare_echo(size: int, n: int) -> list[float]:
    """Round trips of `size` bytes through a second process over a Unix socket, one at a time."""
    ours, theirs = socket.socketpair()
    proc = subprocess.Popen([sys.executable, "-c", _ECHO, str(theirs.fileno()), str(size)],
                            pass_fds=[theirs.fileno()])
    theirs.close()
    payload = np.random.default_rng(0).integers(0, 255, size, np.uint8).tobytes()
    back = bytearray(size)
    view = memoryview(back)
    times = []
    for _ in range(n + 10):
        start = time.perf_counter()
        ours.sendall(payload)
        got = 0
        while got < size:
            got += ours.recv_into(view[got:])
        times.append(time.perf_counter() - start)
    ours.close()
    proc.wait()
    return times[10:]


def resized(pipeline, source):
    manip = pipeline.create(dai.node.ImageManip)
    manip.initialConfig.setResize(300, 300)
    manip.setMaxOutputFrameSize(300 * 300 * 3)
    source.link(manip.inputImage)
    return manip.out


def round_trips(middle, frames: bool, n: int) -> list[float]:
    """Round trips through echo_pipeline(middle), one message at a time."""
    if frames:
        picture = np.random.default_rng(0).integers(0, 255, FRAME, np.uint8)
    with dai.Device(echo_pipeline(middle, max_data_size=int(np.prod(FRAME)))) as device:
        qin, qout = device.getInputQueue("in"), device.getOutputQueue("out")
        times = []
        for k in range(n + 10):
            if frames:
                msg = dai.ImgFrame()
                msg.setCvFrame(picture, dai.ImgFrame.Type.BGR888i)
            else:
                msg = dai.Buffer()
                msg.setData(bytes(16))
            msg.setSequenceNum(k)
            start = time.perf_counter()
            qin.send(msg)
            back = qout.get()
            times.append(time.perf_counter() - start)
            assert back.getSequenceNum() == k
    return times[10:]


def line(what: str, ours: list[float], base: list[float]):
    (p50, p99), (b50, b99) = percentiles(ours), percentiles(base)
    print(f"  {what:<52} p50 {p50 * 1e3:7.3f} ms  p99 {p99 * 1e3:7.3f} ms | bare echo p50 {b50 * 1e3:7.3f} ms  "
          f"p99 {b99 * 1e3:7.3f} ms | p50 ratio {p50 / b50:5.2f}")


def main():
    print(f"latency of one message at a time (load {os.getloadavg()[0]:.1f})")
    small_base = bare_echo(16, SMALL_N)
    frame_base = bare_echo(int(np.prod(FRAME)), FRAME_N)
    line("small Buffer, XLinkIn → XLinkOut", round_trips(None, False, SMALL_N), small_base)
    line("small Buffer, XLinkIn → Script → XLinkOut", round_trips(forwarding_script, False, SMALL_N), small_base)
    line("1080p BGR, XLinkIn → XLinkOut", round_trips(None, True, FRAME_N), frame_base)
    line("1080p BGR, XLinkIn → Script → XLinkOut", round_trips(forwarding_script, True, FRAME_N), frame_base)
    line("1080p BGR, XLinkIn → ImageManip 300×300 → XLinkOut", round_trips(resized, True, FRAME_N), frame_base)


if __name__ == "__main__":
    main()
