"""FramePool: frames computed into shared buffers that links lend, reused only once every holder,
here or across a link, has let go; the pool stays within its budget and never waits twice on
holders that keep frames."""
import gc
import os
import socket
import time

import numpy as np
import pytest

from oakling.link import pool as pool_module
from oakling.link import sharedmem
from oakling.link.link import Link, _Loan, _Owned
from oakling.link.pool import FramePool
from oakling.messages import ImgFrame

W, H = 640, 480   # 900 KiB frames: over the link's 64 KiB inline limit, one MiB buffer each


def frame_in(data: np.ndarray, seq: int = 0) -> ImgFrame:
    frame = ImgFrame().setType(ImgFrame.Type.BGR888i).setSize(W, H).setSequenceNum(seq)
    frame._data = data.reshape(-1)
    return frame


def address(arr: np.ndarray) -> int:
    return arr.__array_interface__["data"][0]


@pytest.fixture
def pool():
    p = FramePool("Test(0).out", most=4)
    yield p
    p.close()


@pytest.fixture
def links():
    """(sender, receiver) over a fresh socketpair; both closed afterwards."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pair = Link(a, "tx"), Link(b, "rx")
    yield pair
    for link in pair:
        link.close()


def test_a_buffer_is_reused_only_once_its_last_view_is_gone_the_warmest_first(pool):
    a = pool.array((H, W, 3))
    view = a[10:20]
    first = address(a)
    del a
    b = pool.array((H, W, 3))
    assert address(b) != first   # a view of the first still holds it
    del view, b
    c = pool.array((H, W, 3))
    assert address(c) != first   # b was freed last: it is taken first
    d = pool.array((H, W, 3))
    assert address(d) == first
    assert pool.buffers == 2 and pool.nbytes == 2 << 20   # rounded up to a MiB each


def test_arrays_are_writable_contiguous_and_found_as_reused_shared_memory(pool):
    arr = pool.array((H, W), np.uint16)
    assert arr.shape == (H, W) and arr.dtype == np.uint16 and arr.flags.c_contiguous and arr.flags.writeable
    arr[:] = 7
    region, offset = sharedmem.find(arr.view(np.uint8).reshape(-1))
    assert region.reused and region.pool == 4 and offset == 0


def test_a_full_pool_of_frames_held_here_gives_private_memory_at_once(pool):
    held = [pool.array((H, W, 3)) for _ in range(4)]
    start = time.monotonic()
    private = pool.array((H, W, 3))
    assert time.monotonic() - start < pool_module._WAIT   # nothing lent: nothing to wait for
    assert sharedmem.find(private.reshape(-1)) is None and pool.private == 1
    back = address(held.pop())
    assert address(pool.array((H, W, 3))) == back
    assert pool.buffers == 4   # never past the budget


def test_a_full_pool_of_lent_frames_waits_once_then_gives_private_memory_until_one_returns(pool, links):
    tx, rx = links
    for seq in range(4):   # all four on their way to a receiver that has not read them
        tx.send_message(frame_in(pool.array((H, W, 3)), seq))
    start = time.monotonic()
    private = pool.array((H, W, 3))
    waited = time.monotonic() - start
    assert pool_module._WAIT <= waited < 1.0   # back-pressure: a lent frame comes back once read
    assert sharedmem.find(private.reshape(-1)) is None and pool.private == 1
    start = time.monotonic()
    pool.array((H, W, 3))   # a receiver that never reads costs one wait, not one per frame
    assert time.monotonic() - start < pool_module._WAIT and pool.private == 2
    rx.recv()   # read and dropped: its buffer comes back
    assert sharedmem.find(pool.array((H, W, 3)).reshape(-1)) is not None
    assert pool.buffers == 4


def test_a_buffer_too_small_is_replaced_when_the_pool_is_full(pool):
    small = [pool.array((10, 10)) for _ in range(4)]
    regions = {sharedmem.find(a.reshape(-1))[0] for a in small}
    del small
    big = pool.array((2000, 1000))   # 2 MB: none of the 1 MiB buffers fits
    assert pool.buffers == 4 and pool.nbytes == 3 * (1 << 20) + (2 << 20)
    assert sum(region.fd < 0 for region in regions) == 1   # one let go (its mappings stay valid)
    assert big.nbytes == 2_000_000


def test_a_pool_frame_crosses_a_link_lent_read_only_and_returns_once_the_receiver_lets_go(pool, links):
    tx, rx = links
    data = pool.array((H, W, 3))
    data[:] = np.arange(W, dtype=np.uint8)[None, :, None]
    first = address(data)
    tx.send_message(frame_in(data, 1))
    del data
    got = rx.recv().message
    assert isinstance(got.getData().base, _Loan)
    assert not got.getData().flags.writeable
    np.testing.assert_array_equal(got.getFrame()[:, :, 0], np.tile(np.arange(W, dtype=np.uint8), (H, 1)))
    assert not tx._segments   # no copy into a link segment
    other = pool.array((H, W, 3))
    assert address(other) != first   # the receiver still holds it
    del got
    del other
    gc.collect()
    again = [pool.array((H, W, 3)) for _ in range(2)]
    assert first in {address(a) for a in again}


def test_a_link_closed_while_its_receiver_holds_a_frame_never_lets_that_buffer_be_rewritten(pool):
    """A device stops: its links close while its nodes may still compute. A frame the host still
    holds keeps its bytes; the buffer leaves the pool, and frames its receiver had let go return."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    tx, rx = Link(a, "tx"), Link(b, "rx")
    held, freed = pool.array((H, W, 3)), pool.array((H, W, 3))
    held[:], freed[:] = 7, 8
    addresses = {address(held), address(freed)}
    tx.send_message(frame_in(held, 1))
    tx.send_message(frame_in(freed, 2))
    del held, freed
    kept = rx.recv().message
    rx.recv()   # let go at once
    gc.collect()
    tx.close()
    assert pool.buffers == 2
    again = [pool.array((H, W, 3)) for _ in range(3)]
    for arr in again:
        arr[:] = 0
    assert (kept.getData() == 7).all()
    reused = addresses & {address(arr) for arr in again}
    assert len(reused) == 1 and address(kept.getData()) not in reused
    assert pool.buffers == 3   # the retired one left the pool once it came back
    rx.close()


