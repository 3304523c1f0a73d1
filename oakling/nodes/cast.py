"""Cast: a network's NNData (or a frame) turned into an ImgFrame, so image-only nodes can take it.

    nn.setBlobPath("denoise.blob")                        # out: one 1x3xHxW tensor
    cast = pipeline.create(dai.node.Cast)
    cast.setOutputFrameType(dai.ImgFrame.Type.BGR888p)
    cast.setScale(255.0)                                  # output = value * scale + offset
    nn.out.link(cast.input)
    cast.output.link(xout.input)                          # a 3-channel WxH BGR888p ImgFrame

Ports (gen2): `input` (NNData or ImgFrame; non-blocking, queue 4, waits for a message), `output`
(ImgFrame) and `passthroughInput` (the message each output was made from). Properties as gen2's
CastProperties: `numFramesPool` 4, `outputType` RAW8, `scale` and `offset` unset (null: no scaling).

An NNData's first layer is cast; its leading dimensions of size 1 are dropped, and what remains is
the image: (H, W) or (1, H, W) for one-channel types, (3, H, W) or (H, W, 3) for three-channel ones
(planar and interleaved types both accept either; NHWC layers are read channel-last). A frame's
pixels are cast the same way. Each value becomes `value * scale + offset` (when set), then the
output type's pixel type: rounded and saturated for 8- and 16-bit integers, FP16 for F16 types.
The output keeps the input's sequence number and timestamps. A message that does not fit is
dropped with an error line naming its shape and the type asked for.
"""
from __future__ import annotations

import numpy as np

from ..messages._args import as_enum, as_float
from ..messages.datatype import DatatypeEnum
from ..messages.imgframe import ImgFrame
from ..messages.nndata import NNData, TensorInfo
from ..pipeline.node import Node
from ..pipeline.registry import node_type
from ..runtime.worker import QueueClosed, Worker
from .neural_network import _count

T = ImgFrame.Type
_U8, _U16, _F16 = np.dtype(np.uint8), np.dtype(np.uint16), np.dtype(np.float16)

# output type -> (channels, planar, pixel dtype)
OUTPUT_TYPES = {
    T.RAW8: (1, False, _U8), T.GRAY8: (1, False, _U8), T.GRAYF16: (1, False, _F16), T.RAW16: (1, False, _U16),
    T.BGR888p: (3, True, _U8), T.RGB888p: (3, True, _U8), T.BGR888i: (3, False, _U8), T.RGB888i: (3, False, _U8),
    T.BGRF16F16F16p: (3, True, _F16), T.RGBF16F16F16p: (3, True, _F16),
    T.BGRF16F16F16i: (3, False, _F16), T.RGBF16F16F16i: (3, False, _F16),
}


class CastError(ValueError):
    """A message the Cast node cannot turn into the frame type it was asked for."""


@node_type(worker="CastWorker")
class Cast(Node):
    NAME = "Cast"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.input = self._input("input", types=(DatatypeEnum.ImgFrame, DatatypeEnum.NNData),
                                 blocking=False, queueSize=4, waitForMessage=True)
        self.output = self._output("output", types=(DatatypeEnum.ImgFrame,))
        self.passthroughInput = self._output("passthroughInput", types=(DatatypeEnum.ImgFrame, DatatypeEnum.NNData))
        self.properties = {"numFramesPool": 4, "outputType": int(T.RAW8), "scale": None, "offset": None}

    def setNumFramesPool(self, numFramesPool: int) -> "Cast":
        """Frames in the output pool (accepted; the device allocates output frames as it needs)."""
        self.properties["numFramesPool"] = _count(numFramesPool, f"{self._label}.setNumFramesPool")
        return self

    def setOutputFrameType(self, outputType) -> "Cast":
        """The ImgFrame.Type of `output` (default RAW8): one- or three-channel, 8-bit, 16-bit or FP16."""
        what = f"{self._label}.setOutputFrameType"
        t = as_enum(T, outputType, what)
        if t not in OUTPUT_TYPES:
            raise ValueError(f"{what}: cannot cast to {t.name}; choose one of "
                             + ", ".join(x.name for x in OUTPUT_TYPES))
        self.properties["outputType"] = int(t)
        return self

    def setScale(self, scale: float) -> "Cast":
        """Multiply every value by `scale` (before the offset is added)."""
        self.properties["scale"] = as_float(scale, f"{self._label}.setScale")
        return self

    def setOffset(self, offset: float) -> "Cast":
        """Add `offset` to every value (after scaling)."""
        self.properties["offset"] = as_float(offset, f"{self._label}.setOffset")
        return self


