"""Which addresses a LEON_CSS Script's sockets may use: the Device option and its variable.

    dai.Device(pipeline, script_network="any")      # or OAKLING_SCRIPT_NETWORK=any

"loopback" (the default): sockets bind and connect to 127.0.0.1 / ::1 only, and a server bound to
'' or '0.0.0.0' (as gen2's HTTP examples do) listens on 127.0.0.1. "any": what a script on an OAK
may do — bind every interface, connect anywhere, look names up. LEON_MSS scripts have no sockets
either way.
"""
from __future__ import annotations

import os

LOOPBACK, ANY_ADDRESS = "loopback", "any"
MODES = (LOOPBACK, ANY_ADDRESS)
ENV = "OAKLING_SCRIPT_NETWORK"


def network_option(value, environ=os.environ) -> str:
    """The Device's `script_network` (the keyword wins over the environment variable), checked."""
    if value is not None:
        where = "Device(script_network=...)"
    elif environ.get(ENV, "").strip():
        value, where = environ[ENV].strip(), ENV
    else:
        return LOOPBACK
    if value not in MODES:
        raise ValueError(f"{where}: expected 'loopback' (Script sockets on 127.0.0.1/::1 only, the default) "
                         f"or 'any' (every address, as on an OAK), got {value!r}")
    return value
