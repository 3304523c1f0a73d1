"""`FeatureTrackerConfig`: the FeatureTracker's corner detector, motion estimator and feature maintainer,
as its `initialConfig` or sent to `inputConfig`.

    cfg = dai.FeatureTrackerConfig()
    cfg.setCornerDetector(dai.FeatureTrackerConfig.CornerDetector.Type.SHI_THOMASI)
    cfg.setNumTargetFeatures(200)
    cfg.setMotionEstimator(False)                  # detect afresh on every frame: no ids kept
    raw = cfg.get()                                # a RawFeatureTrackerConfig (a copy)
    raw.featureMaintainer.minimumDistanceBetweenFeatures = 100
    cfg.set(raw)

gen2's structs with gen2's field names and defaults ([shared] RawFeatureTrackerConfig.hpp);
`FeatureTrackerConfig.CornerDetector` etc. are the same classes as `RawFeatureTrackerConfig.CornerDetector`.
0 (`AUTO`) lets the node choose: thresholds start at 6000000 (Harris) or 1200 (Shi-Tomasi), the
pyramid has 3 levels up to 640 pixels wide, 4 above. `to_plain()`/`from_plain()` give the JSON layout
gen2 serializes (the node's `initialConfig` property and the wire).
"""
import copy

from ._args import as_bool, as_float, as_int
from .buffer import Buffer
from .datatype import DatatypeEnum
from .enums import Gen2Enum

AUTO = 0


class _Struct:
    """A plain struct of gen2 fields: `_FIELDS` is ((name, kind), ...), kind being a type to check
    assignments against (int, float, bool, an enum, or a nested _Struct)."""

    _FIELDS: tuple = ()

    def __setattr__(self, name, value):
        kinds = dict(self._FIELDS)
        if name not in kinds:
            raise AttributeError(f"{type(self).__qualname__} has no field '{name}' — fields: "
                                 f"{', '.join(n for n, _ in self._FIELDS)}")
        what = f"{type(self).__qualname__}.{name}"
        kind = kinds[name]
        if kind is bool:
            value = as_bool(value, what)
        elif kind is int:
            value = as_int(value, what)
        elif kind is float:
            value = as_float(value, what)
        elif isinstance(kind, type) and issubclass(kind, Gen2Enum):
            try:
                value = kind(as_int(value, what))
            except ValueError:
                raise ValueError(f"{what}: expected one of {', '.join(str(m) for m in kind)}, got {value!r}") from None
        elif not isinstance(value, kind):
            raise TypeError(f"{what}: expected {kind.__qualname__}, got {type(value).__name__}")
        object.__setattr__(self, name, value)

    def to_plain(self) -> dict:
        """gen2's JSON layout: enums as ints, nested structs as dicts."""
        out = {}
        for name, kind in self._FIELDS:
            v = getattr(self, name)
            out[name] = v.to_plain() if isinstance(v, _Struct) else (int(v) if isinstance(v, Gen2Enum) else v)
        return out

    @classmethod
    def from_plain(cls, data: dict):
        """The struct of gen2's JSON layout (missing fields keep their defaults)."""
        out = cls()
        for name, kind in cls._FIELDS:
            if name in data:
                v = data[name]
                setattr(out, name, kind.from_plain(v) if isinstance(kind, type) and issubclass(kind, _Struct) else v)
        return out

    def __eq__(self, other):
        return type(other) is type(self) and self.to_plain() == other.to_plain()

    def __repr__(self):
        return f"{type(self).__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for n, _ in self._FIELDS)})"


class _CornerDetectorType(Gen2Enum):
    HARRIS = 0
    SHI_THOMASI = 1


class _Thresholds(_Struct):
    """Per-cell detection threshold: starts at `initialValue` (0: automatic), kept between `min` and
    `max` (0: automatic), and scaled by `decreaseFactor`/`increaseFactor` as cells find too few/many corners."""

    def __init__(self):
        self.initialValue = 0.0
        self.min = 0.0
        self.max = 0.0
        self.decreaseFactor = 0.9
        self.increaseFactor = 1.1


_Thresholds._FIELDS = (("initialValue", float), ("min", float), ("max", float), ("decreaseFactor", float),
                       ("increaseFactor", float))


