"""The recorded session's files: `session.mcap` (MCAP, every record msgpack-encoded) and
`manifest.json`.

    writer = SessionWriter("run1/session.mcap")
    writer.add(camera_topic("CAM_A"), ts_ns, encode_picture(picture, seq, ts_ns))
    writer.close()
    reader = SessionReader("run1")          # RecordingError names the file and the fix
    for record in reader.records(camera_topic("CAM_A")): ...

Channels (MCAP topics), one per thing that entered or left the device:

    camera/<SOCKET>     the pictures a camera's source gave the capture loop, in order:
                        {"seq", "ts", "format": "bgr"|"gray"|"yuv420", "width", "height", "planes": [bytes]}
                        (raw planes, uint8, row by row: lossless, so a replay is bit-exact)
    xlinkin/<stream>    the messages the host sent into an XLinkIn stream, with "after": how many
                        camera pictures the device had taken when each arrived
    xlinkout/<stream>   the messages the device sent to the host
    imu/<node>          the IMU packets an IMU node sent

A message record is {"datatype", "type", "meta", "payload"}: the wire codec's datatype id,
metadata list and payload bytes (messages/codec.py), so it decodes to the same message. MCAP's
chunks are zstd-compressed. The calibration is the attachment `calibration.json`.
"""
from __future__ import annotations

import json
import os
import threading

import msgpack

MCAP_NAME = "session.mcap"
MANIFEST_NAME = "manifest.json"
FORMAT = "oakling-session"
FORMAT_VERSION = 1
ENCODING = "msgpack"          # one of MCAP's well-known message encodings (schemaless)
CALIBRATION_NAME = "calibration.json"
_RECORD_HELP = "record one with `oakling run --record-session DIR prog.py` (or dai.Device(pipeline, record_session=DIR))"


class RecordingError(RuntimeError):
    """A recording that cannot be read or written: missing, damaged, or not an oakling session."""


def camera_topic(socket_name: str) -> str:
    return f"camera/{socket_name}"


def xlinkin_topic(stream: str) -> str:
    return f"xlinkin/{stream}"


def xlinkout_topic(stream: str) -> str:
    return f"xlinkout/{stream}"


def imu_topic(node_label: str) -> str:
    return f"imu/{node_label}"


# -- records --

def _planes_bytes(array) -> bytes:
    import numpy as np
    return np.ascontiguousarray(array).tobytes()


def encode_picture(picture, seq: int, ts_ns: int) -> bytes:
    """A camera source's picture (BGR H×W×3 or grey H×W uint8 array, Yuv420 planes, or a ToF
    sensor's H×W×3 uint16 planes: sources/tof_scene.py), losslessly."""
    if hasattr(picture, "y") and hasattr(picture, "u"):   # sources.picture.Yuv420
        fmt, planes = "yuv420", [picture.y, picture.u, picture.v]
        height, width = picture.y.shape[:2]
    elif picture.ndim == 3 and picture.shape[2] == 3 and str(picture.dtype) == "uint16":
        fmt, planes = "tof", [picture]
        height, width = picture.shape[:2]
    else:
        fmt = "gray" if picture.ndim == 2 else "bgr"
        planes = [picture]
        height, width = picture.shape[:2]
    if fmt != "tof" and any(str(p.dtype) != "uint8" for p in planes):
        raise RecordingError(f"cannot record a {planes[0].dtype} picture: camera pictures are uint8")
    return msgpack.packb({"seq": int(seq), "ts": int(ts_ns), "format": fmt, "width": int(width),
                          "height": int(height), "planes": [_planes_bytes(p) for p in planes]}, use_bin_type=True)


