"""The live view: counters turned into the page's figures (rates, full and blocked links, the slow
consumer, failed nodes), a server on 127.0.0.1 only that escapes what the pipeline names, and the
page in real headless Chromium showing every node of a running pipeline and figures that change."""
import json
import os
import re
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser

import pytest

import oakling as dai
from oakling.host.view import Figures, ViewServer
from oakling.pipeline.graph import pipeline_graph

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_TIMEOUT = 120   # seconds: a loaded machine starts a browser slowly
HOSTILE = "<img src=x onerror=alert(1)>"


def _pipeline(fps=15):
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    cam.setPreviewSize(64, 48)
    cam.setFps(fps)
    manip = p.create(dai.node.ImageManip)
    manip.initialConfig.setResize(32, 24)
    cam.preview.link(manip.inputImage)
    script = p.create(dai.node.Script)
    script.setScript("while True:\n    node.io['out'].send(node.io['in'].get())\n", name=HOSTILE)
    manip.out.link(script.inputs["in"])
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("out")
    script.outputs["out"].link(xout.input)
    return p


def _snapshot(t, taken, sent, fill, blocked=(), error=None):
    """Device counters as runtime/meter.py answers them, for _pipeline()'s first two nodes."""
    return {"time": t, "started": 0.0, "cpu": t / 2, "blocked": list(blocked), "nodes": [
        {"id": 0, "label": "ColorCamera(0)", "taken": 0, "busy": 0.0, "cpu": t / 4, "script_cpu": None,
         "error": None, "inputs": [], "outputs": [{"port": "preview", "sent": sent, "sending": 0.0},
                                                 {"port": "isp", "sent": sent, "sending": 0.0}]},
        {"id": 1, "label": "ImageManip(1)", "taken": taken, "busy": taken * 0.004, "cpu": t / 8, "script_cpu": None,
         "error": error, "outputs": [{"port": "out", "sent": taken, "sending": 0.0}],
         "inputs": [{"port": "inputImage", "received": sent, "dropped": 0, "fill": fill, "size": 8,
                     "blocking": True, "feed": False}]}]}


def test_figures_are_rates_between_two_snapshots():
    figures = Figures(pipeline_graph(_pipeline()))
    first = figures.page(None, _snapshot(2.0, taken=40, sent=40, fill=0))
    assert first["text"]["n1-f0"] == "in 20.0/s · out 20.0/s · 40 taken"          # since the start
    page = figures.page(_snapshot(2.0, 40, 40, 0), _snapshot(4.0, taken=100, sent=104, fill=4))
    assert page["text"]["n1-f0"] == "in 30.0/s · out 30.0/s · 100 taken"
    assert page["text"]["n1-f1"] == "busy 4.0 ms/msg (12%)" and page["text"]["n1-f2"] == "CPU 12%"
    assert page["text"]["n0-o2"] == "32.0/s" and page["text"]["n0-o1"] == ""     # preview; isp: unlinked
    assert page["text"]["l0-q"] == "4/8 blocking · 32.0/s"
    assert page["class"]["l0"] == "link" and page["alerts"] == [] and page["status"].startswith("running")


def test_a_full_queue_a_blocked_link_and_a_failed_node_show():
    figures = Figures(pipeline_graph(_pipeline()))
    full = figures.page(None, _snapshot(1.0, 10, 18, fill=8))
    assert full["class"]["l0"] == "link full" and full["alerts"] == []
    blocked = figures.page(None, _snapshot(3.0, 10, 18, fill=8, blocked=[
        {"from": [0, "preview"], "to": [1, "inputImage"], "seconds": 2.5}]))
    assert blocked["class"]["l0"] == "link blocked" and blocked["class"]["node-1"] == "node slow"
    assert blocked["text"]["l0-q"].startswith("waiting 2.5 s · 8/8 blocking")
    (alert,) = blocked["alerts"]
    assert "ColorCamera(0).preview has waited 2.5 s" in alert and "ImageManip(1) is the slow consumer" in alert
    failed = figures.page(None, _snapshot(1.0, 3, 3, 0, error="RuntimeError: no memory"))
    assert failed["class"]["node-1"] == "node failed"
    assert failed["text"]["n1-f2"] == "failed: RuntimeError: no memory"
    assert failed["alerts"] == ["ImageManip(1) failed: RuntimeError: no memory"]


