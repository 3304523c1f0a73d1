"""A kernel's signature as PoCL reports it, and the check of what is bound to each argument."""
import numpy as np
import pytest

from oakling.kernels.build import build
from oakling.kernels.signature import BindingError, Bound, KernelArg, check, element_problem, signature

SOURCE = """__kernel void k(__global const uchar *src, __global float4 *dst, int n, float s,
                   __constant short *table, __local float *scratch, unsigned int u) {}
"""


@pytest.fixture(scope="module")
def args():
    return signature(build(SOURCE, name="k.cl", cache=False).kernel("k"))


def test_the_signature_has_names_types_address_spaces_and_const(args):
    assert [(a.name, a.type_name, a.address, a.const) for a in args] == [
        ("src", "uchar*", "global", True), ("dst", "float4*", "global", False), ("n", "int", "private", False),
        ("s", "float", "private", False), ("table", "short*", "constant", True),
        ("scratch", "float*", "local", False), ("u", "uint", "private", False)]
    assert [a.base for a in args] == ["uchar", "float", "int", "float", "short", "float", "uint"]
    assert args[1].dtype == np.float32 and args[1].pointer and not args[2].pointer
    assert args[0].declaration() == "__global const uchar *src"
    assert args[2].declaration() == "int n"


def test_unsigned_spellings_and_opaque_types():
    assert KernelArg(0, "a", "unsigned char*", "global").base == "uchar"
    assert KernelArg(0, "im", "image2d_t", "global").dtype is None


def blur_args():
    return [KernelArg(0, "src", "uchar*", "global", True), KernelArg(1, "dst", "uchar*", "global"),
            KernelArg(2, "width", "int", "private")]


def test_bindings_that_fit_pass():
    check("blur", blur_args(), [Bound("input", "src"), Bound("output", "dst", np.dtype(np.uint8)),
                                Bound("scalar", "width")])


@pytest.mark.parametrize("bound, message", [
    ([Bound("input", "src"), Bound("output", "dst")],
     "blur() takes 3 arguments (src, dst, width), but 2 are bound (input 'src', output 'dst') — bind argument 2 "
     "'width' (`int width`) too"),
    ([Bound("input", "src"), Bound("output", "dst"), Bound("scalar", "width"), Bound("scalar", "height")],
     "blur() takes 3 arguments (src, dst, width), but 4 are bound (input 'src', output 'dst', scalar 'width', "
     "scalar 'height') — remove the binding of 'height'"),
    ([Bound("input", "src"), Bound("scalar", "dst"), Bound("scalar", "width")],
     "blur(): argument 1 'dst' (`__global uchar *dst`) is a buffer, but scalar 'dst' is bound to it — bind an "
     "input or an output there"),
    ([Bound("input", "src"), Bound("output", "dst"), Bound("input", "width")],
     "blur(): argument 2 'width' (`int width`) is a value, but input 'width' is a buffer — bind a scalar there "
     "(addScalar) or make the argument a pointer such as `__global const uchar *width`"),
    ([Bound("output", "src", np.dtype(np.uint8)), Bound("output", "dst"), Bound("scalar", "width")],
     "blur(): argument 0 'src' (`__global const uchar *src`) has output 'src' bound to it, but the kernel cannot "
     "write to it (it is `const`) — declare it `__global uchar *src`"),
    ([Bound("input", "src"), Bound("output", "dst", np.dtype(np.float32)), Bound("scalar", "width")],
     "blur(): argument 1 'dst' (`__global uchar *dst`) points to uchar, but output 'dst' holds float32 values "
     "(float in OpenCL C) — declare it `float *` or bind data of uchar elements"),
    ([Bound("input", "src"), Bound("output", "dst"), Bound("scalar", "width", np.dtype(np.float64))],
     "blur(): argument 2 'width' (`int width`) has scalar 'width' bound to it, a float value, but the argument is "
     "an integer"),
])
def test_each_misfit_names_the_argument_and_the_fix(bound, message):
    with pytest.raises(BindingError) as e:
        check("blur", blur_args(), bound)
    assert message in str(e.value)


def test_an_input_the_kernel_could_write_is_refused():
    args = [KernelArg(0, "src", "uchar*", "global"), KernelArg(1, "dst", "uchar*", "global")]
    with pytest.raises(BindingError, match=r"which the kernel could write to — declare it `__global const uchar "
                                           r"\*src` \(inputs are read in place\)"):
        check("k", args, [Bound("input", "src"), Bound("output", "dst")])


def test_constant_inputs_and_local_buffers(args):
    check("k", args[4:5], [Bound("input", "table")])
    with pytest.raises(BindingError, match="`__local` memory, which only the kernel can fill"):
        check("k", args[5:6], [Bound("output", "scratch")])
    with pytest.raises(BindingError, match="`__constant`"):
        check("k", args[4:5], [Bound("output", "table")])


@pytest.mark.parametrize("type_name, dtype, fits", [
    ("uchar*", np.uint8, True), ("char*", np.uint8, True), ("uchar16*", np.uint8, True),
    ("half*", np.float16, True), ("ushort*", np.float16, False), ("float*", np.int32, False),
    ("int*", np.uint32, True), ("float4*", np.float32, True), ("uchar*", np.uint16, False),
])
def test_element_types(type_name, dtype, fits):
    problem = element_problem(KernelArg(0, "p", type_name, "global"), dtype, "input 'p'")
    assert (problem is None) == fits
