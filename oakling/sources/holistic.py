"""Cameras fed from a DepthAI v3 holistic recording: the archive `DEPTHAI_RECORD` makes on a real
OAK, so a run recorded on a camera replays on oakling.

    dai.Device(pipeline, replay="recording_2026-01-31_10-00-00.tar")   # or OAKLING_REPLAY, --replay

The layout read (depthai-core v3's holistic record, RVC2 and RVC4): a tar archive (or the folder
it was made from) holding, at its top or under one folder,

    Camera<SOCKET>.mp4     one video per camera node, e.g. CameraCAM_A.mp4 (.avi when the
                           recording's video encoding was off)
    Camera<SOCKET>.mcap    the same frames' metadata: MCAP, one protobuf `dai.proto.img_frame.ImgFrame`
                           per frame, in order (sequence number, timestamps, size)
    calibration.json       the device's calibration (gen2's EEPROM JSON)
    record_config.json     how it was recorded (not needed to replay)

Each camera takes every frame of its video in order; `stamp()` gives the recorded sequence number
and timestamp of each (the host-synced `ts`, else `tsDevice`), or the camera's own when the
metadata has fewer frames than the video. The pictures are the video's decoded frames (lossy if
the recording was), so such a replay is as exact as its video. IMU.mcap and other non-camera
streams of the archive are not read.
"""
from __future__ import annotations

import os
import re
import shutil
import tarfile
import tempfile

from .picture import SourceError

_MEMBER = re.compile(r"(?:^|/)Camera(CAM_[A-H])\.(mp4|avi|mcap)$")
_HELP = ("expected a DepthAI v3 holistic recording: a .tar (or its folder) with Camera<SOCKET>.mp4 and "
         "Camera<SOCKET>.mcap per camera and calibration.json")


def is_holistic(path: str) -> bool:
    """True for a tar archive, or a folder holding a record_config.json and no oakling manifest."""
    if os.path.isfile(path):
        return tarfile.is_tarfile(path)
    return os.path.isfile(os.path.join(path, "record_config.json")) and \
        not os.path.isfile(os.path.join(path, "manifest.json"))


def _names(path: str) -> list[str]:
    if os.path.isdir(path):
        found = []
        for root, _, files in os.walk(path):
            found += [os.path.relpath(os.path.join(root, f), path).replace(os.sep, "/") for f in files]
        return found
    try:
        with tarfile.open(path) as tar:
            return [m.name for m in tar.getmembers() if m.isfile()]
    except (tarfile.TarError, OSError) as e:
        raise SourceError(f"{path}: cannot read the archive ({e}) — {_HELP}") from None


def _read(path: str, name: str) -> bytes:
    if os.path.isdir(path):
        with open(os.path.join(path, name), "rb") as f:
            return f.read()
    with tarfile.open(path) as tar:
        return tar.extractfile(name).read()


def read_archive(path: str) -> dict:
    """{"cameras": {"CAM_A": {"video": member, "metadata": member or None}}, "calibration": JSON or
    None} of a holistic recording; SourceError naming the file for anything unusable."""
    names = _names(path)
    cameras: dict[str, dict] = {}
    for name in names:
        match = _MEMBER.search(name)
        if match:
            entry = cameras.setdefault(match.group(1), {"video": None, "metadata": None})
            entry["metadata" if match.group(2) == "mcap" else "video"] = name
    cameras = {k: v for k, v in cameras.items() if v["video"]}
    if not cameras:
        raise SourceError(f"{path}: no camera video in it (found {', '.join(sorted(names)[:8]) or 'nothing'}) — "
                          f"{_HELP}")
    calibration = None
    member = next((n for n in names if n.rsplit("/", 1)[-1] == "calibration.json"), None)
    if member is not None:
        import json
        try:
            calibration = json.loads(_read(path, member))
        except ValueError as e:
            raise SourceError(f"{path}: {member} is not JSON ({e}) — {_HELP}") from None
    return {"cameras": cameras, "calibration": calibration}


