"""NeuralNetwork: the host node (ports, properties, checks), the node alone in oakling.testing's
harness, and real pipelines run on a device process."""
import time
from datetime import timedelta

import numpy as np
import pytest

import nets
import oakling as dai
from oakling.models.converter import build_blob
from oakling.testing import NodeHarness

T = dai.ImgFrame.Type
TIMEOUT = 20


@pytest.fixture(scope="module")
def blobs(tmp_path_factory):
    """The blobs these tests run, converted once."""
    d = tmp_path_factory.mktemp("blobs")
    image = nets.image_model(d / "image.onnx")
    paths = {
        "u8": build_blob(image, input_precision="U8", output_precision="FP32").write(d / "u8.blob"),
        "fp16": build_blob(image, input_precision="U8").write(d / "fp16.blob"),
        "two": build_blob(nets.two_input_model(d / "two.onnx"), output_precision="FP32").write(d / "two.blob"),
        "float": build_blob(nets.image_model(d / "float.onnx", height=8, width=8),
                            output_precision="FP32").write(d / "float.blob"),
        "big": build_blob(nets.image_model(d / "big.onnx", height=96, width=96), input_precision="U8",
                          output_precision="FP32").write(d / "big.blob"),
    }
    return paths


def frame(img, seq, frame_type=T.BGR888p, ts=None):
    f = dai.ImgFrame()
    f.setCvFrame(img, frame_type)
    f.setSequenceNum(seq)
    if ts is not None:
        f.setTimestamp(ts)
    return f


def nn_pipeline(blob_path, streams=("in",), named=(), passthrough=True):
    """XLinkIn per stream -> NN.input ("in") or NN.inputs[name]; NN.out -> "out", passthrough(s) -> "pass…"."""
    p = dai.Pipeline()
    nn = p.create(dai.node.NeuralNetwork)
    nn.setBlobPath(blob_path)
    for stream in streams:
        xin = p.create(dai.node.XLinkIn)
        xin.setStreamName(stream)
        xin.out.link(nn.input)
    for name in named:
        xin = p.create(dai.node.XLinkIn)
        xin.setStreamName(name)
        xin.out.link(nn.inputs[name])
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("out")
    nn.out.link(xout.input)
    if passthrough:
        xp = p.create(dai.node.XLinkOut)
        xp.setStreamName("pass")
        nn.passthrough.link(xp.input)
    for name in named:
        xp = p.create(dai.node.XLinkOut)
        xp.setStreamName(f"pass_{name}")
        nn.passthroughs[name].link(xp.input)
    return p, nn


def harness(nn, named=(), passthrough=True):
    """`nn` alone, its ports linked as nn_pipeline links them: `input` (or the named inputs), `out`
    and the passthroughs."""
    outputs = ["out"] + (["passthrough"] if passthrough and not named else []) + \
        [f"passthroughs.{name}" for name in named if passthrough]
    return NodeHarness(nn, inputs=[f"inputs.{name}" for name in named] or ["input"], outputs=outputs)


# ------------------------------------------------------------------------------------------------
# The host node
# ------------------------------------------------------------------------------------------------

def test_ports_properties_and_asset_are_gen2s(blobs):
    p = dai.Pipeline()
    nn = p.createNeuralNetwork()
    assert nn.getName() == "NeuralNetwork"
    nn.setBlob(dai.OpenVINO.Blob(blobs["two"]))
    nn.setNumInferenceThreads(1)
    nn.setNumPoolFrames(4)
    nn.setNumNCEPerInferenceThread(1)
    nn.setNumShavesPerInferenceThread(6)
    nn.inputs["a"].setReusePreviousMessage(True)
    assert (nn.getNumInferenceThreads(), nn.getNumPoolFrames(), nn.getNumNCEPerInferenceThread(),
            nn.getNumShavesPerInferenceThread()) == (1, 4, 1, 6)
    assert (nn.input.getBlocking(), nn.input.getQueueSize(), nn.input.getWaitForMessage()) == (True, 5, True)
    b = nn.inputs["b"]
    assert (b.getBlocking(), b.getQueueSize(), b.getWaitForMessage()) == (False, 1, True)
    schema = p.serializeToJson()
    _, info = schema["pipeline"]["nodes"][0]
    size = blobs["two"].stat().st_size
    assert info["properties"] == {"blobSize": size, "blobUri": "asset:__blob", "numFrames": 4,
                                  "numNCEPerThread": 1, "numThreads": 1}
    io = {tuple(k): v for k, v in info["ioInfo"]}
    assert set(io) == {("", "in"), ("inputs", "a"), ("inputs", "b"), ("", "out"), ("", "passthrough")}
    assert io[("inputs", "a")]["waitForMessage"] is False
    assert schema["assets"]["map"]["/node/0/__blob"]["size"] == size
    with pytest.raises(TypeError, match="setNumInferenceThreads: expected a whole number"):
        nn.setNumInferenceThreads(-1)


