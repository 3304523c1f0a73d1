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


# -- back-pressure: what a script says it read, and whether it reads at all --

def camera_into_script(script: str, *, blocking: bool = True, preview: int = 64):
    """A Script(0) whose input `in` takes a camera's preview, which also goes to the host as `frames`.
    A blocking input the script does not read makes the camera wait (gen2's rule); nothing else the
    script does may stop it for good."""
    p = dai.Pipeline()
    node = p.create(dai.node.Script)
    node.setScript(script)
    cam = p.create(dai.node.ColorCamera)
    cam.setPreviewSize(preview, preview)
    cam.preview.link(node.inputs["in"])
    node.inputs["in"].setBlocking(blocking)
    frames = p.create(dai.node.XLinkOut)
    frames.setStreamName("frames")
    cam.preview.link(frames.input)
    return p


def failure_while_frames_come(device, frames, within: float = 10) -> str:
    """Read frames until Script(0) has failed; its failure (the frames must keep coming meanwhile)."""
    deadline = time.monotonic() + within
    while "Script(0)" not in device.getFailedNodes() and time.monotonic() < deadline:
        frames.get(timeout=5)
    return device.getFailedNodes().get("Script(0)", "")


def frames_keep_coming(frames, count: int = 30):
    first = frames.get(timeout=5).getSequenceNum()
    for _ in range(count):
        last = frames.get(timeout=5).getSequenceNum()
    assert last >= first + count


def closes_promptly(device):
    started = time.monotonic()
    device.close()
    assert time.monotonic() - started < 2


COUNT_WHAT_ARRIVES = """
import os, struct
fcntl = os.sys.modules['fcntl']
while True:   # about as many as have arrived (FIONREAD: the bytes waiting), never more, reading none
    waiting = struct.unpack('i', fcntl.ioctl(i._link.sock.fileno(), 0x541B, bytes(4)))[0]
    i._counters[i._index] = waiting // 13000   # a 64x64 preview's record is a little over 12,288 bytes
    i._bell.ring()
    time.sleep(0.001)
"""


@pytest.mark.parametrize("forgery, broken", [
    ("i._counters[i._index] = 1 << 40", "its count of messages taken from input 'in' went from 0 to 1099511627776"),
    ("i._counters[i._index] = -1", "its count of messages taken from input 'in' went from 0 to -1"),
    (COUNT_WHAT_ARRIVES, "input 'in': its socket is full, yet it counts"),
], ids=["more-than-sent", "backwards", "counting-what-it-never-read"])
def test_a_script_that_forges_its_count_of_taken_messages_is_stopped_and_the_camera_goes_on(forgery, broken):
    """The count lives in a page the script can write: one that runs ahead of what was sent, goes
    back, or counts messages the script never read would have the device send without end into a
    socket nobody reads, and the camera would hang on it."""
    p = camera_into_script("import time\ni = node.io['in']\n" + forgery + "\ni._bell.ring()\ntime.sleep(60)\n")
    with dai.Device(p) as device:
        frames = device.getOutputQueue("frames")
        failure = failure_while_frames_come(device, frames)
        assert f"the script's process broke its links' rules and was stopped: {broken}" in failure
        frames_keep_coming(frames)
        assert device.getScriptStats()["Script(0)"]["running"] is False
        closes_promptly(device)


def test_a_blocking_input_the_script_never_reads_holds_its_camera_up_as_in_gen2_until_the_device_closes():
    """gen2's rule, kept: a full blocking input makes its producer wait, so the camera feeding it (and
    its other consumers) stops once the script's queue of 8 is full. The device still closes at once."""
    with dai.Device(camera_into_script("import time\ntime.sleep(60)\n")) as device:
        frames = device.getOutputQueue("frames")
        got = []
        with pytest.raises(TimeoutError):
            while len(got) < 100:
                got.append(frames.get(timeout=1.5))
        assert len(got) == 8   # the ninth frame waits for room in the script's input, before the XLinkOut's
        assert "Script(0)" not in device.getFailedNodes()
        closes_promptly(device)


STOP_DRAINING = """
import threading, time
node.io['in']._queue.put = lambda *a, **k: threading.Event().wait()   # its drain thread hangs for good
time.sleep(60)
"""


def test_a_script_that_stops_draining_a_non_blocking_input_only_loses_its_messages():
    """Small frames: each one that finds the script's socket full is dropped whole, as a full
    non-blocking queue drops; the camera never waits and the script goes on."""
    with dai.Device(camera_into_script(STOP_DRAINING, blocking=False)) as device:
        frames = device.getOutputQueue("frames")
        frames_keep_coming(frames, count=90)   # about 200 frames fill the socket: the camera went on past it
        assert "Script(0)" not in device.getFailedNodes()
        assert device.getScriptStats()["Script(0)"]["running"] is True
        closes_promptly(device)


