"""Published shared-memory regions: immutable bytes that any process may map.

A source that keeps its pixels in a published region (the synthetic camera's pattern, for one)
lets frames that are views into it cross to another process by reference: the link sends the
region's descriptor once and then only offsets, with no copy of the pixels. Publishing is a
promise that the bytes never change again, so the receivers' views are read-only.
"""
from __future__ import annotations

import ctypes
import fcntl
import itertools
import mmap
import os
import threading

import numpy as np

_ids = itertools.count(1)
_lock = threading.Lock()
_published: dict[int, "Region"] = {}


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
    """A memfd mapping. Fill `array` (writable), then `publish()`; `release()` when done."""

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
    def adopt(cls, fd: int, nbytes: int) -> "Region":
        """A region another process published, from its descriptor (which this takes over):
        mapped read-only and published here too, so views of it are forwarded by reference."""
        region = cls.__new__(cls)
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

    def release(self):
        """Unpublish and close the descriptor; views and other processes' mappings stay valid."""
        with _lock:
            _published.pop(self.id, None)
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def shared_array(shape, dtype=np.uint8) -> tuple[np.ndarray, Region]:
    """A writable array in a new (unpublished) region, and the region."""
    dtype = np.dtype(dtype)
    region = Region(int(np.prod(shape)) * dtype.itemsize)
    return region.array.view(dtype).reshape(shape), region


def find(payload: np.ndarray) -> tuple[Region, int] | None:
    """The published region holding all of `payload`, with the payload's offset in it."""
    if not _published:
        return None
    start = payload.__array_interface__["data"][0]
    end = start + payload.nbytes
    with _lock:
        for region in _published.values():
            if region.address <= start and end <= region.address + region.size:
                return region, start - region.address
    return None
