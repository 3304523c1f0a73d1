"""Paired rounds: a node in a NodeHarness against the same work written bare, timed alternately so
that the machine's speed drifting between rounds hits both alike.

    cv, node = paired_rounds(harness, "inputImage", "out", frames, bare, images, ROUNDS)
    ratio = statistics.median(c / n for c, n in zip(cv, node))
"""
import time


def paired_rounds(harness, port_in: str, port_out: str, messages: list, bare, bare_inputs: list,
                  rounds: int) -> tuple[list, list]:
    """(bare seconds, node seconds) per round. Round i times bare(bare_inputs[k]), then one message
    through the node: messages[k] pushed into `port_in` and its result pulled from `port_out`
    (k = i modulo the number of messages)."""
    cv, node = [], []
    for i in range(rounds):
        k = i % len(messages)
        start = time.perf_counter()
        bare(bare_inputs[k])
        cv.append(time.perf_counter() - start)
        start = time.perf_counter()
        harness.push(port_in, messages[k])
        harness.pull(port_out, timeout=30)
        node.append(time.perf_counter() - start)
    return cv, node
