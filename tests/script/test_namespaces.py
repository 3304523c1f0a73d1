"""The script process's namespaces, tried in forked children with the real kernel: what the new
root shows, what the private network reaches, and what is left of the process's privileges."""
import ctypes
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import threading

import pytest

import oakling as dai
from oakling.script import limits, namespaces, sandbox
from processes import in_child, kernel_allows_namespaces


needs_namespaces = pytest.mark.skipif(not kernel_allows_namespaces(),
                                      reason="this kernel refuses unprivileged user namespaces")


def isolated(storage, probe, private_network=True):
    """Run `probe()` in a child that entered its namespaces and new root as a script's process
    does; its JSON-able result."""
    results_r, results_w = os.pipe()
    unshared_r, unshared_w = os.pipe()
    mapped_r, mapped_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            refused = namespaces.unshare(private_network)
            os.write(unshared_w, b"-" if refused else b"u")
            if refused:
                raise OSError(refused)
            os.read(mapped_r, 1)
            namespaces.build_root(sandbox.readable_paths(), str(storage), private_network)
            result = {"ok": probe()}
        except BaseException as e:
            result = {"error": f"{type(e).__name__}: {e}"}
        os.write(results_w, json.dumps(result).encode())
        os._exit(0)
    os.close(results_w)
    if os.read(unshared_r, 1) == b"u":
        namespaces.map_user(pid)
        os.write(mapped_w, b"m")
    with os.fdopen(results_r, "rb") as f:
        result = json.loads(f.read() or b'{"error": "no answer"}')
    os.waitpid(pid, 0)
    assert "error" not in result, result["error"]
    return result["ok"]


@pytest.fixture
def storage(tmp_path):
    folder = tmp_path / "storage"
    folder.mkdir()
    return folder


@needs_namespaces
def test_the_new_root_holds_only_the_interpreter_system_files_and_storage(tmp_path, storage):
    secret = tmp_path / "secret.txt"
    secret.write_text("the host's secret")

    def probe():
        seen = {}
        for path in (str(secret), "/proc/1/environ", "/proc/self/mem", os.path.expanduser("~/.bashrc"), "/sys"):
            try:
                with open(path, "rb") as f:
                    seen[path] = f.read(100).decode("latin-1")
            except OSError as e:
                seen[path] = type(e).__name__
        return {"root": sorted(os.listdir("/")), "seen": seen}

    seen = isolated(storage, probe)
    assert "the host's secret" not in json.dumps(seen)
    assert all(value in ("FileNotFoundError", "PermissionError") for value in seen["seen"].values()), seen
    assert not {"proc", "sys", "home", "boot", "var", "run"} & set(seen["root"]), seen["root"]


@needs_namespaces
def test_storage_is_writable_at_its_path_and_at_media_mmcsd_and_the_rest_is_read_only(storage):
    stdlib = sandbox._STDLIB_DIR

    def probe():
        with open("/media/mmcsd-0-0/from-script.txt", "w") as f:
            f.write("written on the device")
        try:
            with open(os.path.join(stdlib, "planted_by_script.py"), "w") as f:
                f.write("import os")
            planted = "written"
        except OSError as e:
            planted = e.errno
        try:
            with open("/new-file-at-the-root", "w"):
                pass
            root = "written"
        except OSError as e:
            root = e.errno
        return {"planted": planted, "root": root}

    result = isolated(storage, probe)
    assert (storage / "from-script.txt").read_text() == "written on the device"
    assert not os.path.exists(os.path.join(stdlib, "planted_by_script.py"))
    assert result["planted"] != "written" and result["root"] != "written"
    assert not os.path.exists("/new-file-at-the-root")


