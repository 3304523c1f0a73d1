"""The host queues over a running device: get/tryGet/getAll and timeouts, callbacks, blocking and
non-blocking queues both ways, maxDataSize, and one queue read from two threads."""
import threading
import time

import numpy as np
import pytest

import oakling as dai
from pipelines import camera_pipeline, echo_pipeline


def test_oversized_message_is_refused_with_the_fix():
    with dai.Device(echo_pipeline(max_data_size=1000)) as device:
        buf = dai.Buffer()
        buf.setData(np.zeros(2000, np.uint8))
        with pytest.raises(RuntimeError, match=r"2000 bytes is larger than XLinkIn\(0\)'s maxDataSize of 1000 bytes.*setMaxDataSize\(2000\)"):
            device.getInputQueue("in").send(buf)
        small = dai.Buffer()
        small.setData([1, 2, 3])
        device.getInputQueue("in").send(small)   # the stream still works
        assert list(device.getOutputQueue("out").get().getData()) == [1, 2, 3]


def test_send_refuses_what_is_not_a_message(echo_device):
    with pytest.raises(TypeError, match="expected a message"):
        echo_device.getInputQueue("in").send(b"raw bytes")


def test_try_get_has_get_all_and_timeout(echo_device):
    out, inq = echo_device.getOutputQueue("out"), echo_device.getInputQueue("in")
    assert out.tryGet() is None and not out.has() and out.tryGetAll() == []
    with pytest.raises(TimeoutError, match="no message within 0.2 s"):
        out.get(timeout=0.2)
    for k in range(3):
        b = dai.Buffer()
        b.setData([k])
        inq.send(b)
    deadline = time.monotonic() + 5
    while len(out._queue) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert out.has()
    assert [m.getData()[0] for m in out.getAll()] == [0, 1, 2]


def test_callbacks_with_zero_one_and_two_arguments(echo_device):
    out, inq = echo_device.getOutputQueue("out"), echo_device.getInputQueue("in")
    seen, done = [], threading.Event()
    ids = [out.addCallback(lambda: seen.append("none")),
           out.addCallback(lambda msg: seen.append(("msg", int(msg.getData()[0])))),
           out.addCallback(lambda name, msg: (seen.append((name, int(msg.getData()[0]))), done.set()))]
    b = dai.Buffer()
    b.setData([7])
    inq.send(b)
    assert done.wait(5)
    assert seen == ["none", ("msg", 7), ("out", 7)]
    assert out.get().getData()[0] == 7          # messages are still queued
    for i in ids:
        assert out.removeCallback(i)
    assert not out.removeCallback(ids[0])
    seen.clear()
    inq.send(b)
    out.get()
    assert seen == []


def test_a_callback_that_raises_is_reported_and_the_stream_goes_on(echo_device, capfd):
    out, inq = echo_device.getOutputQueue("out"), echo_device.getInputQueue("in")
    seen = []
    failing = out.addCallback(lambda msg: 1 / 0)
    out.addCallback(lambda msg: seen.append(int(msg.getData()[0])))
    for k in range(3):
        b = dai.Buffer()
        b.setData([k])
        inq.send(b)
    assert [int(out.get(timeout=5).getData()[0]) for _ in range(3)] == [0, 1, 2]
    assert seen == [0, 1, 2]
    err = capfd.readouterr().err
    assert err.count(f"Queue 'out': callback {failing} raised ZeroDivisionError: division by zero") == 3
    assert err.count("Traceback") == 1


def test_non_blocking_host_queue_keeps_the_newest():
    p, _, _ = camera_pipeline(32, 32, fps=100)
    with dai.Device(p) as device:
        q = device.getOutputQueue("preview", maxSize=2, blocking=False)
        time.sleep(0.5)
        frames = q.tryGetAll()
        assert len(frames) == 2
        assert frames[1].getSequenceNum() == frames[0].getSequenceNum() + 1
        assert frames[0].getSequenceNum() > 10     # the oldest were dropped


def test_blocking_host_queue_back_pressures_the_camera():
    p, _, _ = camera_pipeline(32, 32, fps=200)
    with dai.Device(p) as device:
        q = device.getOutputQueue("preview", maxSize=4, blocking=True)
        time.sleep(0.6)   # ~120 frames' worth of time without reading
        seqs = [q.get().getSequenceNum() for _ in range(60)]
    assert seqs == list(range(60))                 # nothing dropped anywhere
    # The camera stalled while nobody read: it is far behind the ~120 frames it could have made.
    assert seqs[-1] < 100


def _numbered(k: int, size: int = 256 * 1024) -> dai.Buffer:
    b = dai.Buffer()
    data = np.zeros(size, np.uint8)
    data[:4] = np.frombuffer(np.uint32(k).tobytes(), np.uint8)
    b.setData(data)
    return b


