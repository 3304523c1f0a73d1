"""What the device process does with a session: record what enters and leaves it, and hand a
replay's recorded host messages and IMU packets back in their recorded order.

The runtime makes one `DeviceSession` when the device options ask for a recording
(`record_session`) or a replay (`replay`), and gives it to every worker (`ctx.session`):

    session.picture(socket, seq, ts_ns, picture)   # a camera took a picture from its source
    session.entered(topic, msg)                    # a message from outside (XLinkIn, IMU) entered
    session.left(stream, msg, metadata_only)       # XLinkOut sent a message to the host
    for msg in session.replayed(topic): ...        # a replay: the recorded messages of that topic

Order between cameras and the other inputs: each entering message is recorded with the number of
camera pictures the device had taken when it arrived (`after`). A replay hands it over once the
replay's cameras have taken as many (`replayed` waits), and a camera takes its next picture only
once every message recorded before it has been handed over (`before_picture` waits), so the
pictures and messages enter the pipeline in the recorded order. A replay in which nothing moves
for `STALL_S` (a camera or stream the program no longer reads) stops waiting for good.
"""
from __future__ import annotations

import datetime
import math
import os
import threading

from .format import (CALIBRATION_NAME, MCAP_NAME, SessionReader, SessionWriter, camera_topic, decode_message,
                     encode_message, encode_picture, write_manifest, xlinkout_topic)

STALL_S = 2.0
WAIT_SLICE_S = 0.1


def socket_label(socket: int) -> str:
    from ..messages.enums import CameraBoardSocket
    try:
        return CameraBoardSocket(int(socket)).name
    except ValueError:
        return f"socket{int(socket)}"


class DeviceSession:
    def __init__(self, options: dict, schema: dict, clock=None):
        from ..runtime.clock import REAL_CLOCK
        self._options, self._schema = options, schema
        self._clock = clock or REAL_CLOCK
        self._cond = threading.Condition()
        self._pictures = 0
        self._progress = 0                       # moves on every picture and every replayed message
        self._pending: dict[str, float] = {}     # replayed topic -> `after` of its next message to send
        self._stalled = False
        self._closed = False
        self._close_lock = threading.Lock()
        record = options.get("record_session") or {}
        self.folder = record.get("dir")
        self.writer = None
        if self.folder:
            os.makedirs(self.folder, exist_ok=True)
            for stale in ("manifest.json", MCAP_NAME):   # a recording not closed leaves no old manifest behind
                try:
                    os.remove(os.path.join(self.folder, stale))
                except FileNotFoundError:
                    pass
            from ..version import __version__
            self.writer = SessionWriter(os.path.join(self.folder, MCAP_NAME), library=f"oakling {__version__}")
            self._attach_calibration()
        replay = options.get("replay") or {}
        # a DepthAI v3 holistic recording feeds only cameras (sources/holistic.py)
        self.reader = SessionReader(replay["dir"]) if replay.get("dir") and not replay.get("holistic") else None

    def _attach_calibration(self):
        import json
        from ..calibration import calibration_of
        calibration = calibration_of(self._options).eepromToJson()
        self.writer.attach(CALIBRATION_NAME, "application/json", json.dumps(calibration).encode("utf-8"))

    @property
    def recording(self) -> bool:
        return self.writer is not None

    # -- what enters --
    def picture(self, socket: int, seq: int, ts_ns: int, picture):
        if self.writer is not None:
            self.writer.add(camera_topic(socket_label(socket)), ts_ns, encode_picture(picture, seq, ts_ns))
        with self._cond:
            self._pictures += 1
            self._progress += 1
            self._cond.notify_all()

    def entered(self, topic: str, msg):
        if self.writer is not None:
            with self._cond:
                after = self._pictures
            self.writer.add(topic, self._clock.now_ns(), encode_message(msg, after=after))

    # -- what leaves --
    def left(self, stream: str, msg, metadata_only: bool = False):
        if self.writer is not None:
            self.writer.add(xlinkout_topic(stream), self._clock.now_ns(), encode_message(msg, metadata_only))

    # -- replay --
    def replays(self, topic: str) -> bool:
        return self.reader is not None and topic in self.reader.topics

    def will_replay(self, topic: str) -> bool:
        """A worker says, before the pipeline starts, that it will send `topic`'s recorded messages
        (`replayed`): from then on a camera takes no picture before the messages that came before
        it have been sent. True if the recording has that topic."""
        if not self.replays(topic):
            return False
        with self._cond:
            self._pending.setdefault(topic, 0)
        return True

    def replayed(self, topic: str, stop_event: threading.Event):
        """The recorded messages of `topic`, each once the cameras have taken the pictures it came
        after; ends early if the device stops."""
        try:
            for record in self.reader.records(topic):
                after = int(record.get("after", 0))
                with self._cond:   # the cameras wait for this one (the one before it has been sent)
                    self._pending[topic] = after
                    self._progress += 1
                    self._cond.notify_all()
                if not self._wait(lambda: self._pictures >= after, stop_event):
                    return
                yield decode_message(record)
        finally:
            with self._cond:
                self._pending[topic] = math.inf
                self._progress += 1
                self._cond.notify_all()

    def before_picture(self, stop_event: threading.Event) -> bool:
        """A camera of a replay is about to take a picture: wait until every message recorded before
        it has been sent. False if the device stops."""
        return not self._pending or self._wait(
            lambda: all(after > self._pictures for after in self._pending.values()), stop_event)

    def _wait(self, ready, stop_event) -> bool:
        """Wait until `ready()` (under the lock), or until nothing has moved for STALL_S, after which
        no wait of this replay waits again. False if the device stops."""
        with self._cond:
            seen, idle = self._progress, 0.0
            while not ready() and not self._stalled:
                if stop_event.is_set():
                    return False
                self._cond.wait(WAIT_SLICE_S)
                if self._progress == seen:
                    idle += WAIT_SLICE_S
                    if idle >= STALL_S:
                        self._stalled = True
                else:
                    seen, idle = self._progress, 0.0
        return not stop_event.is_set()

    # -- the end --
    def close(self):
        """Finish the MCAP file and write the manifest (once; any thread)."""
        with self._close_lock:   # a second caller waits until the files are whole
            if self._closed:
                return
            self._closed = True
            if self.writer is None:
                return
            self.writer.close()
            write_manifest(self.folder, self.manifest())

    def manifest(self) -> dict:
        from ..version import __version__
        counts = dict(self.writer.counts)

        def kind(prefix):
            return {t[len(prefix):]: n for t, n in sorted(counts.items()) if t.startswith(prefix)}
        cameras = self._options.get("cameras") or {}
        sources = {}
        for name, pictures in kind("camera/").items():
            socket = next((s for s in cameras if socket_label(int(s)) == name), None)
            sources[name] = {"source": cameras.get(socket) or {"kind": "synthetic", "name": "synthetic"},
                             "pictures": pictures}
        record = self._options.get("record_session") or {}
        replay = self._options.get("replay") or {}
        return {
            "oakling": __version__,
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "program": record.get("program"),
            "replay_of": replay.get("dir"),
            "file": MCAP_NAME,
            "realtime": self._options.get("realtime", True),
            "camera_end": self._options.get("camera_end"),
            "sources": sources,
            "streams": {"xlinkin": kind("xlinkin/"), "xlinkout": kind("xlinkout/"), "imu": kind("imu/")},
            "schema": self._schema,
        }
