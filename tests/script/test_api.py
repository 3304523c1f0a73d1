"""The on-device API on its own: node and its port maps, logs, Clock, Device, GPIO."""
import datetime

import pytest

from oakling.log import LogLevel
from oakling.nodes.camera_common import CameraBoardSocket
from oakling.script import api


def test_node_io_holds_inputs_and_outputs_and_says_what_it_has():
    node = api.ScriptNode(3, {"in": "an input"}, {"out": "an output"}, lambda level, text: None)
    assert node.io["in"] == "an input" and node.io["out"] == "an output"
    assert node.inputs["in"] == "an input" and node.outputs["out"] == "an output"
    assert "in" in node.io and len(node.io) == 2
    with pytest.raises(KeyError, match=r"Script\(3\).io\['nope'\]: this Script has no such input or output — "
                                       r"it has \['in', 'out'\]"):
        node.io["nope"]
    with pytest.raises(KeyError, match="no such output"):
        node.outputs["in"]


def test_node_logs_at_each_level():
    lines = []
    node = api.ScriptNode(0, {}, {}, lambda level, text: lines.append((level, text)))
    node.trace("t"), node.debug("d"), node.info("i"), node.warn("w"), node.error("e"), node.critical(42)
    assert lines == [(LogLevel.TRACE, "t"), (LogLevel.DEBUG, "d"), (LogLevel.INFO, "i"), (LogLevel.WARN, "w"),
                     (LogLevel.ERR, "e"), (LogLevel.CRITICAL, "42")]


def test_clock_is_the_shared_monotonic_clock():
    assert isinstance(api.Clock.now(), datetime.timedelta)
    assert abs(api.Clock.nowHost() - api.Clock.now()) < datetime.timedelta(seconds=1)
    assert api.Clock.offsetToHost() == datetime.timedelta(0)


def test_read_calibration_gives_a_default_stereo_calibration():
    cal = api.Device.readCalibration2()
    left, right = cal.getStereoLeftCameraId(), cal.getStereoRightCameraId()
    assert (left, right) == (CameraBoardSocket.CAM_B, CameraBoardSocket.CAM_C)
    assert cal.getBaselineDistance() == pytest.approx(7.5)
    assert cal.getCameraExtrinsics(left, right)[0][3] == pytest.approx(-7.5)
    k = cal.getCameraIntrinsics(CameraBoardSocket.CAM_A)
    assert k[0][2] == 960 and k[1][2] == 540 and k[0][0] == pytest.approx(1402.2, abs=0.1)
    half = cal.getCameraIntrinsics(CameraBoardSocket.CAM_A, 960, 540)
    assert half[0][0] == pytest.approx(k[0][0] / 2)
    assert len(cal.getDistortionCoefficients(left)) == 14
    with pytest.raises(RuntimeError, match="no calibration for camera socket"):
        cal.getCameraIntrinsics(CameraBoardSocket.CAM_E)
    assert api.Device.getIrDrivers() == [] and api.Device.setIrLaserDotProjectorIntensity(0.5) is False


def test_gpio_pins_are_emulated():
    GPIO = api.gpio_module()
    assert GPIO.setup(5, GPIO.OUT) == 0
    GPIO.write(5, 1)
    assert GPIO.read(5) == GPIO.HIGH
    GPIO.setup(6, GPIO.IN, GPIO.PULL_UP)
    assert GPIO.read(6) == GPIO.HIGH
    fired = []
    GPIO.setInterrupt(7, GPIO.RISING, 0, fired.append)
    GPIO.write(7, 0), GPIO.write(7, 1), GPIO.write(7, 1)
    assert fired == [7] and GPIO.hasInterruptEvent(7)
    assert GPIO.waitInterruptEvent(7) == 7 and GPIO.waitInterruptEvent(7, timeout=0.01) is None
    assert GPIO.setPwm(8, 10, 20) == 0 and GPIO.enablePwm(8, True) == 0


def test_a_script_builds_a_message_group_the_host_takes_apart():
    import oakling as dai
    pipeline = dai.Pipeline()
    script = pipeline.create(dai.node.Script)
    script.setScript("""
group = MessageGroup()
a = Buffer(2)
a.getData()[:] = b"hi"
group["text"] = a
group["count"] = NNData(16)
node.io["out"].send(group)
""")
    xout = pipeline.create(dai.node.XLinkOut)
    xout.setStreamName("group")
    script.outputs["out"].link(xout.input)
    with dai.Device(pipeline) as device:
        group = device.getOutputQueue("group").get()
    assert isinstance(group, dai.MessageGroup) and sorted(group.getMessageNames()) == ["count", "text"]
    assert bytes(group["text"].getData()) == b"hi" and isinstance(group["count"], dai.NNData)
