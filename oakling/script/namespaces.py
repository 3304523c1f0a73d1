"""The script process's own view of the machine: user, mount and network namespaces.

    refused = unshare(private_network=True)      # the child, first thing after the fork
    map_user(child_pid)                          # the parent, once the child has unshared
    status = build_root(readable_paths, storage, private_network=True)   # the child, before Landlock

The process gets a user namespace of its own (the same user id inside; no capabilities outside
it), and in it:

- a mount namespace whose root is an empty, read-only tmpfs holding only what the interpreter
  needs, each bound read-only at its own path (the Python installation and its libraries,
  oakling, shared libraries, a few system files), and the storage folder, writable and without
  exec, both at its own path and at /media/mmcsd-0-0, where a script on an OAK finds it. There
  is no /proc, no /sys, no /home, no /tmp: what is not mounted does not exist for the script;
- a network namespace with only `lo`, when the script's network is loopback (`loopback.py`
  lends it the host's loopback for TCP).

Then it drops every capability the new user namespace gave it. It cannot be undone: the seccomp
filter installed after it refuses mount, unshare, setns and pivot_root. Where the kernel refuses
namespaces (unprivileged user namespaces switched off, a container's own seccomp), nothing is
changed and the returned status says why; the caller warns once.
"""
from __future__ import annotations

import ctypes
import fcntl
import os
import socket
import struct

DEVICE_STORAGE = "/media/mmcsd-0-0"   # where scripts see the storage folder (the eMMC stand-in)

_CLONE_NEWNS, _CLONE_NEWUSER, _CLONE_NEWNET = 0x00020000, 0x10000000, 0x40000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 0x20, 0x1000, 0x4000, 0x40000
_MNT_DETACH = 2
# the new mount API (Linux 5.2+; mount_setattr 5.12+): bind trees taken before the old root goes
_OPEN_TREE, _MOVE_MOUNT, _MOUNT_SETATTR, _PIVOT_ROOT = 428, 429, 442, 155   # x86-64 and arm64 alike
_OPEN_TREE_CLONE, _OPEN_TREE_CLOEXEC, _AT_RECURSIVE, _AT_EMPTY_PATH = 1, 0o2000000, 0x8000, 0x1000
_MOVE_MOUNT_F_EMPTY_PATH = 0x4
_MOUNT_ATTR_RDONLY, _MOUNT_ATTR_NOSUID, _MOUNT_ATTR_NODEV, _MOUNT_ATTR_NOEXEC = 0x1, 0x2, 0x4, 0x8
_SIOCSIFFLAGS, _IFF_UP = 0x8914, 0x1
_CAPSET, _CAP_VERSION_3 = 126, 0x20080522
_PR_SET_KEEPCAPS, _CAP_SETGID, _CAP_SETUID = 8, 6, 7


class _MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


class _Kernel:
    """The few system calls this needs, raising OSError with the call's name."""

    def __init__(self):
        self.libc = ctypes.CDLL(None, use_errno=True)

    def _check(self, result: int, what: str) -> int:
        if result < 0:
            code = ctypes.get_errno()
            raise OSError(code, f"{what}: {os.strerror(code)}")
        return result

    def unshare(self, flags: int):
        self._check(self.libc.unshare(flags), "unshare")

    def mount(self, source, target, kind, flags: int, data=None):
        enc = lambda s: s.encode() if isinstance(s, str) else s
        self._check(self.libc.mount(enc(source), enc(target), enc(kind), ctypes.c_ulong(flags), enc(data)),
                    f"mount {target}")

    def umount(self, target: str, flags: int):
        self._check(self.libc.umount2(target.encode(), flags), f"umount {target}")

    def open_tree(self, path: str) -> int:
        flags = _OPEN_TREE_CLONE | _OPEN_TREE_CLOEXEC | _AT_RECURSIVE
        return self._check(self.libc.syscall(_OPEN_TREE, -100, path.encode(), ctypes.c_uint(flags)),
                           f"open_tree {path}")

    def set_attributes(self, tree: int, attributes: int):
        attr = _MountAttr(attributes, 0, 0, 0)
        self._check(self.libc.syscall(_MOUNT_SETATTR, tree, b"", ctypes.c_uint(_AT_EMPTY_PATH | _AT_RECURSIVE),
                                      ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr))), "mount_setattr")

    def move_mount(self, tree: int, target: str):
        self._check(self.libc.syscall(_MOVE_MOUNT, tree, b"", -100, target.encode(),
                                      ctypes.c_uint(_MOVE_MOUNT_F_EMPTY_PATH)), f"move_mount {target}")

    def pivot_root(self, new: str, old: str):
        self._check(self.libc.syscall(_PIVOT_ROOT, new.encode(), old.encode()), "pivot_root")

    def drop_capabilities(self, keep: int = 0):
        """All capabilities gone but those in the `keep` mask (bits below 32)."""
        header = _CapHeader(_CAP_VERSION_3, 0)
        data = (_CapData * 2)()
        data[0].effective = data[0].permitted = keep
        self._check(self.libc.syscall(_CAPSET, ctypes.byref(header), ctypes.byref(data)), "capset")

    def keep_capabilities(self, on: bool):
        self._check(self.libc.prctl(_PR_SET_KEEPCAPS, int(on), 0, 0, 0), "prctl(PR_SET_KEEPCAPS)")

    def files_as(self, uid: int, gid: int):
        """The ids the kernel checks files against (setfsuid/setfsgid report the old id, not errors)."""
        self.libc.setfsuid(uid)
        self.libc.setfsgid(gid)
        if self.libc.setfsuid(-1) != uid or self.libc.setfsgid(-1) != gid:
            raise OSError(1, "setfsuid: the file ids did not change")


