"""A link: one connected stream socket carrying messages between two processes.

Each frame on the socket is `[u32 header size][u32 inline payload size][msgpack header][payload]`.
Small payloads travel inline. Large ones travel through shared memory: the sender keeps a pool of
memfd segments, hands each segment's descriptor to the receiver once (SCM_RIGHTS), copies the
payload into a free segment and sends only its id. The receiver wraps the segment as a NumPy array
without copying; when the last reference to that array dies, it clears the segment's busy byte and
the sender may reuse it. Busy bytes are written by one side each way, so no lock crosses processes.
A receiver holds at most half of the sender's pool: past that, it copies each payload into memory of
its own and frees the segment at once, so a receiver that keeps what it receives never makes the
sender wait, and the shared memory of a link stays within the sender's pool. A segment the sender
has not taken for `_IDLE` seconds is dropped and unmapped on both sides: the pool shrinks back after
a peak. memfd segments have no name, so nothing is left behind when either process dies.

Payloads in shared regions are not copied at all. A published region (immutable bytes) is announced
once and then referred to by offset. A reused region (a FramePool's buffer a node computed the
frame into, or one received from another process) is *lent*: the link keeps the payload and marks
a slot busy in a page it shares with the receiver (announced once); the receiver's view is
read-only, and when it is collected the receiver clears the slot, so the link lets the payload go
(`reap_loans`) and the buffer may return to its pool. The receiver holds at most half of the
sender's pool that way, and copies the rest out, as for segments.

A link to a peer that is not trusted (a Script's process) is given `max_message`: every record
is then checked before anything is allocated or mapped (sizes, segment and region bounds, that a
shared segment is sealed against shrinking, so no read of it can fault; at most `max_segments`
segments, 32 regions and 64 unclaimed descriptors at once), and a malformed one raises
LinkCorrupt, which ends that link only. Sending to such a peer, its owner sets `on_full`: the
link then never waits in the kernel for the peer to read (see `_send_guarded`).
"""
from __future__ import annotations

import array
import ctypes
import mmap
import os
import select
import socket
import struct
import threading
import time
from collections import deque

import msgpack
import numpy as np

from . import sharedmem
from .held import HOLD_BYTES, HOLD_RECORDS, holding, release_held, took
from .records import Control, End, Message
from ..messages import codec

_FRAME = struct.Struct("<II")
_MSG, _SEGMENT, _DROP, _CONTROL, _END, _REGION, _REGION_MSG, _LENT, _LOANS, _LOAN, _UNREGION = range(11)
_SEGMENT_HEADER = 64          # byte 0: busy flag; payload starts at 64 for alignment
_SEGMENT_ROUNDING = 1 << 20   # segments grow in MiB steps
_GROW_AFTER = 0.002            # wait this long for a busy segment before making another
_FIRST_PAUSE, _LONGEST_PAUSE = 0.001, 0.004   # polls for a freed segment: 1 ms, doubling to 4 ms
_IDLE = 10.0                   # a segment not taken for this long is dropped: the pool follows recent peaks
_SPARES = 4                   # memory of copied-out payloads kept for the next ones, per link
SHM_THRESHOLD = 64 * 1024      # smaller payloads travel inline in the records
_LOAN_SLOTS = 64              # payloads a link lends at once (one busy byte each in the loan page)
_LOAN_PAGE = 4096
_MAX_FDS = 253                # the kernel's SCM_MAX_FD
_ANCILLARY = socket.CMSG_SPACE(_MAX_FDS * 4)
_CTRUNC = int(socket.MSG_CTRUNC)   # a plain int: IntFlag's `&` costs microseconds per receive
_RECV_BUFFER = 256 * 1024     # one read takes every small record waiting on the socket
_JOIN_PAYLOAD = 512           # payloads up to this go out in one buffer with their header
_MAX_UNTRUSTED_HEADER = 16 << 20   # metadata of one record from a peer that is not trusted
_MAX_UNTRUSTED_REGIONS = 32        # regions a peer that is not trusted may have announced (each keeps a descriptor)
_MAX_UNTRUSTED_FDS = 64            # descriptors it may have sent ahead of the records that claim them


class LinkClosed(Exception):
    """The other end closed the link or died."""


class LinkCorrupt(LinkClosed):
    """A peer that is not trusted sent a record that breaks the link's rules; the link is closed."""


class LinkFull(Exception):
    """Raised by an `on_full` policy to drop a record none of which has left: the link stays usable."""


