"""Launching a kernel over NumPy arrays: inputs read in place (read-only ones too), outputs written."""
import numpy as np
import pytest

from oakling.kernels.build import build
from oakling.kernels.launch import Launcher

SOURCE = """__kernel void axpy(__global const float *x, __global const float *y, __global float *out, float a) {
    int i = get_global_id(0);
    out[i] = a * x[i] + y[i];
}
"""


@pytest.fixture(scope="module")
def launcher():
    return Launcher(build(SOURCE, name="axpy.cl", cache=False).kernel("axpy"))


def test_outputs_hold_what_the_kernel_wrote(launcher):
    x, y = np.arange(64, dtype=np.float32), np.full(64, 0.5, np.float32)
    out = np.zeros(64, np.float32)
    launcher.run([x, y, out, np.float32(3)], {2}, (64,))
    np.testing.assert_array_equal(out, 3 * x + 0.5)


def test_read_only_and_strided_inputs(launcher):
    x = np.arange(128, dtype=np.float32)
    x.flags.writeable = False            # as a frame in another process's shared memory
    y = np.ones(128, np.float32)[::2]    # not contiguous: copied in
    out = np.empty(64, np.float32)
    launcher.run([x[:64], y, out, np.float32(2)], {2}, (64,), (16,))
    np.testing.assert_array_equal(out, 2 * np.arange(64) + 1)


def test_an_output_must_be_writable(launcher):
    out = np.zeros(4, np.float32)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="argument 2: an output must be a writable, contiguous array"):
        launcher.run([np.zeros(4, np.float32), np.zeros(4, np.float32), out, np.float32(1)], {2}, (4,))
