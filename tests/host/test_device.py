"""End-to-end: a real device process, real links, the host's queues."""
import threading
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
        with pytest.raises(NotImplementedError, match=r"Device.getChipTemperature\(\)"):
            device.getChipTemperature()
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


def test_oversized_message_is_refused_with_the_fix():
    with dai.Device(echo_pipeline(max_data_size=1000)) as device:
        buf = dai.Buffer()
        buf.setData(np.zeros(2000, np.uint8))
        with pytest.raises(RuntimeError, match=r"2000 bytes is larger than XLinkIn\(0\)'s maxDataSize of 1000 bytes.*setMaxDataSize\(2000\)"):
            device.getInputQueue("in").send(buf)
        small = dai.Buffer()
        small.setData([1, 2, 3])
        device.getInputQueue("in").send(small)   # the stream still works
        assert list(device.getOutputQueue("out").get().getData()) == [1, 2, 3]


def test_send_refuses_what_is_not_a_message(echo_device):
    with pytest.raises(TypeError, match="expected a message"):
        echo_device.getInputQueue("in").send(b"raw bytes")


def test_try_get_has_get_all_and_timeout(echo_device):
    out, inq = echo_device.getOutputQueue("out"), echo_device.getInputQueue("in")
    assert out.tryGet() is None and not out.has() and out.tryGetAll() == []
    with pytest.raises(TimeoutError, match="no message within 0.2 s"):
        out.get(timeout=0.2)
    for k in range(3):
        b = dai.Buffer()
        b.setData([k])
        inq.send(b)
    deadline = time.monotonic() + 5
    while len(out._queue) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert out.has()
    assert [m.getData()[0] for m in out.getAll()] == [0, 1, 2]


def test_callbacks_with_zero_one_and_two_arguments(echo_device):
    out, inq = echo_device.getOutputQueue("out"), echo_device.getInputQueue("in")
    seen, done = [], threading.Event()
    ids = [out.addCallback(lambda: seen.append("none")),
           out.addCallback(lambda msg: seen.append(("msg", int(msg.getData()[0])))),
           out.addCallback(lambda name, msg: (seen.append((name, int(msg.getData()[0]))), done.set()))]
    b = dai.Buffer()
    b.setData([7])
    inq.send(b)
    assert done.wait(5)
    assert seen == ["none", ("msg", 7), ("out", 7)]
    assert out.get().getData()[0] == 7          # messages are still queued
    for i in ids:
        assert out.removeCallback(i)
    assert not out.removeCallback(ids[0])
    seen.clear()
    inq.send(b)
    out.get()
    assert seen == []


def test_a_callback_that_raises_is_reported_and_the_stream_goes_on(echo_device, capfd):
    out, inq = echo_device.getOutputQueue("out"), echo_device.getInputQueue("in")
    seen = []
    failing = out.addCallback(lambda msg: 1 / 0)
    out.addCallback(lambda msg: seen.append(int(msg.getData()[0])))
    for k in range(3):
        b = dai.Buffer()
        b.setData([k])
        inq.send(b)
    assert [int(out.get(timeout=5).getData()[0]) for _ in range(3)] == [0, 1, 2]
    assert seen == [0, 1, 2]
    err = capfd.readouterr().err
    assert err.count(f"Queue 'out': callback {failing} raised ZeroDivisionError: division by zero") == 3
    assert err.count("Traceback") == 1


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
        inq.send(_numbered(k, 16))
        assert _number(out.get(timeout=5)) == k
    assert echo_device.getQueueEvents(["out"], 10, timedelta(seconds=1)) == ["out"] * 3


def test_non_blocking_host_queue_keeps_the_newest():
    p, _, _ = camera_pipeline(32, 32, fps=100)
    with dai.Device(p) as device:
        q = device.getOutputQueue("preview", maxSize=2, blocking=False)
        time.sleep(0.5)
        frames = q.tryGetAll()
        assert len(frames) == 2
        assert frames[1].getSequenceNum() == frames[0].getSequenceNum() + 1
        assert frames[0].getSequenceNum() > 10     # the oldest were dropped


def test_blocking_host_queue_back_pressures_the_camera():
    p, _, _ = camera_pipeline(32, 32, fps=200)
    with dai.Device(p) as device:
        q = device.getOutputQueue("preview", maxSize=4, blocking=True)
        time.sleep(0.6)   # ~120 frames' worth of time without reading
        seqs = [q.get().getSequenceNum() for _ in range(60)]
    assert seqs == list(range(60))                 # nothing dropped anywhere
    # The camera stalled while nobody read: it is far behind the ~120 frames it could have made.
    assert seqs[-1] < 100


