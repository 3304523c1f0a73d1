"""seccomp: the system calls a script's process may make, held by the kernel (x86-64 Linux).

    installed = install(LEON_CSS)   # in the script's process, once Landlock is in place

The filter is an allow-list: what CPython and its threads, the whitelisted standard library and
oakling's links need, and nothing else. Whatever a script runs — Python, or machine code it got to
somehow — any other call fails with EPERM: no programs, no other processes (trace, signal, read),
no mounts or namespaces, no kernel code (modules, bpf, io_uring), no new executable memory, no
sockets but TCP and UDP over IPv4 and IPv6 on LEON_CSS. A few calls are judged by their arguments
(`_rules`).
The i386 system-call interface (`int 0x80`), whose numbers differ and which a filter for x86-64
numbers would let through, kills the process; x32 numbers are refused.

It holds in every thread of the process and cannot be undone. Off x86-64 nothing is installed
(`install` returns False and the device log says so); the other layers still hold.
"""
from __future__ import annotations

import ctypes
import errno
import os
import platform
import socket
import struct
import sys

from . import whitelist

_AUDIT_ARCH_X86_64 = 0xC000003E
_X32_BIT = 0x40000000
_RET_KILL_PROCESS, _RET_ERRNO, _RET_ALLOW = 0x80000000, 0x00050000, 0x7FFF0000
_RET_REFUSE = _RET_ERRNO | errno.EPERM

# Classic BPF over struct seccomp_data: nr (u32), arch (u32), instruction_pointer (u64), args[6] (u64).
_LD, _AND, _JEQ, _JSET, _RET = 0x20, 0x54, 0x15, 0x45, 0x06
_NR, _ARCH = 0, 4


def _low(i: int) -> int:
    """Where argument i's low 32 bits are (x86-64 is little-endian). A parameter the kernel declares
    32 bits wide (int, unsigned int) is judged on this half alone, as the kernel reads it."""
    return 16 + 8 * i


def _high(i: int) -> int:
    return 20 + 8 * i


# x86-64 numbers of every call named below (arch/x86/entry/syscalls/syscall_64.tbl).
_NUMBERS = {
    "read": 0, "write": 1, "open": 2, "close": 3, "stat": 4, "fstat": 5, "lstat": 6, "poll": 7, "lseek": 8,
    "mmap": 9, "mprotect": 10, "munmap": 11, "brk": 12, "rt_sigaction": 13, "rt_sigprocmask": 14,
    "rt_sigreturn": 15, "ioctl": 16, "pread64": 17, "pwrite64": 18, "readv": 19, "writev": 20, "access": 21,
    "pipe": 22, "select": 23, "sched_yield": 24, "mremap": 25, "msync": 26, "madvise": 28, "dup": 32,
    "dup2": 33, "nanosleep": 35, "getpid": 39, "sendfile": 40, "socket": 41, "connect": 42, "accept": 43,
    "sendto": 44, "recvfrom": 45, "sendmsg": 46, "recvmsg": 47, "shutdown": 48, "bind": 49, "listen": 50,
    "getsockname": 51, "getpeername": 52, "setsockopt": 54, "getsockopt": 55, "clone": 56, "exit": 60,
    "kill": 62, "uname": 63, "fcntl": 72, "fsync": 74, "fdatasync": 75, "truncate": 76, "ftruncate": 77,
    "getdents": 78, "getcwd": 79, "rename": 82, "mkdir": 83, "rmdir": 84, "creat": 85, "link": 86,
    "unlink": 87, "readlink": 89, "chmod": 90, "fchmod": 91, "chown": 92, "fchown": 93, "lchown": 94,
    "umask": 95, "gettimeofday": 96, "getrlimit": 97, "getrusage": 98, "sysinfo": 99, "times": 100,
    "getuid": 102, "getgid": 104, "geteuid": 107, "getegid": 108, "getppid": 110, "getpgrp": 111,
    "getgroups": 115, "getresuid": 118, "getresgid": 120, "getpgid": 121, "getsid": 124,
    "rt_sigqueueinfo": 129, "sigaltstack": 131, "utime": 132, "statfs": 137, "fstatfs": 138, "gettid": 186,
    "getxattr": 191, "lgetxattr": 192, "fgetxattr": 193, "listxattr": 194, "llistxattr": 195,
    "flistxattr": 196, "tkill": 200, "time": 201, "futex": 202, "sched_getaffinity": 204,
    "epoll_create": 213, "getdents64": 217, "set_tid_address": 218, "restart_syscall": 219,
    "clock_gettime": 228, "clock_getres": 229, "clock_nanosleep": 230, "exit_group": 231, "epoll_wait": 232,
    "epoll_ctl": 233, "tgkill": 234, "utimes": 235, "openat": 257, "mkdirat": 258, "fchownat": 260,
    "futimesat": 261, "newfstatat": 262, "unlinkat": 263, "renameat": 264, "linkat": 265, "readlinkat": 267,
    "fchmodat": 268, "faccessat": 269, "pselect6": 270, "ppoll": 271, "set_robust_list": 273,
    "utimensat": 280, "epoll_pwait": 281, "eventfd": 284, "fallocate": 285, "accept4": 288, "eventfd2": 290,
    "epoll_create1": 291, "dup3": 292, "pipe2": 293, "preadv": 295, "pwritev": 296, "rt_tgsigqueueinfo": 297,
    "recvmmsg": 299, "prlimit64": 302, "sendmmsg": 307, "getcpu": 309, "renameat2": 316, "getrandom": 318,
    "memfd_create": 319, "preadv2": 327, "pwritev2": 328, "pkey_mprotect": 329, "statx": 332, "rseq": 334,
    "clone3": 435, "close_range": 436, "faccessat2": 439, "epoll_pwait2": 441, "fchmodat2": 452,
}

