"""A layer run by the kernels of its binding: the example layers against NumPy, and every check that
refuses a binding before anything runs, with the layer, the argument and the fix in the message."""
from pathlib import Path

import numpy as np
import pytest

from oakling.kernels.bindings import Bindings, parse_text
from oakling.kernels.custom_layer import CustomLayerError, CustomLayerKernels, Layer, dims

pytest.importorskip("pyopencl")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "custom_layers"
F32 = np.float32


@pytest.fixture(scope="module")
def examples():
    return Bindings.read(EXAMPLES / "bindings.xml")


def layer(type_, attributes, *inputs, outputs=None):
    shapes = [(x.shape, x.dtype) for x in inputs]
    return Layer(f"{type_.lower()}_1", type_, attributes, shapes, outputs or [shapes[0]])


def run(bindings, type_, attributes, *inputs):
    lay = layer(type_, attributes, *inputs)
    kernels = CustomLayerKernels(bindings.select(type_, attributes), lay)
    out = np.full(lay.outputs[0][0], np.nan, F32)
    kernels.run(list(inputs), [out])
    return out


def fp16(x):
    return x.astype(np.float16).astype(F32)


def test_relu6_in_fp16_with_a_row_tail(examples):
    x = np.random.default_rng(1).normal(0, 5, (2, 3, 5, 21)).astype(F32)   # 21 = 2 x 8 + a tail of 5
    assert np.array_equal(run(examples, "MyReLU6", {"max": "6"}, x), np.clip(fp16(x), 0, 6))
    assert np.array_equal(run(examples, "MyReLU6", {"max": "2.5"}, x), np.clip(fp16(x), 0, 2.5))


def test_scale_shift_reads_weights_and_biases_channels_last(examples):
    rng = np.random.default_rng(2)
    x, scale, shift = rng.normal(size=(1, 4, 3, 5)).astype(F32), rng.normal(size=4).astype(F32), \
        rng.normal(size=4).astype(F32)
    out = run(examples, "MyScaleShift", {}, x, scale, shift)
    np.testing.assert_allclose(out, x * scale[:, None, None] + shift[:, None, None], rtol=1e-6, atol=1e-6)


def test_mvn_in_two_stages(examples):
    x = np.random.default_rng(3).normal(2, 3, (2, 3, 7, 9)).astype(F32)
    out = run(examples, "MyMVN", {"epsilon": "1e-5"}, x)
    mean, var = x.mean(axis=(2, 3), keepdims=True), x.var(axis=(2, 3), keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-5), atol=2e-5)


def test_grn_through_manual_dma_and_local_data(examples):
    x = np.random.default_rng(4).normal(0, 2, (1, 8, 6, 16)).astype(F32)
    out = run(examples, "GRN", {"bias": "1.0"}, x)
    h = fp16(x)
    expected = fp16(h / np.sqrt((h ** 2).sum(axis=1, keepdims=True) + 1.0))
    np.testing.assert_allclose(out, expected, atol=1e-3)   # the kernel's rsqrt may differ from NumPy's by an ulp


def test_dims_of_shapes():
    assert dims((2, 3, 4, 5)) == {"B": 2, "F": 3, "Y": 4, "X": 5}
    assert dims((3, 4, 5)) == {"B": 1, "F": 3, "Y": 4, "X": 5}
    assert dims((2, 3)) == {"B": 2, "F": 3, "Y": 1, "X": 1}
    assert dims((1, 2, 3, 4, 5)) == {"B": 1, "F": 2, "Y": 12, "X": 5}


KERNEL = """__kernel void scale(__global const float *src, __global float *dst, int n, float factor)
{
    const int i = get_global_id(0);
    if (i < n) dst[i] = src[i] * factor;
}
"""

XML = """<CustomLayer name="MyScale" type="MVCL" version="1">
    <Kernel entry="scale"><Source filename="scale.cl"/></Kernel>
    <Parameters>
        <Tensor arg-name="src" type="input" port-index="0"/>
        <Tensor arg-name="dst" type="output" port-index="0"/>
        <Scalar arg-name="n" type="int" source="I.X"/>
        <Scalar arg-name="factor" type="float" source="factor"/>
    </Parameters>
    <WorkSizes global="(X+7)/8*8" local="8"/>
</CustomLayer>"""


