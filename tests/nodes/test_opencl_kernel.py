"""OpenCLKernel: bindings on the host, image filters on real photographs checked against OpenCV, errors
when the device starts, and the same through a real device process."""
from datetime import timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
import skimage.data

import oakling as dai
from oakling.kernels import build as kbuild
from oakling.runtime.runtime import PipelineBuildError
from oakling.testing import NodeHarness

KERNELS = Path(__file__).resolve().parents[2] / "examples" / "kernels"
T = dai.ImgFrame.Type


def bgr(name: str) -> np.ndarray:
    return cv2.cvtColor(getattr(skimage.data, name)(), cv2.COLOR_RGB2BGR)


def frame(image: np.ndarray, frame_type, seq: int = 0, ts: float | None = None) -> dai.ImgFrame:
    f = dai.ImgFrame().setCvFrame(image, frame_type)
    f.setSequenceNum(seq)
    if ts is not None:
        f.setTimestamp(timedelta(seconds=ts))
    return f


def box_blur(pipeline=None, frame_type=T.BGR888i):
    k = (pipeline or dai.Pipeline()).create(dai.node.OpenCLKernel)
    k.setKernelPath(KERNELS / "box_blur.cl")
    k.setEntry("box_blur")
    k.addInput("src")
    k.addOutput("dst", frame_type)
    k.addScalar("width", "I.X")
    k.addScalar("height", "I.Y")
    k.addScalar("channels", "I.F")
    k.setGlobalWorkSize("(I.X * I.F + 15) / 16", "(I.Y + 7) / 8")
    return k


def sobel():
    k = dai.Pipeline().create(dai.node.OpenCLKernel)
    k.setKernelPath(KERNELS / "sobel.cl")
    k.setEntry("sobel")
    k.addInput("gray")
    k.addOutputTensor("gradients", [2, "I.Y", "I.X"], dai.TensorInfo.DataType.FP32)
    k.addScalar("width", "I.X")
    k.addScalar("height", "I.Y")
    return k


def bgr_to_gray():
    k = dai.Pipeline().create(dai.node.OpenCLKernel)
    k.setKernelPath(KERNELS / "bgr_to_gray.cl")
    k.setEntry("bgr_to_gray")
    k.addInput("bgr")
    k.addOutput("gray", T.GRAY8)
    return k


def kernel_node(source: str, entry: str = "k", name: str = "k.cl"):
    k = dai.Pipeline().create(dai.node.OpenCLKernel)
    k.setKernelSource(source, name)
    k.setEntry(entry)
    return k


# ------------------------------------------------------------------------------------------------
# Image filters on photographs, against OpenCV
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("image, frame_type", [
    ("astronaut", T.BGR888i),   # 512x512
    ("coffee", T.BGR888i),      # 600 wide: a row of 1800 bytes ends in half a vector
    ("chelsea", T.BGR888i),     # 451x300: odd sizes
    ("camera", T.GRAY8),
])
def test_box_blur_is_cv2_blur(image, frame_type):
    picture = getattr(skimage.data, image)()
    picture = cv2.cvtColor(picture, cv2.COLOR_RGB2BGR) if picture.ndim == 3 else picture
    with NodeHarness(box_blur(frame_type=frame_type)) as h:
        h.push("src", frame(picture, frame_type))
        out = h.pull("dst", timeout=30)
    assert (out.getType(), out.getWidth(), out.getHeight()) == (frame_type, picture.shape[1], picture.shape[0])
    np.testing.assert_array_equal(out.getFrame(), cv2.blur(picture, (3, 3)))


@pytest.mark.parametrize("image", ["camera", "coins"])
def test_sobel_is_cv2_sobel(image):
    gray = getattr(skimage.data, image)()
    with NodeHarness(sobel()) as h:
        h.push("gray", frame(gray, T.GRAY8))
        out = h.pull("gradients", timeout=30)
    gradients = out.getTensor("gradients")
    assert gradients.shape == (2,) + gray.shape and gradients.dtype == np.float32
    np.testing.assert_array_equal(gradients[0], cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3))
    np.testing.assert_array_equal(gradients[1], cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3))


