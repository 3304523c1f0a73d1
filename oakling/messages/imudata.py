"""`IMUData`: the IMU node's `out` — a batch of `IMUPacket`s, each holding the latest report of
every enabled sensor kind.

    data = q.get()                                     # from imu.out
    for packet in data.packets:
        a = packet.acceleroMeter                       # IMUReportAccelerometer, m/s²
        a.x, a.y, a.z, a.sequence, a.accuracy          # accuracy: dai.IMUReport.Accuracy
        a.getTimestampDevice()                         # a datetime.timedelta
        packet.gyroscope.x                             # IMUReportGyroscope, rad/s
        packet.magneticField.x                         # IMUReportMagneticField, µT
        rv = packet.rotationVector                     # IMUReportRotationVectorWAcc: a quaternion
        rv.i, rv.j, rv.k, rv.real, rv.rotationVectorAccuracy   # accuracy estimate in radians

gen2's message ([shared] datatype/RawIMUData.hpp): a report's `sequence` counts that sensor's
reports; `timestamp` is host-synced and `tsDevice` the device's own clock (both `dai.Timestamp`,
whose `get()` is the timedelta `getTimestamp()` returns). Fields of sensors that are not enabled
keep their defaults (zeros, sequence 0, UNRELIABLE).
"""
from . import clock, codec
from .buffer import Buffer
from .datatype import DatatypeEnum
from .enums import Gen2Enum


