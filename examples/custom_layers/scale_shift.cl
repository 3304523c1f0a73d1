// MyScaleShift: y[b, y, x, c] = x[b, y, x, c] * scale[c] + shift[c] on channels-last (BYXF) data:
// the binding asks for BYXF, so the channels of one pixel lie side by side.
__kernel void scale_shift_byxf(__global const float* restrict src,
                               __global const float* restrict scale,
                               __global const float* restrict shift,
                               __global       float* restrict dst,
                               int channels)
{
    const int pixel = get_global_id(0) + get_global_size(0) * get_global_id(1);
    __global const float* in = src + pixel * channels;
    __global       float* out = dst + pixel * channels;
    for (int c = 0; c < channels; c++)
        out[c] = mad(in[c], scale[c], shift[c]);
}
