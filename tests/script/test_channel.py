"""The wires between a Script worker and its script process, both ends in one process over the real
socket pairs, counters and doorbells: a blocking input lets at most its queue size be ahead of the
script, a non-blocking one never waits and keeps the newest, an output waits for its window, and the
ends of streams reach the other side."""
import os
import threading
import time

import pytest

import oakling as dai
from oakling.link import sharedmem
from oakling.link.held import held_sends
from oakling.link.link import SHM_THRESHOLD, LinkClosed
from oakling.link.records import Message
from oakling.runtime.queue import QueueClosed
from oakling.script import api, messages
from oakling.script.channel import LARGE_WINDOW, OUTPUT_WINDOW, STALL_LIMIT, WAITING, Channel, DeviceEnd, ScriptEnd, receive_into


@pytest.fixture
def broken():
    """What the device end was told the script broke."""
    return []


@pytest.fixture
def stop():
    return threading.Event()


@pytest.fixture
def ends(broken, stop):
    """(device end, script end) of a channel with a blocking input `in` of 2, a non-blocking `latest` of
    2, and an output `out`; in one process, so without the fork's closing of the other side."""
    channel = Channel([("in", True, 2), ("latest", False, 2)], ["out"])
    device, script = DeviceEnd(channel, stop_event=stop, broke=broken.append), ScriptEnd(channel)
    yield device, script
    device.close()


def script_input(script, name):
    link, queue, counters, index, bell, blocking = script.inputs[name]
    return api.ScriptInput(name, queue, counters, index, bell, blocking, link if blocking else None)


def in_thread(call):
    """Run `call` in a thread of its own; returns an event set once it returned."""
    returned = threading.Event()
    threading.Thread(target=lambda: (call(), returned.set()), daemon=True).start()
    return returned


def numbered(k):
    return dai.Buffer().setSequenceNum(k)


def test_a_blocking_input_lets_its_queue_size_ahead_of_the_script_then_waits(ends):
    device, script = ends
    feed, node_input = device.feeds["in"], script_input(script, "in")
    assert feed.blocking()
    feed.put(numbered(0))
    feed.put(numbered(1))
    returned = in_thread(lambda: feed.put(numbered(2)))
    assert not returned.wait(0.3)          # two ahead of the script: the producer waits
    assert node_input.get().getSequenceNum() == 0
    assert returned.wait(5)                # the script took one: room for one more
    assert [node_input.get().getSequenceNum() for _ in range(2)] == [1, 2]


def rung(bell) -> bool:
    """Whether the doorbell was rung since it was last read (reading it clears it)."""
    try:
        os.eventfd_read(bell.fd)
        return True
    except BlockingIOError:
        return False


def test_a_producer_ahead_of_the_script_asks_for_a_ring_once_half_its_queue_is_free(broken, stop):
    """The producer's flag is the count of messages taken it waits for: half the queue free (4 of 8),
    so a producer ahead of the script wakes once per half queue."""
    channel = Channel([("in", True, 8)], [])
    device, script = DeviceEnd(channel, stop_event=stop, broke=broken.append), ScriptEnd(channel)
    try:
        feed, node_input = device.feeds["in"], script_input(script, "in")
        _, _, counters, index, _, _ = script.inputs["in"]
        for k in range(8):
            feed.put(numbered(k))
        returned = in_thread(lambda: feed.put(numbered(8)))
        assert not returned.wait(0.3)
        assert counters[WAITING + index] == 8 - 8 + 4    # 8 sent, a queue of 8: ring at 4 taken
        assert node_input.get().getSequenceNum() == 0
        assert returned.wait(5)                          # room: it waits no longer than BATCH_WAIT
        assert counters[WAITING + index] == 0
    finally:
        device.close()


def test_the_script_rings_for_room_only_once_it_has_taken_what_the_producer_waits_for(ends):
    device, script = ends
    feed, node_input = device.feeds["in"], script_input(script, "in")
    _, _, counters, index, bell, _ = script.inputs["in"]
    feed.put(numbered(0))
    assert node_input.get().getSequenceNum() == 0
    assert not rung(bell)                            # nobody waits: no ring, no system call
    feed.put(numbered(1))
    feed.put(numbered(2))
    counters[WAITING + index] = 3                    # what a producer waiting for 3 taken raises
    assert node_input.get().getSequenceNum() == 1
    assert not rung(bell)                            # 2 taken: not yet
    assert node_input.get().getSequenceNum() == 2
    assert rung(bell)                                # 3 taken: rung


