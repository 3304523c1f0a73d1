#!/usr/bin/env python3
"""The Script node's speed, against baselines measured in the same run:

- small Buffers host → XLinkIn → Script (forwards) → XLinkOut → host, against the same echo
  without the script (XLinkIn → XLinkOut);
- small Buffers forwarded on the device alone: a producer Script → a forwarding Script → a
  counting Script, which reports the rate (no host in the loop), against the same chain without
  the forwarding Script;
- 1080p BGR frames camera → Script (forwards) → XLinkOut → host, against camera → XLinkOut;
- how soon a Script is ready: Device(pipeline) returns, and the script's first message reaches
  the host.

Each figure is the median of paired rounds (a baseline run, then the same with the Script), with
the median ratio and its range over the rounds. `bench_script.py small frames` runs only those
parts (small, chain, frames, ready).

Targets (issue 5): ≥ 10,000 small Buffers/s forwarded, ≥ 300 1080p frames/s forwarded, a Script
ready < 0.5 s after Device(pipeline).
"""
import statistics
import sys
import time

import oakling as dai
from bench_echo import echo_pipeline, echo_rate

N = 20000
ROUNDS = 5   # paired rounds (baseline, then with the Script) per figure
WIDTH, HEIGHT, SECONDS = 1920, 1080, 3.0
FORWARD = """
while True:
    node.io['out'].send(node.io['in'].get())
"""


def forwarding_script(pipeline, source):
    script = pipeline.create(dai.node.Script)
    script.setScript(FORWARD)
    source.link(script.inputs["in"])
    return script.outputs["out"]


PRODUCER = """
b = Buffer(16)
while True:
    node.io['out'].send(b)
"""
COUNTER = """
import time
n, start = 0, None
while True:
    node.io['in'].get()
    n += 1
    if n == 1000:
        start = time.perf_counter()
    if n == 1000 + %d:
        rate = %d / (time.perf_counter() - start)
        b = Buffer(0)
        b.setData(str(rate).encode())
        node.io['rate'].send(b)
""" % (N, N)


def device_chain_rate(with_forwarder: bool) -> float:
    pipeline = dai.Pipeline()
    producer = pipeline.create(dai.node.Script)
    producer.setScript(PRODUCER)
    counter = pipeline.create(dai.node.Script)
    counter.setScript(COUNTER)
    if with_forwarder:
        forwarder = pipeline.create(dai.node.Script)
        forwarder.setScript(FORWARD)
        producer.outputs["out"].link(forwarder.inputs["in"])
        forwarder.outputs["out"].link(counter.inputs["in"])
    else:
        producer.outputs["out"].link(counter.inputs["in"])
    xout = pipeline.create(dai.node.XLinkOut)
    xout.setStreamName("rate")
    counter.outputs["rate"].link(xout.input)
    with dai.Device(pipeline) as device:
        return float(bytes(device.getOutputQueue("rate").get().getData()).decode())


def frame_rate(with_script: bool) -> float:
    pipeline = dai.Pipeline()
    cam = pipeline.create(dai.node.ColorCamera)
    cam.setPreviewSize(WIDTH, HEIGHT)
    xout = pipeline.create(dai.node.XLinkOut)
    xout.setStreamName("frames")
    if with_script:
        script = pipeline.create(dai.node.Script)
        script.setScript(FORWARD)
        cam.preview.link(script.inputs["in"])
        script.outputs["out"].link(xout.input)
    else:
        cam.preview.link(xout.input)
    with dai.Device(pipeline, realtime=False) as device:
        q = device.getOutputQueue("frames")
        for _ in range(30):
            q.get()
        n, checksum, start = 0, 0, time.perf_counter()
        while time.perf_counter() - start < SECONDS:
            frame = q.get().getFrame()
            checksum += int(frame[HEIGHT // 2, WIDTH // 2, 0])
            n += 1
        return n / (time.perf_counter() - start)


def readiness() -> tuple[float, float]:
    """(seconds for Device(pipeline) to return, seconds until the script's first message)."""
    pipeline = dai.Pipeline()
    script = pipeline.create(dai.node.Script)
    script.setScript("node.io['out'].send(Buffer(8))")
    xout = pipeline.create(dai.node.XLinkOut)
    xout.setStreamName("out")
    script.outputs["out"].link(xout.input)
    start = time.perf_counter()
    with dai.Device(pipeline) as device:
        opened = time.perf_counter() - start
        device.getOutputQueue("out").get()
        return opened, time.perf_counter() - start


def device_open_without_script() -> float:
    pipeline = dai.Pipeline()
    xin = pipeline.create(dai.node.XLinkIn)
    xin.setStreamName("in")
    xout = pipeline.create(dai.node.XLinkOut)
    xout.setStreamName("out")
    xin.out.link(xout.input)
    start = time.perf_counter()
    with dai.Device(pipeline):
        return time.perf_counter() - start


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def paired(base_run, our_run, rounds: int) -> tuple[list[float], list[float]]:
    """(baseline rates, our rates), one of each per round, alternately, so that the machine's speed
    drifting between rounds hits both alike."""
    base, ours = [], []
    for _ in range(rounds):
        base.append(base_run())
        ours.append(our_run())
    return base, ours


def figures(base: list[float], ours: list[float]) -> tuple[float, float, str]:
    """(our median, baseline median, 'median ratio R (range a–b)') of paired rounds."""
    ratios = sorted(o / b for o, b in zip(ours, base))
    return (statistics.median(ours), statistics.median(base),
            f"median ratio {statistics.median(ratios):.2f} (rounds {min(ratios):.2f}–{max(ratios):.2f})")


if __name__ == "__main__":
    parts = set(sys.argv[1:]) or {"small", "chain", "frames", "ready"}
    if "small" in parts:
        base, ours = paired(lambda: echo_rate(echo_pipeline(), N),
                            lambda: echo_rate(echo_pipeline(forwarding_script), N), ROUNDS)
        o, b, ratio = figures(base, ours)
        print(f"small Buffers host->Script->host: {o:7.0f} msgs/s | baseline XLinkIn->XLinkOut echo: {b:7.0f} "
              f"msgs/s | {ratio}, {ROUNDS} paired rounds")
    if "chain" in parts:
        base, ours = paired(lambda: device_chain_rate(False), lambda: device_chain_rate(True), ROUNDS)
        o, b, ratio = figures(base, ours)
        print(f"small Buffers forwarded by a Script on the device: {o:7.0f} msgs/s | baseline producer->counter "
              f"Scripts: {b:7.0f} msgs/s | {ratio} (target >= 10000 msgs/s: {verdict(o >= 10000)})")
    if "frames" in parts:
        base, ours = paired(lambda: frame_rate(False), lambda: frame_rate(True), ROUNDS)
        o, b, ratio = figures(base, ours)
        print(f"1080p BGR frames camera->Script->host: {o:7.0f} frames/s | baseline camera->XLinkOut: {b:7.0f} "
              f"frames/s | {ratio} (target >= 300 frames/s: {verdict(o >= 300)})")
    if "ready" in parts:
        base = statistics.median(device_open_without_script() for _ in range(3))
        runs = [readiness() for _ in range(3)]
        opened = statistics.median(r[0] for r in runs)
        first = statistics.median(r[1] for r in runs)
        print(f"Script ready: Device(pipeline) returns in {opened:.3f} s, first script message at {first:.3f} s "
              f"({first - opened:.3f} s after) | baseline Device(pipeline) without a Script: {base:.3f} s | ratio "
              f"{opened / base:.2f} (target: ready < 0.5 s after Device(pipeline): {verdict(first - opened < 0.5)})")