# Allowed whatever their arguments. Not here, so refused: programs (execve, execveat), processes
# (fork, vfork, clone without CLONE_THREAD, wait*), other processes (ptrace, process_vm_*,
# pidfd_*, kcmp, process_madvise), identities and privileges (set*uid, set*gid, capset, setrlimit,
# personality, prctl), mounts and namespaces (mount, umount2, pivot_root, chroot, unshare, setns,
# open_tree, move_mount, fs*, mount_setattr), kernel code and its buffers (init/finit/delete_module,
# kexec_*, bpf, perf_event_open, io_uring_*, userfaultfd, keyctl, add_key, request_key),
# the machine (reboot, swapon/off, *settime*, sethostname, iopl, ioperm, modify_ldt, quotactl, acct,
# sysfs, uselib, vhangup, syslog), symlinks, chdir/fchdir, mknod/mknodat, socketpair, xattr writes,
# SysV IPC, memfd_secret, name_to_handle_at, open_by_handle_at.
_ALLOWED = (
    # memory (mmap, mprotect and pkey_mprotect: _rules)
    "brk munmap mremap madvise msync "
    # threads (clone: _rules), time, waiting
    "futex set_robust_list set_tid_address rseq sched_yield sched_getaffinity getcpu exit exit_group "
    "restart_syscall nanosleep clock_nanosleep clock_gettime clock_getres gettimeofday time "
    # its own signal handlers and masks (sending a signal: _rules)
    "rt_sigaction rt_sigprocmask rt_sigreturn sigaltstack "
    # open descriptors: files, pipes, eventfd doorbells, memfd segments (fcntl, ioctl: _rules)
    "read write pread64 pwrite64 readv writev preadv pwritev preadv2 pwritev2 lseek close close_range "
    "dup dup2 dup3 pipe pipe2 fstat fstatfs ftruncate fallocate fsync fdatasync fchmod fchown sendfile "
    "eventfd eventfd2 poll ppoll select pselect6 epoll_create epoll_create1 epoll_ctl epoll_wait "
    "epoll_pwait epoll_pwait2 "
    # paths: Landlock decides which may be read or written
    "open openat creat stat lstat newfstatat statx statfs access faccessat faccessat2 readlink readlinkat "
    "getdents getdents64 getcwd mkdir mkdirat rmdir unlink unlinkat rename renameat renameat2 link linkat "
    "chmod fchmodat fchmodat2 chown lchown fchownat truncate utime utimes utimensat futimesat umask "
    "getxattr lgetxattr fgetxattr listxattr llistxattr flistxattr "
    # sockets it has (making one: _rules), the links' unix sockets included
    "connect bind listen accept accept4 getsockname getpeername getsockopt shutdown sendto recvfrom "
    "sendmsg recvmsg sendmmsg recvmmsg "
    # who and where it is
    "getpid getppid gettid getuid geteuid getgid getegid getgroups getresuid getresgid getpgrp getpgid "
    "getsid uname sysinfo getrusage times getrlimit getrandom"
).split()

