// MyReLU6: y = min(max(x, 0), max_value), in FP16 as a SHAVE computes it.
// One work item per 8 values of a row; the row's tail is handled value by value.
#pragma OPENCL EXTENSION cl_khr_fp16 : enable

__kernel void relu6(__global const half* restrict src,
                    __global       half* restrict dst,
                    int   width,
                    float max_value)
{
    const int row = get_global_id(1) + get_global_size(1) * get_global_id(2);
    const int x = get_global_id(0) * 8;
    const half top = (half)max_value;
    __global const half* in = src + row * width;
    __global       half* out = dst + row * width;

    if (x + 8 <= width) {
        half8 v = vload8(0, in + x);
        vstore8(clamp(v, (half8)0.0f, (half8)top), 0, out + x);
    } else {
        for (int i = x; i < width; i++)
            out[i] = clamp(in[i], (half)0.0f, top);
    }
}
