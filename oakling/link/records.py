"""What `Link.recv()` returns: a message, a control record, or the stream's end; and the loop that
reads a link's messages up to its end.

Readers tell records apart by class (`type(record) is Message`): records are never subclassed,
and a type check is as cheap as the string tags they replace.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Message:
    """A decoded message (`Buffer`, `ImgFrame`, ...)."""
    message: object


@dataclass(slots=True)
class Control:
    """A control record: the object given to `send_control` (a dict with an "op", between oakling's
    processes), its payload bytes, and the file descriptors that came with it (now this process's)."""
    body: object
    payload: bytes = b""
    fds: list[int] = field(default_factory=list)

    @property
    def op(self) -> str | None:
        """The body's "op", or None when it has none (the body is not a dict, or its op not a string)."""
        body = self.body
        op = body.get("op") if type(body) is dict else None
        return op if type(op) is str else None


@dataclass(slots=True)
class End:
    """The sender ended the stream, saying why ("" if it did not)."""
    reason: str = ""


class MessagesUntilEnd:
    """The messages a link brings, up to its end record; control records in between are skipped.

        incoming = MessagesUntilEnd(link)
        for msg in incoming:       # LinkClosed if the link breaks before its end
            ...
        incoming.reason            # the end's reason, once the loop has run to the end; else None
    """
    __slots__ = ("link", "reason")

    def __init__(self, link):
        self.link = link
        self.reason: str | None = None

    def __iter__(self):
        recv = self.link.recv
        while True:
            record = recv()
            if type(record) is Message:
                yield record.message
            elif type(record) is End:
                self.reason = record.reason
                return
