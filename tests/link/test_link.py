"""Link: messages and control records over one socket; large payloads through reusable memfd segments.

Most tests run both ends in this process over a socketpair (shared memory works within one process too);
the ones about separate address spaces and a dying peer fork a real child process.
"""
import gc
import hashlib
import os
import signal
import socket
import tempfile
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import numpy as np
import pytest

from oakling.link import link as link_module
from oakling.link.link import Link, LinkClosed, LinkFull, _Lease
from oakling.link.records import Control, End, Message
from oakling.messages import Buffer, ImgFrame
from calls import Call

MiB = 1 << 20


# -- helpers --

def payload(nbytes: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, nbytes, dtype=np.uint8)


def buffer(nbytes: int, seed: int = 0) -> Buffer:
    b = Buffer().setData(payload(nbytes, seed)).setSequenceNum(1000 + seed)
    return b.setTimestamp(timedelta(seconds=3.25 + seed)).setTimestampDevice(timedelta(microseconds=77 + seed))


def frame(height: int, width: int, seed: int = 0) -> ImgFrame:
    """A BGR frame with every metadata field set to something other than its default."""
    image = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    f = ImgFrame().setCvFrame(image, ImgFrame.Type.BGR888i)
    f.setSequenceNum(41 + seed).setTimestamp(timedelta(seconds=12.5, microseconds=seed))
    f.setTimestampDevice(timedelta(seconds=3, microseconds=7 + seed)).setInstanceNum(2).setCategory(5 + seed)
    f._set_camera_settings(exposure_us=8000 + seed, sensitivity_iso=400, lens_position=130, wb_color_temp=5600,
                           lens_position_raw=0.515625)
    return f


def fields(msg) -> dict:
    """Every piece of a message's state but its bytes, with each value's type."""
    state = {k: (type(v).__name__, v) for k, v in vars(msg).items() if k != "_data"}
    return {"class": type(msg).__name__, **state}


def assert_same_message(got, sent):
    assert fields(got) == fields(sent)
    assert got.getData().dtype == np.uint8 and got.getData().ndim == 1
    assert got.getData().tobytes() == sent.getData().tobytes()
    if isinstance(sent, ImgFrame) and sent.getData().size:
        np.testing.assert_array_equal(got.getCvFrame(), sent.getCvFrame())


def leased(msg) -> bool:
    return isinstance(msg.getData().base, _Lease)


def sha(msg) -> str:
    return hashlib.sha256(msg.getData()).hexdigest()


def mapped_segments() -> set[int]:
    """Inodes of the link's memfd segments mapped into this process."""
    with open("/proc/self/maps") as f:
        return {int(line.split()[4]) for line in f if "oakling-link" in line}


def segment_fds() -> set[int]:
    """Open descriptors of this process that refer to a link memfd."""
    out = set()
    for name in os.listdir("/proc/self/fd"):
        try:
            if "oakling-link" in os.readlink(f"/proc/self/fd/{name}"):
                out.add(int(name))
        except OSError:
            pass
    return out


@pytest.fixture
def make_pair():
    """make_pair(**link_options) → (sender, receiver) over a fresh socketpair; both closed afterwards."""
    links = []

    def make(**options):
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pair = Link(a, "tx", **options), Link(b, "rx", **options)
        links.extend(pair)
        return pair

    yield make
    for link in links:
        link.close()


class Child:
    """A forked process running `body(link)` on the other end of a socketpair. It always exits:
    os._exit in a finally, an alarm as a backstop, and a kill when the test is done with it."""

    def __init__(self, body, **options):
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.pid = os.fork()
        if self.pid == 0:   # the child
            code = 1
            try:
                parent_end.close()
                signal.signal(signal.SIGALRM, signal.SIG_DFL)
                signal.alarm(10)
                body(Link(child_end, "child", **options))
                code = 0
            except BaseException:   # noqa: BLE001
                traceback.print_exc()
            finally:
                os._exit(code)
        child_end.close()
        self.link = Link(parent_end, "parent", **options)
        self.status = None

    def wait(self, timeout: float = 3.0) -> int:
        """The child's exit code (negative: killed by that signal); kills it if it does not exit in time."""
        deadline = time.monotonic() + timeout
        while self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
            elif time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                timeout, deadline = 3.0, time.monotonic() + 3.0
            else:
                time.sleep(0.01)
        return self.status

    def kill(self):
        os.kill(self.pid, signal.SIGKILL)
        return self.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.link.close()
        if self.status is None:
            self.wait(1.0)


