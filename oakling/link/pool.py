"""FramePool: shared memory an output computes its frames into, so links pass them by reference.

    pool = FramePool("ImageManip(1).out")
    dst = pool.array((1080, 1920, 3))          # writable, in a reused shared region
    cv2.flip(src, 1, dst=dst)                  # compute straight into it
    frame._data = dst.reshape(-1)              # send: each link lends it, no copy

Each buffer is a memfd region (sharedmem.Region, `reused`) of the largest frame asked for, rounded
up to a MiB. A taken buffer goes back to the pool when the last view of it is gone in this process
and every link that lent it has seen its receiver let go (links keep what they lend until then).
So the same memory is never written while a node, a host program or a script still holds a frame
in it. A link that closes while its receiver still holds a frame (a device stopping while its nodes
still compute) retires that buffer: it leaves the pool once it comes back.

Budget: at most `most` buffers (8 by default: 48 MiB for 1080p BGR frames) per pool. When every
buffer is held, `array` waits up to 1 ms for one that a link lends (its receiver frees it once it
has read it), then grows the pool: the buffer freed last is taken first, and the fewer buffers a
pool turns over, the more of them stay in the CPU's cache. Once the pool is full it waits up to
50 ms for a lent one (a consumer that is behind: back-pressure, as a gen2 node whose frame pool is
empty waits), then returns private memory, which links copy as any other payload, and waits no more
until a buffer comes back. Frames that nodes of this process hold are never waited for: with none
lent, a full pool returns private memory at once. So holders that keep frames cost at most one
wait, not one per frame.
"""
from __future__ import annotations

import math
import threading
import time

import numpy as np

from . import sharedmem

MOST = 8                     # buffers per pool
_ROUNDING = 1 << 20          # buffers grow in MiB steps
_GROW_AFTER = 0.001          # wait this long for a held buffer before making another
_WAIT = 0.05                 # with the pool full, wait this long before taking private memory
_FIRST_PAUSE, _LONGEST_PAUSE = 0.0002, 0.002   # polls for a freed buffer


class _Taken:
    """Owner of a taken buffer's memory: hands the buffer back to its pool when collected."""
    __slots__ = ("__array_interface__", "_region", "_free", "__weakref__")

    def __init__(self, region: sharedmem.Region, nbytes: int, free: list):
        self._region = region
        self._free = free
        self.__array_interface__ = {"data": (region.address, False), "shape": (nbytes,),
                                    "typestr": "|u1", "version": 3}

    def __del__(self):
        self._free.append(self._region)   # list.append is atomic: any thread may collect a frame


class FramePool:
    """Reused shared buffers for one output's frames (see the module's doc)."""

    def __init__(self, label: str, most: int = MOST):
        if most < 1:
            raise ValueError(f"{label}: a frame pool needs at least 1 buffer, got {most}")
        self.label = label
        self.most = most
        self._buffers: list[sharedmem.Region] = []   # every buffer the pool keeps
        self._free: list[sharedmem.Region] = []      # those nobody holds
        self._lock = threading.Lock()
        self._starved = False    # every buffer was held for _WAIT: do not wait again until one returns
        self.private = 0         # arrays handed out in private memory because every buffer was held

    def array(self, shape, dtype=np.uint8) -> np.ndarray:
        """A writable, C-contiguous array for a frame about to be sent: in a pool buffer, or in
        private memory when every buffer is held (see the module's doc)."""
        dtype = np.dtype(dtype)
        nbytes = math.prod(shape) * dtype.itemsize
        return self.take(nbytes).view(dtype).reshape(shape)

    def take(self, nbytes: int) -> np.ndarray:
        """`nbytes` of writable uint8 memory, shared if a buffer can be had."""
        started, pause = time.monotonic(), _FIRST_PAUSE
        while True:
            waited = time.monotonic() - started
            lent = any(region.lent for region in self._buffers)   # some will come back once read
            with self._lock:
                region = self._pick(nbytes, waited >= _GROW_AFTER or not lent)
            if region is not None:
                return np.asarray(_Taken(region, nbytes, self._free))
            sharedmem.reap()   # links let go of what their receivers freed
            with self._lock:
                region = self._pick(nbytes, False)
            if region is not None:
                return np.asarray(_Taken(region, nbytes, self._free))
            if self._starved or waited >= _WAIT or not lent:
                self._starved = lent   # no more waits until a buffer comes back: holders may keep them
                self.private += 1
                return np.empty(nbytes, np.uint8)
            time.sleep(pause)
            pause = min(pause * 2, _LONGEST_PAUSE)

    def _pick(self, nbytes: int, grow: bool) -> sharedmem.Region | None:
        """A free buffer of at least `nbytes` (taken off the free list: the one freed last, the
        warmest), a new one (if there is none yet, one is too small, or `grow`), or None (wait)."""
        free = self._free
        if free:
            self._starved = False
            if any(r.fd < 0 for r in free):   # buffers closed while held came back: not ours any more
                for region in [r for r in free if r.fd < 0]:
                    free.remove(region)
                    if region in self._buffers:   # retired by a link that closed while lending it
                        self._buffers.remove(region)
        for i in range(len(free) - 1, -1, -1):
            if free[i].size >= nbytes:
                return free.pop(i)
        full = len(self._buffers) >= self.most
        if full and not free or self._buffers and not free and not grow:
            return None
        if full:   # replace the smallest free buffer, which is too small
            smallest = min(free, key=lambda r: r.size)
            free.remove(smallest)
            self._buffers.remove(smallest)
            smallest.release()   # links that announced it drop it; mappings stay valid
        region = sharedmem.Region(-(-nbytes // _ROUNDING) * _ROUNDING)
        region.lend(self.most)
        self._buffers.append(region)
        return region

    @property
    def buffers(self) -> int:
        """How many buffers the pool keeps now."""
        return len(self._buffers)

    @property
    def nbytes(self) -> int:
        """The shared memory the pool keeps now."""
        return sum(r.size for r in self._buffers)

    def close(self):
        """Forget every buffer: frames still held stay valid; none is reused."""
        with self._lock:
            for region in self._buffers:
                region.release()
            self._buffers.clear()
            self._free.clear()
