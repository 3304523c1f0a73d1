"""A link from a peer that is not trusted (a Script's process): what it sends is checked before
anything is allocated or mapped, and a malformed record ends that link only, with LinkCorrupt.

Each forgery is written as raw bytes (and descriptors) on the socket, as a script that reached its
link's descriptor could write them; each test checks the concrete harm did not happen: no huge
allocation, no mapping that could fault, no read outside a segment."""
import array
import os
import resource
import socket
import struct
import time

import msgpack
import numpy as np
import pytest

import oakling as dai
from oakling.link import sharedmem
from oakling.link.link import Link, LinkClosed, LinkCorrupt
from oakling.link.records import End, Message
from oakling.messages import codec

MAX = 8 << 20
_MSG, _SEGMENT, _DROP, _CONTROL, _END, _REGION, _REGION_MSG, _LENT, _LOANS, _LOAN, _UNREGION = range(11)


@pytest.fixture
def forged():
    """(raw socket the forger writes, the checked Link that reads it)."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    link = Link(b, "script-out-x", max_message=MAX)
    yield a, link
    a.close()
    link.close()


def record(header, payload=b"", head_size=None, payload_size=None) -> bytes:
    head = msgpack.packb(header, use_bin_type=True)
    return struct.pack("<II", len(head) if head_size is None else head_size,
                       len(payload) if payload_size is None else payload_size) + head + payload


def send_fds(sock, data: bytes, fds):
    sock.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])


def memfd(nbytes: int, sealed: bool) -> int:
    fd = os.memfd_create("forged", os.MFD_ALLOW_SEALING)
    os.ftruncate(fd, nbytes)
    if sealed:
        sharedmem.seal_size(fd)
    return fd


def max_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@pytest.mark.parametrize("head_size, payload_size", [(8, 0xFFFF_FFF0), (0xFFFF_FFF0, 0), (64 << 20, 0)],
                         ids=["payload-4GiB", "header-4GiB", "header-64MiB"])
def test_a_forged_length_is_refused_before_anything_is_allocated(forged, head_size, payload_size):
    raw, link = forged
    before = max_rss()
    raw.sendall(struct.pack("<II", head_size, payload_size) + b"\0" * 8)
    started = time.monotonic()
    with pytest.raises(LinkCorrupt, match=r"link 'script-out-x' carried a malformed record .*at most"):
        link.recv()
    assert time.monotonic() - started < 1            # not waiting for gigabytes that never come
    assert max_rss() - before < 32 << 20             # and not allocating them either


@pytest.mark.parametrize("data", [
    b"\x05\x00\x00\x00\x00\x00\x00\x00\xc1\xc1\xc1\xc1\xc1",     # not msgpack
    record({"not": "a list"}),
    record([]),
    record(["kind"]),
    record([99, 1, 2]),                                          # no such kind
    record([_MSG, 1, {}, 7, 100]),                               # a segment never announced
    record([_MSG, 10_000, {}, -1, 0]),                           # no such datatype
    record([_REGION_MSG, 0, {}, 3, 0, 10]),                      # a region never announced
    record([_CONTROL, {"op": "log"}, 3]),                        # three descriptors that never came
    record([_SEGMENT, 1, 1 << 20, 16]),                          # a segment without its descriptor
    record([_SEGMENT, 1, 1 << 20, "all"]),                       # a pool that is not a count
    record([_SEGMENT, 1, 1 << 20, 0]),                           # a pool of no segments
], ids=["garbage", "dict", "empty", "kind-str", "kind-unknown", "segment-unknown", "datatype-unknown",
        "region-unknown", "fds-missing", "segment-without-fd", "pool-not-a-count", "pool-empty"])
def test_malformed_records_end_the_link_with_link_corrupt(forged, data):
    raw, link = forged
    raw.sendall(data)
    with pytest.raises(LinkCorrupt):
        link.recv()
    with pytest.raises(LinkClosed):   # the link is closed: nothing more is read from it
        link.recv()


def test_an_unsealed_segment_is_refused_so_it_cannot_shrink_under_the_reader(forged):
    raw, link = forged
    fd = memfd(64 + (1 << 20), sealed=False)
    send_fds(raw, record([_SEGMENT, 0, 1 << 20, 16]), [fd])
    with pytest.raises(LinkCorrupt, match="no F_SEAL_SHRINK"):
        link.recv()
    os.ftruncate(fd, 0)   # what the forger would do next: the reader never mapped it, so nothing faults
    os.close(fd)


def test_a_segment_smaller_than_announced_is_refused(forged):
    raw, link = forged
    fd = memfd(4096, sealed=True)
    send_fds(raw, record([_SEGMENT, 0, 1 << 20, 16]), [fd])
    with pytest.raises(LinkCorrupt, match="not the 1048640 announced"):
        link.recv()
    os.close(fd)


def test_a_message_past_the_end_of_its_segment_is_refused(forged):
    raw, link = forged
    fd = memfd(64 + 4096, sealed=True)
    send_fds(raw, record([_SEGMENT, 0, 4096, 16]), [fd])
    os.close(fd)
    raw.sendall(record([_MSG, int(dai.DatatypeEnum.Buffer), {}, 0, 1 << 30]))   # 1 GiB from a 4 KiB segment
    with pytest.raises(LinkCorrupt, match="1073741824 bytes in segment 0 of 4096"):
        link.recv()


def test_a_message_past_the_end_of_its_region_is_refused(forged):
    raw, link = forged
    region = sharedmem.Region(4096)
    send_fds(raw, record([_REGION, 5, 4096]), [region.fd])
    raw.sendall(record([_REGION_MSG, int(dai.DatatypeEnum.Buffer), {}, 5, 4000, 200]))
    with pytest.raises(LinkCorrupt, match="bytes 4000..4200 of region 5 of 4096"):
        link.recv()
    region.release()


def test_what_a_well_behaved_peer_sends_still_arrives_whole(forged):
    """The checks cost nothing to an honest sender: inline, segment and region messages, control, end."""
    raw, link = forged
    sender = Link(raw, "script side")
    big = np.arange(1 << 20, dtype=np.uint32).view(np.uint8)          # through a shared segment
    shared, region = sharedmem.shared_array((1 << 20,), np.uint8)      # by reference
    shared[:] = 7
    region.publish()
    sender.send_message(dai.Buffer().setData(b"small").setSequenceNum(1))
    sender.send_message(dai.Buffer().setData(big).setSequenceNum(2))
    sender.send_message(dai.Buffer().setData(shared).setSequenceNum(3))
    sender.send_control({"op": "log", "text": "hi"}, b"payload")
    sender.send_end("done")
    got = [link.recv() for _ in range(5)]
    assert [type(r) is Message for r in got] == [True, True, True, False, False]
    assert bytes(got[0].message.getData()) == b"small"
    assert np.array_equal(got[1].message.getData(), big)
    assert (got[2].message.getData() == 7).all()
    assert got[3].body == {"op": "log", "text": "hi"} and got[3].payload == b"payload"
    assert got[4].reason == "done"
    region.release()


def test_a_frame_lent_from_a_pool_arrives_read_only_and_its_slot_is_cleared_when_dropped(forged):
    """A script forwarding a frame that a node computed lends it on: checked, it still arrives whole."""
    from oakling.link.pool import FramePool
    raw, link = forged
    sender = Link(raw, "script side")
    pool = FramePool("Script(0).out", most=4)
    data = pool.array((1 << 20,))
    data[:] = 3
    msg = dai.Buffer().setSequenceNum(1)
    msg._data = data   # as a node that computed it sends it (setData copies)
    sender.send_message(msg)
    del data, msg
    got = link.recv().message
    assert (got.getData() == 3).all() and not got.getData().flags.writeable
    assert sender._loans and not sender._segments
    del got
    sender.reap_loans()
    assert not sender._loans
    pool.close()


@pytest.mark.parametrize("loan, match", [
    ([_LOAN, int(dai.DatatypeEnum.Buffer), {}, 5, 0, 100, 64], "in slot 64"),         # past the page's slots
    ([_LOAN, int(dai.DatatypeEnum.Buffer), {}, 5, 4000, 200, 0], "bytes 4000..4200"),  # past the region's end
    ([_LOAN, int(dai.DatatypeEnum.Buffer), {}, 6, 0, 100, 0], "KeyError"),             # a region never announced
])
def test_a_loan_outside_its_page_or_region_is_refused(forged, loan, match):
    raw, link = forged
    region, page = memfd(4096, sealed=True), memfd(4096, sealed=True)
    send_fds(raw, record([_LENT, 5, 4096, 4]), [region])
    send_fds(raw, record([_LOANS, 64]), [page])
    os.close(region)
    os.close(page)
    raw.sendall(record(loan))
    with pytest.raises(LinkCorrupt, match=match):
        link.recv()


def test_a_loan_before_its_page_or_of_a_published_region_is_refused(forged):
    raw, link = forged
    fd = memfd(4096, sealed=True)
    send_fds(raw, record([_REGION, 5, 4096]), [fd])   # published, not lent: it has no slots to clear
    os.close(fd)
    raw.sendall(record([_LOAN, int(dai.DatatypeEnum.Buffer), {}, 5, 0, 100, 0]))
    with pytest.raises(LinkCorrupt, match="a loan of bytes 0..100 of region 5"):
        link.recv()


def test_an_unsealed_loan_page_is_refused(forged):
    raw, link = forged
    fd = memfd(4096, sealed=False)
    send_fds(raw, record([_LOANS, 64]), [fd])
    os.close(fd)
    with pytest.raises(LinkCorrupt, match="the loan page"):
        link.recv()


def test_segments_and_regions_a_link_makes_are_sealed():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    sender, receiver = Link(a, "tx"), Link(b, "rx", max_message=MAX)
    sender.send_message(dai.Buffer().setData(np.zeros(1 << 20, np.uint8)))
    assert type(receiver.recv()) is Message     # a checked receiver accepts what oakling sends
    region = sharedmem.Region(100)
    sharedmem.check_sealed(region.fd, 100, "the region")
    region.release()
    sender.close()
    receiver.close()


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_more_segments_at_once_than_a_sender_keeps_are_refused(forged):
    """Each segment stays mapped: a peer announcing ever more would use up the reader's mappings."""
    raw, link = forged
    for key in range(link.max_segments):
        fd = memfd(64 + 4096, sealed=True)
        send_fds(raw, record([_SEGMENT, key, 4096, 16]), [fd])
        os.close(fd)
    raw.sendall(record([_CONTROL, {"op": "log"}, 0]))
    assert type(link.recv()) is not Message and len(link._peer_segments) == link.max_segments
    fd = memfd(64 + 4096, sealed=True)
    send_fds(raw, record([_SEGMENT, 99, 4096, 16]), [fd])
    os.close(fd)
    raw.sendall(record([_END, "done"]))
    with pytest.raises(LinkCorrupt, match=f"more than {link.max_segments} shared segments at once"):
        link.recv()


