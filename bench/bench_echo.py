#!/usr/bin/env python3
"""Small Buffers echoed host -> device -> host (XLinkIn -> XLinkOut), against a same-run baseline:
the same number of 16-byte records echoed between two Python processes over a bare Unix socket.

Target: ≥ 5,000 messages/s.
"""
import socket
import struct
import subprocess
import sys
import threading
import time

import oakling as dai

N = 20000
_ECHO = """
import socket, sys
s = socket.socket(fileno=int(sys.argv[1]))
def exact(n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            sys.exit(0)
        data += chunk
    return data
while True:
    head = exact(4)
    s.sendall(head + exact(int.from_bytes(head, "little")))
"""


def _exact(sock, n):
    data = b""
    while len(data) < n:
        data += sock.recv(n - len(data))
    return data


def baseline() -> float:
    """One record at a time each way, read exactly, as a minimal message protocol does."""
    ours, theirs = socket.socketpair()
    proc = subprocess.Popen([sys.executable, "-c", _ECHO, str(theirs.fileno())], pass_fds=[theirs.fileno()])
    theirs.close()
    record = struct.pack("<I", 16) + bytes(16)

    def send():
        for _ in range(N):
            ours.sendall(record)

    start = time.perf_counter()
    threading.Thread(target=send).start()
    for _ in range(N):
        _exact(ours, 4)
        _exact(ours, 16)
    elapsed = time.perf_counter() - start
    ours.close()
    proc.wait()
    return N / elapsed


def echo_pipeline(middle=None, max_data_size: int | None = None) -> dai.Pipeline:
    """XLinkIn "in" (taking messages up to `max_data_size`) → [middle(pipeline, xin.out) → output] →
    XLinkOut "out"."""
    pipeline = dai.Pipeline()
    xin = pipeline.create(dai.node.XLinkIn)
    xin.setStreamName("in")
    if max_data_size is not None:
        xin.setMaxDataSize(max_data_size)
    xout = pipeline.create(dai.node.XLinkOut)
    xout.setStreamName("out")
    (middle(pipeline, xin.out) if middle else xin.out).link(xout.input)
    return pipeline


def echo_rate(pipeline: dai.Pipeline, n: int = N) -> float:
    """Messages/s for `n` small Buffers sent to "in" and read back in order from "out"."""
    with dai.Device(pipeline) as device:
        qin, qout = device.getInputQueue("in"), device.getOutputQueue("out")

        def send():
            for k in range(n):
                b = dai.Buffer()
                b.setData(bytes(16))
                b.setSequenceNum(k)
                qin.send(b)

        start = time.perf_counter()
        threading.Thread(target=send, daemon=True).start()
        for k in range(n):
            assert qout.get().getSequenceNum() == k
        return n / (time.perf_counter() - start)


if __name__ == "__main__":
    base = baseline()
    ours = echo_rate(echo_pipeline())
    print(f"echo small Buffers host->device->host: {ours:7.0f} msgs/s | baseline bare socket echo: "
          f"{base:7.0f} msgs/s | ratio {ours / base:.2f} (target >= 5000 msgs/s: "
          f"{'met' if ours >= 5000 else 'MISSED'})")