def test_the_pipeline_is_checked_against_the_blob(blobs):
    p = dai.Pipeline()
    p.create(dai.node.NeuralNetwork)
    with pytest.raises(RuntimeError, match=r"NeuralNetwork\(0\): no model — call setBlobPath"):
        dai.Device(p)
    p = dai.Pipeline()
    nn = p.create(dai.node.NeuralNetwork)
    nn.setBlobPath(blobs["two"])
    nn.inputs["c"]
    with pytest.raises(RuntimeError, match=r"NeuralNetwork\(0\).inputs\['c'\]: the model has no input 'c' — its "
                                           r"inputs are \['a', 'b'\]"):
        p.serializeToJson()


# ------------------------------------------------------------------------------------------------
# Pipelines
# ------------------------------------------------------------------------------------------------

def test_frames_in_results_out_in_order_with_seq_timestamps_and_passthrough(blobs):
    _, nn = nn_pipeline(blobs["u8"])
    images = [nets.picture(seed=i) for i in range(6)]
    with harness(nn) as h:
        sent = [frame(img, 100 + i, ts=timedelta(seconds=50 + i)) for i, img in enumerate(images)]
        for f in sent:
            f.setTimestampDevice(timedelta(seconds=7))
            h.push("input", f)
        for f, img in zip(sent, images):
            out, passed = h.pull("out", timeout=TIMEOUT), h.pull("passthrough", timeout=TIMEOUT)
            assert isinstance(out, dai.NNData)
            assert out.getSequenceNum() == passed.getSequenceNum() == f.getSequenceNum()
            assert out.getTimestamp() == passed.getTimestamp() == f.getTimestamp()
            assert out.getTimestampDevice() == timedelta(seconds=7)
            assert isinstance(passed, dai.ImgFrame) and passed.getType() == T.BGR888p
            np.testing.assert_array_equal(passed.getCvFrame(), img)
            assert out.getAllLayerNames() == ["features", "pooled"]
            features, pooled = nets.image_reference(img.transpose(2, 0, 1)[None])
            np.testing.assert_allclose(out.getTensor("features"), features, rtol=1e-5, atol=1e-4)
            np.testing.assert_allclose(out.getTensor("pooled"), pooled, rtol=1e-5, atol=1e-5)


def test_big_results_cross_to_the_host_by_reference_and_stay_each_its_own(blobs):
    """An `out` message over the links' inline size (here 147 KB of features) is computed into the
    output's shared frame pool and lent to the host: the first results arrive read-only, and each of
    the 16 the host keeps (more than a pool holds) still holds its own frame's result at the end."""
    p, _ = nn_pipeline(blobs["big"], passthrough=False)
    images = [nets.picture(96, 96, seed=i) for i in range(16)]
    with dai.Device(p) as device:
        send, out = device.getInputQueue("in"), device.getOutputQueue("out", 16)
        kept = []
        for i, img in enumerate(images):
            send.send(frame(img, i))
            kept.append(out.get(timeout=TIMEOUT))
    assert not kept[0].getData().flags.writeable
    for result, img in zip(kept, images):
        features, _ = nets.image_reference(img.transpose(2, 0, 1)[None])
        np.testing.assert_allclose(result.getTensor("features"), features, rtol=1e-5, atol=1e-4)


