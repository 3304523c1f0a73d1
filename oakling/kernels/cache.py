"""The on-disk cache of compiled OpenCL programs.

    cache = ProgramCache.default()              # $OAKLING_KERNEL_CACHE, else ~/.cache/oakling/kernels
    key = cache.key(source, options, device_id)
    cache.load(key)                              # the program's binary, or None
    cache.store(key, binary)

A program is compiled once per (source, build options, device) and its binary kept under the key
of those three, so the next run loads it instead of compiling: PoCL's own cache spares the
compiler's back end but still runs its front end on the source (about 70 ms for a small kernel
here), while creating the program from its binary takes a few milliseconds.

The folder is `OAKLING_KERNEL_CACHE` if set, else `$XDG_CACHE_HOME/oakling/kernels`, else
`~/.cache/oakling/kernels`. PoCL keeps the machine code it makes for each work-group size in its
own cache; unless `POCL_CACHE_DIR` says otherwise, that is the folder `pocl` inside this one
(`pocl_cache_dir`), so one folder holds everything oakling compiled.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

ENV = "OAKLING_KERNEL_CACHE"
POCL_ENV = "POCL_CACHE_DIR"
FORMAT = b"oakling-kernel-cache-1"   # in every key: a change of layout never reads old entries


def default_dir(environ=os.environ) -> Path:
    if environ.get(ENV):
        return Path(environ[ENV])
    base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "oakling" / "kernels"


class ProgramCache:
    def __init__(self, folder):
        self.folder = Path(folder)

    @classmethod
    def default(cls) -> "ProgramCache":
        return cls(default_dir())

    @staticmethod
    def key(source: str, options: str, device_id: str) -> str:
        h = hashlib.sha256(FORMAT)
        for part in (source, options, device_id):
            data = part.encode("utf-8")
            h.update(len(data).to_bytes(8, "little"))
            h.update(data)
        return h.hexdigest()

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.bin"

    def load(self, key: str) -> bytes | None:
        try:
            return self.path(key).read_bytes()
        except OSError:
            return None

    def store(self, key: str, binary: bytes) -> bool:
        """Keep `binary` under `key`; False if the folder cannot be written (the cache is then
        skipped, never an error)."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".bin")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(binary)
                os.replace(tmp, self.path(key))   # readers see the whole file or none
            except BaseException:
                os.unlink(tmp)
                raise
            return True
        except OSError:
            return False

    def forget(self, key: str):
        """Drop an entry that did not load (a binary the driver no longer accepts)."""
        try:
            self.path(key).unlink()
        except OSError:
            pass

    @property
    def pocl_cache_dir(self) -> Path:
        return self.folder / "pocl"
