"""gen2's "Run your own CV functions on-device" set (examples/custom_models/): each PyTorch model,
converted with oakling.models.convert, runs in a real device pipeline and gives what PyTorch gives
for the same input; and each example program runs unchanged under `oakling run --headless`.

The blobs are the examples' own (default sizes, FP16 outputs as gen2 code reads them), converted
once for the module; results are compared with FP16 tolerances.
"""
import importlib.util
from pathlib import Path

import cv2
import numpy as np
import pytest

import oakling as dai
from programs import assert_recorded, clip_fixture, oakling_run

torch = pytest.importorskip("torch")
pytest.importorskip("openvino")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "custom_models"
MODELS = ("blur", "edge", "concat", "diff", "normalize", "cos_dist", "pointcloud")
T = dai.ImgFrame.Type
TIMEOUT = 20


def model_module(name: str):
    """examples/custom_models/<name>_model.py, imported under a name of its own."""
    spec = importlib.util.spec_from_file_location(f"custom_models_{name}_model", EXAMPLES / f"{name}_model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def example_script(name: str) -> str:
    """The Script source examples/custom_models/<name>.py sets, so the test runs the example's own."""
    return (EXAMPLES / f"{name}.py").read_text().split('script.setScript("""')[1].split('""")')[0]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """name -> (model module, blob path), each converted once with the example's defaults."""
    d = tmp_path_factory.mktemp("custom_models")
    out = {}
    for name in MODELS:
        module = model_module(name)
        out[name] = module, module.make_blob(d / f"{name}.blob")
    return out


def pytorch(module, *inputs) -> list[np.ndarray]:
    """The module's outputs for NumPy inputs, computed by PyTorch in float32."""
    with torch.no_grad():
        result = module.Model().eval()(*(torch.from_numpy(np.asarray(x, np.float32)) for x in inputs))
    return [t.numpy() for t in (result if isinstance(result, tuple) else (result,))]


def planar_frame(img: np.ndarray, seq: int, frame_type=T.BGR888p) -> dai.ImgFrame:
    f = dai.ImgFrame()
    f.setCvFrame(img, frame_type)
    f.setSequenceNum(seq)
    return f


def picture(size: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (size, size, 3), dtype=np.uint8)


def xlink_in(p, name, to, max_data_size=None):
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName(name)
    if max_data_size:
        xin.setMaxDataSize(max_data_size)
    xin.out.link(to)
    return xin


def xlink_out(p, name, source):
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName(name)
    source.link(xout.input)
    return xout


def nn_node(p, blob):
    nn = p.create(dai.node.NeuralNetwork)
    nn.setBlobPath(blob)
    xlink_out(p, "nn", nn.out)
    return nn


def fp16_output(msg: dai.NNData, shape) -> np.ndarray:
    """A one-output result read as gen2 programs read it: the bytes as FP16 values."""
    return np.array(msg.getData()).view(np.float16).reshape(shape).astype(np.float32)


# ------------------------------------------------------------------------------------------------
# Each function against PyTorch, in a device pipeline
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["blur", "edge"])
def test_image_filter_on_the_device_matches_pytorch(models, name):
    module, blob = models[name]
    size = module.SHAPE
    p = dai.Pipeline()
    nn = nn_node(p, blob)
    xlink_in(p, "in", nn.input)
    images = [picture(size, seed) for seed in (1, 2)]
    with dai.Device(p) as device:
        qi, qo = device.getInputQueue("in"), device.getOutputQueue("nn")
        for seq, img in enumerate(images):
            qi.send(planar_frame(img, seq))
        for seq, img in enumerate(images):
            out = qo.get(timeout=TIMEOUT)
            assert out.getSequenceNum() == seq
            want = pytorch(module, img.transpose(2, 0, 1)[None])[0][0]
            np.testing.assert_allclose(fp16_output(out, (3, size, size)), want, rtol=2e-3, atol=0.07)
    assert np.abs(want).max() > 10   # not a blank picture: the comparison means something


def test_concatenation_of_three_inputs_matches_pytorch(models):
    module, blob = models["concat"]
    size = module.SHAPE
    p = dai.Pipeline()
    nn = nn_node(p, blob)
    for name in ("img1", "img2", "img3"):
        xlink_in(p, name, nn.inputs[name])
    images = {name: picture(size, seed) for seed, name in enumerate(("img1", "img2", "img3"))}
    with dai.Device(p) as device:
        for name, img in images.items():
            device.getInputQueue(name).send(planar_frame(img, 7))
        out = device.getOutputQueue("nn").get(timeout=TIMEOUT)
    want = pytorch(module, *(img.transpose(2, 0, 1)[None] for img in images.values()))[0][0]
    got = fp16_output(out, (3, size, 3 * size))
    np.testing.assert_array_equal(got, want)          # bytes as FP16 values: exact
    np.testing.assert_array_equal(got[:, :, size:2 * size].transpose(1, 2, 0), images["img2"])


