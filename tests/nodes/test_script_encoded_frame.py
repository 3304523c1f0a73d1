"""VideoEncoder.out into a Script: the script reads an EncodedFrame with gen2's device-side API and
makes one of its own, in a real device process."""
import io
import json

import av
import numpy as np
import pytest

import oakling as dai

TIMEOUT = 10

SCRIPT = """
    import json
    while True:
        pkt = node.io['in'].get()
        data = pkt.getData()
        info = {"class": type(pkt).__name__, "memoryview": isinstance(data, memoryview), "start": bytes(data[:4]).hex(),
                "profile": pkt.getProfile().name, "frameType": pkt.getFrameType().name, "quality": pkt.getQuality(),
                "bitrate": pkt.getBitrate(), "lossless": pkt.getLossless(), "instance": pkt.getInstanceNum(),
                "size": [pkt.getWidth(), pkt.getHeight()], "seq": pkt.getSequenceNum(),
                "ts": pkt.getTimestamp().total_seconds()}
        text = json.dumps(info).encode()
        report = Buffer(len(text))
        report.getData()[:] = text
        node.io['info'].send(report)
        copy = EncodedFrame(len(data))
        copy.getData()[:] = data
        copy.setProfile(pkt.getProfile()).setFrameType(pkt.getFrameType()).setBitrate(pkt.getBitrate())
        copy.setWidth(pkt.getWidth()).setHeight(pkt.getHeight())
        copy.setSequenceNum(pkt.getSequenceNum() + 1000)
        copy.setTimestamp(pkt.getTimestamp())
        node.io['copy'].send(copy)
"""


@pytest.fixture(autouse=True)
def storage(tmp_path, monkeypatch):
    monkeypatch.setenv("OAKLING_STORAGE", str(tmp_path / "storage"))


def nv12_frame(i, w=160, h=96):
    y, x = np.mgrid[0:h, 0:w]
    img = np.dstack((x * 255 // w, y * 255 // h, np.full((h, w), 90))).astype(np.uint8)
    img[h // 3:h // 3 + 20, 6 * i:6 * i + 20] = 250
    f = dai.ImgFrame()
    f.setCvFrame(img, dai.ImgFrame.Type.NV12)
    f.setSequenceNum(10 + i)
    return f


def test_a_script_reads_and_makes_encoded_frames_from_a_video_encoder():
    p = dai.Pipeline()
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("in")
    enc = p.create(dai.node.VideoEncoder)
    enc.setDefaultProfilePreset(30, dai.VideoEncoderProperties.Profile.H264_BASELINE)
    script = p.create(dai.node.Script)
    script.setScript(SCRIPT, "encoded.py")
    xin.out.link(enc.input)
    enc.out.link(script.inputs["in"])
    for name in ("info", "copy"):
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        script.outputs[name].link(xout.input)
    sent = [nv12_frame(i) for i in range(3)]
    with dai.Device(p) as device:
        qi, qinfo, qcopy = device.getInputQueue("in"), device.getOutputQueue("info"), device.getOutputQueue("copy")
        infos, copies = [], []
        for f in sent:
            qi.send(f)
            infos.append(json.loads(bytes(qinfo.get(timeout=TIMEOUT).getData())))
            copies.append(qcopy.get(timeout=TIMEOUT))
        assert device.getFailedNodes() == {}
    first = infos[0]
    assert first["class"] == "EncodedFrame" and first["memoryview"] and first["start"] == "00000001"
    assert (first["profile"], first["frameType"], first["size"]) == ("AVC", "I", [160, 96])
    assert first["bitrate"] > 0 and first["lossless"] is False and first["quality"] == enc.getQuality()
    assert [i["frameType"] for i in infos[1:]] == ["P", "P"]
    assert [i["seq"] for i in infos] == [10, 11, 12]
    assert [i["ts"] for i in infos] == [f.getTimestamp().total_seconds() for f in sent]
    assert all(type(c) is dai.EncodedFrame for c in copies)
    assert [c.getSequenceNum() for c in copies] == [1010, 1011, 1012]
    assert [c.getTimestamp() for c in copies] == [f.getTimestamp() for f in sent]
    assert copies[0].getFrameType() == dai.EncodedFrame.FrameType.I and copies[0].getBitrate() == first["bitrate"]
    stream = b"".join(c.getData().tobytes() for c in copies)
    with av.open(io.BytesIO(stream), format="h264") as container:
        decoded = [frame.to_ndarray(format="gray") for frame in container.decode(video=0)]
    assert len(decoded) == 3 and decoded[0].shape == (96, 160)
