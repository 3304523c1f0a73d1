"""`ImageAlignConfig`: the ImageAlign node's setting, as its `initialConfig` or sent to `inputConfig`.

    cfg = align.initialConfig.get()        # a RawImageAlignConfig
    cfg.staticDepthPlane = 1500            # mm: align as if the scene were a plane 1.5 m away
    msg = dai.ImageAlignConfig()
    msg.set(cfg)                           # then send msg to align.inputConfig

gen2's message: `get()` and `set()` exchange a `RawImageAlignConfig` whose `staticDepthPlane` (an
unsigned 16-bit distance in millimetres; 0, the default, means infinitely far) says at what
distance images without depth are aligned.
"""
from ._args import as_uint
from .buffer import Buffer
from .datatype import DatatypeEnum


class RawImageAlignConfig:
    """gen2's raw config: `staticDepthPlane` in millimetres (0: infinitely far)."""

    def __init__(self):
        self.staticDepthPlane = 0


class ImageAlignConfig(Buffer):
    """The ImageAlign node's config (gen2 `dai.ImageAlignConfig`)."""

    DATATYPE = DatatypeEnum.ImageAlignConfig

    def __init__(self):
        super().__init__()
        self._static_depth_plane = 0

    def get(self) -> RawImageAlignConfig:
        raw = RawImageAlignConfig()
        raw.staticDepthPlane = self._static_depth_plane
        return raw

    def set(self, config: RawImageAlignConfig) -> "ImageAlignConfig":
        if not isinstance(config, RawImageAlignConfig):
            raise TypeError(f"ImageAlignConfig.set: expected dai.RawImageAlignConfig, got {type(config).__name__}")
        self._static_depth_plane = as_uint(config.staticDepthPlane, "ImageAlignConfig.set(staticDepthPlane)", 16)
        return self

    def __repr__(self):
        return f"ImageAlignConfig(seq={self._seq}, staticDepthPlane={self._static_depth_plane})"