def make(xml=XML, kernel=KERNEL, attributes=None, shape=(1, 1, 1, 20), inputs=1):
    bindings = parse_text(xml, "b.xml", lambda name: {"scale.cl": kernel}[name])
    shapes = [(shape, np.dtype(F32))] * inputs
    return CustomLayerKernels(bindings.layers[0], Layer("s1", "MyScale", attributes or {"factor": "3"}, shapes,
                                                        [(shape, np.dtype(F32))]))


def test_a_layer_of_our_own_runs():
    x = np.arange(20, dtype=F32).reshape(1, 1, 1, 20)
    out = np.zeros_like(x)
    make().run([x], [out])
    assert np.array_equal(out, 3 * x)
    with pytest.raises(CustomLayerError, match=r"input 0 is \[1, 1, 1, 21\], the kernels were set up for "):
        make().run([np.zeros((1, 1, 1, 21), F32)], [out])


@pytest.mark.parametrize("change, message", [
    (('arg-name="dst"', 'arg-name="dts"'),
     "stage 0, scale(): <Tensor arg-name=\"dts\" type=\"output\"> (line 5) names no argument of the kernel — its "
     "arguments are src, dst, n, factor; fix arg-name"),
    (('<Scalar arg-name="factor" type="float" source="factor"/>', ''),
     "stage 0, scale(): argument 3 'factor' (`float factor`) has no binding — add <Scalar arg-name=\"factor\" "
     "type=\"float\" source=\"…\"/>"),
    (('<Scalar arg-name="n" type="int"', '<Scalar arg-name="n" type="float"'),
     "is bound to argument 2 'n' (`int n`), declared int, but the Scalar has type=\"float\" — write type=\"int\""),
    (('<Tensor arg-name="src" type="input" port-index="0"/>', '<Scalar arg-name="src" type="float" source="I.X"/>'),
     "is bound to argument 0 'src' (`__global const float *src`), a buffer — bind a <Tensor> or <Data> there"),
    (('<Scalar arg-name="n" type="int" source="I.X"/>', '<Tensor arg-name="n" type="input" port-index="0"/>'),
     "is bound to argument 2 'n' (`int n`), a value — bind a <Scalar> there"),
    (('type="input" port-index="0"', 'type="input" port-index="1"'),
     "has port-index=\"1\", a missing port: the layer has 1 input (port 0) — use one of them"),
    (('source="factor"', 'source="gain"'),
     "has source=\"gain\", which is neither an attribute of the layer (its attributes: factor=3) nor a size"),
    (('local="8"', 'local="5"'),
     "global size 24 ('(X+7)/8*8') is not a multiple of the local size 5 — round it up, "
     "e.g. global=\"(((X+7)/8*8)+4)/5*5\""),
    (('global="(X+7)/8*8"', 'global="X/Z"'), "<WorkSizes> (line 9) global: 'X/Z': Z is not known here"),
    (('entry="scale"', 'entry="scaled"'), "no kernel scaled() in scale.cl — its kernels are scale"),
])
def test_bindings_that_do_not_fit_the_kernel_are_refused(change, message):
    with pytest.raises(CustomLayerError) as e:
        make(XML.replace(*change))
    assert str(e.value).startswith("CustomLayer 'MyScale' (b.xml:1) for layer 's1' (MyScale): ")
    assert message in str(e.value)


def test_a_kernel_that_does_not_build_shows_its_file_line_and_the_compilers_message():
    with pytest.raises(CustomLayerError) as e:
        make(kernel=KERNEL.replace("src[i] * factor", "src[i] * facter"))
    assert "the kernel scale() does not build — scale.cl:4:34: error: use of undeclared identifier 'facter'" \
        in str(e.value)


def test_shave_builtins_are_refused_with_file_and_line():
    kernel = KERNEL.replace("src[i] * factor", "__builtin_shave_vau_mul_f32(src[i], factor)")
    with pytest.raises(CustomLayerError, match=r"scale.cl:4: __builtin_shave_vau_mul_f32 is a SHAVE instruction"):
        make(kernel=kernel)


LOCAL = """<CustomLayer name="MyScale" type="MVCL" version="1">
    <Kernel entry="tiles"><Source filename="scale.cl"/></Kernel>
    <Parameters>
        <Tensor arg-name="src" type="input" port-index="0"/>
        <Tensor arg-name="dst" type="output" port-index="0"/>
        <Data arg-name="tile" type="local_data" dim="input,0" size="X*F*2"/>
    </Parameters>
    <WorkSizes global="X" local="X"/>
</CustomLayer>"""
TILES = """#pragma OPENCL EXTENSION cl_khr_fp16 : enable
__kernel void tiles(__global const half *src, __global half *dst, __local half *tile) {
    tile[get_local_id(0)] = src[get_global_id(0)];
    barrier(CLK_LOCAL_MEM_FENCE);
    dst[get_global_id(0)] = tile[get_local_size(0) - 1 - get_local_id(0)];
}
"""


