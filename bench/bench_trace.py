#!/usr/bin/env python3
"""What a trace costs: small Buffers echoed host → XLinkIn → XLinkOut → host, with
tracing off and on, in paired rounds (off, on, off, on, …) in one run; medians of the rounds.

There is no "before tracing" code path to compare "off" with: when no trace is asked for the
runtime builds the plain ports, and no traced code runs at all (tests/runtime/test_trace.py checks
the port types). So this bench states the cost of tracing when it is on.

    python bench/bench_trace.py [rounds] [messages]
"""
import os
import statistics
import sys
import tempfile
import threading
import time

import oakling as dai
from bench_echo import echo_pipeline


def rate(n: int, trace: str | None) -> float:
    with dai.Device(echo_pipeline(), trace=trace) as device:
        qin, qout = device.getInputQueue("in"), device.getOutputQueue("out")

        def send():
            for k in range(n):
                qin.send(dai.Buffer().setData(bytes(16)).setSequenceNum(k))

        start = time.perf_counter()
        threading.Thread(target=send, daemon=True).start()
        for k in range(n):
            assert qout.get().getSequenceNum() == k
        return n / (time.perf_counter() - start)


def main(rounds: int = 5, n: int = 5000):
    off, on = [], []
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "trace.json")
        for _ in range(rounds):
            off.append(rate(n, None))
            on.append(rate(n, path))
        size = os.path.getsize(path)
    off_rate, on_rate = statistics.median(off), statistics.median(on)
    cost_us = (1 / on_rate - 1 / off_rate) * 1e6
    print(f"echo of {n} small Buffers, {rounds} paired rounds, medians: tracing off {off_rate:7.0f} msgs/s | "
          f"on {on_rate:7.0f} msgs/s | on costs {cost_us:.1f} µs per message ({size / n:.0f} bytes of trace each)")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
