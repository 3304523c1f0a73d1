"""The wires between a Script worker and its script process, both ends in one process over the real
socket pairs, counters and doorbells: a blocking input lets at most its queue size be ahead of the
script, a non-blocking one never waits and keeps the newest, an output waits for its window, and the
ends of streams reach the other side."""
import os
import threading
import time

import pytest

import oakling as dai
from oakling.link.records import Message
from oakling.runtime.queue import QueueClosed
from oakling.script import api, messages
from oakling.script.channel import OUTPUT_WINDOW, Channel, DeviceEnd, ScriptEnd, receive_into


@pytest.fixture
def ends():
    """(device end, script end) of a channel with a blocking input `in` of 2, a non-blocking `latest` of
    2, and an output `out`; in one process, so without the fork's closing of the other side."""
    channel = Channel([("in", True, 2), ("latest", False, 2)], ["out"])
    device, script = DeviceEnd(channel), ScriptEnd(channel)
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


def test_an_output_waits_while_its_window_is_on_the_way_until_the_device_delivers(ends):
    device, script = ends
    link, counters, index, bell = script.outputs["out"]
    out = api.ScriptOutput("out", link, counters, index, bell, linked=True)
    for k in range(OUTPUT_WINDOW):
        out.send(messages.Buffer(1))
    returned = in_thread(lambda: out.send(messages.Buffer(1)))
    assert not returned.wait(0.3)
    device.delivered("out", 1)
    assert returned.wait(5)
    received = [type(device.output_links["out"].recv()) for _ in range(OUTPUT_WINDOW + 1)]
    assert received == [Message] * (OUTPUT_WINDOW + 1)


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
