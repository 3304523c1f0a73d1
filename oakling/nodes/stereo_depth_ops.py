"""What StereoDepth does to a rectified pair: disparity, its filters, depth. Pure functions on arrays.

    matcher = Matcher(raw_config)                 # a RawStereoDepthConfig (messages/stereodepthconfig.py)
    found = matcher.disparity(left, right)        # float32 pixels, 0 where no match, on the aligned camera
    out = disparity_output(found, raw_config)     # uint8 or uint16 (subpixel) as gen2 sends it
    depth = depth_output(found, focal_px, baseline_mm, raw_config)   # uint16 in the configured unit

The matcher is OpenCV's semi-global block matching (SGBM, three directions) over 96 disparity levels
(64 with DISPARITY_64; extended, 96 on the pictures and 96 on them at half size), then, with
subpixel output, a refinement: two Lucas–Kanade steps along the row, which bring the disparity of
textured surfaces within a few hundredths of a pixel. The right camera is the reference (gen2's
RECTIFIED_RIGHT) unless the config aligns to the left.
gen2's confidence threshold sets how unique a match must be; its left-right check threshold is
the largest disagreement between the two directions' matches that still counts as one. OpenCV is
imported where it is used, so `import oakling` does not load it.
"""
from __future__ import annotations

import threading

import numpy as np

from ..messages.stereodepthconfig import (AlgorithmControl, CostMatching, DecimationFilter, MedianFilter,
                                          RawStereoDepthConfig)
from . import halves

BLOCK = 5                 # SGBM's matching window
REFINE_STEPS = 2          # Lucas–Kanade steps of the sub-pixel refinement (small disparities need both)
REFINE_WINDOW = 7
_UNITS_PER_MM = {AlgorithmControl.DepthUnit.METER: 0.001, AlgorithmControl.DepthUnit.CENTIMETER: 0.1,
                 AlgorithmControl.DepthUnit.MILLIMETER: 1.0, AlgorithmControl.DepthUnit.INCH: 1 / 25.4,
                 AlgorithmControl.DepthUnit.FOOT: 1 / 304.8}


def levels(raw: RawStereoDepthConfig) -> int:
    """How many disparities are searched: 96 (64 with DISPARITY_64), twice that extended."""
    n = 64 if raw.costMatching.disparityWidth == CostMatching.DisparityWidth.DISPARITY_64 else 96
    return n * 2 if raw.algorithmControl.enableExtended else n


def uniqueness(confidence_threshold: int) -> int:
    """SGBM's uniqueness ratio (percent) for gen2's confidence threshold: 255 accepts every match,
    lower values demand a clearer best match (0 → 15 %)."""
    return int(round((255 - int(confidence_threshold)) * 15 / 255))


