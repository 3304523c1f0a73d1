"""VideoEncoder's encoders (video_encoder_ops.py) without a device: frames encoded, then decoded back
with PyAV and compared; keyframes, B frames, bitrate and quality; the frames they refuse; and gen2's
automatic bitrate."""
import io

import av
import cv2
import numpy as np
import pytest

import oakling as dai
from oakling.nodes.video_encoder_ops import EncodeError, auto_bitrate, make_encoder

T = dai.ImgFrame.Type
P = dai.VideoEncoderProperties.Profile
FT = dai.EncodedFrame.FrameType
DECODER = {P.H264_BASELINE: "h264", P.H264_MAIN: "h264", P.H264_HIGH: "h264", P.H265_MAIN: "hevc", P.MJPEG: "mjpeg"}
W, H = 160, 96


def picture(i, w=W, h=H):
    """Frame i of a smooth moving picture (a gradient and a bright square that moves 4 px a frame)."""
    y, x = np.mgrid[0:h, 0:w]
    img = np.dstack((x * 255 // w, y * 255 // h, np.full((h, w), 90))).astype(np.uint8)
    img[h // 3:h // 3 + 24, 4 * i:4 * i + 24] = 250
    return img


def frame(i, frame_type=T.NV12, w=W, h=H):
    f = dai.ImgFrame()
    f.setCvFrame(picture(i, w, h), frame_type)
    return f


def props(profile, **changes):
    """A VideoEncoder's default properties, as the node hands them to make_encoder."""
    return dict(dai.Pipeline().create(dai.node.VideoEncoder).properties, profile=int(profile), **changes)


def encode_all(encoder, frames):
    packets = []
    for index, f in enumerate(frames):
        packets += encoder.encode(f, index)
    return packets + encoder.flush()


def decode(data: bytes, fmt: str, pix="bgr24"):
    with av.open(io.BytesIO(data), format=fmt) as container:
        return [f.to_ndarray(format=pix) for f in container.decode(video=0)]


def stream(packets) -> bytes:
    return b"".join(p.data for p in packets)


@pytest.mark.parametrize("profile", list(P), ids=lambda p: p.name)
def test_every_profile_round_trips_through_a_decoder(profile):
    sent = [frame(i) for i in range(6)]
    packets = encode_all(make_encoder(props(profile, bitrate=1_000_000), W, H), sent)
    assert sorted(p.index for p in packets) == list(range(6))
    assert packets[0].frame_type == FT.I
    decoded = decode(stream(packets), DECODER[profile])
    assert len(decoded) == 6
    for f, back in zip(sent, decoded):
        assert cv2.PSNR(f.getCvFrame(), back) > 38


@pytest.mark.parametrize("profile, keyframes", [(P.H264_MAIN, [0, 4, 8]), (P.H265_MAIN, [0, 4, 8]),
                                                (P.MJPEG, list(range(9)))], ids=["H264_MAIN", "H265_MAIN", "MJPEG"])
def test_keyframes_come_at_the_keyframe_frequency(profile, keyframes):
    packets = encode_all(make_encoder(props(profile, keyframeFrequency=4), W, H), [frame(i) for i in range(9)])
    assert sorted(p.index for p in packets if p.frame_type == FT.I) == keyframes


@pytest.mark.parametrize("profile, reordered", [(P.H264_HIGH, True), (P.H264_MAIN, True), (P.H264_BASELINE, False)],
                         ids=lambda v: getattr(v, "name", str(v)))
def test_b_frames_are_marked_and_reorder_except_in_baseline(profile, reordered):
    """Baseline has no B frames in H.264, so numBFrames does not apply to it."""
    packets = encode_all(make_encoder(props(profile, numBFrames=2), W, H), [frame(i) for i in range(10)])
    order = [p.index for p in packets]
    assert sorted(order) == list(range(10))
    assert (order != sorted(order)) == reordered
    assert (FT.B in [p.frame_type for p in packets]) == reordered
    assert len(decode(stream(packets), "h264")) == 10


def noise(i):
    f = dai.ImgFrame()
    f.setCvFrame(np.random.default_rng(i).integers(0, 256, (H, W, 3), dtype=np.uint8), T.NV12)
    return f


@pytest.mark.parametrize("profile", [P.H264_MAIN, P.H265_MAIN], ids=lambda p: p.name)
def test_a_lower_bitrate_makes_a_smaller_stream(profile):
    sizes = [len(stream(encode_all(make_encoder(props(profile, bitrate=bitrate), W, H), [noise(i) for i in range(10)])))
             for bitrate in (100_000, 2_000_000)]
    assert sizes[0] * 3 < sizes[1]


def test_a_lower_jpeg_quality_makes_smaller_and_coarser_pictures():
    sent = frame(2)
    results = []
    for quality in (30, 95):
        (packet,) = encode_all(make_encoder(props(P.MJPEG, quality=quality), W, H), [sent])
        (back,) = decode(packet.data, "mjpeg")
        results.append((len(packet.data), cv2.PSNR(sent.getCvFrame(), back)))
    (small, coarse), (big, fine) = results
    assert small < big and coarse < fine


@pytest.mark.parametrize("frame_type", [T.GRAY8, T.RAW8])
def test_lossless_jpeg_keeps_every_grey_pixel_with_neutral_chroma(frame_type):
    grey = dai.ImgFrame()
    grey.setFrame(np.random.default_rng(5).integers(0, 256, W * H, dtype=np.uint8))
    grey.setType(frame_type).setSize(W, H)
    (packet,) = encode_all(make_encoder(props(P.MJPEG, lossless=True), W, H), [grey])
    (back,) = decode(packet.data, "mjpeg", pix="yuvj420p")
    np.testing.assert_array_equal(back[:H], grey.getData().reshape(H, W))
    assert (back[H:] == 128).all()


def padded(f, pad=32):
    """The same NV12 frame with `pad` bytes after each row: a stride wider than the picture."""
    rows = f.getData().reshape(-1, W)
    out = dai.ImgFrame()
    out.setFrame(np.pad(rows, ((0, 0), (0, pad)), constant_values=7).reshape(-1))
    out.setType(T.NV12).setSize(W, H).setStride(W + pad)
    return out


@pytest.mark.parametrize("profile", [P.MJPEG, P.H264_MAIN], ids=lambda p: p.name)
def test_a_frame_with_a_wider_stride_encodes_as_its_packed_copy(profile):
    sent = [frame(i) for i in range(3)]
    packed = encode_all(make_encoder(props(profile), W, H), sent)
    strided = encode_all(make_encoder(props(profile), W, H), [padded(f) for f in sent])
    assert [p.data for p in strided] == [p.data for p in packed]


def short(frame_type, size):
    f = dai.ImgFrame()
    f.setFrame(np.zeros(size, np.uint8))
    f.setType(frame_type).setSize(64, 48)
    return f


@pytest.mark.parametrize("profile, bad, message", [
    (P.H264_MAIN, short(T.NV12, 4607), r"a 64x48 NV12 frame \(stride 64\) needs 4608 bytes, got 4607"),
    (P.MJPEG, short(T.GRAY8, 100), r"a 64x48 GRAY8 frame \(stride 64\) needs 3072 bytes, got 100"),
], ids=lambda v: getattr(v, "name", ""))
def test_a_frame_short_of_its_bytes_is_an_encode_error_saying_how_many_it_needs(profile, bad, message):
    with pytest.raises(EncodeError, match=message):
        make_encoder(props(profile), 64, 48).encode(bad, 0)


@pytest.mark.parametrize("profile, size", [(P.H265_MAIN, (63, 48)), (P.H264_BASELINE, (64, 47))],
                         ids=lambda v: getattr(v, "name", ""))
def test_h26x_refuses_an_odd_size(profile, size):
    with pytest.raises(EncodeError, match=f"{profile.name} needs an even width and height, got {size[0]}x{size[1]}"):
        make_encoder(props(profile), *size)


def test_auto_bitrate_is_gen2s_table():
    assert auto_bitrate(1280, 720, 30) == 4_000_000
    assert auto_bitrate(1920, 1080, 30) == 8_500_000
    assert auto_bitrate(3840, 2160, 30) == 20_000_000
    assert auto_bitrate(640, 360, 30) == 1_000_000
    assert 4_000_000 < auto_bitrate(1920, 1080, 15) < 8_500_000


@pytest.mark.parametrize("size, fps, bitrate", [
    ((2560, 1440), 30, 14_000_000),
    ((1280, 720), 15, 2_000_000),      # below the table: in proportion to the first point
    ((3840, 2160), 60, 40_000_000),    # above it: in proportion to the last
    ((1280, 720), 48.75, 6_250_000),   # halfway between 720p30's and 1080p30's pixel rates
])
def test_auto_bitrate_interpolates_inside_the_table_and_scales_beyond_it(size, fps, bitrate):
    assert auto_bitrate(*size, fps) == pytest.approx(bitrate, rel=1e-6)


def test_h26x_needs_an_even_size_and_grey_frames_get_neutral_chroma():
    props = dict(dai.Pipeline().create(dai.node.VideoEncoder).properties, profile=int(P.H264_MAIN))
    with pytest.raises(EncodeError, match="H264_MAIN needs an even width and height, got 641x400"):
        make_encoder(props, 641, 400)
    encoder = make_encoder(props, 64, 48)
    grey = dai.ImgFrame()
    grey.setCvFrame(np.full((48, 64), 77, np.uint8), T.GRAY8)
    packets = encoder.encode(grey, 0) + encoder.flush()
    (back,) = decode(b"".join(p.data for p in packets), "h264", pix="yuv420p")
    assert abs(int(back[:48].mean()) - 77) <= 1 and abs(int(back[48:].mean()) - 128) <= 1
