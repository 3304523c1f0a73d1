// MyMVN in two stages: per (batch, channel) plane, y = (x - mean) / sqrt(variance + eps).
// Stage 0 (mvn_reduce): one work item per plane writes its mean and 1/sqrt(variance + eps).
// Stage 1 (mvn_scale): one work item per value normalises it with its plane's pair.
__kernel void mvn_reduce(__global const float* restrict src,
                         __global       float* restrict mean,
                         __global       float* restrict inv_std,
                         int   plane_size,
                         float eps)
{
    const int plane = get_global_id(0);
    __global const float* p = src + plane * plane_size;
    float sum = 0.0f, squares = 0.0f;
    for (int i = 0; i < plane_size; i++) {
        sum += p[i];
        squares += p[i] * p[i];
    }
    const float m = sum / plane_size;
    mean[plane] = m;
    inv_std[plane] = rsqrt(fmax(squares / plane_size - m * m, 0.0f) + eps);
}

__kernel void mvn_scale(__global const float* restrict src,
                        __global const float* restrict mean,
                        __global const float* restrict inv_std,
                        __global       float* restrict dst,
                        int plane_size)
{
    const int plane = get_global_id(1);
    const int i = plane * plane_size + get_global_id(0);
    dst[i] = (src[i] - mean[plane]) * inv_std[plane];
}
