"""`StereoDepthConfig`: how a StereoDepth node matches and filters, as a message and as its initialConfig.

    stereo.initialConfig.setMedianFilter(dai.MedianFilter.KERNEL_7x7)
    raw = stereo.initialConfig.get()                       # a RawStereoDepthConfig
    raw.postProcessing.thresholdFilter.maxRange = 3000
    stereo.initialConfig.set(raw)

The state is gen2's RawStereoDepthConfig, field for field and with its defaults ([shared]
RawStereoDepthConfig.hpp): nested structs with attribute access (`raw.algorithmControl.
enableSubpixel`), whose `as_dict()` is the JSON the schema and the wire carry.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields, is_dataclass

from . import codec
from .buffer import Buffer
from .datatype import DatatypeEnum
from .enums import Gen2Enum


class MedianFilter(Gen2Enum):
    MEDIAN_OFF = 0
    KERNEL_3x3 = 3
    KERNEL_5x5 = 5
    KERNEL_7x7 = 7


class _Struct:
    """A gen2 struct: `as_dict()` gives its JSON; `from_dict` takes one back (missing keys keep
    their defaults, unknown keys are refused)."""

    def as_dict(self) -> dict:
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.as_dict() if is_dataclass(value) else int(value) if isinstance(value, Gen2Enum) else value
        return out

    @classmethod
    def from_dict(cls, data: dict, where: str = "StereoDepthConfig"):
        made = cls()
        known = {f.name: f for f in fields(cls)}
        for key, value in (data or {}).items():
            if key not in known:
                raise ValueError(f"{where}: unknown field {key!r}; expected one of {sorted(known)}")
            current = getattr(made, key)
            if is_dataclass(current):
                value = type(current).from_dict(value, f"{where}.{key}")
            elif isinstance(current, Gen2Enum):
                value = type(current)(value)
            setattr(made, key, value)
        return made


@dataclass
class AlgorithmControl(_Struct):
    class DepthAlign(Gen2Enum):
        RECTIFIED_RIGHT = 0
        RECTIFIED_LEFT = 1
        CENTER = 2

    class DepthUnit(Gen2Enum):
        METER = 0
        CENTIMETER = 1
        MILLIMETER = 2
        INCH = 3
        FOOT = 4
        CUSTOM = 5

    depthAlign: "AlgorithmControl.DepthAlign" = None
    depthUnit: "AlgorithmControl.DepthUnit" = None
    customDepthUnitMultiplier: float = 1000.0
    enableLeftRightCheck: bool = True
    enableExtended: bool = False
    enableSubpixel: bool = False
    leftRightCheckThreshold: int = 10
    subpixelFractionalBits: int = 3
    disparityShift: int = 0
    centerAlignmentShiftFactor: float | None = None
    numInvalidateEdgePixels: int = 0

    def __post_init__(self):
        self.depthAlign = self.DepthAlign.RECTIFIED_RIGHT if self.depthAlign is None else self.depthAlign
        self.depthUnit = self.DepthUnit.MILLIMETER if self.depthUnit is None else self.depthUnit


@dataclass
class SpatialFilter(_Struct):
    enable: bool = False
    holeFillingRadius: int = 2
    alpha: float = 0.5
    delta: int = 0
    numIterations: int = 1


@dataclass
class TemporalFilter(_Struct):
    class PersistencyMode(Gen2Enum):
        PERSISTENCY_OFF = 0
        VALID_8_OUT_OF_8 = 1
        VALID_2_IN_LAST_3 = 2
        VALID_2_IN_LAST_4 = 3
        VALID_2_OUT_OF_8 = 4
        VALID_1_IN_LAST_2 = 5
        VALID_1_IN_LAST_5 = 6
        VALID_1_IN_LAST_8 = 7
        PERSISTENCY_INDEFINITELY = 8

    enable: bool = False
    persistencyMode: "TemporalFilter.PersistencyMode" = None
    alpha: float = 0.4
    delta: int = 0

    def __post_init__(self):
        if self.persistencyMode is None:
            self.persistencyMode = self.PersistencyMode.VALID_2_IN_LAST_4


@dataclass
class ThresholdFilter(_Struct):
    minRange: int = 0
    maxRange: int = 65535


@dataclass
class BrightnessFilter(_Struct):
    minBrightness: int = 0
    maxBrightness: int = 256


@dataclass
class SpeckleFilter(_Struct):
    enable: bool = False
    speckleRange: int = 50


@dataclass
class DecimationFilter(_Struct):
    class DecimationMode(Gen2Enum):
        PIXEL_SKIPPING = 0
        NON_ZERO_MEDIAN = 1
        NON_ZERO_MEAN = 2

    decimationFactor: int = 1
    decimationMode: "DecimationFilter.DecimationMode" = None

    def __post_init__(self):
        if self.decimationMode is None:
            self.decimationMode = self.DecimationMode.PIXEL_SKIPPING


@dataclass
class PostProcessing(_Struct):
    SpatialFilter = SpatialFilter
    TemporalFilter = TemporalFilter
    ThresholdFilter = ThresholdFilter
    BrightnessFilter = BrightnessFilter
    SpeckleFilter = SpeckleFilter
    DecimationFilter = DecimationFilter

    median: MedianFilter = MedianFilter.KERNEL_5x5
    bilateralSigmaValue: int = 0
    spatialFilter: SpatialFilter = field(default_factory=SpatialFilter)
    temporalFilter: TemporalFilter = field(default_factory=TemporalFilter)
    thresholdFilter: ThresholdFilter = field(default_factory=ThresholdFilter)
    brightnessFilter: BrightnessFilter = field(default_factory=BrightnessFilter)
    speckleFilter: SpeckleFilter = field(default_factory=SpeckleFilter)
    decimationFilter: DecimationFilter = field(default_factory=DecimationFilter)


@dataclass
class CensusTransform(_Struct):
    class KernelSize(Gen2Enum):
        AUTO = -1
        KERNEL_5x5 = 0
        KERNEL_7x7 = 1
        KERNEL_7x9 = 2

    kernelSize: "CensusTransform.KernelSize" = None
    kernelMask: int = 0
    enableMeanMode: bool = True
    threshold: int = 0

    def __post_init__(self):
        if self.kernelSize is None:
            self.kernelSize = self.KernelSize.AUTO


@dataclass
class LinearEquationParameters(_Struct):
    alpha: int = 0
    beta: int = 2
    threshold: int = 127


@dataclass
class CostMatching(_Struct):
    class DisparityWidth(Gen2Enum):
        DISPARITY_64 = 0
        DISPARITY_96 = 1

    LinearEquationParameters = LinearEquationParameters

    disparityWidth: "CostMatching.DisparityWidth" = None
    enableCompanding: bool = False
    invalidDisparityValue: int = 0
    confidenceThreshold: int = 245
    linearEquationParameters: LinearEquationParameters = field(default_factory=LinearEquationParameters)

    def __post_init__(self):
        if self.disparityWidth is None:
            self.disparityWidth = self.DisparityWidth.DISPARITY_96


@dataclass
class CostAggregation(_Struct):
    divisionFactor: int = 1
    horizontalPenaltyCostP1: int = 250
    horizontalPenaltyCostP2: int = 500
    verticalPenaltyCostP1: int = 250
    verticalPenaltyCostP2: int = 500


@dataclass
class RawStereoDepthConfig(_Struct):
    AlgorithmControl = AlgorithmControl
    PostProcessing = PostProcessing
    CensusTransform = CensusTransform
    CostMatching = CostMatching
    CostAggregation = CostAggregation
    MedianFilter = MedianFilter

    algorithmControl: AlgorithmControl = field(default_factory=AlgorithmControl)
    postProcessing: PostProcessing = field(default_factory=PostProcessing)
    censusTransform: CensusTransform = field(default_factory=CensusTransform)
    costMatching: CostMatching = field(default_factory=CostMatching)
    costAggregation: CostAggregation = field(default_factory=CostAggregation)


class StereoDepthProperties:
    """gen2's `dai.StereoDepthProperties` names that programs use."""
    DepthAlign = AlgorithmControl.DepthAlign
    MedianFilter = MedianFilter