def test_local_memory_is_held_to_a_shaves_100_kb():
    x = np.arange(256, dtype=F32).reshape(1, 1, 1, 256)
    out = np.zeros_like(x)
    make(LOCAL, TILES, shape=x.shape).run([x], [out])
    assert np.array_equal(out, x[..., ::-1])
    with pytest.raises(CustomLayerError, match=r"a work group needs 110,000 bytes of local memory \(local_data "
                                               r"'tile' 110,000\), more than a SHAVE's 102,400 \(100 KB\)"):
        make(LOCAL.replace('size="X*F*2"', 'size="110000"'), TILES, shape=x.shape)


def test_an_input_buffer_needs_an_earlier_stage_to_write_it():
    xml = XML.replace('<Tensor arg-name="src" type="input" port-index="0"/>',
                      '<Tensor arg-name="src" type="input_buffer" port-index="3" dim="input,0" size="X*4"/>')
    with pytest.raises(CustomLayerError, match=r"input_buffer port-index=\"3\" \(line 4\) is written by no earlier "
                                               r"stage — bind <Tensor type=\"output_buffer\" port-index=\"3\">"):
        make(xml)


def nhwc(x):
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1))


# blocks of 8 and their tails; more than 64 pixels (a work item's run of blocks) in the last
@pytest.mark.parametrize("shape", [(2, 3, 5, 21), (1, 16, 8, 8), (1, 9, 3, 11), (2, 10, 9, 15)])
def test_channels_last_ports_are_moved_to_the_kernels_format_and_back(examples, shape):
    rng = np.random.default_rng(5)
    x = rng.normal(0, 5, shape).astype(F32)
    ports = {("input", 0), ("output", 0)}
    # BFYX kernel: NHWC -> NCHW and FP16 rounding in one pass, and back
    relu6 = CustomLayerKernels(examples.select("MyReLU6", {"max": "6"}), layer("MyReLU6", {"max": "6"}, x))
    out = np.full(nhwc(x).shape, np.nan, F32)
    relu6.run([nhwc(x)], [out], ports)
    assert np.array_equal(out, nhwc(np.clip(fp16(x), 0, 6)))
    planar = np.full(x.shape, np.nan, F32)                  # an NHWC input, an NCHW output
    relu6.run([nhwc(x)], [planar], {("input", 0)})
    assert np.array_equal(planar, np.clip(fp16(x), 0, 6))
    # BYXF kernel: NHWC tensors are what it reads and writes
    scale, shift = rng.normal(size=shape[1]).astype(F32), rng.normal(size=shape[1]).astype(F32)
    lay = layer("MyScaleShift", {}, x, scale, shift)
    kernels = CustomLayerKernels(examples.select("MyScaleShift", {}), lay)
    expected = x * scale[:, None, None] + shift[:, None, None]
    kernels.run([nhwc(x), scale, shift], [out], ports)
    np.testing.assert_allclose(out, nhwc(expected), rtol=1e-6, atol=1e-6)
    kernels.run([nhwc(x), scale, shift], [planar], {("input", 0)})
    np.testing.assert_allclose(planar, expected, rtol=1e-6, atol=1e-6)


def test_channels_last_ports_of_other_types_go_through_numpy(examples):
    x = np.random.default_rng(6).normal(0, 5, (1, 3, 4, 9)).astype(F32)
    relu6 = CustomLayerKernels(examples.select("MyReLU6", {"max": "6"}),
                               Layer("r", "MyReLU6", {"max": "6"}, [(x.shape, np.float16)], [(x.shape, np.float16)]))
    out = np.zeros(nhwc(x).shape, np.float16)
    relu6.run([nhwc(x).astype(np.float16)], [out], {("input", 0), ("output", 0)})
    assert np.array_equal(out, nhwc(np.clip(x.astype(np.float16), 0, 6)))
    with pytest.raises(CustomLayerError, match=r"input 0 is \[1, 3, 4, 9\], the kernels were set up for "
                                               r"\[1, 4, 9, 3\]"):
        relu6.run([x.astype(np.float16)], [out], {("input", 0)})
