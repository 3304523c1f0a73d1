"""SystemLogger: the device's figures at a set rate — gen2's port and property, real CPU and memory
readings of the process the node runs in, and a device whose scripts show in the figures."""
import threading
import time

import pytest

import oakling as dai
from oakling.nodes.system_logger import Sampler, thermal_zones
from oakling.testing import NodeHarness

TIMEOUT = 10.0


def test_port_rate_and_schema_are_gen2s():
    p = dai.Pipeline()
    logger = p.create(dai.node.SystemLogger)
    assert logger.getName() == "SystemLogger" and [o.name for o in logger.getOutputs()] == ["out"]
    assert logger.getRate() == 1.0
    assert p.serializeToJson()["pipeline"]["nodes"][0][1]["properties"] == {"rateHz": 1.0}
    logger.setRate(4)
    assert logger.getRate() == 4.0 and p.serializeToJson()["pipeline"]["nodes"][0][1]["properties"] == {"rateHz": 4.0}
    with pytest.raises(ValueError, match=r"SystemLogger\(0\).setRate: expected a rate above 0 Hz, got 0"):
        logger.setRate(0)
    with pytest.raises(TypeError, match=r"SystemLogger\(0\).setRate: expected a float"):
        logger.setRate("1")


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


def test_one_message_per_period_of_the_nodes_clock():
    logger = dai.Pipeline().create(dai.node.SystemLogger)
    logger.setRate(2)
    with NodeHarness(logger) as h:
        with pytest.raises(TimeoutError):
            h.pull("out", timeout=0.2)                     # nothing before the first period
        h.advance(0.5)
        first = h.pull("out", timeout=TIMEOUT)
        h.advance(0.5)
        second = h.pull("out", timeout=TIMEOUT)
    assert isinstance(first, dai.SystemInformation) and (first.getSequenceNum(), second.getSequenceNum()) == (0, 1)
    assert first.ddrMemoryUsage.used > 0


def test_a_devices_figures_are_its_process_and_its_scripts():
    p = dai.Pipeline()
    logger = p.create(dai.node.SystemLogger)
    logger.setRate(5)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("sysinfo")
    logger.out.link(xout.input)
    script = p.create(dai.node.Script)
    script.setScript("import time\nwhile True:\n    time.sleep(0.05)\n")
    with dai.Device(p) as device:
        q = device.getOutputQueue("sysinfo", maxSize=4, blocking=False)
        infos = [q.get(timeout=TIMEOUT) for _ in range(3)]
    for info in infos:
        assert isinstance(info, dai.SystemInformation)
        ddr = info.ddrMemoryUsage
        assert 10 * 2**20 < ddr.used < ddr.total and ddr.remaining == ddr.total - ddr.used
        assert 0.0 <= info.leonCssCpuUsage.average <= 1.0 and info.leonCssCpuUsage.msTime > 0
        assert info.chipTemperature.average > 0
    assert infos[-1].leonMssMemoryUsage.used > 2**20                # the Script's process
    assert [i.getSequenceNum() for i in infos] == sorted(i.getSequenceNum() for i in infos)
