"""Running a kernel once over NumPy arrays, on the CPU device, without copying them where it can.

    launcher = Launcher(program.kernel("box_blur"))
    launcher.run([src_array, dst_array, np.int32(w), np.int32(h)], outputs={1}, global_size=(w, h))

Arguments go in the kernel's order: arrays for buffers, NumPy scalars for values. On PoCL's CPU
device a buffer made over a host array (CL_MEM_USE_HOST_PTR) is that array's memory, so the
kernel reads a message's bytes where they are and writes straight into the output message's
array. Inputs are read in place even when read-only (a frame in shared memory that another
process published): the binding check (signature.py) has made sure the kernel declares them
`const`. Outputs are mapped once the kernel has run, which is how OpenCL makes host memory hold
what the device wrote.
"""
from __future__ import annotations

import numpy as np

from .build import cpu


class Launcher:
    """Runs one kernel, one launch at a time, on a command queue of its own."""

    def __init__(self, kernel):
        dev = cpu()
        self._cl, self._context = dev.cl, dev.context
        self._queue = dev.cl.CommandQueue(dev.context)
        self.kernel = kernel

    def run(self, args: list, outputs: set[int], global_size, local_size=None):
        """Run the kernel with `args` (arrays at the indices in `outputs` are written) over
        `global_size` work items in work groups of `local_size` (None: the device chooses)."""
        cl = self._cl
        mf = cl.mem_flags
        buffers = []
        values = []
        for i, arg in enumerate(args):
            if not isinstance(arg, np.ndarray) or arg.ndim == 0:
                values.append(arg)
                continue
            if arg.size == 0:
                raise ValueError(f"argument {i} is an empty buffer")
            if i in outputs:
                if not (arg.flags.c_contiguous and arg.flags.writeable):
                    raise ValueError(f"argument {i}: an output must be a writable, contiguous array")
                buf = cl.Buffer(self._context, mf.WRITE_ONLY | mf.USE_HOST_PTR, hostbuf=arg)
            elif arg.flags.c_contiguous:
                buf = cl.Buffer(self._context, mf.READ_ONLY | mf.USE_HOST_PTR, hostbuf=arg)
            else:
                buf = cl.Buffer(self._context, mf.READ_ONLY | mf.COPY_HOST_PTR, hostbuf=np.ascontiguousarray(arg))
            buffers.append((i, buf, arg))
            values.append(buf)
        try:
            self.kernel.set_args(*values)
            cl.enqueue_nd_range_kernel(self._queue, self.kernel, tuple(global_size),
                                       tuple(local_size) if local_size else None)
            for i, buf, arg in buffers:
                if i in outputs:
                    mapped, _ = cl.enqueue_map_buffer(self._queue, buf, cl.map_flags.READ, 0, arg.shape, arg.dtype,
                                                      is_blocking=False)
                    mapped.base.release(self._queue)
            self._queue.finish()
        finally:
            for _, buf, _ in buffers:
                buf.release()
