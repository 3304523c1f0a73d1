"""Scripts after other processes: signals to the host program and the device process, processes
of their own, native code, other processes' limits and memory. Each test is one technique, run as a
real Script node in a real pipeline (all of them at once, in one device), and checks the effect:
the host program (this test process, which counts the signals it gets) received nothing, no
program ran, no process is left behind, the device process was not traced or changed."""
import ctypes
import os
import signal
import time
import uuid

import pytest

from attacks import Attacks, descendants, status
from processes import alive

ATTACKS = Attacks()

# One signal per technique, each counted by this process, so that a signal that arrives names the
# technique that sent it.
SIGNALS = {"pidfd": signal.SIGUSR1, "setown": signal.SIGUSR2, "broadcast": signal.SIGWINCH,
           "group": signal.SIGURG, "shellcode": signal.SIGRTMIN, "libc": signal.SIGRTMIN + 1}
HOST_SECRET = f"oakling-host-memory-{uuid.uuid4().hex}".encode()   # in this process's memory
MSGQUEUE_LIMIT = 123457   # what an attack tries to set as the device process's RLIMIT_MSGQUEUE


def libc_offset(name: str) -> int:
    """Where libc's `name` is, relative to the memmove ctypes exposes the address of: the same in
    every process on this machine, as an attacker who knows the libc build would know it."""
    return ctypes.cast(getattr(ctypes.CDLL(None), name), ctypes.c_void_p).value - ctypes._memmove_addr


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    storage = tmp_path_factory.mktemp("processes")
    markers = tmp_path_factory.mktemp("markers")
    received = {sig: 0 for sig in SIGNALS.values()}

    def count(sig, frame):
        received[sig] += 1

    previous = {sig: signal.signal(sig, count) for sig in SIGNALS.values()}
    constants = {"HOST_PID": os.getpid(), "SIGNALS": {k: int(v) for k, v in SIGNALS.items()},
                 "SYSCALL_OFFSET": libc_offset("syscall"), "HOST_SECRET_ADDRESS": id(HOST_SECRET) + 32,
                 "HOST_SECRET_LENGTH": len(HOST_SECRET), "MSGQUEUE_LIMIT": MSGQUEUE_LIMIT}
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("OAKLING_STORAGE", str(storage))
            outcomes = ATTACKS.run(constants, lambda name: {"MARKER": str(markers / (name + ".marker"))})
        time.sleep(0.2)   # a signal on its way
        yield {"outcomes": outcomes, "received": dict(received), "markers": markers}
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@pytest.fixture
def outcome(world, request):
    return world["outcomes"][request.function.__name__]


def assert_no_signal(world, outcome, technique):
    assert outcome.report or outcome.failure, f"the attack neither reported nor failed: {outcome.extra}"
    sig = SIGNALS[technique]
    assert world["received"][sig] == 0, \
        f"the host program received signal {int(sig)} from a script ({technique}): {outcome}"


# -- signals --

@ATTACKS.add("""
    signal = _os.sys.modules['signal']
    fd = _os.pidfd_open(HOST_PID)
    signal.pidfd_send_signal(fd, SIGNALS['pidfd'])
    found.append('sent')
""")
def test_pidfd_send_signal_reaches_no_host_process(world, outcome):
    """pidfd_open + pidfd_send_signal: a signal without kill(), and without os.kill's audit event."""
    assert_no_signal(world, outcome, "pidfd")


@ATTACKS.add("""
    fcntl = _os.sys.modules['fcntl']
    F_SETSIG = 10
    read, write = _os.pipe()
    fcntl.fcntl(read, fcntl.F_SETOWN, HOST_PID)          # SIGIO for this descriptor goes to the host
    fcntl.fcntl(read, F_SETSIG, SIGNALS['setown'])       # as this signal
    fcntl.fcntl(read, fcntl.F_SETFL, fcntl.fcntl(read, fcntl.F_GETFL) | _os.O_ASYNC)
    _os.write(write, b'x')
    found.append('armed')
""")
def test_f_setown_sends_no_sigio_to_the_host_process(world, outcome):
    """fcntl(F_SETOWN) names the process the kernel signals when a descriptor is ready: the kernel
    sends the signal for the script."""
    assert_no_signal(world, outcome, "setown")


