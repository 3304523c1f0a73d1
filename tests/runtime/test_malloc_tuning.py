"""malloc_tuning: the device process's glibc malloc settings, observed in a fresh process (they are
the process's for good, so never applied to the test's own)."""
import subprocess
import sys

import pytest

from oakling.runtime import malloc_tuning

glibc = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc only")

PROBE = """
import ctypes, sys, threading
from oakling.runtime import malloc_tuning
tuned = sys.argv[1] == "tuned"
if tuned:
    assert malloc_tuning.tune()
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = (ctypes.c_void_p,)

class Info(ctypes.Structure):   # struct mallinfo2
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
                 "fordblks", "keepcost")]
libc.mallinfo2.restype = Info

libc.free(libc.malloc(8 << 20))          # a large block freed: untuned glibc raises its threshold to 8 MiB
before = libc.mallinfo2().hblks         # blocks that are mappings of their own
frame = libc.malloc(1 << 20)             # a frame-sized buffer
print("mapped", libc.mallinfo2().hblks - before)   # 1: a mapping of its own, given back when freed; 0: in an arena
libc.free(frame)

def churn():                             # threads that malloc at once: glibc gives them arenas
    for _ in range(20000):
        libc.free(libc.malloc(4096))
threads = [threading.Thread(target=churn) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
sys.stdout.flush()
libc.malloc_stats()                      # one "Arena N:" paragraph per arena, on stderr
"""


def probe(mode: str) -> tuple[int, int]:
    done = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    mapped = int(done.stdout.split()[1])
    return mapped, done.stderr.count("Arena ")


@glibc
def test_frame_sized_buffers_stay_mappings_and_threads_share_few_arenas():
    mapped, arenas = probe("tuned")
    assert mapped == 1
    assert arenas <= malloc_tuning.ARENAS


@glibc
def test_without_the_settings_glibc_serves_frames_from_an_arena():
    """What the settings change: this is the behaviour that grew the device's memory over long runs."""
    mapped, _ = probe("plain")
    assert mapped == 0
