"""The local device's identity: an id shaped like an OAK's MxId, stable on one machine.

The host shows it (`DeviceInfo.getMxId()`), and Script nodes' storage folders are kept per device id.
"""
from __future__ import annotations

import hashlib
import socket


def local_mxid() -> str:
    """A stable 18-character id for this machine's device, shaped like an OAK's MxId."""
    try:
        with open("/etc/machine-id") as f:
            seed = f.read().strip()
    except OSError:
        seed = socket.gethostname()
    return hashlib.sha1(f"oakling:{seed}".encode()).hexdigest()[:16].upper() + "00"
