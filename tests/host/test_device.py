"""End-to-end: a real device process, real links, the Device API (the queues' own tests are in
test_queues.py)."""
import json
import time
from datetime import timedelta

import numpy as np
import pytest

import oakling as dai
from pipelines import camera_pipeline, echo_pipeline


def test_camera_preview_reaches_the_host_with_sequence_and_timestamps():
    p, _, _ = camera_pipeline()
    with dai.Device(p) as device:
        q = device.getOutputQueue("preview")
        frames = [q.get() for _ in range(5)]
    assert all(isinstance(f, dai.ImgFrame) for f in frames)
    f = frames[0]
    assert (f.getWidth(), f.getHeight(), f.getType()) == (300, 300, dai.ImgFrame.Type.BGR888i)
    assert f.getCvFrame().shape == (300, 300, 3)
    assert [f.getSequenceNum() for f in frames] == list(range(5))
    stamps = [f.getTimestamp() for f in frames]
    assert all(isinstance(t, timedelta) for t in stamps)
    assert stamps == sorted(stamps) and stamps[0] < stamps[-1]
    assert abs((dai.Clock.now() - stamps[-1]).total_seconds()) < 5
    assert not np.array_equal(frames[0].getFrame(), frames[4].getFrame())   # the pattern moves


@pytest.mark.parametrize("interleaved, order, frame_type, shape", [
    (True, dai.ColorCameraProperties.ColorOrder.BGR, dai.ImgFrame.Type.BGR888i, (120, 160, 3)),
    (True, dai.ColorCameraProperties.ColorOrder.RGB, dai.ImgFrame.Type.RGB888i, (120, 160, 3)),
    (False, dai.ColorCameraProperties.ColorOrder.BGR, dai.ImgFrame.Type.BGR888p, (3, 120, 160)),
    (False, dai.ColorCameraProperties.ColorOrder.RGB, dai.ImgFrame.Type.RGB888p, (3, 120, 160)),
])
def test_preview_type_follows_interleaved_and_colour_order(interleaved, order, frame_type, shape):
    reference, _, _ = camera_pipeline(160, 120)
    p, _, _ = camera_pipeline(160, 120, interleaved=interleaved, order=order)
    with dai.Device(reference) as device:
        expected = device.getOutputQueue("preview").get().getCvFrame()
    with dai.Device(p) as device:
        frame = device.getOutputQueue("preview").get()
    assert frame.getType() == frame_type
    assert frame.getFrame().shape == shape
    np.testing.assert_array_equal(frame.getCvFrame(), expected)   # same first picture, any layout


def test_fps_paces_frames_in_real_time():
    p, _, _ = camera_pipeline(64, 64, fps=20)
    with dai.Device(p) as device:
        q = device.getOutputQueue("preview")
        first = q.get()
        for _ in range(10):
            last = q.get()
    seconds = (last.getTimestamp() - first.getTimestamp()).total_seconds()
    assert 0.4 < seconds < 0.7, seconds


def test_mono_camera_sends_raw8_at_the_sensor_resolution():
    p = dai.Pipeline()
    mono = p.createMonoCamera()
    mono.setResolution(dai.MonoCameraProperties.SensorResolution.THE_400_P)
    mono.setBoardSocket(dai.CameraBoardSocket.LEFT)
    xout = p.createXLinkOut()
    xout.setStreamName("mono")
    mono.out.link(xout.input)
    with dai.Device(p) as device:
        frame = device.getOutputQueue("mono").get()
    assert (frame.getWidth(), frame.getHeight(), frame.getType()) == (640, 400, dai.ImgFrame.Type.RAW8)
    assert frame.getFrame().shape == (400, 640)
    assert frame.getInstanceNum() == 1


def test_device_then_start_pipeline():
    p, _, _ = camera_pipeline(64, 64)
    device = dai.Device()
    try:
        assert not device.isPipelineRunning()
        assert device.startPipeline(p)
        assert device.isPipelineRunning()
        assert device.getOutputQueue("preview").get().getWidth() == 64
    finally:
        device.close()
    assert device.isClosed() and not device.isPipelineRunning()
    device.close()   # a second close is harmless


def test_queues_are_made_once_per_stream_and_unknown_names_raise():
    with dai.Device(echo_pipeline()) as device:
        assert device.getOutputQueueNames() == ["out"] and device.getInputQueueNames() == ["in"]
        q = device.getOutputQueue("out")
        assert device.getOutputQueue("out", maxSize=4, blocking=False) is q
        assert (q.getMaxSize(), q.getBlocking(), q.getName()) == (4, False, "out")
        assert device.getOutputQueue("out").getMaxSize() == 4   # no arguments: settings kept
        with pytest.raises(RuntimeError, match="Queue for stream name 'nope' doesn't exist"):
            device.getOutputQueue("nope")
        with pytest.raises(RuntimeError, match="doesn't exist"):
            device.getInputQueue("out")


