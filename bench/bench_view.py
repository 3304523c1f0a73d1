#!/usr/bin/env python3
"""What the live view costs: the same pipeline with the view off and on, in paired rounds (off, on,
off, on, …) in one run; medians of the rounds.

1. End to end, the worst case of small messages: 16-byte Buffers echoed host → XLinkIn → XLinkOut →
   host, with the view's page polled (figures.json) every second while the view is on.
2. In-process, one hop through the device's ports: a send from an output into a blocking input and
   the consumer's get, plain ports (the view off: the queue's counters only) against metered ones.

    python bench/bench_view.py [rounds] [messages]
"""
import statistics
import sys
import threading
import time
import urllib.request

import oakling as dai
from bench_echo import echo_pipeline
from oakling.runtime.meter import Meter, metered_input, metered_output
from oakling.runtime.ports import DeviceInput, DeviceOutput


def echo_rate(n: int, view: bool) -> float:
    with dai.Device(echo_pipeline(), view=0 if view else False) as device:
        qin, qout = device.getInputQueue("in"), device.getOutputQueue("out")
        done = threading.Event()

        def poll():   # what an open page asks
            while not done.wait(1.0):
                urllib.request.urlopen(device.getViewUrl() + "figures.json", timeout=10).read()

        def send():
            for k in range(n):
                qin.send(dai.Buffer().setData(bytes(16)).setSequenceNum(k))

        if view:
            threading.Thread(target=poll, daemon=True).start()
        start = time.perf_counter()
        threading.Thread(target=send, daemon=True).start()
        for k in range(n):
            assert qout.get().getSequenceNum() == k
        elapsed = time.perf_counter() - start
        done.set()
        return n / elapsed


def hop_seconds(n: int, view: bool) -> float:
    """Seconds per message through one output → input hop and the consumer's get."""
    if view:
        meter = Meter()
        out = metered_output(DeviceOutput)("A(0).out")
        out.attach(meter.node(0, "A(0)"), "out")
        inp = metered_input(DeviceInput)("B(1).in", True, 8, True)
        inp.attach(meter.node(1, "B(1)"), "in")
    else:
        out, inp = DeviceOutput("A(0).out"), DeviceInput("B(1).in", True, 8, True)
    out.targets.append(inp)
    inp.add_producer()
    message = object()
    start = time.perf_counter()
    for _ in range(n):
        out.send(message)
        inp.get()
    return (time.perf_counter() - start) / n


def main(rounds: int = 7, n: int = 5000):
    off, on, hop_off, hop_on = [], [], [], []
    for _ in range(rounds):
        off.append(echo_rate(n, False))
        on.append(echo_rate(n, True))
        hop_off.append(hop_seconds(20 * n, False))
        hop_on.append(hop_seconds(20 * n, True))
    off_rate, on_rate = statistics.median(off), statistics.median(on)
    print(f"echo of {n} small Buffers, {rounds} paired rounds, medians: view off {off_rate:7.0f} msgs/s | "
          f"on {on_rate:7.0f} msgs/s | on costs {(1 / on_rate - 1 / off_rate) * 1e6:.1f} µs per message")
    a, b = statistics.median(hop_off) * 1e6, statistics.median(hop_on) * 1e6
    print(f"one port hop in-process: view off {a:.2f} µs | on {b:.2f} µs | on costs {b - a:.2f} µs per hop")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
