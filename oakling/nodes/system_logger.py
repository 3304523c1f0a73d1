"""SystemLogger: the device's memory, CPU and temperature figures, `setRate` times a second.

    logger = pipeline.create(dai.node.SystemLogger)
    logger.setRate(2)                                   # Hz (default 1)
    logger.out.link(xout.input)                         # dai.SystemInformation

Ports (gen2): `out` (SystemInformation). Properties as gen2's SystemLoggerProperties: `rateHz` (1.0).

oakling's device is a process on this machine, so the figures are that process's, measured from
/proc at each message (the first one a period after the pipeline starts):

  ddrMemoryUsage      used: the device process's resident memory (VmRSS); total: the machine's
                      memory (MemTotal, or the memory cgroup's limit if lower); remaining: the rest.
  cmxMemoryUsage      used: the shared memory the device process maps (RssShmem: frames in flight
                      between processes); total as ddr's; remaining: the rest.
  leonCssMemoryUsage  the device process's C heap (glibc's mallinfo2: in use, and held from the
                      system); remaining: held but free.
  leonMssMemoryUsage  used: the resident memory of the device's child processes (Script nodes);
                      total as ddr's; remaining: the rest.
  leonCssCpuUsage     the share of the machine's CPUs the device process used since the last
                      message (0..1), over msTime milliseconds.
  leonMssCpuUsage     the same for its child processes (Script nodes).
  chipTemperature     the machine's thermal zones (/sys/class/thermal) in °C when it has any: css,
                      mss, upa and dss are the first four (repeated if fewer), average is the mean
                      of all; without any, a model: 35 °C plus 45 °C at full use — css after the
                      device process's CPU share, mss after the scripts', upa and dss after both.
"""
from __future__ import annotations

from ..messages._args import as_float
from ..messages.datatype import DatatypeEnum
from ..pipeline.node import Node
from ..pipeline.registry import node_type
from ..runtime.system_usage import Sampler
from ..runtime.worker import Worker


@node_type(worker="SystemLoggerWorker")
class SystemLogger(Node):
    NAME = "SystemLogger"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.out = self._output("out", types=(DatatypeEnum.SystemInformation,))
        self.properties = {"rateHz": 1.0}

    def setRate(self, hz: float):
        """Messages per second (default 1)."""
        rate = as_float(hz, f"{self._label}.setRate")
        if not rate > 0:
            raise ValueError(f"{self._label}.setRate: expected a rate above 0 Hz, got {hz!r}")
        self.properties["rateHz"] = rate

    def getRate(self) -> float:
        return self.properties["rateHz"]


class SystemLoggerWorker(Worker):
    """Every 1/rateHz seconds of the node's clock: one SystemInformation on `out`."""

    def run(self):
        period = 1.0 / float(self.properties["rateHz"])
        out = self.output("out")
        sampler = Sampler()
        seq = 0
        while not self.sleep(period):
            info = sampler.sample()
            info.setSequenceNum(seq)
            info._ts_dev_ns = info._ts_ns
            seq += 1
            out.send(info)
