"""The device's end of the loopback lender, driven as a script would (and as a hostile one would)
over a real socket pair; the script's end is tried through the gen2 HTTP examples and below."""
import array
import errno
import fcntl
import socket
import struct
import termios
import threading

import pytest

import oakling as dai
from oakling.script.loopback import LoopbackLender, _REQUEST, _ANSWER


@pytest.fixture
def lender():
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    broken = []
    thread = threading.Thread(target=LoopbackLender(theirs, broken.append).serve, daemon=True)
    thread.start()
    yield ours, broken, thread
    ours.close()
    thread.join(2)
    theirs.close()


def ask(sock, op, family, host, port, flags=0, timeout_ms=1000):
    sock.sendall(_REQUEST.pack(op, bytes([flags]), family, port, timeout_ms,
                               socket.inet_pton(family, host).ljust(16, b"\0")))
    data, ancillary, _, _ = sock.recvmsg(_ANSWER.size, socket.CMSG_SPACE(4))
    fds = array.array("i")
    for _, _, payload in ancillary:
        fds.frombytes(payload)
    return _ANSWER.unpack(data)[0], list(fds)


def test_a_bind_on_loopback_comes_back_listening_in_the_hosts_network(lender):
    sock, broken, _ = lender
    code, fds = ask(sock, b"b", socket.AF_INET, "127.0.0.1", 0)
    assert code == 0 and len(fds) == 1
    with socket.socket(fileno=fds[0]) as server:
        host, port = server.getsockname()
        assert host == "127.0.0.1"
        with socket.create_connection((host, port), timeout=2):
            conn, _ = server.accept()
            conn.close()
        with pytest.raises(OSError):   # a listening socket cannot be pointed elsewhere
            server.connect(("127.0.0.1", port))
    assert broken == []


def test_a_connect_on_loopback_comes_back_connected(lender):
    sock, broken, _ = lender
    with socket.create_server(("127.0.0.1", 0)) as server:
        code, fds = ask(sock, b"c", socket.AF_INET, "127.0.0.1", server.getsockname()[1])
        assert code == 0
        with socket.socket(fileno=fds[0]) as client:
            conn, _ = server.accept()
            client.sendall(b"ping")
            assert conn.recv(4) == b"ping"
            conn.close()


def test_a_refused_connect_answers_its_errno_and_no_socket(lender):
    sock, broken, _ = lender
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
    code, fds = ask(sock, b"c", socket.AF_INET, "127.0.0.1", port)
    assert (code, fds) == (errno.ECONNREFUSED, [])


@pytest.mark.parametrize("family, host", [(socket.AF_INET, "10.1.2.3"), (socket.AF_INET, "0.0.0.0"),
                                          (socket.AF_INET6, "::"), (socket.AF_INET6, "2001:db8::1")])
def test_an_address_beyond_loopback_gets_no_socket(lender, family, host):
    sock, broken, _ = lender
    code, fds = ask(sock, b"b", family, host, 0)
    assert (code, fds) == (errno.EACCES, []) and broken == []


@pytest.mark.parametrize("request_bytes", [
    b"x" * 7,                                                                       # a short request
    _REQUEST.pack(b"z", b"\0", socket.AF_INET, 80, 0, bytes(16)),                   # an unknown op
    _REQUEST.pack(b"b", b"\0", socket.AF_UNIX, 80, 0, bytes(16)),                   # a family beyond IP
])
def test_a_request_breaking_the_protocol_is_reported_and_ends_the_lending(lender, request_bytes):
    sock, broken, thread = lender
    sock.sendall(request_bytes)
    thread.join(2)
    assert not thread.is_alive()
    assert len(broken) == 1 and "broke the protocol" in broken[0]


def test_a_script_that_never_reads_its_answers_gets_only_a_few_sockets_made(lender):
    sock, broken, thread = lender
    request = _REQUEST.pack(b"b", b"\0", socket.AF_INET, 0, 1000, socket.inet_aton("127.0.0.1").ljust(16, b"\0"))
    sock.setblocking(False)
    asked = 0
    for _ in range(500):
        try:
            sock.send(request)
            asked += 1
        except BlockingIOError:
            break
    thread.join(0.5)
    # the answers waiting, counted before reading any: the lender makes more as they are read
    queued = struct.unpack("i", fcntl.ioctl(sock, termios.FIONREAD, b"\0" * 4))[0] // _ANSWER.size
    made = 0
    while True:
        try:
            _, ancillary, _, _ = sock.recvmsg(_ANSWER.size, socket.CMSG_SPACE(4))
        except BlockingIOError:
            break
        for _, _, payload in ancillary:
            fds = array.array("i")
            fds.frombytes(payload)
            for fd in fds:
                socket.socket(fileno=fd).close()
            made += len(fds)
    assert asked > 50 and 0 < queued < 32 and made >= queued, (asked, queued, made)


def test_a_script_server_on_loopback_is_reached_by_the_host():
    """The script's process has a network of its own; its server is still the host's to reach."""
    p = dai.Pipeline()
    node = p.create(dai.node.Script)
    node.setProcessor(dai.ProcessorType.LEON_CSS)
    node.setScript("""
        import socket
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(('', 0))
        server.listen(1)
        port = server.getsockname()[1]
        b = Buffer(2)
        b.setData(list(port.to_bytes(2, 'big')))
        node.io['port'].send(b)
        conn, _ = server.accept()
        conn.sendall(b'hello from the script')
        conn.close()
    """)
    out = p.create(dai.node.XLinkOut)
    out.setStreamName("port")
    node.outputs["port"].link(out.input)
    with dai.Device(p) as device:
        port = int.from_bytes(bytes(device.getOutputQueue("port").get(timeout=10).getData()), "big")
        with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
            assert client.recv(100) == b"hello from the script"
