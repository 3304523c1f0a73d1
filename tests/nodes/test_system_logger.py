"""SystemLogger: the device's figures at a set rate — gen2's port and property, real CPU and memory
readings of the process the node runs in, and a device whose scripts show in the figures."""
import pytest

import oakling as dai
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
