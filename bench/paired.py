"""Paired rounds: a node in a NodeHarness against the same work written bare, timed alternately so
that the machine's speed drifting between rounds hits both alike.

    cv, node = paired_rounds(harness, "inputImage", "out", frames, bare, images, ROUNDS)
    ratio = statistics.median(c / n for c, n in zip(cv, node))

A node that takes one message on each of several inputs (StereoDepth's left and right) names them
all: `port_in` a tuple of ports, each of `messages` a tuple of one message per port.
"""
import time


def paired_rounds(harness, port_in, port_out: str, messages: list, bare, bare_inputs: list,
                  rounds: int) -> tuple[list, list]:
    """(bare seconds, node seconds) per round. Round i times bare(bare_inputs[k]), then one message
    through the node: messages[k] pushed into `port_in` (or each of its ports in turn) and its result
    pulled from `port_out` (k = i modulo the number of messages)."""
    ports = port_in if isinstance(port_in, tuple) else (port_in,)
    cv, node = [], []
    for i in range(rounds):
        k = i % len(messages)
        pushed = messages[k] if isinstance(port_in, tuple) else (messages[k],)
        start = time.perf_counter()
        bare(bare_inputs[k])
        cv.append(time.perf_counter() - start)
        start = time.perf_counter()
        for port, message in zip(ports, pushed):
            harness.push(port, message)
        harness.pull(port_out, timeout=30)
        node.append(time.perf_counter() - start)
    return cv, node