def echo_body(link):
    """Child: for each message, report how it arrived, echo it back, drop it, then say so."""
    while True:
        record = link.recv()
        if type(record) is End:
            link.send_end("bye")
            return
        if type(record) is Message:
            msg = record.message
            del record
            link.send_control({"lease": leased(msg), "nbytes": int(msg.getData().nbytes), "sha": sha(msg)})
            link.send_message(msg)
            del msg
            link.send_control({"released": True, "segments": len(link._segments)})


# -- inline or shared memory --

@pytest.mark.parametrize("nbytes, via_shm", [
    (0, False), (1, False), (4095, False),       # below the threshold: inline
    (4096, True), (4097, True), (3 * MiB + 5, True),
])
def test_payloads_from_the_threshold_up_travel_through_shared_memory(make_pair, nbytes, via_shm):
    tx, rx = make_pair(shm_threshold=4096)
    sent = buffer(nbytes, seed=nbytes % 7)
    tx.send_message(sent)
    record = rx.recv()
    assert type(record) is Message
    got = record.message
    assert leased(got) is via_shm
    assert len(tx._segments) == int(via_shm) and len(rx._peer_segments) == int(via_shm)
    assert_same_message(got, sent)


@pytest.mark.parametrize("height, width, via_shm", [
    (4, 4, False), (147, 147, False),     # 64 827 bytes < 64 KiB, the default threshold
    (148, 148, True), (480, 640, True),   # 65 712 bytes ≥ 64 KiB
])
def test_image_frames_keep_every_field_and_pixel(make_pair, height, width, via_shm):
    tx, rx = make_pair()
    sent = frame(height, width, seed=height)
    tx.send_message(sent)
    record = rx.recv()
    got = record.message
    assert type(record) is Message and type(got) is ImgFrame
    assert leased(got) is via_shm
    assert_same_message(got, sent)
    assert got.getType() == ImgFrame.Type.BGR888i and (got.getWidth(), got.getHeight()) == (width, height)


def test_a_shared_memory_payload_is_copied_when_sent(make_pair):
    """Changing the sender's message after sending does not change what the receiver gets."""
    tx, rx = make_pair(shm_threshold=16)
    sent = buffer(1000)
    before = sent.getData().tobytes()
    tx.send_message(sent)
    sent.getData()[:] = 0
    got = rx.recv().message
    assert leased(got) and got.getData().tobytes() == before


@pytest.mark.parametrize("msg", [
    pytest.param(buffer(100), id="small-buffer"),
    pytest.param(buffer(2 * MiB), id="large-buffer"),
    pytest.param(frame(8, 8), id="small-frame"),
    pytest.param(frame(480, 640), id="large-frame"),
])
def test_metadata_only_sends_an_empty_payload_but_all_metadata(make_pair, msg):
    tx, rx = make_pair()
    tx.send_message(msg, metadata_only=True)
    record = rx.recv()
    got = record.message
    assert type(record) is Message and type(got) is type(msg)
    assert fields(got) == fields(msg)
    assert got.getData().size == 0 and got.getData().dtype == np.uint8
    assert not leased(got)
    assert tx._segments == []          # no segment is made for a payload that is not sent
    assert msg.getData().size > 0      # the sender's message keeps its bytes


# -- segment reuse --

@pytest.mark.parametrize("hold, segments", [(False, 1), (True, 4)])
def test_segments_are_reused_once_the_receiver_drops_the_message(make_pair, hold, segments):
    tx, rx = make_pair(shm_threshold=1024, max_segments=8)
    held, ids = [], []
    for i in range(4):
        sent = buffer(5000 + i, seed=i)
        tx.send_message(sent)
        got = rx.recv().message
        assert leased(got)
        assert_same_message(got, sent)
        ids.append(got.getData().base._segment.id)
        if hold:
            held.append(got)
        del got
    assert len(tx._segments) == segments
    assert len(rx._peer_segments) == segments
    assert len(set(ids)) == segments