def test_two_producers_feeding_one_input_each_get_every_result(blobs):
    """Two XLinkIns into one `input`: their frames are taken one at a time, and each frame's result is
    its own (checked against the model's reference for its picture)."""
    import threading
    p, _ = nn_pipeline(blobs["u8"], streams=("in", "in2"))
    images = {seq: nets.picture(seed=seq) for seq in range(40)}
    with dai.Device(p) as device:
        qo, qp = device.getOutputQueue("out"), device.getOutputQueue("pass")

        def send(stream, seqs):
            q = device.getInputQueue(stream)
            for seq in seqs:
                q.send(frame(images[seq], seq))

        senders = [threading.Thread(target=send, args=(name, range(start, 40, 2)), daemon=True)
                   for name, start in (("in", 0), ("in2", 1))]
        for t in senders:
            t.start()
        seen = []
        for _ in range(40):
            out, passed = qo.get(timeout=TIMEOUT), qp.get(timeout=TIMEOUT)
            seq = out.getSequenceNum()
            assert passed.getSequenceNum() == seq
            _, pooled = nets.image_reference(images[seq].transpose(2, 0, 1)[None])
            np.testing.assert_allclose(out.getTensor("pooled"), pooled, rtol=1e-5, atol=1e-5)
            seen.append(seq)
    assert sorted(seen) == list(range(40))
    assert [s for s in seen if s % 2 == 0] == list(range(0, 40, 2))   # each producer's frames stay in order
    assert [s for s in seen if s % 2] == list(range(1, 40, 2))


def test_fp16_outputs_read_as_gen2_code_reads_them(blobs):
    _, nn = nn_pipeline(blobs["fp16"], passthrough=False)
    img = nets.picture(seed=11)
    with harness(nn, passthrough=False) as h:
        h.push("input", frame(img, 1))
        out = h.pull("out", timeout=TIMEOUT)
    pooled = out.getLayerFp16("pooled")
    assert isinstance(pooled, list) and all(type(v) is float for v in pooled)
    want = nets.image_reference(img.transpose(2, 0, 1)[None])
    np.testing.assert_allclose(pooled, want[1].ravel(), rtol=2 ** -10)
    first = np.array(out.getFirstLayerFp16()).reshape(1, 4, 16, 16)
    np.testing.assert_allclose(first, want[0], rtol=2 ** -10, atol=1e-3)
    assert out.getTensor("features").dtype == np.float16


def test_a_frame_that_does_not_fit_is_dropped_with_the_fix(blobs):
    _, nn = nn_pipeline(blobs["u8"], passthrough=False)
    with harness(nn, passthrough=False) as h:
        records = h.logs
        img = nets.picture(seed=1)
        h.push("input", frame(img, 0))                         # fits: the node runs what it is sent
        assert h.pull("out", timeout=TIMEOUT).getSequenceNum() == 0
        h.push("input", frame(img, 1, T.BGR888i))              # interleaved into a planar input
        h.push("input", frame(nets.picture(20, 24), 2))        # wrong size
        h.push("input", frame(img, 3))                         # fits
        assert h.pull("out", timeout=TIMEOUT).getSequenceNum() == 3
        deadline = time.monotonic() + TIMEOUT
        while len(records) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert h.failure is None
    label = f"NeuralNetwork({nn.id})"
    texts = [r.payload for r in records if r.level == dai.LogLevel.ERR]
    assert texts[0] == (f"{label}.input: image 16x16 BGR888i does not match input 'images' [1,3,16,16] U8 planar — "
                        f"use setInterleaved(False) or ImageManip setFrameType(BGR888p) (message 1 dropped)")
    assert texts[1] == (f"{label}.input: image 24x20 BGR888p does not match input 'images' [1,3,16,16] U8 planar — "
                        f"send 16x16 images (ColorCamera setPreviewSize(16, 16) or ImageManip setResize(16, 16)) "
                        f"(message 2 dropped)")
    assert all(r.nodeIdName == label for r in records if r.level == dai.LogLevel.ERR)


@pytest.mark.parametrize("feed", ["input", "inputs"])
def test_a_first_frame_that_does_not_fit_stops_the_node_with_the_fix(blobs, feed):
    """Nothing the node is linked to can run: it stops, rather than drop every message and leave
    whatever waits for its results waiting forever. Whether `input` feeds the model in its producer's
    thread (alone and blocking) or through its queue, the node's failure says what to change."""
    named = ("images",) if feed == "inputs" else ()
    _, nn = nn_pipeline(blobs["u8"], streams=() if named else ("in",), named=named, passthrough=False)
    with harness(nn, named=named, passthrough=False) as h:
        h.push("inputs.images" if named else "input", frame(nets.picture(20, 24), 7))
        with pytest.raises(dai.StreamEnded, match="send 16x16 images"):
            h.pull("out", timeout=TIMEOUT)
        failure = h.failure
    port = "inputs['images']" if named else "input"
    assert failure == (f"NeuralNetwork({nn.id}).{port}: image 24x20 BGR888p does not "
                       f"match input 'images' [1,3,16,16] U8 planar — send 16x16 images (ColorCamera "
                       f"setPreviewSize(16, 16) or ImageManip setResize(16, 16)) (message 7, the first it got; the "
                       f"node stops, as nothing it is sent can run)")


