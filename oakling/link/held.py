"""Held sends: a thread that forwards a burst of records sends them in a burst too.

    with held_sends():                 # around a loop that receives and forwards
        for msg in MessagesUntilEnd(link_in):
            out.send(msg)              # small records wait in their links ...

Inside, the small records the thread sends (no descriptors, at most HOLD_BYTES) wait in each
link's buffer and leave in one write per link, instead of a system call (and a wake-up of the
reader) each. They leave, in the order the thread first held into each link, as soon as the thread
would wait for anything: a receive that finds nothing more buffered (`Link._recv_into`), an input
that is not a link's (`DeviceOutput.send`), room in a script's queue (`ScriptFeed`), a free
segment; and when it leaves the block. A link holding HOLD_RECORDS sends them. A record is never held behind one sent later on the same link, by any
thread: a send that is not held writes the link's held records first.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager

HOLD_BYTES = 16 << 10   # a larger record leaves at once (after what its link holds)
HOLD_RECORDS = 64       # a link holding this many records sends them


class _Holding(threading.local):
    links = None   # the links this thread holds records in, in the order of the first; None: not holding


holding = _Holding()


@contextmanager
def held_sends():
    """Hold this thread's small sends within the block (the module's doc); nested blocks are one."""
    if holding.links is not None:
        yield
        return
    holding.links = []
    try:
        yield
    finally:
        try:
            release_held()
        finally:
            holding.links = None


def release_held():
    """Send every record this thread holds, now: before it waits for anything."""
    links = holding.links
    if links:
        holding.links = []
        for link in links:
            link.flush_held()


def took(link):
    """Note that the thread holds a record in `link` (call with `holding.links` set)."""
    links = holding.links
    if link not in links:
        links.append(link)