def test_segments_not_taken_for_a_while_are_dropped_and_unmapped_on_both_sides(make_pair):
    """A pool that grew for a peak gives the memory back: free segments not taken for `_IDLE`
    seconds are dropped at the next send; the ones in use and the one just taken stay."""
    tx, rx = make_pair(shm_threshold=1024, max_segments=8)
    held = []
    for i in range(4):                             # a peak: the receiver holds four at once
        tx.send_message(buffer(5000, seed=i))
        held.append(rx.recv().message)
    assert len(tx._segments) == 4 and len(mapped_segments()) == 4   # both sides map these four
    kept = held.pop(0)                             # still held: not droppable however old
    held.clear()
    for segment in tx._segments:                   # as if the peak were _IDLE seconds ago
        segment.taken -= link_module._IDLE
    del segment
    tx._swept -= link_module._IDLE
    tx.send_message(buffer(5000, seed=9))
    got = rx.recv().message
    assert len(tx._segments) == 2                  # the one taken now and the one still held
    assert {got.getData().base._segment.id, kept.getData().base._segment.id} == {s.id for s in tx._segments}
    assert set(rx._peer_segments) == {s.id for s in tx._segments}
    assert len(mapped_segments()) == 2            # neither side maps a dropped one any more
    assert_same_message(kept, buffer(5000, seed=0))


@pytest.mark.parametrize("segment_wait", [0.02, 0.2])
def test_when_every_segment_is_on_its_way_the_sender_waits_then_falls_back_to_inline(make_pair, segment_wait):
    """Segments still in the socket, not yet read: the receiver is behind, and the sender waits for it
    up to `segment_wait`, then sends inline."""
    tx, rx = make_pair(shm_threshold=1024, max_segments=2, segment_wait=segment_wait)
    sent = [buffer(4096, seed=i) for i in range(3)]
    tx.send_message(sent[0])
    tx.send_message(sent[1])
    started = time.monotonic()
    tx.send_message(sent[2])                       # must not hang
    elapsed = time.monotonic() - started
    assert segment_wait <= elapsed < segment_wait + 1.0
    got = [rx.recv().message for _ in sent]
    assert [leased(m) for m in got] == [True, False, False]   # the second is copied out: see below
    for g, s in zip(got, sent):
        assert_same_message(g, s)
    assert len(tx._segments) == 2
    del got
    sent = buffer(4096, seed=10)                   # read and dropped: shared memory again
    tx.send_message(sent)
    got = rx.recv().message
    assert leased(got)
    assert_same_message(got, sent)
    assert len(tx._segments) == 2


