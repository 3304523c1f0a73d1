"""`AprilTagConfig` (the AprilTag node's settings) and `AprilTags` (what it found).

    cfg = aprilTag.initialConfig.get()                 # a RawAprilTagConfig to edit
    cfg.family = dai.AprilTagConfig.Family.TAG_16H5
    cfg.quadDecimate, cfg.maxHammingDistance = 2, 0
    cfg.quadThresholds.minWhiteBlackDiff = 20
    aprilTag.initialConfig.set(cfg)                    # or send an AprilTagConfig to inputConfig

    for tag in q.get().aprilTags:                      # from aprilTag.out
        tag.id, tag.hamming, tag.decisionMargin
        tag.topLeft.x, tag.topRight, tag.bottomRight, tag.bottomLeft   # dai.Point2f, pixels

gen2's messages ([shared] datatype/RawAprilTagConfig.hpp, RawAprilTags.hpp), with its defaults:
family TAG_36H11, quadDecimate 4, quadSigma 0, refineEdges True, decodeSharpening 0.25,
maxHammingDistance 1, and quadThresholds minClusterPixels 5, maxNmaxima 10, criticalDegree 10,
maxLineFitMse 10, minWhiteBlackDiff 5, deglitch False.
"""
from . import codec
from .buffer import Buffer
from .datatype import DatatypeEnum
from .enums import Gen2Enum
from .geometry import Point2f


class _Family(Gen2Enum):
    TAG_36H11 = 0
    TAG_36H10 = 1
    TAG_25H9 = 2
    TAG_16H5 = 3
    TAG_CIR21H7 = 4
    TAG_STAND41H12 = 5


_Family.__name__ = _Family.__qualname__ = "Family"


class QuadThresholds:
    """The quad search's thresholds (gen2 `dai.RawAprilTagConfig.QuadThresholds`)."""

    FIELDS = ("minClusterPixels", "maxNmaxima", "criticalDegree", "maxLineFitMse", "minWhiteBlackDiff", "deglitch")

    def __init__(self):
        self.minClusterPixels = 5
        self.maxNmaxima = 10
        self.criticalDegree = 10.0
        self.maxLineFitMse = 10.0
        self.minWhiteBlackDiff = 5
        self.deglitch = False

    def _json(self) -> dict:
        return {"minClusterPixels": int(self.minClusterPixels), "maxNmaxima": int(self.maxNmaxima),
                "criticalDegree": float(self.criticalDegree), "maxLineFitMse": float(self.maxLineFitMse),
                "minWhiteBlackDiff": int(self.minWhiteBlackDiff), "deglitch": bool(self.deglitch)}

    def __repr__(self):
        return f"QuadThresholds({self._json()})"


class RawAprilTagConfig(Buffer):
    """gen2's raw config: the fields themselves. Sent as it is, it arrives as an AprilTagConfig."""

    DATATYPE = DatatypeEnum.AprilTagConfig
    Family = _Family
    QuadThresholds = QuadThresholds

    def __init__(self):
        super().__init__()
        self.family = _Family.TAG_36H11
        self.quadDecimate = 4
        self.quadSigma = 0.0
        self.refineEdges = True
        self.decodeSharpening = 0.25
        self.maxHammingDistance = 1
        self.quadThresholds = QuadThresholds()

    def _json(self) -> dict:
        """gen2's serialization of the config (the node's `initialConfig` property)."""
        return {"family": int(self.family), "quadDecimate": int(self.quadDecimate), "quadSigma": float(self.quadSigma),
                "refineEdges": bool(self.refineEdges), "decodeSharpening": float(self.decodeSharpening),
                "maxHammingDistance": int(self.maxHammingDistance), "quadThresholds": self.quadThresholds._json()}

    def _load(self, data: dict):
        self.family = _Family(data["family"])
        for name in ("quadDecimate", "quadSigma", "refineEdges", "decodeSharpening", "maxHammingDistance"):
            setattr(self, name, data[name])
        self.quadThresholds = QuadThresholds()
        for name in QuadThresholds.FIELDS:
            setattr(self.quadThresholds, name, data["quadThresholds"][name])
        return self

    def __repr__(self):
        return f"{type(self).__name__}({self._json()})"