def picture_planes(record: dict) -> tuple[str, list]:
    """(format, planes as arrays: uint8, or uint16 for "tof") of a picture record; read-only views
    of its bytes."""
    import numpy as np
    fmt, w, h = record["format"], record["width"], record["height"]
    shapes = {"bgr": [(h, w, 3)], "gray": [(h, w)], "yuv420": [(h, w), (h // 2, w // 2), (h // 2, w // 2)],
              "tof": [(h, w, 3)]}
    if fmt not in shapes or len(record["planes"]) != len(shapes[fmt]):
        raise RecordingError(f"unknown picture format {fmt!r} with {len(record['planes'])} planes")
    planes = []
    for data, shape in zip(record["planes"], shapes[fmt]):
        array = np.frombuffer(data, np.uint16 if fmt == "tof" else np.uint8)
        if array.size != int(np.prod(shape)):
            raise RecordingError(f"a {fmt} picture of {w}×{h} has a plane of {array.size} bytes, expected "
                                 f"{int(np.prod(shape))}")
        planes.append(array.reshape(shape))
    return fmt, planes


def encode_message(msg, metadata_only: bool = False, **extra) -> bytes:
    """A device message as the wire codec carries it (datatype id, metadata, payload)."""
    from ..messages import codec
    datatype, meta, payload = codec.encode(msg)
    return msgpack.packb({"datatype": int(datatype), "type": type(msg).__name__, "meta": meta,
                          "payload": b"" if metadata_only else _planes_bytes(payload), **extra},
                         use_bin_type=True)


def decode_message(record: dict):
    """The message a message record holds (its payload a writable copy)."""
    import numpy as np
    from ..messages import codec
    return codec.decode(record["datatype"], record["meta"], np.frombuffer(record["payload"], np.uint8).copy())


# -- the MCAP file --

class SessionWriter:
    """Appends records to one MCAP file from any thread; each topic gets its channel on first use."""

    def __init__(self, path: str, library: str = "oakling"):
        from mcap.writer import CompressionType, Writer
        self.path = path
        try:
            self._file = open(path, "wb")
        except OSError as e:
            raise RecordingError(f"cannot write the recording {path}: {e.strerror} — name a folder you may write "
                                 f"to") from None
        self._writer = Writer(self._file, compression=CompressionType.ZSTD)
        self._writer.start(profile="", library=library)
        self._lock = threading.Lock()
        self._channels: dict[str, int] = {}
        self.counts: dict[str, int] = {}
        self.closed = False

    def add(self, topic: str, log_time_ns: int, data: bytes) -> bool:
        """Append one record; False once the writer is closed."""
        with self._lock:
            if self.closed:
                return False
            channel = self._channels.get(topic)
            if channel is None:
                channel = self._channels[topic] = self._writer.register_channel(topic, ENCODING, 0)
            sequence = self.counts.get(topic, 0)
            self.counts[topic] = sequence + 1
            log_time = max(0, int(log_time_ns))
            self._writer.add_message(channel, log_time, data, log_time, sequence=sequence & 0xFFFFFFFF)
            return True

    def attach(self, name: str, media_type: str, data: bytes, time_ns: int = 0):
        with self._lock:
            if not self.closed:
                self._writer.add_attachment(time_ns, time_ns, name, media_type, data)

    def close(self):
        with self._lock:
            if self.closed:
                return
            self.closed = True
            try:
                self._writer.finish()
            finally:
                self._file.close()


def read_manifest(folder: str) -> dict:
    """The manifest of the recording in `folder`; RecordingError saying what is wrong and what to do."""
    folder = os.path.abspath(os.fspath(folder))
    path = os.path.join(folder, MANIFEST_NAME)
    if not os.path.isdir(folder):
        raise RecordingError(f"no recording at {folder}: the folder does not exist — {_RECORD_HELP}")
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except FileNotFoundError:
        raise RecordingError(f"{path} is missing: {folder} holds no finished recording (a device that did not "
                             f"close leaves none) — {_RECORD_HELP}") from None
    except (OSError, ValueError) as e:
        raise RecordingError(f"{path} cannot be read ({e}) — record the session again") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise RecordingError(f"{path} is not an oakling session manifest (no \"format\": \"{FORMAT}\") — "
                             f"{_RECORD_HELP}")
    if manifest.get("version") != FORMAT_VERSION:
        raise RecordingError(f"{path}: recording format version {manifest.get('version')!r}, this oakling reads "
                             f"version {FORMAT_VERSION} — record it again with this oakling")
    return manifest


def write_manifest(folder: str, manifest: dict):
    path = os.path.join(folder, MANIFEST_NAME)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"format": FORMAT, "version": FORMAT_VERSION, **manifest}, f, indent=1, sort_keys=True,
                  default=str)
    os.replace(tmp, path)


class SessionReader:
    """A finished recording: its manifest and its records, topic by topic, in recorded order."""

    def __init__(self, folder):
        self.folder = os.path.abspath(os.fspath(folder))
        self.manifest = read_manifest(self.folder)
        self.path = os.path.join(self.folder, MCAP_NAME)
        if not os.path.isfile(self.path):
            raise RecordingError(f"{self.path} is missing — the recording in {self.folder} is incomplete; "
                                 f"record it again")
        with self._reader() as reader:
            summary = self._checked(lambda: reader.get_summary())
            if summary is None:
                raise RecordingError(f"{self.path} has no summary: the recording was not closed properly "
                                     f"(the device process was killed?) — record it again")
            self.topics = {channel.topic: int(summary.statistics.channel_message_counts.get(cid, 0))
                           if summary.statistics else 0 for cid, channel in summary.channels.items()}

    def _checked(self, read):
        try:
            return read()
        except RecordingError:
            raise
        except Exception as e:   # the mcap package raises many kinds for a damaged file
            raise RecordingError(f"{self.path} is damaged ({type(e).__name__}: {e}) — record the session "
                                 f"again") from None

    class _Open:
        def __init__(self, path):
            from mcap.reader import make_reader
            self.file = open(path, "rb")
            self.reader = make_reader(self.file)

        def __enter__(self):
            return self.reader

        def __exit__(self, *exc):
            self.file.close()

    def _reader(self):
        try:
            return self._Open(self.path)
        except Exception as e:
            raise RecordingError(f"{self.path} is not an MCAP file ({type(e).__name__}: {e}) — record the "
                                 f"session again") from None

    def records(self, topic: str):
        """The decoded (msgpack) records of `topic`, in the order they were recorded. The file is
        read front to back, one chunk in memory at a time (the seeking reader would decompress
        every chunk before it gave the first message in recorded order)."""
        if topic not in self.topics:
            return
        from mcap.reader import NonSeekingReader
        with open(self.path, "rb") as f:
            reader = self._checked(lambda: NonSeekingReader(f))
            messages = self._checked(lambda: reader.iter_messages(topics=[topic], log_time_order=False))
            while True:
                item = self._checked(lambda: next(messages, None))
                if item is None:
                    return
                yield self._checked(lambda: msgpack.unpackb(item[2].data, raw=False))

    def calibration(self) -> dict | None:
        """The device's calibration when it was recorded (gen2's calibration JSON), if recorded."""
        with self._reader() as reader:
            for attachment in self._checked(lambda: list(reader.iter_attachments())):
                if attachment.name == CALIBRATION_NAME:
                    return json.loads(bytes(attachment.data).decode("utf-8"))
        return None

    def streams(self, prefix: str) -> list[str]:
        """The names of the recorded streams of one kind ("camera/", "xlinkin/", "xlinkout/", "imu/")."""
        return sorted(t[len(prefix):] for t in self.topics if t.startswith(prefix))