@ATTACKS.add("""
    _os.kill(-1, SIGNALS['broadcast'])
    found.append('sent')
""")
def test_kill_minus_one_reaches_no_process(world, outcome):
    """kill(-1, sig) signals every process the sender may signal — as root, all of them. (The signal
    is one that processes ignore unless they ask for it.)"""
    assert_no_signal(world, outcome, "broadcast")


@ATTACKS.add("""
    for attempt in (lambda: _os.killpg(0, SIGNALS['group']), lambda: _os.kill(0, SIGNALS['group']),
                    lambda: _os.killpg(_os.getpgid(0), SIGNALS['group'])):
        try:
            attempt()
            found.append('sent')
        except Exception as e:
            found.append(repr(e))
""")
def test_its_own_process_group_reaches_no_host_process(world, outcome):
    """The script shares its process group with the device and the host program: killpg(0) and
    kill(0) signal all of them."""
    assert_no_signal(world, outcome, "group")


@ATTACKS.add("""
    import struct
    ctypes, mmap = _os.sys.modules['ctypes'], _os.sys.modules['mmap']
    code = (b'\\xbf' + struct.pack('<I', HOST_PID) + b'\\xbe' + struct.pack('<I', SIGNALS['shellcode'])
            + b'\\xb8\\x3e\\x00\\x00\\x00\\x0f\\x05\\xc3')          # kill(HOST_PID, sig); ret
    fd = _os.memfd_create('jit')
    _os.ftruncate(fd, 4096)
    memory = mmap.mmap(fd, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    memory.write(code)
    view = bytes(64)
    ctypes.memmove(id(view) + 32, id(memory) + 16, 8)    # the mapping's address, from the mmap object
    address = int.from_bytes(view[:8], 'little')
    check = bytes(len(code) + 8)
    ctypes.memmove(id(check) + 32, address, len(code))
    found.append(check[:len(code)] == code)
    found.append(ctypes.CFUNCTYPE(ctypes.c_long)(address)())
""")
def test_machine_code_in_an_executable_memfd_mapping_sends_no_signal(world, outcome):
    """Native code of the script's own: written into a memfd mapped executable, called through a
    ctypes function pointer, it makes the kill system call itself — no Python, no audit event."""
    assert_no_signal(world, outcome, "shellcode")


@ATTACKS.add("""
    ctypes = _os.sys.modules['ctypes']
    syscall = ctypes.CFUNCTYPE(ctypes.c_long, ctypes.c_long, ctypes.c_long, ctypes.c_long)(
        ctypes._memmove_addr + SYSCALL_OFFSET)          # libc's syscall(), found without dlsym
    found.append(syscall(62, HOST_PID, SIGNALS['libc']))   # kill
""")
def test_libcs_syscall_found_by_its_address_sends_no_signal(world, outcome):
    """ctypes refuses dlopen and dlsym, but a function pointer can be made from any address, and
    libc's functions lie at fixed distances from the memmove whose address ctypes exposes."""
    assert_no_signal(world, outcome, "libc")


# -- other processes' memory and state --

@ATTACKS.add("""
    ctypes = _os.sys.modules['ctypes']
    syscall = ctypes.CFUNCTYPE(ctypes.c_long, ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_ulong,
                               ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong)(ctypes._memmove_addr + SYSCALL_OFFSET)
    class iovec(ctypes.Structure):
        _fields_ = [('base', ctypes.c_void_p), ('length', ctypes.c_size_t)]
    buffer = ctypes.create_string_buffer(HOST_SECRET_LENGTH)
    local = iovec(ctypes.addressof(buffer), HOST_SECRET_LENGTH)
    remote = iovec(HOST_SECRET_ADDRESS, HOST_SECRET_LENGTH)
    found.append(syscall(310, HOST_PID, ctypes.addressof(local), 1, ctypes.addressof(remote), 1, 0))
    found.append(buffer.raw)
""")
def test_process_vm_readv_reads_nothing_of_the_host_programs_memory(world, outcome):
    """process_vm_readv copies another process's memory: here a secret this test process holds."""
    assert outcome.report or outcome.failure
    assert HOST_SECRET.decode() not in outcome.report, f"the script read the host program's memory: {outcome}"


def device_tracer(outcome, device):
    return status(device._process.pid, "TracerPid")


