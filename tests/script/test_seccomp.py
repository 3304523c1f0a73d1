"""seccomp on its own: a forked child installs the filter and tries, through raw syscall() (no Python
layer in between), what a script that reached machine code could. Each test checks that the harm did
not happen — no marker file, no signal, no mapping, no byte typed — and, where that is safe, that the
same attempt without the filter does it, so the test can tell the two apart."""
import ctypes
import errno
import json
import os
import platform
import resource
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import tty

import pytest

import processes
from oakling.script import seccomp, whitelist

pytestmark = pytest.mark.skipif(sys.platform != "linux" or platform.machine() != "x86_64",
                                reason="the filter is for x86-64 Linux")

MSS, CSS = whitelist.LEON_MSS, whitelist.LEON_CSS

# x86-64 system-call numbers (arch/x86/entry/syscalls/syscall_64.tbl), written out here so that a
# wrong number in the filter shows.
NR = {
    "mmap": 9, "mprotect": 10, "ioctl": 16, "socket": 41, "socketpair": 53, "setsockopt": 54, "clone": 56,
    "fork": 57, "execve": 59, "kill": 62, "fcntl": 72, "chdir": 80, "symlink": 88, "ptrace": 101,
    "setuid": 105, "rt_sigqueueinfo": 129, "mknod": 133, "personality": 135, "chroot": 161, "mount": 165,
    "umount2": 166, "init_module": 175, "setxattr": 188, "tkill": 200, "tgkill": 234, "keyctl": 250,
    "unshare": 272, "rt_tgsigqueueinfo": 297, "perf_event_open": 298, "prlimit64": 302, "setns": 308,
    "process_vm_readv": 310, "finit_module": 313, "memfd_create": 319, "bpf": 321, "execveat": 322,
    "userfaultfd": 323, "pkey_mprotect": 329, "io_uring_setup": 425, "open_tree": 428, "pidfd_open": 434,
    "clone3": 435, "pidfd_getfd": 438, "memfd_secret": 447,
}
X32_EXECVE = 0x40000000 | 520
PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4
MAP_SHARED, MAP_PRIVATE, MAP_ANONYMOUS, MAP_32BIT = 0x01, 0x02, 0x20, 0x40
READ_IMPLIES_EXEC = 0x0400000
RET_42 = b"\xb8\x2a\x00\x00\x00\xc3"   # mov eax, 42; ret

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def syscall(call, *args) -> int:
    """The raw system call (a name in NR, or a number) with 64-bit arguments: its result, or -errno."""
    number = NR[call] if isinstance(call, str) else call
    ctypes.set_errno(0)
    result = libc.syscall(ctypes.c_long(number), *(ctypes.c_long(a) if isinstance(a, int) else a for a in args))
    return -ctypes.get_errno() if result == -1 else result


def in_child(body, processor=MSS, filtered=True, before=None):
    """Fork; the child runs `before()`, installs the filter (unless `filtered` is False: the control),
    and sends back what `body()` returns. Returns (that or None, the child's wait status)."""
    def run():
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if before is not None:
            before()
        if filtered and not seccomp.install(processor):
            return {"raised": "not installed"}
        try:
            return body()
        except BaseException as e:
            return {"raised": repr(e)}
    return processes.in_child(run)


def strings(*items: bytes):
    return (ctypes.c_char_p * (len(items) + 1))(*items, None)


def shell_writing(marker) -> tuple:
    """(path, argv) of a shell that writes `marker`."""
    return b"/bin/sh", strings(b"sh", b"-c", f"echo ran > {marker}".encode())


# -- programs and processes --

@pytest.mark.parametrize("call", ["execve", "execveat", "x32 execve", "posix_spawn"])
def test_it_cannot_start_a_program(call, tmp_path):
    marker = tmp_path / "ran"
    path, argv = shell_writing(marker)

    def attempt():
        if call == "execve":
            return syscall("execve", path, argv, 0)
        if call == "execveat":
            return syscall("execveat", -100, path, argv, 0, 0)   # AT_FDCWD
        if call == "x32 execve":
            return syscall(X32_EXECVE, path, argv, 0)
        try:   # the C library's vfork-like clone
            os.posix_spawn("/bin/sh", ["sh", "-c", f"echo ran > {marker}"], {})
            return 0
        except OSError as e:
            return -e.errno

    result, _ = in_child(attempt)
    assert result == -errno.EPERM and not marker.exists()
    if call != "x32 execve":   # this kernel may have no x32 interface to show it with
        in_child(attempt, filtered=False)
        deadline = time.monotonic() + 5   # posix_spawn's shell may still be writing
        while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert marker.read_text() == "ran\n"