def test_default_host_queues_are_16_and_blocking():
    with dai.Device(echo_pipeline()) as device:
        for q in (device.getOutputQueue("out"), device.getInputQueue("in")):
            assert (q.getMaxSize(), q.getBlocking()) == (16, True)


def test_device_info_and_available_devices():
    devices = dai.Device.getAllAvailableDevices()
    assert len(devices) == 1
    with dai.Device(echo_pipeline()) as device:
        assert device.getMxId() == device.getDeviceInfo().getMxId() == devices[0].getMxId()
        assert len(device.getMxId()) == 18


def test_cameras_calibration_and_ir_as_an_oak_d_with_its_default_calibration():
    with dai.Device(echo_pipeline(), cameras={"CAM_E": "synthetic"}) as device:
        S = dai.CameraBoardSocket
        assert device.getConnectedCameras() == [S.CAM_A, S.CAM_B, S.CAM_C, S.CAM_E]
        assert device.getCameraSensorNames() == {S.CAM_A: "IMX378", S.CAM_B: "OV9282", S.CAM_C: "OV9282",
                                                 S.CAM_E: "oakling"}
        calib = device.readCalibration()
        assert isinstance(calib, dai.CalibrationHandler)
        assert calib.getBaselineDistance() == pytest.approx(7.5)
        k = np.array(calib.getCameraIntrinsics(S.RGB, 1920, 1080))
        assert k.shape == (3, 3) and k[0, 2] == 960 and k[1, 2] == 540
        assert device.readCalibration2().getStereoLeftCameraId() == S.CAM_B
        assert device.getIrDrivers() == [] and device.setIrLaserDotProjectorIntensity(0.5) is False
        with pytest.raises(AttributeError):
            device.noSuchMethod()


def test_unknown_device_is_not_found():
    with pytest.raises(RuntimeError, match="Cannot find any device"):
        dai.Device(dai.DeviceInfo("0000000000000000XX"))


def test_stream_names_must_be_set_and_unique():
    p = dai.Pipeline()
    p.createXLinkOut()
    with pytest.raises(RuntimeError, match=r"XLinkOut\(0\): the stream name is empty"):
        dai.Device(p)
    p = echo_pipeline()
    p.getNode(0).setStreamName("out")
    with pytest.raises(RuntimeError, match="both use the stream name 'out'"):
        dai.Device(p)


def test_queue_events_name_the_queues_that_got_messages():
    p = echo_pipeline()
    cam = p.create(dai.node.ColorCamera)
    cam.setPreviewSize(32, 32)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("cam")
    cam.preview.link(xout.input)
    with dai.Device(p) as device:
        assert device.getQueueEvent("cam", timedelta(seconds=5)) == "cam"
        assert device.getQueueEvent(["out"], timedelta(milliseconds=100)) == ""
        b = dai.Buffer()
        b.setData([1])
        device.getInputQueue("in").send(b)
        assert "out" in device.getQueueEvents(["out", "cam"], 10, timedelta(seconds=5)) + \
            device.getQueueEvents(["out"], 10, timedelta(seconds=5))


def test_messages_read_by_get_are_queue_events_too(echo_device):
    """As in gen2, every message that reaches the host is an event, also one get() read straight from
    the stream before anyone asked for events."""
    out, inq = echo_device.getOutputQueue("out"), echo_device.getInputQueue("in")
    for k in range(3):
        inq.send(dai.Buffer().setSequenceNum(k))
        assert out.get(timeout=5).getSequenceNum() == k
    assert echo_device.getQueueEvents(["out"], 10, timedelta(seconds=1)) == ["out"] * 3


def test_fps_limit_and_metadata_only():
    p, cam, xout = camera_pipeline(64, 48, fps=60)
    xout.setFpsLimit(10)
    xout.setMetadataOnly(True)
    with dai.Device(p) as device:
        q = device.getOutputQueue("preview")
        first = q.get()
        for _ in range(5):
            last = q.get()
    assert (last.getWidth(), last.getHeight()) == (64, 48)
    assert last.getData().nbytes == 0
    seconds = (last.getTimestamp() - first.getTimestamp()).total_seconds()
    assert seconds > 0.4, seconds   # 5 frames at ≤ 10 fps


def test_log_callbacks_and_levels():
    p, _, _ = camera_pipeline(32, 32)
    records = []
    with dai.Device() as device:
        assert device.getLogLevel() == dai.LogLevel.WARN
        device.addLogCallback(records.append)
        device.setLogLevel(dai.LogLevel.DEBUG)
        device.setLogOutputLevel(dai.LogLevel.OFF)
        device.startPipeline(p)
        device.getOutputQueue("preview").get()
        assert device.getLogLevel() == dai.LogLevel.DEBUG
        assert device.getLogOutputLevel() == dai.LogLevel.OFF
    assert records and all(isinstance(r, dai.LogMessage) for r in records)
    assert any("pipeline started" in r.payload for r in records)
    assert all(r.level >= dai.LogLevel.DEBUG for r in records)