class _CornerDetector(_Struct):
    """Which corners to find: `type` (HARRIS), `cellGridDimension` (4: a 4x4 grid of cells, each
    finding its share of `numTargetFeatures`, 320), `numMaxFeatures` (0: auto), `enableSobel`
    (3x3 Sobel gradients, else [-1 0 1]), `enableSorting` (strongest first), `thresholds`."""

    Type = _CornerDetectorType
    Thresholds = _Thresholds

    def __init__(self):
        self.type = _CornerDetectorType.HARRIS
        self.cellGridDimension = 4
        self.numTargetFeatures = 320
        self.numMaxFeatures = AUTO
        self.enableSobel = True
        self.enableSorting = True
        self.thresholds = _Thresholds()


_CornerDetector._FIELDS = (("type", _CornerDetectorType), ("cellGridDimension", int), ("numTargetFeatures", int),
                           ("numMaxFeatures", int), ("thresholds", _Thresholds), ("enableSobel", bool),
                           ("enableSorting", bool))
_CornerDetectorType.__qualname__ = "CornerDetector.Type"
_Thresholds.__qualname__ = "CornerDetector.Thresholds"
_CornerDetector.__qualname__ = "CornerDetector"


class _MotionEstimatorType(Gen2Enum):
    LUCAS_KANADE_OPTICAL_FLOW = 0
    HW_MOTION_ESTIMATION = 1


class _OpticalFlow(_Struct):
    """Pyramidal Lucas-Kanade: `pyramidLevels` (0: 3 up to 640 px wide, else 4), the patch
    `searchWindowWidth`/`searchWindowHeight` (odd, at most 9; default 5), and when to stop refining:
    `epsilon` (0.01 px) or `maxIterations` (9) per level."""

    def __init__(self):
        self.pyramidLevels = AUTO
        self.searchWindowWidth = 5
        self.searchWindowHeight = 5
        self.epsilon = 0.01
        self.maxIterations = 9


_OpticalFlow._FIELDS = (("pyramidLevels", int), ("searchWindowWidth", int), ("searchWindowHeight", int),
                        ("epsilon", float), ("maxIterations", int))


class _MotionEstimator(_Struct):
    """Finds last frame's features in this one, so their ids last: `enable` (True), `type`
    (LUCAS_KANADE_OPTICAL_FLOW or HW_MOTION_ESTIMATION), `opticalFlow`."""

    Type = _MotionEstimatorType
    OpticalFlow = _OpticalFlow

    def __init__(self):
        self.enable = True
        self.type = _MotionEstimatorType.LUCAS_KANADE_OPTICAL_FLOW
        self.opticalFlow = _OpticalFlow()


_MotionEstimator._FIELDS = (("enable", bool), ("type", _MotionEstimatorType), ("opticalFlow", _OpticalFlow))
_MotionEstimatorType.__qualname__ = "MotionEstimator.Type"
_OpticalFlow.__qualname__ = "MotionEstimator.OpticalFlow"
_MotionEstimator.__qualname__ = "MotionEstimator"


class _FeatureMaintainer(_Struct):
    """Which features to keep: `enable` (True), `minimumDistanceBetweenFeatures` (50: squared pixels),
    `lostFeatureErrorThreshold` (50000) and `trackedFeatureThreshold` (200000: the corner score a
    tracked feature must keep)."""

    def __init__(self):
        self.enable = True
        self.minimumDistanceBetweenFeatures = 50.0
        self.lostFeatureErrorThreshold = 50000.0
        self.trackedFeatureThreshold = 200000.0


_FeatureMaintainer._FIELDS = (("enable", bool), ("minimumDistanceBetweenFeatures", float),
                              ("lostFeatureErrorThreshold", float), ("trackedFeatureThreshold", float))
_FeatureMaintainer.__qualname__ = "FeatureMaintainer"


class _Config(_Struct):
    """The three parts of a config, as RawFeatureTrackerConfig holds them."""

    def __init__(self):
        self.cornerDetector = _CornerDetector()
        self.motionEstimator = _MotionEstimator()
        self.featureMaintainer = _FeatureMaintainer()


_Config._FIELDS = (("cornerDetector", _CornerDetector), ("motionEstimator", _MotionEstimator),
                   ("featureMaintainer", _FeatureMaintainer))


