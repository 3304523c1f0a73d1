"""A camera fed from a recorded session (session/format.py): `Device(pipeline, replay="run1/")`.

    {"kind": "recording", "path": "/abs/run1", "camera": "CAM_A", "name": "run1 CAM_A"}

The camera takes every recorded picture of its socket in order, one per `read()`, and `stamp()`
gives the capture loop each picture's recorded sequence number and timestamp, so the frames it
makes are the recorded run's. Pictures were recorded losslessly (raw planes): a replay is
bit-exact. A replay is offline: the camera goes as fast as the pipeline takes its frames, whatever
the machine's speed. A ToF sensor's camera recorded its planes (three uint16 planes, format "tof")
and replays them to its ToF node.
"""
from __future__ import annotations

from .picture import SourceError, Yuv420


class RecordingSource:
    static = False

    def __init__(self, folder: str, camera: str, *, gray: bool = False, name: str | None = None, tof: bool = False):
        """`tof`: the camera is a ToF sensor, which replays the sensor's recorded planes."""
        from ..session.format import RecordingError, SessionReader, camera_topic
        try:
            reader = SessionReader(folder)
            self._records = reader.records(camera_topic(camera))
        except RecordingError as e:
            raise SourceError(str(e)) from None
        self._error = RecordingError
        self.name = name or f"the recording {folder} ({camera})"
        self.gray, self.tof = gray, tof
        self.frames = 0
        self._stamp = (0, 0)

    def read(self):
        """The next recorded picture (BGR or grey array, or Yuv420 planes), or None at the end."""
        from ..session.format import picture_planes
        try:
            record = next(self._records, None)
            if record is None:
                return None
            fmt, planes = picture_planes(record)
        except self._error as e:
            raise SourceError(f"{self.name}: {e}") from None
        self._stamp = (int(record["seq"]), int(record["ts"]))
        self.frames += 1
        return self._as_wanted(fmt, planes)

    def read_at(self, t: float):
        return self.read()   # a replay takes every picture: it has no wall clock

    def _as_wanted(self, fmt: str, planes: list):
        if fmt == "tof":
            if not self.tof:
                raise SourceError(f"{self.name}: this camera was a ToF sensor when it was recorded — link its raw "
                                  f"output to a ToF node, as the recorded program did")
            return planes[0]
        if self.tof:
            raise SourceError(f"{self.name}: this socket's camera is a ToF sensor now (its raw output feeds a ToF "
                              f"node), but it recorded pictures — replay the program as it was recorded")
        if fmt == "yuv420":
            picture = Yuv420(*planes)
            return picture.y if self.gray else picture
        picture = planes[0]
        if self.gray == (fmt == "gray"):
            return picture
        import cv2   # the program now wants the other kind of picture than the one recorded
        return cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY if self.gray else cv2.COLOR_GRAY2BGR)

    def stamp(self, seq: int, now_ns: int) -> tuple[int, int]:
        """(sequence number, timestamp) the picture just read was recorded with."""
        return self._stamp

    def close(self):
        self._records.close()
