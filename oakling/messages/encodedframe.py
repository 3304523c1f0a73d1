"""`EncodedFrame`: one encoded picture (a JPEG, or an H.264/H.265 access unit) with how it was encoded.

    q = device.getOutputQueue("enc")            # fed by VideoEncoder.out
    pkt = q.get()
    pkt.getProfile(), pkt.getFrameType()        # EncodedFrame.Profile.AVC, EncodedFrame.FrameType.I
    pkt.getData().tofile(h264_file)             # the encoded bytes (Annex-B for H.264/H.265)

gen2's later 2.x message for VideoEncoder's `out` output; `bitstream` carries the same bytes in a BITSTREAM
ImgFrame. Width, height, instance number and camera settings are the source frame's. This module also
teaches the wire codec the message, so importing it is enough to send one between processes.
"""

from .enums import Gen2Enum
from . import codec
from ._args import as_bool, as_enum, as_uint
from .buffer import Buffer
from .capture import CaptureSettings
from .datatype import DatatypeEnum


class _Profile(Gen2Enum):
    JPEG = 0
    AVC = 1
    HEVC = 2


class _FrameType(Gen2Enum):
    I = 0   # noqa: E741 - gen2's name
    P = 1
    B = 2
    Unknown = 3


_Profile.__qualname__, _FrameType.__qualname__ = "EncodedFrame.Profile", "EncodedFrame.FrameType"


class EncodedFrame(CaptureSettings, Buffer):
    """An encoded picture (gen2 `dai.EncodedFrame`)."""

    DATATYPE = DatatypeEnum.EncodedFrame
    Profile = _Profile
    FrameType = _FrameType

    def __init__(self):
        super().__init__()
        self._profile = _Profile.JPEG
        self._frame_type = _FrameType.Unknown
        self._quality = 0
        self._bitrate = 0
        self._lossless = False
        self._width = 0
        self._height = 0
        self._reset_capture()

    # getters
    def getProfile(self) -> _Profile:
        return self._profile

    def getFrameType(self) -> _FrameType:
        return self._frame_type

    def getQuality(self) -> int:
        """The JPEG quality (0..100) the picture was encoded with."""
        return self._quality

    def getBitrate(self) -> int:
        """The H.264/H.265 target bitrate in bit/s the picture was encoded with."""
        return self._bitrate

    def getLossless(self) -> bool:
        return self._lossless

    def getWidth(self) -> int:
        return self._width

    def getHeight(self) -> int:
        return self._height

    # setters
    def setProfile(self, profile):
        self._profile = as_enum(_Profile, profile, "EncodedFrame.setProfile")
        return self

    def setFrameType(self, frame_type):
        self._frame_type = as_enum(_FrameType, frame_type, "EncodedFrame.setFrameType")
        return self

    def setQuality(self, quality):
        self._quality = as_uint(quality, "EncodedFrame.setQuality")
        return self

    def setBitrate(self, bitrate):
        self._bitrate = as_uint(bitrate, "EncodedFrame.setBitrate")
        return self

    def setLossless(self, lossless):
        self._lossless = as_bool(lossless, "EncodedFrame.setLossless")
        return self

    def setWidth(self, width):
        self._width = as_uint(width, "EncodedFrame.setWidth")
        return self

    def setHeight(self, height):
        self._height = as_uint(height, "EncodedFrame.setHeight")
        return self

    def setInstanceNum(self, instance):
        self._instance_num = as_uint(instance, "EncodedFrame.setInstanceNum")
        return self

    def __repr__(self) -> str:
        return (f"<EncodedFrame {self._profile.name} {self._frame_type.name} {self._width}x{self._height} "
                f"seq={self._seq} bytes={self._data.size}>")


# Wire format: [seq, ts, tsDevice, profile, frameType, quality, bitrate, lossless, width, height, instanceNum,
#               exposureUs, sensitivityIso, lensPosition, wbColorTemp, lensPositionRaw]
def _meta(m):
    return [m._seq, m._ts_ns, m._ts_dev_ns, int(m._profile), int(m._frame_type), m._quality, m._bitrate,
            bool(m._lossless), m._width, m._height, m._instance_num, m._exposure_us, m._sensitivity_iso,
            m._lens_position, m._wb_color_temp, float(m._lens_position_raw)]


def _fill(m, meta):
    (m._seq, m._ts_ns, m._ts_dev_ns, profile, frame_type, m._quality, m._bitrate, m._lossless, m._width,
     m._height, m._instance_num, m._exposure_us, m._sensitivity_iso, m._lens_position, m._wb_color_temp,
     m._lens_position_raw) = meta
    m._profile, m._frame_type = _Profile(profile), _FrameType(frame_type)


codec.register(EncodedFrame, _meta, _fill)
