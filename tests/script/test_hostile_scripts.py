"""Scripts that attack the device through what they send: each test runs a real pipeline and checks
that the concrete harm did not happen, not merely that an exception was raised."""
import time

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
