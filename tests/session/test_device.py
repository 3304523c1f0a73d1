"""The device's side of a session: what it records and the manifest it writes, and how a replay
hands back recorded messages in step with the cameras."""
import json
import threading
import time

import numpy as np
import pytest

import oakling as dai
from oakling.session import device as session_device
from oakling.session.device import DeviceSession, socket_label
from oakling.session.format import SessionReader, decode_message

SCHEMA = {"nodes": [[0, {"name": "ColorCamera"}]], "connections": []}


def recorded(folder, pictures=3, messages=(0, 2)):
    """A session recorded by DeviceSession: `pictures` CAM_A pictures, and an XLinkIn message after
    each count of pictures in `messages`."""
    options = {"record_session": {"dir": str(folder), "program": "/x/app.py"},
               "cameras": {"0": {"kind": "video", "path": "/x/clip.mp4", "name": "clip.mp4"}}, "realtime": False}
    session = DeviceSession(options, SCHEMA)
    waiting = list(messages)
    for seq in range(pictures + 1):
        while waiting and waiting[0] == seq:
            session.entered("xlinkin/cfg", dai.Buffer().setData([waiting.pop(0)]))
        if seq < pictures:
            session.picture(0, seq, 1000 + seq, np.full((2, 4, 3), seq, np.uint8))
            session.left("out", dai.Buffer().setData([seq]).setSequenceNum(seq))
    session.close()
    session.close()   # once
    return folder


def test_a_recording_holds_pictures_messages_and_a_manifest(tmp_path):
    folder = recorded(tmp_path / "rec")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["program"] == "/x/app.py" and manifest["schema"] == SCHEMA and manifest["realtime"] is False
    assert manifest["sources"] == {"CAM_A": {"source": {"kind": "video", "path": "/x/clip.mp4", "name": "clip.mp4"},
                                             "pictures": 3}}
    assert manifest["streams"] == {"xlinkin": {"cfg": 2}, "xlinkout": {"out": 3}, "imu": {}}
    reader = SessionReader(folder)
    assert [(r["seq"], r["ts"]) for r in reader.records("camera/CAM_A")] == [(0, 1000), (1, 1001), (2, 1002)]
    assert [r["after"] for r in reader.records("xlinkin/cfg")] == [0, 2]
    assert [decode_message(r).getSequenceNum() for r in reader.records("xlinkout/out")] == [0, 1, 2]
    assert reader.calibration()["boardName"]


def test_a_new_recording_replaces_the_old_manifest_at_once(tmp_path):
    folder = recorded(tmp_path / "rec")
    DeviceSession({"record_session": {"dir": str(folder)}}, SCHEMA)   # never closed: a device killed
    assert not (folder / "manifest.json").exists()


def test_a_replay_hands_messages_over_after_their_pictures(tmp_path):
    folder = recorded(tmp_path / "rec")
    replay = DeviceSession({"replay": {"dir": str(folder)}}, SCHEMA)
    assert replay.replays("xlinkin/cfg") and not replay.replays("xlinkin/other") and not replay.recording
    got = []
    thread = threading.Thread(target=lambda: got.extend(
        (m.getData()[0], replay._pictures) for m in replay.replayed("xlinkin/cfg", threading.Event())))
    thread.start()
    time.sleep(0.2)
    assert [g[0] for g in got] == [0]          # the second waits for two pictures
    replay.picture(0, 0, 0, None)
    time.sleep(0.2)
    assert len(got) == 1
    replay.picture(0, 1, 0, None)
    thread.join(2)
    assert got == [(0, 0), (2, 2)]


def test_a_replay_whose_cameras_stall_stops_waiting_for_them(tmp_path, monkeypatch):
    monkeypatch.setattr(session_device, "STALL_S", 0.3)
    folder = recorded(tmp_path / "rec", messages=(1, 2, 3))
    replay = DeviceSession({"replay": {"dir": str(folder)}}, SCHEMA)
    start = time.monotonic()
    assert [m.getData()[0] for m in replay.replayed("xlinkin/cfg", threading.Event())] == [1, 2, 3]
    assert time.monotonic() - start < 1.5   # one stall, not one per message


def test_a_replay_ends_when_the_device_stops(tmp_path):
    folder = recorded(tmp_path / "rec", messages=(2,))
    replay = DeviceSession({"replay": {"dir": str(folder)}}, SCHEMA)
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    assert list(replay.replayed("xlinkin/cfg", stop)) == []


@pytest.mark.parametrize("socket,name", [(0, "CAM_A"), (2, "CAM_C"), (7, "CAM_H")])
def test_socket_labels(socket, name):
    assert socket_label(socket) == name


def test_a_replays_cameras_wait_for_the_messages_recorded_before_their_next_picture(tmp_path):
    folder = recorded(tmp_path / "rec", pictures=3, messages=(0, 2))
    replay = DeviceSession({"replay": {"dir": str(folder)}}, SCHEMA)
    assert replay.will_replay("xlinkin/cfg") and not replay.will_replay("xlinkin/other")
    stop, order = threading.Event(), []

    def camera():
        for seq in range(3):
            assert replay.before_picture(stop)
            order.append(f"picture {seq}")
            replay.picture(0, seq, 0, None)

    def xlinkin():
        for msg in replay.replayed("xlinkin/cfg", stop):
            order.append(f"message after {msg.getData()[0]}")
            time.sleep(0.05)   # a slow sender: the camera still waits for it

    threads = [threading.Thread(target=camera), threading.Thread(target=xlinkin)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert order == ["message after 0", "picture 0", "picture 1", "message after 2", "picture 2"]


def test_a_camera_waits_for_no_stream_nobody_replays(tmp_path):
    folder = recorded(tmp_path / "rec", messages=(0,))
    replay = DeviceSession({"replay": {"dir": str(folder)}}, SCHEMA)   # no worker said it will replay cfg
    start = time.monotonic()
    assert replay.before_picture(threading.Event()) and time.monotonic() - start < 0.5
