"""`SystemInformation`: memory, CPU and temperature figures of the device (the SystemLogger node's `out`).

    info = q.get()                                   # from systemLogger.out
    info.ddrMemoryUsage.used / info.ddrMemoryUsage.total
    info.leonCssCpuUsage.average * 100               # percent
    info.chipTemperature.average                     # degrees Celsius

gen2's message and its parts: `MemoryInfo` (`remaining`, `used`, `total`, bytes), `CpuUsage`
(`average`, a fraction 0..1, over `msTime` milliseconds) and `ChipTemperature` (`css`, `mss`, `upa`,
`dss`, `average`, °C). What each figure means on oakling's device is said by nodes/system_logger.py
and docs/nodes.md.
"""
from .buffer import Buffer
from .datatype import DatatypeEnum


class MemoryInfo:
    """Bytes: `used` of `total`, `remaining` left (gen2 `dai.MemoryInfo`)."""

    def __init__(self, remaining: int = 0, used: int = 0, total: int = 0):
        self.remaining, self.used, self.total = int(remaining), int(used), int(total)

    def _fields(self) -> list:
        return [int(self.remaining), int(self.used), int(self.total)]

    def __repr__(self):
        return f"MemoryInfo(remaining={self.remaining}, used={self.used}, total={self.total})"


class CpuUsage:
    """`average`: the share of the CPU used (0..1) over the last `msTime` milliseconds (gen2 `dai.CpuUsage`)."""

    def __init__(self, average: float = 0.0, msTime: int = 0):
        self.average, self.msTime = float(average), int(msTime)

    def _fields(self) -> list:
        return [float(self.average), int(self.msTime)]

    def __repr__(self):
        return f"CpuUsage(average={self.average:.3f}, msTime={self.msTime})"


class ChipTemperature:
    """Temperatures in °C of the chip's parts and their average (gen2 `dai.ChipTemperature`)."""

    def __init__(self, css: float = 0.0, mss: float = 0.0, upa: float = 0.0, dss: float = 0.0, average: float = 0.0):
        self.css, self.mss, self.upa, self.dss, self.average = (float(css), float(mss), float(upa), float(dss),
                                                                float(average))

    def _fields(self) -> list:
        return [float(self.css), float(self.mss), float(self.upa), float(self.dss), float(self.average)]

    def __repr__(self):
        return (f"ChipTemperature(css={self.css:.1f}, mss={self.mss:.1f}, upa={self.upa:.1f}, dss={self.dss:.1f}, "
                f"average={self.average:.1f})")


class SystemInformation(Buffer):
    """Memory use, CPU use and temperatures of the device (gen2 `dai.SystemInformation`)."""

    DATATYPE = DatatypeEnum.SystemInformation
    MEMORY_FIELDS = ("ddrMemoryUsage", "cmxMemoryUsage", "leonCssMemoryUsage", "leonMssMemoryUsage")
    CPU_FIELDS = ("leonCssCpuUsage", "leonMssCpuUsage")

    def __init__(self):
        super().__init__()
        for name in self.MEMORY_FIELDS:
            setattr(self, name, MemoryInfo())
        for name in self.CPU_FIELDS:
            setattr(self, name, CpuUsage())
        self.chipTemperature = ChipTemperature()

    def __repr__(self):
        return (f"SystemInformation(seq={self._seq}, ddr={self.ddrMemoryUsage}, css cpu={self.leonCssCpuUsage}, "
                f"{self.chipTemperature})")
