#!/usr/bin/env python3
"""Cast on a network-sized output (1x3x720x1280 FP16 in 0..1, to BGR888p with setScale(255)), against
the same cast done bare with NumPy on the same tensors in the same run.

Each round times the bare cast of one tensor (multiply, round, saturate to uint8, in place where
NumPy can: what the node itself does) and one NNData through the node (pushed to its input, pulled from its output, on
the device runtime in this process: the node's own work, no link between processes); the figures
are the medians over the rounds, and the ratio (bare time / node time: the node's speed relative to
the bare code) is the median of the rounds' ratios.

Target: ratio >= 0.8.
"""
import statistics

import numpy as np

import oakling as dai
from oakling.testing import NodeHarness
from paired import paired_rounds

SHAPE, TENSORS, ROUNDS = (1, 3, 720, 1280), 4, 60


def bare(values: np.ndarray) -> np.ndarray:
    x = values[0].astype(np.float32)
    x *= np.float32(255)
    np.rint(x, out=x)
    np.clip(x, 0, 255, out=x)
    return x.astype(np.uint8)


def rounds() -> tuple[list, list]:
    rng = np.random.default_rng(0)
    tensors = [rng.random(SHAPE, dtype=np.float32).astype(np.float16) for _ in range(TENSORS)]
    messages = []
    for seq, values in enumerate(tensors):
        msg = dai.NNData()
        msg.addTensor("out", values)
        messages.append(msg.setSequenceNum(seq))
    cast = dai.Pipeline().create(dai.node.Cast)
    cast.setOutputFrameType(dai.ImgFrame.Type.BGR888p)
    cast.setScale(255)
    cast.input.setBlocking(True)
    with NodeHarness(cast, outputs=["output"]) as h:
        for msg, values in zip(messages, tensors):   # warm up, and check the node casts as the bare code
            h.push("input", msg)
            assert np.array_equal(h.pull("output", timeout=30).getFrame(), bare(values)), "not the bare cast"
        cv, node = paired_rounds(h, "input", "output", messages, bare, tensors, ROUNDS)
    return cv, node


if __name__ == "__main__":
    cv, node = rounds()
    ratio = statistics.median(c / n for c, n in zip(cv, node))
    ms = lambda xs: statistics.median(xs) * 1000   # noqa: E731
    print(f"Cast 1x3x720x1280 FP16 -> BGR888p (scale 255), median of {ROUNDS} paired rounds: Cast node "
          f"{ms(node):.2f} ms | bare NumPy {ms(cv):.2f} ms | ratio (bare / node) {ratio:.2f} "
          f"(target >= 0.8: {'met' if ratio >= 0.8 else 'MISSED'})")