def test_a_frame_sent_to_two_receivers_returns_only_when_both_let_go(pool):
    pairs = [socket.socketpair() for _ in range(2)]
    txs = [Link(a, f"tx{i}") for i, (a, _) in enumerate(pairs)]
    rxs = [Link(b, f"rx{i}") for i, (_, b) in enumerate(pairs)]
    try:
        data = pool.array((H, W, 3))
        data[:] = 5
        first = address(data)
        frame = frame_in(data)
        for tx in txs:
            tx.send_message(frame)
        del data, frame
        got = [rx.recv().message for rx in rxs]
        del got[0]
        taken = pool.array((H, W, 3))
        assert address(taken) != first
        assert (got[0].getData() == 5).all()
        del got, taken
        again = [pool.array((H, W, 3)) for _ in range(2)]
        assert first in {address(a) for a in again}
    finally:
        for link in txs + rxs:
            link.close()


def test_a_receiver_keeps_at_most_half_of_the_pool_lent_and_copies_the_rest(pool, links):
    tx, rx = links
    notes = []
    rx.on_note = notes.append
    kept = []
    for seq in range(6):
        data = pool.array((H, W, 3))
        data[:] = seq
        tx.send_message(frame_in(data, seq))
        del data
        kept.append(rx.recv().message)
    owners = [type(frame.getData().base) for frame in kept]
    assert owners == [_Loan, _Loan] + [_Owned] * 4   # half of a pool of 4
    assert [int(frame.getData()[0]) for frame in kept] == list(range(6))   # each frame its own bytes
    assert pool.buffers <= 4 and pool.private == 0   # the sender never ran out, never waited long
    assert len(notes) == 1 and "frame buffers" in notes[0]


def test_a_frame_lent_in_another_process_is_not_rewritten_while_that_process_holds_it(pool):
    ours, theirs = socket.socketpair()
    child = os.fork()
    if child == 0:   # the receiver: keeps the first frame, checks it stays whole
        code = 1
        try:
            link = Link(theirs, "rx")
            first = link.recv().message
            link.send_control({"got": 1})
            for _ in range(20):
                link.recv()
            code = 0 if (first.getData() == 0).all() else 2
        finally:
            os._exit(code)
    link = Link(ours, "tx")
    try:
        data = pool.array((H, W, 3))
        data[:] = 0
        link.send_message(frame_in(data, 0))
        first = address(data)
        del data
        link.recv()   # the child holds frame 0
        for seq in range(1, 21):
            data = pool.array((H, W, 3))
            assert address(data) != first
            data[:] = seq
            link.send_message(frame_in(data, seq))
            del data
        assert pool.buffers <= 4
    finally:
        _, status = os.waitpid(child, 0)
        link.close()
    assert os.WEXITSTATUS(status) == 0


def test_closing_the_pool_keeps_held_frames_valid_and_never_reuses_them(pool):
    a = pool.array((H, W, 3))
    a[:] = 9
    pool.close()
    assert pool.buffers == 0 and (a == 9).all()
    del a
    b = pool.array((H, W, 3))   # a new buffer, not the closed one
    assert sharedmem.find(b.reshape(-1))[0].fd >= 0


def test_a_pool_needs_a_buffer():
    with pytest.raises(ValueError, match="at least 1 buffer"):
        FramePool("Test(0).out", most=0)
