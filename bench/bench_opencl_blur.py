#!/usr/bin/env python3
"""A 3x3 box blur of a 1080p BGR frame through OpenCLKernel (examples/kernels/box_blur.cl on PoCL's
CPU device), against cv2.blur on the same frame in the same run.

Each round times one cv2.blur and one frame through the node (pushed to its input, pulled from
its output, on the device runtime in this process: the node's own work, no link between
processes); the figures are the medians over the rounds, and the ratio is the median of the
rounds' ratios. Also: the kernel launch alone, and how long building the kernel takes in a new
process with an empty cache and with the cache the first one filled.

Target: the node within 3x of cv2.blur.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

import oakling as dai
from oakling.sources.synthetic import pattern
from oakling.testing import NodeHarness

ROOT = Path(__file__).resolve().parent.parent
KERNEL = ROOT / "examples" / "kernels" / "box_blur.cl"
WIDTH, HEIGHT, ROUNDS = 1920, 1080, 60

_BUILD = """
import sys, time
start = time.perf_counter()
from oakling.kernels.build import build, cpu
cpu()
ready = time.perf_counter()
program = build(open(sys.argv[1]).read(), name="box_blur.cl")
print(program.from_cache, program.seconds, ready - start)
"""


def blur_node():
    k = dai.Pipeline().create(dai.node.OpenCLKernel)
    k.setKernelPath(KERNEL)
    k.setEntry("box_blur")
    k.addInput("src")
    k.addOutput("dst", dai.ImgFrame.Type.BGR888i)
    k.addScalar("width", "I.X")
    k.addScalar("height", "I.Y")
    k.addScalar("channels", "I.F")
    k.setGlobalWorkSize("(I.X * I.F + 15) / 16", "(I.Y + 7) / 8")
    return k


def rounds(image: np.ndarray) -> tuple[list, list, list]:
    frame = dai.ImgFrame().setCvFrame(image, dai.ImgFrame.Type.BGR888i)
    cv, node, launch = [], [], []
    with NodeHarness(blur_node()) as h:
        h.push("src", frame)
        out = h.pull("dst", timeout=30)   # the first run compiles PoCL's work-group code
        assert np.array_equal(out.getCvFrame(), cv2.blur(image, (3, 3))), "the kernel's blur is not cv2.blur's"
        worker = h._runtime.workers[0]
        launcher, args = worker._launcher, None
        for _ in range(ROUNDS):
            start = time.perf_counter()
            cv2.blur(image, (3, 3))
            cv.append(time.perf_counter() - start)
            start = time.perf_counter()
            h.push("src", frame)
            h.pull("dst", timeout=30)
            node.append(time.perf_counter() - start)
            if args is None:
                dst = np.empty_like(image).reshape(-1)
                args = [frame.getData(), dst, np.int32(WIDTH), np.int32(HEIGHT), np.int32(3)]
            start = time.perf_counter()
            launcher.run(args, {1}, ((WIDTH * 3 + 15) // 16, (HEIGHT + 7) // 8))
            launch.append(time.perf_counter() - start)
    return cv, node, launch


def builds() -> tuple:
    """(cold build s, cached build s, OpenCL set-up s), each in a process of its own."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "OAKLING_KERNEL_CACHE": cache, "POCL_CACHE_DIR": os.path.join(cache, "pocl"),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        found = []
        for _ in range(2):
            result = subprocess.run([sys.executable, "-c", _BUILD, str(KERNEL)], env=env, capture_output=True,
                                    text=True, check=True)
            from_cache, seconds, setup = result.stdout.split()
            found.append((from_cache == "True", float(seconds), float(setup)))
        (cold_cached, cold, _), (warm_cached, warm, setup) = found
        assert not cold_cached and warm_cached
        return cold, warm, setup


if __name__ == "__main__":
    image = pattern(WIDTH, HEIGHT)
    image = np.ascontiguousarray(image[:, :, :3]) if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    cv, node, launch = rounds(image)
    ratio = statistics.median(n / c for n, c in zip(node, cv))
    cold, warm, setup = builds()
    ms = lambda xs: statistics.median(xs) * 1000   # noqa: E731
    print(f"3x3 box blur, 1920x1080 BGR888i, median of {ROUNDS} paired rounds: OpenCLKernel node {ms(node):.2f} ms "
          f"(kernel launch alone {ms(launch):.2f} ms) | cv2.blur {ms(cv):.2f} ms | ratio {ratio:.2f} "
          f"(target <= 3: {'met' if ratio <= 3 else 'MISSED'})")
    print(f"building box_blur.cl in a new process: {cold * 1000:.0f} ms compiled, {warm * 1000:.1f} ms from the "
          f"kernel cache (target < 50 ms: {'met' if warm < 0.05 else 'MISSED'}); OpenCL set-up before it "
          f"{setup * 1000:.0f} ms")
