"""Messages ↔ tensors for the NeuralNetwork node, checked against the blob's inputs.

What a message feeds:
- ImgFrame: one image input. Its type must give the input's arrangement — planar (BGR888p, RGB888p)
  for NCHW, interleaved (BGR888i, RGB888i) for NHWC, GRAY8/RAW8 for one channel — and its size.
  U8 frames feed U8, FP16 and FP32 inputs; FP16 frames (setFp16) feed FP16 and FP32 inputs.
  RAW16 frames (depth) feed U16, I32 and FP32 one-channel inputs as they are, and, as on the VPU,
  a U8 input twice their width (the model rebuilds each value from its two bytes).
- NNData: the inputs its layers are named after; a single layer also feeds the one input it is sent
  to. The values must be as many as the input holds; they are converted to the input's type when
  nothing is lost in the kind of number (ints to floats, FP16 to FP32), floats never become ints.
- Buffer: its bytes are the tensor — the input's size in its own type, or for a float input as
  FP16 (half the bytes, as gen2 hosts send) or U8 values (a quarter).
Whatever does not fit raises InputMismatch, whose text names the port, what came, what the input
takes, and what to change.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from ..link.link import SHM_THRESHOLD
from ..messages.buffer import Buffer
from ..messages.imgframe import ImgFrame
from ..messages.nndata import NNData
from .blob import TensorSpec, image_layout

T = ImgFrame.Type

# frame type -> (arrangement, channels, element type, colour order)
FRAME_KINDS = {
    T.BGR888p: ("planar", 3, "U8", "BGR"), T.RGB888p: ("planar", 3, "U8", "RGB"),
    T.BGR888i: ("interleaved", 3, "U8", "BGR"), T.RGB888i: ("interleaved", 3, "U8", "RGB"),
    T.GRAY8: ("grey", 1, "U8", ""), T.RAW8: ("grey", 1, "U8", ""),
    T.BGRF16F16F16p: ("planar", 3, "FP16", "BGR"), T.RGBF16F16F16p: ("planar", 3, "FP16", "RGB"),
    T.BGRF16F16F16i: ("interleaved", 3, "FP16", "BGR"), T.RGBF16F16F16i: ("interleaved", 3, "FP16", "RGB"),
    T.GRAYF16: ("grey", 1, "FP16", ""),
    T.RAW16: ("grey", 1, "U16", ""),
}


class InputMismatch(ValueError):
    """A message that cannot feed the model's input as it is."""


# ------------------------------------------------------------------------------------------------
# One message -> one input
# ------------------------------------------------------------------------------------------------

def message_tensor(msg, spec: TensorSpec, where: str) -> np.ndarray:
    if isinstance(msg, ImgFrame):
        return frame_tensor(msg, spec, where)
    if isinstance(msg, NNData):
        layers = msg.getAllLayerNames()
        if spec.name in layers:
            return layer_tensor(msg, spec.name, spec, where)
        if len(layers) == 1:
            return layer_tensor(msg, layers[0], spec, where)
        raise InputMismatch(f"{where}: NNData with layers {layers} has no layer '{spec.name}' for input "
                            f"'{spec.name}' {spec.describe()} — name the layer '{spec.name}' "
                            f"(setLayer('{spec.name}', …) or addTensor('{spec.name}', …))")
    if isinstance(msg, Buffer):
        return buffer_tensor(msg, spec, where)
    raise InputMismatch(f"{where}: expected ImgFrame, NNData or Buffer, got {type(msg).__name__}")


def frame_tensor(frame: ImgFrame, spec: TensorSpec, where: str) -> np.ndarray:
    key = (frame._type, frame._width, frame._height, spec)
    read = _FITTING.get(key)
    if read is None:   # a stream of frames pays the checks once per kind of frame, not per frame
        read = _frame_reader(spec, where, frame)
        if len(_FITTING) >= _FITTING_MAX:
            _FITTING.clear()
        _FITTING[key] = read
    return read(frame, spec, where)


def _pixels(frame: ImgFrame, where: str) -> np.ndarray:
    try:
        return frame.getFrame()
    except RuntimeError as e:
        raise InputMismatch(f"{where}: {e}") from None


def _frame_pixels(frame: ImgFrame, spec: TensorSpec, where: str) -> np.ndarray:
    return _cast(_pixels(frame, where).reshape(spec.shape), spec, where, f"the {frame.getType().name} frame")


def _bytes_as_u8(frame: ImgFrame, spec: TensorSpec, where: str) -> np.ndarray:
    """gen2's depth trick: each U16 value as its two bytes, for a U8 input twice the frame's width."""
    return np.ascontiguousarray(_pixels(frame, where)).view(np.uint8).reshape(spec.shape)


# (frame type, width, height, input spec) -> how such frames are read, for the kinds that fit
_FITTING: dict = {}
_FITTING_MAX = 64


