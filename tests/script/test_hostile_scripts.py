"""Scripts that attack the device through what they send: each test runs a real pipeline and checks
that the concrete harm did not happen, not merely that an exception was raised."""
import os
import time

import pytest

import oakling as dai


def vm_peak(pid: int) -> int:
    """The most address space the process ever had, in bytes."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmPeak:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmPeak")


def hostile_pipeline(script: str):
    """A Script whose output goes to the host, beside a camera whose frames must keep coming."""
    p = dai.Pipeline()
    node = p.create(dai.node.Script)
    node.setScript(script)
    out = p.create(dai.node.XLinkOut)
    out.setStreamName("script")
    node.outputs["out"].link(out.input)
    cam = p.create(dai.node.ColorCamera)
    cam.setPreviewSize(64, 64)
    frames = p.create(dai.node.XLinkOut)
    frames.setStreamName("frames")
    cam.preview.link(frames.input)
    return p


def test_a_forged_length_on_its_own_link_stops_the_script_not_the_device():
    """The script writes a record header announcing a 4 GiB payload straight into its output link's
    socket: the device must not allocate it (nor wait for it), and the rest of the pipeline goes on."""
    p = hostile_pipeline("""
        sock = node.io['out']._link.sock
        sock.send(b'\\x08\\x00\\x00\\x00\\xf0\\xff\\xff\\xff' + bytes(8))
        import time
        time.sleep(30)
    """)
    with dai.Device(p) as device:
        frames = device.getOutputQueue("frames")
        deadline = time.monotonic() + 10
        while "Script(0)" not in device.getFailedNodes() and time.monotonic() < deadline:
            frames.get(timeout=5)
        failure = device.getFailedNodes()["Script(0)"]
        assert "broke its links' rules and was stopped" in failure
        assert "link 'script-out-out' carried a malformed record" in failure and "4294967280" in failure
        assert vm_peak(device._process.pid) < 3 << 30     # nothing near 4 GiB was ever reserved
        first = frames.get(timeout=5).getSequenceNum()
        assert frames.get(timeout=5).getSequenceNum() > first   # the camera goes on
        assert device.getScriptStats()["Script(0)"]["running"] is False


def test_garbage_on_its_output_link_stops_the_script_with_a_clear_error():
    p = hostile_pipeline("""
        import time
        node.io['out']._link.sock.send(bytes(range(256)) * 4)   # not a record at all
        time.sleep(30)
    """)
    with dai.Device(p) as device:
        frames = device.getOutputQueue("frames")
        deadline = time.monotonic() + 10
        while "Script(0)" not in device.getFailedNodes() and time.monotonic() < deadline:
            frames.get(timeout=5)
        assert "carried a malformed record" in device.getFailedNodes()["Script(0)"]
        frames.get(timeout=5)


def children(pid: int) -> list[int]:
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            found += [int(c) for c in f.read().split()]
    return found


@pytest.mark.parametrize("processor", [dai.ProcessorType.LEON_MSS, dai.ProcessorType.LEON_CSS])
def test_a_script_sees_none_of_the_host_programs_environment(monkeypatch, processor):
    """A secret in the host program's environment reaches neither the script's os.environ nor the
    environment the kernel shows for the script's process (/proc/<pid>/environ)."""
    secret = "oakling-test-secret-4f9d2"
    monkeypatch.setenv("OAKLING_TEST_TOKEN", secret)
    p = dai.Pipeline()
    script = p.create(dai.node.Script)
    script.setProcessor(processor)
    script.setScript("""
        import os
        found = repr(sorted(os.environ.items())) + repr(os.getenv('OAKLING_TEST_TOKEN'))
        b = Buffer(len(found))
        b.setData(list(found.encode()))
        node.io['out'].send(b)
        import time
        time.sleep(30)
    """)
    out = p.create(dai.node.XLinkOut)
    out.setStreamName("out")
    script.outputs["out"].link(out.input)
    with dai.Device(p) as device:
        seen = bytes(device.getOutputQueue("out").get(timeout=10).getData()).decode()
        assert seen == "[]None"
        [script_pid] = children(device._process.pid)
        with open(f"/proc/{script_pid}/environ", "rb") as f:
            assert secret.encode() not in f.read()
        with open(f"/proc/{device._process.pid}/environ", "rb") as f:   # the device itself keeps it:
            assert secret.encode() in f.read()                           # the check above can fail


