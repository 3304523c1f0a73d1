"""The resource limits of a script's process: memory, CPU time, threads, open files, file sizes.

    cgroup = ScriptCgroup.make("Script(3)", memory_limit)    # device process, before the fork; None: no cgroup
    applied = apply(memory_limit, cpu_limit, cgroup.procs)   # script process, before the sandbox closes (joins)
    ...
    cgroup.close()                                           # device process, once the script is reaped
    cgroup.oom_kills                                         # did the kernel stop it at memory.max?

Memory is counted by a cgroup of the script's own where the device process may make one (it runs
as root, or in a delegated cgroup): on cgroup v2, `memory.max` is the node's memory limit (plus
CGROUP_MARGIN for the runtime) and counts everything the process makes resident from the moment it joins — heap, stacks, shared
memory (memfd, shared mappings) and the page cache of the files it writes — with no swap
(`memory.swap.max` 0), and `pids.max` bounds its threads (MAX_THREADS). Past memory.max the
kernel's OOM killer ends the process, and `memory.events` says so. Where the machine mounts the
v1 controllers instead, the same is done with a cgroup in the v1 memory hierarchy
(`memory.limit_in_bytes`, `memory.memsw.limit_in_bytes`, `memory.oom_control`) and, if mounted,
one in the pids hierarchy.

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

import errno
import functools
import itertools
import math
import os
import re
import resource
import threading
from typing import NamedTuple

from ..runtime import malloc_tuning

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
# What a script's cgroup counts besides the script's own memory: the pages of the device process
# the interpreter copies as it writes to them (reference counts), its page tables and kernel
# memory — 4 to 8 MiB for an idle script here. With it, a heap that outgrows the limit meets
# RLIMIT_DATA's MemoryError first, which names the limit, rather than the OOM killer.
CGROUP_MARGIN = 32 << 20

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

def apply(memory_limit: int, cpu_limit: float | None = None, cgroup: list[str] | None = None,
          threads_counted: bool = False) -> str:
    """Set this process's limits, for good (seccomp then refuses setrlimit). `cgroup` is the
    `cgroup.procs` files of the script's cgroup, if the device made one (the memory one first): the
    process joins it and its memory is counted there; otherwise (or if joining fails) by RLIMIT_AS.
    Returns which, for the log."""
    malloc_tuning.cap_arenas()   # each thread's arena would reserve 64 MiB more
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


def _join(procs: list[str]) -> bool | str:
    """Move this process into the cgroup whose cgroup.procs files are `procs`: True, or why not."""
    try:
        for path in procs:
            _write_file(path, "0")   # "0": the writing process, whatever pid namespace it is in
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
    """The cgroup of one script's process, made by the device process before the fork, with its
    memory, swap and thread limits: one folder on cgroup v2; on v1, one in the memory hierarchy and,
    where it is mounted, one in the pids hierarchy. The script's process joins it itself (`procs`).
    `close()` once the process is reaped reads whether the kernel stopped it at its memory limit
    (`oom_kills`) and removes the folders."""

    def __init__(self, paths: list[str], version: int):
        self.paths = paths
        self.path = paths[0]   # the one with the memory controller
        self.procs = [os.path.join(path, "cgroup.procs") for path in paths]
        self.version = version
        self.oom_kills = 0

    @classmethod
    def make(cls, label: str, memory_limit: int, home: "str | V1Homes | None" = None) -> "ScriptCgroup | None":
        """The cgroup of a script about to be forked, under `home` (default: `cgroup_home()`): a
        cgroup v2 folder, or the v1 hierarchies' folders. None where no cgroup can be made here
        (the script's process then limits its address space)."""
        home = home if home is not None else cgroup_home()
        if home is None:
            return None
        version, homes = (2, [home]) if isinstance(home, str) else (1, [h for h in home if h])
        name = re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-")
        name = f"oakling-{os.getpid()}-{name}-{next(_made)}"
        paths = []
        for folder in homes:
            path = os.path.join(folder, name)
            try:
                try:
                    os.mkdir(path)
                except FileExistsError:   # left by an earlier device process that had our pid
                    os.rmdir(path)
                    os.mkdir(path)
            except OSError:
                for made in paths:
                    os.rmdir(made)
                return None
            paths.append(path)
        cgroup = cls(paths, version)
        try:
            counted = int(memory_limit) + CGROUP_MARGIN
            if version == 2:
                cgroup._write("memory.max", counted)
                cgroup._write("memory.swap.max", 0, optional=True)   # only where swap is accounted
                cgroup._write("pids.max", MAX_THREADS, optional=True)
            else:
                cgroup._write("memory.limit_in_bytes", counted)
                cgroup._write("memory.memsw.limit_in_bytes", counted, optional=True)   # memory + swap
                if len(cgroup.paths) > 1:
                    cgroup._write("pids.max", MAX_THREADS, folder=cgroup.paths[1])
        except OSError:
            cgroup.close()
            return None
        return cgroup

    def _write(self, name: str, value, optional: bool = False, folder: str | None = None):
        """Write one of the cgroup's interface files (never creating one: a folder that lacks them is
        no cgroup with that controller)."""
        try:
            _write_file(os.path.join(folder or self.path, name), str(value))
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
        if self.paths:
            events = self.events("memory.events" if self.version == 2 else "memory.oom_control")
            self.oom_kills = max(self.oom_kills, events.get("oom_kill", 0))
        for path in self.paths:
            try:
                os.rmdir(path)
            except OSError:
                pass


class V1Homes(NamedTuple):
    """Where a script's cgroup goes on a machine with the v1 controllers: a folder of the memory
    hierarchy, and one of the pids hierarchy (None where that is not mounted or not ours)."""
    memory: str
    pids: str | None


@functools.cache
def cgroup_home() -> "str | V1Homes | None":
    """Where this process may make a script's cgroup with its own memory limit, or None: a cgroup v2
    folder with the memory controller enabled for its children and writable by this user; else the
    v1 memory hierarchy's folder (and the pids one's) where those are mounted and writable."""
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
    found = {}
    for controller, interface in (("memory", "memory.limit_in_bytes"), ("pids", "pids.max")):
        for folder in candidate_homes(mountinfo, own, controller):
            # the hierarchy's root has no limit file of its own: a writable folder that lets us make cgroups will do
            if os.access(folder, os.W_OK) and (os.path.exists(os.path.join(folder, interface)) or
                                               os.path.exists(os.path.join(folder, "cgroup.procs"))):
                _sweep(folder)
                found[controller] = folder
                break
    return V1Homes(found["memory"], found.get("pids")) if "memory" in found else None


def candidate_homes(mountinfo: str, proc_cgroup: str, v1_controller: str | None = None) -> list[str]:
    """This process's cgroup folder and its ancestors up to the hierarchy's mount, nearest first,
    from /proc/self/mountinfo and /proc/self/cgroup: in the cgroup v2 hierarchy, or in the v1
    hierarchy of `v1_controller`; [] where that hierarchy is not mounted."""
    mount = None
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        kind = right.split()
        if not sep or not kind:
            continue
        if (v1_controller is None and kind[0] == "cgroup2") or \
                (v1_controller and kind[0] == "cgroup" and v1_controller in kind[-1].split(",")):
            fields = left.split()
            mount = (_unescape(fields[4]), _unescape(fields[3]))   # mount point, root in the hierarchy
            break
    path = None
    for line in proc_cgroup.splitlines():
        _, controllers, where = (line.split(":", 2) + ["", ""])[:3]
        if (v1_controller is None and line.startswith("0::")) or \
                (v1_controller and v1_controller in controllers.split(",")):
            path = where
            break
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