def max_disparity(raw: RawStereoDepthConfig) -> float:
    """gen2's getMaxDisparity: the largest disparity value the node outputs (95, or 190 extended;
    times 2^fractional bits with subpixel)."""
    levels = 64 if raw.costMatching.disparityWidth == CostMatching.DisparityWidth.DISPARITY_64 else 96
    top = float(levels - 1)
    if raw.algorithmControl.enableExtended:
        top *= 2
    if raw.algorithmControl.enableSubpixel:
        top *= 1 << raw.algorithmControl.subpixelFractionalBits
    return top


class StereoDepthConfig(Buffer):
    """gen2's StereoDepthConfig: setters for the common settings, `get()`/`set()` for the whole
    RawStereoDepthConfig."""
    DATATYPE = DatatypeEnum.StereoDepthConfig
    MedianFilter = MedianFilter
    AlgorithmControl = AlgorithmControl
    PostProcessing = PostProcessing
    CensusTransform = CensusTransform
    CostMatching = CostMatching
    CostAggregation = CostAggregation

    def __init__(self):
        super().__init__()
        self._raw = RawStereoDepthConfig()

    def _check(self, value, low: int, high: int, what: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"StereoDepthConfig.{what}: expected an integer in {low}..{high}, got {value!r}")
        return int(value)

    def setDepthAlign(self, align):
        self._raw.algorithmControl.depthAlign = AlgorithmControl.DepthAlign(align)
        return self

    def setConfidenceThreshold(self, confThr: int):
        self._raw.costMatching.confidenceThreshold = self._check(confThr, 0, 255, "setConfidenceThreshold")
        return self

    def getConfidenceThreshold(self) -> int:
        return self._raw.costMatching.confidenceThreshold

    def setMedianFilter(self, median):
        try:
            self._raw.postProcessing.median = MedianFilter(median)
        except ValueError:
            raise ValueError(f"StereoDepthConfig.setMedianFilter: expected a dai.MedianFilter (MEDIAN_OFF, "
                             f"KERNEL_3x3, KERNEL_5x5, KERNEL_7x7), got {median!r}") from None
        return self

    def getMedianFilter(self) -> MedianFilter:
        return self._raw.postProcessing.median

    def setBilateralFilterSigma(self, sigma: int):
        self._raw.postProcessing.bilateralSigmaValue = self._check(sigma, 0, 65535, "setBilateralFilterSigma")
        return self

    def getBilateralFilterSigma(self) -> int:
        return self._raw.postProcessing.bilateralSigmaValue

    def setLeftRightCheckThreshold(self, threshold: int):
        self._raw.algorithmControl.leftRightCheckThreshold = self._check(threshold, 0, 255,
                                                                         "setLeftRightCheckThreshold")
        return self

    def getLeftRightCheckThreshold(self) -> int:
        return self._raw.algorithmControl.leftRightCheckThreshold

    def setLeftRightCheck(self, enable: bool):
        self._raw.algorithmControl.enableLeftRightCheck = bool(enable)
        return self

    def getLeftRightCheck(self) -> bool:
        return self._raw.algorithmControl.enableLeftRightCheck

    def setExtendedDisparity(self, enable: bool):
        self._raw.algorithmControl.enableExtended = bool(enable)
        return self

    def getExtendedDisparity(self) -> bool:
        return self._raw.algorithmControl.enableExtended

    def setSubpixel(self, enable: bool):
        self._raw.algorithmControl.enableSubpixel = bool(enable)
        return self

    def getSubpixel(self) -> bool:
        return self._raw.algorithmControl.enableSubpixel

    def setSubpixelFractionalBits(self, subpixelFractionalBits: int):
        self._raw.algorithmControl.subpixelFractionalBits = self._check(subpixelFractionalBits, 3, 5,
                                                                        "setSubpixelFractionalBits")
        return self

    def getSubpixelFractionalBits(self) -> int:
        return self._raw.algorithmControl.subpixelFractionalBits

    def setDepthUnit(self, unit):
        self._raw.algorithmControl.depthUnit = AlgorithmControl.DepthUnit(unit)
        return self

    def getDepthUnit(self):
        return self._raw.algorithmControl.depthUnit

    def setDisparityShift(self, disparityShift: int):
        self._raw.algorithmControl.disparityShift = self._check(disparityShift, 0, 127, "setDisparityShift")
        return self

    def setNumInvalidateEdgePixels(self, numInvalidateEdgePixels: int):
        self._raw.algorithmControl.numInvalidateEdgePixels = self._check(numInvalidateEdgePixels, 0, 1 << 15,
                                                                         "setNumInvalidateEdgePixels")
        return self

    def getMaxDisparity(self) -> float:
        return max_disparity(self._raw)

    def set(self, config: RawStereoDepthConfig):
        if not isinstance(config, RawStereoDepthConfig):
            raise TypeError(f"StereoDepthConfig.set: expected the RawStereoDepthConfig that get() returns, "
                            f"got {type(config).__name__}")
        self._raw = copy.deepcopy(config)
        return self

    def get(self) -> RawStereoDepthConfig:
        return copy.deepcopy(self._raw)


# On the wire: [seq, ts, tsDevice, the RawStereoDepthConfig as JSON]
def _meta(m):
    return [m._seq, m._ts_ns, m._ts_dev_ns, m._raw.as_dict()]


def _fill(m, meta):
    m._seq, m._ts_ns, m._ts_dev_ns, raw = meta
    m._raw = RawStereoDepthConfig.from_dict(raw)


codec.register(StereoDepthConfig, _meta, _fill)