class Timestamp:
    """gen2's `dai.Timestamp`: seconds and nanoseconds on the message clock; `get()` is a timedelta."""

    __slots__ = ("sec", "nsec")

    def __init__(self, sec: int = 0, nsec: int = 0):
        self.sec, self.nsec = int(sec), int(nsec)

    @classmethod
    def _of(cls, ns: int) -> "Timestamp":
        return cls(ns // 1_000_000_000, ns % 1_000_000_000)

    def _ns(self) -> int:
        return self.sec * 1_000_000_000 + self.nsec

    def get(self):
        return clock.to_timedelta(self._ns())

    def __repr__(self):
        return f"Timestamp(sec={self.sec}, nsec={self.nsec})"


class IMUReport:
    """What every IMU report has (gen2 `dai.IMUReport`)."""

    class Accuracy(Gen2Enum):
        UNRELIABLE = 0
        LOW = 1
        MEDIUM = 2
        HIGH = 3

    FIELDS: tuple = ()

    def __init__(self):
        self.sequence = 0
        self.accuracy = IMUReport.Accuracy.UNRELIABLE
        self._ts_ns = 0
        self._ts_dev_ns = 0
        for name in self.FIELDS:
            setattr(self, name, 0.0)

    @property
    def timestamp(self) -> Timestamp:
        return Timestamp._of(self._ts_ns)

    @timestamp.setter
    def timestamp(self, value: Timestamp):
        self._ts_ns = _timestamp_ns(value, f"{type(self).__name__}.timestamp")

    @property
    def tsDevice(self) -> Timestamp:
        return Timestamp._of(self._ts_dev_ns)

    @tsDevice.setter
    def tsDevice(self, value: Timestamp):
        self._ts_dev_ns = _timestamp_ns(value, f"{type(self).__name__}.tsDevice")

    def getTimestamp(self):
        """When the sensor measured it, on `dai.Clock.now()`'s base (a timedelta)."""
        return clock.to_timedelta(self._ts_ns)

    def getTimestampDevice(self):
        """When the sensor measured it, on the device's clock (a timedelta)."""
        return clock.to_timedelta(self._ts_dev_ns)

    def getSequenceNum(self) -> int:
        return self.sequence

    # the wire: [sequence, accuracy, ts, tsDevice, *fields]
    def _fields(self) -> list:
        return [int(self.sequence), int(self.accuracy), int(self._ts_ns), int(self._ts_dev_ns),
                *(float(getattr(self, n)) for n in self.FIELDS)]

    def _fill(self, values):
        self.sequence, accuracy, self._ts_ns, self._ts_dev_ns = values[:4]
        self.accuracy = IMUReport.Accuracy(accuracy)
        for name, v in zip(self.FIELDS, values[4:]):
            setattr(self, name, v)
        return self

    def __repr__(self):
        values = ", ".join(f"{n}={getattr(self, n):.6f}" for n in self.FIELDS)
        return f"{type(self).__name__}({values}, sequence={self.sequence}, accuracy={self.accuracy})"


def _timestamp_ns(value, what: str) -> int:
    if isinstance(value, Timestamp):
        return value._ns()
    raise TypeError(f"{what}: expected a dai.Timestamp, got {type(value).__name__}")


class IMUReportAccelerometer(IMUReport):
    """Acceleration in m/s² along the sensor's x, y, z (gen2 `dai.IMUReportAccelerometer`)."""
    FIELDS = ("x", "y", "z")


class IMUReportGyroscope(IMUReport):
    """Angular velocity in rad/s about the sensor's x, y, z (gen2 `dai.IMUReportGyroscope`)."""
    FIELDS = ("x", "y", "z")


class IMUReportMagneticField(IMUReport):
    """Magnetic field in µT along the sensor's x, y, z (gen2 `dai.IMUReportMagneticField`)."""
    FIELDS = ("x", "y", "z")


class IMUReportRotationVectorWAcc(IMUReport):
    """Orientation as a unit quaternion (i, j, k, real) with an accuracy estimate in radians, 0 for
    none (gen2 `dai.IMUReportRotationVectorWAcc`)."""
    FIELDS = ("i", "j", "k", "real", "rotationVectorAccuracy")


class IMUPacket:
    """One moment's reports: `acceleroMeter`, `gyroscope`, `magneticField`, `rotationVector`
    (gen2 `dai.IMUPacket`)."""

    PARTS = (("acceleroMeter", IMUReportAccelerometer), ("gyroscope", IMUReportGyroscope),
             ("magneticField", IMUReportMagneticField), ("rotationVector", IMUReportRotationVectorWAcc))

    def __init__(self):
        for name, cls in self.PARTS:
            setattr(self, name, cls())

    def __setattr__(self, name, value):
        expected = dict(self.PARTS).get(name)
        if expected is not None and not isinstance(value, expected):
            raise TypeError(f"IMUPacket.{name}: expected dai.{expected.__name__}, got {type(value).__name__}")
        object.__setattr__(self, name, value)

    def _fields(self) -> list:
        return [getattr(self, name)._fields() for name, _ in self.PARTS]

    @classmethod
    def _make(cls, parts) -> "IMUPacket":
        packet = cls.__new__(cls)
        for (name, part_cls), values in zip(cls.PARTS, parts):
            object.__setattr__(packet, name, part_cls()._fill(values))
        return packet

    def __repr__(self):
        return (f"IMUPacket(acceleroMeter={self.acceleroMeter}, gyroscope={self.gyroscope}, "
                f"magneticField={self.magneticField}, rotationVector={self.rotationVector})")


class RawIMUData(Buffer):
    """gen2's raw message: `packets`, a list of IMUPacket. It can be sent as it is (it arrives as an IMUData)."""

    DATATYPE = DatatypeEnum.IMUData

    def __init__(self):
        super().__init__()
        self._packets: list = []

    @property
    def packets(self) -> list:
        return self._packets

    @packets.setter
    def packets(self, value):
        packets = list(value)
        for p in packets:
            if not isinstance(p, IMUPacket):
                raise TypeError(f"{type(self).__name__}.packets: expected a list of dai.IMUPacket, got a "
                                f"{type(p).__name__} in it")
        self._packets = packets

    def __repr__(self):
        return f"{type(self).__name__}(seq={self._seq}, {len(self._packets)} packets)"


class IMUData(RawIMUData):
    """The IMU node's output: `packets`, a batch of IMUPacket (gen2 `dai.IMUData`)."""


# Wire: [seq, ts, tsDevice, [packet: [[sequence, accuracy, ts, tsDevice, *values] per part], ...]]
def _meta(m):
    return [m._seq, m._ts_ns, m._ts_dev_ns, [p._fields() for p in m._packets]]


def _fill(m, meta):
    m._seq, m._ts_ns, m._ts_dev_ns, packets = meta
    m._packets = [IMUPacket._make(parts) for parts in packets]


codec.register(IMUData, _meta, _fill)


class IMUSensor(Gen2Enum):
    """The IMU's report kinds and their SH-2 report ids (gen2 `dai.IMUSensor`)."""
    ACCELEROMETER_RAW = 0x14
    ACCELEROMETER = 0x01
    LINEAR_ACCELERATION = 0x04
    GRAVITY = 0x06
    GYROSCOPE_RAW = 0x15
    GYROSCOPE_CALIBRATED = 0x02
    GYROSCOPE_UNCALIBRATED = 0x07
    MAGNETOMETER_RAW = 0x16
    MAGNETOMETER_CALIBRATED = 0x03
    MAGNETOMETER_UNCALIBRATED = 0x0f
    ROTATION_VECTOR = 0x05
    GAME_ROTATION_VECTOR = 0x08
    GEOMAGNETIC_ROTATION_VECTOR = 0x09
    ARVR_STABILIZED_ROTATION_VECTOR = 0x28
    ARVR_STABILIZED_GAME_ROTATION_VECTOR = 0x29