def test_default_log_level_hides_info():
    p, _, _ = camera_pipeline(32, 32)
    records = []
    with dai.Device() as device:
        device.addLogCallback(records.append)
        device.startPipeline(p)
        device.getOutputQueue("preview").get()
    assert records == []


def test_connected_camera_features_describe_an_oak_d_and_other_sockets_given_a_source():
    with dai.Device(echo_pipeline(), cameras={"CAM_E": "synthetic"}) as device:
        S, T = dai.CameraBoardSocket, dai.CameraSensorType
        features = device.getConnectedCameraFeatures()
        assert all(isinstance(f, dai.CameraFeatures) for f in features)
        assert [(f.socket, f.sensorName, f.width, f.height, f.supportedTypes, f.hasAutofocus, f.name)
                for f in features] == [
            (S.CAM_A, "IMX378", 4056, 3040, [T.COLOR], True, "color"),
            (S.CAM_B, "OV9282", 1280, 800, [T.MONO], False, "left"),
            (S.CAM_C, "OV9282", 1280, 800, [T.MONO], False, "right"),
            (S.CAM_E, "oakling", -1, -1, [T.COLOR, T.MONO], False, "CAM_E")]
        assert [f.socket for f in features] == device.getConnectedCameras()
        assert all(f.orientation == dai.CameraImageOrientation.AUTO for f in features)
        assert str(features[0]).startswith("{socket: CAM_A, sensorName: IMX378, width: 4056, height: 3040")


def test_names_bootloader_imu_eeprom_and_crash_dump_as_a_usb_oak_d_reports_them():
    with dai.Device(echo_pipeline()) as device:
        assert device.getDeviceName() == device.getProductName() == "OAK-D"
        assert device.getBootloaderVersion() is None
        assert device.getConnectedIMU() == "BNO086" and device.getIMUFirmwareVersion() == "3.9.7"
        assert device.isEepromAvailable() is True
        assert device.hasCrashDump() is False
        dump = device.getCrashDump()
        assert isinstance(dump, dai.CrashDump) and dump.crashReports == []
        assert dump.deviceId == device.getMxId()


def test_ir_brightness_setters_are_accepted_and_answer_false_without_ir_drivers():
    with dai.Device(echo_pipeline()) as device:
        assert device.setIrLaserDotProjectorBrightness(765) is False
        assert device.setIrFloodLightBrightness(0, 1) is False
        assert device.setIrFloodLightIntensity(0.3) is False


def test_all_connected_devices_lists_the_local_device():
    connected = dai.Device.getAllConnectedDevices()
    assert [type(d) for d in connected] == [dai.DeviceInfo]
    with dai.Device(echo_pipeline()) as device:
        assert connected[0].getMxId() == device.getMxId()


def test_device_config_is_accepted_and_its_usb_speed_and_log_levels_applied():
    config = dai.Device.Config()
    config.board.usb.maxSpeed = dai.UsbSpeed.HIGH
    config.board.gpio[6] = dai.BoardConfig.GPIO(dai.BoardConfig.GPIO.OUTPUT, dai.BoardConfig.GPIO.HIGH)
    config.logLevel = dai.LogLevel.DEBUG
    config.outputLogLevel = dai.LogLevel.ERR
    with dai.Device(config) as device:
        assert device.getUsbSpeed() == dai.UsbSpeed.HIGH
        assert (device.getLogLevel(), device.getLogOutputLevel()) == (dai.LogLevel.DEBUG, dai.LogLevel.ERR)
        device.startPipeline(echo_pipeline())
        assert device.isPipelineRunning()
    with dai.Device(dai.Device.Config(), dai.Device.getAllAvailableDevices()[0]) as device:
        assert device.getUsbSpeed() == dai.UsbSpeed.SUPER


def test_a_pipelines_board_config_applies_to_its_device():
    pipeline = echo_pipeline()
    board = dai.BoardConfig()
    board.usb.maxSpeed = dai.UsbSpeed.FULL
    pipeline.setBoardConfig(board)
    with dai.Device(pipeline) as device:
        assert device.getUsbSpeed() == dai.UsbSpeed.FULL


