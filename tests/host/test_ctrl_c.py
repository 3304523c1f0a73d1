"""Ctrl-C in a terminal: SIGINT reaches the whole process group, host and device alike. The host's
program handles it (KeyboardInterrupt, the Device closes); the device process stays quiet, and ends
with its host whichever way the host goes."""
import os
import signal
import subprocess
import sys
import textwrap
import time

from processes import alive as _alive

PIPELINE = """
    import signal, sys
    import oakling as dai
    p = dai.Pipeline()
    xin = p.createXLinkIn(); xin.setStreamName("in")
    script = p.create(dai.node.Script)
    script.setScript("while True:\\n    node.io['out'].send(node.io['in'].get())")
    xout = p.createXLinkOut(); xout.setStreamName("out")
    xin.out.link(script.inputs["in"]); script.outputs["out"].link(xout.input)
"""


def start(program: str, tmp_path) -> subprocess.Popen:
    """The program in a process group of its own, as a terminal runs a command."""
    env = dict(os.environ, OAKLING_STORAGE=str(tmp_path / "storage"))
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(PIPELINE) + textwrap.dedent(program)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)


def ctrl_c(host: subprocess.Popen) -> tuple[int, float]:
    """Wait for the program's device, press Ctrl-C (SIGINT to the group): (device pid, when)."""
    device_pid = int(host.stdout.readline())
    assert _alive(device_pid)
    time.sleep(0.3)   # the program waits in get()
    os.killpg(host.pid, signal.SIGINT)
    return device_pid, time.monotonic()


def end_group(host: subprocess.Popen):
    """Whatever a failed test left of the program and its device."""
    try:
        os.killpg(host.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    host.wait()


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not _alive(pid)


def test_ctrl_c_is_the_hosts_and_the_device_closes_without_a_word(tmp_path):
    host = start("""
        with dai.Device(p) as device:
            print(device._process.pid, flush=True)
            try:
                device.getOutputQueue("out").get()
            except KeyboardInterrupt:
                print("interrupted", flush=True)
        print("closed", flush=True)
    """, tmp_path)
    try:
        device_pid, pressed = ctrl_c(host)
        out, err = host.communicate(timeout=5)
        assert out.split() == ["interrupted", "closed"] and host.returncode == 0, (out, err)
        assert time.monotonic() - pressed < 3.0   # the Device closes within a second
        assert gone_within(device_pid, 1.0)
        assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    finally:
        end_group(host)


def test_a_host_killed_by_ctrl_c_takes_its_device_with_it(tmp_path):
    host = start("""
        signal.signal(signal.SIGINT, signal.SIG_DFL)   # SIGINT kills this program outright
        device = dai.Device(p)
        print(device._process.pid, flush=True)
        device.getOutputQueue("out").get()
    """, tmp_path)
    try:
        device_pid, _ = ctrl_c(host)
        _, err = host.communicate(timeout=5)
        assert host.returncode == -signal.SIGINT
        assert gone_within(device_pid, 3.0)   # its control link closed with the host
        assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    finally:
        end_group(host)
