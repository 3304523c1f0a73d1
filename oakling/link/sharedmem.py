"""Published shared-memory regions: immutable bytes that any process may map.

A source that keeps its pixels in a published region (the synthetic camera's pattern, for one)
lets frames that are views into it cross to another process by reference: the link sends the
region's descriptor once and then only offsets, with no copy of the pixels. Publishing is a
promise that the bytes never change again, so the receivers' views are read-only.

A *reused* region is the other kind: a buffer of a `FramePool` (pool.py) that a node computes
frames into and that is written again once nobody holds the frame. A link lends such a frame
(the receiver marks in a page of the link when it lets it go, and the link keeps the frame until
then), so it too crosses by reference, and the buffer returns to its pool only when every holder,
in this process or another, has let it go. `reap()` asks every lending link to let go of what its
receivers have freed.
"""
from __future__ import annotations

import ctypes
import fcntl
import itertools
import mmap
import os
import threading
import weakref

import numpy as np

_ids = itertools.count(1)
_lock = threading.Lock()
_published: dict[int, "Region"] = {}
_lenders: "weakref.WeakValueDictionary[int, object]" = weakref.WeakValueDictionary()   # links that lend
_loan_count_lock = threading.Lock()
_views: dict[int, tuple] = {}   # id(view) -> (view, region, offset), for the views view() made last
_MAX_VIEWS = 64


def seal_size(fd: int):
    """Promise that the memfd `fd` never shrinks or grows: a peer that maps it can read it all
    without faulting (`check_sealed` is how the peer makes sure)."""
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)


def check_sealed(fd: int, nbytes: int, what: str):
    """Raise ValueError unless `fd` is a memfd of at least `nbytes` that cannot shrink."""
    try:
        seals = fcntl.fcntl(fd, fcntl.F_GET_SEALS)
    except OSError:
        raise ValueError(f"{what} is not a sealed memfd") from None
    if not seals & fcntl.F_SEAL_SHRINK:
        raise ValueError(f"{what} may shrink under the reader (no F_SEAL_SHRINK)")
    if os.fstat(fd).st_size < nbytes:
        raise ValueError(f"{what} holds {os.fstat(fd).st_size} bytes, not the {nbytes} announced")


class Region:
    """A memfd mapping. Fill `array` (writable), then `publish()`; `release()` when done.

    `reused`: the bytes change again once every holder has let go (a pool's buffer, or such a
    buffer received from another process); links lend views of it instead of sending offsets for
    good. `pool`: for a reused region, how many buffers its pool keeps at most."""

    reused = False
    pool = 0
    lent = 0   # views of it that links lend now (their receivers have not let go yet)

    def __init__(self, nbytes: int):
        self.id = next(_ids)
        self.size = max(1, int(nbytes))
        self.fd = os.memfd_create(f"oakling-region-{self.id}", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        os.ftruncate(self.fd, self.size)
        seal_size(self.fd)
        self.map = mmap.mmap(self.fd, self.size)
        self.array = np.frombuffer(self.map, np.uint8, self.size)
        self.address = ctypes.addressof(ctypes.c_char.from_buffer(self.map))

    @classmethod
    def adopt(cls, fd: int, nbytes: int, reused: bool = False, pool: int = 0) -> "Region":
        """A region another process published (or lends, `reused`), from its descriptor (which this
        takes over): mapped read-only and published here too, so views of it are forwarded by
        reference (lent onwards, if it is reused)."""
        region = cls.__new__(cls)
        region.reused, region.pool = reused, pool
        region.id = next(_ids)
        region.size = int(nbytes)
        region.fd = fd
        region.map = mmap.mmap(fd, region.size, prot=mmap.PROT_READ)
        region.array = np.frombuffer(region.map, np.uint8, region.size)
        region.address = region.array.__array_interface__["data"][0]
        with _lock:
            _published[region.id] = region
        return region

    def publish(self):
        self.array.flags.writeable = False
        with _lock:
            _published[self.id] = self

    def lend(self, pool: int):
        """Make this region findable as a reused one (a pool's buffer): its bytes stay writable here."""
        self.reused, self.pool = True, pool
        with _lock:
            _published[self.id] = self

    def release(self):
        """Unpublish and close the descriptor; views and other processes' mappings stay valid."""
        with _lock:
            _published.pop(self.id, None)
        for key, known in list(_views.items()):   # remembered views would keep the mapping
            if known[1] is self:
                _views.pop(key, None)
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def shared_array(shape, dtype=np.uint8) -> tuple[np.ndarray, Region]:
    """A writable array in a new (unpublished) region, and the region."""
    dtype = np.dtype(dtype)
    region = Region(int(np.prod(shape)) * dtype.itemsize)
    return region.array.view(dtype).reshape(shape), region


def add_lender(link):
    """`link` lends views of reused regions: `reap()` will ask it to let go of what its receiver freed."""
    _lenders[id(link)] = link


def count_loan(region: Region, change: int):
    """A link lends a view of `region` (+1) or has seen its receiver let go of one (-1)."""
    with _loan_count_lock:
        region.lent += change


def reap():
    """Ask every lending link to drop the frames its receiver has let go (a pool that finds no free
    buffer calls this before it waits)."""
    for link in list(_lenders.values()):
        link.reap_loans()


def forget_all():
    """In a process just forked: the parent's regions and lending links are not this process's to send."""
    global _lock, _loan_count_lock
    _published.clear()
    _lenders.clear()
    _views.clear()
    _lock, _loan_count_lock = threading.Lock(), threading.Lock()


def view(region: Region, offset: int, nbytes: int) -> np.ndarray:
    """`nbytes` of `region` from `offset`, remembered (the last few) so that `find` knows where they
    lie without asking NumPy for the array's address, which costs more than the rest of a frame's
    way through a process that forwards it (a Script's, or the device's output pump)."""
    array = region.array[offset:offset + nbytes]
    _views[id(array)] = (array, region, offset)
    if len(_views) > _MAX_VIEWS:
        try:
            del _views[next(iter(_views))]
        except (RuntimeError, KeyError, StopIteration):   # another thread changed it meanwhile
            pass
    return array


def find(payload: np.ndarray) -> tuple[Region, int] | None:
    """The published region holding all of `payload`, with the payload's offset in it."""
    if not _published:
        return None
    known = _views.get(id(payload))
    if known is not None and known[0] is payload and _published.get(known[1].id) is known[1]:
        return known[1], known[2]
    start = payload.__array_interface__["data"][0]
    end = start + payload.nbytes
    with _lock:
        for region in _published.values():
            if region.address <= start and end <= region.address + region.size:
                return region, start - region.address
    return None