class _Dom(HTMLParser):
    """Text by element id, and every tag seen."""

    def __init__(self):
        super().__init__()
        self.text, self.tags, self.strings, self._ids = {}, [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._ids.append(dict(attrs).get("id"))

    def handle_endtag(self, tag):
        if self._ids:
            self._ids.pop()

    def handle_data(self, data):
        self.strings.append(data.strip())
        if self._ids and self._ids[-1]:
            self.text[self._ids[-1]] = self.text.get(self._ids[-1], "") + data


def _get(url, host=None):
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.status, dict(answer.headers), answer.read()


def test_the_server_listens_on_loopback_only_and_escapes_names():
    p = _pipeline()
    schema = p.serializeToJson()
    server = ViewServer(lambda: None, schema, {"port": 0}, title=HOSTILE)
    try:
        assert server.server.server_address[0] == "127.0.0.1"
        status, headers, body = _get(server.url)
        page = body.decode()
        assert status == 200 and "script-src 'self'" in headers["Content-Security-Policy"]
        assert HOSTILE not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
        dom = _Dom()
        dom.feed(page)
        assert "img" not in dom.tags and dom.tags.count("script") == 1
        assert _get(server.url + "view.js")[1]["Content-Type"].startswith("text/javascript")
        assert json.loads(_get(server.url + "figures.json")[2])["status"] == "the device has no figures (no view)"
        with pytest.raises(urllib.error.HTTPError) as refused:   # a page that rebinds a name to 127.0.0.1
            _get(server.url, host=f"attacker.example:{server.port}")
        assert refused.value.code == 403
        with pytest.raises(urllib.error.HTTPError) as missing:
            _get(server.url + "../pyproject.toml")
        assert missing.value.code == 404
    finally:
        server.close()
    taken = ViewServer(lambda: None, schema, {"port": 0})
    try:
        with pytest.raises(RuntimeError, match=f"cannot serve the live view on 127.0.0.1:{taken.port}"):
            ViewServer(lambda: None, schema, {"port": taken.port, "any_if_taken": False})
        other = ViewServer(lambda: None, schema, {"port": taken.port, "any_if_taken": True})
        assert other.port != taken.port
        other.close()
        echo = dai.Pipeline()
        xin, xout = echo.create(dai.node.XLinkIn), echo.create(dai.node.XLinkOut)
        xin.setStreamName("in")
        xout.setStreamName("out")
        xin.out.link(xout.input)
        with pytest.raises(RuntimeError, match=rf"Device\(view={taken.port}\): cannot serve the live view"):
            dai.Device(echo, view=taken.port)
    finally:
        taken.close()


def _chromium(url, tmp_path, *extra):
    run = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                          f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=3000", *extra, url],
                         capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT)
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


@pytest.mark.skipif(CHROMIUM is None and os.environ.get("CI") != "true",
                    reason="Debian's chromium is not installed (make setup installs it; under CI=true this runs)")
def test_the_page_in_headless_chromium_shows_every_node_and_live_figures(tmp_path):
    assert CHROMIUM is not None, "CI=true: chromium must be installed (make setup)"
    with dai.Device(_pipeline(), view=0) as device:
        url = device.getViewUrl()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url)
        queue = device.getOutputQueue("out", 4, False)
        stop = threading.Event()
        reader = threading.Thread(target=lambda: [queue.tryGet() or stop.wait(0.01) for _ in iter(stop.is_set, True)],
                                  daemon=True)
        reader.start()
        loads = []
        for _ in range(2):
            dom = _Dom()
            dom.feed(_chromium(url, tmp_path, "--dump-dom"))
            loads.append(dom)
            time.sleep(1.0)
        _chromium(url, tmp_path, "--window-size=1500,560", f"--screenshot={tmp_path / 'view.png'}")
        stop.set()
    first, second = loads
    for node_id, label in enumerate(["ColorCamera(0)", "ImageManip(1)", "Script(2)", "XLinkOut(3)"]):
        assert label in first.strings and label in second.strings
        assert first.text.get(f"n{node_id}-f0", "").startswith("in "), first.text
    assert "img" not in first.tags                                # the Script's name stayed text
    taken = [int(re.search(r"(\d+) taken", dom.text["n1-f0"]).group(1)) for dom in loads]
    assert 0 < taken[0] < taken[1], taken                          # figures move while the pipeline runs
    assert first.text["status"].startswith("running")
    assert (tmp_path / "view.png").stat().st_size > 10_000


def test_a_link_that_takes_most_of_its_producers_time_is_held_back():
    figures = Figures(pipeline_graph(_pipeline()))

    def snapshot(t, waited):
        s = _snapshot(t, taken=int(t * 5), sent=int(t * 5), fill=7)
        s["nodes"][0]["outputs"][0]["waited"] = [[1, "inputImage", waited]]
        return s

    page = figures.page(snapshot(1.0, 0.1), snapshot(2.0, 0.95))
    assert page["class"]["l0"] == "link blocked" and page["class"]["node-1"] == "node slow"
    assert page["text"]["n0-f1"].endswith(" · sending 85%")
    assert page["text"]["l0-q"].startswith("held back 85% · 7/8 blocking")
    assert page["alerts"] == ["ColorCamera(0).preview spent 85% of the last second handing messages to "
                              "ImageManip(1).inputImage: ImageManip(1) is the slow consumer — it sets the pace "
                              "(see its busy time)"]
    assert figures.page(snapshot(1.0, 0.1), snapshot(2.0, 0.3))["class"]["l0"] == "link"


def test_a_traced_pipeline_can_be_viewed_too(tmp_path):
    echo = dai.Pipeline()
    xin, xout = echo.create(dai.node.XLinkIn), echo.create(dai.node.XLinkOut)
    xin.setStreamName("in")
    xout.setStreamName("out")
    xin.out.link(xout.input)
    trace = tmp_path / "trace.json"
    with dai.Device(echo, view=0, trace=str(trace)) as device:
        qin, qout = device.getInputQueue("in"), device.getOutputQueue("out")
        for seq in range(5):
            qin.send(dai.Buffer().setData(bytes(8)).setSequenceNum(seq))
            assert qout.get(timeout=10).getSequenceNum() == seq
        figures = json.loads(_get(device.getViewUrl() + "figures.json")[2])
    assert figures["text"]["n1-f0"].endswith(" · 5 taken") and figures["text"]["n0-o0"]
    events = json.loads(trace.read_text())
    assert len([e for e in events if e.get("name") == "send out → XLinkOut(1).in"]) == 5