def _frame_reader(spec: TensorSpec, where: str, frame: ImgFrame):
    """How frames of this one's type and size feed `spec` (`read(frame, spec, where)`); InputMismatch
    with the fix if they cannot."""
    t, w, h = frame.getType(), frame.getWidth(), frame.getHeight()
    image = f"image {w}x{h} {t.name}"
    layout = image_layout(spec)
    if not layout:
        raise InputMismatch(f"{where}: {image} cannot feed input '{spec.name}' {spec.describe()}, which is not "
                            f"an image — send NNData with a layer '{spec.name}' of {spec.size} values instead")
    want_c, want_h, want_w = (spec.shape[layout.index(a)] for a in "CHW")
    want = "grey" if want_c == 1 else ("planar" if layout.index("C") < layout.index("H") else "interleaved")
    kind = FRAME_KINDS.get(t)
    if kind is not None and kind[2] == "U16" and spec.dtype == "U8" and want_c == 1 and (want_w, want_h) == (2 * w, h):
        return _bytes_as_u8
    fixes = []
    if kind is None or kind[0] != want:
        fixes.append(_arrangement_fix(kind, want, spec))
    if (w, h) != (want_w, want_h):
        fixes.append(f"send {want_w}x{want_h} images (ColorCamera setPreviewSize({want_w}, {want_h}) or "
                     f"ImageManip setResize({want_w}, {want_h}))")
    if kind is not None and kind[2] == "FP16" and spec.dtype not in ("FP16", "FP32"):
        fixes.append(f"send U8 frames (ColorCamera setFp16(False)), or convert the model with "
                     f"--input-precision {spec.name}:FP16")
    if kind is not None and kind[2] == "U16" and not np.can_cast(np.uint16, spec.numpy_dtype):
        fixes.append(f"convert the model with --input-precision {spec.name}:U16 (input_precision={{'{spec.name}': "
                     f"'U16'}}) so that it takes the 16-bit values as they are")
    if fixes:
        raise InputMismatch(f"{where}: {image} does not match input '{spec.name}' {spec.describe()} — "
                            f"{'; and '.join(fixes)}")
    pixels = _pixels(frame, where)
    if pixels.dtype != spec.numpy_dtype:
        return _frame_pixels
    return partial(_same_pixels, pixels.nbytes, pixels.dtype, tuple(spec.shape))


def _same_pixels(nbytes: int, dtype, shape, frame: ImgFrame, spec: TensorSpec, where: str) -> np.ndarray:
    """_frame_pixels for frames whose values are the input's type, straight from the frame's bytes
    (what getFrame views, with its checks made once per kind of frame)."""
    data = frame._data
    if data.size < nbytes:   # a frame without its pixels: getFrame says so
        return _frame_pixels(frame, spec, where)
    return data[:nbytes].view(dtype).reshape(shape)


def _arrangement_fix(kind, want: str, spec: TensorSpec) -> str:
    order = kind[3] if kind and kind[3] else "BGR"
    f16 = kind is not None and kind[2] == "FP16"
    if want == "planar":
        target = f"{order}F16F16F16p" if f16 else f"{order}888p"
        camera = "use setInterleaved(False) or " if kind and kind[0] == "interleaved" else "use "
        return f"{camera}ImageManip setFrameType({target})"
    if want == "interleaved":
        target = f"{order}F16F16F16i" if f16 else f"{order}888i"
        camera = "use setInterleaved(True) or " if kind and kind[0] == "planar" else "use "
        return f"{camera}ImageManip setFrameType({target})"
    return "use a MonoCamera, or ImageManip setFrameType(GRAY8)"


def layer_tensor(nn: NNData, layer: str, spec: TensorSpec, where: str) -> np.ndarray:
    values = nn.getTensor(layer)
    info = nn.getTensorInfo(layer)
    if values.size != spec.size:
        raise InputMismatch(f"{where}: NNData layer '{layer}' has {values.size} values {list(values.shape)} "
                            f"{info.dataType.name}, input '{spec.name}' {spec.describe()} takes {spec.size} — send "
                            f"{spec.size} values")
    return _cast(values.reshape(spec.shape), spec, where, f"NNData layer '{layer}' ({info.dataType.name})")


def buffer_tensor(buf: Buffer, spec: TensorSpec, where: str) -> np.ndarray:
    data = buf.getData()
    n = data.size
    if n == spec.nbytes:
        return _aligned(data).view(spec.numpy_dtype).reshape(spec.shape)
    if spec.numpy_dtype.kind == "f":
        if n == spec.size * 2:
            return _aligned(data).view(np.float16).reshape(spec.shape).astype(spec.numpy_dtype)
        if n == spec.size:
            return data.reshape(spec.shape).astype(spec.numpy_dtype)
    also = ""
    if spec.numpy_dtype.kind == "f" and spec.dtype != "FP16":
        also = f" ({spec.size * 2} as FP16 values, {spec.size} as U8 values)"
    raise InputMismatch(f"{where}: a Buffer of {n} bytes does not match input '{spec.name}' {spec.describe()}, "
                        f"which takes {spec.nbytes} bytes{also} — send exactly that, or NNData with a layer "
                        f"'{spec.name}'")


