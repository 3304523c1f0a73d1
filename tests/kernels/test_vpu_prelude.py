"""VPU kernel sources on PoCL's CPU device: half mapped onto float with FP16 rounding, the manual-DMA
functions and copies, and SHAVE builtins found for refusal — each built and run for real."""
import numpy as np
import pytest

from oakling.kernels.build import KernelBuildError, build
from oakling.kernels.launch import Launcher
from oakling.kernels.vpu_prelude import (DMA_PREFIX, half_rounding, kernel_parameters, prepare, shave_builtins,
                                         uses_half)

pytest.importorskip("pyopencl")

HALF_KERNEL = """#pragma OPENCL EXTENSION cl_khr_fp16 : enable
__kernel void third(__global const half *src, __global half *dst, __global half *rounded)
{
    const int i = get_global_id(0);
    half4 four = (half4)(src[i]);             /* a (half) cast rounds to FP16 */
    dst[i] = four.s2 / (half)3.0f;            /* arithmetic in float here */
    vstore_half(src[i] / 3.0f, i, rounded);   // rounded to FP16
}
"""


def run(prepared, args, outputs, global_size, local_size=None, name="k.cl"):
    program = build(prepared.text, name=name, cache=False)
    Launcher(program.kernel(prepared.launch_entry)).run(args, outputs, global_size, local_size)


def test_half_kernels_do_not_build_here_without_the_prelude():
    with pytest.raises(KernelBuildError, match="half"):
        build(HALF_KERNEL, name="third.cl", cache=False)


def test_half_is_float_and_vstore_half_rounds_to_fp16():
    prepared = prepare([("third.cl", HALF_KERNEL)], "third")
    assert prepared.half and prepared.half_args == {"src", "dst", "rounded"}
    assert prepared.declared_size("src") == 2    # as the VPU stores it
    x = np.linspace(-100, 100, 64).astype(np.float32)
    dst, rounded = np.zeros_like(x), np.zeros_like(x)
    run(prepared, [x, dst, rounded], {1, 2}, (64,))
    fp16 = x.astype(np.float16).astype(np.float32)
    np.testing.assert_allclose(dst, fp16 / np.float32(3.0), rtol=1e-6)
    assert not np.array_equal(fp16, x)
    assert np.array_equal(rounded, (x / np.float32(3.0)).astype(np.float16).astype(np.float32))
    assert not np.array_equal(dst, rounded)


def test_convert_half_of_vectors_rounds_each_lane():
    source = """__kernel void k(__global const float *x, __global half *y) {
        int i = get_global_id(0);
        vstore4(convert_half4_rte(vload4(i, x)), i, y);
    }"""
    x = np.random.default_rng(0).normal(0, 1000, 32).astype(np.float32)
    y = np.zeros_like(x)
    run(prepare([("k.cl", source)], "k"), [x, y], {1}, (8,))
    assert np.array_equal(y, x.astype(np.float16).astype(np.float32))


CASTS = """#define THIRD(v) (half)((v) / 3.0f)
__constant half K = (half)0.1f;           /* file scope: a constant takes no function call */
__kernel void casts(__global const float *x, __global half *y)
{
    int i = get_global_id(0);
    float f = x[i];
    half8 v = (half8)(f, f / 3.0f, -f, f * f, 1.0f, f + 0.1f, (half)f * 3.0f, (float)(half)(f / 7.0f));
    vstore8(v, i, y);                     /* a plain store: only the casts round */
    y[8 * get_global_size(0) + i] = THIRD(f) + (sizeof(half) == 4 ? 0.0f : 1.0f) + (K - K);
    float2 w = (float2)(f, f / 9.0f);
    y[9 * get_global_size(0) + i] = ((half4)(f / 5.0f)).s2;   /* a scalar spread */
    y[10 * get_global_size(0) + i] = ((half2)w).s1;           /* a vector of the size */
}
"""


def test_half_casts_round_to_fp16_as_the_vpus_do():
    prepared = prepare([("casts.cl", CASTS)], "casts")
    x = np.random.default_rng(1).normal(0, 50, 16).astype(np.float32)
    y = np.zeros(11 * 16, np.float32)
    run(prepared, [x, y], {1}, (16,))
    h = lambda a: np.asarray(a, np.float32).astype(np.float16).astype(np.float32)
    third = np.float32(1) / np.float32(3)
    expected = np.stack([h(x), h(x / np.float32(3)), h(-x), h(x * x), h(np.ones_like(x)), h(x + np.float32(0.1)),
                         h(h(x) * np.float32(3)), h(h(x / np.float32(7)))], axis=1)
    assert np.array_equal(y[:128].reshape(16, 8), expected)
    assert np.array_equal(y[128:144], h(x / np.float32(3)))
    assert np.array_equal(y[144:160], h(x / np.float32(5))) and np.array_equal(y[160:], h(x / np.float32(9)))
    assert third != h(third)                                       # the values do change when rounded


