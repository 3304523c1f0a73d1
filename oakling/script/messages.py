"""Messages as a script sees them: gen2's device-side classes.

    b = Buffer(4)                      # the device's constructors take a size in bytes
    data = b.getData()                 # a writable bytes-like object (a memoryview), not NumPy
    data[:] = b"ping"; data[0]         # slice assignment, indexing: 112
    str(data, "utf-8")                 # "ping"

They are oakling's message classes with those differences, so they cross the links with the same
codec: a frame a script forwards is sent as it came (through shared memory, untouched), and only
`getData()` makes a private, writable copy of a payload that is not already the message's own.
The NumPy-returning host conveniences (`getFrame`, `getCvFrame`, `setFrame`, `getTensor`, ...)
are not on the device.
"""
from __future__ import annotations

import numpy as np

from .. import messages as host
from ..messages.encodedframe import EncodedFrame as _HostEncodedFrame

_U8 = np.uint8


class _NotOnDevice:
    """A host-only method: absent on the device (hasattr() is False; calling says why)."""

    def __set_name__(self, owner, name):
        self.name = f"{owner.__name__}.{name}"

    def __get__(self, obj, owner=None):
        raise AttributeError(f"{self.name}() is not available in a Script: the device has no NumPy or OpenCV "
                             f"— use getData() (a bytes-like object) on the device, {self.name}() on the host")


class _OnDevice:
    """What every on-device message adds: a payload the script can write, in a bytearray."""

    def _own(self, size_or_bytes):
        """Make the payload a bytearray of ours (zeros of a size, or a copy of what is given)."""
        if isinstance(size_or_bytes, int):
            raw = bytearray(size_or_bytes)
        else:
            src = size_or_bytes if isinstance(size_or_bytes, np.ndarray) else np.frombuffer(size_or_bytes, _U8)
            raw = bytearray(src.nbytes)
            if raw:
                np.frombuffer(raw, _U8)[:] = src.reshape(-1).view(_U8)
        self._raw = raw
        self._data = np.frombuffer(raw, _U8) if raw else np.empty(0, _U8)
        self._raw_view = self._data

    def getData(self) -> memoryview:
        """The payload as a writable bytes-like object: `data[0]`, `data[2:4]`, `data[:] = b"..."`
        (same length), `len(data)`, `bytes(data)`, `str(data, "utf-8")`. Changes change the message."""
        if getattr(self, "_raw_view", None) is not self._data:   # a payload that came in, or was rebuilt
            self._own(self._data)
        return memoryview(self._raw)

    def setData(self, data):
        """Replace the payload with a copy of `data`: bytes, bytearray, a memoryview, or a list of ints."""
        if isinstance(data, (bytes, bytearray, memoryview)):
            self._own(memoryview(data).cast("B") if isinstance(data, memoryview) and data.format != "B" else data)
        else:
            self._own(host.buffer.to_byte_array(data, f"{type(self).__name__}.setData"))
        return self


class Buffer(_OnDevice, host.Buffer):
    def __init__(self, size: int = 0):
        host.Buffer.__init__(self)
        self._own(int(size))


class ImgFrame(_OnDevice, host.ImgFrame):
    def __init__(self, size: int = 0):
        host.ImgFrame.__init__(self)
        self._own(int(size))

    getFrame = _NotOnDevice()
    getCvFrame = _NotOnDevice()
    setFrame = _NotOnDevice()
    setCvFrame = _NotOnDevice()


class NNData(_OnDevice, host.NNData):
    def __init__(self, size: int = 0):
        host.NNData.__init__(self)
        # gen2 reserves `size` bytes up front; layers are laid out as they are set, so the reserve
        # is only where the payload starts (empty).

    getTensor = _NotOnDevice()
    addTensor = _NotOnDevice()


class ImgDetections(_OnDevice, host.ImgDetections):
    pass


class ImageManipConfig(_OnDevice, host.ImageManipConfig):
    pass


class CameraControl(_OnDevice, host.CameraControl):
    pass


class SpatialImgDetections(_OnDevice, host.SpatialImgDetections):
    pass


class SpatialLocationCalculatorConfig(_OnDevice, host.SpatialLocationCalculatorConfig):
    pass


class SpatialLocationCalculatorData(_OnDevice, host.SpatialLocationCalculatorData):
    pass


class PointCloudConfig(_OnDevice, host.PointCloudConfig):
    pass


class PointCloudData(_OnDevice, host.PointCloudData):
    pass


class IMUData(_OnDevice, host.IMUData):
    pass


class AprilTags(_OnDevice, host.AprilTags):
    pass


class AprilTagConfig(_OnDevice, host.AprilTagConfig):
    pass


class Tracklets(_OnDevice, host.Tracklets):
    pass


class TrackedFeatures(_OnDevice, host.TrackedFeatures):
    pass


class FeatureTrackerConfig(_OnDevice, host.FeatureTrackerConfig):
    pass


class EncodedFrame(_OnDevice, _HostEncodedFrame):
    """VideoEncoder's `out` in a script: the encoded bytes through getData(), how they were encoded
    through the getters (getProfile, getFrameType, getQuality, getBitrate, getLossless, ...)."""

    def __init__(self, size: int = 0):
        _HostEncodedFrame.__init__(self)
        self._own(int(size))


for _cls in (Buffer, ImgFrame, NNData, ImgDetections, ImageManipConfig, CameraControl, EncodedFrame,
             SpatialImgDetections, SpatialLocationCalculatorConfig, SpatialLocationCalculatorData, PointCloudConfig,
             PointCloudData, IMUData, AprilTags, AprilTagConfig, Tracklets, TrackedFeatures, FeatureTrackerConfig):
    _cls.__qualname__ = _cls.__name__

ON_DEVICE = {host.Buffer: Buffer, host.ImgFrame: ImgFrame, host.NNData: NNData, host.ImgDetections: ImgDetections,
             host.ImageManipConfig: ImageManipConfig, host.CameraControl: CameraControl,
             _HostEncodedFrame: EncodedFrame, host.SpatialImgDetections: SpatialImgDetections,
             host.SpatialLocationCalculatorConfig: SpatialLocationCalculatorConfig,
             host.SpatialLocationCalculatorData: SpatialLocationCalculatorData,
             host.PointCloudConfig: PointCloudConfig, host.PointCloudData: PointCloudData, host.IMUData: IMUData,
             host.AprilTags: AprilTags, host.AprilTagConfig: AprilTagConfig, host.Tracklets: Tracklets,
             host.TrackedFeatures: TrackedFeatures, host.FeatureTrackerConfig: FeatureTrackerConfig}


def adopt(msg):
    """A message from the device, as the script's class of the same type (no copy); a MessageGroup's
    members too (the group itself carries no data of its own)."""
    cls = ON_DEVICE.get(type(msg))
    if cls is not None:
        msg.__class__ = cls
    elif type(msg) is host.MessageGroup:
        for _, member in msg:
            adopt(member)
    return msg