@pytest.mark.parametrize("image", ["coffee", "chelsea"])
def test_bgr_to_gray_is_cv2_cvtcolor(image):
    picture = bgr(image)
    with NodeHarness(bgr_to_gray()) as h:
        h.push("bgr", frame(picture, T.BGR888i))
        out = h.pull("gray", timeout=30)
    assert out.getType() == T.GRAY8
    np.testing.assert_array_equal(out.getFrame(), cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY))


# ------------------------------------------------------------------------------------------------
# Messages: sequence numbers, timestamps, several inputs, tensors
# ------------------------------------------------------------------------------------------------

def test_outputs_keep_the_inputs_sequence_numbers_timestamps_and_camera_settings():
    picture = bgr("astronaut")[:64, :96]
    with NodeHarness(bgr_to_gray()) as h:
        sent = []
        for seq in (5, 6, 9):
            f = frame(picture, T.BGR888i, seq=seq, ts=10 + seq / 30)
            f.setTimestampDevice(timedelta(seconds=seq))
            f.setInstanceNum(2)
            sent.append(f)
            h.push("bgr", f)
        got = [h.pull("gray", timeout=30) for _ in sent]
    assert [g.getSequenceNum() for g in got] == [5, 6, 9]
    assert [g.getTimestamp() for g in got] == [f.getTimestamp() for f in sent]
    assert [g.getTimestampDevice() for g in got] == [timedelta(seconds=s) for s in (5, 6, 9)]
    assert {g.getInstanceNum() for g in got} == {2}


ABS_DIFF = """__kernel void absdiff(__global const uchar *a, __global const uchar *b, __global uchar *out, int n) {
    int i = get_global_id(0);
    if (i < n)
        out[i] = abs_diff(a[i], b[i]);
}
"""


def test_two_inputs_one_reused_the_first_gives_the_time():
    k = kernel_node(ABS_DIFF, "absdiff", "absdiff.cl")
    k.addInput("a")
    k.addInput("b").setReusePreviousMessage(True)     # a background sent once
    k.addOutput("out", T.GRAY8)
    k.addScalar("n", "a.X * a.Y")
    k.setGlobalWorkSize("(I.X * I.Y + 63) / 64 * 64")
    gray = skimage.data.camera()
    background = np.full_like(gray, 100)
    with NodeHarness(k) as h:
        h.push("b", frame(background, T.GRAY8, seq=99))
        for seq in (1, 2):
            h.push("a", frame(gray, T.GRAY8, seq=seq))
        outs = [h.pull("out", timeout=30) for _ in range(2)]
    assert [o.getSequenceNum() for o in outs] == [1, 2]
    np.testing.assert_array_equal(outs[1].getFrame(), cv2.absdiff(gray, background))


SCALE = """__kernel void scale(__global const float *x, __global float *y, float a) {
    int i = get_global_id(0);
    y[i] = a * x[i];
}
"""


def test_tensors_in_tensors_out_with_a_float_scalar():
    k = kernel_node(SCALE, "scale")
    k.addInput("x")
    k.addOutputTensor("y", [1, "I.F", "I.Y", "I.X"], np.float32)
    k.addScalar("a", 0.5)
    k.setGlobalWorkSize("I.X * I.Y * I.F")
    x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(1, 2, 3, 4)
    msg = dai.NNData().addTensor("x", x)
    msg.setSequenceNum(3)
    with NodeHarness(k) as h:
        h.push("x", msg)
        out = h.pull("y", timeout=30)
    assert out.getSequenceNum() == 3 and out.getAllLayerNames() == ["y"]
    np.testing.assert_array_equal(out.getTensor("y"), x * 0.5)


def test_a_message_the_kernel_cannot_take_is_dropped_with_the_reason():
    with NodeHarness(bgr_to_gray()) as h:
        raw16 = dai.ImgFrame().setType(T.RAW16).setSize(8, 8)
        raw16.setFrame(np.zeros((8, 8), np.uint16))
        raw16.setSequenceNum(4)
        h.push("bgr", raw16)
        h.push("bgr", frame(bgr("astronaut")[:8, :8], T.BGR888i, seq=5))
        assert h.pull("gray", timeout=30).getSequenceNum() == 5
    errors = [m.payload for m in h.logs if m.level == dai.LogLevel.ERR]
    assert any("bgr_to_gray(): argument 0 'bgr' (`__global const uchar *bgr`) points to uchar, but input 'bgr' "
               "(8x8 RAW16) holds uint16 values (ushort in OpenCL C)" in e and "(message 4 dropped)" in e
               for e in errors), errors


