"""EdgeDetector: the Sobel gradient magnitude of a frame's luma, with 3x3 kernels you may change.

    edges = pipeline.create(dai.node.EdgeDetector)
    edges.setMaxOutputFrameSize(1920 * 1080)              # a 1080p edge image: one byte per pixel
    cam.video.link(edges.inputImage)                      # NV12: the luma plane is used
    edges.outputImage.link(xout.input)                    # GRAY8
    cfg = dai.EdgeDetectorConfig()                        # later, from the host through XLinkIn
    cfg.setSobelFilterKernels([[3, 0, -3], [10, 0, -10], [3, 0, -3]], [[3, 10, 3], [0, 0, 0], [-3, -10, -3]])

Ports (gen2): `inputImage` (ImgFrame; non-blocking, queue 4, waits for a message), `inputConfig`
(EdgeDetectorConfig; non-blocking, queue 4, does not wait: the last config applies until another
comes), `outputImage` (ImgFrame) and `passthroughInputImage` (the frame each output was made from).
Properties as gen2's EdgeDetectorProperties: `initialConfig` (`{"config": {...kernels...}}`),
`outputFrameSize` (1 MiB) and `numFramesPool` (4).

Each output pixel is sqrt(gx² + gy²), saturated to 255, where gx and gy are the two kernels
correlated with the luma around the pixel (borders mirrored, OpenCV's default). GRAY8 and RAW8
frames are their own luma and keep their type; NV12 and YUV420p frames give their Y plane and a
GRAY8 output. Other types, and outputs larger than `setMaxOutputFrameSize`, are dropped with an
error line that says what to do. The output keeps the input's sequence number, timestamps and
camera settings.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..log import LogLevel
from ..messages.datatype import DatatypeEnum
from ..messages.edgedetectorconfig import EdgeDetectorConfig, kernel
from ..messages.imgframe import ImgFrame
from ..pipeline.node import Node
from ..pipeline.registry import node_type
from ..runtime.worker import QueueClosed, Worker
from .neural_network import _count

T = ImgFrame.Type
DEFAULT_OUTPUT_FRAME_SIZE = 1024 * 1024
# input type -> output type
OUTPUT_TYPE = {T.GRAY8: T.GRAY8, T.RAW8: T.RAW8, T.NV12: T.GRAY8, T.NV21: T.GRAY8, T.YUV420p: T.GRAY8}


@node_type(worker="EdgeDetectorWorker")
class EdgeDetector(Node):
    NAME = "EdgeDetector"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.initialConfig = EdgeDetectorConfig()
        self.inputConfig = self._input("inputConfig", types=(DatatypeEnum.EdgeDetectorConfig,),
                                       blocking=False, queueSize=4, waitForMessage=False)
        self.inputImage = self._input("inputImage", types=(DatatypeEnum.ImgFrame,),
                                      blocking=False, queueSize=4, waitForMessage=True)
        self.outputImage = self._output("outputImage", types=(DatatypeEnum.ImgFrame,))
        self.passthroughInputImage = self._output("passthroughInputImage", types=(DatatypeEnum.ImgFrame,))
        self.properties = {"outputFrameSize": DEFAULT_OUTPUT_FRAME_SIZE, "numFramesPool": 4}

    def serialize_properties(self) -> dict:
        data = self.initialConfig.getConfigData()
        return {"initialConfig": {"config": {"sobelFilterHorizontalKernel": data.sobelFilterHorizontalKernel,
                                             "sobelFilterVerticalKernel": data.sobelFilterVerticalKernel}},
                **self.properties}

    def setNumFramesPool(self, numFramesPool: int):
        """Frames in the output pool (accepted; the device allocates output frames as it needs)."""
        self.properties["numFramesPool"] = _count(numFramesPool, f"{self._label}.setNumFramesPool")

    def setMaxOutputFrameSize(self, maxFrameSize: int):
        """Largest output frame in bytes (default 1 MiB: 1280x800 fits, 1080p needs 1920*1080)."""
        self.properties["outputFrameSize"] = _count(maxFrameSize, f"{self._label}.setMaxOutputFrameSize")

    def setWaitForConfigInput(self, wait: bool):
        warnings.warn("Use 'inputConfig.setWaitForMessage()' instead", DeprecationWarning, stacklevel=2)
        self.inputConfig.setWaitForMessage(wait)

    def getWaitForConfigInput(self) -> bool:
        warnings.warn("Use 'inputConfig.setWaitForMessage()' instead", DeprecationWarning, stacklevel=2)
        return self.inputConfig.getWaitForMessage()


# ------------------------------------------------------------------------------------------------
# The filter (no device needed)
# ------------------------------------------------------------------------------------------------

# OpenCV's own derivative filters, by the kernel they correlate with (up to sign, which the
# magnitude does not see): (dx, dy, ksize) for cv2.Sobel, ksize -1 for cv2.Scharr. They are
# separable, so quicker than a general 3x3 filter.
_DERIVATIVES = {
    ((-1, 0, 1), (-2, 0, 2), (-1, 0, 1)): (1, 0, 3), ((-1, -2, -1), (0, 0, 0), (1, 2, 1)): (0, 1, 3),
    ((-3, 0, 3), (-10, 0, 10), (-3, 0, 3)): (1, 0, -1), ((-3, -10, -3), (0, 0, 0), (3, 10, 3)): (0, 1, -1),
}


def _gradient(k: list):
    """A function luma -> float32 gradient image correlating `k` (a 3x3 list of ints)."""
    import cv2
    key = tuple(map(tuple, k))
    found = _DERIVATIVES.get(key) or _DERIVATIVES.get(tuple(tuple(-v for v in row) for row in key))
    if found is not None:
        dx, dy, ksize = found
        return lambda luma: cv2.Sobel(luma, cv2.CV_32F, dx, dy, ksize=ksize)
    weights = np.asarray(k, np.float32)
    return lambda luma: cv2.filter2D(luma, cv2.CV_32F, weights)


class Sobel:
    """The gradient magnitude of 8-bit images with one pair of 3x3 kernels."""

    def __init__(self, horizontal, vertical):
        self._gx = _gradient(kernel(horizontal, "horizontal kernel"))
        self._gy = _gradient(kernel(vertical, "vertical kernel"))

    def __call__(self, luma: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        import cv2
        gx = self._gx(luma)
        return cv2.convertScaleAbs(cv2.magnitude(gx, self._gy(luma), gx), out)


def luma_of(frame: ImgFrame, what: str, doing: str = "find edges in") -> np.ndarray:
    """The frame's Y (or grey) plane, a view of its bytes."""
    t = frame.getType()
    if t not in OUTPUT_TYPE:
        raise ValueError(f"{what}: cannot {doing} a {t.name} frame — send GRAY8, RAW8, NV12 or YUV420p "
                         f"(a MonoCamera's out, a ColorCamera's video or isp)")
    w, h = frame.getWidth(), frame.getHeight()
    stride = frame.getStride() or w
    data = frame.getData()
    if stride < w or data.size < stride * (h - 1) + w:
        raise ValueError(f"{what}: a {w}x{h} {t.name} frame needs {stride * (h - 1) + w} bytes, it holds {data.size}")
    if stride == w:
        return data[:w * h].reshape(h, w)
    return np.lib.stride_tricks.as_strided(data, (h, w), (stride, 1))


