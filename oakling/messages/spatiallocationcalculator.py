"""What a SpatialLocationCalculator is asked and what it answers: `SpatialLocationCalculatorConfig`
(regions of interest on a depth map) and `SpatialLocationCalculatorData` (their distances and X/Y/Z).

    data = dai.SpatialLocationCalculatorConfigData()
    data.roi = dai.Rect(dai.Point2f(0.4, 0.4), dai.Point2f(0.6, 0.6))   # normalised, or in pixels
    data.depthThresholds.lowerThreshold = 100                           # millimetres
    data.depthThresholds.upperThreshold = 10000
    data.calculationAlgorithm = dai.SpatialLocationCalculatorAlgorithm.MEDIAN
    config = dai.SpatialLocationCalculatorConfig()
    config.addROI(data)
    ...
    for loc in msg.getSpatialLocations():       # a SpatialLocationCalculatorData
        loc.spatialCoordinates.z, loc.depthAverage, loc.config.roi

The fields are gen2's ([shared] RawSpatialLocationCalculatorConfig.hpp, RawSpatialLocations.hpp),
with their defaults; `as_dict()` gives the JSON gen2's `serializeToJson()` writes for them.
"""
from __future__ import annotations

from ._args import as_int, as_uint
from .buffer import Buffer
from .datatype import DatatypeEnum
from .enums import Gen2Enum
from .geometry import Point3f, Rect

AUTO_STEP = -1   # gen2's SpatialLocationCalculatorConfigData::AUTO


class SpatialLocationCalculatorAlgorithm(Gen2Enum):
    """How one distance is made from the depth values in a region (MEAN is AVERAGE)."""
    AVERAGE = 0
    MEAN = 0
    MIN = 1
    MAX = 2
    MODE = 3
    MEDIAN = 4


class SpatialLocationCalculatorConfigThresholds:
    """Depth values at or below `lowerThreshold`, or at or above `upperThreshold`, are left out
    (depth units: millimetres by default)."""

    __slots__ = ("lowerThreshold", "upperThreshold")

    def __init__(self, lowerThreshold: int = 0, upperThreshold: int = 65535):
        self.lowerThreshold = as_uint(lowerThreshold, "SpatialLocationCalculatorConfigThresholds.lowerThreshold")
        self.upperThreshold = as_uint(upperThreshold, "SpatialLocationCalculatorConfigThresholds.upperThreshold")

    def as_dict(self) -> dict:
        return {"lowerThreshold": int(self.lowerThreshold), "upperThreshold": int(self.upperThreshold)}

    @classmethod
    def from_dict(cls, d: dict):
        return cls(d.get("lowerThreshold", 0), d.get("upperThreshold", 65535))

    def __repr__(self):
        return f"SpatialLocationCalculatorConfigThresholds({self.lowerThreshold}, {self.upperThreshold})"


class SpatialLocationCalculatorConfigData:
    """One region: `roi` (a dai.Rect, normalised or in pixels), `depthThresholds`,
    `calculationAlgorithm` (MEDIAN by default) and `stepSize` (every n-th pixel in both directions;
    -1, AUTO: 2 for MEDIAN and MODE, 1 otherwise)."""

    AUTO = AUTO_STEP
    __slots__ = ("roi", "depthThresholds", "calculationAlgorithm", "stepSize")

    def __init__(self):
        self.roi = Rect()
        self.depthThresholds = SpatialLocationCalculatorConfigThresholds()
        self.calculationAlgorithm = SpatialLocationCalculatorAlgorithm.MEDIAN
        self.stepSize = AUTO_STEP

    def copy(self) -> "SpatialLocationCalculatorConfigData":
        made = SpatialLocationCalculatorConfigData()
        made.roi = Rect(self.roi)
        made.depthThresholds = SpatialLocationCalculatorConfigThresholds(self.depthThresholds.lowerThreshold,
                                                                         self.depthThresholds.upperThreshold)
        made.calculationAlgorithm = SpatialLocationCalculatorAlgorithm(self.calculationAlgorithm)
        made.stepSize = int(self.stepSize)
        return made

    def check(self, where: str):
        """ValueError naming `where` if a field has a value gen2 does not take."""
        if not isinstance(self.roi, Rect):
            raise ValueError(f"{where}.roi: expected dai.Rect, got {type(self.roi).__name__}")
        try:
            SpatialLocationCalculatorAlgorithm(self.calculationAlgorithm)
        except ValueError:
            raise ValueError(f"{where}.calculationAlgorithm: {self.calculationAlgorithm!r} is not a "
                             f"SpatialLocationCalculatorAlgorithm (AVERAGE, MIN, MAX, MODE, MEDIAN)") from None
        step = as_int(self.stepSize, f"{where}.stepSize")
        if step == 0 or step < AUTO_STEP:
            raise ValueError(f"{where}.stepSize: expected -1 (AUTO) or a positive step, got {step}")

    def as_dict(self) -> dict:
        r = self.roi
        return {"roi": {"x": float(r.x), "y": float(r.y), "width": float(r.width), "height": float(r.height)},
                "depthThresholds": self.depthThresholds.as_dict(),
                "calculationAlgorithm": int(self.calculationAlgorithm), "stepSize": int(self.stepSize)}

    @classmethod
    def from_dict(cls, d: dict):
        made = cls()
        r = d.get("roi") or {}
        made.roi = Rect(r.get("x", 0.0), r.get("y", 0.0), r.get("width", 0.0), r.get("height", 0.0))
        made.depthThresholds = SpatialLocationCalculatorConfigThresholds.from_dict(d.get("depthThresholds") or {})
        made.calculationAlgorithm = SpatialLocationCalculatorAlgorithm(d.get("calculationAlgorithm", 4))
        made.stepSize = int(d.get("stepSize", AUTO_STEP))
        return made

    def __repr__(self):
        return (f"SpatialLocationCalculatorConfigData(roi={self.roi!r}, depthThresholds={self.depthThresholds!r}, "
                f"calculationAlgorithm={self.calculationAlgorithm}, stepSize={self.stepSize})")