def test_figure_methods_are_the_device_process_and_its_scripts():
    pipeline = dai.Pipeline()
    script = pipeline.create(dai.node.Script)
    script.setScript("while True:\n    pass\n")          # a busy script: the scripts' CPU share shows it
    with dai.Device(pipeline) as device:
        device.getLeonMssCpuUsage()                      # starts the period the next figure covers
        time.sleep(0.6)
        mss = device.getLeonMssCpuUsage()
        assert mss.average > 0.05 and 400 <= mss.msTime <= 5000   # a busy loop: half the machine when quiet
        assert 0 <= device.getLeonCssCpuUsage().average <= 1
        ddr = device.getDdrMemoryUsage()
        assert 0 < ddr.used < ddr.total and ddr.remaining == ddr.total - ddr.used
        assert 0 < device.getLeonCssHeapUsage().used <= device.getLeonCssHeapUsage().total
        assert device.getLeonMssHeapUsage().used > 0     # the script's process is resident
        assert device.getCmxMemoryUsage().total == ddr.total
        temperature = device.getChipTemperature()
        assert isinstance(temperature, dai.ChipTemperature) and 0 < temperature.average < 120


def test_logging_rate_timesync_chunk_size_and_raw_calibration():
    with dai.Device(echo_pipeline()) as device:
        assert device.getSystemInformationLoggingRate() == 1.0 and device.getXLinkChunkSize() == 64 * 1024
        device.setSystemInformationLoggingRate(2.5)
        device.setXLinkChunkSize(0)
        device.setTimesync(timedelta(seconds=1), 10, True)
        assert device.getSystemInformationLoggingRate() == 2.5 and device.getXLinkChunkSize() == 0
        raw = device.readCalibrationRaw()
        assert all(0 <= b < 256 for b in raw) and device.readFactoryCalibrationRaw() == raw
        assert json.loads(bytes(raw)) == device.readCalibration().eepromToJson()


def test_a_flashed_calibration_is_the_devices_until_reset():
    with dai.Device() as device:
        calib = device.readCalibration()
        factory = device.readFactoryCalibration()
        calib.setBoardInfo("OAK-D-TEST", "R1M0E1")
        device.flashCalibration2(calib)
        assert device.readCalibration().getEepromData().boardName == "OAK-D-TEST"
        assert device.readFactoryCalibration() == factory
    with dai.Device() as device:                        # the next device starts with it
        assert device.readCalibration().getEepromData().boardName == "OAK-D-TEST"
        assert device.flashCalibration(factory) is True
        device.factoryResetCalibration()
        assert device.readCalibration() == factory


@pytest.mark.parametrize("args, keywords, speed", [
    ((dai.UsbSpeed.HIGH,), {}, dai.UsbSpeed.HIGH),
    ((), {"usb2Mode": True}, dai.UsbSpeed.HIGH),
    ((True,), {}, dai.UsbSpeed.HIGH),
    ((), {"usb2Mode": False}, dai.UsbSpeed.SUPER),
    ((), {"maxUsbSpeed": dai.UsbSpeed.FULL}, dai.UsbSpeed.FULL),
])
def test_usb_speed_caps_in_gen2s_constructor_forms(args, keywords, speed):
    with dai.Device(echo_pipeline(), *args, **keywords) as device:
        assert device.getUsbSpeed() == speed


def test_an_imu_firmware_update_runs_to_100_percent_on_a_bno086_only():
    with dai.Device() as device:
        assert device.getIMUFirmwareUpdateStatus() == (True, 0.0)      # nothing started
        assert device.startIMUFirmwareUpdate() is True
        finished, percent = device.getIMUFirmwareUpdateStatus()
        assert not finished and 0 <= percent < 100
        time.sleep(2.1)
        assert device.getIMUFirmwareUpdateStatus() == (True, 100.0)
        assert device.getIMUFirmwareVersion() == device.getEmbeddedIMUFirmwareVersion()
    with dai.Device(imu="NONE") as device:
        assert device.startIMUFirmwareUpdate() is False


def test_profiling_data_counts_the_bytes_that_cross_the_links():
    before = dai.Device.getGlobalProfilingData()
    with dai.Device(echo_pipeline()) as device:
        start = device.getProfilingData()
        assert isinstance(start, dai.ProfilingData) and start.numBytesWritten > 0   # the pipeline went out
        q_in, q_out = device.getInputQueue("in"), device.getOutputQueue("out")
        sizes = (1000, 200_000)          # inline, then through a shared-memory segment
        for n in sizes:
            q_in.send(dai.Buffer().setData(np.full(n, 7, np.uint8)))
            assert q_out.get().getData().size == n
        now = device.getProfilingData()
        assert sum(sizes) <= now.numBytesWritten - start.numBytesWritten < sum(sizes) + 4096
        assert sum(sizes) <= now.numBytesRead - start.numBytesRead < sum(sizes) + 4096
        during = dai.Device.getGlobalProfilingData()
        assert during.numBytesWritten - before.numBytesWritten >= now.numBytesWritten
    after = dai.XLinkConnection.getGlobalProfilingData()   # a closed device's bytes still count
    assert after.numBytesWritten >= during.numBytesWritten and after.numBytesRead >= during.numBytesRead
