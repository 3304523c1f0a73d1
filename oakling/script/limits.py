"""The resource limits of a script's process: memory, CPU time, threads, open files, file sizes.

    cgroup = ScriptCgroup.make("Script(3)", memory_limit)    # device process, before the fork; None: no cgroup
    applied = apply(memory_limit, cpu_limit, cgroup.procs)   # script process, before the sandbox closes
    ...
    cgroup.close()                                           # device process, once the script is reaped
    cgroup.oom_kills                                         # did the kernel stop it at memory.max?

Memory is counted by a cgroup v2 of the script's own where the device process may make one (it
runs as root, or in a delegated cgroup): `memory.max` is the node's memory limit and counts
everything the process makes resident from the moment it joins — heap, stacks, shared memory
(memfd, shared mappings) and the page cache of the files it writes — with no swap
(`memory.swap.max` 0), and `pids.max` bounds its threads (MAX_THREADS). Past memory.max the
kernel's OOM killer ends the process, and `memory.events` says so.

Where there is no such cgroup, RLIMIT_AS bounds the process's address space: what it has when the
sandbox closes, plus the memory limit, plus ADDRESS_MARGIN for what the runtime maps after that on
its own (a malloc arena, the stacks of its threads, the shared segments frames arrive in). Every
mapping counts, shared or private, so a script cannot hold more by mapping memfds or files.

Both ways, RLIMIT_DATA bounds the private heap at the memory limit, so a script whose heap outgrows
it gets MemoryError, which names the limit, rather than being killed. Without a cgroup, threads are
bounded by RLIMIT_AS: each one's stack and guard page are address space. RLIMIT_CPU is
its CPU time limit if it has one; RLIMIT_NOFILE lets it open OPEN_FILES descriptors beyond those
it holds at start; RLIMIT_FSIZE refuses files (in storage, and memfds) larger than
`file_size_limit()` with EFBIG (CPython ignores SIGXFSZ, so the write raises OSError); no core files.
"""
from __future__ import annotations

import ctypes
import errno
import functools
import itertools
import math
import os
import re
import resource
import threading

DEFAULT_MEMORY_LIMIT = 512 << 20   # a Script's memory limit unless script.setMemoryLimit says otherwise
MAX_THREADS = 128                  # a Script's threads (the runtime's own included), where a cgroup counts them
OPEN_FILES = 256                   # descriptors a Script may open beyond those it holds at start
FILE_SIZE_LIMIT = 1 << 30          # the largest file a Script may write (at least its memory limit)
# Address space the runtime of a script's process maps after the sandbox closes, besides what the
# script allocates (measured as in docs/script.md, "Limits"): the second malloc arena, whose making
# maps 64 MiB more for a moment (M_ARENA_MAX is 2); the stacks of the control thread and of each
# non-blocking input's receiver (8 MiB each with the usual `ulimit -s`); and the shared segments
# frames wait in until the script takes them — 50 MiB for 1080p BGR frames through an input queue
# of 8. Frames the script holds on to count against its memory limit.
ADDRESS_MARGIN = 128 << 20

_M_ARENA_MAX = -8
_applied: dict = {}   # what `apply` set in this process, for `explain`
_made = itertools.count(1)   # the cgroups this process made, for unique names


def file_size_limit(memory_limit: int) -> int:
    """The largest file a Script may write: FILE_SIZE_LIMIT, or its memory limit if larger (a
    message it sends travels in a memfd as large as the message)."""
    return max(FILE_SIZE_LIMIT, int(memory_limit))