# ------------------------------------------------------------------------------------------------
# The cast itself (pure functions, no device)
# ------------------------------------------------------------------------------------------------

def _image(values: np.ndarray, channels: int, channel_last: bool | None, what: str) -> tuple[np.ndarray, bool]:
    """(`values` as (H, W) for one channel, or as (3, H, W) or (H, W, 3) for three, as they lie;
    whether the channels come first). channel_last None: guess by shape."""
    a = values
    while a.ndim > 2 and a.shape[0] == 1:
        a = a[0]
    if channels == 1:
        if a.ndim == 3 and a.shape[-1] == 1:
            a = a[..., 0]
        if a.ndim == 2:
            return a, False
    elif a.ndim == 3:
        first, last = a.shape[0] == 3, a.shape[-1] == 3
        if last and (channel_last or not first):
            return a, False
        if first:
            return a, True
    shape = "x".join(str(n) for n in values.shape)
    want = "(H, W) or (1, H, W)" if channels == 1 else "(3, H, W) or (H, W, 3)"
    raise CastError(f"{what}: a {shape} input is not a {'one' if channels == 1 else 'three'}-channel image — "
                    f"expected {want} after dropping leading 1s")


def cast_values(values: np.ndarray, out_type, scale=None, offset=None, channel_last=None,
                what: str = "Cast") -> ImgFrame:
    """An ImgFrame of `out_type` from a numeric array (see the module's doc for shapes and rounding).
    The arithmetic runs over the values as they lie; only then are channels moved if the type wants."""
    channels, planar, dtype = OUTPUT_TYPES[out_type]
    img, channels_first = _image(np.asarray(values), channels, channel_last, what)
    if scale is not None or offset is not None or img.dtype != dtype:
        x = img.astype(np.float32)
        if scale is not None:
            x *= np.float32(scale)
        if offset is not None:
            x += np.float32(offset)
        if dtype == _F16:
            img = x.astype(np.float16)
        else:
            info = np.iinfo(dtype)
            np.rint(x, out=x)
            np.clip(x, info.min, info.max, out=x)
            img = x.astype(dtype)
    if channels == 3 and planar != channels_first:
        img = img.transpose(2, 0, 1) if planar else img.transpose(1, 2, 0)
    h, w = img.shape[-2:] if planar else img.shape[:2]
    frame = ImgFrame()
    frame.setType(out_type)
    frame.setSize(w, h)
    frame._data = np.ascontiguousarray(img).reshape(-1).view(np.uint8)
    bpp = dtype.itemsize
    frame._stride = w * bpp * (1 if planar or channels == 1 else 3)
    if planar:
        plane = w * h * bpp
        frame._p1_offset, frame._p2_offset, frame._p3_offset = 0, plane, 2 * plane
    return frame


def message_values(msg, what: str) -> tuple[np.ndarray, bool | None]:
    """(the numbers of `msg` to cast, whether its channels come last (None: unknown))."""
    if isinstance(msg, NNData):
        layers = msg.getAllLayers()
        if not layers:
            raise CastError(f"{what}: NNData with no layers — link a network's out")
        first = layers[0]
        channel_last = True if first.order == TensorInfo.StorageOrder.NHWC else None
        return msg.getTensor(first.name), channel_last
    if isinstance(msg, ImgFrame):
        t = msg.getType()
        if t in (T.NV12, T.NV21, T.YUV420p) or t not in OUTPUT_TYPES:
            raise CastError(f"{what}: cannot cast a {t.name} frame — send a grey, RAW or BGR/RGB frame")
        return msg.getFrame(), not OUTPUT_TYPES[t][1]
    raise CastError(f"{what}: expected NNData or ImgFrame, got {type(msg).__name__}")


class CastWorker(Worker):
    """Casts each message on `input` into an ImgFrame on `output`; the message itself goes to
    `passthroughInput`."""

    def run(self):
        out_type = T(self.properties["outputType"])
        scale, offset = self.properties.get("scale"), self.properties.get("offset")
        source, out, passthrough = self.input("input"), self.output("output"), self.output("passthroughInput")
        what = f"{self.label}.input"
        while True:
            try:
                msg = source.get()
            except QueueClosed:
                return
            try:
                values, channel_last = message_values(msg, what)
                frame = cast_values(values, out_type, scale, offset, channel_last, what)
            except CastError as e:
                self._error(("cast", type(msg).__name__), f"{e} (message {msg.getSequenceNum()} dropped)")
                continue
            out.send(frame._keep_time_of(msg))
            passthrough.send(msg)