@pytest.mark.parametrize("max_segments", [1, 2, 5, 16])
def test_a_receiver_that_keeps_every_payload_holds_half_the_pool_and_the_sender_never_waits(make_pair, max_segments):
    """Whatever the receiver keeps, it holds at most half of the sender's segments; later payloads are
    copied into memory of their own and their segment freed at once, so the sender never waits (50 ms
    a message when the receiver held them all) and every kept message stays as it was sent."""
    tx, rx = make_pair(shm_threshold=1024, max_segments=max_segments, segment_wait=0.5)
    sent, kept = [], []
    started = time.monotonic()
    for i in range(3 * max_segments + 4):
        sent.append(buffer(4096 + i, seed=i))
        tx.send_message(sent[-1])
        kept.append(rx.recv().message)
    assert time.monotonic() - started < 0.5        # one wait of segment_wait would take it all
    assert [leased(m) for m in kept] == [True] * (max_segments // 2) + [False] * (len(kept) - max_segments // 2)
    for got, s in zip(kept, sent):                 # segments reused for later messages changed no kept one
        assert_same_message(got, s)
        assert got.getData().flags.writeable and got.getData().flags.owndata is False
    assert len(tx._segments) <= max(1, max_segments // 2 + 1)
    assert all(not s.busy[0] for s in tx._segments if s.id not in rx._held)


def test_a_copied_out_payload_is_the_receivers_own_and_its_memory_serves_the_next(make_pair):
    tx, rx = make_pair(shm_threshold=1024, max_segments=2)
    tx.send_message(buffer(8192, seed=1))
    first = rx.recv().message                      # lent: the one segment of the two we may hold
    tx.send_message(buffer(8192, seed=2))
    second = rx.recv().message                     # copied out
    assert leased(first) and not leased(second)
    second.getData()[:] = 7                        # writing it touches no segment and no later message
    sent = buffer(8192, seed=3)
    tx.send_message(sent)
    third = rx.recv().message
    assert_same_message(third, sent)
    address = second.getData().__array_interface__["data"][0]
    del second
    gc.collect()
    tx.send_message(buffer(8192, seed=4))
    fourth = rx.recv().message
    assert not leased(fourth) and fourth.getData().__array_interface__["data"][0] in (
        address, third.getData().__array_interface__["data"][0])
    assert len(rx._spares) <= 4


def test_the_first_copied_out_payload_is_noted_once(make_pair):
    tx, rx = make_pair(shm_threshold=1024, max_segments=4)
    notes = []
    rx.on_note = notes.append
    kept = []
    for i in range(6):
        tx.send_message(buffer(4096, seed=i))
        kept.append(rx.recv().message)
    assert len(notes) == 1
    assert "stream 'rx'" in notes[0] and "2 of the sender's 4 shared segments" in notes[0] and "copied" in notes[0]


def test_a_link_that_never_waits_grows_its_pool_before_it_sends_inline(make_pair):
    """segment_wait=0 (a Script's inputs): while every segment it has is on its way to a receiver that
    has not read them yet, new ones are made up to max_segments, so the frames keep travelling through
    shared memory and never fill the socket inline; only a full pool that is all busy sends inline."""
    tx, rx = make_pair(shm_threshold=1024, max_segments=4, segment_wait=0)
    sent = [buffer(4096, seed=i) for i in range(5)]
    for i in range(4):
        tx.send_message(sent[i])
        assert len(tx._segments) == i + 1
    started = time.monotonic()
    tx.send_message(sent[4])
    assert time.monotonic() - started < 0.1        # no wait: inline at once
    got = [rx.recv().message for _ in sent]
    assert [leased(m) for m in got] == [True, True, False, False, False] and len(tx._segments) == 4
    for g, s in zip(got, sent):
        assert_same_message(g, s)


def test_a_receiver_that_reads_nothing_costs_the_sender_one_wait_not_one_per_message(make_pair):
    """Once no segment came free within `segment_wait`, payloads go inline at once until the receiver
    frees one: a receiver that stops reading must not slow every later message down."""
    tx, rx = make_pair(shm_threshold=1024, max_segments=2, segment_wait=0.5)
    sent = [buffer(4096, seed=i) for i in range(8)]
    for s in sent[:3]:                             # two through the segments, the third waits, then inline
        tx.send_message(s)
    started = time.monotonic()
    for s in sent[3:]:
        tx.send_message(s)
    assert time.monotonic() - started < 0.5        # waiting each time would take 2.5 s
    got = [rx.recv().message for _ in sent]
    for g, s in zip(got, sent):
        assert_same_message(g, s)
    assert [leased(m) for m in got] == [True] + [False] * 7
    del got
    tx.send_message(buffer(4096, seed=9))          # read and freed: shared memory again
    assert leased(rx.recv().message)


@pytest.mark.parametrize("max_segments, first, second, ids, old_unmapped", [
    (1, 4096, 3 * MiB // 2, [1], True),            # too small, pool full: dropped, a bigger one made
    (2, 4096, 3 * MiB // 2, [0, 1], False),        # room in the pool: the old one stays
    (1, 3 * MiB // 2, 4096, [0], False),           # a smaller payload fits the big segment
])
def test_a_payload_larger_than_every_free_segment_gets_a_bigger_one(make_pair, max_segments, first, second, ids,
                                                                     old_unmapped):
    gc.collect()
    baseline = mapped_segments()
    tx, rx = make_pair(shm_threshold=1024, max_segments=max_segments)
    tx.send_message(buffer(first, seed=1))
    got = rx.recv().message
    assert leased(got) is (max_segments > 1)      # a pool of one is never lent: it is copied out
    del got
    first_maps = mapped_segments() - baseline
    assert len(first_maps) == 1

    sent = buffer(second, seed=2)
    tx.send_message(sent)
    got = rx.recv().message
    assert leased(got) is (max_segments > 1)
    assert_same_message(got, sent)
    assert [s.id for s in tx._segments] == ids
    assert sorted(rx._peer_segments) == ids
    assert all(s.size >= max(first, second) for s in tx._segments if s.id == ids[-1])
    assert rx._peer_segments[ids[-1]].size >= second
    second_maps = mapped_segments() - baseline
    assert first_maps.isdisjoint(second_maps) is old_unmapped   # the dropped segment is unmapped on both sides


# -- control records, end, closing --

@pytest.mark.parametrize("obj, data", [
    (None, b""),
    ("ping", b"x"),
    ({"op": "start", "streams": ["a", "b"], "n": 3, "nested": {"f": [1, 2.5, None, True, b"\x00\xff"]}},
     bytes(range(256)) * 3000),
])
def test_send_control_delivers_the_object_and_payload(make_pair, obj, data):
    tx, rx = make_pair()
    call = Call(rx.recv)        # the largest payload does not fit the socket buffer
    tx.send_control(obj, data)
    assert call.value() == Control(obj, data, [])


def test_send_control_delivers_working_file_descriptors(make_pair):
    tx, rx = make_pair()
    read_end, write_end = os.pipe()
    with tempfile.TemporaryFile() as f:
        f.write(b"hello from a file")
        f.flush()
        tx.send_control({"op": "fds"}, b"with fds", fds=[write_end, f.fileno()])
        record = rx.recv()
        fds = record.fds
        try:
            assert (type(record), record.body, record.payload) == (Control, {"op": "fds"}, b"with fds")
            assert len(fds) == 2 and not {write_end, f.fileno()} & set(fds)   # new descriptors
            assert os.pread(fds[1], 17, 0) == b"hello from a file"
            assert os.fstat(fds[1]).st_ino == os.fstat(f.fileno()).st_ino
            os.write(fds[0], b"through the pipe")
            assert os.read(read_end, 100) == b"through the pipe"
        finally:
            for fd in fds:
                os.close(fd)
            os.close(write_end)
    assert os.read(read_end, 100) == b""    # every write end is closed: the passed one too
    os.close(read_end)


def test_file_descriptors_go_with_their_own_control_record(make_pair):
    tx, rx = make_pair(shm_threshold=1024)
    read_end, write_end = os.pipe()
    try:
        tx.send_message(buffer(4096))                 # a segment descriptor travels first
        tx.send_control("none")
        tx.send_control("one", fds=[write_end])
        assert type(rx.recv()) is Message
        assert rx.recv() == Control("none", b"", [])
        record = rx.recv()
        fds = record.fds
        assert (type(record), record.body, len(fds)) == (Control, "one", 1)
        assert os.fstat(fds[0]).st_ino == os.fstat(write_end).st_ino
        os.close(fds[0])
    finally:
        os.close(read_end)
        os.close(write_end)


def test_more_than_sixteen_descriptors_are_delivered_or_refused(make_pair):
    tx, rx = make_pair()
    read_end, write_end = os.pipe()
    sent = [os.dup(write_end) for _ in range(20)]
    got = []
    try:
        try:
            tx.send_control("many", fds=sent)
        except ValueError:
            return                                      # refusing up front would be fine too
        got = rx.recv().fds
        assert len(got) == len(sent)
    finally:
        for fd in sent + got + [read_end, write_end]:
            os.close(fd)


@pytest.mark.parametrize("reason", ["", "pipeline stopped", "node ImageManip(3) failed: ünïcode"])
def test_send_end_gives_end_and_the_reason(make_pair, reason):
    tx, rx = make_pair()
    tx.send_end(reason)
    assert rx.recv() == End(reason)


def test_records_arrive_in_the_order_they_were_sent(make_pair):
    tx, rx = make_pair(shm_threshold=1024)
    msgs = [buffer(10, 1), buffer(5000, 2), buffer(20, 3), buffer(9000, 4)]
    tx.send_message(msgs[0])
    tx.send_control("c1")
    tx.send_message(msgs[1])
    tx.send_message(msgs[2])
    tx.send_control("c2", b"p")
    tx.send_message(msgs[3])
    tx.send_end("done")
    records = [rx.recv() for _ in range(7)]
    assert [type(r) for r in records] == [Message, Control, Message, Message, Control, Message, End]
    for record, sent in zip([records[i] for i in (0, 2, 3, 5)], msgs):
        assert_same_message(record.message, sent)
    assert records[1] == Control("c1", b"", []) and records[4] == Control("c2", b"p", [])


def test_records_larger_than_the_receive_buffer_arrive_whole(make_pair):
    tx, rx = make_pair(shm_threshold=64 * MiB)      # everything inline
    big_header = "x" * (600 * 1024)                  # a control object bigger than the receive buffer
    msgs = [buffer(16, k) for k in range(50)] + [buffer(3 * MiB, 99)]

    def send():
        for m in msgs[:25]:
            tx.send_message(m)
        tx.send_control(big_header, b"tail")
        for m in msgs[25:]:
            tx.send_message(m)

    sender = Call(send)                             # the socket's buffer is smaller than what is sent
    records = [rx.recv() for _ in range(len(msgs) + 1)]
    sender.value()
    assert records[25] == Control(big_header, b"tail", [])
    for record, sent in zip(records[:25] + records[26:], msgs):
        assert_same_message(record.message, sent)


def test_pending_says_whether_a_record_is_waiting(make_pair):
    tx, rx = make_pair()
    assert not rx.pending()
    for k in range(3):
        tx.send_message(buffer(8, k))
    for k in range(3):
        assert rx.pending()
        assert rx.recv().message.getSequenceNum() == 1000 + k
    assert not rx.pending()


@pytest.mark.parametrize("close", [
    pytest.param(lambda link: link.close(), id="link-close"),
    pytest.param(lambda link: link.sock.close(), id="socket-close"),
    pytest.param(lambda link: link.sock.shutdown(socket.SHUT_WR), id="shutdown-write"),
])
def test_closing_one_end_makes_recv_on_the_other_raise_link_closed(make_pair, close):
    tx, rx = make_pair()
    waiting = Call(rx.recv)
    time.sleep(0.05)
    close(tx)
    with pytest.raises(LinkClosed):
        waiting.value(2.0)
    with pytest.raises(LinkClosed):
        Call(rx.recv).value(2.0)


def test_records_sent_before_closing_are_still_received(make_pair):
    tx, rx = make_pair(shm_threshold=1024)
    sent = [buffer(100, 1), buffer(4096, 2)]
    for m in sent:
        tx.send_message(m)
    tx.send_end("bye")
    tx.close()
    for m in sent:
        got = rx.recv().message
        assert_same_message(got, m)
    assert rx.recv() == End("bye")
    with pytest.raises(LinkClosed):
        Call(rx.recv).value(2.0)


def test_recv_on_a_link_closed_here_raises_link_closed(make_pair):
    tx, rx = make_pair()
    rx.close()
    with pytest.raises(LinkClosed):
        Call(rx.recv).value(2.0)


SENDS = {
    "small-message": lambda link: link.send_message(buffer(10)),
    "large-message": lambda link: link.send_message(buffer(8192)),
    "metadata-only": lambda link: link.send_message(buffer(8192), metadata_only=True),
    "control": lambda link: link.send_control({"op": "x"}, b"data"),
    "end": lambda link: link.send_end("why"),
}


@pytest.mark.parametrize("closed_end", ["this", "peer"])
@pytest.mark.parametrize("send", SENDS.values(), ids=SENDS.keys())
def test_sending_on_a_closed_link_raises_link_closed(make_pair, closed_end, send):
    tx, rx = make_pair(shm_threshold=4096)
    (tx if closed_end == "this" else rx).close()
    before = segment_fds()
    try:
        with pytest.raises(LinkClosed):
            send(tx)
        with pytest.raises(LinkClosed):   # and again: the link stays closed
            send(tx)
    finally:
        for fd in segment_fds() - before:   # see the test below
            os.close(fd)


@pytest.mark.parametrize("closed_end", ["this", "peer"])
def test_a_failed_large_send_leaks_no_segment_descriptor(make_pair, closed_end):
    tx, rx = make_pair(shm_threshold=4096)
    (tx if closed_end == "this" else rx).close()
    before = segment_fds()
    leaked = set()
    try:
        for _ in range(3):
            with pytest.raises(LinkClosed):
                tx.send_message(buffer(8192))
        leaked = segment_fds() - before
        assert leaked == set()
    finally:
        for fd in leaked:
            os.close(fd)


def test_concurrent_senders_interleave_whole_records(make_pair):
    # inline records larger than the socket buffer go out in several writes: they must not interleave
    tx, rx = make_pair(shm_threshold=MiB, max_segments=4)
    per_thread, large, small = 40, 3 * MiB // 2, 500_000

    def sender(thread_id):
        for i in range(per_thread):
            size = large if i % 2 else small
            tx.send_message(Buffer().setData(np.full(size, thread_id * 64 + i % 64, np.uint8)).setSequenceNum(i))

    def receiver():
        seen = {0: [], 1: []}
        for _ in range(2 * per_thread):
            msg = rx.recv().message
            data = msg.getData()
            thread_id, i = divmod(int(data[0]), 64)
            assert (data == data[0]).all() and data.size == (large if msg.getSequenceNum() % 2 else small)
            seen[thread_id].append(msg.getSequenceNum())
            del msg, data
        return seen

    got = Call(receiver)
    senders = [Call(sender, t) for t in (0, 1)]
    for s in senders:
        s.value()
    assert got.value() == {0: list(range(per_thread)), 1: list(range(per_thread))}


# -- separate processes --

@pytest.mark.parametrize("height, width, via_shm", [(4, 4, False), (147, 147, False), (148, 148, True),
                                                    (720, 1280, True)])
def test_messages_cross_to_another_process_and_back(height, width, via_shm):
    with Child(echo_body) as child:
        sent = frame(height, width, seed=width)
        child.link.send_message(sent)
        record = child.link.recv()
        assert type(record) is Control
        report = record.body
        assert report == {"lease": via_shm, "nbytes": sent.getData().nbytes, "sha": sha(sent)}
        record = child.link.recv()
        echoed = record.message
        assert type(record) is Message and leased(echoed) is via_shm
        assert_same_message(echoed, sent)
        assert child.link.recv().body["released"] is True
        child.link.send_end()
        assert child.link.recv() == End("bye")
        assert child.wait() == 0


@pytest.mark.parametrize("hold_echoes, child_segments", [(False, 1), (True, 5)])
def test_segments_are_reused_across_processes(hold_echoes, child_segments):
    with Child(echo_body) as child:
        held, reports = [], []
        for i in range(5):
            sent = frame(300, 300, seed=i)
            child.link.send_message(sent)
            assert child.link.recv().body["sha"] == sha(sent)
            echoed = child.link.recv().message
            assert_same_message(echoed, sent)
            if hold_echoes:
                held.append(echoed)
            del echoed
            reports.append(child.link.recv().body)
            assert len(child.link._segments) == 1     # the child dropped it before saying "released"
        assert reports[-1]["segments"] == child_segments
        child.link.send_end()
        assert child.link.recv() == End("bye")
        assert child.wait() == 0


def hoard_body(link):
    """Child: send one large frame, then keep every message received, forever."""
    link.send_message(frame(300, 300, seed=99))
    held = []
    while True:
        record = link.recv()
        held.append(record)
        link.send_control("holding")


def test_no_segment_stays_mapped_after_the_receiver_is_killed_and_the_link_closed():
    gc.collect()
    maps_before, fds_before = mapped_segments(), segment_fds()
    with Child(hoard_body, max_segments=2, segment_wait=0.05) as child:
        link = child.link
        from_child = link.recv().message
        assert leased(from_child)
        sent = [frame(300, 300, seed=i) for i in range(2)]
        for m in sent:
            link.send_message(m)
            assert link.recv().body == "holding"
        assert len(link._segments) == 2
        assert len(mapped_segments() - maps_before) == 3   # our two segments and the child's one

        assert child.kill() == -signal.SIGKILL
        with pytest.raises(LinkClosed):                   # every segment still busy: inline, to a dead peer
            link.send_message(frame(300, 300, seed=7))
        link.close()
        gc.collect()
        assert len(mapped_segments() - maps_before) == 1  # the payload we still hold stays valid...
        assert_same_message(from_child, frame(300, 300, seed=99))
        del from_child, sent, m
        gc.collect()
        assert mapped_segments() - maps_before == set()   # ...and goes with it
        assert segment_fds() - fds_before == set()


# -- sending to a peer that may not read (on_full) --

def fill_until_full(tx, nbytes: int = 1000) -> list:
    """Send inline messages until one finds the socket full (the owner's on_full drops it); the sent."""
    sent = []
    with pytest.raises(LinkFull):
        while len(sent) < 100_000:
            msg = buffer(nbytes, seed=len(sent))
            tx.send_message(msg)
            sent.append(msg)
    return sent


def drop_when_full(written, stalled):
    assert written == 0
    raise LinkFull()


def test_with_on_full_a_record_that_finds_the_socket_full_is_left_to_the_owner_and_the_link_goes_on(make_pair):
    tx, rx = make_pair()
    tx.on_full = drop_when_full
    sent = fill_until_full(tx)
    assert len(sent) > 10
    for msg in sent:                               # every record before the dropped one, whole, in order
        assert_same_message(rx.recv().message, msg)
    last = buffer(500, seed=99)
    tx.send_message(last)                          # nothing of the dropped record went out
    assert_same_message(rx.recv().message, last)


def test_a_shared_memory_message_that_is_dropped_frees_its_segment(make_pair):
    tx, rx = make_pair(shm_threshold=64 * 1024)
    tx.on_full = drop_when_full
    tx.send_message(buffer(100_000, seed=1))
    rx.recv()                                      # the segment is announced and mapped, then freed
    fill_until_full(tx)
    with pytest.raises(LinkFull):
        tx.send_message(buffer(100_000, seed=2))
    assert [segment.busy[0] for segment in tx._segments] == [0]


def test_on_full_waits_for_the_reader_and_a_record_sent_in_pieces_arrives_whole(make_pair):
    tx, rx = make_pair(shm_threshold=1 << 30)     # 4 MiB inline: far more than the socket holds
    waits = []

    def wait(written, stalled):
        waits.append(written)
        tx.wait_writable(0.1)

    tx.on_full = wait
    sent = buffer(4 * MiB, seed=3)
    with ThreadPoolExecutor(1) as pool:
        received = pool.submit(lambda: rx.recv().message)
        tx.send_message(sent)
        assert_same_message(received.result(timeout=10), sent)
    assert waits and max(waits) > 0               # it did wait, part of the record sent


def test_a_record_cut_short_by_on_full_closes_the_link(make_pair):
    tx, rx = make_pair(shm_threshold=1 << 30)

    def give_up(written, stalled):
        if written:
            raise TimeoutError("the reader stopped")
        tx.wait_writable(0.1)

    tx.on_full = give_up
    with pytest.raises(TimeoutError):
        tx.send_message(buffer(4 * MiB, seed=4))
    with pytest.raises(LinkClosed):                # the stream ends inside a record: nothing more goes
        tx.send_message(buffer(10, seed=5))


@pytest.mark.parametrize("nbytes", [0, 100, 300_000])
def test_both_ends_count_the_bytes_of_each_record(pair, nbytes):
    tx, rx = pair
    tx.send_message(buffer(nbytes))
    tx.send_control({"op": "x"}, b"abc")
    assert type(rx.recv()) is Message and type(rx.recv()) is Control
    assert tx.bytes_written == rx.bytes_read >= nbytes + 3
    assert rx.bytes_written == 0 == tx.bytes_read
