// 3x3 box blur of an 8-bit interleaved frame (GRAY8, BGR888i, ...), as cv2.blur(img, (3, 3)):
// each output byte is the rounded mean of the 3x3 pixels around it in its own channel, and the
// border is mirrored without repeating the edge (OpenCV's BORDER_REFLECT_101).
//
// One work item makes 16 bytes of a row for ROWS rows: it sums each source row's three
// neighbours once (left, centre, right are `channels` bytes apart in an interleaved row), and
// slides that sum down, so every source byte is read three times, not nine.
//
// Bindings (examples/opencl_blur.py):
//   addInput("src"); addOutput("dst", <the input's type>); addScalar("width", "I.X");
//   addScalar("height", "I.Y"); addScalar("channels", "I.F");
//   setGlobalWorkSize("(I.X * I.F + 15) / 16", "(I.Y + ROWS - 1) / ROWS")   with ROWS = 8

#ifndef ROWS
#define ROWS 8
#endif

// Row y's three-neighbour sums of the 16 bytes at x (all inside the row).
inline ushort16 row_sums(__global const uchar *row, int x, int channels) {
    return convert_ushort16(vload16(0, row + x - channels))
         + convert_ushort16(vload16(0, row + x))
         + convert_ushort16(vload16(0, row + x + channels));
}

// round(sum / 9) for sums up to 9 * 255, in integers (8 lanes of 32 bits fit an AVX2 register).
inline uchar8 mean8(ushort8 sum) {
    return convert_uchar8((convert_uint8(sum) * 58255u + (1u << 18)) >> 19);
}

inline uchar16 mean16(ushort16 sum) {
    return (uchar16)(mean8(sum.lo), mean8(sum.hi));
}

inline int mirror(int i, int n) {        // BORDER_REFLECT_101: -1 -> 1, n -> n - 2
    return i < 0 ? -i : (i >= n ? 2 * n - 2 - i : i);
}

__kernel void box_blur(__global const uchar *src, __global uchar *dst,
                       int width, int height, int channels) {
    int x = get_global_id(0) * 16;          // first byte of this item's 16 in a row
    int y0 = get_global_id(1) * ROWS;       // first row
    int row_bytes = width * channels;
    int y1 = min(y0 + ROWS, height);
    if (x >= row_bytes)
        return;
    if (x >= channels && x + 16 + channels <= row_bytes) {
        // Inside the row: whole vectors.
        ushort16 above = row_sums(src + mirror(y0 - 1, height) * row_bytes, x, channels);
        ushort16 here = row_sums(src + y0 * row_bytes, x, channels);
        for (int y = y0; y < y1; y++) {
            ushort16 below = row_sums(src + mirror(y + 1, height) * row_bytes, x, channels);
            vstore16(mean16(above + here + below), 0, dst + y * row_bytes + x);
            above = here;
            here = below;
        }
        return;
    }
    // The first or last bytes of a row: one byte at a time, mirroring at the left and right edges.
    for (int y = y0; y < y1; y++) {
        for (int i = x; i < min(x + 16, row_bytes); i++) {
            int pixel = i / channels, channel = i % channels;
            uint sum = 0;
            for (int dy = -1; dy <= 1; dy++) {
                __global const uchar *row = src + mirror(y + dy, height) * row_bytes;
                for (int dx = -1; dx <= 1; dx++)
                    sum += row[mirror(pixel + dx, width) * channels + channel];
            }
            dst[y * row_bytes + i] = (uchar)((sum * 58255u + (1u << 18)) >> 19);
        }
    }
}