def test_the_device_rings_a_scripts_output_only_while_its_send_waits_for_the_window(ends):
    device, script = ends
    link, counters, index, bell = script.outputs["out"]
    device.delivered("out", 1)
    assert not rung(bell) and counters[index] == 1
    counters[WAITING + index] = 3                    # what send() raises while its window is full: the count it wants
    device.delivered("out", 2)
    assert not rung(bell) and counters[index] == 2
    device.delivered("out", 3)
    assert rung(bell) and counters[index] == 3


def test_a_producer_waiting_on_a_script_that_is_gone_is_let_go_and_later_messages_dropped(ends):
    device, _ = ends
    feed = device.feeds["in"]
    feed.put(numbered(0))
    feed.put(numbered(1))
    returned = in_thread(lambda: feed.put(numbered(2)))
    feed.script_gone()
    assert returned.wait(5) and feed.put(numbered(3)) is True


def test_closing_an_input_ends_the_scripts_stream_with_the_reason(ends):
    device, script = ends
    feed, node_input = device.feeds["in"], script_input(script, "in")
    feed.put(numbered(7))
    feed.close("Camera(0) ended")
    assert node_input.get().getSequenceNum() == 7
    with pytest.raises(QueueClosed, match=r"Camera\(0\) ended"):
        node_input.get()
    with pytest.raises(QueueClosed):
        feed.put(numbered(8))


def test_a_non_blocking_input_never_waits_and_the_script_keeps_the_newest(ends):
    device, script = ends
    feed = device.feeds["latest"]
    link, queue, *_ = script.inputs["latest"]
    assert not feed.blocking()
    start = time.monotonic()
    for k in range(20):
        feed.put(numbered(k))
    feed.close("done")
    assert time.monotonic() - start < 5
    receive_into(link, queue, messages.adopt)   # the script's drain thread, here until the end
    assert [m.getSequenceNum() for m in queue.try_get_all()] == [18, 19]
    assert queue.closed_reason == "done"


def test_messages_reach_the_script_as_its_own_classes(ends):
    device, script = ends
    device.feeds["latest"].put(numbered(1))
    device.feeds["latest"].close("done")
    link, queue, *_ = script.inputs["latest"]
    receive_into(link, queue, messages.adopt)
    got = queue.get()
    assert type(got) is messages.Buffer and got.getSequenceNum() == 1


def script_output(script):
    link, counters, index, bell = script.outputs["out"]
    return api.ScriptOutput("out", link, counters, index, bell, linked=True)


def blocks_after(out, count: int, make) -> threading.Event:
    """Send `count` messages `make()` makes: the next one waits; the event it sets once it returns."""
    for _ in range(count):
        out.send(make())
    returned = in_thread(lambda: out.send(make()))
    assert not returned.wait(0.3)
    return returned


def test_an_output_waits_while_its_window_is_on_the_way_until_the_device_delivers(ends):
    device, script = ends
    returned = blocks_after(script_output(script), OUTPUT_WINDOW, lambda: messages.Buffer(1))
    device.delivered("out", 1)
    assert returned.wait(5)
    received = [type(device.output_links["out"].recv()) for _ in range(OUTPUT_WINDOW + 1)]
    assert received == [Message] * (OUTPUT_WINDOW + 1)


def test_an_output_lets_fewer_large_messages_be_on_the_way(ends):
    """Each large message holds shared memory until it is delivered."""
    device, script = ends
    out = script_output(script)
    returned = blocks_after(out, LARGE_WINDOW, lambda: messages.Buffer(SHM_THRESHOLD))
    device.delivered("out", 1)
    assert returned.wait(5)
    # small ones fill the rest of the window
    returned = blocks_after(out, OUTPUT_WINDOW - LARGE_WINDOW, lambda: messages.Buffer(1))
    device.delivered("out", LARGE_WINDOW + 1 + OUTPUT_WINDOW)   # all of it
    assert returned.wait(5)