class _Segment:
    """One shared-memory slot: a memfd mapping with a busy byte and room for one payload."""

    def __init__(self, seg_id: int, size: int, fd: int | None = None):
        self.id = seg_id
        self.size = size
        self.taken = 0.0   # when the sender last put a payload in it (time.monotonic)
        if fd is None:
            fd = os.memfd_create(f"oakling-link-{seg_id}", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
            os.ftruncate(fd, _SEGMENT_HEADER + size)
            sharedmem.seal_size(fd)
        self.fd = fd
        self.map = mmap.mmap(fd, _SEGMENT_HEADER + size)
        self.busy = np.frombuffer(self.map, np.uint8, 1)
        self.data = np.frombuffer(self.map, np.uint8, size, _SEGMENT_HEADER)
        self.address = ctypes.addressof(ctypes.c_char.from_buffer(self.map)) + _SEGMENT_HEADER

    def close_fd(self):
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class _Lease:
    """Owner of a received shared-memory payload; frees the sender's segment when collected."""
    __slots__ = ("__array_interface__", "_segment", "_held", "__weakref__")

    def __init__(self, segment: _Segment, nbytes: int, held: set):
        self._segment = segment
        self._held = held   # the receiving link's leased segment ids: this one leaves it before it is freed
        held.add(segment.id)
        self.__array_interface__ = {"data": (segment.address, False), "shape": (nbytes,),
                                    "typestr": "|u1", "version": 3}

    def __del__(self):
        self._held.discard(self._segment.id)
        self._segment.busy[0] = 0


class _Loan:
    """Owner of a received payload that lies in a region the sender lends (read-only): clears the
    sender's loan slot when collected, so the sender lets the payload go."""
    __slots__ = ("__array_interface__", "_region", "_page", "_slot", "_held", "__weakref__")

    def __init__(self, region: sharedmem.Region, offset: int, nbytes: int, page: np.ndarray, slot: int,
                 held: set):
        self._region = region   # keeps the mapping
        self._page = page
        self._slot = slot
        self._held = held
        held.add(slot)
        self.__array_interface__ = {"data": (region.address + offset, True), "shape": (nbytes,),
                                    "typestr": "|u1", "version": 3}

    def __del__(self):
        self._held.discard(self._slot)
        self._page[self._slot] = 0


class _Owned:
    """Owner of a received payload copied out of the sender's segment; its memory returns to the link's
    spares when collected, so a receiver that keeps frames in a ring copies into memory already mapped."""
    __slots__ = ("__array_interface__", "_memory", "_spares", "__weakref__")

    def __init__(self, memory: np.ndarray, nbytes: int, spares: list):
        self._memory = memory
        self._spares = spares
        self.__array_interface__ = {"data": (memory.ctypes.data, False), "shape": (nbytes,),
                                    "typestr": "|u1", "version": 3}

    def __del__(self):
        if len(self._spares) < _SPARES:
            self._spares.append(self._memory)


class Link:
    """Messages and control records over one socket. `send_*` are thread-safe; one thread receives."""

    def __init__(self, sock: socket.socket, name: str = "", *, shm_threshold: int = SHM_THRESHOLD,
                 max_segments: int = 16, segment_wait: float = 0.05, max_message: int | None = None):
        """`max_message`: for a peer that is not trusted, the largest payload it may send; its
        records are checked (see the module's doc)."""
        self.sock = sock
        self.max_message = max_message
        self.name = name
        self.shm_threshold = shm_threshold
        self.max_segments = max_segments
        self.segment_wait = segment_wait
        self._send_lock = threading.Lock()
        self.holds = True                # records may wait here while their thread holds its sends (held.py)
        self._held_out = bytearray()     # held records, whole, in order
        self._held_records = 0
        self._pack = msgpack.Packer(use_bin_type=True).pack   # one packer: packb would make one per record
        self._segments: list[_Segment] = []     # ours, as sender
        self._starved = False                   # every segment was busy for segment_wait: do not wait again
        self._next_segment = 0
        self._swept = time.monotonic()          # when idle segments were last dropped
        self._peer_segments: dict[int, _Segment] = {}   # theirs, as receiver
        self._held: set[int] = set()            # ids of theirs that payloads we received still hold
        self._spares: list[np.ndarray] = []     # memory of collected copied-out payloads, for the next ones
        self._peer_pool = 0                     # the sender's most segments; we may hold half of them
        self._sent_regions: set[int] = set()
        self._peer_regions: dict[int, sharedmem.Region] = {}   # adopted: forwarded by reference too
        self._loan_page: np.ndarray | None = None   # ours, as lender: a busy byte per slot
        self._loans: dict[int, tuple] = {}          # slot -> (the payload lent in it, its region), until freed
        self._loan_lock = threading.Lock()          # `_loans`: reaped from other threads too
        self._lent_regions: dict[int, sharedmem.Region] = {}   # reused regions announced to the peer
        self._peer_page: np.ndarray | None = None   # theirs, as receiver: we clear a slot when done
        self._lent_held: set[int] = set()           # slots that payloads we received still hold
        self._peer_lend_pool = 0                    # the most buffers of the sender's pools
        self._fds: deque[int] = deque()
        self._buffer = bytearray(_RECV_BUFFER)   # received bytes [_start:_end] not yet parsed
        self._start = self._end = 0
        self._closed = False
        self.on_full = None   # set: sends never wait in the kernel; see _send_guarded
        self.sent_cost = 0    # with on_full: what the records sent so far may cost the socket, at most
        self.on_note = None   # set: called once with a line for the debug log when payloads start to be copied out
        # What crossed the link, for Device.getProfilingData(): every record's bytes on the socket, and
        # the payloads that went through shared memory (segments, regions) as if they had too.
        self.bytes_written = 0
        self.bytes_read = 0

    # -- sending --
    def send_message(self, msg, metadata_only: bool = False):
        datatype, meta, payload = codec.encode(msg)
        if metadata_only:
            payload = payload[:0]
        nbytes = payload.nbytes
        if nbytes >= self.shm_threshold:
            published = sharedmem.find(payload)
            if published is not None:
                region, offset = published
                with self._send_lock:
                    if not region.reused:   # immutable shared bytes: a reference
                        if region.id not in self._sent_regions:
                            self._send_locked([_REGION, region.id, region.size], fds=[region.fd])
                            self._sent_regions.add(region.id)
                        self._send_locked([_REGION_MSG, datatype, meta, region.id, offset, nbytes])
                        self.bytes_written += nbytes
                        return
                    if self._lend_locked(region, offset, datatype, meta, payload):
                        return   # lent: no copy
            if self._send_in_segment(datatype, meta, payload):
                return
        self._send([_MSG, datatype, meta, -1, nbytes], payload)

    def _send_in_segment(self, datatype: int, meta, payload) -> bool:
        """Send a copy of `payload` in one of our segments; False when none is free in time."""
        if holding.links:   # records held before this one leave first: finding a segment may wait
            release_held()
        nbytes = payload.nbytes
        with self._send_lock:
            segment = self._free_segment(nbytes)
            if segment is None:
                return False
            segment.busy[0] = 1
            np.copyto(segment.data[:nbytes], payload)
            try:
                self._send_locked([_MSG, datatype, meta, segment.id, nbytes])
            except LinkFull:
                segment.busy[0] = 0   # the record never left: the segment is ours again
                raise
            self.bytes_written += nbytes
            return True

    def _lend_locked(self, region: sharedmem.Region, offset: int, datatype: int, meta, payload) -> bool:
        """Lend `payload` (inside the reused `region`): False when every loan slot is held, or when the
        region's pool has closed before the receiver knew it (it has no descriptor left to send)."""
        if region.fd < 0 and region.id not in self._lent_regions:
            return False
        if self._loan_page is None:
            self._make_loan_page()
        slot = self._take_slot(payload, region)
        if slot is None:
            return False
        try:
            if region.id not in self._lent_regions:
                self._drop_released_locked()
                self._send_locked([_LENT, region.id, region.size, region.pool], fds=[region.fd])
                self._lent_regions[region.id] = region
            self._send_locked([_LOAN, datatype, meta, region.id, offset, payload.nbytes, slot])
        except LinkFull:   # the record never left: the slot is free again
            with self._loan_lock:
                self._loan_page[slot] = 0
                self._end_loan(slot)
            raise
        return True

    def _make_loan_page(self):
        fd = os.memfd_create(f"oakling-loans-{self.name}", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        try:
            os.ftruncate(fd, _LOAN_PAGE)
            sharedmem.seal_size(fd)
            page = np.frombuffer(mmap.mmap(fd, _LOAN_PAGE), np.uint8, _LOAN_SLOTS)
            self._send_locked([_LOANS, _LOAN_SLOTS], fds=[fd])
        finally:
            os.close(fd)
        self._loan_page = page
        sharedmem.add_lender(self)

    def _take_slot(self, payload, region: sharedmem.Region) -> int | None:
        """A free loan slot, marked busy and holding `payload`; None if all are held."""
        with self._loan_lock:
            self._reap_locked()
            if len(self._loans) >= _LOAN_SLOTS:
                return None
            slot = next(s for s in range(_LOAN_SLOTS) if s not in self._loans)
            self._loan_page[slot] = 1
            self._loans[slot] = (payload, region)
            sharedmem.count_loan(region, 1)
            return slot

    def _end_loan(self, slot: int):
        _, region = self._loans.pop(slot)
        sharedmem.count_loan(region, -1)

    def reap_loans(self):
        """Let go of the payloads whose receivers have cleared their slots (any thread)."""
        if self._loans:
            with self._loan_lock:
                self._reap_locked()

    def _reap_locked(self):
        page = self._loan_page
        for slot in [slot for slot in self._loans if not page[slot]]:
            self._end_loan(slot)

    def _drop_released_locked(self):
        """Tell the receiver to unmap announced reused regions that their pools have let go of."""
        for region_id in [key for key, region in self._lent_regions.items() if region.fd < 0]:
            self._send_locked([_UNREGION, region_id])
            del self._lent_regions[region_id]

    def has_room(self, nbytes: int) -> bool:
        """Whether a message with `nbytes` of payload goes out without waiting for the receiver to free
        a segment (inline payloads: always; the socket's buffer takes them)."""
        if nbytes < self.shm_threshold or len(self._segments) < self.max_segments:
            return True
        return any(not segment.busy[0] for segment in self._segments)

    def send_control(self, obj, payload: bytes = b"", fds: list[int] = ()):
        if len(fds) > _MAX_FDS:
            raise ValueError(f"link '{self.name}': at most {_MAX_FDS} descriptors per record, got {len(fds)}")
        self._send([_CONTROL, obj, len(fds)], payload, fds)

    def send_end(self, reason: str = ""):
        self._send([_END, reason])

    def _send(self, header, payload=b"", fds=()):
        with self._send_lock:
            self._send_locked(header, payload, fds)

    def _send_locked(self, header, payload=b"", fds=()):
        if self._closed:
            raise LinkClosed(f"link '{self.name}' is closed")
        head = self._pack(header)   # under _send_lock, as every caller holds it
        size = len(payload)
        if not size:
            buffers = [_FRAME.pack(len(head), 0) + head]
        elif size <= _JOIN_PAYLOAD:   # one buffer: cheaper to copy a few bytes than to pass two
            buffers = [b"".join((_FRAME.pack(len(head), size), head, payload))]
        else:
            buffers = [_FRAME.pack(len(head), size) + head, memoryview(payload).cast("B")]
        total = 8 + len(head) + size
        if holding.links is not None and self.holds and not fds and total <= HOLD_BYTES:
            self._hold(buffers, total)
            return
        if self._held_out:   # nothing is sent ahead of a held record
            self._flush_held_locked()
        ancillary = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
        if self.on_full is not None:
            return self._send_guarded(buffers, ancillary, total)
        try:
            sent = self.sock.sendmsg(buffers, ancillary)
            if sent < total:
                for buffer in buffers:  # finish a partial send, without ancillary data
                    if sent >= len(buffer):
                        sent -= len(buffer)
                        continue
                    self.sock.sendall(memoryview(buffer)[sent:])
                    sent = 0
            self.bytes_written += total
        except OSError as e:
            self._closed = True
            raise LinkClosed(f"link '{self.name}' is closed ({e.strerror or e})") from None

    def _hold(self, buffers: list, total: int):
        """Keep a record in the link's buffer of held records (held.py); counted as sent now."""
        out = self._held_out
        for buffer in buffers:
            out += buffer
        self._count_sent(total)
        self._held_records += 1
        took(self)
        if self._held_records >= HOLD_RECORDS:
            self._flush_held_locked()

    def flush_held(self):
        """Send the records held here now (held.release_held)."""
        with self._send_lock:
            if self._held_out:
                try:
                    self._flush_held_locked()
                except LinkClosed:
                    pass   # the peer is gone: its next send says so

    def _flush_held_locked(self):
        data, self._held_out, self._held_records = self._held_out, bytearray(), 0
        if self.on_full is not None:
            self._send_guarded([data], [], len(data), counted=True)
            return
        try:
            self.sock.sendall(data)
        except OSError as e:
            self._closed = True
            raise LinkClosed(f"link '{self.name}' is closed ({e.strerror or e})") from None

    def _count_sent(self, total: int):
        self.bytes_written += total
        if self.on_full is not None:
            self.sent_cost += 2 * total + 8192 * (1 + total // 16384)   # above the kernel's count (truesize)

    def _send_guarded(self, buffers: list, ancillary: list, total: int, counted: bool = False):
        """Send one record without ever waiting in the kernel: when the socket is full, the owner's
        `on_full(written, stalled)` decides — `written` bytes of the record have left, none for
        `stalled` seconds. It returns once it waited for room (the send goes on), or raises: LinkFull
        (only when nothing has left) drops the record, anything else closes the link, whose stream
        would otherwise end inside a record."""
        written, stalled_since = 0, None
        while True:
            try:
                if written == 0:
                    n = self.sock.sendmsg(buffers, ancillary, socket.MSG_DONTWAIT)
                else:   # the rest, a buffer at a time (descriptors went with the first byte)
                    skip = written
                    for buffer in buffers:
                        if skip < len(buffer):
                            break
                        skip -= len(buffer)
                    n = self.sock.send(memoryview(buffer)[skip:], socket.MSG_DONTWAIT)
            except BlockingIOError:
                n = 0
            except OSError as e:
                self._closed = True
                raise LinkClosed(f"link '{self.name}' is closed ({e.strerror or e})") from None
            written += n
            if written >= total:
                if not counted:
                    self._count_sent(total)
                return
            now = time.monotonic()
            if n or stalled_since is None:
                stalled_since = now
            try:
                self.on_full(written, now - stalled_since)
            except BaseException as e:
                if not written:
                    raise
                self._closed = True   # the stream would go on inside a record: nothing more may follow
                if isinstance(e, LinkFull):
                    raise LinkClosed(f"link '{self.name}' is closed (a record was cut short)") from None
                raise

    def wait_writable(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for room in the socket (it has some once the peer has read
        most of what waits in it); True if there is."""
        poller = select.poll()
        try:
            poller.register(self.sock, select.POLLOUT)
            return bool(poller.poll(timeout * 1000))
        except (OSError, ValueError):
            return True   # closed: the next send says so

    def _free_segment(self, nbytes: int) -> _Segment | None:
        """A free segment of at least `nbytes`; None means send inline.

        Reusing a recently freed segment keeps the copy cache-warm, so when every segment is busy
        the sender first waits briefly for one before growing the pool; once the pool is full it
        waits up to `segment_wait` before giving up, and then sends inline without waiting again until
        the receiver has freed a segment, so a receiver that holds them all costs one wait, not one
        per message. Of the free segments that fit, the smallest and then the oldest is taken, so the
        newest are used only at peaks; one not taken for `_IDLE` seconds is dropped
        (`_drop_idle_locked`)."""
        started = time.monotonic()
        segment = self._pick_segment(nbytes, started)
        if segment is not None:
            segment.taken = started
        if started - self._swept >= _IDLE:
            self._drop_idle_locked(started, segment)
        return segment

    def _pick_segment(self, nbytes: int, started: float) -> _Segment | None:
        pause = _FIRST_PAUSE
        while True:
            free = [s for s in self._segments if not s.busy[0]]
            if free:
                self._starved = False
            fitting = [s for s in free if s.size >= nbytes]
            if fitting:
                return min(fitting, key=lambda s: s.size)
            waited = time.monotonic() - started
            # A link that never waits (segment_wait 0) grows its pool at once: waiting for a warm segment
            # is not worth sending the payload inline through the socket.
            grow_after = min(_GROW_AFTER, self.segment_wait)
            if free or not self._segments or (len(self._segments) < self.max_segments and waited >= grow_after):
                return self._new_segment(nbytes, free)
            if self._starved or waited >= self.segment_wait:
                self._starved = True   # no more waits until the receiver frees one: it may never
                return None
            time.sleep(pause)   # the receiver frees segments without telling us: poll, less often as it stays busy
            pause = min(pause * 2, _LONGEST_PAUSE)

    def _drop_idle_locked(self, now: float, keep: _Segment | None):
        """Drop the free segments not taken for `_IDLE` seconds: both sides unmap them, so a pool that
        grew for a peak (a receiver slow for a moment) gives its memory back, and the shared memory
        resident in either process follows the link's recent needs instead of the highest it ever had."""
        self._swept = now
        for segment in [s for s in self._segments if now - s.taken >= _IDLE and not s.busy[0] and s is not keep]:
            self._send_locked([_DROP, segment.id])   # first: a receiver must never see more than it was told
            self._segments.remove(segment)

    def _new_segment(self, nbytes: int, free: list[_Segment]) -> _Segment:
        if len(self._segments) >= self.max_segments:   # replace the smallest free one
            smallest = min(free, key=lambda s: s.size)
            self._segments.remove(smallest)
            self._send_locked([_DROP, smallest.id])
        size = -(-nbytes // _SEGMENT_ROUNDING) * _SEGMENT_ROUNDING
        if self._closed:
            raise LinkClosed(f"link '{self.name}' is closed")
        segment = _Segment(self._next_segment, size)
        segment.taken = time.monotonic()
        self._next_segment += 1
        try:
            self._send_locked([_SEGMENT, segment.id, size, self.max_segments], fds=[segment.fd])
        finally:
            segment.close_fd()
        self._segments.append(segment)
        return segment

    # -- receiving --
    def recv(self) -> Message | Control | End:
        """The next record (`records.py`). Raises LinkClosed when the other end is gone, and
        LinkCorrupt (closing the link) when a peer that is not trusted breaks the link's rules:
        with `max_message` set, each record is checked before anything is allocated or mapped."""
        checked = self.max_message is not None
        try:
            while True:
                if self._end - self._start < _FRAME.size:   # mostly buffered already: spare the call
                    self._fill(_FRAME.size)
                head_size, payload_size = _FRAME.unpack_from(self._buffer, self._start)
                if checked and (head_size > _MAX_UNTRUSTED_HEADER or payload_size > self.max_message):
                    raise ValueError(f"a record of {head_size} + {payload_size} bytes (at most "
                                     f"{_MAX_UNTRUSTED_HEADER} + {self.max_message})")
                if self._end - self._start < _FRAME.size + head_size:
                    self._fill(_FRAME.size + head_size)
                head_at = self._start + _FRAME.size
                header = msgpack.unpackb(memoryview(self._buffer)[head_at:head_at + head_size], raw=False)
                self._start = head_at + head_size
                payload = self._take_payload(payload_size) if payload_size else None
                if checked and (type(header) is not list or not header or type(header[0]) is not int):
                    raise ValueError(f"a record header {type(header).__name__} instead of a list")
                kind = header[0]
                if kind == _MSG:
                    _, datatype, meta, seg_id, nbytes = header
                    if seg_id >= 0:
                        segment = self._peer_segments[seg_id]
                        if checked and (payload is not None or not 0 <= nbytes <= segment.size):
                            raise ValueError(f"{nbytes} bytes in segment {seg_id} of {segment.size}")
                        payload = self._lease(segment, nbytes)
                        self.bytes_read += nbytes
                    elif payload is None:
                        payload = np.empty(0, np.uint8)
                    return Message(codec.decode(datatype, meta, payload))
                if kind == _REGION_MSG:
                    _, datatype, meta, region_id, offset, nbytes = header
                    region = self._peer_regions[region_id]
                    if checked and not (0 <= offset and 0 <= nbytes and offset + nbytes <= region.size):
                        raise ValueError(f"bytes {offset}..{offset + nbytes} of region {region_id} of {region.size}")
                    self.bytes_read += nbytes
                    return Message(codec.decode(datatype, meta, sharedmem.view(region, offset, nbytes)))
                if kind == _LOAN:
                    _, datatype, meta, region_id, offset, nbytes, slot = header
                    region = self._peer_regions[region_id]
                    if checked and not (region.reused and self._peer_page is not None and type(slot) is int
                                        and 0 <= slot < len(self._peer_page) and 0 <= offset and 0 <= nbytes
                                        and offset + nbytes <= region.size):
                        raise ValueError(f"a loan of bytes {offset}..{offset + nbytes} of region {region_id} "
                                         f"of {region.size} in slot {slot!r}")
                    return Message(codec.decode(datatype, meta, self._borrow(region, offset, nbytes, slot)))
                if kind == _SEGMENT or kind == _REGION or kind == _LENT:
                    self._take_shared(kind, header, checked)
                elif kind == _LOANS:
                    self._take_loan_page(header, checked)
                elif kind == _UNREGION:
                    region = self._peer_regions.pop(header[1], None)
                    if region is not None:
                        region.release()
                elif kind == _DROP:
                    self._peer_segments.pop(header[1], None)
                elif kind == _CONTROL:
                    count = header[2]
                    if checked and (type(count) is not int or not 0 <= count <= len(self._fds)):
                        raise ValueError(f"a control record with {count!r} descriptors ({len(self._fds)} arrived)")
                    fds = [self._fds.popleft() for _ in range(count)]
                    return Control(header[1], payload.tobytes() if payload is not None else b"", fds)
                elif kind == _END:
                    return End(str(header[1]))
                elif checked:
                    raise ValueError(f"an unknown record kind {kind}")
        except LinkClosed:
            raise
        except Exception as e:
            if not checked:
                raise
            self.close()
            raise LinkCorrupt(f"link '{self.name}' carried a malformed record ({type(e).__name__}: {e})") from None

    def _lease(self, segment: _Segment, nbytes: int) -> np.ndarray:
        """A payload the sender put in `segment`: lent (the segment stays the sender's until the payload
        is gone) while we hold fewer than half of the sender's pool, else copied into memory of its own
        and the segment freed at once, so whatever the receiver keeps, the sender never waits for it."""
        if len(self._held) < self._peer_pool // 2:
            return np.asarray(_Lease(segment, nbytes, self._held))
        payload = self._copy_out(segment.data, nbytes)
        segment.busy[0] = 0
        self._note_copying(len(self._held), self._peer_pool, "shared segments")
        return payload

    def _borrow(self, region: sharedmem.Region, offset: int, nbytes: int, slot: int) -> np.ndarray:
        """A payload the sender lends in `region`: a read-only view while we hold fewer than half of
        the sender's pool, else copied into memory of its own and the slot cleared at once."""
        page = self._peer_page
        if len(self._lent_held) < max(1, self._peer_lend_pool // 2):
            return np.asarray(_Loan(region, offset, nbytes, page, slot, self._lent_held))
        payload = self._copy_out(region.array[offset:], nbytes)
        page[slot] = 0
        self._note_copying(len(self._lent_held), self._peer_lend_pool, "frame buffers")
        return payload

    def _copy_out(self, source: np.ndarray, nbytes: int) -> np.ndarray:
        spares = self._spares
        try:   # list.pop is atomic: payloads collected in other threads append meanwhile
            memory = spares.pop()
            if memory.nbytes != nbytes:
                spares.clear()   # another size of payload: the spares fit no longer
                memory = np.empty(nbytes, np.uint8)
        except IndexError:
            memory = np.empty(nbytes, np.uint8)
        np.copyto(memory, source[:nbytes])
        return np.asarray(_Owned(memory, nbytes, spares))

    def _note_copying(self, held: int, pool: int, what: str):
        if self.on_note is not None:
            note, self.on_note = self.on_note, None
            note(f"stream '{self.name}': {held} received messages hold {held} of the sender's {pool} {what}; "
                 f"while they are held, large payloads received are copied into memory of their own, so the "
                 f"sender never waits for memory the receiver keeps")

    def _take_shared(self, kind: int, header: list, checked: bool):
        """A segment, published region or lent region the peer announces, with its descriptor; checked:
        it must be a memfd sealed against shrinking and as large as announced, so no read of it can fault."""
        key, size = header[1], header[2]
        if checked and (type(key) is not int or type(size) is not int
                        or not 0 < size <= self.max_message + _SEGMENT_ROUNDING):
            raise ValueError(f"a shared segment of {size!r} bytes")
        if kind == _SEGMENT:   # the sender's pool: we may hold half of it, whatever it claims, and at most half of ours
            pool = header[3]
            if checked and (type(pool) is not int or pool < 1):
                raise ValueError(f"a pool of {pool!r} segments")
            self._peer_pool = min(pool, self.max_segments) if checked else pool
        elif kind == _LENT:   # the lender's pool of frame buffers: we may hold half of the smallest
            pool = header[3]
            if checked and (type(pool) is not int or pool < 1):
                raise ValueError(f"a pool of {pool!r} frame buffers")
            self._peer_lend_pool = min(pool, self._peer_lend_pool or pool)
        if checked:   # each keeps a mapping (and a region its descriptor): a bounded number, each once
            what, known, most = (("segment", self._peer_segments, self.max_segments) if kind == _SEGMENT
                                 else ("region", self._peer_regions, _MAX_UNTRUSTED_REGIONS))
            if key in known:
                raise ValueError(f"{what} {key} announced twice")
            if len(known) >= most:
                raise ValueError(f"more than {most} shared {what}s at once")
        fd = self._fds.popleft()
        try:
            if kind == _SEGMENT:
                if checked:
                    sharedmem.check_sealed(fd, _SEGMENT_HEADER + size, f"segment {key}")
                segment = self._peer_segments[key] = _Segment(key, size, fd)
                segment.close_fd()   # mapped: the descriptor is no longer needed
                fd = -1
            else:
                if checked:
                    sharedmem.check_sealed(fd, size, f"region {key}")
                self._peer_regions[key] = sharedmem.Region.adopt(fd, size, reused=kind == _LENT,
                                                                 pool=header[3] if kind == _LENT else 0)
                fd = -1   # the region owns it
        finally:
            if fd >= 0:
                os.close(fd)

    def _take_loan_page(self, header: list, checked: bool):
        """The page of busy bytes the peer lends payloads with (once): we clear a slot when done."""
        slots = header[1]
        if checked and (self._peer_page is not None or type(slots) is not int or not 0 < slots <= _LOAN_PAGE):
            raise ValueError(f"a loan page of {slots!r} slots" + (" announced twice" if self._peer_page is not None
                                                                   else ""))
        fd = self._fds.popleft()
        try:
            if checked:
                sharedmem.check_sealed(fd, _LOAN_PAGE, "the loan page")
            self._peer_page = np.frombuffer(mmap.mmap(fd, _LOAN_PAGE), np.uint8, slots)
        finally:
            os.close(fd)

    def pending(self, wait: float = 0) -> bool:
        """Whether a record has (at least partly) arrived, so `recv` will not wait for the sender;
        waits up to `wait` seconds for one."""
        if self._end > self._start:
            return True
        try:
            return bool(select.select([self.sock], [], [], wait)[0])
        except (OSError, ValueError):
            return True   # closed: recv raises LinkClosed at once

    def _fill(self, n: int):
        """Make the buffer hold at least `n` unparsed bytes, from `_start` on (it holds fewer)."""
        if self._start + n > len(self._buffer):   # no room after the unparsed bytes: move them to the front
            unparsed = self._end - self._start
            if n > len(self._buffer):   # a record header larger than the buffer (big metadata)
                grown = bytearray(max(n, 2 * len(self._buffer)))
                grown[:unparsed] = self._buffer[self._start:self._end]
                self._buffer = grown
            else:
                self._buffer[:unparsed] = self._buffer[self._start:self._end]
            self._start, self._end = 0, unparsed
        view = memoryview(self._buffer)
        while self._end - self._start < n:
            self._end += self._recv_into(view[self._end:])

    def _take_payload(self, size: int) -> np.ndarray:
        """The next `size` bytes as a new array: what is buffered, then the rest read into it directly."""
        start = self._start
        if start + size <= self._end:   # all buffered (small payloads): one copy, the array's own
            self._start = start + size
            return np.frombuffer(self._buffer[start:start + size], np.uint8)
        payload = np.empty(size, np.uint8)
        have = min(size, self._end - self._start)
        payload[:have] = np.frombuffer(self._buffer, np.uint8, have, self._start)
        self._start += have
        view = memoryview(payload)
        while have < size:
            have += self._recv_into(view[have:])
        return payload

    def _recv_into(self, view: memoryview) -> int:
        """One read of what the socket has (at least one byte, at most len(view)); descriptors that
        come with it join `_fds` in order."""
        try:
            if holding.links:
                try:
                    n, ancillary, flags, _ = self.sock.recvmsg_into([view], _ANCILLARY, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    release_held()   # nothing more to forward for now: what the thread holds leaves first
                    n, ancillary, flags, _ = self.sock.recvmsg_into([view], _ANCILLARY)
            else:
                n, ancillary, flags, _ = self.sock.recvmsg_into([view], _ANCILLARY)
        except OSError as e:
            raise LinkClosed(f"link '{self.name}' is closed ({e.strerror or e})") from None
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds = array.array("i")
                fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
                self._fds.extend(fds)
        if self.max_message is not None and (flags & _CTRUNC or len(self._fds) > _MAX_UNTRUSTED_FDS):
            raise ValueError(f"{len(self._fds)} descriptors sent ahead of the records that claim them (at most "
                             f"{_MAX_UNTRUSTED_FDS})")
        if flags & _CTRUNC:
            raise LinkClosed(f"link '{self.name}': file descriptors were lost in transit (too many at once)")
        if n == 0:
            raise LinkClosed(f"link '{self.name}' was closed by the other end")
        self.bytes_read += n
        return n

    def close(self):
        """Close the socket and forget every segment; payloads still held stay valid until freed."""
        self._closed = True
        self._segments.clear()
        with self._loan_lock:   # nobody will read them here any more
            page = self._loan_page
            for slot in list(self._loans):
                if page[slot]:   # the receiver may still hold it: its buffer is never written again
                    self._loans[slot][1].release()
                self._end_loan(slot)
        self._peer_segments.clear()
        for region in self._peer_regions.values():
            region.release()
        self._peer_regions.clear()
        self._peer_page = None   # the sender's loan page: unmapped once the payloads borrowed from it are gone
        while self._fds:   # sent ahead of records that never came
            os.close(self._fds.popleft())
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