def test_a_host_waiting_on_a_network_fed_the_wrong_frames_gets_the_error_not_a_hang(blobs):
    p, nn = nn_pipeline(blobs["u8"], passthrough=False)
    with dai.Device(p) as device:
        device.setLogOutputLevel(dai.LogLevel.OFF)
        device.getInputQueue("in").send(frame(nets.picture(20, 24), 3))
        with pytest.raises(dai.StreamEnded, match=rf"NeuralNetwork\({nn.id}\) failed: .* send 16x16 images"):
            device.getOutputQueue("out").get(timeout=TIMEOUT)
        assert list(device.getFailedNodes()) == [f"NeuralNetwork({nn.id})"]


def test_nndata_layers_feed_the_inputs_they_are_named_after(blobs):
    _, nn = nn_pipeline(blobs["two"])
    with harness(nn) as h:
        msg = dai.NNData()
        msg.addTensor("b", np.array([[10, 20, 30, 40]], np.float32))
        msg.setLayer("a", [1.5, 2.5, 3.5, 4.5])          # gen2: floats become FP16 values, converted to FP32
        msg.setSequenceNum(9)
        h.push("input", msg)
        out = h.pull("out", timeout=TIMEOUT)
        assert out.getSequenceNum() == 9 and h.pull("passthrough", timeout=TIMEOUT).getAllLayerNames() == ["b", "a"]
        np.testing.assert_allclose(out.getTensor("out"), [[13, 25, 37, 49]])
        wrong = dai.NNData()
        wrong.addTensor("a", np.zeros(4, np.float32))
        wrong.addTensor("c", np.zeros(4, np.float32))
        h.push("input", wrong)                            # 'b' is missing: logged, dropped
        raw = dai.Buffer()
        raw.setData(np.arange(4, dtype=np.float16).view(np.uint8))
        h.push("input", raw)                              # a Buffer feeds one input; this model has two: dropped
        msg.setSequenceNum(10)
        h.push("input", msg)
        assert h.pull("out", timeout=TIMEOUT).getSequenceNum() == 10


def test_inputs_by_name_wait_or_reuse_and_pass_through(blobs):
    _, nn = nn_pipeline(blobs["two"], streams=(), named=("a", "b"), passthrough=False)
    nn.inputs["b"].setReusePreviousMessage(True)       # 'b' is sent once and reused
    with harness(nn, named=("a", "b")) as h:
        b = dai.NNData()
        b.addTensor("b", np.array([[100, 200, 300, 400]], np.float32))
        b.setSequenceNum(1000)
        h.push("inputs.b", b)
        for seq in range(3):
            a = dai.NNData()
            a.addTensor("anything", np.full((1, 4), seq, np.float32))   # one layer: feeds the input it is sent to
            a.setSequenceNum(seq)
            h.push("inputs.a", a)
            out = h.pull("out", timeout=TIMEOUT)
            assert out.getSequenceNum() == seq                          # the first input's message gives seq
            np.testing.assert_allclose(out.getTensor("out"), [[2 * seq + 100, 2 * seq + 200, 2 * seq + 300,
                                                               2 * seq + 400]])
            assert h.pull("passthroughs.a", timeout=TIMEOUT).getSequenceNum() == seq
            assert h.pull("passthroughs.b", timeout=TIMEOUT).getSequenceNum() == 1000   # reused, every time


def test_a_buffer_of_fp16_or_fp32_bytes_feeds_a_float_input(blobs):
    _, nn = nn_pipeline(blobs["float"], passthrough=False)
    x = np.ascontiguousarray(nets.picture(8, 8, seed=5).transpose(2, 0, 1)[None], np.float32) / 255
    with harness(nn, passthrough=False) as h:
        for seq, data in enumerate([x.astype(np.float16).view(np.int8), x.view(np.uint8)]):
            buf = dai.Buffer()
            buf.setData(data.ravel())
            buf.setSequenceNum(seq)
            h.push("input", buf)
            out = h.pull("out", timeout=TIMEOUT)
            assert out.getSequenceNum() == seq
            np.testing.assert_allclose(out.getTensor("pooled"), nets.image_reference(x)[1], rtol=1e-3, atol=1e-3)


