"""SystemInformation: gen2's figures of memory, CPU and temperature, and their trip through the wire codec."""
import msgpack

import oakling as dai
from oakling.messages import codec


def test_fields_are_gen2s_and_start_at_zero():
    info = dai.SystemInformation()
    for name in ("ddrMemoryUsage", "cmxMemoryUsage", "leonCssMemoryUsage", "leonMssMemoryUsage"):
        mem = getattr(info, name)
        assert isinstance(mem, dai.MemoryInfo) and (mem.remaining, mem.used, mem.total) == (0, 0, 0)
    for name in ("leonCssCpuUsage", "leonMssCpuUsage"):
        cpu = getattr(info, name)
        assert isinstance(cpu, dai.CpuUsage) and (cpu.average, cpu.msTime) == (0.0, 0)
    t = info.chipTemperature
    assert isinstance(t, dai.ChipTemperature) and (t.css, t.mss, t.upa, t.dss, t.average) == (0, 0, 0, 0, 0)
    info.ddrMemoryUsage = dai.MemoryInfo()
    info.ddrMemoryUsage.used = 5
    assert info.ddrMemoryUsage.used == 5


def test_every_figure_crosses_the_wire():
    info = dai.SystemInformation()
    info.setSequenceNum(3)
    for i, name in enumerate(("ddrMemoryUsage", "cmxMemoryUsage", "leonCssMemoryUsage", "leonMssMemoryUsage")):
        setattr(info, name, dai.MemoryInfo(10 * i + 1, 10 * i + 2, 10 * i + 3))
    info.leonCssCpuUsage, info.leonMssCpuUsage = dai.CpuUsage(0.25, 1000), dai.CpuUsage(0.5, 999)
    info.chipTemperature = dai.ChipTemperature(40.5, 41.0, 42.0, 43.0, 41.625)
    dt, meta, payload = codec.encode(info)
    out = codec.decode(dt, msgpack.unpackb(msgpack.packb(meta, use_bin_type=True, strict_types=True)), payload)
    assert type(out) is dai.SystemInformation and out.getSequenceNum() == 3
    assert out.getTimestamp() == info.getTimestamp()
    assert [(m.remaining, m.used, m.total) for m in (out.ddrMemoryUsage, out.cmxMemoryUsage,
                                                      out.leonCssMemoryUsage, out.leonMssMemoryUsage)] == \
        [(1, 2, 3), (11, 12, 13), (21, 22, 23), (31, 32, 33)]
    assert (out.leonCssCpuUsage.average, out.leonCssCpuUsage.msTime) == (0.25, 1000)
    assert (out.leonMssCpuUsage.average, out.leonMssCpuUsage.msTime) == (0.5, 999)
    t = out.chipTemperature
    assert (t.css, t.mss, t.upa, t.dss, t.average) == (40.5, 41.0, 42.0, 43.0, 41.625)