def test_frame_difference_with_a_script_that_keeps_the_previous_frame(models):
    module, blob = models["diff"]
    size = module.SHAPE
    p = dai.Pipeline()
    script = p.create(dai.node.Script)
    script.setScript(example_script("diff"))
    xlink_in(p, "in", script.inputs["in"])
    nn = nn_node(p, blob)
    script.outputs["img1"].link(nn.inputs["img1"])
    script.outputs["img2"].link(nn.inputs["img2"])
    frames = [picture(size, seed) for seed in range(3)]
    with dai.Device(p) as device:
        qi, qo = device.getInputQueue("in"), device.getOutputQueue("nn")
        qi.send(planar_frame(frames[0], 0))              # kept by the script: no difference yet
        results = []
        for seq, img in enumerate(frames[1:], 1):         # one at a time: nn.inputs keep only the newest (gen2)
            qi.send(planar_frame(img, seq))
            results.append(qo.get(timeout=TIMEOUT))
        assert not qo.has()
    for seq, out in enumerate(results, 1):
        previous, current = frames[seq - 1], frames[seq]
        assert out.getSequenceNum() == seq                      # img1 (the current frame) gives seq
        want = pytorch(module, current.transpose(2, 0, 1), previous.transpose(2, 0, 1))[0]
        got = np.array(out.getFirstLayerFp16(), np.float32).reshape(size, size)
        np.testing.assert_array_equal(got, want)   # sums of bytes: whole numbers, exact in FP16


def test_normalisation_with_constants_a_script_sends_once(models):
    module, blob = models["normalize"]
    size = module.SHAPE
    p = dai.Pipeline()
    nn = nn_node(p, blob)
    xlink_in(p, "frames", nn.inputs["frame"])
    script = p.create(dai.node.Script)
    script.setScript(example_script("normalize"))
    for name in ("multiplier", "addend"):
        script.outputs[name].link(nn.inputs[name])
        nn.inputs[name].setWaitForMessage(False)
    frames = [picture(size, seed) for seed in range(3)]
    with dai.Device(p) as device:
        qi, qo = device.getInputQueue("frames"), device.getOutputQueue("nn")
        for seq, img in enumerate(frames):
            f = dai.ImgFrame()
            f.setType(T.BGRF16F16F16p).setWidth(size).setHeight(size)
            f.setFrame(img.transpose(2, 0, 1).astype(np.float16))
            f.setSequenceNum(seq)
            qi.send(f)                                 # one at a time: nn.inputs keep only the newest (gen2)
            out = qo.get(timeout=TIMEOUT)              # one result per frame: the constants are reused
            assert out.getSequenceNum() == seq
            multiplier, addend = np.float16(1 / 127.5), np.float16(-1.0)   # as the FP16 layers carry them
            want = pytorch(module, img.transpose(2, 0, 1)[None], [[[multiplier]]], [[[addend]]])[0]
            np.testing.assert_allclose(fp16_output(out, want.shape), want, atol=1e-3)


def test_cosine_distance_of_two_vectors_from_the_host(models):
    module, blob = models["cos_dist"]
    p = dai.Pipeline()
    nn = nn_node(p, blob)
    xlink_in(p, "vectors", nn.input)
    rng = np.random.default_rng(3)
    pairs = [(a, a + rng.normal(0, s, a.size)) for s, a in ((0.5, rng.normal(0, 3, module.LENGTH)),
                                                              (5.0, rng.normal(0, 3, module.LENGTH)))]
    pairs.append((pairs[0][0], -pairs[0][0]))
    with dai.Device(p) as device:
        qi, qo = device.getInputQueue("vectors"), device.getOutputQueue("nn")
        for a, b in pairs:
            data = dai.NNData()
            data.setLayer("a", a.tolist())           # floats: FP16 layers, one per model input
            data.setLayer("b", b.tolist())
            qi.send(data)
        for a, b in pairs:
            out = qo.get(timeout=TIMEOUT)
            similarity, distance = pytorch(module, a.astype(np.float16), b.astype(np.float16))
            assert out.getLayerFp16("similarity")[0] == pytest.approx(similarity[0], abs=1e-3)
            assert out.getLayerFp16("distance")[0] == pytest.approx(distance[0], abs=1e-3)
    assert similarity[0] == pytest.approx(-1, abs=1e-3)


