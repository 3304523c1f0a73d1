"""IMU: gen2's setters, properties and schema; packets at the rates the IMU gives, batched as asked,
on a clock the test moves; a recording played at its times; and a device whose IMU data reaches a
Script and the host."""
import numpy as np
import pytest

import oakling as dai
from oakling.sources.imu import GRAVITY
from oakling.testing import NodeHarness

S = dai.IMUSensor
TIMEOUT = 10.0


def props_of(p):
    return p.serializeToJson()["pipeline"]["nodes"][0][1]["properties"]


def test_setters_properties_and_schema_are_gen2s():
    p = dai.Pipeline()
    imu = p.create(dai.node.IMU)
    assert imu.getName() == "IMU" and [o.name for o in imu.getOutputs()] == ["out"]
    assert props_of(p) == {"imuSensors": [], "batchReportThreshold": 1, "maxBatchReports": 5,
                           "enableFirmwareUpdate": False}
    assert dai.node.IMU.Properties is dai.IMUProperties
    imu.enableIMUSensor(S.ACCELEROMETER_RAW, 500)
    imu.enableIMUSensor([S.GYROSCOPE_RAW, S.ROTATION_VECTOR], 400)
    cfg = dai.IMUSensorConfig()
    assert (cfg.reportRate, cfg.sensorId, cfg.changeSensitivity) == (100, S.ACCELEROMETER, 0)
    cfg.sensorId, cfg.reportRate, cfg.sensitivityEnabled = S.ACCELEROMETER_RAW, 250, True
    imu.enableIMUSensor(cfg)                       # replaces the 500 Hz one
    imu.setBatchReportThreshold(3)
    imu.setMaxBatchReports(10)
    imu.enableFirmwareUpdate(True)
    props = props_of(p)
    assert [(s["sensorId"], s["reportRate"]) for s in props["imuSensors"]] == [(0x15, 400), (0x05, 400), (0x14, 250)]
    assert props["imuSensors"][2] == {"sensitivityEnabled": True, "sensitivityRelative": False,
                                      "changeSensitivity": 0, "reportRate": 250, "sensorId": 0x14}
    assert (imu.getBatchReportThreshold(), imu.getMaxBatchReports()) == (3, 10)
    assert (props["batchReportThreshold"], props["maxBatchReports"], props["enableFirmwareUpdate"]) == (3, 10, True)
    with pytest.raises(TypeError, match=r"IMU\(0\).enableIMUSensor: .* needs a reportRate"):
        imu.enableIMUSensor(S.GRAVITY)
    with pytest.raises(TypeError, match=r"IMU\(0\).enableIMUSensor: expected a dai.IMUSensor, got 99"):
        imu.enableIMUSensor(99, 100)
    with pytest.raises(TypeError, match=r"IMU\(0\).setMaxBatchReports: expected a whole number of at least 1"):
        imu.setMaxBatchReports(0)


def pull_packets(h, count):
    messages, packets = [], []
    while len(packets) < count:
        msg = h.pull("out", timeout=TIMEOUT)
        messages.append(msg)
        packets += msg.packets
    return messages, packets


def test_packets_come_at_the_imus_rate_in_batches():
    imu = dai.Pipeline().create(dai.node.IMU)
    imu.enableIMUSensor(S.ACCELEROMETER, 100)          # a BNO086 gives 125 Hz
    imu.enableIMUSensor(S.GYROSCOPE_RAW, 50)
    imu.setBatchReportThreshold(3)
    imu.setMaxBatchReports(4)
    with NodeHarness(imu) as h:
        h.clock.wait_for_sleepers()
        h.advance(1.0)
        messages, packets = pull_packets(h, 124)       # t = 0, 8 ms, ..., 1 s: 126, the last 2 held back
        assert h.try_pull("out") is None               # 2 < batchReportThreshold: they wait
    assert [len(m.packets) for m in messages] == [4] * 31     # due together: sent in batches of the most
    assert [m.getSequenceNum() for m in messages] == list(range(len(messages)))
    accel = [p.acceleroMeter for p in packets]
    assert [a.sequence for a in accel] == list(range(124))
    ts = np.array([a.getTimestampDevice().total_seconds() for a in accel])
    assert np.allclose(np.diff(ts), 0.008, atol=2e-6)
    xyz = np.array([[a.x, a.y, a.z] for a in accel])
    assert np.allclose(xyz.mean(axis=0), [-GRAVITY, 0, 0], atol=0.02) and xyz.std(axis=0).max() > 0
    assert all(a.accuracy == dai.IMUReport.Accuracy.HIGH for a in accel)
    gyro = [p.gyroscope for p in packets]
    assert sorted({g.sequence for g in gyro}) == list(range(50))      # 50 Hz: each report in 2 or 3 packets
    assert max(abs(g.x) for g in gyro) < 0.01
    assert all(p.rotationVector.sequence == 0 and p.rotationVector.real == 0 for p in packets)   # not enabled


