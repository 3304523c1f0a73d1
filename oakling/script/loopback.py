"""The host's loopback, lent to a LEON_CSS script whose own network has nothing but `lo`.

A loopback-only script lives in a network namespace of its own (`namespaces.py`): whatever it
runs, the only network it can reach is itself. Its TCP servers and clients on 127.0.0.1 / ::1
still meet the host's programs (a browser on gen2's HTTP server example, the host's server for its
HTTP client example): when a script binds or connects a TCP socket to a loopback address, the
device process makes that socket in the host's network, binds it and listens, or connects it,
and passes it back over a sequenced-packet socket pair; the script's socket becomes that one.

    device = LoopbackLender(sock, stop)        # device process: a thread runs device.serve()
    lend_host_loopback(sock)                   # script process, before the sandbox closes

Only listening and connected TCP sockets cross, on loopback addresses the device checks itself:
such a socket cannot be pointed anywhere else (a listening or connected TCP socket refuses a new
connect or bind), so the script gains no network beyond the host's loopback. UDP on loopback stays
inside the script's namespace: it reaches only the script.

A request is 24 bytes: op (b"b" bind and listen, b"c" connect), flags, family, port, timeout in
milliseconds, a 16-byte address. The answer is an errno (0, with the socket attached, when done).
"""
from __future__ import annotations

import array
import errno
import ipaddress
import os
import socket
import struct
import threading

_REQUEST = struct.Struct("=ccHHI16s")   # op, flags, family, port, timeout ms, packed address
_ANSWER = struct.Struct("=i")
_REUSEADDR, _REUSEPORT, _V6ONLY = 1, 2, 4
_BIND, _CONNECT = b"b", b"c"
_MAX_TIMEOUT_MS = 10_000   # the device waits at most this long for a connect on the script's behalf
_BACKLOG = 128


class BrokenRequest(ValueError):
    """The script wrote something the protocol does not allow: the device stops it."""


def is_loopback(host) -> bool:
    """Whether `host` is a numeric loopback address (127.x, ::1, or ::ffff:127.x)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def _loopback_address(family: int, packed: bytes) -> str:
    if family == socket.AF_INET:
        host = socket.inet_ntop(socket.AF_INET, packed[:4])
    elif family == socket.AF_INET6:
        host = socket.inet_ntop(socket.AF_INET6, packed)
    else:
        raise BrokenRequest(f"family {family} is not AF_INET or AF_INET6")
    if not is_loopback(host):
        raise PermissionError(errno.EACCES, f"{host} is not a loopback address")
    return host


class LoopbackLender:
    """Device side: makes the sockets a script asks for, on the host's loopback only."""

    def __init__(self, sock: socket.socket, broken):
        """`broken(text)` is called once if the script breaks the protocol (it is then stopped)."""
        self._sock = sock
        self._broken = broken
        # The smallest send buffer: a script that asks and never reads its answers holds a few
        # sockets in flight, then the lender waits — it cannot make the device bind every port.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1)

    def serve(self):
        """Answer requests until the script's end of the pair closes."""
        while True:
            try:
                data = self._sock.recv(_REQUEST.size + 1)
            except OSError:
                return
            if not data:
                return
            try:
                if len(data) != _REQUEST.size:
                    raise BrokenRequest(f"a request of {len(data)} bytes (expected {_REQUEST.size})")
                self._answer(*_REQUEST.unpack(data))
            except BrokenRequest as e:
                self._broken(f"its request for a loopback socket broke the protocol: {e}")
                return
            except OSError:
                return   # the script is gone

    def _answer(self, op: bytes, flags: bytes, family: int, port: int, timeout_ms: int, packed: bytes):
        if op not in (_BIND, _CONNECT):
            raise BrokenRequest(f"unknown op {op!r}")
        try:
            host = _loopback_address(family, packed)
            made = socket.socket(family, socket.SOCK_STREAM)
        except OSError as e:
            self._sock.sendall(_ANSWER.pack(e.errno or errno.EINVAL))
            return
        with made:
            try:
                bits = flags[0]
                if bits & _REUSEADDR:
                    made.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if bits & _REUSEPORT and hasattr(socket, "SO_REUSEPORT"):
                    made.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
                if family == socket.AF_INET6:
                    made.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1 if bits & _V6ONLY else 0)
                if op == _BIND:
                    made.bind((host, port))
                    made.listen(_BACKLOG)
                else:
                    made.settimeout(min(timeout_ms, _MAX_TIMEOUT_MS) / 1000)
                    made.connect((host, port))
            except OSError as e:
                code = e.errno if e.errno else (errno.ETIMEDOUT if isinstance(e, TimeoutError) else errno.EIO)
                self._sock.sendall(_ANSWER.pack(code))
                return
            self._sock.sendmsg([_ANSWER.pack(0)], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                                    array.array("i", [made.fileno()]))])


