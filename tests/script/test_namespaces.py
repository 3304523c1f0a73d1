"""The script process's namespaces, tried in forked children with the real kernel: what the new
root shows, what the private network reaches, and what is left of the process's privileges."""
import ctypes
import json
import os
import socket
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
def test_without_namespaces_a_root_devices_script_has_no_capabilities_and_its_threads_are_counted(tmp_path):
    """What a script of a root device gets where the kernel refuses namespaces (tried here without
    asking the kernel for them): another user's private file is out of reach, and its threads stop
    at the limit."""
    private = tmp_path / "someone-elses.txt"
    private.write_text("another user's secret")
    os.chown(private, 4321, 4321)
    private.chmod(0o600)

    def probe():
        said = namespaces.without_namespaces()
        limits.apply(64 << 20, threads_counted=True)
        try:
            read = open(private).read()
        except OSError as e:
            read = type(e).__name__
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
        return {"said": said, "ids": [os.getuid(), os.geteuid()], "read": read, "started": started,
                "effective": [d.effective for d in data]}

    result, _ = in_child(probe)
    assert result["read"] == "PermissionError" and result["effective"] == [0, 0]
    assert result["ids"][0] > namespaces.THREADS_UID and result["ids"][1] == 0
    assert result["started"] < limits.MAX_THREADS
    assert result["said"].startswith("it runs without capabilities, its threads counted as user ")
