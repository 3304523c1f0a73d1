"""`ObjectTrackerConfig`: changes sent to an ObjectTracker while it runs (gen2 2.32), on its `inputConfig`.

    cfg = dai.ObjectTrackerConfig()
    cfg.forceRemoveID(3)                       # tracklet 3 is reported REMOVED once, then forgotten
    cfg.forceRemoveIDs([4, 5])
    cfg.get().trackletIdsToRemove              # [3, 4, 5]
    trackerConfigQueue.send(cfg)

gen2's message: `get()` and `set()` exchange a `RawObjectTrackerConfig` whose `trackletIdsToRemove`
(a list of 32-bit ints, empty by default) names the tracklets to remove. Like gen2's raw messages, a
raw config can be sent as it is (it arrives as an ObjectTrackerConfig).
"""
from ._args import as_int
from .buffer import Buffer
from .datatype import DatatypeEnum


def _ids(values, what: str) -> list[int]:
    try:
        items = list(values)
    except TypeError:
        raise TypeError(f"{what}: expected a list of ints, got {type(values).__name__} {values!r}") from None
    out = []
    for v in items:
        i = as_int(v, what)
        if not -(1 << 31) <= i < (1 << 31):
            raise ValueError(f"{what}: tracklet ids are 32-bit ints, got {i}")
        out.append(i)
    return out


class RawObjectTrackerConfig(Buffer):
    """gen2's raw config: `trackletIdsToRemove`. Reading it gives a copy, as gen2's bindings do: assign
    a new list to change it."""

    DATATYPE = DatatypeEnum.ObjectTrackerConfig

    def __init__(self):
        super().__init__()
        self._remove: list[int] = []

    @property
    def trackletIdsToRemove(self) -> list[int]:
        return list(self._remove)

    @trackletIdsToRemove.setter
    def trackletIdsToRemove(self, ids):
        self._remove = _ids(ids, f"{type(self).__name__}.trackletIdsToRemove")


class ObjectTrackerConfig(RawObjectTrackerConfig):
    """The ObjectTracker's runtime config (gen2 `dai.ObjectTrackerConfig`); each setter returns it."""

    def __init__(self, config: RawObjectTrackerConfig | None = None):
        super().__init__()
        if config is not None:
            self.set(config)

    def get(self) -> RawObjectTrackerConfig:
        """A copy of the settings as a RawObjectTrackerConfig."""
        raw = RawObjectTrackerConfig()
        raw._remove = list(self._remove)
        return raw

    def set(self, config: RawObjectTrackerConfig) -> "ObjectTrackerConfig":
        if not isinstance(config, RawObjectTrackerConfig):
            raise TypeError(f"ObjectTrackerConfig.set: expected dai.RawObjectTrackerConfig, got "
                            f"{type(config).__name__}")
        self._remove = list(config._remove)
        return self

    def forceRemoveID(self, id: int) -> "ObjectTrackerConfig":   # noqa: A002 — gen2's argument name
        """Remove tracklet `id`: its next Tracklets report it REMOVED."""
        self._remove += _ids([id], "ObjectTrackerConfig.forceRemoveID")
        return self

    def forceRemoveIDs(self, ids) -> "ObjectTrackerConfig":
        """Remove every tracklet in `ids`."""
        self._remove += _ids(ids, "ObjectTrackerConfig.forceRemoveIDs")
        return self

    def __repr__(self):
        return f"ObjectTrackerConfig(seq={self._seq}, trackletIdsToRemove={self._remove})"


def _meta(m):
    return [m._seq, m._ts_ns, m._ts_dev_ns, list(m._remove)]


def _fill(m, meta):
    payload = m._data
    ObjectTrackerConfig.__init__(m)
    m._data = payload
    m._seq, m._ts_ns, m._ts_dev_ns, ids = meta
    m._remove = [int(i) for i in ids]


def _register():
    from . import codec
    codec.register(ObjectTrackerConfig, _meta, _fill)   # a raw config arrives as an ObjectTrackerConfig


_register()