def test_camera_to_image_manip_to_neural_network(blobs):
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    cam.setPreviewSize(64, 48)
    manip = p.create(dai.node.ImageManip)
    manip.initialConfig.setResize(16, 16)
    manip.initialConfig.setFrameType(T.BGR888p)
    nn = p.create(dai.node.NeuralNetwork)
    nn.setBlobPath(blobs["u8"])
    nn.input.setBlocking(False)
    nn.input.setQueueSize(1)
    cam.preview.link(manip.inputImage)
    manip.out.link(nn.input)
    for name, port in (("nn", nn.out), ("frames", nn.passthrough)):
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        port.link(xout.input)
    with dai.Device(p) as device:
        qn, qf = device.getOutputQueue("nn"), device.getOutputQueue("frames")
        for _ in range(3):
            out, passed = qn.get(timeout=TIMEOUT), qf.get(timeout=TIMEOUT)
            assert out.getSequenceNum() == passed.getSequenceNum()
            assert out.getTimestamp() == passed.getTimestamp()
            assert (passed.getWidth(), passed.getHeight(), passed.getType()) == (16, 16, T.BGR888p)
            features, _ = nets.image_reference(passed.getFrame()[None])
            np.testing.assert_allclose(out.getTensor("features"), features, rtol=1e-5, atol=1e-4)


def test_an_input_nothing_feeds_stops_the_node_saying_which(blobs):
    _, nn = nn_pipeline(blobs["two"], streams=(), named=("a",), passthrough=False)
    with harness(nn, named=("a",), passthrough=False) as h:
        with pytest.raises(dai.StreamEnded):
            h.pull("out", timeout=TIMEOUT)
        failed = {h.label: h.failure}
    assert failed == {f"NeuralNetwork({nn.id})": f"RuntimeError: NeuralNetwork({nn.id}): nothing is linked to feed "
                                                 f"input 'b' of the model — link an output to nn.inputs['b'] (or "
                                                 f"send NNData with a layer per input to nn.input)"}


def test_a_network_that_fails_to_load_does_not_hold_up_the_other_consumers(blobs, tmp_path):
    """The model cannot be compiled on the device: the node is reported failed, and the frames its
    producer also sends elsewhere keep flowing (they are not stuck behind the failed node's input)."""
    from oakling.models.blob import ModelBlob
    good = ModelBlob.read(blobs["u8"])
    broken = ModelBlob(dict(good.meta, cache=None), b"<net>not an IR</net>", good.weights, None)
    path = tmp_path / "broken.blob"
    path.write_bytes(broken.to_bytes())
    p = dai.Pipeline()
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("in")
    nn = p.create(dai.node.NeuralNetwork)
    nn.setBlobPath(path)
    echo = p.create(dai.node.XLinkOut)
    echo.setStreamName("echo")
    xin.out.link(nn.input)
    xin.out.link(echo.input)
    with dai.Device(p) as device:
        device.setLogOutputLevel(dai.LogLevel.OFF)
        qi, qe = device.getInputQueue("in"), device.getOutputQueue("echo")
        for k in range(30):
            qi.send(frame(nets.picture(seed=1), k))
        assert [qe.get(timeout=TIMEOUT).getSequenceNum() for _ in range(30)] == list(range(30))
        deadline = time.monotonic() + TIMEOUT
        while not device.getFailedNodes() and time.monotonic() < deadline:
            time.sleep(0.01)
        failed = device.getFailedNodes()
    assert list(failed) == [f"NeuralNetwork({nn.id})"]
    reason = failed[f"NeuralNetwork({nn.id})"]
    assert "cannot load the blob's model: Unable to read the model" in reason
    assert "convert the model again with `oakling convert`" in reason and "src/" not in reason


def test_gen2_openvino_version_calls_are_accepted():
    p = dai.Pipeline()
    assert p.getOpenVINOVersion() == dai.OpenVINO.DEFAULT_VERSION and p.getRequiredOpenVINOVersion() is None
    p.setOpenVINOVersion(version=dai.OpenVINO.Version.VERSION_2021_4)
    assert p.getOpenVINOVersion() == dai.OpenVINO.VERSION_2021_4