def test_a_recording_plays_at_its_times(tmp_path):
    rec = tmp_path / "turn.csv"
    rec.write_text("time,sensor,x,y,z\n0.0,accelerometer,-9.8,0,0\n0.0,gyroscope,0,0,1.5\n"
                   "0.25,gyroscope,0,0,1.0\n0.5,accelerometer,-9.7,0.5,0\n0.5,magnetometer,1,2,3\n")
    imu = dai.Pipeline().create(dai.node.IMU)
    imu.enableIMUSensor([S.ACCELEROMETER_RAW, S.GYROSCOPE_RAW], 400)
    with NodeHarness(imu, imu=str(rec), camera_end="stop") as h:
        h.clock.wait_for_sleepers()
        h.advance(0.3)
        _, first = pull_packets(h, 2)
        h.advance(0.3)
        _, last = pull_packets(h, 1)
        with pytest.raises(Exception, match="closed|ended"):
            h.pull("out", timeout=TIMEOUT)
    packets = first + last
    assert [(p.acceleroMeter.x, p.gyroscope.z) for p in packets] == [(-9.8, 1.5), (-9.8, 1.0), (-9.7, 1.0)]
    assert [p.gyroscope.getTimestampDevice().total_seconds() for p in packets] == [0.0, 0.25, 0.25]
    assert [p.acceleroMeter.sequence for p in packets] == [0, 0, 1]
    assert all(p.magneticField.x == 0 for p in packets)              # not enabled: skipped


def test_sensors_the_imu_lacks_are_reported():
    imu = dai.Pipeline().create(dai.node.IMU)
    imu.enableIMUSensor([S.ROTATION_VECTOR, S.GYROSCOPE_RAW], 100)
    with NodeHarness(imu, imu="BMI270") as h:
        h.clock.wait_for_sleepers()
        h.advance(0.05)
        _, packets = pull_packets(h, 1)
        lines = [m.payload for m in h.logs]
    assert any("IMU(0): the BMI270 has no ROTATION_VECTOR report — enable one of the sensors it has" in line
               for line in lines)
    assert packets[0].rotationVector.real == 0 and packets[0].gyroscope.getTimestampDevice().total_seconds() == 0


SCRIPT = """
while True:
    data = node.io['imu'].get()
    for packet in data.packets:
        a = packet.acceleroMeter
        b = Buffer(32)
        b.getData()[:] = ("%+08.3f %+08.3f %8d" % (a.x, packet.rotationVector.real, a.sequence)).encode().ljust(32)
        node.io['out'].send(b)
"""


def test_a_device_sends_imu_data_to_a_script_and_the_host():
    p = dai.Pipeline()
    imu = p.create(dai.node.IMU)
    imu.enableIMUSensor(S.ACCELEROMETER_RAW, 500)
    imu.enableIMUSensor(S.ROTATION_VECTOR, 400)
    imu.setBatchReportThreshold(1)
    imu.setMaxBatchReports(10)
    script = p.create(dai.node.Script)
    script.setScript(SCRIPT)
    imu.out.link(script.inputs["imu"])
    outs = {}
    for name, port in (("imu", imu.out), ("script", script.outputs["out"])):
        outs[name] = p.create(dai.node.XLinkOut)
        outs[name].setStreamName(name)
        port.link(outs[name].input)
    with dai.Device(p) as device:
        assert device.getConnectedIMU() == "BNO086"
        q_imu, q_script = device.getOutputQueue("imu", 50, False), device.getOutputQueue("script", 50, False)
        packets = []
        while len(packets) < 200:
            packets += q_imu.get(timeout=TIMEOUT).packets
        lines = [bytes(q_script.get(timeout=TIMEOUT).getData()).decode().split() for _ in range(20)]
        assert device.getFailedNodes() == {}
    seqs = [p.acceleroMeter.sequence for p in packets]
    assert seqs[-1] - seqs[0] + 1 >= len(seqs) and seqs == sorted(seqs)
    ts = np.array([p.acceleroMeter.getTimestampDevice().total_seconds() for p in packets])
    gaps = np.diff(ts)[np.diff(seqs) == 1]
    assert np.allclose(gaps, 0.002, atol=1e-5)                          # 500 Hz
    assert abs(np.mean([p.acceleroMeter.x for p in packets]) + GRAVITY) < 0.02
    assert all(abs(p.rotationVector.real - np.sqrt(0.5)) < 0.01 for p in packets)
    assert all(abs(float(x) + GRAVITY) < 0.2 and abs(float(r) - np.sqrt(0.5)) < 0.01 for x, r, _ in lines)


def test_a_device_with_no_imu_ends_the_stream():
    p = dai.Pipeline()
    imu = p.create(dai.node.IMU)
    imu.enableIMUSensor(S.ACCELEROMETER_RAW, 100)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("imu")
    imu.out.link(xout.input)
    with dai.Device(p, imu="NONE") as device:
        assert device.getConnectedIMU() == "NONE"
        with pytest.raises(dai.StreamEnded, match="no IMU readings"):
            device.getOutputQueue("imu").get(timeout=TIMEOUT)