def test_point_cloud_from_u16_depth_and_an_xyz_grid_sent_once(models):
    module, blob = models["pointcloud"]
    w, h = module.WIDTH, module.HEIGHT
    p = dai.Pipeline()
    nn = nn_node(p, blob)
    xlink_in(p, "depth", nn.inputs["depth"])
    xlink_in(p, "xyz", nn.inputs["xyz"], max_data_size=w * h * 3 * 2)
    nn.inputs["xyz"].setReusePreviousMessage(True)
    u, v = np.meshgrid(np.arange(w), np.arange(h))
    xyz = np.stack([(u - w / 2) / 450, (v - h / 2) / 450, np.ones_like(u, float)], axis=-1).astype(np.float16)
    rng = np.random.default_rng(4)
    # depth past 2048 mm (where FP16 stops holding whole numbers) and past 255: U16 must arrive as it is
    depths = [rng.integers(0, 40000, (h, w), dtype=np.uint16), np.full((h, w), 2049, np.uint16)]
    with dai.Device(p) as device:
        grid = dai.Buffer()
        grid.setData(xyz[None].view(np.int8))        # FP16 bytes, sent once, as gen2 hosts do
        device.getInputQueue("xyz").send(grid)
        qd, qo = device.getInputQueue("depth"), device.getOutputQueue("nn")
        for seq, depth in enumerate(depths):
            f = dai.ImgFrame()
            f.setType(T.RAW16).setWidth(w).setHeight(h)
            f.setFrame(depth)
            f.setSequenceNum(seq)
            qd.send(f)                                 # one at a time: nn.inputs keep only the newest (gen2)
            out = qo.get(timeout=TIMEOUT)
            assert out.getSequenceNum() == seq
            want = pytorch(module, xyz[None], depth[None, None])[0]
            got = out.getTensor("output").astype(np.float32)
            assert got.shape == (1, 3, h, w)
            np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-3)
    assert want[0, 2, 0, 0] == 2049                     # z is the depth itself


def test_fp16_preview_has_the_u8_previews_values(tmp_path):
    img = picture(48, 9)
    path = tmp_path / "still.png"
    cv2.imwrite(str(path), img)
    frames = {}
    for fp16 in (False, True):
        p = dai.Pipeline()
        cam = p.create(dai.node.ColorCamera)
        cam.setPreviewSize(32, 32)
        cam.setInterleaved(False)
        cam.setFp16(fp16)
        xlink_out(p, "preview", cam.preview)
        with dai.Device(p, cameras={"CAM_A": str(path)}, realtime=False) as device:
            frames[fp16] = device.getOutputQueue("preview").get(timeout=TIMEOUT)
    assert frames[True].getType() == T.BGRF16F16F16p and frames[False].getType() == T.BGR888p
    assert frames[True].getFrame().dtype == np.float16
    np.testing.assert_array_equal(frames[True].getFrame(), frames[False].getFrame().astype(np.float16))


# ------------------------------------------------------------------------------------------------
# The example programs, unchanged, under `oakling run --headless`
# ------------------------------------------------------------------------------------------------

# program -> (program args after the blob, windows it must record with their shapes, text it must print)
PROGRAMS = {
    "blur": ([], {"blur": (300, 300), "rgb": (300, 300)}, ""),
    "edge": ([], {"edge": (300, 300), "rgb": (300, 300)}, ""),
    "concat": ([], {"concat": (300, 900)}, ""),
    "diff": ([], {"diff": (300, 300), "rgb": (300, 300)}, ""),
    "normalize": ([], {"normalized": (300, 300)}, ""),
    "cos_dist": ([], {}, "pair 4: cosine similarity"),
    "pointcloud": (["--frames", "2"], {"top view": (400, 400)}, "frame 0: 256000 points, nearest 1.50 m"),
}


clip = clip_fixture(count=20)


@pytest.mark.parametrize("program", list(PROGRAMS))
def test_example_program_runs_headless(models, clip, program, tmp_path):
    args, windows, text = PROGRAMS[program]
    record = tmp_path / "record"
    result = oakling_run("--max-frames", "3", "--record", record, "--camera", f"CAM_A={clip}",
                         EXAMPLES / f"{program}.py", models[program][1], *args)
    assert text in result.stdout
    assert_recorded(record, windows)

