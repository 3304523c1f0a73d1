"""`fcntl` as a LEON_CSS script sees it: the real module, except that `ioctl` answers the OAK's
own request for an interface's address.

gen2's network scripts print where their server is with `fcntl.ioctl(sock, SIOCGIFADDR, ifreq)`,
using the request number of the OAK's own network stack (0xC0206921, written -1071617759), which
Linux does not know. Here that request is answered with the address where this machine's programs
reach the script: 127.0.0.1 for a loopback-only script, and with `script_network="any"` the named
interface's address (or, for a name this machine lacks, the address it reaches other hosts from).
Every other request goes to the kernel as it is.
"""
from __future__ import annotations

import fcntl
import socket
import struct
import types

from .network import ANY_ADDRESS

OAK_SIOCGIFADDR = 0xC0206921   # _IOWR('i', 33, struct ifreq) on the OAK
_LINUX_SIOCGIFADDR = 0x8915
_IFNAMSIZ = 16


def _interface_address(name: bytes, network: str) -> str:
    if network != ANY_ADDRESS:
        return "127.0.0.1"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            answer = fcntl.ioctl(s.fileno(), _LINUX_SIOCGIFADDR, struct.pack("256s", name[:_IFNAMSIZ - 1]))
            return socket.inet_ntoa(answer[20:24])
        except OSError:
            pass
        try:
            s.connect(("192.0.2.1", 9))   # a documentation address: only a route is chosen, nothing is sent
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def module(network: str) -> types.ModuleType:
    """The `fcntl` module a LEON_CSS script imports; `network` is the Device's script_network."""
    real_ioctl = fcntl.ioctl
    device = types.ModuleType("fcntl", fcntl.__doc__)
    device.__dict__.update({k: v for k, v in vars(fcntl).items() if not k.startswith("__")})

    def ioctl(fd, request, arg=0, mutate_flag=True):
        if request & 0xFFFFFFFF != OAK_SIOCGIFADDR:
            return real_ioctl(fd, request, arg, mutate_flag)
        request_bytes = bytes(arg.encode() if isinstance(arg, str) else arg)
        name = request_bytes[:_IFNAMSIZ].split(b"\0", 1)[0]
        address = socket.inet_aton(_interface_address(name, network))
        # struct ifreq as the OAK fills it: the name, then a BSD sockaddr_in (length, family, port, address)
        answer = request_bytes[:_IFNAMSIZ].ljust(_IFNAMSIZ, b"\0") + bytes([16, socket.AF_INET, 0, 0]) + address
        answer = answer.ljust(max(len(request_bytes), len(answer)), b"\0")
        if isinstance(arg, bytearray) and mutate_flag:
            arg[:] = answer[:len(arg)]
            return 0
        return answer

    ioctl.__doc__ = real_ioctl.__doc__
    device.ioctl = ioctl
    return device
