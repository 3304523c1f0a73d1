"""fcntl as a LEON_CSS script sees it: the OAK's SIOCGIFADDR request answered, the rest the kernel's."""
import array
import socket
import struct

import pytest

from oakling.script import device_fcntl, whitelist
from oakling.script.network import ANY_ADDRESS, LOOPBACK

OAK_REQUEST = -1071617759   # as gen2's scripts write it


def ask(module, interface, arg_type=bytes):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        arg = arg_type(struct.pack("256s", interface.encode()))
        answer = module.ioctl(s.fileno(), OAK_REQUEST, arg)
    return arg if answer == 0 else answer


def test_a_loopback_script_is_told_the_address_the_host_reaches_it_at():
    answer = ask(device_fcntl.module(LOOPBACK), "re0")
    assert len(answer) == 256 and answer[:3] == b"re0"
    assert answer[17] == socket.AF_INET and socket.inet_ntoa(answer[20:24]) == "127.0.0.1"


def test_a_mutable_buffer_is_filled_in_place():
    answer = ask(device_fcntl.module(LOOPBACK), "eth0", bytearray)
    assert socket.inet_ntoa(bytes(answer[20:24])) == "127.0.0.1"


def test_with_any_network_the_named_interface_or_the_outgoing_address_is_given():
    module = device_fcntl.module(ANY_ADDRESS)
    assert socket.inet_ntoa(ask(module, "lo")[20:24]) == "127.0.0.1"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))
            outgoing = s.getsockname()[0]
        except OSError:
            outgoing = "127.0.0.1"
    assert socket.inet_ntoa(ask(module, "no-such-if")[20:24]) == outgoing


def test_other_requests_reach_the_kernel():
    module = device_fcntl.module(LOOPBACK)
    a, b = socket.socketpair()
    with a, b:
        a.sendall(b"12345")
        waiting = array.array("i", [0])
        module.ioctl(b.fileno(), 0x541B, waiting)   # FIONREAD
        assert waiting[0] == 5
        with pytest.raises(OSError):
            module.ioctl(b.fileno(), 0x8915, struct.pack("256s", b"no-such-if"))


def test_fcntl_is_on_leon_css_only():
    assert whitelist.allowed("fcntl", whitelist.LEON_CSS)
    with pytest.raises(ImportError, match="fcntl"):
        whitelist.check("fcntl", whitelist.LEON_MSS)
