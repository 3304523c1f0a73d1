"""`EdgeDetectorConfig`: the EdgeDetector node's Sobel kernels, as its `initialConfig` or sent to `inputConfig`.

    cfg = dai.EdgeDetectorConfig()
    cfg.setSobelFilterKernels([[1, 0, -1], [2, 0, -2], [1, 0, -1]],     # horizontal gradient
                              [[1, 2, 1], [0, 0, 0], [-1, -2, -1]])     # vertical gradient
    cfg.getConfigData().sobelFilterHorizontalKernel                     # [[1, 0, -1], ...]

gen2's message: both kernels are 3x3 lists of ints, empty until set (the node then uses the
default Sobel pair above). `get()`/`set()` exchange a `RawEdgeDetectorConfig` whose `config` is the
`EdgeDetectorConfigData`.
"""
from .buffer import Buffer
from .datatype import DatatypeEnum

DEFAULT_HORIZONTAL = [[1, 0, -1], [2, 0, -2], [1, 0, -1]]
DEFAULT_VERTICAL = [[1, 2, 1], [0, 0, 0], [-1, -2, -1]]


class EdgeDetectorConfigData:
    """The two 3x3 Sobel kernels (gen2 `dai.EdgeDetectorConfigData`); empty lists mean the defaults."""

    def __init__(self):
        self.sobelFilterHorizontalKernel: list = []
        self.sobelFilterVerticalKernel: list = []

    def _copy(self) -> "EdgeDetectorConfigData":
        out = EdgeDetectorConfigData()
        out.sobelFilterHorizontalKernel = [list(row) for row in self.sobelFilterHorizontalKernel]
        out.sobelFilterVerticalKernel = [list(row) for row in self.sobelFilterVerticalKernel]
        return out

    def __repr__(self):
        return (f"EdgeDetectorConfigData(horizontal={self.sobelFilterHorizontalKernel}, "
                f"vertical={self.sobelFilterVerticalKernel})")


class RawEdgeDetectorConfig(Buffer):
    """gen2's raw config: `config`, an EdgeDetectorConfigData. Like gen2's raw messages it can be sent
    as it is (it arrives as an EdgeDetectorConfig)."""

    DATATYPE = DatatypeEnum.EdgeDetectorConfig

    def __init__(self):
        super().__init__()
        self._config = EdgeDetectorConfigData()

    @property
    def config(self) -> EdgeDetectorConfigData:
        return self._config

    @config.setter
    def config(self, data: EdgeDetectorConfigData):
        if not isinstance(data, EdgeDetectorConfigData):
            raise TypeError(f"{type(self).__name__}.config: expected dai.EdgeDetectorConfigData, got "
                            f"{type(data).__name__}")
        self._config = data


def kernel(value, what: str) -> list:
    """A 3x3 kernel of ints as a list of lists; TypeError/ValueError naming `what` otherwise."""
    try:
        rows = [list(row) for row in value]
    except TypeError:
        raise TypeError(f"{what}: expected a 3x3 list of ints, got {type(value).__name__}") from None
    if len(rows) != 3 or any(len(row) != 3 for row in rows):
        raise ValueError(f"{what}: expected a 3x3 kernel, got {len(rows)} rows of "
                         f"{sorted({len(row) for row in rows})} — pass three rows of three ints")
    out = []
    for row in rows:
        for v in row:
            if isinstance(v, bool) or not isinstance(v, int) and not (hasattr(v, "__index__")):
                raise TypeError(f"{what}: kernel values must be ints, got {type(v).__name__} {v!r}")
        out.append([int(v) for v in row])
    return out


class EdgeDetectorConfig(RawEdgeDetectorConfig):
    """The EdgeDetector's Sobel kernels (gen2 `dai.EdgeDetectorConfig`)."""

    def setSobelFilterKernels(self, horizontalKernel, verticalKernel):
        """The 3x3 kernels of the horizontal and the vertical gradient."""
        h = kernel(horizontalKernel, "EdgeDetectorConfig.setSobelFilterKernels(horizontalKernel)")
        v = kernel(verticalKernel, "EdgeDetectorConfig.setSobelFilterKernels(verticalKernel)")
        self._config.sobelFilterHorizontalKernel, self._config.sobelFilterVerticalKernel = h, v

    def getConfigData(self) -> EdgeDetectorConfigData:
        return self._config._copy()

    def get(self) -> RawEdgeDetectorConfig:
        raw = RawEdgeDetectorConfig()
        raw._config = self._config._copy()
        return raw

    def set(self, config: RawEdgeDetectorConfig) -> "EdgeDetectorConfig":
        if not isinstance(config, RawEdgeDetectorConfig):
            raise TypeError(f"EdgeDetectorConfig.set: expected dai.RawEdgeDetectorConfig, got {type(config).__name__}")
        data = config.config
        h, v = data.sobelFilterHorizontalKernel, data.sobelFilterVerticalKernel
        self._config = EdgeDetectorConfigData()
        if h:
            self._config.sobelFilterHorizontalKernel = kernel(h, "EdgeDetectorConfig.set(sobelFilterHorizontalKernel)")
        if v:
            self._config.sobelFilterVerticalKernel = kernel(v, "EdgeDetectorConfig.set(sobelFilterVerticalKernel)")
        return self

    def kernels(self) -> tuple[list, list]:
        """(horizontal, vertical) as the node applies them: the defaults where a kernel is unset."""
        return (self._config.sobelFilterHorizontalKernel or DEFAULT_HORIZONTAL,
                self._config.sobelFilterVerticalKernel or DEFAULT_VERTICAL)

    def __repr__(self):
        return f"EdgeDetectorConfig(seq={self._seq}, {self._config!r})"