def _aligned(data: np.ndarray) -> np.ndarray:
    return data if data.ctypes.data % 8 == 0 else data.copy()


def _cast(values: np.ndarray, spec: TensorSpec, where: str, what: str) -> np.ndarray:
    want = spec.numpy_dtype
    if values.dtype == want:
        return values
    if values.dtype.kind == "f" and want.kind != "f":
        raise InputMismatch(f"{where}: {what} has floating-point values, input '{spec.name}' {spec.describe()} "
                            f"takes {spec.dtype} — send {spec.dtype} values (a list of ints in setLayer), or "
                            f"convert the model with --input-precision {spec.name}:FP16")
    return values.astype(want)


# ------------------------------------------------------------------------------------------------
# The messages of one inference -> every input
# ------------------------------------------------------------------------------------------------

def input_tensors(main, named: dict, specs: list[TensorSpec], label: str) -> dict[str, np.ndarray]:
    """The tensors for one inference. `main` is the message from `input` (or None), `named` the
    messages from `inputs['name']`; `label` is the node's "NeuralNetwork(id)"."""
    if not named and main is not None and len(specs) == 1:   # the common case: one message, one input
        return {specs[0].name: message_tensor(main, specs[0], f"{label}.input")}
    by_name = {s.name: s for s in specs}
    tensors = {}
    for name, msg in named.items():
        tensors[name] = message_tensor(msg, by_name[name], f"{label}.inputs['{name}']")
    if main is not None:
        where = f"{label}.input"
        remaining = [s for s in specs if s.name not in tensors]
        names = [s.name for s in remaining]
        layers = main.getAllLayerNames() if isinstance(main, NNData) else []
        matched = [s for s in remaining if s.name in layers]
        if matched:
            for s in matched:
                tensors[s.name] = layer_tensor(main, s.name, s, where)
        elif len(remaining) == 1:
            tensors[remaining[0].name] = message_tensor(main, remaining[0], where)
        elif remaining:
            what = f"NNData with layers {layers}" if isinstance(main, NNData) else f"a {type(main).__name__}"
            raise InputMismatch(f"{where}: the model has inputs {names} and {what} can feed only one — send NNData "
                                f"with one layer named after each input, or link each input to "
                                f"nn.inputs['{names[0]}'], nn.inputs['{names[1]}'], …")
    missing = [s.name for s in specs if s.name not in tensors]
    if missing:
        raise InputMismatch(f"{label}: nothing feeds input{'s' if len(missing) > 1 else ''} "
                            f"{', '.join(repr(m) for m in missing)} — link an output to nn.inputs['{missing[0]}'], "
                            f"or send NNData with a layer '{missing[0]}' to nn.input")
    return tensors


def output_message(outputs: dict[str, np.ndarray], specs: list[TensorSpec], source) -> NNData:
    """NNData with one layer per model output, carrying the source message's sequence number and timestamps."""
    nn = NNData()
    for spec in specs:
        nn.addTensor(spec.name, outputs[spec.name])
    if source is not None:
        nn._keep_time_of(source)
    return nn


class OutputLayout:
    """Where each model output sits in an `out` message, worked out once per model, so that a backend can
    write an inference's outputs straight into the message the node sends (`new()`), with no copy.

    Only for outputs NNData keeps as they are (float16/32, uint8, int8, int32, of a known shape); `fits`
    is False otherwise, and the node builds each message with `output_message` instead."""

    def __init__(self, specs: list[TensorSpec]):
        template = NNData()
        for spec in specs:
            template.addTensor(spec.name, np.zeros(spec.shape, spec.numpy_dtype))
        self.fits = all(template.getTensor(spec.name).dtype == spec.numpy_dtype for spec in specs)
        self._size = template._data.size
        self._infos = template._tensors   # shared by every message: NNData never changes a TensorInfo it holds
        self._places = [(spec.name, info.offset, info.offset + spec.numpy_dtype.itemsize * spec.size,
                         spec.numpy_dtype, tuple(spec.shape)) for info, spec in zip(self._infos, specs)]
        ends = sorted((offset, end) for _, offset, end, _, _ in self._places)
        self._gaps = [(a, b) for a, b in zip([0] + [end for _, end in ends], [start for start, _ in ends] + [self._size])
                      if b > a]

    def new(self, alloc=None) -> tuple[NNData, dict[str, np.ndarray]]:
        """An empty `out` message and, per output name, the array inside it that holds that output. With
        `alloc(shape, dtype)` (an output's shared frame pool), a message that links would not send inline lies in
        memory from it, which links lend without a copy. Only the bytes between tensors are zeroed (the
        outputs fill the rest), so the message's bytes depend only on the outputs."""
        nn = NNData()
        if alloc is not None and self._size >= SHM_THRESHOLD:
            data = alloc((self._size,), np.uint8)
        else:
            data = np.empty(self._size, np.uint8)
        for start, end in self._gaps:
            data[start:end] = 0
        nn._data = data
        nn._tensors = list(self._infos)
        return nn, {name: data[offset:end].view(dtype).reshape(shape)
                    for name, offset, end, dtype, shape in self._places}