def lend_host_loopback(sock: socket.socket):
    """Script side: TCP sockets bound or connected to a loopback address become the host's (see
    the module's docstring); every other socket is left as it is."""
    lock = threading.Lock()
    real_bind, real_connect, real_connect_ex = socket.socket.bind, socket.socket.connect, socket.socket.connect_ex

    def ask(s: socket.socket, op: bytes, address) -> int:
        """Have the device make the socket; `s` becomes it. Returns an errno (0: done)."""
        host, port = address[0], address[1]
        if host == "localhost":
            host = "127.0.0.1" if s.family == socket.AF_INET else "::1"
        packed = socket.inet_pton(s.family, host).ljust(16, b"\0")
        flags = 0
        if s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR):
            flags |= _REUSEADDR
        if hasattr(socket, "SO_REUSEPORT") and s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT):
            flags |= _REUSEPORT
        if s.family == socket.AF_INET6 and s.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY):
            flags |= _V6ONLY
        timeout = s.gettimeout()
        timeout_ms = _MAX_TIMEOUT_MS if timeout is None else max(1, min(int(timeout * 1000), _MAX_TIMEOUT_MS))
        with lock:
            sock.sendall(_REQUEST.pack(op, bytes([flags]), s.family, port, timeout_ms, packed))
            fds = array.array("i")
            data, ancillary, _, _ = sock.recvmsg(_ANSWER.size, socket.CMSG_SPACE(fds.itemsize))
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(payload[:len(payload) - len(payload) % fds.itemsize])
        if len(data) != _ANSWER.size:
            for fd in fds:
                os.close(fd)
            return errno.ECONNABORTED   # the device is going away
        code, = _ANSWER.unpack(data)
        if fds:
            os.dup2(fds[0], s.fileno(), inheritable=False)
            for fd in fds:
                os.close(fd)
            s.settimeout(timeout)   # the socket's blocking mode, as it was
        return code

    def lent(s: socket.socket, address) -> bool:
        """Whether the host's loopback is what this bind or connect means."""
        if s.family not in (socket.AF_INET, socket.AF_INET6) or s.type != socket.SOCK_STREAM:
            return False
        if not isinstance(address, tuple) or len(address) < 2 or not isinstance(address[1], int):
            return False
        return address[0] == "localhost" or is_loopback(address[0])

    def bind(self, address):
        if not lent(self, address):
            return real_bind(self, address)
        code = ask(self, _BIND, address)
        if code:
            raise OSError(code, f"{os.strerror(code)}: {address!r}")

    def connect(self, address):
        if not lent(self, address):
            return real_connect(self, address)
        code = ask(self, _CONNECT, address)
        if code:
            raise OSError(code, os.strerror(code))

    def connect_ex(self, address):
        if not lent(self, address):
            return real_connect_ex(self, address)
        return ask(self, _CONNECT, address)

    socket.socket.bind, socket.socket.connect, socket.socket.connect_ex = bind, connect, connect_ex
