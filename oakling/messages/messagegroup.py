"""`MessageGroup`: several messages under names, sent as one (the Sync node's `out`, MessageDemux's input).

    group = q.get()                          # from sync.out
    group.getMessageNames()                  # ['rgb', 'disparity']
    frame = group["rgb"]                     # an ImgFrame
    for name, msg in group:                  # (name, message) pairs
        print(name, msg.getTimestamp())
    group.getIntervalNs()                    # newest minus oldest device timestamp of its messages
    group.isSynced(10_000_000)               # that interval is at most 10 ms

gen2's `dai.MessageGroup`: `group[name] = msg` adds one (a name already there is replaced); an
unknown name raises IndexError. The group's own sequence number and timestamps are set by whoever
made it (Sync: those of its newest message); it carries no data of its own. On the wire (codec.py)
the members travel inside the group, each with its own type, metadata and bytes.
"""
from .buffer import Buffer
from .datatype import DatatypeEnum


class MessageGroup(Buffer):
    """Named messages sent as one message (gen2 `dai.MessageGroup`)."""

    DATATYPE = DatatypeEnum.MessageGroup

    def __init__(self):
        super().__init__()
        self._group: dict[str, Buffer] = {}

    def __getitem__(self, name: str) -> Buffer:
        try:
            return self._group[name]
        except (KeyError, TypeError):
            raise IndexError(f"MessageGroup has no message {name!r}; it has {self.getMessageNames()}") from None

    def __setitem__(self, name: str, message: Buffer):
        if not isinstance(name, str):
            raise TypeError(f"MessageGroup: a message's name must be a str, got {type(name).__name__}")
        if not isinstance(message, Buffer):
            raise TypeError(f"MessageGroup[{name!r}]: expected a message (dai.Buffer or a subclass), "
                            f"got {type(message).__name__}")
        self._group[name] = message

    def __iter__(self):
        """(name, message) pairs, in the order the messages were added."""
        return iter(list(self._group.items()))

    def getMessageNames(self) -> list:
        return list(self._group)

    def getNumMessages(self) -> int:
        return len(self._group)

    def getIntervalNs(self) -> int:
        """Nanoseconds between the oldest and the newest device timestamp of the messages (0 if empty)."""
        stamps = [m._ts_dev_ns for m in self._group.values()]
        return max(stamps) - min(stamps) if stamps else 0

    def isSynced(self, thresholdNs: int) -> bool:
        """Whether every message lies within `thresholdNs` nanoseconds (getIntervalNs() <= thresholdNs)."""
        return self.getIntervalNs() <= int(thresholdNs)

    def __repr__(self):
        return f"MessageGroup(seq={self._seq}, ts={self.getTimestamp()}, {self.getMessageNames()})"