# -- protobuf, just enough for ImgFrame's sequence number and timestamps --

def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data):
            raise ValueError("a varint runs past the end")
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at += 1
        if byte < 0x80:
            return value, at
        shift += 7


def proto_fields(data: bytes) -> dict[int, list]:
    """{field number: [values]} of one protobuf message: varints as ints, length-delimited fields as
    bytes (fixed-width fields are skipped)."""
    fields: dict[int, list] = {}
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = _varint(data, at)
        elif wire == 2:
            size, at = _varint(data, at)
            value, at = bytes(data[at:at + size]), at + size
        elif wire in (1, 5):
            at += 8 if wire == 1 else 4
            continue
        else:
            raise ValueError(f"unknown protobuf wire type {wire}")
        fields.setdefault(number, []).append(value)
    if at != len(data):
        raise ValueError("a field runs past the end")
    return fields


def _timestamp_ns(data: bytes | None) -> int | None:
    if data is None:
        return None
    t = proto_fields(data)
    return t.get(1, [0])[0] * 1_000_000_000 + t.get(2, [0])[0]


def frame_stamp(data: bytes) -> tuple[int, int | None]:
    """(sequence number, timestamp ns or None) of a protobuf dai.proto.img_frame.ImgFrame:
    ts = 1, tsDevice = 2 (Timestamp: sec = 1, nsec = 2), sequenceNum = 3."""
    f = proto_fields(data)
    ts = _timestamp_ns(f.get(1, [None])[0])
    if not ts:
        ts = _timestamp_ns(f.get(2, [None])[0])
    return f.get(3, [0])[0], ts


class HolisticSource:
    """One camera of a holistic recording (the source interface of sources/__init__.py)."""

    static = False

    def __init__(self, path: str, camera: str, *, gray: bool = False, name: str | None = None):
        from .video import VideoSource
        entry = read_archive(path)["cameras"].get(camera)
        if entry is None:
            raise SourceError(f"{path}: no {camera} camera in this recording — {_HELP}")
        self.name = name or f"{os.path.basename(path)} {camera}"
        self._folder = tempfile.mkdtemp(prefix="oakling-holistic-")
        try:
            video = os.path.join(self._folder, "video" + os.path.splitext(entry["video"])[1])
            with open(video, "wb") as f:
                f.write(_read(path, entry["video"]))
            self._stamps = self._metadata(path, entry["metadata"])
            self._video = VideoSource(video, gray=gray, loop=False, name=self.name)
        except BaseException:
            shutil.rmtree(self._folder, ignore_errors=True)
            raise
        self._stamp = None

    def _metadata(self, path: str, member: str | None) -> list:
        if member is None:
            return []
        import io
        from mcap.reader import make_reader
        try:
            reader = make_reader(io.BytesIO(_read(path, member)))
            return [frame_stamp(m.data) for _, _, m in reader.iter_messages(log_time_order=False)]
        except Exception as e:
            raise SourceError(f"{path}: {member} cannot be read ({type(e).__name__}: {e}) — {_HELP}") from None

    @property
    def frames(self) -> int:
        return self._video.frames

    @property
    def width(self):
        return self._video.width

    @property
    def height(self):
        return self._video.height

    def set_output_size(self, width: int, height: int):
        self._video.set_output_size(width, height)

    def read(self):
        picture = self._video.read()
        index = self._video.frames - 1
        self._stamp = self._stamps[index] if picture is not None and index < len(self._stamps) else None
        return picture

    def read_at(self, t: float):
        return self.read()   # a replay takes every frame

    def stamp(self, seq: int, now_ns: int) -> tuple[int, int]:
        if self._stamp is None:
            return seq, now_ns
        number, ts = self._stamp
        return number, now_ns if ts is None else ts

    def close(self):
        self._video.close()
        shutil.rmtree(self._folder, ignore_errors=True)