def test_large_messages_already_in_shared_memory_take_the_whole_window(ends):
    """A frame the script received and passes on is lent on, not copied: it holds nothing more."""
    device, script = ends
    shared, region = sharedmem.shared_array((SHM_THRESHOLD,))
    region.publish()   # as a frame received from the device is
    received = messages.ImgFrame()
    received._data = shared
    returned = blocks_after(script_output(script), OUTPUT_WINDOW, lambda: received)
    device.delivered("out", OUTPUT_WINDOW + 1)
    assert returned.wait(5)
    region.release()


def test_a_waiting_output_asks_to_be_rung_once_half_its_window_is_free(ends):
    device, script = ends
    _, counters, index, bell = script.outputs["out"]
    returned = blocks_after(script_output(script), OUTPUT_WINDOW, lambda: messages.Buffer(1))
    deadline = time.monotonic() + 5
    while not counters[WAITING + index] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert counters[WAITING + index] == OUTPUT_WINDOW - OUTPUT_WINDOW // 2   # the delivered count it wants
    device.delivered("out", OUTPUT_WINDOW // 2)
    assert returned.wait(5)


def test_a_producer_that_holds_its_sends_lets_them_go_before_it_waits_for_room(ends):
    """Else the script could never take what fills its queue (link/held.py)."""
    device, script = ends
    feed, node_input = device.feeds["in"], script_input(script, "in")
    got = []
    reader = threading.Thread(target=lambda: got.extend(node_input.get().getSequenceNum() for _ in range(6)),
                              daemon=True)
    reader.start()

    def produce():
        with held_sends():
            for k in range(6):
                feed.put(numbered(k))

    assert in_thread(produce).wait(5)
    reader.join(5)
    assert got == list(range(6))


def test_when_the_device_goes_the_script_input_ends(ends):
    device, script = ends
    link, queue, *_ = script.inputs["latest"]
    device.close()
    receive_into(link, queue, messages.adopt)
    assert queue.closed_reason == "the device stopped"


def test_the_script_keeps_only_its_own_descriptors():
    channel = Channel([("in", True, 1)], ["out"])
    fds = channel.script_fds()
    assert channel.control[1].fileno() in fds and channel.control[0].fileno() not in fds
    assert channel.input_socks[0][1].fileno() in fds and channel.output_socks[0][0].fileno() not in fds
    assert {b.fd for b in channel.consumed_bells + channel.delivered_bells} <= fds
    device = channel.device_end()
    assert channel.control[1].fileno() == -1   # closed on the device's side
    device.close()


def test_a_script_has_at_most_512_inputs_and_outputs_and_one_with_more_opens_nothing():
    before = len(os.listdir("/proc/self/fd"))
    with pytest.raises(ValueError, match="at most 512 inputs and outputs"):
        Channel([(f"i{k}", True, 1) for k in range(300)], [f"o{k}" for k in range(300)])
    # a leak would be three descriptors per port (1,800); other tests' threads may open or close a few
    assert len(os.listdir("/proc/self/fd")) - before < 50


# -- what the device does not take from the script on trust --

def count_taken(script, name, value):
    """The script's side of the count of messages taken from input `name`, written as it pleases."""
    _, _, counters, index, bell, _ = script.inputs[name]
    counters[index] = value
    bell.ring()


def wide(k):
    """A message whose record takes some room in a socket (inline, 4 KiB)."""
    return dai.Buffer().setData(bytes(4096)).setSequenceNum(k)


@pytest.mark.parametrize("count, said", [(1 << 40, "went from 0 to 1099511627776, with 1 sent"),
                                         (-3, "went from 0 to -3, with 1 sent")])
def test_a_count_that_passes_what_was_sent_or_goes_back_is_a_broken_rule(ends, broken, count, said):
    device, script = ends
    feed = device.feeds["in"]
    feed.put(numbered(0))
    count_taken(script, "in", count)
    assert in_thread(lambda: [feed.put(numbered(k)) for k in range(1, 50)]).wait(5)   # none waits
    assert broken == [f"its count of messages taken from input 'in' {said}"]
    link = script.inputs["in"][0]
    assert link.recv().message.getSequenceNum() == 0 and not link.pending(0.2)   # the others were dropped


def test_a_script_counting_messages_it_never_read_is_caught_once_its_socket_fills(ends, broken):
    """The count says every message was taken, and never passes what was sent; only the socket shows
    the script read none: it fills, which the messages the count leaves waiting could never do."""
    device, script = ends
    feed = device.feeds["in"]

    def lie():
        for k in range(10_000):
            feed.put(wide(k))
            count_taken(script, "in", k + 1)    # what an honest script says once it has read message k
            if broken:
                return k

    sent = []
    assert in_thread(lambda: sent.append(lie())).wait(5)
    assert len(broken) == 1 and "input 'in': its socket is full, yet it counts" in broken[0]
    assert "and the 0 left could not fill it (it counts messages it has not read)" in broken[0]
    assert sent[0] < 200                        # no more than the socket holds went out


def test_a_slow_honest_script_with_large_messages_is_waited_for(ends, broken):
    """A full socket with as many messages waiting as fill it is not a lie: the producer waits."""
    device, script = ends
    feed, node_input = device.feeds["in"], script_input(script, "in")
    feed.link.shm_threshold = 1 << 30            # inline: the second fills the socket
    big = [dai.Buffer().setData(bytes(150_000)).setSequenceNum(k) for k in range(8)]
    returned = in_thread(lambda: [feed.put(m) for m in big])
    assert not returned.wait(0.5)
    assert [node_input.get().getSequenceNum() for _ in range(8)] == list(range(8))
    assert returned.wait(5) and broken == []


def test_a_non_blocking_input_drops_what_finds_the_scripts_socket_full_and_the_rest_arrives_whole(ends, broken):
    device, script = ends
    feed = device.feeds["latest"]
    assert in_thread(lambda: [feed.put(wide(k)) for k in range(2000)]).wait(5)   # the script reads none meanwhile
    assert feed.dropped > 0
    link, queue, *_ = script.inputs["latest"]
    seqs = []
    while link.pending():
        seqs.append(link.recv().message.getSequenceNum())
    assert seqs == list(range(len(seqs))) and len(seqs) + feed.dropped == 2000
    feed.put(wide(5000))
    assert link.recv().message.getSequenceNum() == 5000 and broken == []


def test_a_record_left_half_read_on_a_non_blocking_input_stops_the_script_after_the_stall_limit(ends, broken):
    device, script = ends
    feed = device.feeds["latest"]
    feed.link.shm_threshold = 1 << 30            # inline, and more than the socket holds
    big = dai.Buffer().setData(bytes(4 << 20))
    started = time.monotonic()
    assert in_thread(lambda: feed.put(big)).wait(STALL_LIMIT + 2)
    assert time.monotonic() - started >= STALL_LIMIT
    assert broken == ["it left its non-blocking input 'latest' unread for 1 s with a record on its way"]


def test_a_control_link_the_script_leaves_unread_is_a_broken_rule_after_the_stall_limit(ends, broken):
    device, _ = ends

    def flood():
        with pytest.raises(LinkClosed):
            for k in range(100_000):
                device.control.send_control({"op": "gpio", "pin": 1, "old": k % 2, "new": 1 - k % 2})

    assert in_thread(flood).wait(STALL_LIMIT + 2)
    assert broken == ["it left its control link unread for 1 s"]
    with pytest.raises(LinkClosed):               # from now on a sender fails at once
        device.control.send_control({"op": "gpio", "pin": 1, "old": 0, "new": 1})


def test_when_the_device_stops_a_producer_waiting_on_a_full_socket_and_the_inputs_end_are_let_go(ends, stop):
    device, _ = ends
    feed = device.feeds["in"]
    feed.link.shm_threshold = 1 << 30
    returned = in_thread(lambda: feed.put(dai.Buffer().setData(bytes(4 << 20))))
    assert not returned.wait(0.3)                 # legitimately waiting: the script reads nothing
    stop.set()
    assert in_thread(lambda: feed.close("device stopping")).wait(1)
    assert returned.wait(1)