ROUNDING_KERNELS = """
#define I get_global_id(0)
__kernel void r1(__global const float *x, __global float *y) { y[I] = __oakling_to_half(x[I]); }
__kernel void r3(__global const float *x, __global float *y) { vstore3(__oakling_to_half3(vload3(I, x)), I, y); }
__kernel void r8(__global const float *x, __global float *y) { vstore8(__oakling_to_half8(vload8(I, x)), I, y); }
"""


@pytest.mark.parametrize("float16", [False, True])
def test_fp16_rounding_is_numpys_bit_for_bit(float16):
    from oakling.kernels.build import has_float16
    if float16 and not has_float16():
        pytest.skip("this compiler has no _Float16")
    rng = np.random.default_rng(3)
    edges = np.array([0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x477fe000, 0x477fefff, 0x477ff000,
                      0x477ff001, 0x38800000, 0x387fffff, 0x33800000, 0x33000000, 0x33000001, 0x32ffffff, 1,
                      0x3f801000, 0x3f803000, 0x3f800fff, 0x3f802000], np.uint32)   # ties go to even
    x = np.concatenate([rng.integers(0, 2 ** 32, 1 << 18, dtype=np.uint64).astype(np.uint32).view(np.float32),
                        edges.view(np.float32), rng.normal(0, 1e-5, 4092).astype(np.float32)])
    assert len(x) % 24 == 0                                   # whole vectors of 3 and of 8
    with np.errstate(all="ignore"):
        expected = x.astype(np.float16).astype(np.float32)
    program = build(half_rounding(float16) + ROUNDING_KERNELS, name="rounding.cl", cache=False)
    for name, items in (("r1", len(x)), ("r3", len(x) // 3), ("r8", len(x) // 8)):
        y = np.zeros_like(x)
        Launcher(program.kernel(name)).run([x, y], {1}, (items,))
        same = (y.view(np.uint32) == expected.view(np.uint32)) | (np.isnan(y) & np.isnan(expected))
        assert same.all(), (name, x[~same][:4], y[~same][:4], expected[~same][:4])


def test_errors_name_the_users_file_and_line_behind_the_prelude():
    broken = HALF_KERNEL.replace("dst[i] = four.s2", "dst[i] = fuor.s2")
    with pytest.raises(KernelBuildError) as e:
        build(prepare([("third.cl", broken)], "third").text, name="third.cl", cache=False)
    assert (e.value.file, e.value.line) == ("third.cl", 6)


DMA_KERNEL = """#pragma OPENCL EXTENSION cl_khr_fp16 : enable
// each work group doubles its slice: rows of `width` from a `stride`-wide image, through local memory
__kernel void __dma_preload_twice(__global const half *src, __global half *dst,
                                  __local half *in, __local half *out, int stride)
{
    WorkGroupDmaCreateStrideTransaction(src + get_group_id(1) * stride + get_group_id(0) * get_local_size(0),
        in, get_local_size(0) * sizeof(half), get_local_size(0) * sizeof(half),
        stride * sizeof(half), get_local_size(0) * sizeof(half), get_local_size(0) * sizeof(half), 0);
}
__kernel void __dma_postwrite_twice(__global const half *src, __global half *dst,
                                    __local const half *in, __local half *out, int stride)
{
    WorkGroupDmaCreateStrideTransaction(out, dst + get_group_id(1) * stride + get_group_id(0) * get_local_size(0),
        get_local_size(0) * sizeof(half), get_local_size(0) * sizeof(half),
        get_local_size(0) * sizeof(half), stride * sizeof(half), get_local_size(0) * sizeof(half), 0);
}
__kernel __attribute__((reqd_work_group_size(8, 1, 1)))
void twice(__global const half *src, __global half *dst, __local half *in, __local half *out, int stride)
{
    out[get_local_id(0)] = in[get_local_id(0)] * 2;
}
"""


def test_dma_preload_and_postwrite_run_around_each_work_group():
    import pyopencl as cl
    prepared = prepare([("twice.cl", DMA_KERNEL)], "twice")
    assert prepared.dma == ("preload", "postwrite") and prepared.launch_entry == DMA_PREFIX + "twice"
    x = np.arange(6 * 16, dtype=np.float32).reshape(6, 16)
    y = np.zeros_like(x)
    run(prepared, [x, y, cl.LocalMemory(32), cl.LocalMemory(32), np.int32(16)], {1}, (16, 6), (8, 1))
    assert np.array_equal(y, 2 * x)


def test_a_mistake_in_a_dma_kernel_is_reported_at_its_own_line():
    broken = DMA_KERNEL.replace("in[get_local_id(0)] * 2", "in[get_local_id(0)] * two")
    with pytest.raises(KernelBuildError) as e:
        build(prepare([("twice.cl", broken)], "twice").text, name="twice.cl", cache=False)
    assert (e.value.file, e.value.line) == ("twice.cl", 20)


LOCALS_KERNEL = DMA_KERNEL.replace("""{
    out[get_local_id(0)] = in[get_local_id(0)] * 2;
}""", """{
    __local half mirror[8], grid[2][8];   /* local variables in the entry itself, as a VPU kernel may have */
    __local int count;
    const int i = get_local_id(0);
    if (i == 0)
        count = sizeof(grid) / sizeof(grid[0][0]);
    mirror[7 - i] = in[i];
    grid[1][i] = in[i] * 2;
    barrier(CLK_LOCAL_MEM_FENCE);
    out[i] = mirror[i] + grid[1][i] + count;
}""")


def test_a_dma_entry_may_declare_local_variables():
    import pyopencl as cl
    prepared = prepare([("locals.cl", LOCALS_KERNEL)], "twice")
    x = np.arange(6 * 16, dtype=np.float32).reshape(6, 16)
    y = np.zeros_like(x)
    run(prepared, [x, y, cl.LocalMemory(32), cl.LocalMemory(32), np.int32(16)], {1}, (16, 6), (8, 1))
    blocks = x.reshape(6, 2, 8)
    assert np.array_equal(y, (blocks[:, :, ::-1] + 2 * blocks + 16).reshape(6, 16))
    broken = LOCALS_KERNEL.replace("out[i] = mirror[i]", "out[i] = mirorr[i]")
    with pytest.raises(KernelBuildError) as e:                # lines still the file's own
        build(prepare([("locals.cl", broken)], "twice").text, name="locals.cl", cache=False)
    assert (e.value.file, e.value.line) == ("locals.cl", broken[:broken.index("mirorr")].count("\n") + 1)
    after = LOCALS_KERNEL + "\nint later(void) { return undeclared; }\n"   # after the entry, too
    with pytest.raises(KernelBuildError) as e:
        build(prepare([("locals.cl", after)], "twice").text, name="locals.cl", cache=False)
    assert (e.value.file, e.value.line) == ("locals.cl", after.count("\n"))


def test_work_item_and_3d_copies():
    import pyopencl as cl
    source = """__kernel void k(__global const float *src, __global float *dst, __local float *tile) {
        float row[4];
        WorkItemDmaCreateTransaction(src + 4 * get_global_id(0), row, 4 * sizeof(float), 0);
        for (int i = 0; i < 4; i++) row[i] += 1.0f;
        WorkItemDmaCreateTransaction(row, dst + 4 * get_global_id(0), 4 * sizeof(float), 0);
    }
    __kernel void planes(__global const float *src, __global float *dst, __local float *tile) {
        /* the 2x2 top-left corner of 3 planes of 4x4, gathered and written back transposed in planes */
        WorkGroupDmaCreate3DTransaction(src, tile, 2 * sizeof(float), 2 * sizeof(float), 4 * sizeof(float),
                                        2 * sizeof(float), 3, 16 * sizeof(float), 4 * sizeof(float),
                                        4 * sizeof(float), 0);
        WorkGroupDmaWaitAll();
        event_t e = async_work_group_copy_2D2D(dst, 0, tile, 0, sizeof(float), 4, 3, 4, 4, 0);
        wait_group_events(1, &e);
    }"""
    x = np.arange(32, dtype=np.float32)
    y = np.zeros_like(x)
    run(prepare([("k.cl", source)], "k"), [x, y, cl.LocalMemory(64)], {1}, (8,))
    assert np.array_equal(y, x + 1)
    cube = np.arange(48, dtype=np.float32)
    out = np.zeros(12, np.float32)
    run(prepare([("k.cl", source)], "planes"), [cube, out, cl.LocalMemory(48)], {1}, (4,), (4,))
    assert np.array_equal(out, cube.reshape(3, 4, 4)[:, :2, :2].reshape(-1))


def test_shave_builtins_are_found_in_code_not_in_comments():
    source = "// __builtin_shave_sau_sumx_f16_r is fast\nfloat f(half8 v) {\n  return __builtin_shave_sau_sumx_f16_r(v);\n}\n"
    assert shave_builtins(source, "corr.cl") == [("__builtin_shave_sau_sumx_f16_r", "corr.cl", 3)]
    assert uses_half(source) and not uses_half("/* half */ float x;")


def test_kernel_parameters_as_declared():
    params = kernel_parameters(DMA_KERNEL, "twice")
    assert [(p.name, p.base, p.pointer) for p in params] == [
        ("src", "half", True), ("dst", "half", True), ("in", "half", True), ("out", "half", True),
        ("stride", "int", False)]
    assert kernel_parameters(DMA_KERNEL, "thrice") is None