def test_a_peer_claiming_a_vast_pool_is_lent_no_more_than_half_the_readers_own(forged):
    """The sender's pool says how many of its segments the reader may hold before it copies payloads
    out; a peer that claims more than the reader would map is held to half of the reader's limit."""
    raw, link = forged
    held = []
    for key in range(link.max_segments):
        fd = memfd(64 + 4096, sealed=True)
        send_fds(raw, record([_SEGMENT, key, 4096, 1 << 40]), [fd])
        os.close(fd)
        raw.sendall(record([_MSG, *codec.encode(dai.Buffer())[:2], key, 100]))
        held.append(link.recv().message)
    leased = [type(message.getData().base).__name__ == "_Lease" for message in held]
    assert sum(leased) == link.max_segments // 2 and leased[:link.max_segments // 2] == [True] * (link.max_segments // 2)


def test_more_than_32_regions_are_refused_and_none_is_announced_twice(forged):
    """Each region keeps a descriptor open in the reader: a bounded number, each announced once."""
    raw, link = forged
    before = open_descriptors()
    for key in range(32):
        fd = memfd(4096, sealed=True)
        send_fds(raw, record([_REGION, key, 4096]), [fd])
        os.close(fd)
    raw.sendall(record([_CONTROL, {"op": "log"}, 0]))
    link.recv()
    fd = memfd(4096, sealed=True)
    send_fds(raw, record([_REGION, 32, 4096]), [fd])
    raw.sendall(record([_END, "done"]))
    with pytest.raises(LinkCorrupt, match="more than 32 shared regions at once"):
        link.recv()
    assert open_descriptors() <= before + 1       # the refused one's closed; the link's released (+ ours)
    os.close(fd)


def test_a_region_announced_twice_is_refused(forged):
    raw, link = forged
    fd = memfd(4096, sealed=True)
    send_fds(raw, record([_REGION, 5, 4096]), [fd])
    send_fds(raw, record([_REGION, 5, 4096]), [fd])   # would replace the first and leak its descriptor
    os.close(fd)
    raw.sendall(record([_END, "done"]))
    with pytest.raises(LinkCorrupt, match="region 5 announced twice"):
        link.recv()


def test_descriptors_sent_ahead_of_the_records_that_claim_them_are_refused_and_closed(forged):
    """Each descriptor that arrives takes a slot in the reader's table until a record claims it: a peer
    sending them with records that claim none would fill the table for the whole process."""
    raw, link = forged
    before = open_descriptors()
    for _ in range(3):
        send_fds(raw, record([_CONTROL, {"op": "log"}, 0]), [raw.fileno()] * 40)
    raw.sendall(record([_END, "done"]))
    with pytest.raises(LinkCorrupt, match="descriptors sent ahead of the records that claim them"):
        while type(link.recv()) is not End:
            pass
    assert open_descriptors() <= before          # every one closed