def test_sizes_that_do_not_divide_into_work_groups_are_reported_per_message():
    k = bgr_to_gray()
    k.setLocalWorkSize(16, 16)
    with NodeHarness(k) as h:
        h.push("bgr", frame(bgr("chelsea"), T.BGR888i, seq=1))   # 451 wide
        h.push("bgr", frame(bgr("astronaut"), T.BGR888i, seq=2))  # 512 wide
        assert h.pull("gray", timeout=30).getSequenceNum() == 2
    assert any("global work size (451, 300), local (16, 16): 451 is not a multiple of 16; 300 is not a multiple "
               "of 16 — round the global size up to whole work groups (message 1 dropped)" in m.payload
               for m in h.logs), [m.payload for m in h.logs]


# ------------------------------------------------------------------------------------------------
# Errors when the device starts: the build, the entry, the bindings
# ------------------------------------------------------------------------------------------------

def test_a_kernel_that_does_not_build_names_its_file_and_line(tmp_path):
    path = tmp_path / "broken_blur.cl"
    path.write_text("__kernel void k(__global const uchar *src, __global uchar *dst) {\n"
                    "    int i = get_global_id(0);\n"
                    "    dst[i] = src[i] + offset;\n"
                    "}\n")
    k = dai.Pipeline().create(dai.node.OpenCLKernel)
    k.setKernelPath(path)
    k.setEntry("k")
    k.addInput("src")
    k.addOutput("dst", T.GRAY8)
    with pytest.raises(PipelineBuildError) as e:
        NodeHarness(k)
    assert str(e.value).startswith(f"OpenCLKernel(0): the kernel {path} does not build — {path}:3:23: error: use "
                                   f"of undeclared identifier 'offset'")


def test_an_entry_the_source_lacks_lists_the_kernels():
    k = kernel_node(SCALE, "scael", "scale.cl")
    k.addInput("x")
    k.addOutputTensor("y", ["I.X"])
    k.addScalar("a", 1.0)
    with pytest.raises(PipelineBuildError, match=r"OpenCLKernel\(0\)\.setEntry\('scael'\): scale.cl has no kernel "
                                                 r"'scael' — its kernels are scale"):
        NodeHarness(k)


@pytest.mark.parametrize("bind, message", [
    (lambda k: (k.addInput("x"), k.addOutputTensor("y", ["I.X"])),
     "OpenCLKernel(0): scale() takes 3 arguments (x, y, a), but 2 are bound (input 'x', output 'y') — bind "
     "argument 2 'a' (`float a`) too"),
    (lambda k: (k.addInput("x"), k.addScalar("y", 2), k.addOutputTensor("a", ["I.X"])),
     "OpenCLKernel(0): scale(): argument 1 'y' (`__global float *y`) is a buffer, but scalar 'y' is bound to it"),
    (lambda k: (k.addInput("x"), k.addOutput("y", T.GRAY8), k.addScalar("a", 2)),
     "OpenCLKernel(0): scale(): argument 1 'y' (`__global float *y`) points to float, but output 'y' holds uint8 "
     "values (uchar in OpenCL C) — declare it `uchar *` or bind data of float elements"),
])
def test_bindings_that_do_not_fit_the_kernel_are_refused_with_the_fix(bind, message):
    k = kernel_node(SCALE, "scale")
    bind(k)
    with pytest.raises(PipelineBuildError) as e:
        NodeHarness(k)
    assert str(e.value).startswith(message)


def test_the_second_start_loads_the_program_from_the_cache():
    source = SCALE + "// only this test builds this source\n"
    logs = []
    before = kbuild.COMPILES
    for _ in range(2):
        k = kernel_node(source, "scale", "scale.cl")
        k.addInput("x")
        k.addOutputTensor("y", ["I.X"])
        k.addScalar("a", 2.0)
        with NodeHarness(k) as h:
            pass
        logs.append([m.payload for m in h.logs if "scale.cl" in m.payload])
    assert kbuild.COMPILES == before + 1
    assert logs[0][0].startswith("scale.cl compiled in ")
    assert logs[1][0].startswith("scale.cl loaded from the kernel cache in ")