def size_text(nbytes: int) -> str:
    """1 GiB, 64 MiB, 4096 bytes."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if nbytes >= 1 << shift and nbytes % (1 << shift) == 0:
            return f"{nbytes >> shift} {unit}"
    return f"{nbytes} bytes"


def cpu_limit_seconds(seconds: float) -> int:
    """RLIMIT_CPU counts whole seconds: a limit is rounded up."""
    return max(1, math.ceil(seconds))


# -- in the script's process --

def apply(memory_limit: int, cpu_limit: float | None = None, cgroup: str | None = None,
          threads_counted: bool = False) -> str:
    """Set this process's limits, for good (seccomp then refuses setrlimit). `cgroup` is the
    `cgroup.procs` of the script's cgroup, if the device made one: the process joins it and its
    memory is counted there; otherwise (or if joining fails) by RLIMIT_AS. Returns which, for the log."""
    try:
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, 2)   # each thread's arena would reserve 64 MiB more
    except (OSError, AttributeError):
        pass
    counted = "no memory limit"
    joined = _join(cgroup) if cgroup else None
    if memory_limit and memory_limit > 0:
        _lower(resource.RLIMIT_DATA, _status_bytes("VmData") + int(memory_limit))
        if joined is True:
            counted = "memory counted by a cgroup"
        else:
            _lower(resource.RLIMIT_AS, _status_bytes("VmSize") + int(memory_limit) + ADDRESS_MARGIN)
            counted = "memory counted as address space (RLIMIT_AS)"
            if joined:
                counted += f"; cgroup not joined: {joined}"
    if cpu_limit:
        soft = cpu_limit_seconds(cpu_limit)
        _lower(resource.RLIMIT_CPU, soft, soft + 1)   # SIGXCPU at the soft limit, SIGKILL a second later
    held = os.listdir("/proc/self/fd")   # the listing's own descriptor is closed again by now
    _lower(resource.RLIMIT_NOFILE, max(len(held) - 1 + OPEN_FILES, max(map(int, held)) + 1))
    _lower(resource.RLIMIT_FSIZE, file_size_limit(memory_limit))
    _lower(resource.RLIMIT_CORE, 0)
    if threads_counted:   # its real user id is its own (namespaces.THREADS_UID): the kernel counts its threads
        _lower(resource.RLIMIT_NPROC, MAX_THREADS)
    _applied.update(memory_limit=int(memory_limit), threads=joined is True or threads_counted, open_files=OPEN_FILES,
                    file_size=file_size_limit(memory_limit))
    return counted


def explain(exc: BaseException) -> str:
    """What a script's exception has to do with its limits, as a hint to append to its summary
    ("" if nothing): the limit, its value and, where there is one, how to raise it."""
    if not _applied:
        return ""
    memory = f"{size_text(_applied['memory_limit'])}: script.setMemoryLimit(bytes) on the host changes it"
    if isinstance(exc, MemoryError) or (isinstance(exc, OSError) and exc.errno == errno.ENOMEM):
        return f" (the Script's memory limit is {memory})"
    if isinstance(exc, OSError) and exc.errno == errno.EMFILE:
        return (f" (a Script may have {_applied['open_files']} files and sockets open besides the runtime's own: "
                f"close those it no longer needs)")
    if isinstance(exc, OSError) and exc.errno == errno.EFBIG:
        return f" (a Script may write files of at most {size_text(_applied['file_size'])})"
    if isinstance(exc, RuntimeError) and "can't start new thread" in str(exc):
        if _applied["threads"] and threading.active_count() >= MAX_THREADS - 1:
            return f" (a Script may run at most {MAX_THREADS} threads, the runtime's own included)"
        return f" (each thread's stack takes {size_text(thread_stack_size())} of the Script's memory limit of {memory})"
    return ""


def _join(procs: str) -> bool | str:
    """Move this process into the cgroup whose cgroup.procs is `procs`: True, or why not."""
    try:
        _write_file(procs, "0")   # "0": the writing process, whatever pid namespace it is in
        return True
    except OSError as e:
        return e.strerror or str(e)


def _write_file(path: str, text: str):
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _lower(which: int, soft: int, hard: int | None = None):
    """Set a limit, never above the hard limit already in place (which only root could raise)."""
    _, current = resource.getrlimit(which)
    hard = soft if hard is None else hard
    if current != resource.RLIM_INFINITY:
        soft, hard = min(soft, current), min(hard, current)
    resource.setrlimit(which, (soft, hard))


def _status_bytes(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def thread_stack_size() -> int:
    """The address space a new thread's stack takes: glibc's default is the stack's soft limit
    (`ulimit -s`), 2 MiB if that is unlimited; threading.stack_size() changes it."""
    size = threading.stack_size()
    if size:
        return size
    soft, _ = resource.getrlimit(resource.RLIMIT_STACK)
    return soft if soft != resource.RLIM_INFINITY else 2 << 20


# -- in the device process --

class ScriptCgroup:
    """A cgroup v2 of one script's process, made by the device process before the fork, with its
    memory, swap and thread limits; the script's process joins it itself (`procs`). `close()` once
    the process is reaped reads whether the kernel stopped it at memory.max (`oom_kills`) and
    removes the cgroup."""

    def __init__(self, path: str):
        self.path = path
        self.procs = os.path.join(path, "cgroup.procs")
        self.oom_kills = 0

    @classmethod
    def make(cls, label: str, memory_limit: int, home: str | None = None) -> "ScriptCgroup | None":
        """The cgroup of a script about to be forked, under `home` (default: `cgroup_home()`);
        None where no cgroup can be made here (the script's process then limits its address space)."""
        home = home if home is not None else cgroup_home()
        if home is None:
            return None
        name = re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-")
        path = os.path.join(home, f"oakling-{os.getpid()}-{name}-{next(_made)}")
        try:
            try:
                os.mkdir(path)
            except FileExistsError:   # left by an earlier device process that had our pid
                os.rmdir(path)
                os.mkdir(path)
        except OSError:
            return None
        cgroup = cls(path)
        try:
            cgroup._write("memory.max", int(memory_limit))
            cgroup._write("memory.swap.max", 0, optional=True)   # only where swap is accounted
            cgroup._write("pids.max", MAX_THREADS, optional=True)
        except OSError:
            cgroup.close()
            return None
        return cgroup

    def _write(self, name: str, value, optional: bool = False):
        """Write one of the cgroup's interface files (never creating one: a folder that lacks them is
        no cgroup with that controller)."""
        try:
            _write_file(os.path.join(self.path, name), str(value))
        except FileNotFoundError:
            if not optional:
                raise

    def events(self, name: str) -> dict:
        """A flat-keyed file of the cgroup (memory.events, pids.events) as {key: count}."""
        try:
            with open(os.path.join(self.path, name)) as f:
                return {key: int(value) for key, value in (line.split() for line in f if line.strip())}
        except (OSError, ValueError):
            return {}

    def close(self):
        """The script's process is gone: note whether the OOM killer ended it, then remove the cgroup."""
        self.oom_kills = max(self.oom_kills, self.events("memory.events").get("oom_kill", 0))
        try:
            os.rmdir(self.path)
        except OSError:
            pass


@functools.cache
def cgroup_home() -> str | None:
    """The cgroup v2 folder under which this process may make a script's cgroup with its own memory
    limit (the memory controller enabled for its children, and writable by this user), or None."""
    try:
        with open("/proc/self/mountinfo") as f:
            mountinfo = f.read()
        with open("/proc/self/cgroup") as f:
            own = f.read()
    except OSError:
        return None
    for folder in candidate_homes(mountinfo, own):
        try:
            with open(os.path.join(folder, "cgroup.subtree_control")) as f:
                enabled = f.read().split()
        except OSError:
            continue
        if "memory" in enabled and os.access(folder, os.W_OK):
            _sweep(folder)
            return folder
    return None


def candidate_homes(mountinfo: str, proc_cgroup: str) -> list[str]:
    """This process's cgroup v2 folder and its ancestors up to the hierarchy's mount, nearest first,
    from /proc/self/mountinfo and /proc/self/cgroup; [] without a cgroup v2 mount."""
    mount = None
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        if sep and right.split()[:1] == ["cgroup2"]:
            fields = left.split()
            mount = (_unescape(fields[4]), _unescape(fields[3]))   # mount point, root in the hierarchy
            break
    path = next((line[3:] for line in proc_cgroup.splitlines() if line.startswith("0::")), None)
    if mount is None or path is None:
        return []
    point, root = mount
    if root != "/":
        if path != root and not path.startswith(root.rstrip("/") + "/"):
            return []   # our cgroup is not under what is mounted
        path = path[len(root.rstrip("/")):]
    parts = [p for p in path.split("/") if p]
    return [os.path.join(point, *parts[:k]) for k in range(len(parts), -1, -1)]


def _unescape(text: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), text)


def _sweep(home: str):
    """Remove the empty cgroups of device processes that ended without removing them."""
    try:
        names = os.listdir(home)
    except OSError:
        return
    for name in names:
        match = re.fullmatch(r"oakling-(\d+)-.+", name)
        if match and not os.path.exists(f"/proc/{match.group(1)}"):
            try:
                os.rmdir(os.path.join(home, name))
            except OSError:
                pass