# The real user id a script of a device run by root takes: the kernel counts a process's threads
# against RLIMIT_NPROC per real user, and never counts root's. Its files stay root's (the
# effective user id is unchanged).
THREADS_UID = 2_000_000_000


def map_user(pid: int):
    """Called by the parent once the child has its user namespace: the same user and group ids
    inside as outside, no supplementary groups to gain. The parent writes the maps because a
    process may not map user 0 (a device run as root) from inside its own new namespace; for
    root it also maps THREADS_UID, which the child takes as its real user id."""
    uid, gid = os.geteuid(), os.getegid()
    users = f"{uid} {uid} 1\n" + (f"{THREADS_UID} {THREADS_UID} 1\n" if uid == 0 else "")
    for name, text in (("setgroups", "deny"), ("uid_map", users), ("gid_map", f"{gid} {gid} 1\n")):
        with open(f"/proc/{pid}/{name}", "w") as f:
            f.write(text)


def _mount_points(readable, storage: str | None) -> list[tuple[str, str, bool]]:
    """(path in the new root, path now, writable) for every bind, outermost first, dropping paths
    already inside another bind (they come with it) and those this machine does not have.
    A symbolic link (/lib → usr/lib on merged-/usr systems) is bound as what it points to, at
    both places."""
    wanted: dict[str, tuple[str, bool]] = {}
    for path in readable:
        if not os.path.lexists(path):
            continue
        real = os.path.realpath(path)
        if os.path.exists(real):
            wanted.setdefault(real, (real, False))
            if real != path:
                wanted.setdefault(path, (real, False))
    if storage:
        wanted[storage] = (storage, True)
        wanted[DEVICE_STORAGE] = (storage, True)
    kept: list[tuple[str, str, bool]] = []
    for target in sorted(wanted, key=lambda p: (p.count("/"), p)):
        if any(target.startswith(outer.rstrip("/") + "/") for outer, _, _ in kept):
            continue
        source, writable = wanted[target]
        kept.append((target, source, writable))
    return kept


def _make_mount_point(root: str, target: str, is_dir: bool):
    path = root + target
    os.makedirs(path if is_dir else os.path.dirname(path), mode=0o755, exist_ok=True)
    if not is_dir and not os.path.exists(path):
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o644))


def _loopback_up():
    """A new network namespace has `lo`, down: bring it up, so 127.0.0.1 and ::1 work."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        fcntl.ioctl(s.fileno(), _SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", _IFF_UP))


_SCRATCH = "/tmp"   # where the new root is put together: a tmpfs over it, in this namespace only


def unshare(private_network: bool) -> str | None:
    """In the child, first thing (one thread): new user and mount namespaces, and a network one if
    `private_network`. None when done (the parent then calls `map_user`), else why the kernel
    refused (then the process is as it was)."""
    flags = _CLONE_NEWUSER | _CLONE_NEWNS | (_CLONE_NEWNET if private_network else 0)
    try:
        _Kernel().unshare(flags)
    except OSError as e:
        return f"the kernel refused namespaces ({e.strerror or e})"
    return None


def build_root(readable, storage: str | None, private_network: bool) -> str:
    """In the child, once its user is mapped: the new root, `lo` up, no capabilities left.
    Returns what was done, for the log. Raises OSError if the kernel refuses a step (the process
    is then half-built: the caller must not run the script)."""
    kernel = _Kernel()
    kernel.mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    trees = []
    for target, source, writable in _mount_points(readable, storage):   # before the scratch tmpfs hides them
        tree = kernel.open_tree(source)
        attributes = _MOUNT_ATTR_NOSUID | _MOUNT_ATTR_NODEV
        attributes |= _MOUNT_ATTR_NOEXEC if writable else _MOUNT_ATTR_RDONLY
        kernel.set_attributes(tree, attributes)
        trees.append((target, tree, os.path.isdir(source)))
    kernel.mount("tmpfs", _SCRATCH, "tmpfs", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, "mode=0755,size=1m")
    for target, tree, is_dir in trees:
        _make_mount_point(_SCRATCH, target, is_dir)
        kernel.move_mount(tree, _SCRATCH + target)
        os.close(tree)
    os.chdir(_SCRATCH)
    kernel.pivot_root(".", ".")   # the old root is now stacked on the new one: take it away
    kernel.umount(".", _MNT_DETACH)
    os.chdir("/")
    kernel.mount(None, "/", None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
    if private_network:
        _loopback_up()
    if os.getuid() == 0:   # root's threads go uncounted: the real user becomes another (files stay root's)
        os.setresuid(THREADS_UID, 0, 0)
    kernel.drop_capabilities()
    return "user, mount and network namespaces" if private_network else "user and mount namespaces"


def without_namespaces() -> str:
    """Where the kernel refused namespaces, the next best for a script of a device run by root: a
    user and group of its own (one per script, so the kernel counts its threads, and other
    processes, root's included, are not its to signal, trace or limit) and no capabilities. Files
    are still checked as root's owner bits, without root's power to override them: the script
    reads the interpreter and writes its storage where the device does, and Landlock keeps it to
    those. Returns what was done, for the log."""
    if os.geteuid() != 0:
        return "it runs as the host program's user"
    kernel = _Kernel()
    uid = THREADS_UID + os.getpid()
    os.setgroups([])
    kernel.keep_capabilities(True)
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)   # every capability leaves the effective set; the permitted ones stay
    kernel.keep_capabilities(False)
    kernel.drop_capabilities(keep=(1 << _CAP_SETUID) | (1 << _CAP_SETGID))
    kernel.files_as(0, 0)
    kernel.drop_capabilities()
    return f"it runs as user {uid}, without capabilities"
