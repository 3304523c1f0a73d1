"""glibc malloc settings for the device process, made on its first line (the Script processes,
forked from it, inherit them), so that its resident memory stays flat over a long run and a
frame-sized buffer costs no first touches.

Nodes allocate frame-sized buffers every frame (a camera's picture, a network's tensors, OpenCV's
working memory), each in its own thread. glibc gives every thread that meets a locked arena an
arena of its own (up to 8 per core) and serves a block above its mmap threshold with a mapping of
its own, given back when freed; but each such block freed raises the threshold to its size, so
after the first frames every frame-sized buffer comes from some thread's arena. Freed there
between the small objects other threads leave, it leaves holes that the next frames do not quite
fit, and the arenas' resident memory creeps up for many minutes (the demo's device process: +10 MiB
in its 3rd to 7th minute).

At most `ARENAS` arenas end the creep: few heaps take the frames, and their holes are reused.
Measured with bench/bench_soak.py (7 minutes, the device's private memory from the 2nd minute to
the last): +10.4 MiB untuned, +2.7 MiB with two arenas alone. A fixed mmap threshold of 128 KiB
(glibc's first value) took it to +0.2–0.3 MiB, but made every frame-sized buffer a mapping of its
own, whose pages the kernel hands out, zeroed, at its first touch: about 1 µs for each 4 KiB, so a
fresh 1080p BGR buffer cost 1.6 ms, and a 640×400 StereoDepth 2,100 page faults a pair (OpenCV's
SGBM allocates its working memory on every call), a tenth of its time. So the threshold is fixed
at glibc's largest, `MMAP_THRESHOLD` (frames up to 4K BGR come from the arenas and are reused
there), and the arenas keep up to `TRIM_THRESHOLD` of free memory at their tops rather than giving
it back for the next frame to fault in again: StereoDepth 0 page faults a pair and 13 % more pairs
a second; the demo's device process +0.8 MiB from the 2nd minute to the 5th, then flat (+0.1 MiB
to the 8th).
"""
from __future__ import annotations

import ctypes

_M_TRIM_THRESHOLD = -1   # glibc's mallopt parameters (malloc.h)
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8

ARENAS = 2                     # the main arena and one for every other thread
MMAP_THRESHOLD = 32 << 20      # glibc's largest: blocks above it are mappings of their own
TRIM_THRESHOLD = 64 << 20      # free memory an arena keeps at its top for the next frames


def _mallopt():
    """glibc's `mallopt`, or None where the C library has none (musl, macOS)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return None
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return mallopt


def cap_arenas() -> bool:
    """At most `ARENAS` malloc arenas in this process (a Script's process sets this itself: its
    address-space limit counts on it); False where there is no glibc `mallopt`."""
    mallopt = _mallopt()
    return mallopt is not None and bool(mallopt(_M_ARENA_MAX, ARENAS))


def tune() -> bool:
    """Apply the settings to this process's malloc; False where the C library has no glibc `mallopt`
    (musl, macOS): nothing is changed there. Call it before threads start, so that none has an
    arena of its own yet."""
    mallopt = _mallopt()
    if mallopt is None:
        return False
    return (bool(mallopt(_M_ARENA_MAX, ARENAS)) and bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
            and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)))
