"""glibc malloc settings for the device process, made on its first line (the Script processes,
forked from it, inherit them), so that its resident memory stays flat over a long run.

Nodes allocate frame-sized buffers every frame (a camera's picture, a network's tensors), each in
its own thread. glibc gives every thread that meets a locked arena an arena of its own (up to 8
per core) and serves a block above its mmap threshold with a mapping of its own, given back when
freed; but each such block freed raises the threshold to its size, so after the first frames every
frame-sized buffer comes from some thread's arena. Freed there between the small objects other
threads leave, it leaves holes that the next frames do not quite fit, and the arenas' resident
memory creeps up for many minutes (the demo's device process: +10 MiB in its 3rd to 7th minute).

Two settings end it: at most `ARENAS` arenas, so few heaps take the frames and their holes are
reused, and a fixed mmap threshold (setting it stops the rise), so frame-sized buffers are mappings
again and go back to the system when freed. Measured with bench/bench_soak.py (7 minutes, the
device's private memory from the 2nd minute to the last): +10.4 MiB untuned, +3.9 MiB with the
threshold alone, +2.7 MiB with two arenas alone, +0.2 and +0.3 MiB with both.
"""
from __future__ import annotations

import ctypes

_M_MMAP_THRESHOLD = -3   # glibc's mallopt parameters (malloc.h)
_M_ARENA_MAX = -8

ARENAS = 2                     # the main arena and one for every other thread
MMAP_THRESHOLD = 128 * 1024    # glibc's starting value, kept: larger blocks are mappings of their own


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
    return bool(mallopt(_M_ARENA_MAX, ARENAS)) and bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