def low_page() -> int:
    """A readable, writable and executable page below 4 GiB, where i386 pointers reach."""
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    page = libc.mmap(None, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0)
    assert page and page < 1 << 32
    return page


def int80_execve(page: int, path: bytes, argv: list[bytes]):
    """Machine code that calls execve(path, argv, NULL) through the i386 interface (`int 0x80`)."""
    data, pointers = bytearray(), []
    for item in [path, *argv]:
        pointers.append(page + 512 + len(data))
        data += item + b"\0"
    table = page + 1024
    code = (b"\x53\x55\x41\x54\x41\x55\x41\x56\x41\x57"       # push rbx, rbp, r12-r15
            + b"\xb8\x0b\x00\x00\x00"                           # mov eax, 11: execve in the i386 table
            + b"\xbb" + struct.pack("<I", pointers[0])          # mov ebx, path
            + b"\xb9" + struct.pack("<I", table)                # mov ecx, argv
            + b"\x31\xd2"                                       # xor edx, edx: no environment
            + b"\xcd\x80"                                       # int 0x80
            + b"\x41\x5f\x41\x5e\x41\x5d\x41\x5c\x5d\x5b"       # pop r15-r12, rbp, rbx
            + b"\xc3")                                          # ret
    ctypes.memmove(page, code, len(code))
    ctypes.memmove(page + 512, bytes(data), len(data))
    pointer_table = struct.pack(f"<{len(pointers)}I", *pointers[1:], 0)
    ctypes.memmove(table, pointer_table, len(pointer_table))
    return ctypes.CFUNCTYPE(ctypes.c_int)(page)


def test_the_i386_interface_kills_the_process(tmp_path):
    """Machine code mapped before the filter (a script has no way to map any after) calls execve as
    i386 number 11 — x86-64's 11 is munmap, which the filter allows."""
    marker = tmp_path / "ran"
    code = []

    def prepare():
        code.append(int80_execve(low_page(), b"/bin/sh", [b"sh", b"-c", f"echo ran > {marker}".encode()]))

    result, status = in_child(lambda: code[0](), before=prepare)
    assert result is None and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGSYS
    assert not marker.exists()
    in_child(lambda: code[0](), filtered=False, before=prepare)
    assert marker.read_text() == "ran\n"


def test_it_makes_threads_but_no_processes():
    clone_args = ctypes.create_string_buffer(struct.pack("<5Q", 0, 0, 0, 0, signal.SIGCHLD) + bytes(48))
    clone_thread, clone_newnet = 0x10000, 0x40000000

    def attempt():
        out = {"fork": syscall("fork"), "clone": syscall("clone", signal.SIGCHLD, 0, 0, 0, 0),
               "clone3": syscall("clone3", clone_args, len(clone_args))}
        if 0 in out.values():
            os._exit(0)   # a new process got through: it leaves at once, and the parent finds it below
        with open(f"/proc/self/task/{os.getpid()}/children") as f:
            out["children"] = f.read().split()
        # CLONE_THREAD without CLONE_SIGHAND: the kernel itself says EINVAL, so nothing starts either way
        out["thread flags"] = syscall("clone", clone_thread, 0, 0, 0, 0)
        out["thread in a new namespace"] = syscall("clone", clone_thread | clone_newnet, 0, 0, 0, 0)
        out["thread"] = []
        thread = threading.Thread(target=out["thread"].append, args=("ran",))
        thread.start()
        thread.join()
        return out

    result, _ = in_child(attempt)
    assert result == {"fork": -errno.EPERM, "clone": -errno.EPERM, "clone3": -errno.ENOSYS, "children": [],
                      "thread flags": -errno.EINVAL, "thread in a new namespace": -errno.EPERM, "thread": ["ran"]}


# -- signals --

