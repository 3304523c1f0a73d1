// GRN (global response normalisation): y = x / sqrt(sum over channels of x^2 + bias), per pixel.
// Manual DMA, as on a SHAVE: __dma_preload_grn copies a work group's rows of every channel from
// global memory into local memory, grn computes there, __dma_postwrite_grn copies the result out.
// A work group is one row segment of `get_local_size(0)` pixels.
#pragma OPENCL EXTENSION cl_khr_fp16 : enable

__kernel void __dma_preload_grn(__global const half* restrict src,
                                __global       half* restrict dst,
                                __local        half* restrict local_src,
                                __local        half* restrict local_dst,
                                int   channels,
                                float bias)
{
    const size_t plane = get_global_size(0) * get_global_size(1);
    WorkGroupDmaCreate3DTransaction(
        src + get_group_id(0) * get_local_size(0) + get_group_id(1) * get_global_size(0),
        local_src,
        get_local_size(0) * sizeof(half),      // a line: the group's pixels of one row
        get_local_size(0) * sizeof(half),
        get_global_size(0) * sizeof(half),     // (one line per plane)
        get_local_size(0) * sizeof(half),
        channels,                              // one plane per channel
        plane * sizeof(half),
        get_local_size(0) * sizeof(half),
        get_local_size(0) * sizeof(half),
        0);
}

__kernel void __dma_postwrite_grn(__global const half* restrict src,
                                  __global       half* restrict dst,
                                  __local  const half* restrict local_src,
                                  __local        half* restrict local_dst,
                                  int   channels,
                                  float bias)
{
    const size_t plane = get_global_size(0) * get_global_size(1);
    WorkGroupDmaCreate3DTransaction(
        local_dst,
        dst + get_group_id(0) * get_local_size(0) + get_group_id(1) * get_global_size(0),
        get_local_size(0) * sizeof(half),
        get_local_size(0) * sizeof(half),
        get_local_size(0) * sizeof(half),
        get_global_size(0) * sizeof(half),
        channels,
        get_local_size(0) * sizeof(half),
        plane * sizeof(half),
        get_local_size(0) * sizeof(half),
        0);
}

__kernel void grn(__global const half* restrict src,
                  __global       half* restrict dst,
                  __local        half* restrict local_src,
                  __local        half* restrict local_dst,
                  int   channels,
                  float bias)
{
    const int x = get_local_id(0);
    const int n = get_local_size(0);
    float sum = bias;
    for (int c = 0; c < channels; c++) {
        const float v = local_src[c * n + x];
        sum += v * v;
    }
    const half scale = (half)rsqrt(sum);
    for (int c = 0; c < channels; c++)
        local_dst[c * n + x] = local_src[c * n + x] * scale;
}