class RawFeatureTrackerConfig(Buffer):
    """gen2's raw config: `cornerDetector`, `motionEstimator`, `featureMaintainer`. It can be sent as it
    is (it arrives as a FeatureTrackerConfig)."""

    DATATYPE = DatatypeEnum.FeatureTrackerConfig
    AUTO = AUTO
    CornerDetector = _CornerDetector
    MotionEstimator = _MotionEstimator
    FeatureMaintainer = _FeatureMaintainer

    def __init__(self):
        super().__init__()
        self._config = _Config()

    def _part(name):   # noqa: N805 — a property factory used in the class body
        def get(self):
            return getattr(self._config, name)

        def put(self, value):
            setattr(self._config, name, value)
        return property(get, put)

    cornerDetector = _part("cornerDetector")
    motionEstimator = _part("motionEstimator")
    featureMaintainer = _part("featureMaintainer")
    del _part

    def to_plain(self) -> dict:
        return self._config.to_plain()

    @classmethod
    def from_plain(cls, data: dict):
        out = cls()
        out._config = _Config.from_plain(data)
        return out

    def __repr__(self):
        return f"{type(self).__name__}({self._config!r})"


class FeatureTrackerConfig(RawFeatureTrackerConfig):
    """The FeatureTracker's settings (gen2 `dai.FeatureTrackerConfig`); each setter returns the config."""

    def setCornerDetector(self, config):
        """A `CornerDetector.Type` (only the type changes) or a whole `CornerDetector`."""
        if isinstance(config, _CornerDetector):
            self._config.cornerDetector = copy.deepcopy(config)
        else:
            self._config.cornerDetector.type = config
        return self

    def setMotionEstimator(self, config):
        """A bool (enable or disable it) or a whole `MotionEstimator`."""
        if isinstance(config, _MotionEstimator):
            self._config.motionEstimator = copy.deepcopy(config)
        else:
            self._config.motionEstimator.enable = config
        return self

    def setOpticalFlow(self, config=None):
        """Lucas-Kanade optical flow as the (enabled) motion estimator, with `config` if given."""
        m = self._config.motionEstimator
        m.type = _MotionEstimatorType.LUCAS_KANADE_OPTICAL_FLOW
        if config is not None:
            if not isinstance(config, _OpticalFlow):
                raise TypeError(f"FeatureTrackerConfig.setOpticalFlow: expected "
                                f"dai.FeatureTrackerConfig.MotionEstimator.OpticalFlow, got {type(config).__name__}")
            m.opticalFlow = copy.deepcopy(config)
        m.enable = True
        return self

    def setHwMotionEstimation(self):
        """The block-matching motion estimator, enabled."""
        self._config.motionEstimator.type = _MotionEstimatorType.HW_MOTION_ESTIMATION
        self._config.motionEstimator.enable = True
        return self

    def setFeatureMaintainer(self, config):
        """A bool (enable or disable it) or a whole `FeatureMaintainer`."""
        if isinstance(config, _FeatureMaintainer):
            self._config.featureMaintainer = copy.deepcopy(config)
        else:
            self._config.featureMaintainer.enable = config
        return self

    def setNumTargetFeatures(self, numTargetFeatures: int):
        self._config.cornerDetector.numTargetFeatures = numTargetFeatures
        return self

    def get(self) -> RawFeatureTrackerConfig:
        """A copy of the settings as a RawFeatureTrackerConfig."""
        raw = RawFeatureTrackerConfig()
        raw._config = copy.deepcopy(self._config)
        return raw

    def set(self, config: RawFeatureTrackerConfig) -> "FeatureTrackerConfig":
        if not isinstance(config, RawFeatureTrackerConfig):
            raise TypeError(f"FeatureTrackerConfig.set: expected dai.RawFeatureTrackerConfig, got "
                            f"{type(config).__name__}")
        self._config = copy.deepcopy(config._config)
        return self


def _meta(m):
    return [m._seq, m._ts_ns, m._ts_dev_ns, m._config.to_plain()]


def _fill(m, meta):
    payload = m._data
    RawFeatureTrackerConfig.__init__(m)
    m._data = payload
    m._seq, m._ts_ns, m._ts_dev_ns, plain = meta
    m._config = _Config.from_plain(plain)


def _register():
    from . import codec
    # A raw config on the wire arrives as a FeatureTrackerConfig, as gen2's do.
    codec.register(FeatureTrackerConfig, _meta, _fill)


_register()
