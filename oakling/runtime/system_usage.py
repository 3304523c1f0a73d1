"""The device process's memory, CPU and temperature figures, read from /proc and /sys: what
SystemLogger sends and what Device.getChipTemperature(), getDdrMemoryUsage() and the other figure
methods answer. The meaning of each figure is in nodes/system_logger.py's docstring.

    sampler = Sampler()                  # this process and its children (Script nodes)
    info = sampler.sample()              # dai.SystemInformation; CPU shares since the previous sample
"""
from __future__ import annotations

import ctypes
import os
import time
from pathlib import Path

from ..messages.systeminformation import ChipTemperature, CpuUsage, MemoryInfo, SystemInformation

AMBIENT_C, FULL_LOAD_RISE_C = 35.0, 45.0
FIGURES = ("ddrMemoryUsage", "cmxMemoryUsage", "leonCssMemoryUsage", "leonMssMemoryUsage", "leonCssCpuUsage",
           "leonMssCpuUsage", "chipTemperature")   # SystemInformation's fields



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