# Refused with ENOSYS, which makes the C library fall back on an older call: clone3 → clone.
_MISSING = ("clone3",)

_PROT_EXEC = 0x4
_CLONE_THREAD = 0x00010000
_CLONE_NAMESPACES = 0x7E020000   # CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET
_MFD_HUGETLB, _MFD_EXEC = 0x4, 0x10
_SOL_SOCKET = 1
_SOCKET_FILTERS = (26, 50, 51, 52)   # SO_ATTACH_FILTER, _BPF, _REUSEPORT_CBPF, _REUSEPORT_EBPF
# ioctl requests: terminal and descriptor queries, and read-only network interface queries. Never
# TIOCSTI or TIOCLINUX, which type into a terminal: the user's, through inherited stdio.
_IOCTLS = (0x5401, 0x5413, 0x541B, 0x5421, 0x5450, 0x5451,   # TCGETS TIOCGWINSZ FIONREAD FIONBIO FIONCLEX FIOCLEX
           0x8910, 0x8912, 0x8913, 0x8915, 0x8933)           # SIOCGIF: NAME CONF FLAGS ADDR INDEX
# fcntl commands: everything but making the kernel signal someone (F_SETOWN, F_SETOWN_EX, F_SETSIG),
# leases (F_SETLEASE makes other processes' opens wait) and directory notifications (F_NOTIFY).
_FCNTLS = (0, 1, 2, 3, 4, 5, 6, 7,   # F_DUPFD F_GETFD F_SETFD F_GETFL F_SETFL F_GETLK F_SETLK F_SETLKW
           36, 37, 38,               # F_OFD_GETLK F_OFD_SETLK F_OFD_SETLKW
           1030, 1033, 1034)         # F_DUPFD_CLOEXEC F_ADD_SEALS F_GET_SEALS

_ALLOW, _REFUSE = "allow", "refuse"   # where every rule ends


def _rules(processor: int, pid: int) -> dict[str, list]:
    """Calls allowed only with some arguments: call → checks on the arguments, whose jumps go to
    _ALLOW, _REFUSE, a label of the rule's own or a number of instructions on. Falling off the end refuses."""
    no_exec = [_ld(_low(2)), _jset(_PROT_EXEC, _REFUSE, _ALLOW)]   # prot: no new machine code
    to_itself = [_ld(_low(0)), _jeq(pid, _ALLOW, _REFUSE)]        # pid or tgid: its own (so not 0, -1, -pgrp)
    rules = {
        "mmap": no_exec, "mprotect": no_exec, "pkey_mprotect": no_exec,
        "clone": [_ld(_low(0)), _jset(_CLONE_THREAD, 0, _REFUSE), _jset(_CLONE_NAMESPACES, _REFUSE, _ALLOW)],
        "memfd_create": [_ld(_low(1)), _jset(_MFD_HUGETLB | _MFD_EXEC, _REFUSE, _ALLOW)],
        "kill": to_itself, "tkill": to_itself, "tgkill": to_itself, "rt_sigqueueinfo": to_itself,
        "rt_tgsigqueueinfo": to_itself,
        # reading limits only: the new limit (a pointer, so both halves) is NULL
        "prlimit64": [_ld(_low(2)), _jeq(0, 0, _REFUSE), _ld(_high(2)), _jeq(0, _ALLOW, _REFUSE)],
        "ioctl": [_ld(_low(1)), *_one_of(_IOCTLS, _ALLOW)],
        "fcntl": [_ld(_low(1)), *_one_of(_FCNTLS, _ALLOW)],
        # no socket filters: programs a process hands the kernel's BPF interpreter and compiler
        "setsockopt": [_ld(_low(1)), _jeq(_SOL_SOCKET, 0, _ALLOW), _ld(_low(2)),
                       *_one_of(_SOCKET_FILTERS, _REFUSE, _ALLOW)],
    }
    if processor == whitelist.LEON_CSS:   # TCP and UDP over IPv4 and IPv6; LEON_MSS: no socket at all
        rules["socket"] = [
            _ld(_low(0)), *_one_of((socket.AF_INET, socket.AF_INET6), "type"),
            "type", _ld(_low(1)), _and(0xF),   # the type without SOCK_NONBLOCK and SOCK_CLOEXEC
            *_one_of((socket.SOCK_STREAM, socket.SOCK_DGRAM), "protocol"),
            "protocol", _ld(_low(2)), *_one_of((0, socket.IPPROTO_TCP, socket.IPPROTO_UDP), _ALLOW),
        ]
    return rules