def _number(msg) -> int:
    return int(np.frombuffer(msg.getData()[:4].tobytes(), np.uint32)[0])


def test_a_blocking_input_queue_writes_in_the_senders_thread_while_the_device_has_room(echo_device):
    out, inq = echo_device.getOutputQueue("out"), echo_device.getInputQueue("in")
    for k in range(5):
        inq.send(_numbered(k))
        assert _number(out.get(timeout=5)) == k
    assert inq._thread is None   # no writer thread was needed


def _accepted_before_waiting(max_size: int) -> int:
    """How many 256 KiB messages send() takes while nobody reads the echo's output; then reads them all."""
    with dai.Device(echo_pipeline(8 * 1024 * 1024)) as device:
        out, inq = device.getOutputQueue("out", maxSize=2), device.getInputQueue("in", maxSize=max_size)
        sent = []

        def send():
            for k in range(120):
                inq.send(_numbered(k))
                sent.append(k)

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        time.sleep(1.0)
        accepted = len(sent)
        assert sender.is_alive()   # the stream and the device filled up, then the queue: send() waits
        assert [_number(out.get(timeout=10)) for _ in range(120)] == list(range(120))
        sender.join(10)
        return accepted


def test_a_blocking_input_queue_holds_max_size_messages_when_the_device_is_full_then_waits():
    """As gen2's: once the device has no room, send() returns at once until maxSize messages wait."""
    assert _accepted_before_waiting(16) - _accepted_before_waiting(1) >= 14


def test_a_blocking_output_queue_is_read_in_the_callers_thread_until_a_callback_needs_a_reader(echo_device):
    out, inq = echo_device.getOutputQueue("out"), echo_device.getInputQueue("in")

    for k in range(5):
        inq.send(_numbered(k, 16))
    assert [_number(out.get(timeout=5)) for _ in range(5)] == list(range(5))
    assert out._thread is None   # get() read the stream itself
    seen = []
    out.addCallback(lambda msg: seen.append(_number(msg)))
    assert out._thread.is_alive() and out._thread.name == "oakling-out-out"
    for k in range(5, 10):
        inq.send(_numbered(k, 16))
    assert [_number(out.get(timeout=5)) for _ in range(5)] == list(range(5, 10))
    assert seen == list(range(5, 10))


def test_two_threads_reading_one_output_queue_get_each_message_once(echo_device):
    out, inq = echo_device.getOutputQueue("out"), echo_device.getInputQueue("in")
    got = [[], []]
    deadline = time.monotonic() + 30

    def read(mine):
        while len(got[0]) + len(got[1]) < 300 and time.monotonic() < deadline:
            try:
                mine.append(_number(out.get(timeout=0.2)))
            except TimeoutError:
                pass

    threads = [threading.Thread(target=read, args=(g,), daemon=True) for g in got]
    for t in threads:
        t.start()
    for k in range(300):
        inq.send(_numbered(k, 64 if k % 3 else 100_000))
    for t in threads:
        t.join(35)
    assert sorted(got[0] + got[1]) == list(range(300))
    assert got[0] == sorted(got[0]) and got[1] == sorted(got[1])


def test_a_non_blocking_input_queue_drops_the_oldest_instead_of_waiting(echo_device):
    out, inq = echo_device.getOutputQueue("out", maxSize=2), echo_device.getInputQueue("in", maxSize=3,
                                                                                          blocking=False)
    started = time.monotonic()
    for k in range(200):
        inq.send(_numbered(k))
    assert time.monotonic() - started < 5   # never waited for the device
    got = []
    while True:
        try:
            got.append(_number(out.get(timeout=1.0)))
        except TimeoutError:
            break
    assert got == sorted(got) and got[-1] == 199 and len(got) < 200
    inq.setBlocking(True)   # back to blocking: every message arrives, after anything still queued
    for k in range(200, 210):
        inq.send(_numbered(k))
    assert [_number(out.get(timeout=5)) for _ in range(10)] == list(range(200, 210))


def test_get_all_returns_the_last_message_of_a_stream_and_the_next_call_says_it_ended():
    p = dai.Pipeline()
    script = p.create(dai.node.Script)
    script.setScript("""
        b = Buffer(1)
        b.setData([42])
        node.io['out'].send(b)
    """)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("out")
    script.outputs["out"].link(xout.input)
    with dai.Device(p) as device:
        out = device.getOutputQueue("out")
        time.sleep(0.5)   # the script has sent its message and ended: the stream's end waits behind it
        assert [m.getData()[0] for m in out.getAll(timeout=5)] == [42]
        with pytest.raises(dai.StreamEnded):
            out.getAll(timeout=5)
