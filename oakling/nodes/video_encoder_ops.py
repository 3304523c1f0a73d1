"""VideoEncoder's encoders, with no device: NV12 or grey frames in, packets out; and gen2's
`dai.VideoEncoderProperties` enums they are configured with.

    encoder = make_encoder(props, 1920, 1080)     # the node's properties: profile, quality, bitrate, ...
    packets = encoder.encode(frame, index)        # [] while B frames are held back; EncodeError for a bad frame
    packets += encoder.flush()                    # what is still held at the end

H.264 is libx264 and H.265 libx265, both through PyAV, and MJPEG OpenCV's JPEG writer (FFmpeg's
lossless JPEG with setLossless). The node (video_encoder.py) maps each packet back to its frame.
"""
from __future__ import annotations

import numpy as np

from ..messages.enums import Gen2Enum
from ..messages.encodedframe import EncodedFrame
from ..messages.imgframe import ImgFrame

T = ImgFrame.Type


class VideoEncoderProperties:
    """gen2's `dai.VideoEncoderProperties`: the enums the node's setters take."""

    class RateControlMode(Gen2Enum):
        CBR = 0
        VBR = 1

    class Profile(Gen2Enum):
        H264_BASELINE = 0
        H264_HIGH = 1
        H264_MAIN = 2
        H265_MAIN = 3
        MJPEG = 4


Profile = VideoEncoderProperties.Profile
RateControlMode = VideoEncoderProperties.RateControlMode
Profile.__qualname__ = "VideoEncoderProperties.Profile"
RateControlMode.__qualname__ = "VideoEncoderProperties.RateControlMode"


# ------------------------------------------------------------------------------------------------
# The encoders: NumPy frames in, packets out. No device needed.
# ------------------------------------------------------------------------------------------------

class EncodeError(ValueError):
    """A frame the encoder cannot take; the text says what was expected."""


INPUT_TYPES = (T.NV12, T.GRAY8, T.RAW8)

# gen2's automatic bitrate (VideoEncoderProperties.bitrate = 0), as pixels per second -> bit/s.
_AUTO_BITRATE = ((1280 * 720 * 30, 4_000_000), (1920 * 1080 * 30, 8_500_000),
                 (2560 * 1440 * 30, 14_000_000), (3840 * 2160 * 30, 20_000_000))


def auto_bitrate(width: int, height: int, fps: float) -> int:
    """gen2's default bitrate for a frame size and rate: its table, interpolated, and scaled beyond its ends."""
    rate = width * height * fps
    points, bits = zip(*_AUTO_BITRATE)
    if rate <= points[0]:
        return int(bits[0] * rate / points[0])
    if rate >= points[-1]:
        return int(bits[-1] * rate / points[-1])
    return int(np.interp(rate, points, bits))


class Packet:
    """One encoded frame: its bytes, the index of the input frame it encodes, its frame type."""
    __slots__ = ("data", "index", "frame_type")

    def __init__(self, data: bytes, index: int, frame_type: EncodedFrame.FrameType):
        self.data, self.index, self.frame_type = data, index, frame_type


