"""Every message type goes host → device → host through XLinkIn/XLinkOut and comes back exact."""
import numpy as np
import pytest

import oakling as dai
from oakling.messages import codec


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