def _numbered(k: int, size: int = 256 * 1024) -> dai.Buffer:
    b = dai.Buffer()
    data = np.zeros(size, np.uint8)
    data[:4] = np.frombuffer(np.uint32(k).tobytes(), np.uint8)
    b.setData(data)
    return b


def _number(msg) -> int:
    return int(np.frombuffer(msg.getData()[:4].tobytes(), np.uint32)[0])


def test_a_blocking_input_queue_writes_in_the_senders_thread_while_the_device_has_room(echo_device):
    out, inq = echo_device.getOutputQueue("out"), echo_device.getInputQueue("in")
    for k in range(5):
        inq.send(_numbered(k))
        assert _number(out.get(timeout=5)) == k
    assert inq._thread is None   # no writer thread was needed


def _accepted_before_waiting(max_size: int) -> int:
    """How many 256 KiB messages send() takes while nobody reads the echo's output; then reads them all."""
    with dai.Device(echo_pipeline(8 * 1024 * 1024)) as device:
        out, inq = device.getOutputQueue("out", maxSize=2), device.getInputQueue("in", maxSize=max_size)
        sent = []

        def send():
            for k in range(120):
                inq.send(_numbered(k))
                sent.append(k)

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        time.sleep(1.0)
        accepted = len(sent)
        assert sender.is_alive()   # the stream and the device filled up, then the queue: send() waits
        assert [_number(out.get(timeout=10)) for _ in range(120)] == list(range(120))
        sender.join(10)
        return accepted


def test_a_blocking_input_queue_holds_max_size_messages_when_the_device_is_full_then_waits():
    """As gen2's: once the device has no room, send() returns at once until maxSize messages wait."""
    assert _accepted_before_waiting(16) - _accepted_before_waiting(1) >= 14


def test_a_blocking_output_queue_is_read_in_the_callers_thread_until_a_callback_needs_a_reader(echo_device):
    out, inq = echo_device.getOutputQueue("out"), echo_device.getInputQueue("in")

    for k in range(5):
        inq.send(_numbered(k, 16))
    assert [_number(out.get(timeout=5)) for _ in range(5)] == list(range(5))
    assert out._thread is None   # get() read the stream itself
    seen = []
    out.addCallback(lambda msg: seen.append(_number(msg)))
    assert out._thread.is_alive() and out._thread.name == "oakling-out-out"
    for k in range(5, 10):
        inq.send(_numbered(k, 16))
    assert [_number(out.get(timeout=5)) for _ in range(5)] == list(range(5, 10))
    assert seen == list(range(5, 10))


def test_two_threads_reading_one_output_queue_get_each_message_once(echo_device):
    out, inq = echo_device.getOutputQueue("out"), echo_device.getInputQueue("in")
    got = [[], []]
    deadline = time.monotonic() + 30

    def read(mine):
        while len(got[0]) + len(got[1]) < 300 and time.monotonic() < deadline:
            try:
                mine.append(_number(out.get(timeout=0.2)))
            except TimeoutError:
                pass

    threads = [threading.Thread(target=read, args=(g,), daemon=True) for g in got]
    for t in threads:
        t.start()
    for k in range(300):
        inq.send(_numbered(k, 64 if k % 3 else 100_000))
    for t in threads:
        t.join(35)
    assert sorted(got[0] + got[1]) == list(range(300))
    assert got[0] == sorted(got[0]) and got[1] == sorted(got[1])


def test_a_non_blocking_input_queue_drops_the_oldest_instead_of_waiting(echo_device):
    out, inq = echo_device.getOutputQueue("out", maxSize=2), echo_device.getInputQueue("in", maxSize=3,
                                                                                          blocking=False)
    started = time.monotonic()
    for k in range(200):
        inq.send(_numbered(k))
    assert time.monotonic() - started < 5   # never waited for the device
    got = []
    while True:
        try:
            got.append(_number(out.get(timeout=1.0)))
        except TimeoutError:
            break
    assert got == sorted(got) and got[-1] == 199 and len(got) < 200
    inq.setBlocking(True)   # back to blocking: every message arrives, after anything still queued
    for k in range(200, 210):
        inq.send(_numbered(k))
    assert [_number(out.get(timeout=5)) for _ in range(10)] == list(range(200, 210))


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
