"""The device process's figures: real memory and CPU readings of the process that samples (and of
its children), and a temperature model that warms with the load where the machine has no sensors."""
import threading
import time

import pytest

from oakling.runtime.system_usage import Sampler, thermal_zones


def rss_bytes():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:"))


def test_memory_figures_are_this_process():
    info = Sampler().sample()
    ddr = info.ddrMemoryUsage
    assert 0 < ddr.used < ddr.total and ddr.remaining == ddr.total - ddr.used
    assert abs(ddr.used - rss_bytes()) < 64 * 1024 * 1024
    heap = info.leonCssMemoryUsage
    assert 0 < heap.used <= heap.total and heap.remaining <= heap.total    # the C heap: in use of what is held
    mss = info.leonMssMemoryUsage   # the child processes' memory: device processes other tests left running count
    assert 0 <= mss.used <= mss.total


def burn(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_cpu_share_follows_real_work():
    sampler = Sampler()
    time.sleep(0.3)
    idle = sampler.sample().leonCssCpuUsage
    worker = threading.Thread(target=burn, args=(0.3,))
    worker.start()
    worker.join()
    busy = sampler.sample()
    assert 250 <= busy.leonCssCpuUsage.msTime <= 5000 and 250 <= idle.msTime <= 5000
    assert busy.leonCssCpuUsage.average > max(idle.average, 0.1)
    if not thermal_zones():
        t = busy.chipTemperature          # the model: warmer with the load
        assert 35 < t.css <= 80 and t.average == pytest.approx((t.css + t.mss + t.upa + t.dss) / 4)
