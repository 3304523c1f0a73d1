"""The device process's side of the control link: DeviceProcess serving a host over a real socket pair
(start, questions, log level, close, a host that goes away), and `python -m oakling.runtime.process`."""
import socket
import subprocess
import sys
import threading

import pytest

import oakling as dai
from oakling.link.link import Link, LinkClosed
from oakling.link.records import Control, End, Message
from oakling.log import LogLevel
from oakling.pipeline.node import Node
from oakling.pipeline.schema import build
from oakling.runtime.process import DeviceProcess
from pipelines import echo_pipeline


class Host:
    """The host's end of the control link, with DeviceProcess serving the other end in a thread."""

    def __init__(self):
        host_sock, device_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.control = Link(host_sock, "control")
        self.device = DeviceProcess(Link(device_sock, "control"))
        self.serving = threading.Thread(target=self.device.serve, daemon=True)
        self.serving.start()

    def ask(self, request: dict, payload=b"", fds=()):
        """Send a request and return the next control record the device sends that is not a log line."""
        self.control.send_control(request, payload, fds=list(fds))
        while True:
            record = self.control.recv()
            if isinstance(record, Control) and record.op != "log":
                return record.body

    def start(self, pipeline):
        """Start `pipeline` as dai.Device does; returns (the started reply, host links by stream name)."""
        schema, assets, storage = build(pipeline)
        names = [n.host_stream().name for n in pipeline.getAllNodes() if n.host_stream() is not None]
        pairs = [socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM) for _ in names]
        reply = self.ask({"op": "start", "schema": schema, "assets": assets, "streams": names}, storage,
                         [device_end.fileno() for _, device_end in pairs])
        for _, device_end in pairs:
            device_end.close()
        return reply, {name: Link(host_end, name) for name, (host_end, _) in zip(names, pairs)}

    def close(self):
        assert self.ask({"op": "close"}) == {"op": "closed"}
        self.serving.join(5)
        assert not self.serving.is_alive()


@pytest.fixture
def host():
    host = Host()
    yield host
    if host.serving.is_alive():
        host.close()


def test_a_started_pipeline_carries_the_hosts_messages_until_close(host):
    reply, links = host.start(echo_pipeline())
    assert reply == {"op": "started", "error": None}
    links["in"].send_message(dai.Buffer().setSequenceNum(42))
    record = links["out"].recv()
    assert isinstance(record, Message) and record.message.getSequenceNum() == 42
    host.close()


class Unknown(Node):
    """A node type no worker runs."""
    NAME = "TestUnknown"


def test_a_pipeline_that_cannot_be_built_is_answered_with_the_error(host):
    p = dai.Pipeline()
    p.create(Unknown)
    reply, _ = host.start(p)
    assert reply["op"] == "started" and "oakling has no 'TestUnknown' node" in reply["error"]


@pytest.mark.parametrize("request_, value, error", [
    ({"op": "sync"}, None, None),
    ({"op": "node_stats"}, {}, None),                       # nothing started yet
    ({"op": "gpio_read", "pin": 999}, None, "GPIO"),
    ({"op": "gpio_write", "pin": 21, "value": "high"}, None, "GPIO"),
])
def test_questions_are_answered_with_their_id_a_value_or_an_error(host, request_, value, error):
    reply = host.ask({**request_, "id": 7})
    assert reply["op"] == "reply" and reply["id"] == 7 and reply["value"] == value
    assert reply["error"] is None if error is None else error in reply["error"]


def test_a_pin_the_host_writes_reads_back(host):
    for level in (1, 0):
        assert host.ask({"op": "gpio_write", "id": 1, "pin": 21, "value": level})["error"] is None
        assert host.ask({"op": "gpio_read", "id": 2, "pin": 21})["value"] == level


def test_log_lines_below_the_level_are_not_sent():
    device_sock, host_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    process, host = DeviceProcess(Link(device_sock)), Link(host_sock)
    process.log(LogLevel.INFO, "X(0)", "quiet")
    process.log(LogLevel.ERR, "X(0)", "loud")
    process.log_level = LogLevel.OFF
    process.log(LogLevel.CRITICAL, "X(0)", "off")
    process.control.send_end("done")
    assert host.recv().body == {"op": "log", "level": int(LogLevel.ERR), "node": "X(0)", "text": "loud"}
    assert host.recv() == End("done")


def test_the_device_stops_when_the_host_goes_away(host):
    reply, links = host.start(echo_pipeline())
    assert reply["error"] is None
    host.control.close()
    host.serving.join(5)
    assert not host.serving.is_alive()
    with pytest.raises(LinkClosed):
        while True:
            links["out"].recv()


def test_the_device_process_as_a_program_serves_until_close():
    host_sock, device_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    child = subprocess.Popen([sys.executable, "-m", "oakling.runtime.process", str(device_sock.fileno())],
                             pass_fds=[device_sock.fileno()])
    device_sock.close()
    control = Link(host_sock, "control")
    try:
        control.send_control({"op": "sync", "id": 1})
        assert control.recv().body == {"op": "reply", "id": 1, "value": None, "error": None}
        control.send_control({"op": "close"})
        assert control.recv().body == {"op": "closed"}
        assert child.wait(30) == 0
    finally:
        child.kill()
        child.wait()
