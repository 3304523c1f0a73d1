// Sobel gradients of a GRAY8 frame, as cv2.Sobel(gray, cv2.CV_32F, 1, 0) and (0, 1) with a 3x3
// aperture and a mirrored border (BORDER_REFLECT_101).
//
// Writes a float tensor of dims [2, height, width]: the x gradient, then the y gradient.
// Bindings: addInput("gray"); addOutputTensor("gradients", [2, "I.Y", "I.X"], dai.TensorInfo.DataType.FP32);
//           addScalar("width", "I.X"); addScalar("height", "I.Y")        (global work size: O.X, O.Y)

inline int mirror(int i, int n) {
    return i < 0 ? -i : (i >= n ? 2 * n - 2 - i : i);
}

__kernel void sobel(__global const uchar *gray, __global float *gradients, int width, int height) {
    int x = get_global_id(0), y = get_global_id(1);
    if (x >= width || y >= height)
        return;
    int xl = mirror(x - 1, width), xr = mirror(x + 1, width);
    __global const uchar *up = gray + mirror(y - 1, height) * width;
    __global const uchar *mid = gray + y * width;
    __global const uchar *down = gray + mirror(y + 1, height) * width;
    int gx = (up[xr] - up[xl]) + 2 * (mid[xr] - mid[xl]) + (down[xr] - down[xl]);
    int gy = (down[xl] + 2 * down[x] + down[xr]) - (up[xl] + 2 * up[x] + up[xr]);
    gradients[y * width + x] = (float)gx;
    gradients[(height + y) * width + x] = (float)gy;
}
