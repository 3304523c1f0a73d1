"""`ToFConfig`: how the ToF node decodes its sensor's frames, as its `initialConfig` or sent to `inputConfig`.

    cfg = tof.initialConfig.get()              # a RawToFConfig (a copy)
    cfg.phaseUnwrappingLevel = 1               # 0 (80 MHz alone, ~1.87 m) .. 4 (up to ~7.5 m)
    cfg.phaseUnwrapErrorThreshold = 300
    cfg.median = dai.MedianFilter.KERNEL_5x5
    tof.initialConfig.set(cfg)                 # or send cfg (or a ToFConfig holding it) to inputConfig

gen2's fields, defaults and JSON order ([shared] RawToFConfig.hpp): `median` (MEDIAN_OFF),
`phaseUnwrappingLevel` (4), `phaseUnwrapErrorThreshold` (100, 16-bit), `enablePhaseShuffleTemporalFilter`
(True), `enableBurstMode` (False), `enableDistortionCorrection` (True), and the debugging switches
`enableFPPNCorrection`, `enableOpticalCorrection`, `enableTemperatureCorrection`,
`enableWiggleCorrection`, `enablePhaseUnwrapping`, which are None (the firmware's choice) until set.
What each one does here is in oakling/nodes/tof.py. A raw config can be sent as it is (it arrives as
a ToFConfig), as gen2's queues accept raw messages.
"""
from ._args import as_bool, as_enum, as_int, as_uint
from .buffer import Buffer
from .datatype import DatatypeEnum
from .stereodepthconfig import MedianFilter

# (name, kind) in gen2's serialization order; kind "optional" is a bool or None
FIELDS = (("median", MedianFilter), ("enablePhaseShuffleTemporalFilter", bool), ("enableBurstMode", bool),
          ("enableDistortionCorrection", bool), ("enableFPPNCorrection", "optional"),
          ("enableOpticalCorrection", "optional"), ("enableTemperatureCorrection", "optional"),
          ("enableWiggleCorrection", "optional"), ("enablePhaseUnwrapping", "optional"),
          ("phaseUnwrappingLevel", int), ("phaseUnwrapErrorThreshold", "uint16"))
_KINDS = dict(FIELDS)
DEFAULTS = {"median": MedianFilter.MEDIAN_OFF, "enablePhaseShuffleTemporalFilter": True, "enableBurstMode": False,
            "enableDistortionCorrection": True, "enableFPPNCorrection": None, "enableOpticalCorrection": None,
            "enableTemperatureCorrection": None, "enableWiggleCorrection": None, "enablePhaseUnwrapping": None,
            "phaseUnwrappingLevel": 4, "phaseUnwrapErrorThreshold": 100}


def _checked(name: str, value, owner: str):
    what = f"{owner}.{name}"
    kind = _KINDS[name]
    if kind is MedianFilter:
        return as_enum(MedianFilter, value, what)
    if kind is bool:
        return as_bool(value, what)
    if kind == "optional":
        return None if value is None else as_bool(value, what)
    if kind == "uint16":
        return as_uint(value, what, 16)
    return as_int(value, what)


class RawToFConfig(Buffer):
    """gen2's raw config: the fields above, checked as they are set. Like gen2's raw messages it can
    be sent as it is (`cfgQueue.send(tof.initialConfig.get())`)."""

    DATATYPE = DatatypeEnum.ToFConfig

    def __init__(self):
        super().__init__()
        object.__setattr__(self, "_fields", dict(DEFAULTS))

    def __getattr__(self, name):
        fields = self.__dict__.get("_fields")
        if fields is not None and name in fields:
            return fields[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        if name in _KINDS:
            self._fields[name] = _checked(name, value, type(self).__name__)
        elif name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            raise AttributeError(f"{type(self).__name__} has no field '{name}' — fields: "
                                 f"{', '.join(n for n, _ in FIELDS)}")

    def to_plain(self) -> dict:
        """gen2's JSON layout, in its order (the ToF node's `initialConfig` property, and the wire)."""
        return {name: int(self._fields[name]) if name == "median" else self._fields[name] for name, _ in FIELDS}

    def _set_plain(self, plain: dict):
        for name, _ in FIELDS:
            if name in plain:
                self._fields[name] = _checked(name, plain[name], type(self).__name__)


class ToFConfig(RawToFConfig):
    """The ToF node's config (gen2 `dai.ToFConfig`)."""

    def __init__(self, config: RawToFConfig | None = None):
        super().__init__()
        if config is not None:
            self.set(config)

    def setMedianFilter(self, median) -> "ToFConfig":
        self.median = as_enum(MedianFilter, median, "ToFConfig.setMedianFilter")
        return self

    def get(self) -> RawToFConfig:
        """A copy of the settings as a RawToFConfig."""
        raw = RawToFConfig()
        raw._fields.update(self._fields)
        return raw

    def set(self, config: RawToFConfig) -> "ToFConfig":
        if not isinstance(config, RawToFConfig):
            raise TypeError(f"ToFConfig.set: expected dai.RawToFConfig, got {type(config).__name__}")
        self._fields.update(config._fields)
        return self

    def __repr__(self):
        return f"ToFConfig(seq={self._seq}, {self.to_plain()})"


def _meta(m):
    return [m._seq, m._ts_ns, m._ts_dev_ns, m.to_plain()]


def _fill(m, meta):
    payload = m._data
    ToFConfig.__init__(m)
    m._data = payload
    m._seq, m._ts_ns, m._ts_dev_ns, plain = meta
    m._set_plain(plain)


def _register():
    from . import codec
    codec.register(ToFConfig, _meta, _fill)   # a raw config arrives as a ToFConfig


_register()
