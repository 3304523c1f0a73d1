// MySoftmax: a softmax over the channels of each pixel, y = exp(x - max) / sum of exp(x - max).
// A work group is one row of one batch item: __dma_preload_softmax copies the row of every channel
// into local memory, softmax computes there, __dma_postwrite_softmax copies the result out.
// Each work item takes 8 pixels of the row (half8 vectors); the row's tail, pixel by pixel.
#pragma OPENCL EXTENSION cl_khr_fp16 : enable

__kernel void __dma_preload_softmax(__global const half* restrict src,
                                    __global       half* restrict dst,
                                    __local        half* restrict local_src,
                                    __local        half* restrict local_dst,
                                    int channels,
                                    int height,
                                    int width)
{
    const int row = get_group_id(1);                  // item row / height of the batch, its row row % height
    const int first = ((row / height) * channels * height + row % height) * width;
    WorkGroupDmaCreateStrideTransaction(
        src + first,
        local_src,
        width * sizeof(half),                          // a line: the row of one channel
        width * sizeof(half),
        height * width * sizeof(half),                 // from one channel's plane to the next
        width * sizeof(half),                          // packed in local memory
        channels * width * sizeof(half),
        0);
}

__kernel void __dma_postwrite_softmax(__global const half* restrict src,
                                      __global       half* restrict dst,
                                      __local  const half* restrict local_src,
                                      __local        half* restrict local_dst,
                                      int channels,
                                      int height,
                                      int width)
{
    const int row = get_group_id(1);
    const int first = ((row / height) * channels * height + row % height) * width;
    WorkGroupDmaCreateStrideTransaction(
        local_dst,
        dst + first,
        width * sizeof(half),
        width * sizeof(half),
        width * sizeof(half),
        height * width * sizeof(half),
        channels * width * sizeof(half),
        0);
}

__kernel void softmax(__global const half* restrict src,
                      __global       half* restrict dst,
                      __local        half* restrict local_src,
                      __local        half* restrict local_dst,
                      int channels,
                      int height,
                      int width)
{
    const int x = get_local_id(0) * 8;

    if (x + 8 <= width) {
        float8 top = convert_float8(vload8(0, local_src + x));
        for (int c = 1; c < channels; c++)
            top = fmax(top, convert_float8(vload8(0, local_src + c * width + x)));
        float8 sum = 0.0f;
        for (int c = 0; c < channels; c++)
            sum += exp(convert_float8(vload8(0, local_src + c * width + x)) - top);
        const float8 scale = 1.0f / sum;
        for (int c = 0; c < channels; c++) {
            const float8 e = exp(convert_float8(vload8(0, local_src + c * width + x)) - top);
            vstore8(convert_half8(e * scale), 0, local_dst + c * width + x);
        }
    } else {
        for (int i = x; i < width; i++) {
            float top = local_src[i];
            for (int c = 1; c < channels; c++)
                top = fmax(top, (float)local_src[c * width + i]);
            float sum = 0.0f;
            for (int c = 0; c < channels; c++)
                sum += exp((float)local_src[c * width + i] - top);
            const float scale = 1.0f / sum;
            for (int c = 0; c < channels; c++)
                local_dst[c * width + i] = convert_half(exp((float)local_src[c * width + i] - top) * scale);
        }
    }
}