class EdgeDetectorWorker(Worker):
    """For each frame on `inputImage`: the config (initialConfig, or the last on inputConfig), the
    edges of its luma on `outputImage`, the frame on `passthroughInputImage`."""

    def _config(self, cfg, current: Sobel) -> Sobel:
        if cfg is None:
            return current
        if not isinstance(cfg, EdgeDetectorConfig):
            self._error("config-type", f"{self.label}.inputConfig: expected EdgeDetectorConfig, got "
                                       f"{type(cfg).__name__} (ignored)")
            return current
        try:
            return Sobel(*cfg.kernels())
        except (TypeError, ValueError) as e:
            self._error("config", f"{self.label}.inputConfig: {e} (config ignored)")
            return current

    def run(self):
        data = self.properties["initialConfig"]["config"]
        initial = EdgeDetectorConfig()
        initial._config.sobelFilterHorizontalKernel = data.get("sobelFilterHorizontalKernel") or []
        initial._config.sobelFilterVerticalKernel = data.get("sobelFilterVerticalKernel") or []
        sobel = Sobel(*initial.kernels())
        limit = self.properties["outputFrameSize"]
        images, configs = self.input("inputImage"), self.input("inputConfig")
        out, passthrough = self.output("outputImage"), self.output("passthroughInputImage")
        wait_config = configs.linked and configs.wait_for_message
        what = f"{self.label}.inputImage"
        while True:
            try:
                if wait_config:
                    sobel = self._config(configs.get(), sobel)
                else:
                    for cfg in configs.try_get_all():
                        sobel = self._config(cfg, sobel)
                frame = images.get()
            except QueueClosed:
                return
            try:
                luma = luma_of(frame, what)
            except ValueError as e:
                self._error(("type", frame.getType()), f"{e} (frame {frame.getSequenceNum()} dropped)")
                continue
            h, w = luma.shape
            if w * h > limit:
                self._error("size", f"{self.label}: a {w}x{h} edge image needs {w * h} bytes, more than "
                                    f"setMaxOutputFrameSize's {limit} — call edgeDetector.setMaxOutputFrameSize"
                                    f"({w * h}) (frame {frame.getSequenceNum()} dropped)", LogLevel.ERR)
                continue
            edges = ImgFrame()
            edges.setType(OUTPUT_TYPE[frame.getType()])
            edges.setSize(w, h)
            edges._stride = w
            edges._data = sobel(luma).reshape(-1)
            out.send(edges._keep_capture_of(frame))
            passthrough.send(frame)
