"""What the link tests share: two ends of one link in this process."""
import socket

import pytest

from oakling.link.link import Link


@pytest.fixture
def pair():
    """(sender, receiver) over a fresh socketpair; both closed afterwards."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    links = Link(a, "tx"), Link(b, "rx")
    yield links
    for link in links:
        link.close()