def _outside_address():
    """An address of this machine that is not loopback, or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))   # no packet is sent: only a route is chosen
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


@needs_namespaces
def test_a_private_network_reaches_no_address_of_this_machine_but_its_own_loopback(storage):
    address = _outside_address()
    if address is None:
        pytest.skip("this machine has no address besides loopback")
    server = socket.create_server(("0.0.0.0", 0))
    server.settimeout(0.5)
    port = server.getsockname()[1]

    def probe():
        said = {}
        try:
            socket.create_connection((address, port), timeout=2).close()
            said["outside"] = "connected"
        except OSError as e:
            said["outside"] = type(e).__name__
        own = socket.create_server(("127.0.0.1", 0))
        socket.create_connection(own.getsockname(), timeout=2).close()
        said["own loopback"] = "connected"
        return said

    said = isolated(storage, probe)
    with pytest.raises(TimeoutError):
        server.accept()   # nothing came from the child
    server.close()
    assert said == {"outside": "OSError", "own loopback": "connected"}


@needs_namespaces
def test_the_process_keeps_its_user_id_and_no_capabilities(storage):
    def probe():
        libc = ctypes.CDLL(None, use_errno=True)
        header = namespaces._CapHeader(namespaces._CAP_VERSION_3, 0)
        data = (namespaces._CapData * 2)()
        libc.syscall(125, ctypes.byref(header), ctypes.byref(data))   # capget
        mounted = libc.mount(b"tmpfs", b"/media", b"tmpfs", ctypes.c_ulong(0), None)
        return {"uid": os.getuid(), "euid": os.geteuid(), "effective": [d.effective for d in data], "mount": mounted,
                "media": sorted(os.listdir("/media"))}

    result = isolated(storage, probe)
    # root's real user becomes THREADS_UID, so the kernel counts its threads; files stay root's
    assert result["uid"] == (namespaces.THREADS_UID if os.getuid() == 0 else os.getuid())
    assert result["euid"] == os.geteuid()
    assert result["effective"] == [0, 0]
    assert result["mount"] == -1 and result["media"] == ["mmcsd-0-0"]


def test_the_kernel_refusing_namespaces_is_said_and_changes_nothing():
    """unshare(CLONE_NEWUSER) is refused to a process with threads: the reason comes back."""
    results_r, results_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        stop = threading.Event()
        threading.Thread(target=stop.wait).start()
        refused = namespaces.unshare(True)
        os.write(results_w, json.dumps([refused, os.path.exists("/proc/self")]).encode())
        stop.set()
        os._exit(0)
    os.close(results_w)
    with os.fdopen(results_r, "rb") as f:
        refused, proc = json.loads(f.read())
    os.waitpid(pid, 0)
    assert refused.startswith("the kernel refused namespaces (") and proc


@needs_namespaces
def test_a_scripts_udp_on_loopback_stays_in_its_own_network():
    """The host holds a UDP port on 127.0.0.1; the script binds the same port (it can: its
    loopback is its own) and sends to it: nothing reaches the host's socket."""
    host = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    host.bind(("127.0.0.1", 0))
    host.settimeout(0.5)
    port = host.getsockname()[1]
    p = dai.Pipeline()
    node = p.create(dai.node.Script)
    node.setProcessor(dai.ProcessorType.LEON_CSS)
    node.setScript(f"""
        import socket
        mine = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        mine.bind(('127.0.0.1', {port}))
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sender.sendto(b'to the host?', ('127.0.0.1', {port}))
        text = mine.recv(100)
        b = Buffer(len(text))
        b.setData(list(text))
        node.io['out'].send(b)
    """)
    out = p.create(dai.node.XLinkOut)
    out.setStreamName("out")
    node.outputs["out"].link(out.input)
    with dai.Device(p) as device:
        said = bytes(device.getOutputQueue("out").get(timeout=10).getData())
    assert said == b"to the host?"   # the script's own socket got it
    with pytest.raises(TimeoutError):
        host.recv(100)
    host.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="the fallback for a device run as root")
