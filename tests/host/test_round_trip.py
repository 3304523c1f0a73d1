"""Every message type goes host → device → host through XLinkIn/XLinkOut and comes back exact."""
import time
from collections import deque

import numpy as np
import pytest

import oakling as dai
from oakling.messages import codec
from pipelines import echo_pipeline


def rich_messages():
    buf = dai.Buffer().setData(b"hello device")
    buf.setSequenceNum(41)
    buf.setTimestamp(12.5)
    buf.setTimestampDevice(3.25)

    small = dai.ImgFrame()
    small.setCvFrame(np.arange(8 * 6 * 3, dtype=np.uint8).reshape(6, 8, 3), dai.ImgFrame.Type.BGR888p)
    small.setSequenceNum(7)
    small.setInstanceNum(2)
    small.setCategory(3)

    big = dai.ImgFrame()   # 1080p: travels through shared memory
    big.setCvFrame(np.random.default_rng(1).integers(0, 255, (1080, 1920, 3), dtype=np.uint8), dai.ImgFrame.Type.NV12)
    big.setSequenceNum(99)

    nn = dai.NNData()
    nn.setLayer("fp16", [1.5, -2.25, 3.0])
    nn.setLayer("u8", [1, 2, 255])
    nn.addTensor("f32", np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4))
    nn.setSequenceNum(5)

    dets = dai.ImgDetections()
    det = dai.ImgDetection()
    det.label, det.confidence, det.xmin, det.ymin, det.xmax, det.ymax = 3, 0.75, 0.1, 0.2, 0.6, 0.9
    dets.detections = [det, dai.ImgDetection()]

    cfg = dai.ImageManipConfig().setCropRect(0.1, 0.2, 0.8, 0.9).setResize(300, 200)
    cfg.setFrameType(dai.ImgFrame.Type.BGR888p).setHorizontalFlip(True).setRotationDegrees(15)

    ctrl = dai.CameraControl().setCaptureStill(True).setManualFocus(120).setAutoExposureCompensation(-2)
    return {"Buffer": buf, "ImgFrame": small, "ImgFrame-1080p": big, "NNData": nn, "ImgDetections": dets,
            "ImageManipConfig": cfg, "CameraControl": ctrl}


MESSAGES = rich_messages()


@pytest.mark.parametrize("name", list(MESSAGES))
def test_message_round_trips_through_the_device(echo_device, name):
    sent = MESSAGES[name]
    echo_device.getInputQueue("in").send(sent)
    got = echo_device.getOutputQueue("out").get(timeout=10)
    assert type(got) is type(sent)
    sent_type, sent_meta, sent_payload = codec.encode(sent)
    got_type, got_meta, got_payload = codec.encode(got)
    assert (got_type, got_meta) == (sent_type, sent_meta)
    np.testing.assert_array_equal(got_payload, sent_payload)
    assert got.getSequenceNum() == sent.getSequenceNum()
    assert got.getTimestamp() == sent.getTimestamp()


def test_many_frames_in_flight_stay_intact(echo_device):
    """More large frames than the link has shared-memory segments, all held by the host at once."""
    inq, outq = echo_device.getInputQueue("in"), echo_device.getOutputQueue("out")
    frames = []
    for k in range(24):
        f = dai.ImgFrame()
        f.setCvFrame(np.full((480, 640, 3), k, np.uint8), dai.ImgFrame.Type.BGR888i)
        f.setSequenceNum(k)
        inq.send(f)
        frames.append(outq.get(timeout=10))
    for k, f in enumerate(frames):
        assert f.getSequenceNum() == k
        assert (f.getFrame() == k).all()


def mapped_link_segments() -> int:
    """How many shared segments of links this process maps (its own and its peers')."""
    with open("/proc/self/maps") as f:
        return len({line.split()[4] for line in f if "oakling-link" in line})


def test_a_host_that_keeps_a_ring_of_frames_never_stalls_the_device_and_maps_a_bounded_pool():
    """The host keeps the last 40 frames it received, more than the device's 16 shared segments. The
    device's sends never wait for segments the host keeps (each such wait was 50 ms, a few times in
    every hundred frames), the host maps no more than the two streams' pools, and every kept frame is
    the one sent; a debug line says once that payloads are being copied out."""
    with dai.Device(echo_pipeline(8 * 1024 * 1024)) as device:
        device.setLogLevel(dai.LogLevel.DEBUG)
        notes = []
        device.addLogCallback(lambda m: notes.append(m.payload) if "copied" in m.payload else None)
        inq, outq = device.getInputQueue("in"), device.getOutputQueue("out")
        messages = []
        for k in range(5):
            f = dai.ImgFrame()
            f.setCvFrame(np.full((480, 640, 3), k, np.uint8), dai.ImgFrame.Type.BGR888i)
            messages.append(f)
        ring, sent, n, stalls = deque(maxlen=40), 0, 300, []

        def send():
            nonlocal sent
            messages[sent % 5].setSequenceNum(sent)
            inq.send(messages[sent % 5])
            sent += 1

        before = mapped_link_segments()
        for _ in range(4):
            send()
        for k in range(n):
            asked = time.monotonic()
            got = outq.get(timeout=10)
            if time.monotonic() - asked > 0.045:
                stalls.append(k)
            assert got.getSequenceNum() == k
            ring.append(got)
            if sent < n:
                send()
        assert len(stalls) <= 2, f"gets that waited 45 ms or more, at frames {stalls}: the device waited for segments"
        assert mapped_link_segments() - before <= 16 + 8   # the device's pool to the host, the host's own to it
        for got in ring:
            assert (got.getFrame() == got.getSequenceNum() % 5).all()
        assert len(notes) == 1 and "stream 'out'" in notes[0]