class Matcher:
    """Disparity for one config; made again when the config changes.

    Extended disparity (0..190) is gen2's: the 96 levels matched on the full pictures and on pictures
    half their size (where a disparity counts twice), the half-size match taken where it finds what is
    at or past the last `EXTENDED_MARGIN` levels of the full one's range. That costs a quarter more
    than 96 levels, not twice as much as 192 would."""

    EXTENDED_MARGIN = 4

    def __init__(self, raw: RawStereoDepthConfig):
        import cv2   # loaded by the device when it matches, not by `import oakling`
        control = raw.algorithmControl
        self.left_reference = control.depthAlign == AlgorithmControl.DepthAlign.RECTIFIED_LEFT
        self.levels = levels(raw)
        self.extended = bool(control.enableExtended)
        self.shift = int(control.disparityShift)   # the search starts there: nearer things, no farther ones
        self._settings = dict(
            numDisparities=self.levels // 2 if self.extended else self.levels, blockSize=BLOCK,
            P1=8 * BLOCK * BLOCK, P2=32 * BLOCK * BLOCK,
            uniquenessRatio=uniqueness(raw.costMatching.confidenceThreshold),
            disp12MaxDiff=int(control.leftRightCheckThreshold) if control.enableLeftRightCheck else -1,
            speckleWindowSize=0, mode=cv2.STEREO_SGBM_MODE_SGBM_3WAY)
        self._sgbm = cv2.StereoSGBM_create(minDisparity=self.shift, **self._settings)
        self._half_sgbm = None
        self.edge = int(control.numInvalidateEdgePixels)
        self.refined = bool(control.enableSubpixel)   # whole-pixel output: SGBM's own 1/16 rounds as well

    def _match(self, left: np.ndarray, right: np.ndarray, sgbm=None, left_reference=None) -> np.ndarray:
        """SGBM's int16 disparity (1/16 pixels) on the reference camera's pixels (or on the left
        camera's with `left_reference`, the right one's without)."""
        import cv2
        sgbm = sgbm or self._sgbm
        if self.left_reference if left_reference is None else left_reference:
            return sgbm.compute(left, right)
        # OpenCV's reference is the first image: mirrored, the right one is
        return cv2.flip(sgbm.compute(cv2.flip(right, 1), cv2.flip(left, 1)), 1)

    def each_way(self, left: np.ndarray, right: np.ndarray, half: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """gen2's left-right check iterations, before they are compared: (float32 disparity on the
        reference camera's pixels, on the other camera's), each matched alone, 0 where there is no
        match. With `half`, the extended search's match of the pictures at half their size, in
        half-size pixels."""
        import cv2
        if half:
            left, right = _halved(left, right)
        shift = self.shift // 2 if half else self.shift
        sgbm = cv2.StereoSGBM_create(minDisparity=shift, **{**self._settings, "disp12MaxDiff": -1})
        return tuple(_pixels(self._match(left, right, sgbm, left_reference), 1, shift)
                     for left_reference in (self.left_reference, not self.left_reference))

    def _half(self):
        """The extended search's matcher on the half-size pictures: its range starts at half the shift."""
        import cv2
        if self._half_sgbm is None:
            self._half_sgbm = cv2.StereoSGBM_create(minDisparity=self.shift // 2, **self._settings)
        return self._half_sgbm

    def match(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """The matcher alone: float32 disparity in whole pixels and SGBM's 1/16, 0 where there is no
        match (for extended disparity, the full-size and half-size matches joined)."""
        import cv2
        found = _pixels(self._match(left, right), 1, self.shift)
        if self.extended:
            height, width = left.shape
            coarse = _pixels(self._match(*_halved(left, right), self._half()), 2, self.shift)   # counts twice
            coarse = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_NEAREST)
            far = coarse >= self.shift + self.levels // 2 - self.EXTENDED_MARGIN
            found[far] = coarse[far]
            # where the half-size search runs off the other picture, a full-size match may be a
            # nearer thing's false one: no disparity there, as with 192 levels matched at once
            if self.left_reference:
                found[:, :self.levels + self.shift] = 0
            else:
                found[:, width - self.levels - self.shift:] = 0
        return found

    def disparity(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Float32 disparity in pixels on the reference camera's pixels (the whole of it: the
        disparity shift included); 0 where there is no match."""
        found = self.match(left, right)
        width = found.shape[1]
        lost = self.levels + self.shift - 1   # the columns by the far edge that no match reaches
        if self.refined and lost < width:
            if self.left_reference:
                refine(left, right, found, -1.0, (lost, width))
            else:
                refine(right, left, found, 1.0, (0, width - lost))
            np.minimum(found, self.shift + self.levels - 1, out=found)
        if self.edge:
            found[:, :self.edge] = 0
            found[:, -self.edge:] = 0
        return found


def _pixels(sgbm_out: np.ndarray, scale: int, shift: int) -> np.ndarray:
    """SGBM's int16 disparity (1/16 pixels) as float32 pixels × `scale`, 0 where there is no match
    (SGBM's (minDisparity - 1) × 16, below the range that starts at `shift`)."""
    import cv2
    found = np.multiply(sgbm_out, np.float32(scale / 16), dtype=np.float32)
    cv2.threshold(found, shift - 0.5, 0, cv2.THRESH_TOZERO, dst=found)
    return found


def _halved(left: np.ndarray, right: np.ndarray) -> list[np.ndarray]:
    """The pair at half its size, as the extended search matches it."""
    import cv2
    height, width = left.shape
    small = (max(1, width // 2), max(1, height // 2))
    return [cv2.resize(p, small, interpolation=cv2.INTER_AREA) for p in (left, right)]


_SCRATCH = threading.local()   # each thread's refinement buffers (_Scratch), by picture size
_REFINING = threading.Lock()   # one refinement at a time: the helper thread's buffers serve them all


def refine(reference: np.ndarray, other: np.ndarray, disparity: np.ndarray, direction: float,
           columns: tuple[int, int] | None = None) -> np.ndarray:
    """Sub-pixel disparity, in place (`disparity` is returned): Lucas–Kanade steps along the row. The
    other camera's picture, sampled at x + direction·d, is compared with the reference in a window,
    and d moves by the least-squares step (at most half a pixel a step). Pixels without a match stay
    0, and only the reference's `columns` (first, end) are refined: the rest has none.

    The top and bottom halves are refined at once (`halves`), each with the rows around the cut that
    its edge rows depend on, so the result is the whole picture's to the bit."""
    height, width = reference.shape
    first, end = columns or (0, width)
    reference, found = reference[:, first:end], disparity[:, first:end]
    margin = REFINE_STEPS * (REFINE_WINDOW // 2) + 2   # the rows a row's result depends on, each side
    if height < 8 * margin:
        found[:] = _refine(reference, other, found, direction, first)
        return disparity
    cut = height // 2

    def strip(top, bottom):   # rows top..bottom, with the margin's rows that lie in the picture
        a, b = max(0, top - margin), min(height, bottom + margin)
        return _refine(reference[a:b], other[a:b], found[a:b], direction, first)[top - a:top - a + bottom - top]
    with _REFINING:   # the halves are in the threads' own buffers until copied here
        upper, lower = halves.halves(strip, height, cut)
        found[:cut], found[cut:] = upper, lower
    return disparity


class _Scratch:
    """One thread's buffers for refining pictures of one size: made once, not per frame (a fresh
    array's first touch costs as much as the arithmetic on it)."""

    def __init__(self, height: int, width: int, other_width: int, first: int):
        self.xs, self.ys = np.meshgrid(np.arange(first, first + width, dtype=np.float32),
                                       np.arange(height, dtype=np.float32))   # the other picture's pixels
        self.oth, self.gradient = np.empty((2, height, other_width), np.float32)
        (self.ref, self.matched, self.at, self.error, self.product, self.num, self.den, self.d,
         self.d_next) = np.empty((9, height, width), np.float32)

    @classmethod
    def mine(cls, *key) -> "_Scratch":
        """This thread's buffers for `_Scratch(*key)`."""
        mine = getattr(_SCRATCH, "by_size", None)
        if mine is None or len(mine) > 4 and key not in mine:
            mine = _SCRATCH.by_size = {}
        if key not in mine:
            mine[key] = cls(*key)
        return mine[key]


def _refine(reference: np.ndarray, other: np.ndarray, disparity: np.ndarray, direction: float,
            first: int = 0) -> np.ndarray:
    """refine() on one strip of the reference's columns from `first` on (`other` whole): the result is
    this thread's buffer, valid until its next call."""
    import cv2
    s = _Scratch.mine(*reference.shape, other.shape[1], first)
    np.copyto(s.ref, reference, casting="unsafe")
    np.copyto(s.oth, other, casting="unsafe")
    cv2.Sobel(s.oth, cv2.CV_32F, 1, 0, dst=s.gradient, ksize=3, scale=direction / 8)
    cv2.threshold(disparity, 0, 1, cv2.THRESH_BINARY, dst=s.matched)   # 1 where matched, else 0
    window = (REFINE_WINDOW, REFINE_WINDOW)
    d = disparity
    for _ in range(REFINE_STEPS):
        cv2.scaleAdd(d, direction, s.xs, dst=s.at)
        cv2.remap(s.oth, s.at, s.ys, cv2.INTER_LINEAR, dst=s.error)
        cv2.subtract(s.error, s.ref, dst=s.error)
        cv2.remap(s.gradient, s.at, s.ys, cv2.INTER_LINEAR, dst=s.at)      # the slope there
        cv2.multiply(s.at, s.error, dst=s.product)
        cv2.boxFilter(s.product, -1, window, dst=s.num, normalize=False)
        cv2.multiply(s.at, s.at, dst=s.product)
        cv2.boxFilter(s.product, -1, window, dst=s.den, normalize=False)
        cv2.max(s.den, 1e-3, dst=s.den)
        cv2.divide(s.num, s.den, dst=s.num, scale=-1.0)                    # the step
        cv2.min(s.num, 0.5, dst=s.num)
        cv2.max(s.num, -0.5, dst=s.num)
        out = s.d if d is not s.d else s.d_next
        cv2.add(d, s.num, dst=out)
        cv2.max(out, 1e-3, dst=out)
        cv2.multiply(out, s.matched, dst=out)
        d = out
    return d


def disparity_output(disparity: np.ndarray, raw: RawStereoDepthConfig, filtered: bool = True) -> np.ndarray:
    """The `disparity` output as gen2 sends it: uint8 whole pixels (at most 190, extended), or
    uint16 in 1/2^bits pixels with subpixel; the median filter applied (unless not `filtered`). With
    a disparity shift it is counted from the shift (gen2's search range [shift, shift + 95] is sent
    as 0..95)."""
    import cv2
    control = raw.algorithmControl
    if control.disparityShift:   # no match (0) goes below 0, which the conversion saturates to 0
        disparity = cv2.subtract(disparity, float(control.disparityShift))
    if control.enableSubpixel:   # OpenCV rounds half to even and saturates, as np.rint and a clip would
        out = cv2.multiply(disparity, float(1 << control.subpixelFractionalBits), dtype=cv2.CV_16U)
    else:
        out = cv2.multiply(disparity, 1.0, dtype=cv2.CV_8U)
    return median(out, raw.postProcessing.median) if filtered else out


def matching_costs(left: np.ndarray, right: np.ndarray, matcher: Matcher) -> np.ndarray:
    """gen2's cost dump: (height, width, levels) uint8, for each of the reference camera's pixels and
    each disparity of the search (from the shift on), the mean absolute difference of the 5×5
    blocks it compares (0: the same; 255: nothing to compare, the other picture ends there)."""
    import cv2
    reference, other = (left, right) if matcher.left_reference else (right, left)
    height, width = reference.shape
    count = matcher.levels // 2 if matcher.extended else matcher.levels
    costs = np.full((count, height, width), 255, np.uint8)
    difference = np.empty((height, width), np.uint8)
    for i in range(count):
        d = matcher.shift + i
        if d >= width:
            break
        if matcher.left_reference:   # the left picture's x is the right one's x - d
            cv2.absdiff(reference[:, d:], other[:, :width - d], dst=difference[:, d:])
            seen = np.s_[:, d:]
        else:                        # the right picture's x is the left one's x + d
            cv2.absdiff(reference[:, :width - d], other[:, d:], dst=difference[:, :width - d])
            seen = np.s_[:, :width - d]
        cv2.blur(difference[seen], (BLOCK, BLOCK), dst=costs[i][seen])
    return np.ascontiguousarray(costs.transpose(1, 2, 0))


def median(values: np.ndarray, kernel) -> np.ndarray:
    """gen2's median filter: 3×3, 5×5 or 7×7 (OpenCV takes 7×7 only on 8-bit pictures: 16-bit
    subpixel disparity gets two 5×5 passes there, which reach as far)."""
    import cv2
    size = int(MedianFilter(kernel))
    if size == 0:
        return values
    if values.dtype == np.uint8 or size <= 5:
        return cv2.medianBlur(values, size)
    return cv2.medianBlur(cv2.medianBlur(values, 5), 3)


def filtered_disparity(disparity_out: np.ndarray, raw: RawStereoDepthConfig) -> np.ndarray:
    """The output disparity back in float pixels (what depth is computed from, after the median),
    the disparity shift added back where there is one."""
    control = raw.algorithmControl
    out = disparity_out.astype(np.float32)
    if control.enableSubpixel:
        out /= 1 << control.subpixelFractionalBits
    if control.disparityShift:
        np.add(out, np.float32(control.disparityShift), out=out, where=out > 0)
    return out


def depth_output(disparity: np.ndarray, focal_px: float, baseline_mm: float, raw: RawStereoDepthConfig) -> np.ndarray:
    """uint16 depth (focal × baseline / disparity) in the config's unit, 0 where there is no
    disparity or the depth falls outside the threshold filter's range (in millimetres)."""
    return to_units(depth_mm(disparity, focal_px, baseline_mm), raw)


class DepthTable:
    """depth_output of the `disparity` output's own values, looked up: that output is whole pixels
    (uint8) or 1/2^bits pixels (uint16), so each of its values has one depth, worked out once per
    config and geometry by depth_output itself. One pass instead of four over the frame.

        table = DepthTable()
        depth = table(disparity_out, focal_px, baseline_mm, raw)   # == depth_output(filtered_disparity(...))"""

    def __init__(self):
        self._key, self._table = None, None

    def __call__(self, disparity_out: np.ndarray, focal_px: float, baseline_mm: float,
                 raw: RawStereoDepthConfig) -> np.ndarray:
        import cv2
        control, window = raw.algorithmControl, raw.postProcessing.thresholdFilter
        key = (disparity_out.dtype.str, float(focal_px), float(baseline_mm), bool(control.enableSubpixel),
               int(control.disparityShift),
               int(control.subpixelFractionalBits), int(control.depthUnit), float(control.customDepthUnitMultiplier),
               int(window.minRange), int(window.maxRange))
        if key != self._key:
            values = np.arange(1 << (8 * disparity_out.dtype.itemsize)).astype(disparity_out.dtype)
            self._table = depth_output(filtered_disparity(values, raw), focal_px, baseline_mm, raw)
            self._key = key
        if disparity_out.dtype == np.uint8:
            return cv2.LUT(disparity_out, self._table)
        return self._table.take(disparity_out.reshape(-1)).reshape(disparity_out.shape)


def speckle(disparity_out: np.ndarray, raw: RawStereoDepthConfig) -> np.ndarray:
    """gen2's speckle filter: blobs of similar disparity smaller than `speckleRange` pixels are
    removed (set to 0)."""
    import cv2
    rule = raw.postProcessing.speckleFilter
    if not rule.enable:
        return disparity_out
    scale = (1 << raw.algorithmControl.subpixelFractionalBits) if raw.algorithmControl.enableSubpixel else 1
    values = disparity_out.astype(np.int16) if disparity_out.dtype == np.uint8 else disparity_out.view(np.int16)
    values = values.copy()
    cv2.filterSpeckles(values, 0, int(rule.speckleRange), scale)
    return values.astype(disparity_out.dtype)


def decimate(values: np.ndarray, raw: RawStereoDepthConfig) -> np.ndarray:
    """gen2's decimation filter: the picture made `decimationFactor` times smaller by pixel skipping,
    or by the median or mean of each block's non-zero values."""
    rule = raw.postProcessing.decimationFilter
    factor = int(rule.decimationFactor)
    if factor <= 1:
        return values
    if rule.decimationMode == DecimationFilter.DecimationMode.PIXEL_SKIPPING:
        return np.ascontiguousarray(values[::factor, ::factor])
    height, width = values.shape[0] // factor * factor, values.shape[1] // factor * factor
    blocks = values[:height, :width].reshape(height // factor, factor, width // factor, factor)
    blocks = blocks.transpose(0, 2, 1, 3).reshape(height // factor, width // factor, factor * factor)
    masked = np.ma.masked_equal(blocks.astype(np.float32), 0)
    if rule.decimationMode == DecimationFilter.DecimationMode.NON_ZERO_MEDIAN:
        picked = np.ma.median(masked, axis=2)
    else:
        picked = masked.mean(axis=2)
    return np.rint(picked.filled(0)).astype(values.dtype)


def confidence(reference: np.ndarray, other: np.ndarray, disparity: np.ndarray, left_reference: bool) -> np.ndarray:
    """gen2's confidenceMap: 0 for the surest match, 255 for none — here the mean absolute difference
    between the reference picture and the other one sampled at the match, over a 5×5 window."""
    import cv2
    height, width = reference.shape
    direction = -1.0 if left_reference else 1.0
    xs = np.broadcast_to(np.arange(width, dtype=np.float32), (height, width)) + direction * disparity
    ys = np.broadcast_to(np.arange(height, dtype=np.float32)[:, None], (height, width))
    error = np.abs(cv2.remap(other.astype(np.float32), xs, ys, cv2.INTER_LINEAR) - reference.astype(np.float32))
    mean = cv2.boxFilter(error, -1, (5, 5))
    out = np.clip(np.rint(mean * 4), 0, 254).astype(np.uint8)
    out[disparity <= 0] = 255
    return out


def depth_mm(disparity: np.ndarray, focal_px: float, baseline_mm: float) -> np.ndarray:
    """Float32 depth in millimetres (focal × baseline / disparity), 0 where there is no disparity."""
    out = np.zeros(disparity.shape, np.float32)
    np.divide(np.float32(focal_px * baseline_mm), disparity, out=out, where=disparity > 0)
    return out


class Alignment:
    """Depth re-projected from the reference (rectified) camera into another camera's view.

        align = Alignment(k_ref, k_dst, rotation, translation_mm, (400, 640), (720, 1280))
        splat = align.splat(depth_mm)            # which reference pixel each output pixel shows
        aligned_depth = splat.depth()            # float32 millimetres in the other camera's frame
        aligned_disparity = splat.carry(disparity_out, fill=0)

    Each reference pixel is a point (its ray × its depth), moved by the rotation and translation
    (reference → destination camera, millimetres) and projected with the destination's intrinsics
    at the output size. It covers the k×k output pixels nearest where it lands, k = ceil(1.25 ×
    `scale`) (3 for 640×400 into 1280×720), enough for neighbouring points' patches to meet when the
    output is larger (k = 1 when it is not), so an upscaled map has no gaps but the true ones: what
    the reference camera could not see. Where several cover one output pixel the nearest wins.

    The rays, with the destination's intrinsics folded in, are tables made once per geometry, so a
    frame costs a dozen vectorised passes over the reference pixels, one scatter of a key per point
    (its nearness above the pixel it comes from: the largest key is the nearest point, and names it)
    and one dilation of the keys by the patch, which is where the nearest wins among patches."""

    _INDEX_BITS = 22                                  # reference pixel + 1 (0: none), up to 4 M pixels
    _DEPTH_STEPS = (1 << (52 - _INDEX_BITS)) - 1      # nearness in 1/16 mm: the rest of a double's mantissa
    _ONE = 0x3FF << 52                                # the bits of 1.0: keys are doubles in [1, 2)

    def __init__(self, k_ref, k_dst, rotation, translation_mm, src_shape, out_shape):
        k_ref, k_dst = np.asarray(k_ref, np.float64), np.asarray(k_dst, np.float64)
        self.src_shape, self.out_shape = tuple(src_shape), tuple(out_shape)
        height, width = self.src_shape
        if height * width >= 1 << self._INDEX_BITS:
            raise ValueError(f"alignment of {width}x{height} maps: at most {(1 << self._INDEX_BITS) - 1} pixels")
        self.scale = max(k_dst[0, 0] / k_ref[0, 0], k_dst[1, 1] / k_ref[1, 1])
        self.k = k = max(1, int(np.ceil(1.25 * self.scale)))
        a = ((np.arange(width) - k_ref[0, 2]) / k_ref[0, 0])[None, :]
        b = ((np.arange(height) - k_ref[1, 2]) / k_ref[1, 1])[:, None]
        r, t = np.asarray(rotation, np.float64), np.asarray(translation_mm, np.float64)
        # The patch of a point at column u starts at floor(u + 1 - k/2) (the k columns nearest u);
        # in a buffer padded by k - 1 columns on the left, at floor(u + k/2). With the intrinsics
        # folded in: u + k/2 = (ray_u·depth + t_u) / (ray_z·depth + t_z), and the row likewise.
        ray = [r[i, 0] * a + r[i, 1] * b + r[i, 2] for i in range(3)]
        cu, cv = k_dst[0, 2] + k / 2, k_dst[1, 2] + k / 2
        self._rays = [np.ascontiguousarray(np.broadcast_to(v, (height, width)), np.float32).reshape(-1)
                      for v in (k_dst[0, 0] * ray[0] + cu * ray[2], k_dst[1, 1] * ray[1] + cv * ray[2], ray[2])]
        self._t = [np.float32(v) for v in (k_dst[0, 0] * t[0] + cu * t[2], k_dst[1, 1] * t[1] + cv * t[2], t[2])]
        # key = (DEPTH_STEPS - nearness) above the pixel's number + 1, as the bits of a double in [1, 2)
        self._base = np.arange(1, height * width + 1, dtype=np.int64) + (self._ONE | self._DEPTH_STEPS << self._INDEX_BITS)
        out_h, out_w = self.out_shape
        self._padded = (out_h + k - 1, out_w + k - 1)
        self._kernel = np.ones((k, k), np.uint8)
        # reused from frame to frame: fresh pages would cost as much as the work
        self._keys = np.zeros(self._padded[0] * self._padded[1] + 1, np.float64)
        self._covered = np.zeros(self._padded, np.float64)
        self._shown = np.zeros(self.out_shape, np.int64)
        n = height * width   # per point: depth ahead of the destination, 1 / it, u, v, landed, pixel, column, key
        self._scratch = (*(np.zeros(n, np.float32) for _ in range(4)), np.zeros(n, bool), np.zeros(n, np.int32),
                         np.zeros(n, np.int32), np.zeros(n, np.int64))

    def splat(self, depth: np.ndarray) -> "Splat":
        import cv2
        if depth.shape != self.src_shape:
            raise ValueError(f"alignment made for {self.src_shape[1]}x{self.src_shape[0]} maps, got "
                             f"{depth.shape[1]}x{depth.shape[0]}")
        z = np.ascontiguousarray(depth, np.float32).reshape(-1)
        (ray_u, ray_v, ray_z), (t_u, t_v, t_z) = self._rays, self._t
        z_dst, inverse, u, v, landed, pixel, column, key = self._scratch
        rows, cols = self._padded
        np.multiply(ray_z, z, out=z_dst)
        z_dst += t_z
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            np.divide(np.float32(1), z_dst, out=inverse)
            for coordinate, ray, t in ((u, ray_u, t_u), (v, ray_v, t_v)):
                np.multiply(ray, z, out=coordinate)
                coordinate += t
                coordinate *= inverse
            # where each point's patch starts; points that do not land go to a spare element past the end
            np.greater(z, 0, out=landed)
            for test in ((z_dst, np.greater, 1e-3), (u, np.greater_equal, 0), (u, np.less, cols),
                         (v, np.greater_equal, 0), (v, np.less, rows)):
                landed &= test[1](test[0], test[2])
            np.copyto(pixel, v, casting="unsafe")
            pixel *= cols
            np.copyto(column, u, casting="unsafe")
            pixel += column
        pixel[~landed] = rows * cols
        # the key: its nearness in 1/16 mm below DEPTH_STEPS, above the pixel's number
        np.minimum(z_dst, np.float32(self._DEPTH_STEPS / 16), out=inverse)
        inverse *= 16
        np.copyto(key, inverse, casting="unsafe")
        key <<= self._INDEX_BITS
        np.subtract(self._base, key, out=key)
        keys = self._keys
        keys.fill(0)
        np.maximum.at(keys, pixel, key.view(np.float64))
        keys = keys[:-1].reshape(self._padded)
        if self.k > 1:   # each output pixel: the largest key among the patches that cover it
            anchor = (self.k - 1, self.k - 1)
            keys = cv2.dilate(keys, self._kernel, dst=self._covered, anchor=anchor, borderType=cv2.BORDER_CONSTANT,
                              borderValue=0)
        np.bitwise_and(keys[self.k - 1:, self.k - 1:].view(np.int64), (1 << self._INDEX_BITS) - 1, out=self._shown)
        return Splat(self._shown, z_dst)


class Splat:
    """Which reference pixel each output pixel shows (see Alignment.splat); good until the
    alignment's next splat, whose buffers it shares."""

    def __init__(self, shown: np.ndarray, depth: np.ndarray):
        self._shown, self._depth = shown, depth   # reference pixel + 1, 0 for none; depth per reference pixel

    def depth(self) -> np.ndarray:
        """Float32 depth in millimetres along the destination camera's axis; 0 where none landed."""
        return self.carry(self._depth)

    def depth_in_units(self, raw: RawStereoDepthConfig) -> np.ndarray:
        """depth() as gen2's RAW16 depth (to_units), converted before it moves: on fewer pixels."""
        return self.carry(to_units(self._depth, raw))

    def carry(self, values: np.ndarray, fill=0) -> np.ndarray:
        """Another map on the reference camera's pixels (disparity, confidence) moved the same way."""
        table = np.empty(values.size + 1, values.dtype)
        table[0] = fill
        table[1:] = values.reshape(-1)
        return table.take(self._shown)


def to_units(depth: np.ndarray, raw: RawStereoDepthConfig) -> np.ndarray:
    """Float depth in millimetres as gen2's RAW16 depth: the threshold filter's range (millimetres)
    kept, then the config's unit, rounded; 0 outside or where there is none."""
    window = raw.postProcessing.thresholdFilter
    valid = (depth > 0) & (depth >= window.minRange) & (depth <= window.maxRange)
    control = raw.algorithmControl
    if control.depthUnit == AlgorithmControl.DepthUnit.CUSTOM:
        per_mm = control.customDepthUnitMultiplier / 1000.0
    else:
        per_mm = _UNITS_PER_MM[control.depthUnit]
    return np.where(valid, np.clip(np.rint(depth * per_mm), 0, 65535), 0).astype(np.uint16)


def _delta(delta: int, raw: RawStereoDepthConfig) -> float:
    """A filter's edge threshold in the disparity output's units: 0 means gen2's auto, 3 disparity
    levels (3 × 2^bits with subpixel)."""
    scale = (1 << raw.algorithmControl.subpixelFractionalBits) if raw.algorithmControl.enableSubpixel else 1
    return float(delta) if delta > 0 else 3.0 * scale


def _recursive_pass(values: np.ndarray, alpha: float, delta: float, radius: int):
    """One pass of the edge-preserving filter down axis 0, in place: each line becomes
    alpha × itself + (1 - alpha) × the line before (already filtered) wherever both have a value
    and differ by less than delta; where it has none, and the last value is at most `radius`
    lines back, the last value fills it."""
    prev = values[0].copy()
    gap = np.where(prev > 0, 0, radius + 1).astype(np.int32)
    for i in range(1, values.shape[0]):
        cur = values[i]
        valid = cur > 0
        near = valid & (prev > 0) & (np.abs(cur - prev) < delta)
        out = np.where(near, alpha * cur + (1 - alpha) * prev, cur)
        if radius:
            gap = np.where(valid, 0, gap + 1)
            out = np.where(~valid & (prev > 0) & (gap <= radius), prev, out)
        values[i] = out
        prev = out


def spatial(disparity_out: np.ndarray, raw: RawStereoDepthConfig) -> np.ndarray:
    """gen2's spatial filter (librealsense's edge-preserving one): `numIterations` times, an
    exponential moving average with `alpha` along each row, left to right and back, then each column,
    down and up, that stops at steps of `delta` or more (edges stay sharp); holes up to
    `holeFillingRadius` pixels from a value are filled along the rows (from both sides). Each pass
    runs down every line at once in OpenCL on the CPU (`EdgePreserving`), or, without OpenCL, in
    NumPy a step at a time (`spatial_numpy`); the two give the same values."""
    rule = raw.postProcessing.spatialFilter
    if not rule.enable:
        return disparity_out
    alpha, delta, radius = float(rule.alpha), _delta(int(rule.delta), raw), max(0, int(rule.holeFillingRadius))
    iterations = max(1, int(rule.numIterations))
    kernel = EdgePreserving.shared()
    if kernel is None:
        return spatial_numpy(disparity_out, iterations, alpha, delta, radius)
    import cv2
    values = kernel(disparity_out.astype(np.float32), iterations, alpha, delta, radius)
    # rounded half to even and converted in one pass (the values lie between the input's own)
    return cv2.multiply(values, 1.0, dtype=cv2.CV_8U if disparity_out.dtype == np.uint8 else cv2.CV_16U)


def spatial_numpy(disparity_out: np.ndarray, iterations: int, alpha: float, delta: float, radius: int) -> np.ndarray:
    columns = np.ascontiguousarray(disparity_out.T, np.float32)   # rows run down axis 0 of the transposed
    for _ in range(iterations):
        _recursive_pass(columns, alpha, delta, radius)
        _recursive_pass(columns[::-1], alpha, delta, radius)
        rows = np.ascontiguousarray(columns.T)
        _recursive_pass(rows, alpha, delta, 0)
        _recursive_pass(rows[::-1], alpha, delta, 0)
        columns = np.ascontiguousarray(rows.T)
    return np.rint(columns.T).astype(disparity_out.dtype)


_EDGE_PRESERVING = r"""
#pragma OPENCL FP_CONTRACT OFF
/* One pass of the spatial filter down each line (one work item a line), as _recursive_pass does. */
__kernel void edge_preserving_pass(__global float *values, const int length, const int along, const int across,
                                   const int backwards, const float alpha, const float rest, const float delta,
                                   const int radius)
{
    __global float *p = values + (long)get_global_id(0) * across + (backwards ? (long)(length - 1) * along : 0);
    const long step = backwards ? -(long)along : (long)along;
    float prev = *p;
    int gap = prev > 0.0f ? 0 : radius + 1;
    for (int k = 1; k < length; k++) {
        p += step;
        const float cur = *p;
        const int valid = cur > 0.0f;
        float out = cur;
        if (valid && prev > 0.0f && fabs(cur - prev) < delta)
            out = alpha * cur + rest * prev;
        if (radius > 0) {
            gap = valid ? 0 : gap + 1;
            if (!valid && prev > 0.0f && gap <= radius)
                out = prev;
        }
        *p = out;
        prev = out;
    }
}
"""


class EdgePreserving:
    """The spatial filter's passes in OpenCL on the CPU device: every row (then every column) at
    once, where NumPy must step along them one pixel at a time with a dozen calls a step.

        kernel = EdgePreserving.shared()      # None without OpenCL (PyOpenCL and PoCL)
        kernel(values, iterations, alpha, delta, radius)   # float32 H×W, filtered in place"""

    _shared = None
    _tried = False
    _made = __import__("threading").Lock()

    @classmethod
    def shared(cls) -> "EdgePreserving | None":
        with cls._made:
            if not cls._tried:
                cls._tried = True
                try:
                    cls._shared = cls()
                except Exception:   # no OpenCL here (OpenCLUnavailable, a driver that fails): NumPy does it
                    cls._shared = None
            return cls._shared

    def __init__(self):
        import threading
        from ..kernels.build import build, cpu
        dev = cpu()
        self._cl, self._context = dev.cl, dev.context
        self._queue = dev.cl.CommandQueue(dev.context)
        self._kernel = build(_EDGE_PRESERVING, name="stereo_spatial_filter.cl").kernel("edge_preserving_pass")
        self._lock = threading.Lock()   # one kernel object: one frame at a time (several StereoDepth nodes)

    def __call__(self, values: np.ndarray, iterations: int, alpha: float, delta: float, radius: int) -> np.ndarray:
        cl = self._cl
        height, width = values.shape
        passes = ((width, 1, width, height, 0, radius), (width, 1, width, height, 1, radius),   # along the rows
                  (height, width, 1, width, 0, 0), (height, width, 1, width, 1, 0))             # down the columns
        with self._lock:
            buf = cl.Buffer(self._context, cl.mem_flags.READ_WRITE | cl.mem_flags.USE_HOST_PTR, hostbuf=values)
            try:
                for _ in range(iterations):
                    for length, along, across, lines, backwards, holes in passes:
                        self._kernel.set_args(buf, np.int32(length), np.int32(along), np.int32(across),
                                              np.int32(backwards), np.float32(alpha), np.float32(1 - alpha),
                                              np.float32(delta), np.int32(holes))
                        cl.enqueue_nd_range_kernel(self._queue, self._kernel, (lines,), None)
                mapped, _ = cl.enqueue_map_buffer(self._queue, buf, cl.map_flags.READ, 0, values.shape, values.dtype,
                                                  is_blocking=True)
                mapped.base.release(self._queue)
                self._queue.finish()
            finally:
                buf.release()
        return values


_BITS_SET = np.array([bin(n).count("1") for n in range(256)], np.uint8)
_PERSISTENCY = {   # PersistencyMode → (how many of the frames before, how many of them with a value)
    1: (8, 8), 2: (3, 2), 3: (4, 2), 4: (8, 2), 5: (2, 1), 6: (5, 1), 7: (8, 1),
}


class Temporal:
    """gen2's temporal filter (librealsense's), over the frames of one StereoDepth: each pixel
    becomes alpha × its value + (1 - alpha) × its last value where they differ by less than
    `delta` (a step of delta or more starts afresh); a pixel without a value keeps its last one if
    the persistency mode says it had values often enough in the frames before (VALID_2_IN_LAST_4:
    in at least 2 of the last 4; PERSISTENCY_INDEFINITELY: ever; PERSISTENCY_OFF: never)."""

    def __init__(self):
        self._last = None      # float32, the last value of each pixel (0: never had one)
        self._history = None   # uint8, bit k: the pixel had a value k + 1 frames ago

    def apply(self, disparity_out: np.ndarray, raw: RawStereoDepthConfig) -> np.ndarray:
        rule = raw.postProcessing.temporalFilter
        if not rule.enable:
            self._last = self._history = None
            return disparity_out
        cur = disparity_out.astype(np.float32)
        valid = cur > 0
        if self._last is None or self._last.shape != cur.shape:
            self._last, self._history = cur, valid.astype(np.uint8)
            return disparity_out
        alpha, delta, last = float(rule.alpha), _delta(int(rule.delta), raw), self._last
        near = valid & (last > 0) & (np.abs(cur - last) < delta)
        out = np.where(near, alpha * cur + (1 - alpha) * last, cur)
        mode = int(rule.persistencyMode)
        if mode == 8:
            keep = last > 0
        elif mode in _PERSISTENCY:
            frames, needed = _PERSISTENCY[mode]
            bits = self._history & np.uint8((1 << frames) - 1)
            keep = _BITS_SET[bits] >= needed
        else:
            keep = np.zeros_like(valid)
        out = np.where(~valid & keep, last, out)
        self._last = np.where(out > 0, out, last).astype(np.float32)
        self._history = ((self._history << 1) | valid).astype(np.uint8)
        return np.rint(out).astype(disparity_out.dtype)


class Rectification:
    """The maps that turn a camera's own picture into its rectified view (OpenCV's
    initUndistortRectifyMap, or its fisheye model's for a fisheye lens): its intrinsics and
    distortion undone, its rectification rotation applied, the rectified intrinsics (`k_new`, the
    right camera's, as gen2 uses for both) put on.

        rectify = Rectification(k, distortion, rotation, k_new, (400, 640))
        rectified = rectify(picture)         # uint8 H×W, `fill` where the picture has nothing"""

    def __init__(self, k, distortion, rotation, k_new, shape, fill: int = 0, fisheye: bool = False):
        import cv2
        height, width = shape
        self.shape, self.fill = tuple(shape), int(fill)
        distortion = np.asarray(distortion, np.float64)
        maps = cv2.fisheye.initUndistortRectifyMap if fisheye else cv2.initUndistortRectifyMap
        self._x, self._y = maps(np.asarray(k, np.float64), distortion[:4] if fisheye else distortion,
                                np.asarray(rotation, np.float64), np.asarray(k_new, np.float64), (width, height),
                                cv2.CV_16SC2)

    @classmethod
    def from_maps(cls, x: np.ndarray, y: np.ndarray, fill: int = 0) -> "Rectification":
        """The rectification a mesh gives: float32 maps of where each output pixel takes its value."""
        made = cls.__new__(cls)
        made.shape, made.fill, made._x, made._y = x.shape, int(fill), x, y
        return made

    def __call__(self, picture: np.ndarray) -> np.ndarray:
        import cv2
        return cv2.remap(picture, self._x, self._y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                         borderValue=self.fill)


def brightness(disparity_out: np.ndarray, reference: np.ndarray, raw: RawStereoDepthConfig) -> np.ndarray:
    """gen2's brightness filter: no disparity where the (rectified) reference picture is darker than
    `minBrightness` or brighter than `maxBrightness` (0 and 256, the defaults, keep every pixel)."""
    rule = raw.postProcessing.brightnessFilter
    low, high = int(rule.minBrightness), int(rule.maxBrightness)
    if low <= 0 and high > 255:
        return disparity_out
    out = disparity_out.copy()
    out[(reference < low) | (reference > high)] = 0
    return out


def mesh_maps(data: bytes, shape: tuple[int, int], step_w: int, step_h: int) -> tuple[np.ndarray, np.ndarray]:
    """Full-size float32 (x, y) maps from a rectification mesh in gen2's layout: float32 (y, x) pairs
    for the grid points every `step` pixels from the top left, the last row and column at the
    frame's far edges, rows padded to an even count of pairs as gen2's examples write them; between
    the points, bilinear. ValueError says what does not fit."""
    import cv2
    height, width = shape
    rows, cols = height // step_h + 1, width // step_w + 1
    pairs = np.frombuffer(data, np.float32)
    if pairs.size % 2 or pairs.size // 2 % rows or pairs.size // 2 // rows < cols:
        raise ValueError(f"has {pairs.size // 2} points, not {rows} rows of at least {cols} for "
                         f"{width}x{height} with a {step_w}x{step_h} step")
    grid = pairs.reshape(rows, -1, 2)[:, :cols]
    xs = np.minimum(np.arange(width, dtype=np.float32) / step_w, cols - 1)
    ys = np.minimum(np.arange(height, dtype=np.float32) / step_h, rows - 1)
    gx, gy = np.meshgrid(xs, ys)
    sample = lambda plane: cv2.remap(np.ascontiguousarray(plane), gx, gy, cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_REPLICATE)
    return sample(grid[..., 1]), sample(grid[..., 0])