def test_it_signals_only_itself():
    received = []
    previous = signal.signal(signal.SIGUSR1, lambda *_: received.append(1))
    try:
        parent, group = os.getpid(), os.getpgrp()
        info = ctypes.create_string_buffer(struct.pack("<iii", signal.SIGUSR1, 0, -1), 128)   # si_code SI_QUEUE

        def attempt():
            me = os.getpid()
            return {
                "kill": syscall("kill", parent, signal.SIGUSR1),
                "tkill": syscall("tkill", parent, signal.SIGUSR1),
                "tgkill": syscall("tgkill", parent, parent, signal.SIGUSR1),
                "rt_sigqueueinfo": syscall("rt_sigqueueinfo", parent, signal.SIGUSR1, info),
                "rt_tgsigqueueinfo": syscall("rt_tgsigqueueinfo", parent, parent, signal.SIGUSR1, info),
                # signal 0 asks only whether the target exists: harmless should the filter fail
                "its group": syscall("kill", 0, 0), "a group": syscall("kill", -group, 0),
                "everyone": syscall("kill", -1, 0),
                "itself": syscall("kill", me, 0), "its thread": syscall("tgkill", me, threading.get_native_id(), 0),
            }

        result, _ = in_child(attempt)
        time.sleep(0.1)
        refused = {name: -errno.EPERM for name in ("kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
                                                   "its group", "a group", "everyone")}
        assert result == {**refused, "itself": 0, "its thread": 0}
        assert received == []
        in_child(lambda: syscall("kill", parent, signal.SIGUSR1), filtered=False)
        deadline = time.monotonic() + 5
        while not received and time.monotonic() < deadline:
            time.sleep(0.01)
        assert received == [1]
    finally:
        signal.signal(signal.SIGUSR1, previous)


# -- machine code --

def run_code(address: int):
    """What the code at `address` returns, or the -errno that stopped it from being mapped."""
    if -4096 < address < 0:
        return address
    return ctypes.CFUNCTYPE(ctypes.c_int)(address)()


