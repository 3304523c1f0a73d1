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

import ctypes
import os
import time
from pathlib import Path

from ..messages._args import as_float
from ..messages.datatype import DatatypeEnum
from ..messages.systeminformation import ChipTemperature, CpuUsage, MemoryInfo, SystemInformation
from ..pipeline.node import Node
from ..pipeline.registry import node_type
from ..runtime.worker import Worker

AMBIENT_C, FULL_LOAD_RISE_C = 35.0, 45.0


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


# ------------------------------------------------------------------------------------------------
# Reading the figures from /proc and /sys
# ------------------------------------------------------------------------------------------------

def _kib_fields(path: str, names: tuple) -> dict:
    """{name: bytes} of the `Name:  123 kB` lines of a /proc file; missing names are 0."""
    found = dict.fromkeys(names, 0)
    try:
        with open(path) as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in found:
                    found[key] = int(rest.split()[0]) * 1024
    except OSError:
        pass
    return found


def machine_memory() -> int:
    """The memory the device may use: MemTotal, or the memory cgroup's limit if that is lower."""
    total = _kib_fields("/proc/meminfo", ("MemTotal",))["MemTotal"]
    for limit in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            value = Path(limit).read_text().strip()
        except OSError:
            continue
        if value.isdigit() and 0 < int(value) < total:
            total = int(value)
    return total


def descendants(pid: int) -> list[int]:
    """The process ids of `pid`'s children, theirs, and so on."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                children = Path(f"/proc/{parent}/task/{task}/children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                found.append(child)
                todo.append(child)
    return found


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of one process (0 if it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / _TICK     # utime, stime


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


def _mallinfo2():
    try:
        libc = ctypes.CDLL(None)
        fn = libc.mallinfo2
    except (OSError, AttributeError):
        return None
    fn.restype = _MallInfo2
    return fn


def thermal_zones() -> list[float]:
    """The machine's thermal zone temperatures in °C (none in most containers)."""
    temps = []
    for zone in sorted(Path("/sys/class/thermal").glob("thermal_zone*/temp")):
        try:
            temps.append(int(zone.read_text()) / 1000.0)
        except (OSError, ValueError):
            continue
    return temps


class Sampler:
    """Takes SystemInformation figures of the process `pid` and its descendants; CPU shares are over
    the time since the previous sample (or since the sampler was made)."""

    def __init__(self, pid: int | None = None):
        self.pid = pid or os.getpid()
        self.cpus = len(os.sched_getaffinity(0)) or 1
        self._mallinfo = _mallinfo2()
        self._last = self._cpu_now()

    def _cpu_now(self) -> tuple[float, float, float]:
        """(wall time, own CPU seconds, descendants' CPU seconds)."""
        return (time.monotonic(), cpu_seconds(self.pid), sum(cpu_seconds(p) for p in descendants(self.pid)))

    def _heap(self) -> MemoryInfo:
        if self._mallinfo is None:
            anon = _kib_fields(f"/proc/{self.pid}/status", ("RssAnon",))["RssAnon"]
            return MemoryInfo(0, anon, anon)
        info = self._mallinfo()
        held = info.arena + info.hblkhd
        return MemoryInfo(info.fordblks, info.uordblks + info.hblkhd, held)

    def sample(self) -> SystemInformation:
        info = SystemInformation()
        total = machine_memory()
        own = _kib_fields(f"/proc/{self.pid}/status", ("VmRSS", "RssShmem"))
        children = sum(_kib_fields(f"/proc/{p}/status", ("VmRSS",))["VmRSS"] for p in descendants(self.pid))
        info.ddrMemoryUsage = MemoryInfo(max(total - own["VmRSS"], 0), own["VmRSS"], total)
        info.cmxMemoryUsage = MemoryInfo(max(total - own["RssShmem"], 0), own["RssShmem"], total)
        if self.pid == os.getpid():
            info.leonCssMemoryUsage = self._heap()
        info.leonMssMemoryUsage = MemoryInfo(max(total - children, 0), children, total)
        now = self._cpu_now()
        wall = max(now[0] - self._last[0], 1e-6)
        share = lambda i: min(max((now[i] - self._last[i]) / (wall * self.cpus), 0.0), 1.0)   # noqa: E731
        ms = int(round(wall * 1000))
        info.leonCssCpuUsage, info.leonMssCpuUsage = CpuUsage(share(1), ms), CpuUsage(share(2), ms)
        self._last = now
        zones = thermal_zones()
        if zones:
            parts = [zones[i % len(zones)] for i in range(4)]
            info.chipTemperature = ChipTemperature(*parts, sum(zones) / len(zones))
        else:
            css_load, mss_load = info.leonCssCpuUsage.average, info.leonMssCpuUsage.average
            both = min(css_load + mss_load, 1.0)
            parts = [AMBIENT_C + FULL_LOAD_RISE_C * load for load in (css_load, mss_load, both, both)]
            info.chipTemperature = ChipTemperature(*parts, sum(parts) / 4)
        return info


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