def _config_list(value, where: str) -> list:
    items = list(value)
    for i, item in enumerate(items):
        if not isinstance(item, SpatialLocationCalculatorConfigData):
            raise TypeError(f"{where}[{i}]: expected SpatialLocationCalculatorConfigData, got {type(item).__name__}")
        item.check(f"{where}[{i}]")
    return items


class RawSpatialLocationCalculatorConfig:
    """gen2's raw config: `config`, the list of regions."""

    def __init__(self):
        self.config: list[SpatialLocationCalculatorConfigData] = []

    def as_dict(self) -> dict:
        return {"config": [c.as_dict() for c in self.config]}

    @classmethod
    def from_dict(cls, d: dict):
        made = cls()
        made.config = [SpatialLocationCalculatorConfigData.from_dict(c) for c in (d or {}).get("config", [])]
        return made


class SpatialLocationCalculatorConfig(Buffer):
    """The regions a SpatialLocationCalculator measures (its `initialConfig`, or a message to `inputConfig`)."""

    DATATYPE = DatatypeEnum.SpatialLocationCalculatorConfig

    def __init__(self):
        super().__init__()
        self._config: list[SpatialLocationCalculatorConfigData] = []

    def setROIs(self, ROIs):
        """Replace the regions with `ROIs` (a list of SpatialLocationCalculatorConfigData)."""
        self._config = [c.copy() for c in _config_list(ROIs, "SpatialLocationCalculatorConfig.setROIs")]
        return self

    def addROI(self, ROI):
        """Add one region (a copy of it, as gen2 keeps its own)."""
        (ROI,) = _config_list([ROI], "SpatialLocationCalculatorConfig.addROI")
        self._config.append(ROI.copy())
        return self

    def getConfigData(self) -> list:
        """Copies of the regions."""
        return [c.copy() for c in self._config]

    def get(self) -> RawSpatialLocationCalculatorConfig:
        raw = RawSpatialLocationCalculatorConfig()
        raw.config = self.getConfigData()
        return raw

    def set(self, config: RawSpatialLocationCalculatorConfig):
        if not isinstance(config, RawSpatialLocationCalculatorConfig):
            raise TypeError(f"SpatialLocationCalculatorConfig.set: expected RawSpatialLocationCalculatorConfig, "
                            f"got {type(config).__name__}")
        return self.setROIs(config.config)

    def __repr__(self):
        return f"SpatialLocationCalculatorConfig(seq={self._seq}, {len(self._config)} ROIs)"


class SpatialLocations:
    """One region's result: its `config`, `depthAverage`, `depthMin`, `depthMax`,
    `depthAveragePixelCount` (depth values used), `depthMedian` / `depthMode` (made with those
    algorithms), and `spatialCoordinates` (a Point3f in depth units: x right, y up, z ahead of the
    depth's camera)."""

    __slots__ = ("config", "depthAverage", "depthMode", "depthMedian", "depthMin", "depthMax",
                 "depthAveragePixelCount", "spatialCoordinates")

    def __init__(self):
        self.config = SpatialLocationCalculatorConfigData()
        self.depthAverage = 0.0
        self.depthMode = 0.0
        self.depthMedian = 0.0
        self.depthMin = 0
        self.depthMax = 0
        self.depthAveragePixelCount = 0
        self.spatialCoordinates = Point3f()

    def __repr__(self):
        c = self.spatialCoordinates
        return (f"SpatialLocations(x={c.x:.0f}, y={c.y:.0f}, z={c.z:.0f}, depthAverage={self.depthAverage:.0f}, "
                f"pixels={self.depthAveragePixelCount})")


class SpatialLocationCalculatorData(Buffer):
    """A SpatialLocationCalculator's answer for one depth frame: one SpatialLocations per region."""

    DATATYPE = DatatypeEnum.SpatialLocationCalculatorData

    def __init__(self):
        super().__init__()
        self._locations: list[SpatialLocations] = []

    def getSpatialLocations(self) -> list:
        return self._locations

    @property
    def spatialLocations(self) -> list:
        return self._locations

    @spatialLocations.setter
    def spatialLocations(self, value):
        items = list(value)
        for i, item in enumerate(items):
            if not isinstance(item, SpatialLocations):
                raise TypeError(f"SpatialLocationCalculatorData.spatialLocations[{i}]: expected SpatialLocations, "
                                f"got {type(item).__name__}")
        self._locations = items

    def __repr__(self):
        return f"SpatialLocationCalculatorData(seq={self._seq}, {len(self._locations)} locations)"


__all__ = ["AUTO_STEP", "RawSpatialLocationCalculatorConfig", "SpatialLocationCalculatorAlgorithm",
           "SpatialLocationCalculatorConfig", "SpatialLocationCalculatorConfigData",
           "SpatialLocationCalculatorConfigThresholds", "SpatialLocationCalculatorData", "SpatialLocations"]