@ATTACKS.add("""
    ctypes = _os.sys.modules['ctypes']
    syscall = ctypes.CFUNCTYPE(ctypes.c_long, ctypes.c_long, ctypes.c_long, ctypes.c_long, ctypes.c_long)(
        ctypes._memmove_addr + SYSCALL_OFFSET)
    PTRACE_SEIZE = 0x4206                 # attach without stopping the device
    found.append(syscall(101, PTRACE_SEIZE, _os.getppid(), 0))
""", linger=1.0, probe=device_tracer)
def test_ptrace_attaches_to_no_device_process(world, outcome):
    assert outcome.report or outcome.failure
    assert outcome.probed == "0", f"the script is the device process's tracer (TracerPid {outcome.probed}): {outcome}"


def device_msgqueue_limit(outcome, device):
    with open(f"/proc/{device._process.pid}/limits") as f:
        return [line for line in f if line.startswith("Max msgqueue size")][0].split()[3:5]


@ATTACKS.add("""
    resource = _os.sys.modules['resource']
    resource.prlimit(_os.getppid(), resource.RLIMIT_MSGQUEUE, (MSGQUEUE_LIMIT, MSGQUEUE_LIMIT))
    found.append('set')
""", linger=1.0, probe=device_msgqueue_limit)
def test_prlimit_changes_no_limit_of_the_device_process(world, outcome):
    """prlimit sets another process's limits (a harmless one here; RLIMIT_CPU or RLIMIT_NOFILE
    would stop the device)."""
    assert outcome.report or outcome.failure
    assert str(MSGQUEUE_LIMIT) not in outcome.probed, f"the script changed the device's limits: {outcome.probed}"


# -- processes of its own --

def script_children(outcome, device):
    """The processes below the script's, while it lingers."""
    return descendants(outcome.pid) if outcome.pid else []


@ATTACKS.add("""
    posix = _os.sys.modules['posix']
    for fork in (_os.forkpty, posix.forkpty):
        try:
            pid, fd = fork()
        except Exception as e:
            found.append(repr(e))
            continue
        if pid == 0:
            posix.close(posix.open(MARKER, posix.O_CREAT | posix.O_WRONLY))
            _os.sys.modules['time'].sleep(5)
            posix._exit(0)
        found.append(pid)
""", linger=1.0, probe=script_children)
def test_forkpty_starts_no_process(world, outcome, request):
    """forkpty: a fork of its own, with a terminal."""
    assert outcome.report or outcome.failure
    assert outcome.probed == [], f"the script's process has children {outcome.probed}: {outcome}"
    assert not (world["markers"] / (request.function.__name__ + ".marker")).exists(), "a forked child ran"


@ATTACKS.add("""
    fork_exec = _os.sys.modules['_posixsubprocess'].fork_exec
    for program in ([b'/bin/sh', b'-c', b'touch ' + MARKER.encode()], [b'/usr/bin/touch', MARKER.encode()]):
        errors_read, errors_write = _os.pipe()
        try:
            found.append(fork_exec(program, (program[0],), True, (errors_write,), None, None, -1, -1, -1, -1, -1, -1,
                                   errors_read, errors_write, False, False, -1, None, None, None, -1, None, True))
        except Exception as e:
            found.append(repr(e))
""", linger=1.0, probe=script_children)
def test_posixsubprocess_fork_exec_runs_no_program(world, outcome, request):
    """The C function under subprocess, called directly: no subprocess.Popen audit event."""
    assert outcome.report or outcome.failure
    assert outcome.probed == [], f"the script's process has children {outcome.probed}: {outcome}"
    assert not (world["markers"] / (request.function.__name__ + ".marker")).exists(), "a program ran"


@ATTACKS.add("""
    signal = _os.sys.modules['signal']
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_IGN)
    try:
        found.append(_os.setsid())
    except Exception as e:
        found.append(repr(e))
""", linger=60)
def test_a_script_that_leaves_its_session_does_not_outlive_the_device(world, outcome):
    """setsid() and ignored signals: a script hoping to survive the device (and the host program)."""
    assert outcome.pid, f"the script did not report: {outcome}"
    deadline = time.monotonic() + 2
    while alive(outcome.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(outcome.pid), f"the script's process {outcome.pid} outlived its device"