def _planes(frame: ImgFrame) -> tuple[np.ndarray, np.ndarray | None]:
    """(Y as h x w, interleaved UV as h/2 x w, or None for grey) of an NV12/GRAY8/RAW8 frame, honouring stride."""
    w, h = frame.getWidth(), frame.getHeight()
    stride = frame._stride or w
    data = frame.getData()
    grey = frame.getType() != T.NV12
    uv_offset = frame._p2_offset or stride * h
    need = stride * (h - 1) + w if grey else uv_offset + stride * (h // 2 - 1) + w
    if data.size < need:
        raise EncodeError(f"a {w}x{h} {frame.getType().name} frame (stride {stride}) needs {need} bytes, got "
                          f"{data.size}")
    y = np.lib.stride_tricks.as_strided(data, (h, w), (stride, 1), writeable=False)
    if grey:
        return y, None
    uv = np.lib.stride_tricks.as_strided(data[uv_offset:], (h // 2, w), (stride, 1), writeable=False)
    return y, uv


class JpegEncoder:
    """MJPEG: each frame is a JPEG of its own (every frame a keyframe)."""

    def __init__(self, width, height, quality: int, lossless: bool):
        self.quality, self.lossless = quality, lossless
        self._lossless_ctx = None
        if lossless:
            from fractions import Fraction

            import av
            ctx = self._lossless_ctx = av.CodecContext.create("ljpeg", "w")
            ctx.width, ctx.height, ctx.pix_fmt = width, height, "yuvj420p"
            ctx.time_base = Fraction(1, 30)

    def encode(self, frame: ImgFrame, index: int) -> list[Packet]:
        import cv2
        y, uv = _planes(frame)
        if self.lossless:
            return [Packet(self._encode_lossless(y, uv, index), index, EncodedFrame.FrameType.I)]
        if uv is None:
            image = np.ascontiguousarray(y)
        else:
            h, w = y.shape
            nv12 = np.empty((h * 3 // 2, w), np.uint8)
            nv12[:h], nv12[h:] = y, uv
            image = cv2.cvtColor(nv12, cv2.COLOR_YUV2BGR_NV12)
        ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(self.quality)])
        if not ok:
            raise EncodeError("OpenCV could not write the frame as JPEG")
        return [Packet(jpeg.tobytes(), index, EncodedFrame.FrameType.I)]

    def _encode_lossless(self, y, uv, index) -> bytes:
        import av
        picture = av.VideoFrame.from_ndarray(_i420(y, uv), format="yuvj420p")
        picture.pts = index
        return b"".join(bytes(p) for p in self._lossless_ctx.encode(picture))

    def flush(self) -> list[Packet]:
        return []


def _i420(y: np.ndarray, uv: np.ndarray | None) -> np.ndarray:
    """A (h*3/2, w) I420 array from Y and interleaved UV planes (grey: neutral chroma)."""
    h, w = y.shape
    out = np.empty((h * 3 // 2, w), np.uint8)
    out[:h] = y
    chroma = out[h:].reshape(2, h // 2, w // 2)
    if uv is None:
        chroma[:] = 128
    else:
        chroma[0], chroma[1] = uv[:, 0::2], uv[:, 1::2]
    return out


class H26xEncoder:
    """H.264 (libx264) or H.265 (libx265) through PyAV: Annex-B packets, parameter sets on every keyframe,
    a fixed keyframe interval, and no look-ahead, so a packet leaves as soon as its frame is encoded."""

    def __init__(self, profile: Profile, width: int, height: int, props: dict):
        from fractions import Fraction

        import av
        if width % 2 or height % 2:
            raise EncodeError(f"{profile.name} needs an even width and height, got {width}x{height}")
        self.hevc = profile == Profile.H265_MAIN
        fps = Fraction(props["frameRate"]).limit_denominator(1001)
        self.bitrate = props["bitrate"] or auto_bitrate(width, height, float(fps))
        kbps = max(1, self.bitrate // 1000)
        b_frames = 0 if profile == Profile.H264_BASELINE else props["numBFrames"]
        keyint = props["keyframeFrequency"]
        rate = [f"bitrate={kbps}"]
        if props["rateCtrlMode"] == RateControlMode.CBR:
            rate += [f"vbv-maxrate={kbps}", f"vbv-bufsize={kbps}"]
        params = rate + [f"keyint={keyint}", f"min-keyint={keyint}", "scenecut=0", f"bframes={b_frames}"]
        ctx = self._ctx = av.CodecContext.create("libx265" if self.hevc else "libx264", "w")
        ctx.width, ctx.height = width, height
        ctx.framerate, ctx.time_base = fps, 1 / fps
        if self.hevc:
            ctx.pix_fmt = "yuv420p"
            params += ["repeat-headers=1", "log-level=none"]
            ctx.options = {"preset": "ultrafast", "tune": "zerolatency", "x265-params": ":".join(params)}
        else:
            ctx.pix_fmt = "nv12"
            x264_profile = {Profile.H264_BASELINE: "baseline", Profile.H264_MAIN: "main",
                            Profile.H264_HIGH: "high"}[profile]
            ctx.options = {"preset": "superfast", "tune": "zerolatency", "profile": x264_profile,
                           "x264-params": ":".join(params)}
        self._ctx.open()
        self._highest_pts = -1

    def encode(self, frame: ImgFrame, index: int) -> list[Packet]:
        import av
        y, uv = _planes(frame)
        if self.hevc:
            picture = av.VideoFrame.from_ndarray(_i420(y, uv), format="yuv420p")
        else:
            h, w = y.shape
            nv12 = np.empty((h * 3 // 2, w), np.uint8)
            nv12[:h] = y
            nv12[h:] = 128 if uv is None else uv
            picture = av.VideoFrame.from_ndarray(nv12, format="nv12")
        picture.pts = index
        return self._packets(self._ctx.encode(picture))

    def flush(self) -> list[Packet]:
        return self._packets(self._ctx.encode(None))

    def _packets(self, packets) -> list[Packet]:
        out = []
        for p in packets:
            pts = int(p.pts)
            if p.is_keyframe:
                kind = EncodedFrame.FrameType.I
            elif pts < self._highest_pts:   # shown before a frame decoded earlier: a B frame
                kind = EncodedFrame.FrameType.B
            else:
                kind = EncodedFrame.FrameType.P
            self._highest_pts = max(self._highest_pts, pts)
            out.append(Packet(bytes(p), pts, kind))
        return out


def make_encoder(props: dict, width: int, height: int):
    profile = Profile(props["profile"])
    if profile == Profile.MJPEG:
        return JpegEncoder(width, height, props["quality"], props["lossless"])
    return H26xEncoder(profile, width, height, props)