def _one_of(values, then, otherwise=_REFUSE) -> list:
    """Go to `then` if the loaded value is one of `values`, else to `otherwise`."""
    return [_jeq(value, then) for value in values[:-1]] + [_jeq(values[-1], then, otherwise)]


def _ld(offset):
    return (_LD, offset, 0, 0)


def _and(k):
    return (_AND, k, 0, 0)


def _jeq(k, jt=0, jf=0):
    return (_JEQ, k, jt, jf)


def _jset(k, jt=0, jf=0):
    return (_JSET, k, jt, jf)


def _ret(action):
    return (_RET, action, 0, 0)


def _resolve(items) -> list[tuple]:
    """Instructions with their jumps' labels turned into counts (cBPF jumps forward only, by at most 255)."""
    where, code = {}, []
    for item in items:
        if isinstance(item, str):
            where[item] = len(code)
        else:
            code.append(item)
    resolved = []
    for i, (op, k, jt, jf) in enumerate(code):
        jt, jf = (where[j] - i - 1 if isinstance(j, str) else j for j in (jt, jf))
        if not (0 <= jt <= 255 and 0 <= jf <= 255):
            raise ValueError(f"instruction {i} jumps out of reach ({jt}, {jf})")
        resolved.append((op, k, jt, jf))
    return resolved


def program(processor: int, pid: int) -> bytes:
    """The filter for a script process on `processor` whose pid is `pid`, as struct sock_filter[]."""
    code = [_ld(_ARCH), _jeq(_AUDIT_ARCH_X86_64, 1, 0), _ret(_RET_KILL_PROCESS),
            _ld(_NR), _jset(_X32_BIT, 0, 1), _ret(_RET_REFUSE)]
    # The rules come first: mmap and mprotect are frequent, and the kernel remembers the calls the
    # filter allows whatever their arguments, so those cost nothing however far down they are.
    for name, checks in _rules(processor, pid).items():
        block = _resolve(checks + [_REFUSE, _ret(_RET_REFUSE), _ALLOW, _ret(_RET_ALLOW)])
        code += [_jeq(_NUMBERS[name], 0, len(block))] + block
    for name in _ALLOWED:
        code += [_jeq(_NUMBERS[name], 0, 1), _ret(_RET_ALLOW)]
    for name in _MISSING:
        code += [_jeq(_NUMBERS[name], 0, 1), _ret(_RET_ERRNO | errno.ENOSYS)]
    code.append(_ret(_RET_REFUSE))
    return b"".join(struct.pack("HBBI", op, jt, jf, k) for op, k, jt, jf in code)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


_PR_SET_NO_NEW_PRIVS = 38
_SYS_SECCOMP, _SET_MODE_FILTER, _FLAG_TSYNC = 317, 1, 1
_READ_IMPLIES_EXEC = 0x0400000


def install(processor: int) -> bool:
    """Install the filter on every thread of this process, for good. False where it cannot be (not
    x86-64 Linux, or the kernel refuses it); the other layers still hold."""
    if sys.platform != "linux" or platform.machine() != "x86_64" or struct.calcsize("P") != 8:
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    persona = libc.personality(0xFFFFFFFF)   # a query; READ_IMPLIES_EXEC would make every readable mapping executable
    if persona != -1 and persona & _READ_IMPLIES_EXEC:
        libc.personality(persona & ~_READ_IMPLIES_EXEC)
    code = program(processor, os.getpid())
    buffer = ctypes.create_string_buffer(code, len(code))
    fprog = _SockFprog(len(code) // 8, ctypes.addressof(buffer))
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return libc.syscall(_SYS_SECCOMP, _SET_MODE_FILTER, _FLAG_TSYNC, ctypes.byref(fprog)) == 0
