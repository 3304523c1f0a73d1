"""VideoEncoder: frames in, H.264, H.265 or MJPEG out, as the OAK's hardware encoder gives them.

    enc = pipeline.create(dai.node.VideoEncoder)
    enc.setDefaultProfilePreset(30, dai.VideoEncoderProperties.Profile.H264_MAIN)
    cam.video.link(enc.input)
    enc.bitstream.link(xout.input)
    ...
    q.get().getData().tofile(h264_file)     # Annex-B: `ffmpeg -i video.h264 -c copy video.mp4` plays it

Ports (gen2 defaults): `input` ("in"; NV12 frames, or GRAY8/RAW8 from a MonoCamera; blocking, queue 4,
waits for a message), `bitstream` (ImgFrame of type BITSTREAM holding the encoded bytes) and `out` (the
same bytes as an EncodedFrame). Each output keeps its frame's sequence number, timestamps, instance
number and camera settings. The frame size is taken from the first frame; a later frame of another
size is an error and is dropped.

H.264 is libx264, H.265 libx265 (both through PyAV) and MJPEG OpenCV's JPEG writer (the encoders are in
video_encoder_ops.py, which needs no device): one packet per frame,
in decode order, each keyframe with its parameter sets, so a stream can be cut at any keyframe. With
no B frames each packet goes out as soon as its frame is encoded; with `setNumBFrames(n)` packets
come n frames late and the last ones when the input ends.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..messages._args import as_bool, as_enum, as_float, as_int
from ..messages.datatype import DatatypeEnum
from ..messages.encodedframe import EncodedFrame
from ..messages.imgframe import ImgFrame
from ..pipeline.node import DatatypeHierarchy, Node
from .video_encoder_ops import (INPUT_TYPES, EncodeError, Profile, RateControlMode, VideoEncoderProperties,
                                make_encoder)
from ..pipeline.registry import node_type
from ..runtime.worker import QueueClosed, Worker

T = ImgFrame.Type


# ------------------------------------------------------------------------------------------------
# The host node
# ------------------------------------------------------------------------------------------------

@node_type(worker="VideoEncoderWorker")
class VideoEncoder(Node):
    NAME = "VideoEncoder"
    Properties = VideoEncoderProperties

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.input = self._input("in", attr="input", types=(DatatypeEnum.ImgFrame,), blocking=True, queueSize=4,
                                 waitForMessage=True)
        self.bitstream = self._output("bitstream", types=(DatatypeHierarchy(DatatypeEnum.ImgFrame, False),))
        self.out = self._output("out", types=(DatatypeHierarchy(DatatypeEnum.EncodedFrame, False),))
        # gen2's VideoEncoderProperties defaults (bitrate 0: chosen from frame size and rate).
        self.properties = {"bitrate": 0, "keyframeFrequency": 30, "maxBitrate": 0, "numBFrames": 0,
                           "numFramesPool": 0, "outputFrameSize": 0, "profile": int(Profile.H264_BASELINE),
                           "quality": 80, "lossless": False, "rateCtrlMode": int(RateControlMode.CBR),
                           "frameRate": 30.0}

    # -- presets --
    def setDefaultProfilePreset(self, *args, **kwargs):
        """setDefaultProfilePreset(fps, profile); the older (width, height, fps, profile) and ((width, height),
        fps, profile) forms still work and warn that the size now comes from the first frame."""
        what = f"{self._label}.setDefaultProfilePreset"
        fps, profile = self._sized_args(what, ("fps", "profile"), args, kwargs)
        profile = as_enum(Profile, profile, what)
        fps = _positive(as_float(fps, what), what, "a frame rate")
        self.properties["profile"] = int(profile)
        self.properties["frameRate"] = fps
        if profile == Profile.MJPEG:
            self.properties["quality"] = 95
        else:
            self.properties["keyframeFrequency"] = int(fps)
            self.properties["bitrate"] = 0

    def setProfile(self, *args, **kwargs):
        """setProfile(profile); the older (width, height, profile) and ((width, height), profile) forms warn."""
        what = f"{self._label}.setProfile"
        (profile,) = self._sized_args(what, ("profile",), args, kwargs)
        self.properties["profile"] = int(as_enum(Profile, profile, what))

    def _sized_args(self, what, names, args, kwargs):
        """The trailing `names` arguments, after an optional deprecated width/height or (width, height)."""
        args = list(args) + [kwargs.pop(n) for n in names if n in kwargs]
        if kwargs:
            raise TypeError(f"{what}: unexpected keyword arguments {sorted(kwargs)}; expected {', '.join(names)}")
        extra = len(args) - len(names)
        if extra not in (0, 1, 2):
            raise TypeError(f"{what}: expected ({', '.join(names)}), got {len(args)} arguments")
        if extra:
            warnings.warn(f"{what}: passing the input width/height is deprecated — the size is taken from the "
                          f"first frame", DeprecationWarning, stacklevel=3)
        return args[extra:]

    # -- node properties --
    def setNumFramesPool(self, frames: int):
        """Frames in the output pool; as in gen2 this also becomes the input's queue size."""
        frames = _at_least(as_int(frames, f"{self._label}.setNumFramesPool"), 0, f"{self._label}.setNumFramesPool")
        self.properties["numFramesPool"] = frames
        if frames > 0:
            self.input.setQueueSize(frames)

    def getNumFramesPool(self) -> int:
        return self.properties["numFramesPool"]

    def setMaxOutputFrameSize(self, maxFrameSize: int):
        """Largest encoded frame in bytes (0: no limit); a bigger one is an error and is dropped."""
        what = f"{self._label}.setMaxOutputFrameSize"
        self.properties["outputFrameSize"] = _at_least(as_int(maxFrameSize, what), 0, what)

    def getMaxOutputFrameSize(self) -> int:
        return self.properties["outputFrameSize"]

    # -- encoder properties --
    def setRateControlMode(self, mode):
        """CBR (the default: bitrate held with a one-second buffer) or VBR (average bitrate). H.264/H.265 only."""
        self.properties["rateCtrlMode"] = int(as_enum(RateControlMode, mode, f"{self._label}.setRateControlMode"))

    def getRateControlMode(self) -> RateControlMode:
        return RateControlMode(self.properties["rateCtrlMode"])

    def getProfile(self) -> Profile:
        return Profile(self.properties["profile"])

    def setBitrate(self, bitrate: int):
        """Target bitrate in bit/s; 0 picks one from the frame size and rate (gen2's table: 720p30 4 Mbps,
        1080p30 8.5 Mbps, 1440p30 14 Mbps, 2160p30 20 Mbps). H.264/H.265 only."""
        what = f"{self._label}.setBitrate"
        self.properties["bitrate"] = _at_least(as_int(bitrate, what), 0, what)

    def setBitrateKbps(self, bitrateKbps: int):
        what = f"{self._label}.setBitrateKbps"
        self.properties["bitrate"] = _at_least(as_int(bitrateKbps, what), 0, what) * 1000

    def getBitrate(self) -> int:
        return self.properties["bitrate"]

    def getBitrateKbps(self) -> int:
        return self.properties["bitrate"] // 1000

    def setKeyframeFrequency(self, freq: int):
        """A keyframe every `freq` frames (H.264/H.265)."""
        what = f"{self._label}.setKeyframeFrequency"
        self.properties["keyframeFrequency"] = _at_least(as_int(freq, what), 1, what)

    def getKeyframeFrequency(self) -> int:
        return self.properties["keyframeFrequency"]

    def setNumBFrames(self, numBFrames: int):
        """B frames between reference frames (H.264 main/high and H.265; baseline has none)."""
        what = f"{self._label}.setNumBFrames"
        self.properties["numBFrames"] = _at_least(as_int(numBFrames, what), 0, what)

    def getNumBFrames(self) -> int:
        return self.properties["numBFrames"]

    def setQuality(self, quality: int):
        """JPEG quality, 0..100 (MJPEG only)."""
        what = f"{self._label}.setQuality"
        q = as_int(quality, what)
        if not 0 <= q <= 100:
            raise ValueError(f"{what}: expected a quality in 0..100, got {q}")
        self.properties["quality"] = q

    def getQuality(self) -> int:
        return self.properties["quality"]

    def setLossless(self, lossless: bool):
        """Lossless JPEG (MJPEG only): exact pixels, as a lossless (SOF3) JPEG; FFmpeg and OpenCV decode it,
        many image viewers do not."""
        self.properties["lossless"] = as_bool(lossless, f"{self._label}.setLossless")

    def getLossless(self) -> bool:
        return self.properties["lossless"]

    def setFrameRate(self, frameRate: float):
        """The frame rate the stream is encoded for (rate control and the stream's timing)."""
        what = f"{self._label}.setFrameRate"
        self.properties["frameRate"] = _positive(as_float(frameRate, what), what, "a frame rate")

    def getFrameRate(self) -> float:
        return self.properties["frameRate"]

    # -- deprecated in gen2: the size is known only when the first frame arrives --
    def getWidth(self) -> int:
        self._size_unknown("getWidth")
        return 0

    def getHeight(self) -> int:
        self._size_unknown("getHeight")
        return 0

    def getSize(self) -> tuple[int, int]:
        self._size_unknown("getSize")
        return (0, 0)

    def _size_unknown(self, name):
        warnings.warn(f"{self._label}.{name} is deprecated: the size is taken from the first frame and is not "
                      f"known before", DeprecationWarning, stacklevel=3)