def test_without_namespaces_a_root_devices_script_is_a_user_of_its_own_without_capabilities(tmp_path):
    """What a script of a root device gets where the kernel refuses namespaces (tried here without
    asking the kernel for them): root's processes are not its to signal, another user's private
    file is out of reach, root's own files are still checked by their owner bits (its storage and
    the interpreter), and its threads stop at the limit."""
    private = tmp_path / "someone-elses.txt"
    private.write_text("another user's secret")
    os.chown(private, 4321, 4321)
    private.chmod(0o600)
    roots = tmp_path / "storage-file.txt"
    roots.write_text("the device's own")
    roots.chmod(0o600)
    sleeper = subprocess.Popen(["sleep", "30"])

    def probe():
        said = namespaces.without_namespaces()
        limits.apply(64 << 20, threads_counted=True)
        reads = []
        for path in (private, roots):
            try:
                reads.append(open(path).read())
            except OSError as e:
                reads.append(type(e).__name__)
        try:
            os.kill(sleeper.pid, signal.SIGKILL)
            signalled = "signalled"
        except OSError as e:
            signalled = type(e).__name__
        stop, started = threading.Event(), 0
        try:
            for _ in range(500):
                threading.Thread(target=stop.wait, daemon=True).start()
                started += 1
        except RuntimeError:
            pass
        stop.set()
        libc = ctypes.CDLL(None, use_errno=True)
        header = namespaces._CapHeader(namespaces._CAP_VERSION_3, 0)
        data = (namespaces._CapData * 2)()
        libc.syscall(125, ctypes.byref(header), ctypes.byref(data))   # capget
        return {"said": said, "uids": list(os.getresuid()), "gids": list(os.getresgid()),
                "groups": os.getgroups(), "reads": reads, "signalled": signalled, "started": started,
                "caps": [[d.effective, d.permitted] for d in data]}

    try:
        result, _ = in_child(probe)
        assert sleeper.poll() is None   # root's process lives
    finally:
        sleeper.kill()
        sleeper.wait()
    uid = result["uids"][0]
    assert uid > namespaces.THREADS_UID and result["uids"] == [uid] * 3 and result["gids"] == [uid] * 3
    assert result["groups"] == [] and result["caps"] == [[0, 0], [0, 0]]
    assert result["signalled"] == "PermissionError"
    assert result["reads"] == ["PermissionError", "the device's own"]
    assert result["started"] < limits.MAX_THREADS
    assert result["said"] == f"it runs as user {uid}, without capabilities"


REFUSING_NAMESPACES = """
import ctypes, json, os, struct, sys
import oakling as dai

# A container's kind of seccomp profile: unshare (272 on x86-64) gets EPERM, the rest goes through.
code = [(0x20, 0, 0, 0), (0x15, 0, 1, 272), (0x06, 0, 0, 0x00050000 | 1), (0x06, 0, 0, 0x7FFF0000)]
filters = b"".join(struct.pack("HBBI", op, jt, jf, k) for op, jt, jf, k in code)
buffer = ctypes.create_string_buffer(filters, len(filters))
class Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
libc = ctypes.CDLL(None)
assert libc.prctl(38, 1, 0, 0, 0) == 0
assert libc.syscall(317, 1, 0, ctypes.byref(Prog(4, ctypes.addressof(buffer)))) == 0

p = dai.Pipeline()
script = p.create(dai.node.Script)
script.setProcessor(dai.ProcessorType.LEON_CSS)
script.setScript('''
    import os
    with open('/media/mmcsd-0-0/note.txt', 'w') as f:
        f.write('kept')
    report = {'note': open('/media/mmcsd-0-0/note.txt').read(), 'uid': os.getuid(), 'euid': os.geteuid()}
    try:
        report['environ'] = open('/proc/%d/environ' % os.getppid(), 'rb').read(20).decode('latin-1')
    except Exception as e:
        report['environ'] = type(e).__name__
    try:
        os.kill(os.getppid(), 9)
        report['kill'] = 'sent'
    except Exception as e:
        report['kill'] = type(e).__name__
    import json
    data = json.dumps(report).encode()
    b = Buffer(len(data))
    b.setData(list(data))
    node.io['out'].send(b)
''')
out = p.create(dai.node.XLinkOut)
out.setStreamName("out")
script.outputs["out"].link(out.input)
with dai.Device(p) as device:
    print(bytes(device.getOutputQueue("out").get(timeout=20).getData()).decode(), flush=True)
"""


@pytest.mark.skipif(os.geteuid() != 0 or platform.machine() != "x86_64",
                    reason="the fallback for a device run as root, under an x86-64 seccomp profile")
def test_where_a_container_refuses_namespaces_a_script_still_runs_as_a_user_of_its_own(tmp_path):
    """A host program under a seccomp profile that refuses unshare, as many containers have: its
    script is told so once, still runs (storage, imports, messages) as a user of its own, and
    cannot read the device's environment or kill it."""
    env = dict(os.environ, OAKLING_STORAGE=str(tmp_path / "storage"))
    done = subprocess.run([sys.executable, "-c", REFUSING_NAMESPACES], capture_output=True, text=True,
                          timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[0])
    assert report["note"] == "kept"
    assert report["uid"] == report["euid"] > namespaces.THREADS_UID
    assert report["environ"].endswith("Error") and report["kill"].endswith("Error")   # the device lives: it sent
    assert f"scripts share this machine's file tree, processes and network (the kernel refused namespaces " \
           f"(unshare: Operation not permitted); it runs as user {report['uid']}, without capabilities)" in done.stderr
