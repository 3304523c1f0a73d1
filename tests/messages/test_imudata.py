"""IMUData and its reports: gen2's fields and defaults, the Accuracy enum as gen2 prints it, and the
wire round trip of every field."""
import msgpack
import pytest

import oakling as dai
from oakling.messages import codec


def test_reports_packets_and_messages_have_gen2s_fields_and_defaults():
    packet = dai.IMUPacket()
    assert isinstance(packet.acceleroMeter, dai.IMUReportAccelerometer)
    assert isinstance(packet.gyroscope, dai.IMUReportGyroscope)
    assert isinstance(packet.magneticField, dai.IMUReportMagneticField)
    assert isinstance(packet.rotationVector, dai.IMUReportRotationVectorWAcc)
    rv = packet.rotationVector
    assert (rv.i, rv.j, rv.k, rv.real, rv.rotationVectorAccuracy, rv.sequence) == (0, 0, 0, 0, 0, 0)
    assert rv.accuracy == dai.IMUReport.Accuracy.UNRELIABLE and str(rv.accuracy) == "Accuracy.UNRELIABLE"
    assert rv.getTimestamp().total_seconds() == 0 and rv.getSequenceNum() == 0
    assert dai.IMUData().packets == [] and dai.IMUData().getSequenceNum() == 0
    assert str(dai.IMUSensor.ROTATION_VECTOR) == "IMUSensor.ROTATION_VECTOR"
    assert int(dai.IMUSensor.GYROSCOPE_RAW) == 0x15
    with pytest.raises(TypeError, match=r"IMUPacket.gyroscope: expected dai.IMUReportGyroscope"):
        packet.gyroscope = dai.IMUReportAccelerometer()
    with pytest.raises(TypeError, match=r"IMUData.packets: expected a list of dai.IMUPacket"):
        dai.IMUData().packets = [1]


def test_timestamps_are_gen2_timestamps_and_timedeltas():
    a = dai.IMUReportAccelerometer()
    a.timestamp = dai.Timestamp(3, 500_000_000)
    a.tsDevice = dai.Timestamp(1, 0)
    assert a.getTimestamp().total_seconds() == 3.5 and a.getTimestampDevice().total_seconds() == 1.0
    assert (a.timestamp.sec, a.timestamp.nsec) == (3, 500_000_000) and a.tsDevice.get().total_seconds() == 1.0
    with pytest.raises(TypeError, match="IMUReportAccelerometer.timestamp: expected a dai.Timestamp"):
        a.timestamp = 3.5


def test_every_field_survives_the_wire():
    data = dai.RawIMUData()
    packets = []
    for n in range(3):
        p = dai.IMUPacket()
        p.acceleroMeter.x, p.acceleroMeter.y, p.acceleroMeter.z = -9.75 + n, 0.125, 0.5
        p.acceleroMeter.sequence, p.acceleroMeter.accuracy = 10 + n, dai.IMUReport.Accuracy.LOW
        p.acceleroMeter.timestamp = dai.Timestamp(5, n)
        p.gyroscope.z, p.gyroscope.tsDevice = 0.25, dai.Timestamp(7, 9)
        p.magneticField.y = 20.5
        rv = p.rotationVector
        rv.i, rv.j, rv.k, rv.real, rv.rotationVectorAccuracy = 0.0, 0.5, 0.25, 0.75, 0.0625
        rv.accuracy = dai.IMUReport.Accuracy.HIGH
        packets.append(p)
    data.packets = packets
    data.setSequenceNum(42)
    dt, meta, payload = codec.encode(data)
    back = codec.decode(dt, msgpack.unpackb(msgpack.packb(meta)), payload)
    assert type(back) is dai.IMUData and back.getSequenceNum() == 42 and len(back.packets) == 3
    for sent, got in zip(packets, back.packets):
        assert repr(sent) == repr(got)
        assert got.acceleroMeter.getTimestamp() == sent.acceleroMeter.getTimestamp()
        assert got.gyroscope.getTimestampDevice() == sent.gyroscope.getTimestampDevice()
        assert got.rotationVector.accuracy is dai.IMUReport.Accuracy.HIGH
