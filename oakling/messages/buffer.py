"""`Buffer`: the base of every message — a byte payload plus sequence number and two timestamps.

    buf = dai.Buffer()
    buf.setData([1, 2, 3]).setSequenceNum(7)
    buf.getData()          # array([1, 2, 3], dtype=uint8), the message's own bytes (no copy)

Internal state, read directly by the runtime and the wire codec:
`_data` (1-D contiguous uint8 array), `_seq` (int), `_ts_ns` and `_ts_dev_ns` (int ns on `clock.now_ns()`'s clock).
"""
import numpy as np

from . import clock
from ._args import as_int
from .datatype import DatatypeEnum


def _empty() -> np.ndarray:
    return np.empty(0, dtype=np.uint8)


def to_byte_array(value, what: str) -> np.ndarray:
    """A fresh 1-D uint8 array holding `value`'s bytes.

    NumPy arrays and bytes-like objects give their raw bytes; lists, tuples and scalars are cast
    value by value to uint8 (gen2's rule for lists: 300 becomes 44, True becomes 1)."""
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise TypeError(f"{what}: expected a numeric NumPy array, got dtype {value.dtype}")
        return np.ascontiguousarray(value).reshape(-1).view(np.uint8).copy()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return np.frombuffer(value, dtype=np.uint8).copy()
    if isinstance(value, (list, tuple, range, int, float, np.generic)):
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{what}: expected numbers, got a {type(value).__name__} holding {arr.dtype} values")
        with np.errstate(invalid="ignore"):
            return arr.reshape(-1).astype(np.uint8)
    raise TypeError(f"{what}: expected a list of ints, a NumPy array, bytes or a bool, got {type(value).__name__}")


class Buffer:
    """A message with an opaque byte payload (gen2 `dai.Buffer`). New messages are stamped with `Clock.now()`."""

    DATATYPE = DatatypeEnum.Buffer

    def __init__(self):
        self._data = _empty()
        self._seq = 0
        self._ts_ns = clock.now_ns()
        self._ts_dev_ns = 0

    # data
    def getData(self) -> np.ndarray:
        """The payload itself (a view: writing into it changes the message)."""
        return self._data

    def setData(self, data):
        """Copy `data` in: a list of ints, a NumPy array (its bytes), bytes/bytearray/memoryview, or a bool.

        gen2 2.33 rejects `bytes`; we accept it as an extension."""
        self._data = to_byte_array(data, f"{type(self).__name__}.setData")
        return self

    # sequence number and timestamps
    def getSequenceNum(self) -> int:
        return self._seq

    def setSequenceNum(self, seq):
        self._seq = as_int(seq, f"{type(self).__name__}.setSequenceNum")
        return self

    def getTimestamp(self):
        """Host-synced time of the message, a `datetime.timedelta` on `dai.Clock.now()`'s base."""
        return clock.to_timedelta(self._ts_ns)

    def getTimestampDevice(self):
        """Device time of the message (device boot based in gen2), a `datetime.timedelta`."""
        return clock.to_timedelta(self._ts_dev_ns)

    def setTimestamp(self, timestamp):
        """Set from a `datetime.timedelta` or float seconds (gen2 examples pass `time.monotonic()`)."""
        self._ts_ns = clock.to_ns(timestamp)
        return self

    def setTimestampDevice(self, timestamp):
        self._ts_dev_ns = clock.to_ns(timestamp)
        return self

    def _keep_time_of(self, source: "Buffer"):
        """Carry `source`'s sequence number and timestamps (a result of it, made on the device)."""
        self._seq, self._ts_ns, self._ts_dev_ns = source._seq, source._ts_ns, source._ts_dev_ns
        return self

    def __repr__(self):
        return f"{type(self).__name__}(seq={self._seq}, ts={self.getTimestamp()}, {self._data.size} bytes)"
