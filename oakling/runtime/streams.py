"""The host's XLink streams as the device's XLink workers see them.

    stream = ctx.host_streams["preview"]
    stream.send(msg)          # False once the host has gone: nobody is left to send to
    msg = stream.receive()    # the next message from the host; None once the stream has ended
    stream.end(reason)        # tell the host the stream is over (its queue raises StreamEnded)

Workers never see the link beneath: a stream is all an XLink node needs.
"""
from __future__ import annotations

from ..link.held import held_sends
from ..link.link import Link, LinkClosed
from ..link.records import MessagesUntilEnd


class HostStream:
    """One XLink stream, device side."""

    def __init__(self, link: Link):
        self.link = link
        self._incoming = iter(MessagesUntilEnd(link))

    def send(self, msg, metadata_only: bool = False) -> bool:
        """Send `msg` to the host; False if the stream is closed (the host or the device is going)."""
        try:
            self.link.send_message(msg, metadata_only=metadata_only)
        except LinkClosed:
            return False
        return True

    def end(self, reason: str):
        try:
            self.link.send_end(reason)
        except LinkClosed:
            pass

    def forwarding(self):
        """A block in which the thread forwards what it receives: a burst from the host leaves in a
        burst too (link/held.py)."""
        return held_sends()

    def receive(self):
        """The next message from the host, or None once the stream has ended or is closed. One thread
        receives."""
        try:
            return next(self._incoming, None)
        except LinkClosed:
            return None

    def close(self):
        self.link.close()