def test_it_cannot_map_new_machine_code():
    def attempt():
        fd = os.memfd_create("code")
        os.write(fd, RET_42.ljust(4096, b"\xcc"))
        out = {"mmap memfd": run_code(syscall("mmap", 0, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0))}
        for call in ("mprotect", "pkey_mprotect"):
            page = syscall("mmap", 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            ctypes.memmove(page, RET_42, len(RET_42))
            extra = (-1,) if call == "pkey_mprotect" else ()
            done = syscall(call, page, 4096, PROT_READ | PROT_EXEC, *extra)
            out[call] = run_code(page if done == 0 else done)
        return out

    result, _ = in_child(attempt)
    assert result == {"mmap memfd": -errno.EPERM, "mprotect": -errno.EPERM, "pkey_mprotect": -errno.EPERM}
    control, _ = in_child(attempt, filtered=False)
    assert control == {"mmap memfd": 42, "mprotect": 42, "pkey_mprotect": 42}


def test_read_implies_exec_is_dropped_before_the_filter():
    """With that personality the kernel makes every readable mapping executable, prot notwithstanding."""
    def attempt():
        fd = os.memfd_create("code")
        os.write(fd, RET_42.ljust(4096, b"\xcc"))
        address = syscall("mmap", 0, 4096, PROT_READ, MAP_SHARED, fd, 0)
        with open("/proc/self/maps") as f:
            return next(line.split()[1] for line in f if int(line.split("-")[0], 16) == address)

    result, _ = in_child(attempt, before=lambda: libc.personality(READ_IMPLIES_EXEC))
    assert result == "r--s"
    control, _ = in_child(attempt, filtered=False, before=lambda: libc.personality(READ_IMPLIES_EXEC))
    assert control == "r-xs"


def test_a_module_whose_machine_code_is_not_loaded_cannot_be_imported():
    """Every module a script may import is loaded before the filter (whitelist.preload); one that is
    not fails to import, cleanly."""
    assert "xxlimited" not in sys.modules

    def attempt():
        try:
            import xxlimited   # noqa: F401 — a module nothing else imports
            return "imported"
        except ImportError as e:
            return f"ImportError: {e}"

    result, status = in_child(attempt)
    assert result.startswith("ImportError: ") and "xxlimited" in result and status == 0
    control, _ = in_child(attempt, filtered=False)
    assert control == "imported"


# -- terminals --

TIOCSTI, TIOCLINUX, TIOCSCTTY = 0x5412, 0x541C, 0x540E


def test_it_cannot_type_into_a_terminal():
    """TIOCSTI pushes a byte into a terminal's input as if typed: through inherited stdio, into the
    user's shell. The pty is the child's controlling terminal, as the user's terminal would be."""
    master, pty = os.openpty()
    try:
        tty.setraw(pty)

        def own_terminal():
            os.setsid()
            assert syscall("ioctl", pty, TIOCSCTTY, 0) == 0

        def attempt():
            byte, paste = ctypes.c_char(b"x"), ctypes.c_char(b"\x03")   # TIOCL_PASTESEL
            return {"TIOCSTI": syscall("ioctl", pty, TIOCSTI, ctypes.byref(byte)),
                    "TIOCLINUX": syscall("ioctl", pty, TIOCLINUX, ctypes.byref(paste))}

        control, _ = in_child(attempt, filtered=False, before=own_terminal)
        if control["TIOCSTI"] != 0:
            pytest.skip(f"this kernel refuses TIOCSTI by itself ({os.strerror(-control['TIOCSTI'])})")
        assert select.select([pty], [], [], 1)[0] and os.read(pty, 16) == b"x"
        result, _ = in_child(attempt, before=own_terminal)
        assert result == {"TIOCSTI": -errno.EPERM, "TIOCLINUX": -errno.EPERM}
        assert select.select([pty], [], [], 0.2)[0] == []
    finally:
        os.close(pty)
        os.close(master)


# -- sockets --

SOCKETS = {   # name: (processor, family, type, protocol, allowed)
    "TCP": (CSS, socket.AF_INET, socket.SOCK_STREAM, 0, True),
    "TCP, protocol named": (CSS, socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, True),
    "UDP over IPv6, non-blocking": (CSS, socket.AF_INET6, socket.SOCK_DGRAM | socket.SOCK_NONBLOCK
                                    | socket.SOCK_CLOEXEC, 0, True),
    "TCP, garbage in the family's high half": (CSS, socket.AF_INET | 7 << 32, socket.SOCK_STREAM, 0, True),
    "TCP on LEON_MSS": (MSS, socket.AF_INET, socket.SOCK_STREAM, 0, False),
    "raw IP": (CSS, socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP, False),
    "ping": (CSS, socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP, False),
    "SCTP": (CSS, socket.AF_INET, socket.SOCK_STREAM, 132, False),
    "SOCK_PACKET": (CSS, socket.AF_INET, 10, 0, False),
    "packet": (CSS, socket.AF_PACKET, socket.SOCK_RAW, 0x0300, False),
    "unix": (CSS, socket.AF_UNIX, socket.SOCK_STREAM, 0, False),
    "unix, garbage in the family's high half": (CSS, socket.AF_UNIX | 2 << 32, socket.SOCK_STREAM, 0, False),
    "netlink": (CSS, socket.AF_NETLINK, socket.SOCK_RAW, 0, False),
}


@pytest.mark.parametrize("name", SOCKETS)
def test_sockets_are_tcp_and_udp_on_leon_css_only(name):
    processor, family, kind, protocol, allowed = SOCKETS[name]

    def attempt():
        before = len(os.listdir("/proc/self/fd"))
        fd = syscall("socket", family, kind, protocol)
        return fd >= 0, fd if fd < 0 else None, len(os.listdir("/proc/self/fd")) - before

    result, _ = in_child(attempt, processor)
    assert result == ([True, None, 1] if allowed else [False, -errno.EPERM, 0])


def test_no_socket_pairs():
    pair = (ctypes.c_int * 2)(-1, -1)
    result, _ = in_child(lambda: [syscall("socketpair", socket.AF_UNIX, socket.SOCK_STREAM, 0, pair), list(pair)], CSS)
    assert result == [-errno.EPERM, [-1, -1]]


# -- the rest of what it cannot do --

def test_it_cannot_leave_or_change_its_surroundings(tmp_path):
    """chdir, symlinks, device nodes and FIFOs, namespaces, raising limits, extended attributes."""
    (tmp_path / "file").write_text("x")
    user_ns = os.readlink("/proc/self/ns/user")

    def attempt():
        limit = resource.getrlimit(resource.RLIMIT_NOFILE)
        lower = (ctypes.c_ulong * 2)(limit[0] - 1, limit[1])
        found = (ctypes.c_ulong * 2)()
        return {
            "chdir": syscall("chdir", b"/"), "cwd": os.getcwd(),
            "symlink": syscall("symlink", b"/etc/passwd", str(tmp_path / "link").encode()),
            "mknod": syscall("mknod", str(tmp_path / "fifo").encode(), 0o10600, 0),
            "unshare": syscall("unshare", 0x10000000), "user namespace": os.readlink("/proc/self/ns/user"),
            "prlimit64 set": syscall("prlimit64", 0, resource.RLIMIT_NOFILE, lower, 0),
            # a new limit whose pointer is 0 in its low half only is still not NULL
            "prlimit64 set, high half": syscall("prlimit64", 0, resource.RLIMIT_NOFILE, 1 << 32, 0),
            "prlimit64 get": syscall("prlimit64", 0, resource.RLIMIT_NOFILE, 0, found), "found": list(found),
            "limit": list(resource.getrlimit(resource.RLIMIT_NOFILE)),
            "setxattr": syscall("setxattr", str(tmp_path / "file").encode(), b"user.oakling", b"x", 1, 0),
        }

    cwd = os.getcwd()
    limit = list(resource.getrlimit(resource.RLIMIT_NOFILE))
    result, _ = in_child(attempt)
    assert result == {"chdir": -errno.EPERM, "cwd": cwd, "symlink": -errno.EPERM, "mknod": -errno.EPERM,
                      "unshare": -errno.EPERM, "user namespace": user_ns, "prlimit64 set": -errno.EPERM,
                      "prlimit64 set, high half": -errno.EPERM,
                      "prlimit64 get": 0, "found": limit, "limit": limit, "setxattr": -errno.EPERM}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


# Calls refused whatever their arguments. The arguments are harmless ones the kernel itself would
# answer otherwise (a result, EFAULT, EBADF, EINVAL), so EPERM is the filter's.
REFUSED = {
    "ptrace": (0, 0, 0, 0),                              # PTRACE_TRACEME
    "process_vm_readv": ("parent", 0, 0, 0, 0, 0),
    "pidfd_open": ("parent", 0),
    "pidfd_getfd": (-1, 0, 0),
    "setuid": ("uid",),
    "personality": (0xFFFFFFFF,),                        # a query
    "mount": (0, 0, 0, 0, 0), "umount2": (0, 0), "chroot": (0,), "setns": (-1, 0), "open_tree": (-1, 0, 0),
    "init_module": (0, 0, 0), "finit_module": (-1, 0, 0),
    "bpf": (5, 0, 0),                                    # BPF_PROG_LOAD
    "perf_event_open": (0, 0, -1, -1, 0), "userfaultfd": (0,), "io_uring_setup": (1, 0),
    "keyctl": (0, -3, 0),                                # KEYCTL_GET_KEYRING_ID of the session keyring
    "memfd_secret": (0,),
}


@pytest.mark.parametrize("call", sorted(REFUSED))
def test_calls_off_the_list_are_refused(call):
    args = [{"parent": os.getpid(), "uid": os.getuid()}.get(a, a) for a in REFUSED[call]]

    def attempt():
        before = os.listdir("/proc/self/fd")
        return syscall(call, *args), os.listdir("/proc/self/fd") == before

    result, _ = in_child(attempt, CSS)
    assert result == [-errno.EPERM, True]   # and no descriptor came of it


F_SETOWN, F_SETSIG, F_SETOWN_EX, F_SETLEASE, F_NOTIFY = 8, 10, 15, 1024, 1026
F_GETFL, F_DUPFD_CLOEXEC, F_ADD_SEALS, F_GET_SEALS, F_SEAL_SHRINK = 3, 1030, 1033, 1034, 2
FIONREAD, TIOCGWINSZ, SIOCGIFINDEX = 0x541B, 0x5413, 0x8933
MFD_CLOEXEC, MFD_ALLOW_SEALING, MFD_HUGETLB, MFD_EXEC = 1, 2, 4, 0x10
SO_ATTACH_FILTER = 26


def test_arguments_decide_for_memfd_fcntl_ioctl_and_setsockopt():
    parent = os.getpid()

    def attempt():
        read_end, write_end = os.pipe()
        os.write(write_end, b"abc")
        fd = syscall("memfd_create", b"segment", MFD_CLOEXEC | MFD_ALLOW_SEALING)
        sock = socket.socket()
        request = struct.pack("16si", b"lo", 0).ljust(40, b"\0")
        interface = ctypes.create_string_buffer(request, len(request))
        count, size = ctypes.c_int(), ctypes.create_string_buffer(8)
        accept_all = ctypes.create_string_buffer(struct.pack("<HBBI", 0x06, 0, 0, 0xFFFFFFFF))   # ret everything
        program = ctypes.create_string_buffer(struct.pack("<HxxxxxxQ", 1, ctypes.addressof(accept_all)))
        return {
            "memfd_create": fd >= 0,
            "memfd_create hugetlb": syscall("memfd_create", b"huge", MFD_HUGETLB),
            "memfd_create exec": syscall("memfd_create", b"exec", MFD_EXEC),
            "F_GETFL": syscall("fcntl", read_end, F_GETFL) >= 0,
            "F_DUPFD_CLOEXEC": syscall("fcntl", read_end, F_DUPFD_CLOEXEC, 0) >= 0,
            "F_ADD_SEALS": syscall("fcntl", fd, F_ADD_SEALS, F_SEAL_SHRINK),
            "F_GET_SEALS": syscall("fcntl", fd, F_GET_SEALS) & F_SEAL_SHRINK,
            **{name: syscall("fcntl", read_end, command, parent)
               for name, command in [("F_SETOWN", F_SETOWN), ("F_SETSIG", F_SETSIG), ("F_SETOWN_EX", F_SETOWN_EX),
                                     ("F_SETLEASE", F_SETLEASE), ("F_NOTIFY", F_NOTIFY)]},
            "FIONREAD": [syscall("ioctl", read_end, FIONREAD, ctypes.byref(count)), count.value],
            "TIOCGWINSZ": syscall("ioctl", read_end, TIOCGWINSZ, size),   # not a terminal: the kernel answers
            "SIOCGIFINDEX": [syscall("ioctl", sock.fileno(), SIOCGIFINDEX, interface),
                             struct.unpack_from("i", interface.raw, 16)[0] > 0],
            "an ioctl off the list": syscall("ioctl", read_end, 0x5412, 0),
            "SO_REUSEADDR": syscall("setsockopt", sock.fileno(), socket.SOL_SOCKET, socket.SO_REUSEADDR,
                                    ctypes.byref(ctypes.c_int(1)), 4),
            "SO_ATTACH_FILTER": syscall("setsockopt", sock.fileno(), socket.SOL_SOCKET, SO_ATTACH_FILTER, program, 16),
        }

    result, _ = in_child(attempt, CSS)
    assert result == {
        "memfd_create": True, "memfd_create hugetlb": -errno.EPERM, "memfd_create exec": -errno.EPERM,
        "F_GETFL": True, "F_DUPFD_CLOEXEC": True, "F_ADD_SEALS": 0, "F_GET_SEALS": F_SEAL_SHRINK,
        "F_SETOWN": -errno.EPERM, "F_SETSIG": -errno.EPERM, "F_SETOWN_EX": -errno.EPERM, "F_SETLEASE": -errno.EPERM,
        "F_NOTIFY": -errno.EPERM, "FIONREAD": [0, 3], "TIOCGWINSZ": -errno.ENOTTY, "SIOCGIFINDEX": [0, True],
        "an ioctl off the list": -errno.EPERM, "SO_REUSEADDR": 0, "SO_ATTACH_FILTER": -errno.EPERM,
    }
    control, _ = in_child(attempt, CSS, filtered=False)
    assert control["SO_ATTACH_FILTER"] == 0 and control["F_SETOWN"] == 0   # the kernel would have done them


# -- what a script needs still works --

def test_threads_sockets_segments_and_doorbells_still_work():
    def attempt():
        import datetime
        import hashlib
        import mmap
        out = {}
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen()

        def serve():
            connection, _ = server.accept()
            with connection:
                connection.sendall(connection.recv(16).upper())

        thread = threading.Thread(target=serve)
        thread.start()
        with socket.create_connection(server.getsockname(), timeout=5) as client:
            client.sendall(b"ping")
            out["reply"] = client.recv(16).decode()
        thread.join()
        fd = os.memfd_create("segment", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        os.ftruncate(fd, 1 << 20)
        segment = mmap.mmap(fd, 1 << 20)
        segment[:5] = b"frame"
        out["segment"] = os.pread(fd, 5, 0).decode()
        bell = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        os.eventfd_write(bell, 3)
        out["bell"] = os.eventfd_read(bell)
        out["random"] = len(os.urandom(16))
        time.sleep(0.01)
        out["strptime"] = datetime.datetime.strptime("2024-05-06", "%Y-%m-%d").day
        out["sha256"] = hashlib.sha256(b"").hexdigest()[:8]
        out["localhost"] = socket.getaddrinfo("localhost", 80, socket.AF_INET)[0][4][0]
        return out

    result, _ = in_child(attempt, CSS, before=lambda: whitelist.preload(CSS))   # as a script process does
    assert result == {"reply": "PING", "segment": "frame", "bell": 3, "random": 16, "strptime": 6,
                      "sha256": "e3b0c442", "localhost": "127.0.0.1"}


def test_off_x86_64_nothing_is_installed():
    def attempt():
        platform.machine = lambda: "aarch64"
        installed = seccomp.install(CSS)
        with open("/proc/self/status") as f:
            return installed, next(line.split()[1] for line in f if line.startswith("Seccomp:"))

    result, _ = in_child(attempt, filtered=False)
    assert result == [False, "0"]   # the layer is skipped (the device log says so), nothing half-done


LAZY_LIBRARY = """
import hashlib, email, email.utils, binascii, array, select, random, calendar, locale, datetime
import base64, quopri, json, time, codecs, urllib.parse, http.client, http.server, unicodedata
result['hashes'] = [hashlib.new(n, b'').hexdigest()[:4] for n in ('md5', 'sha1', 'sha512', 'sha3_256', 'blake2b')]
result['idna'] = 'bücher.example'.encode('idna').decode()
result['email'] = email.message_from_string('Subject: hi\\n\\nbody').get('Subject')
result['date'] = email.utils.parsedate_to_datetime(email.utils.formatdate(0, usegmt=True)).year
result['crc'] = binascii.crc32(b'a')
result['array'] = array.array('H', [1, 2]).tolist()
result['poll'] = type(select.poll()).__name__
result['random'] = 0 <= random.random() < 1
result['month'] = calendar.month_name[1]
result['decimal point'] = locale.localeconv()['decimal_point']
result['b85'] = base64.b85encode(b'a').decode()
result['quopri'] = quopri.encodestring('é'.encode()).decode().strip()
result['json'] = json.dumps({'é': [1.5]}, ensure_ascii=False)
result['strptime'] = [time.strptime('2024', '%Y').tm_year, datetime.datetime.strptime('5', '%d').day]
result['utf-16'] = len(codecs.encode('a', 'utf-16'))
result['quote'] = urllib.parse.quote('a b')
result['http'] = http.client.HTTPConnection('localhost', 1).port
result['unicodedata'] = unicodedata.name('é')
"""


def test_preload_leaves_the_library_no_machine_code_to_map_later():
    """In a fresh interpreter, as in a device process: whitelist.preload, then the filter, then the
    whitelisted library's lazy imports (_strptime, _hashlib, encodings.idna, unicodedata, ...)."""
    program = f"""
import json
from oakling.script import seccomp, whitelist
whitelist.preload({CSS})
assert seccomp.install({CSS})
result = {{}}
exec({LAZY_LIBRARY!r})
print(json.dumps(result))
"""
    package = os.path.dirname(os.path.dirname(seccomp.__file__))
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60,
                          cwd=os.path.dirname(package))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "hashes": ["d41d", "da39", "cf83", "a7ff", "786a"], "idna": "xn--bcher-kva.example", "email": "hi",
        "date": 1970, "crc": 3904355907, "array": [1, 2], "poll": "poll", "random": True, "month": "January",
        "decimal point": ".", "b85": "VE", "quopri": "=C3=A9", "json": '{"é": [1.5]}', "strptime": [2024, 5],
        "utf-16": 4, "quote": "a%20b", "http": 1, "unicodedata": "LATIN SMALL LETTER E WITH ACUTE"}
