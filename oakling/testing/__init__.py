"""Testing one node without a device: `NodeHarness` runs a node's real worker in the test's
process, on a `ManualClock` the test moves.

    from oakling.testing import NodeHarness
    with NodeHarness(node) as h:
        h.push("in", msg); out = h.pull("out"); h.advance(0.1); h.close("in")
"""
from ..host.queues import StreamEnded
from .clock import ManualClock
from .harness import NodeHarness, NoSuchPort

__all__ = ["ManualClock", "NodeHarness", "NoSuchPort", "StreamEnded"]
