"""Cast: NNData (or frames) into ImgFrames — gen2's ports, properties and schema, the cast itself, and a
device that casts what the host sends."""
import numpy as np
import pytest

import oakling as dai
from oakling.nodes.cast import CastError, cast_values
from oakling.testing import NodeHarness

T = dai.ImgFrame.Type
TIMEOUT = 10.0


def test_ports_defaults_and_schema_are_gen2s():
    p = dai.Pipeline()
    cast = p.create(dai.node.Cast)
    assert cast.getName() == "Cast"
    assert (cast.input.getBlocking(), cast.input.getQueueSize(), cast.input.getWaitForMessage()) == (False, 4, True)
    assert {o.name for o in cast.getOutputs()} == {"output", "passthroughInput"}
    node = p.serializeToJson()["pipeline"]["nodes"][0][1]
    assert node["properties"] == {"numFramesPool": 4, "outputType": int(T.RAW8), "scale": None, "offset": None}
    assert cast.setOutputFrameType(T.BGR888p).setScale(2).setOffset(-1.5).setNumFramesPool(2) is cast
    props = p.serializeToJson()["pipeline"]["nodes"][0][1]["properties"]
    assert props == {"numFramesPool": 2, "outputType": int(T.BGR888p), "scale": 2.0, "offset": -1.5}
    assert sorted(info["name"] for _, info in node["ioInfo"]) == ["input", "output", "passthroughInput"]


def test_bad_settings_and_links_name_the_node_and_the_fix():
    p = dai.Pipeline()
    cast = p.create(dai.node.Cast)
    with pytest.raises(ValueError, match=r"Cast\(0\).setOutputFrameType: cannot cast to NV12; choose one of RAW8"):
        cast.setOutputFrameType(T.NV12)
    with pytest.raises(TypeError, match=r"Cast\(0\).setScale: expected a float, got str"):
        cast.setScale("2")
    manip = p.create(dai.node.ImageManip)
    cast.output.link(manip.inputImage)
    parser = p.create(dai.node.DetectionParser)
    with pytest.raises(RuntimeError, match=r"sends ImgDetections, but Cast\(0\).input accepts ImgFrame or NNData"):
        parser.out.link(cast.input)


@pytest.mark.parametrize("shape, out_type, want_shape", [
    ((1, 3, 4, 6), T.BGR888p, (3, 4, 6)),
    ((1, 4, 6, 3), T.BGR888p, (3, 4, 6)),
    ((1, 3, 4, 6), T.RGB888i, (4, 6, 3)),
    ((1, 1, 4, 6), T.GRAY8, (4, 6)),
    ((4, 6), T.RAW8, (4, 6)),
    ((1, 4, 6, 1), T.GRAYF16, (4, 6)),
    ((1, 3, 4, 6), T.BGRF16F16F16p, (3, 4, 6)),
])
def test_tensors_become_frames_of_the_type_asked(shape, out_type, want_shape):
    values = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    frame = cast_values(values, out_type)
    assert (frame.getType(), frame.getWidth(), frame.getHeight()) == (out_type, 6, 4)
    assert frame.getFrame().shape == want_shape


def test_scale_and_offset_then_round_and_saturate():
    values = np.array([[-1.0, 0.2, 0.5, 1.0, 2.0, 0.7]], np.float16).reshape(1, 1, 1, 6)
    frame = cast_values(values, T.GRAY8, scale=200.0, offset=10.0)
    assert frame.getFrame().tolist() == [[0, 50, 110, 210, 255, 150]]
    assert cast_values(values, T.GRAY8).getFrame().tolist() == [[0, 0, 0, 1, 2, 1]]     # no scale: rounded
    np.testing.assert_allclose(cast_values(values, T.GRAYF16, 0.5).getFrame(), values.reshape(1, 6) * 0.5)
    wide = cast_values(np.full((2, 2), 70000.0), T.RAW16).getFrame()
    assert wide.dtype == np.uint16 and wide.max() == 65535


def test_planar_output_is_the_interleaved_one_rearranged():
    hwc = np.random.default_rng(1).integers(0, 255, (5, 8, 3)).astype(np.float32)
    planar = cast_values(hwc, T.BGR888p)
    interleaved = cast_values(hwc, T.BGR888i)
    np.testing.assert_array_equal(planar.getCvFrame(), interleaved.getCvFrame())
    np.testing.assert_array_equal(interleaved.getCvFrame(), hwc.astype(np.uint8))


@pytest.mark.parametrize("shape, out_type", [((2, 4, 6), T.BGR888p), ((3, 4, 6), T.GRAY8), ((24,), T.RAW8)])
def test_shapes_that_are_not_that_image_say_what_is_expected(shape, out_type):
    with pytest.raises(CastError, match=r"is not a .*-channel image — expected"):
        cast_values(np.zeros(shape), out_type)


def nn_message(values, seq):
    msg = dai.NNData()
    msg.addTensor("out", values)
    msg.setSequenceNum(seq)
    return msg


def test_the_node_casts_each_message_and_passes_it_through():
    p = dai.Pipeline()
    cast = p.create(dai.node.Cast)
    cast.setOutputFrameType(T.RGB888p).setScale(100.0)
    values = np.random.default_rng(2).random((1, 3, 6, 10)).astype(np.float16)
    with NodeHarness(cast) as h:
        h.push("input", nn_message(values, 7))
        h.push("input", nn_message(np.zeros((1, 2, 6, 10), np.float16), 8))   # not an image: dropped
        bgr = dai.ImgFrame()
        bgr.setCvFrame(np.full((6, 10, 3), 3, np.uint8), T.BGR888i)
        bgr.setSequenceNum(9)
        h.push("input", bgr)
        frame, same = h.pull("output", timeout=TIMEOUT), h.pull("passthroughInput", timeout=TIMEOUT)
        tripled = h.pull("output", timeout=TIMEOUT)
        lines = [m.payload for m in h.logs]
    assert frame.getSequenceNum() == same.getSequenceNum() == 7 and isinstance(same, dai.NNData)
    np.testing.assert_array_equal(frame.getFrame(), np.rint(values[0].astype(np.float32) * 100))
    assert tripled.getSequenceNum() == 9 and tripled.getType() == T.RGB888p
    assert tripled.getFrame().max() == 255       # 3 * 100 saturates
    [line] = [text for text in lines if "dropped" in text]
    assert "Cast(0).input: a 1x2x6x10 input is not a three-channel image" in line and "(message 8 dropped)" in line


def test_a_device_casts_the_tensors_a_host_sends():
    p = dai.Pipeline()
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("tensors")
    cast = p.create(dai.node.Cast)
    cast.setOutputFrameType(dai.RawImgFrame.Type.GRAY8)
    cast.setScale(-1.0)
    cast.setOffset(255.0)
    cast.input.setBlocking(True)
    xin.out.link(cast.input)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("frames")
    cast.output.link(xout.input)
    ramp = np.tile(np.arange(0, 64, dtype=np.float16), (48, 1)).reshape(1, 1, 48, 64)
    with dai.Device(p) as device:
        q_in, q_out = device.getInputQueue("tensors"), device.getOutputQueue("frames")
        for seq in range(3):
            q_in.send(nn_message(ramp + seq, seq))
        for seq in range(3):
            frame = q_out.get()
            assert isinstance(frame, dai.ImgFrame) and frame.getSequenceNum() == seq
            assert (frame.getWidth(), frame.getHeight(), frame.getType()) == (64, 48, T.GRAY8)
            np.testing.assert_array_equal(frame.getCvFrame()[0], 255 - seq - np.arange(64))
        assert device.getFailedNodes() == {}
