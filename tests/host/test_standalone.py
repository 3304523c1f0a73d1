"""A flashed application booted with no host program: it runs from what flash() kept, its Scripts
do their work (here: write to the storage folder), its XLink streams lead nowhere."""
import pytest

import oakling as dai
from oakling.host import standalone
from oakling.host.state import DeviceState

SCRIPT = """
for k in range(5):
    frame = node.io['frames'].get()
    with open('/media/mmcsd-0-0/booted.txt', 'a') as f:
        f.write(f"{frame.getSequenceNum()}\\n")
"""


def flash(pipeline, name="counter"):
    found, info = dai.DeviceBootloader.getFirstAvailableDevice()
    with dai.DeviceBootloader(info) as bl:
        ok, error = bl.flash(pipeline, applicationName=name)
        assert ok, error
        return DeviceState.of(info.getMxId())


def counting_pipeline():
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    cam.setPreviewSize(64, 48)
    script = p.create(dai.node.Script)
    script.setScript(SCRIPT)
    cam.preview.link(script.inputs["frames"])
    xout = p.create(dai.node.XLinkOut)   # nobody reads it: what it gets is dropped
    xout.setStreamName("preview")
    cam.preview.link(xout.input)
    return p


def test_the_flashed_application_boots_and_its_script_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("OAKLING_STORAGE", str(tmp_path / "storage"))
    flash(counting_pipeline())
    lines = []
    ended = standalone.run(seconds=6, log=lines.append)
    assert ended == "ran for 6 s", ended
    assert "booting the flashed application 'counter' (3 nodes)" in lines[0]
    written = (tmp_path / "storage" / "booted.txt").read_text().split()
    assert written == ["0", "1", "2", "3", "4"]


def test_what_flash_keeps_is_what_booting_needs():
    state = flash(counting_pipeline(), name="kept")
    schema, assets, storage, name = standalone.flashed_application(state)
    assert name == "kept" and [node["name"] for _, node in schema["nodes"]] == \
        ["ColorCamera", "Script", "XLinkOut"]
    script_asset = next(entry for key, entry in assets["map"].items() if key.startswith("/node/1/"))
    assert SCRIPT.encode() in storage[script_asset["offset"]:script_asset["offset"] + script_asset["size"]]


def test_nothing_flashed_or_a_description_only_says_to_flash(device_state):
    state = DeviceState(device_state / "x")
    with pytest.raises(RuntimeError, match=r"no application is flashed .* DeviceBootloader.flash\(pipeline\)"):
        standalone.flashed_application(state)
    state.write_json("application", {"applicationName": "old", "pipeline": {}})
    with pytest.raises(RuntimeError, match="keeps only its description"):
        standalone.flashed_application(state)


def test_clearing_the_flash_removes_the_application_and_its_assets():
    state = flash(counting_pipeline())
    assert state.read_data("application")
    found, info = dai.DeviceBootloader.getFirstAvailableDevice()
    with dai.DeviceBootloader(info) as bl:
        assert bl.flashClear() == (True, "")
    assert state.read_json("application") is None and state.read_data("application") is None