# ------------------------------------------------------------------------------------------------
# The host node: bindings, names, checks at pipeline build, schema
# ------------------------------------------------------------------------------------------------

def test_bindings_make_ports_in_order():
    k = box_blur()
    assert [a["kind"] for a in k.getArguments()] == ["input", "output", "scalar", "scalar", "scalar"]
    assert k.input is k.inputs["src"] and k.out is k.outputs["dst"]
    assert list(k.inputs) == ["src"] and list(k.outputs) == ["dst"]
    assert str(k.inputs["src"]) == "OpenCLKernel(0).inputs['src']"
    assert k.inputs["src"].getBlocking() and k.inputs["src"].getQueueSize() == 4
    assert k.inputs["src"].getWaitForMessage()


def test_ports_exist_only_by_binding():
    k = box_blur()
    with pytest.raises(KeyError, match=r"inputs\['other'\]: no such port \(bound: 'src'\) — bind one with "
                                       r"addInput\('other', \.\.\.\) first"):
        k.inputs["other"]
    k.addInput("second")
    with pytest.raises(AttributeError, match=r"OpenCLKernel\(0\)\.input: the kernel has 2 inputs"):
        k.input


@pytest.mark.parametrize("call, message", [
    (lambda k: k.addInput("src"), "'src' is already bound"),
    (lambda k: k.addInput("I1"), "I1 names the inputs' or outputs' sizes"),
    (lambda k: k.addInput("two words"), "a binding's name is a C-like identifier"),
    (lambda k: k.addScalar("w", "I.X +"), r"addScalar\('w'\): 'I.X \+': expected a number"),
    (lambda k: k.addOutput("o", T.BITSTREAM), "a kernel cannot write BITSTREAM frames"),
    (lambda k: k.addOutputTensor("t", [3], "FP64"), "expected a TensorInfo.DataType"),
    (lambda k: k.setGlobalWorkSize(1, 2, 3, 4), "expected 1 to 3 sizes"),
    (lambda k: k.setEntry("not a name"), "expected a kernel function's name"),
])
def test_setters_check_what_they_are_given(call, message):
    with pytest.raises(ValueError, match=message):
        call(box_blur())


@pytest.mark.parametrize("change, message", [
    (lambda k: k.addScalar("w", "I1.X"), r"scalar 'w' \('I1.X'\) uses I1.X, which is not bound"),
    (lambda k: k.addOutput("o", T.GRAY8, "O.X", 3),
     r"the size of output 'o' \('O.X'\) uses O.X, which is not bound — an output's size may depend on the "
     r"inputs' sizes only"),
    (lambda k: k.setLocalWorkSize(8), "the local work size has 1 dimensions and the global one 2"),
])
def test_expressions_are_checked_when_the_pipeline_is_built(change, message):
    k = box_blur()
    change(k)
    with pytest.raises(RuntimeError, match=message):
        k.getParentPipeline().serializeToJson()


@pytest.mark.parametrize("make, message", [
    (lambda p: p.create(dai.node.OpenCLKernel), r"no kernel — call setKernelSource\(source\)"),
    (lambda p: p.create(dai.node.OpenCLKernel).setKernelSource(SCALE), r"no entry — call setEntry"),
    (lambda p: kernel_node(SCALE), r"no input is bound — call addInput"),
])
def test_a_node_without_kernel_entry_or_ports_is_refused(make, message):
    p = dai.Pipeline()
    k = make(p)
    with pytest.raises(RuntimeError, match=message):
        (k.getParentPipeline() if k is not None else p).serializeToJson()