def test_a_directory_descriptor_does_not_let_a_script_write_into_the_python_installation():
    """A known way past the Python layer: open a standard-library folder (reading it is allowed)
    and create a file relative to that descriptor, which the path rule judges as relative to the
    storage folder. The kernel's file rules (Landlock) refuse it."""
    import sysconfig
    import uuid
    from oakling.script import landlock
    if landlock.abi_version() == 0:
        pytest.skip("this kernel has no Landlock: the Python layer alone cannot stop this one")
    folder = os.path.join(sysconfig.get_paths()["stdlib"], "json")
    marker = f"oakling_escape_{uuid.uuid4().hex}.py"
    p = hostile_pipeline(f"""
        import os
        posix = os.sys.modules['posix']
        try:
            d = posix.open({folder!r}, os.O_RDONLY)
            f = posix.open({marker!r}, os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=d)
            posix.write(f, b'import os  # planted by a script')
            said = 'written'
        except OSError as e:
            said = type(e).__name__
        b = Buffer(len(said))
        b.setData(list(said.encode()))
        node.io['out'].send(b)
    """)
    try:
        with dai.Device(p) as device:
            said = bytes(device.getOutputQueue("script").get(timeout=10).getData()).decode()
        assert said in ("PermissionError", "OSError"), said   # refused by Landlock, or a read-only mount
        assert not os.path.exists(os.path.join(folder, marker))
    finally:
        if os.path.exists(os.path.join(folder, marker)):
            os.remove(os.path.join(folder, marker))


def run_css(script: str) -> str:
    """Run a LEON_CSS script that sends one text back; the text."""
    p = dai.Pipeline()
    node = p.create(dai.node.Script)
    node.setProcessor(dai.ProcessorType.LEON_CSS)
    node.setScript(script + """
b = Buffer(len(said))
b.setData(list(said.encode()))
node.io['out'].send(b)
""")
    out = p.create(dai.node.XLinkOut)
    out.setStreamName("out")
    node.outputs["out"].link(out.input)
    with dai.Device(p) as device:
        return bytes(device.getOutputQueue("out").get(timeout=10).getData()).decode()


def test_a_str_subclass_does_not_talk_the_loopback_rule_into_binding_every_interface():
    """The address's own startswith says "127." and its __eq__ and __hash__ dodge the wildcard
    mapping: the hook must judge the characters, not what the object says of itself. Binding sends
    nothing: what matters is whether the socket ended up listening on every interface."""
    said = run_css("""
import socket
class Host(str):
    def startswith(self, *a): return True
    def __eq__(self, other): return False
    def __hash__(self): return 1
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    sock.bind((Host('0.0.0.0'), 0))
    said = 'bound ' + sock.getsockname()[0]
except Exception as e:
    said = type(e).__name__
""")
    assert said == "SandboxError"


def test_code_a_script_slips_into_the_hooks_own_checks_gets_no_free_pass():
    """An address whose startswith runs the script's code while the hook checks a bind: that code
    binds every interface, which the hook would let through while it is busy. The hook never calls
    the object's methods, so that code never runs, and nothing listens on every interface."""
    said = run_css("""
import socket
inner = []
class Host(str):
    def startswith(self, *a):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind(('0.0.0.0', 0))
            inner.append('bound ' + s.getsockname()[0])
        except Exception as e:
            inner.append(type(e).__name__)
        return False
    def __hash__(self): return 1
    def __eq__(self, other): return False
try:
    socket.socket(socket.AF_INET, socket.SOCK_STREAM).bind((Host('10.0.0.1'), 0))
except Exception as e:
    pass
said = repr(inner)
""")
    assert "bound" not in said and said == "[]"
