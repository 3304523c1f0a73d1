"""OpenCL C kernels on this machine's CPU, through PyOpenCL and PoCL — the SHAVE cores' stand-in.

One concept per module, each usable by any part of oakling that runs kernels (the OpenCLKernel
node, and custom layers inside models):

- `expressions.py`: the size-expression language of work sizes and scalars (`(I.X + 15) / 16`);
- `cache.py`: the on-disk cache of compiled programs, keyed by source, options and device;
- `build.py`: compiling for the CPU device, build errors in the user's file and line;
- `signature.py`: a kernel's arguments and the check of what is bound to them;
- `launch.py`: running a kernel over NumPy arrays without copying them;
- `bindings.py`: OpenVINO's VPU custom-layer binding XML (both forms), Where conditions;
- `vpu_prelude.py`: VPU kernel sources on the CPU — half as float with FP16 rounding, manual DMA;
- `custom_layer.py`: one model layer run by its binding's kernels, every stage, checked first.

Runs wherever kernels run: in the device process for nodes and models, and where models are
converted. Imports nothing else of oakling.
"""