def _at_least(value: int, low: int, what: str) -> int:
    if value < low:
        raise ValueError(f"{what}: expected a value of at least {low}, got {value}")
    return value


def _positive(value: float, what: str, name: str) -> float:
    if not value > 0:
        raise ValueError(f"{what}: expected {name} above 0, got {value}")
    return value


# ------------------------------------------------------------------------------------------------
# The device worker
# ------------------------------------------------------------------------------------------------

_ENCODED_PROFILE = {Profile.H264_BASELINE: EncodedFrame.Profile.AVC, Profile.H264_MAIN: EncodedFrame.Profile.AVC,
                    Profile.H264_HIGH: EncodedFrame.Profile.AVC, Profile.H265_MAIN: EncodedFrame.Profile.HEVC,
                    Profile.MJPEG: EncodedFrame.Profile.JPEG}


class VideoEncoderWorker(Worker):
    """Take a frame, encode it, send its packets (if any) on `bitstream` and `out`. At the end of the input,
    send what the encoder still holds. Bad frames are logged and dropped, never fatal."""

    def run(self):
        props = self.properties
        self._profile = Profile(props["profile"])
        self._max_size = props["outputFrameSize"]
        source = self.input("in")
        self._bitstream, self._out = self.output("bitstream"), self.output("out")
        self._encoder, self._size, self._pending = None, None, {}
        index = 0
        while True:
            try:
                frame = source.get()
            except QueueClosed:
                if self._encoder is not None and not self.stopping:
                    self._send(self._encoder.flush())
                raise
            if not self._accepts(frame):
                continue
            try:
                if self._encoder is None:
                    self._encoder = make_encoder(props, frame.getWidth(), frame.getHeight())
                    self._size = (frame.getWidth(), frame.getHeight())
                self._pending[index] = frame
                packets = self._encoder.encode(frame, index)
            except EncodeError as e:
                self._pending.pop(index, None)
                self._error(("encode", str(e)), f"{self.label}.input: {e}; frame {frame.getSequenceNum()} dropped")
                continue
            except Exception as e:   # an encoder failure on one frame must not stop the node
                self._pending.pop(index, None)
                self._error(("fail", type(e).__name__), f"{self.label}.input: could not encode frame "
                                                        f"{frame.getSequenceNum()}: {type(e).__name__}: {e}")
                continue
            index += 1
            self._send(packets)

    def _accepts(self, frame) -> bool:
        label = f"{self.label}.input"
        if not isinstance(frame, ImgFrame):
            self._error("type", f"{label}: expected ImgFrame, got {type(frame).__name__} — link a camera's video "
                                f"or still output (NV12) or a MonoCamera's out")
            return False
        kind, w, h, seq = frame.getType(), frame.getWidth(), frame.getHeight(), frame.getSequenceNum()
        if kind not in INPUT_TYPES:
            self._error(("frame-type", kind), f"{label}: expected an NV12, GRAY8 or RAW8 frame, got {kind.name} — "
                                              f"link ColorCamera.video or .still (NV12) or MonoCamera.out, or "
                                              f"convert with an ImageManip (initialConfig.setFrameType("
                                              f"dai.ImgFrame.Type.NV12)); frame {seq} dropped")
            return False
        if w <= 0 or h <= 0:
            self._error("empty", f"{label}: expected a frame with a width and height, got {w}x{h}; frame {seq} "
                                 f"dropped")
            return False
        if self._size is not None and (w, h) != self._size:
            self._error(("size", w, h), f"{label}: the stream is {self._size[0]}x{self._size[1]} (its first frame's "
                                        f"size), got a {w}x{h} frame — an encoder keeps one size; send frames of "
                                        f"one size, or use one VideoEncoder per size; frame {seq} dropped")
            return False
        return True

    def _send(self, packets):
        for packet in packets:
            frame = self._pending.pop(packet.index)
            size = len(packet.data)
            if self._max_size and size > self._max_size:
                self._error(("max", size), f"{self.label}.bitstream: the encoded frame needs {size} bytes, more "
                                           f"than the maximum output frame size of {self._max_size} bytes — call "
                                           f"setMaxOutputFrameSize({size}) on {self.label}; frame "
                                           f"{frame.getSequenceNum()} dropped")
                continue
            data = np.frombuffer(packet.data, np.uint8)
            if self._bitstream.linked:
                self._bitstream.send(self._bitstream_frame(frame, data))
            if self._out.linked:
                self._out.send(self._encoded_frame(frame, data, packet.frame_type))

    @staticmethod
    def _bitstream_frame(src: ImgFrame, data: np.ndarray) -> ImgFrame:
        out = ImgFrame()
        out._type, out._width, out._height = T.BITSTREAM, src._width, src._height
        out._stride, out._bytes_pp = src._width, 1
        out._data = data
        out._keep_capture_of(src)
        out._category = src._category
        return out

    def _encoded_frame(self, src: ImgFrame, data: np.ndarray, frame_type) -> EncodedFrame:
        out = EncodedFrame()
        out._data = data
        out._profile, out._frame_type = _ENCODED_PROFILE[self._profile], frame_type
        out._width, out._height = src._width, src._height
        out._quality, out._lossless = self.properties["quality"], self.properties["lossless"]
        out._bitrate = getattr(self._encoder, "bitrate", 0)
        return out._keep_capture_of(src)

