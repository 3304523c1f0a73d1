"""`ImageAlignConfig`: the ImageAlign node's setting, as its `initialConfig` or sent to `inputConfig`.

    cfg = align.initialConfig.get()        # a RawImageAlignConfig
    cfg.staticDepthPlane = 1500            # mm: align as if the scene were a plane 1.5 m away
    msg = dai.ImageAlignConfig()
    msg.set(cfg)                           # then send msg to align.inputConfig

gen2's message: `get()` and `set()` exchange a `RawImageAlignConfig` whose `staticDepthPlane` (an
unsigned 16-bit distance in millimetres; 0, the default, means infinitely far) says at what
distance images without depth are aligned. A raw config can be sent to `inputConfig` as it is
(it arrives as an ImageAlignConfig), as gen2's queues accept raw messages.
"""
from ._args import as_uint
from .buffer import Buffer
from .datatype import DatatypeEnum


class RawImageAlignConfig(Buffer):
    """gen2's raw config: `staticDepthPlane` in millimetres (0: infinitely far). Like gen2's raw
    messages it can be sent as it is (`cfgQ.send(align.initialConfig.get())`)."""

    DATATYPE = DatatypeEnum.ImageAlignConfig

    def __init__(self):
        super().__init__()
        self._static_depth_plane = 0

    @property
    def staticDepthPlane(self) -> int:
        return self._static_depth_plane

    @staticDepthPlane.setter
    def staticDepthPlane(self, value):
        self._static_depth_plane = as_uint(value, f"{type(self).__name__}.staticDepthPlane", 16)


class ImageAlignConfig(RawImageAlignConfig):
    """The ImageAlign node's config (gen2 `dai.ImageAlignConfig`)."""

    def get(self) -> RawImageAlignConfig:
        raw = RawImageAlignConfig()
        raw._static_depth_plane = self._static_depth_plane
        return raw

    def set(self, config: RawImageAlignConfig) -> "ImageAlignConfig":
        if not isinstance(config, RawImageAlignConfig):
            raise TypeError(f"ImageAlignConfig.set: expected dai.RawImageAlignConfig, got {type(config).__name__}")
        self._static_depth_plane = config._static_depth_plane
        return self

    def __repr__(self):
        return f"ImageAlignConfig(seq={self._seq}, staticDepthPlane={self._static_depth_plane})"