class AprilTagConfig(RawAprilTagConfig):
    """The AprilTag node's settings (gen2 `dai.AprilTagConfig`): `setFamily`, and `get()`/`set()` of
    the RawAprilTagConfig whose fields are all the settings."""

    def setFamily(self, family):
        self.family = _Family(family)
        return self

    def get(self) -> RawAprilTagConfig:
        raw = RawAprilTagConfig()
        raw._load(self._json())
        return raw

    def set(self, config: RawAprilTagConfig) -> "AprilTagConfig":
        if not isinstance(config, RawAprilTagConfig):
            raise TypeError(f"AprilTagConfig.set: expected dai.RawAprilTagConfig, got {type(config).__name__}")
        self._load(config._json())
        return self


class AprilTag:
    """One tag found (gen2 `dai.AprilTag`): `id`, `hamming` (bits corrected), `decisionMargin` (how
    clearly its bits were read, in grey levels) and its four corners in pixels, in the tag's own
    orientation: `topLeft`, `topRight`, `bottomRight`, `bottomLeft`."""

    CORNERS = ("topLeft", "topRight", "bottomRight", "bottomLeft")

    def __init__(self):
        self.id = 0
        self.hamming = 0
        self.decisionMargin = 0.0
        self.topLeft, self.topRight, self.bottomRight, self.bottomLeft = Point2f(), Point2f(), Point2f(), Point2f()

    def _fields(self) -> list:
        return [int(self.id), int(self.hamming), float(self.decisionMargin),
                *([float(getattr(self, c).x), float(getattr(self, c).y)] for c in self.CORNERS)]

    @classmethod
    def _make(cls, values) -> "AprilTag":
        tag = cls()
        tag.id, tag.hamming, tag.decisionMargin = values[:3]
        for name, (x, y) in zip(cls.CORNERS, values[3:]):
            setattr(tag, name, Point2f(x, y))
        return tag

    def __repr__(self):
        corners = ", ".join(f"({getattr(self, c).x:.1f}, {getattr(self, c).y:.1f})" for c in self.CORNERS)
        return f"AprilTag(id={self.id}, hamming={self.hamming}, decisionMargin={self.decisionMargin:.1f}, {corners})"


class RawAprilTags(Buffer):
    """gen2's raw message: `aprilTags`, a list of AprilTag."""

    DATATYPE = DatatypeEnum.AprilTags

    def __init__(self):
        super().__init__()
        self._tags: list = []

    @property
    def aprilTags(self) -> list:
        return self._tags

    @aprilTags.setter
    def aprilTags(self, value):
        tags = list(value)
        for t in tags:
            if not isinstance(t, AprilTag):
                raise TypeError(f"{type(self).__name__}.aprilTags: expected a list of dai.AprilTag, got a "
                                f"{type(t).__name__} in it")
        self._tags = tags

    def __repr__(self):
        return f"{type(self).__name__}(seq={self._seq}, {self._tags})"


class AprilTags(RawAprilTags):
    """The AprilTag node's `out` (gen2 `dai.AprilTags`)."""


# Wire: AprilTagConfig [seq, ts, tsDevice, config as gen2's JSON]; AprilTags [seq, ts, tsDevice, [tag fields]]
def _config_meta(m):
    return [m._seq, m._ts_ns, m._ts_dev_ns, m._json()]


def _config_fill(m, meta):
    payload = m._data
    AprilTagConfig.__init__(m)
    m._data = payload
    m._seq, m._ts_ns, m._ts_dev_ns, data = meta
    m._load(data)


def _tags_meta(m):
    return [m._seq, m._ts_ns, m._ts_dev_ns, [t._fields() for t in m._tags]]


def _tags_fill(m, meta):
    m._seq, m._ts_ns, m._ts_dev_ns, tags = meta
    m._tags = [AprilTag._make(t) for t in tags]


codec.register(AprilTagConfig, _config_meta, _config_fill)
codec.register(AprilTags, _tags_meta, _tags_fill)