def test_it_serializes_like_any_node(tmp_path):
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    k = box_blur(p)
    k.setBuildOptions("-DROWS=8")
    k.setLocalWorkSize(4, 1)
    cam.preview.link(k.input)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("blurred")
    k.out.link(xout.input)
    doc = p.serializeToJson()
    [info] = [info for _, info in doc["pipeline"]["nodes"] if info["name"] == "OpenCLKernel"]
    props = info["properties"]
    assert props["entry"] == "box_blur" and props["kernelUri"] == "asset:__kernel"
    assert props["kernelName"] == str(KERNELS / "box_blur.cl") and props["buildOptions"] == "-DROWS=8"
    assert props["arguments"] == [
        {"kind": "input", "name": "src"},
        {"kind": "output", "name": "dst", "frameType": int(T.BGR888i), "width": "I.X", "height": "I.Y"},
        {"kind": "scalar", "name": "width", "value": "I.X"},
        {"kind": "scalar", "name": "height", "value": "I.Y"},
        {"kind": "scalar", "name": "channels", "value": "I.F"}]
    assert props["globalWorkSize"] == ["(I.X * I.F + 15) / 16", "(I.Y + 7) / 8"] and props["localWorkSize"] == ["4", "1"]
    assert [io[0] for io in info["ioInfo"]] == [["inputs", "src"], ["outputs", "dst"]]
    assert {"node1Id": cam.id, "node1Output": "preview", "node1OutputGroup": "", "node2Id": k.id, "node2Input": "src",
            "node2InputGroup": "inputs"} in doc["pipeline"]["connections"]
    asset = doc["assets"]["map"][f"/node/{k.id}/__kernel"]
    storage = bytes(doc["assetStorage"])
    assert storage[asset["offset"]:asset["offset"] + asset["size"]] == (KERNELS / "box_blur.cl").read_bytes()


def test_a_kernel_file_that_cannot_be_read_is_named(tmp_path):
    k = dai.Pipeline().create(dai.node.OpenCLKernel)
    with pytest.raises(RuntimeError, match=r"setKernelPath: cannot read '.*missing.cl' \(No such file"):
        k.setKernelPath(tmp_path / "missing.cl")


# ------------------------------------------------------------------------------------------------
# Through a real device process
# ------------------------------------------------------------------------------------------------

def device_pipeline(make_kernel):
    p = dai.Pipeline()
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("in")
    xin.setMaxDataSize(4 * 1024 * 1024)
    k = make_kernel(p)
    xin.out.link(k.input)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("out")
    k.out.link(xout.input)
    return p


def test_a_device_blurs_frames_and_keeps_their_numbers_and_times():
    picture = bgr("astronaut")
    with dai.Device(device_pipeline(box_blur)) as device:
        q_in, q_out = device.getInputQueue("in"), device.getOutputQueue("out")
        for seq in (10, 11, 12):
            q_in.send(frame(picture, T.BGR888i, seq=seq, ts=100 + seq))
        got = [q_out.get(timeout=30) for _ in range(3)]
    assert [g.getSequenceNum() for g in got] == [10, 11, 12]
    assert [g.getTimestamp() for g in got] == [timedelta(seconds=100 + s) for s in (10, 11, 12)]
    np.testing.assert_array_equal(got[-1].getCvFrame(), cv2.blur(picture, (3, 3)))


def test_device_start_reports_a_build_error_with_file_and_line(tmp_path):
    path = tmp_path / "blur.cl"
    path.write_text((KERNELS / "box_blur.cl").read_text().replace("int row_bytes = width * channels;",
                                                                   "int row_bytes = width * chanels;"))
    lineno = next(i for i, line in enumerate(path.read_text().splitlines(), 1) if "chanels" in line)

    def broken(p):
        k = box_blur(p)
        k.setKernelPath(path)
        return k

    with pytest.raises(RuntimeError) as e:
        dai.Device(device_pipeline(broken))
    text = str(e.value)
    assert "Could not start the pipeline: OpenCLKernel(1): the kernel" in text
    assert f"{path}:{lineno}:" in text and "use of undeclared identifier 'chanels'" in text


def test_device_start_refuses_a_binding_that_does_not_fit():
    def missing_scalar(p):
        k = p.create(dai.node.OpenCLKernel)
        k.setKernelPath(KERNELS / "box_blur.cl")
        k.setEntry("box_blur")
        k.addInput("src")
        k.addOutput("dst", T.BGR888i)
        k.addScalar("width", "I.X")
        return k

    with pytest.raises(RuntimeError, match=r"OpenCLKernel\(1\): box_blur\(\) takes 5 arguments \(src, dst, width, "
                                           r"height, channels\), but 3 are bound"):
        dai.Device(device_pipeline(missing_scalar))
