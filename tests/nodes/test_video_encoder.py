"""VideoEncoder: the host node's gen2 API, then frames encoded by the node alone in oakling.testing's
harness and decoded back, and a camera's frames encoded in a real device process. The encoders
themselves are tested in test_video_encoder_ops.py."""
import io
import time
import warnings

import av
import cv2
import numpy as np
import pytest

import oakling as dai
from media import make_video
from oakling.messages import codec
from oakling.nodes.video_encoder_ops import auto_bitrate
from oakling.testing import NodeHarness

T = dai.ImgFrame.Type
P = dai.VideoEncoderProperties.Profile
FT = dai.EncodedFrame.FrameType
TIMEOUT = 10
DECODER = {P.H264_BASELINE: "h264", P.H264_MAIN: "h264", P.H264_HIGH: "h264", P.H265_MAIN: "hevc", P.MJPEG: "mjpeg"}


def picture(i, w=320, h=240):
    """Frame i of a smooth moving picture (a gradient and a bright square that moves 6 px a frame)."""
    y, x = np.mgrid[0:h, 0:w]
    img = np.dstack((x * 255 // w, y * 255 // h, np.full((h, w), 90))).astype(np.uint8)
    img[h // 3:h // 3 + 40, 6 * i:6 * i + 40] = 250
    return img


def nv12_frame(i, w=320, h=240, frame_type=T.NV12):
    f = dai.ImgFrame()
    f.setCvFrame(picture(i, w, h), frame_type)
    f.setSequenceNum(100 + i)
    return f


def decode(data: bytes, fmt: str, pix="bgr24"):
    with av.open(io.BytesIO(data), format=fmt) as container:
        return [f.to_ndarray(format=pix) for f in container.decode(video=0)]


def encoder(configure, output="bitstream"):
    """VideoEncoder(1) alone, behind an XLinkIn as in a program: frames pushed to `input`, packets
    pulled from `output`."""
    p = dai.Pipeline()
    p.create(dai.node.XLinkIn)
    enc = p.create(dai.node.VideoEncoder)
    configure(enc)
    return NodeHarness(enc, outputs=[output])


# -- the host node --------------------------------------------------------------------------------

def test_gen2_defaults_and_ports():
    enc = dai.Pipeline().create(dai.node.VideoEncoder)
    assert (enc.getProfile(), enc.getBitrate(), enc.getKeyframeFrequency(), enc.getNumBFrames()) == \
        (P.H264_BASELINE, 0, 30, 0)
    assert (enc.getQuality(), enc.getLossless(), enc.getFrameRate(), enc.getNumFramesPool()) == (80, False, 30.0, 0)
    assert enc.getRateControlMode() == dai.VideoEncoderProperties.RateControlMode.CBR
    assert (enc.input.getBlocking(), enc.input.getQueueSize(), enc.input.getWaitForMessage()) == (True, 4, True)
    assert str(enc.input) == "VideoEncoder(0).input" and enc.bitstream.name == "bitstream" and enc.out.name == "out"
    assert dai.node.VideoEncoder.Properties is dai.VideoEncoderProperties


def test_presets_follow_gen2():
    enc = dai.Pipeline().create(dai.node.VideoEncoder)
    enc.setDefaultProfilePreset(25, P.MJPEG)
    assert (enc.getProfile(), enc.getQuality(), enc.getFrameRate()) == (P.MJPEG, 95, 25.0)
    enc.setBitrateKbps(3000)
    enc.setDefaultProfilePreset(15.0, P.H265_MAIN)
    assert (enc.getProfile(), enc.getKeyframeFrequency(), enc.getBitrate(), enc.getFrameRate()) == \
        (P.H265_MAIN, 15, 0, 15.0)
    with pytest.warns(DeprecationWarning, match="size is taken from the first frame"):
        enc.setDefaultProfilePreset(1920, 1080, 30, P.H264_HIGH)
    with pytest.warns(DeprecationWarning):
        enc.setDefaultProfilePreset((1280, 720), 60, P.H264_MAIN)
    assert (enc.getProfile(), enc.getKeyframeFrequency()) == (P.H264_MAIN, 60)
    with pytest.warns(DeprecationWarning):
        enc.setProfile(640, 480, P.MJPEG)
    assert enc.getProfile() == P.MJPEG
    with pytest.warns(DeprecationWarning):
        assert enc.getSize() == (0, 0)


def test_setters_and_their_errors_name_the_node():
    enc = dai.Pipeline().create(dai.node.VideoEncoder)
    enc.setBitrate(2_500_000)
    assert (enc.getBitrate(), enc.getBitrateKbps()) == (2_500_000, 2500)
    enc.setNumFramesPool(7)
    assert enc.input.getQueueSize() == 7
    enc.setRateControlMode(dai.VideoEncoderProperties.RateControlMode.VBR)
    enc.setLossless(True)
    enc.setMaxOutputFrameSize(1 << 20)
    assert enc.getMaxOutputFrameSize() == 1 << 20 and enc.getLossless()
    with pytest.raises(ValueError, match=r"VideoEncoder\(0\).setQuality: expected a quality in 0..100, got 101"):
        enc.setQuality(101)
    with pytest.raises(TypeError, match=r"VideoEncoder\(0\).setProfile: expected VideoEncoderProperties.Profile"):
        enc.setProfile("h264")
    with pytest.raises(ValueError, match=r"setKeyframeFrequency: expected a value of at least 1, got 0"):
        enc.setKeyframeFrequency(0)
    with pytest.raises(ValueError, match=r"setFrameRate: expected a frame rate above 0"):
        enc.setFrameRate(0)
    with pytest.raises(TypeError, match=r"setDefaultProfilePreset: expected \(fps, profile\), got 1 arguments"):
        enc.setDefaultProfilePreset(30)


def test_links_check_the_message_types():
    p = dai.Pipeline()
    enc, manip = p.create(dai.node.VideoEncoder), p.create(dai.node.ImageManip)
    with pytest.raises(RuntimeError, match=r"'VideoEncoder\(0\).out' to 'ImageManip\(1\).inputImage'.*EncodedFrame"):
        enc.out.link(manip.inputImage)
    enc.bitstream.link(p.create(dai.node.XLinkOut).input)


def test_encoded_frame_crosses_the_wire_whole():
    f = dai.EncodedFrame().setProfile(dai.EncodedFrame.Profile.HEVC).setFrameType(FT.B).setQuality(7)
    f.setBitrate(123).setLossless(True).setWidth(64).setHeight(48).setInstanceNum(2).setSequenceNum(9)
    f.setData(b"\x00\x00\x00\x01abc")
    dt, meta, payload = codec.encode(f)
    g = codec.decode(dt, meta, payload)
    assert isinstance(g, dai.EncodedFrame) and bytes(g.getData()) == b"\x00\x00\x00\x01abc"
    assert (g.getProfile(), g.getFrameType(), g.getQuality(), g.getBitrate(), g.getLossless()) == \
        (dai.EncodedFrame.Profile.HEVC, FT.B, 7, 123, True)
    assert (g.getWidth(), g.getHeight(), g.getInstanceNum(), g.getSequenceNum()) == (64, 48, 2, 9)


# -- at work --------------------------------------------------------------------------------------

@pytest.mark.parametrize("profile", [P.H264_MAIN, P.H265_MAIN, P.MJPEG], ids=lambda p: p.name)
def test_frames_encode_to_a_stream_that_decodes_back(profile):
    count = 8
    sent = [nv12_frame(i) for i in range(count)]
    stream = io.BytesIO()
    with encoder(lambda e: e.setDefaultProfilePreset(30, profile)) as h:
        for f in sent:   # one frame in, one packet out: no encoder delay without B frames
            h.push("input", f)
            packet = h.pull("bitstream", timeout=TIMEOUT)
            assert packet.getType() == T.BITSTREAM and (packet.getWidth(), packet.getHeight()) == (320, 240)
            assert packet.getSequenceNum() == f.getSequenceNum() and packet.getTimestamp() == f.getTimestamp()
            stream.write(packet.getData().tobytes())
    data = stream.getvalue()
    if profile == P.MJPEG:
        assert data[:2] == b"\xff\xd8"
    else:
        assert data[:4] == b"\x00\x00\x00\x01"   # Annex-B, parameter sets first
    decoded = decode(data, DECODER[profile])
    assert len(decoded) == count and decoded[0].shape == (240, 320, 3)
    for f, back in zip(sent, decoded):
        assert cv2.PSNR(f.getCvFrame(), back) > 32


def test_b_frames_reorder_and_the_last_packets_come_when_the_input_ends(tmp_path):
    """A MonoCamera's RAW8 frames from a clip, H.264 high with 2 B frames, on the EncodedFrame output."""
    count = 14
    make_video(tmp_path / "clip.mp4", count=count, size=(640, 400))
    p = dai.Pipeline()
    mono = p.create(dai.node.MonoCamera)
    mono.setResolution(dai.MonoCameraProperties.SensorResolution.THE_400_P)
    enc = p.create(dai.node.VideoEncoder)
    enc.setDefaultProfilePreset(30, P.H264_HIGH)
    enc.setNumBFrames(2)
    enc.setKeyframeFrequency(6)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("enc")
    mono.out.link(enc.input)
    enc.out.link(xout.input)
    packets = []
    with dai.Device(p, cameras={"CAM_B": str(tmp_path / "clip.mp4")}, realtime=False, camera_end="stop") as device:
        q = device.getOutputQueue("enc")
        with pytest.raises(dai.StreamEnded):
            while True:
                packets.append(q.get(timeout=TIMEOUT))
    assert len(packets) == count
    assert all(isinstance(k, dai.EncodedFrame) for k in packets)
    assert sorted(k.getSequenceNum() for k in packets) == list(range(count))
    assert [k.getSequenceNum() for k in packets] != list(range(count))   # decode order is not display order
    kinds = [k.getFrameType() for k in packets]
    assert kinds[0] == FT.I and FT.B in kinds and FT.P in kinds
    assert [k.getSequenceNum() for k in packets if k.getFrameType() == FT.I] == [0, 6, 12]
    first = packets[0]
    assert (first.getProfile(), first.getWidth(), first.getHeight()) == (dai.EncodedFrame.Profile.AVC, 640, 400)
    assert first.getBitrate() == auto_bitrate(640, 400, 30) and first.getInstanceNum() == 1
    decoded = decode(b"".join(k.getData().tobytes() for k in packets), "h264", pix="gray")
    assert len(decoded) == count and decoded[0].shape == (400, 640)


def test_lossless_mjpeg_keeps_every_pixel():
    sent = nv12_frame(3, 96, 64)
    with encoder(lambda e: (e.setProfile(P.MJPEG), e.setLossless(True)), "out") as h:
        h.push("input", sent)
        packet = h.pull("out", timeout=TIMEOUT)
    assert packet.getProfile() == dai.EncodedFrame.Profile.JPEG and packet.getLossless()
    (back,) = decode(packet.getData().tobytes(), "mjpeg", pix="yuvj420p")
    nv12 = sent.getFrame()                  # Y rows, then interleaved U,V rows
    np.testing.assert_array_equal(back[:64], nv12[:64])
    u, v = back[64:].reshape(2, 32, 48)      # I420: the U plane, then the V plane
    np.testing.assert_array_equal(u, nv12[64:, 0::2])
    np.testing.assert_array_equal(v, nv12[64:, 1::2])


def test_bad_frames_are_logged_with_the_fix_and_dropped():
    with encoder(lambda e: (e.setProfile(P.H264_MAIN), e.setMaxOutputFrameSize(0))) as h:
        lines = h.logs
        h.push("input", nv12_frame(0, frame_type=T.BGR888p))    # a preview frame: wrong type
        h.push("input", nv12_frame(1))                           # the first good frame sets the size
        assert h.pull("bitstream", timeout=TIMEOUT).getSequenceNum() == 101
        h.push("input", nv12_frame(2, 160, 120))                 # another size
        h.push("input", dai.Buffer())                            # not a frame at all
        h.push("input", nv12_frame(3))
        assert h.pull("bitstream", timeout=TIMEOUT).getSequenceNum() == 103
        deadline = time.monotonic() + TIMEOUT
        while len(lines) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
    errors = [m.payload for m in lines if m.level == dai.LogLevel.ERR and m.nodeIdName == "VideoEncoder(1)"]
    assert len(errors) == 3, [m.payload for m in lines]
    assert errors[0].startswith("VideoEncoder(1).input: expected an NV12, GRAY8 or RAW8 frame, got BGR888p")
    assert "setFrameType(dai.ImgFrame.Type.NV12)" in errors[0] and "frame 100 dropped" in errors[0]
    assert errors[1].startswith("VideoEncoder(1).input: the stream is 320x240 (its first frame's size), got a "
                                "160x120 frame")
    assert errors[2].startswith("VideoEncoder(1).input: expected ImgFrame, got Buffer")


def test_a_frame_over_the_maximum_output_size_is_dropped_with_the_size_to_set():
    with encoder(lambda e: (e.setProfile(P.MJPEG), e.setMaxOutputFrameSize(100))) as h:
        lines = h.logs
        h.push("input", nv12_frame(0))
        deadline = time.monotonic() + TIMEOUT
        while not any(m.level == dai.LogLevel.ERR for m in lines) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert h.try_pull("bitstream") is None
    (line,) = [m.payload for m in lines if m.level == dai.LogLevel.ERR]
    assert line.startswith("VideoEncoder(1).bitstream: the encoded frame needs ")
    assert "more than the maximum output frame size of 100 bytes — call setMaxOutputFrameSize(" in line


def test_no_warning_escapes_the_non_deprecated_api():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        enc = dai.Pipeline().create(dai.node.VideoEncoder)
        enc.setDefaultProfilePreset(30, P.H264_MAIN)
        enc.setProfile(P.H265_MAIN)
