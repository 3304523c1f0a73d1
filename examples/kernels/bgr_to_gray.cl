// BGR888i to GRAY8 with the weights and rounding of cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) in
// OpenCV 5: Y = 0.114 B + 0.587 G + 0.299 R, in 15-bit fixed point.
// Bindings: addInput("bgr"); addOutput("gray", dai.ImgFrame.Type.GRAY8)   (global work size: O.X, O.Y)

__kernel void bgr_to_gray(__global const uchar *bgr, __global uchar *gray) {
    int x = get_global_id(0), y = get_global_id(1), width = get_global_size(0);
    int i = y * width + x;
    uchar3 p = vload3(i, bgr);
    gray[i] = (uchar)((p.s0 * 3735 + p.s1 * 19235 + p.s2 * 9798 + (1 << 14)) >> 15);
}