def test_a_script_that_leaves_a_large_message_half_read_on_a_non_blocking_input_is_stopped():
    """Large frames: once the script holds every shared segment of its input, frames go inline, one
    larger than the socket's room is left half-sent, and the camera may not wait on it for more than
    STALL_LIMIT."""
    with dai.Device(camera_into_script(STOP_DRAINING, blocking=False, preview=320)) as device:
        frames = device.getOutputQueue("frames")
        failure = failure_while_frames_come(device, frames)
        assert "broke its links' rules and was stopped: it left its non-blocking input 'in' unread for 1 s" in failure
        frames_keep_coming(frames)
        closes_promptly(device)


def test_a_script_that_stops_reading_its_control_link_holds_pin_writes_up_once_and_is_stopped():
    """The device tells every script of each pin change on its control link; a script that stops
    reading it would fill it, and the device's thread that serves the host would wait on it for good."""
    p = camera_into_script("""
        import GPIO, threading, time
        pins = [c.cell_contents for c in GPIO.write.__closure__ if type(c.cell_contents).__name__ == 'ScriptGpio'][0]
        pins.changed = lambda *a: threading.Event().wait()   # its control link is read no more
        while True:
            node.io['in'].get()
    """)
    with dai.Device(p) as device:
        frames = device.getOutputQueue("frames")
        frames.get(timeout=10)
        for k in range(3000):   # a few hundred fill the link
            device.writeGpio(7, k % 2)
        assert device.readGpio(7) == 1
        failure = failure_while_frames_come(device, frames)
        assert "broke its links' rules and was stopped: it left its control link unread for 1 s" in failure
        frames_keep_coming(frames)
        closes_promptly(device)


def device_cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all its threads) the process has used."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_a_script_ringing_its_doorbell_without_end_does_not_keep_the_device_busy():
    """The producer waiting for room in a full blocking input wakes on the script's doorbell; a script
    that rings it in a loop, taking nothing, must not turn that wait into a spin of the device's CPU."""
    p = dai.Pipeline()
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("in")
    node = p.create(dai.node.Script)
    xin.out.link(node.inputs["in"])
    node.inputs["in"].setQueueSize(1)
    node.setScript("""
        i = node.io['in']
        node.io['out'].send(Buffer(1))
        while True:
            i._bell.ring()
    """)
    out = p.create(dai.node.XLinkOut)
    out.setStreamName("out")
    node.outputs["out"].link(out.input)
    with dai.Device(p) as device:
        device.getOutputQueue("out").get(timeout=10)
        for _ in range(3):   # the first fills the input, the second waits for room
            device.getInputQueue("in").send(dai.Buffer())
        time.sleep(0.5)
        pid = device._process.pid
        before, started = device_cpu_seconds(pid), time.monotonic()
        time.sleep(2)
        assert (device_cpu_seconds(pid) - before) / (time.monotonic() - started) < 0.1   # spinning: 0.3-0.4
        closes_promptly(device)


def test_a_script_that_holds_every_shared_segment_of_its_input_costs_the_camera_one_wait():
    """The device lends a script's input shared segments; a script that keeps every frame it took
    keeps them all busy. The camera then sends inline without waiting for a segment each time."""
    p = camera_into_script("""
        held = []
        while True:
            frame = node.io['in'].get()
            if len(held) < 20:   # more than the 16 segments
                held.append(frame)
    """, preview=320)
    with dai.Device(p, realtime=False) as device:   # the camera goes as fast as its consumers take frames
        frames = device.getOutputQueue("frames")
        frames_keep_coming(frames, count=20)
        started = time.monotonic()
        frames_keep_coming(frames, count=300)
        assert time.monotonic() - started < 6   # 50 ms for a segment per frame would take 15 s
        assert "Script(0)" not in device.getFailedNodes()


# a control record with no descriptors of its own, and 200 sent with it
_LOG_RECORD = b'\x19\x00\x00\x00\x00\x00\x00\x00\x93\x03\x83\xa2op\xa3log\xa5level\x02\xa4text\xa1x\x00'


def test_descriptors_a_script_sends_unasked_do_not_pile_up_in_the_device():
    """Every descriptor sent with SCM_RIGHTS lands in the device's table; a script sending them with
    records that claim none would fill it, and every other node would fail to open anything."""
    p = hostile_pipeline(f"""
        import struct, time
        sock = node.io['out']._link.sock
        fds = struct.pack('200i', *[sock.fileno()] * 200)
        try:
            for _ in range(50):
                sock.sendmsg([{_LOG_RECORD!r}], [(1, 1, fds)])   # SOL_SOCKET, SCM_RIGHTS
        except OSError:
            pass   # the device closed the link
        time.sleep(30)
    """)
    with dai.Device(p) as device:
        frames = device.getOutputQueue("frames")
        failure = failure_while_frames_come(device, frames)
        assert "broke its links' rules and was stopped" in failure and "descriptors sent ahead" in failure
        assert len(os.listdir(f"/proc/{device._process.pid}/fd")) < 1000   # a hundred or so, not 10,000
        frames_keep_coming(frames)
