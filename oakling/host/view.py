"""The live view: a local web page that draws the running pipeline and its figures.

    with dai.Device(pipeline, view=True) as device:     # or OAKLING_VIEW=1, or oakling run --view
        print(device.getViewUrl())                       # http://127.0.0.1:8421/

A `ViewServer` (the standard library's http.server, on a daemon thread of the host) listens on
127.0.0.1 only. Its page (`view_page/`, shipped in the package: no asset comes from elsewhere) holds
the pipeline drawn by pipeline/graph.py with room for figures (`pipeline_svg(..., live=True)`), and
its script asks `figures.json` once a second. Each answer comes from one `view_snapshot` question to
the device (runtime/meter.py: counters only) turned by `Figures` into the page's texts, by element
id, and its classes: rates are differences between two snapshots. The script only sets text
(`textContent`) and class names, so nothing a pipeline names (a Script's name, a stream's) can run
in the page.
"""
from __future__ import annotations

import http.server
import json
import sys
import threading
import time
from html import escape
from importlib import resources

from ..pipeline.graph import Graph, pipeline_graph, pipeline_svg

HELD_BACK = 0.5      # share of the window a producer spent handing messages to one input: a held-back link
_MIN_WINDOW = 0.25   # seconds: answers asked for closer together share one snapshot
_STATIC = {"view.js": "text/javascript; charset=utf-8", "view.css": "text/css; charset=utf-8"}
_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self'"


def _rate(count: float, seconds: float) -> str:
    value = count / seconds if seconds > 0 else 0.0
    return f"{value:.1f}/s" if value < 100 else f"{value:.0f}/s"


def _percent(seconds: float, window: float) -> str:
    return f"{100.0 * seconds / window:.0f}%" if window > 0 else "0%"


class Figures:
    """Snapshots of the device's counters (runtime/meter.py) → what the page shows: {"text": {element
    id: text}, "class": {element id: class names}, "alerts": [sentences], "status": text}."""

    def __init__(self, graph: Graph, host_queues=None):
        self.graph = graph
        self._host_queues = host_queues or (lambda: {})   # {stream name: (held, size, blocking)}
        self._linked = {(l.source, l.output) for l in graph.links}
        self._links = {(l.source, self._port_text(l.source, l.output, False), l.target,
                        self._port_text(l.target, l.input, True)): i for i, l in enumerate(graph.links)}

    def _port_text(self, node_id: int, key: tuple, is_input: bool) -> str:
        node = self.graph.nodes[node_id]
        return next(p.text for p in (node.inputs if is_input else node.outputs) if p.key == key)

    def page(self, previous: dict | None, current: dict) -> dict:
        window = current["time"] - (previous["time"] if previous else current["started"])
        before = {n["id"]: n for n in previous["nodes"]} if previous else {}
        text, classes, alerts = {}, {}, []
        streams = self._host_queues()
        inputs = {}
        blocked = {(b["from"][0], b["from"][1], b["to"][0], b["to"][1]): b["seconds"] for b in current["blocked"]}
        shares = {key: seconds / window for key, seconds in _waited(previous, current).items()} if window > 0 else {}
        held_back = {key: share for key, share in shares.items() if share >= HELD_BACK and key not in blocked}
        waiting = {key[0] for key in (*blocked, *held_back)}         # nodes held up sending
        slow = {key[2] for key in (*blocked, *held_back)} - waiting  # where the chain of waits ends
        for node in current["nodes"]:
            node_id = node["id"]
            info = self.graph.nodes.get(node_id)
            if info is None:
                continue
            old = before.get(node_id)
            taken = node["taken"] - (old["taken"] if old else 0)
            busy = node["busy"] - (old["busy"] if old else 0.0)
            sent = 0
            for i, port in enumerate(node["outputs"]):
                was = next((p["sent"] for p in old["outputs"] if p["port"] == port["port"]), 0) if old else 0
                sent += port["sent"] - was
                index = next((j for j, p in enumerate(info.outputs) if p.text == port["port"]), None)
                if index is not None:
                    linked = (node_id, info.outputs[index].key) in self._linked
                    text[f"n{node_id}-o{index}"] = _rate(port["sent"] - was, window) if linked else ""
            for port in node["inputs"]:
                was = next((p for p in old["inputs"] if p["port"] == port["port"]), None) if old else None
                inputs[(node_id, port["port"])] = (port, port["received"] - (was["received"] if was else 0))
            out = f"to host {_rate(taken, window)}" if info.name == "XLinkOut" else f"out {_rate(sent, window)}"
            text[f"n{node_id}-f0"] = f"in {_rate(taken, window)} · {out} · {node['taken']} taken"
            per_message = f"{1000.0 * busy / taken:.1f} ms/msg" if taken else "– ms/msg"
            line = f"busy {per_message} ({_percent(busy, window)})"
            sending = sum(seconds for key, seconds in shares.items() if key[0] == node_id) * window
            if sending >= 0.05 * window:   # time its sends waited for room, within its busy time
                line += f" · sending {_percent(sending, window)}"
            text[f"n{node_id}-f1"] = line
            cpu = node["cpu"] - (old["cpu"] if old else 0.0)
            line = f"CPU {_percent(cpu, window)}"
            if node.get("script_cpu") is not None:
                script_cpu = node["script_cpu"] - ((old or {}).get("script_cpu") or 0.0)
                line += f" · script process {_percent(script_cpu, window)}"
            stream = self._stream(info)
            if info.name == "XLinkOut" and stream in streams:
                count, size, blocking = streams[stream]
                line += f" · host queue {count}/{size}{'' if blocking else ' non-blocking'}"
            text[f"n{node_id}-f2"] = line
            if node["error"]:
                text[f"n{node_id}-f2"] = f"failed: {node['error']}"
                classes[f"node-{node_id}"] = "node failed"
                alerts.append(f"{info.label} failed: {node['error']}")
            if not node["error"]:
                classes[f"node-{node_id}"] = "node slow" if node_id in slow else "node"
        for key, i in self._links.items():
            port, received = inputs.get((key[2], key[3]), (None, 0))
            if port is None:
                continue
            if port["feed"]:
                label = f"direct, {'blocking' if port['blocking'] else 'non-blocking'} · {_rate(received, window)}"
            else:
                label = (f"{port['fill']}/{port['size']} {'blocking' if port['blocking'] else 'non-blocking'} · "
                         f"{_rate(received, window)}")
            if port["dropped"]:
                label += f" · {port['dropped']} dropped"
            state = "link"
            if key in blocked:
                state = "link blocked"
                label = f"waiting {blocked[key]:.1f} s · " + label
                alerts.append(self._blocked_sentence(key, blocked[key], port, streams, key[2] in waiting))
            elif key in held_back:
                state = "link blocked"
                label = f"held back {100 * held_back[key]:.0f}% · " + label
                alerts.append(self._held_back_sentence(key, held_back[key], key[2] in waiting))
            elif port["blocking"] and not port["feed"] and port["fill"] >= port["size"]:
                state = "link full"
            text[f"l{i}-q"] = label
            classes[f"l{i}"] = state
        alerts.sort(key=lambda sentence: "itself" in sentence)   # the slow consumer first
        status = f"running · device CPU {_percent(current['cpu'] - (previous['cpu'] if previous else 0.0), window)}"
        return {"text": text, "class": classes, "alerts": alerts, "status": status}

    def _held_back_sentence(self, key: tuple, share: float, consumer_held: bool) -> str:
        source, output, target, input_ = key
        consumer = self.graph.nodes[target]
        start = (f"{self.graph.nodes[source].label}.{output} spent {100 * share:.0f}% of the last second handing "
                 f"messages to {consumer.label}.{input_}")
        if consumer_held:
            return f"{start}: {consumer.label} is held back itself (see the link it sends on)"
        stream = self._stream(consumer)
        if consumer.name == "XLinkOut" and stream is not None:
            return f"{start}: the host reads stream '{stream}' too slowly — it sets the pace"
        return f"{start}: {consumer.label} is the slow consumer — it sets the pace (see its busy time)"

    def _stream(self, info) -> str | None:
        if info.subtitle.startswith('stream "'):
            return info.subtitle[len('stream "'):-1]
        return None

    def _blocked_sentence(self, key: tuple, seconds: float, port: dict, streams: dict, consumer_waits: bool) -> str:
        source, output, target, input_ = key
        producer = f"{self.graph.nodes[source].label}.{output}"
        consumer = self.graph.nodes[target]
        start = f"{producer} has waited {seconds:.1f} s to hand a message to {consumer.label}.{input_}"
        stream = self._stream(consumer)
        if consumer_waits:
            return f"{start}: {consumer.label} is waiting to send itself (see the link it waits on)"
        if consumer.name == "XLinkOut" and stream is not None:
            return (f"{start}: the host does not read stream '{stream}' fast enough — read it more often, "
                    f"or make its queue non-blocking: getOutputQueue('{stream}', maxSize=4, blocking=False)")
        if port["feed"]:
            return f"{start}: {consumer.label} is the slow consumer — see its busy time"
        return (f"{start} (queue {port['fill']}/{port['size']}, blocking, full): {consumer.label} is the slow "
                f"consumer — see its busy time, or make the input non-blocking (setBlocking(False))")


def _waited(previous: dict | None, current: dict) -> dict[tuple, float]:
    """{(source id, output, target id, input): seconds the source spent handing messages to that input
    between the two snapshots}."""
    earlier = {}
    for node in (previous or {}).get("nodes", []):
        for port in node["outputs"]:
            for target, name, seconds in port.get("waited", []):
                earlier[(node["id"], port["port"], target, name)] = seconds
    found = {}
    for node in current["nodes"]:
        for port in node["outputs"]:
            for target, name, seconds in port.get("waited", []):
                key = (node["id"], port["port"], target, name)
                found[key] = seconds - earlier.get(key, 0.0)
    return found


class ViewServer:
    """The live view of one device's pipeline, served on 127.0.0.1 from a daemon thread."""

    def __init__(self, ask, schema: dict, option: dict, title: str = "", host_queues=None):
        """`ask()`: the device's snapshot (Device._ask(VIEW_SNAPSHOT)); `option`: host/options.view_option's."""
        self._ask = ask
        graph = pipeline_graph(schema)
        self.figures = Figures(graph, host_queues)
        self._page = _page(pipeline_svg(schema, live=True), title)
        self._lock = threading.Lock()
        self._previous: dict | None = None
        self._current: dict | None = None
        self._answer: dict | None = None
        self._closed_reason: str | None = None
        self.server = _bind(option, self)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="oakling-view", daemon=True)
        self._thread.start()

    def answer(self) -> dict:
        """The page's figures now (one snapshot at most every _MIN_WINDOW seconds)."""
        with self._lock:
            if self._closed_reason is not None:
                return {"text": {}, "class": {}, "alerts": [], "status": self._closed_reason}
            if self._answer is not None and time.monotonic() - self._answered_at < _MIN_WINDOW:
                return self._answer
            try:
                snapshot = self._ask()
            except RuntimeError as e:   # the device is closed or gone
                return {"text": {}, "class": {}, "alerts": [], "status": f"no figures: {e}"}
            if snapshot is None:
                return {"text": {}, "class": {}, "alerts": [], "status": "the device has no figures (no view)"}
            if self._current is not None:
                self._previous = self._current
            self._current = snapshot
            self._answer = self.figures.page(self._previous, snapshot)
            self._answered_at = time.monotonic()
            return self._answer

    def ended(self, reason: str):
        """The device closed: the page says so from now on."""
        with self._lock:
            self._closed_reason = reason

    def close(self):
        self.ended("the device was closed")
        self.server.shutdown()
        self.server.server_close()


def _bind(option: dict, view: ViewServer) -> http.server.ThreadingHTTPServer:
    handler = type("ViewHandler", (_Handler,), {"view": view})
    try:
        return _Server(("127.0.0.1", option["port"]), handler)
    except OSError as e:
        if not option.get("any_if_taken"):
            raise RuntimeError(f"Device(view={option['port']}): cannot serve the live view on 127.0.0.1:"
                               f"{option['port']} ({e.strerror}) — give another port, or 0 for any free one") from None
        return _Server(("127.0.0.1", 0), handler)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def _page(svg: str, title: str) -> bytes:
    template = resources.files(__package__).joinpath("view_page", "index.html").read_text(encoding="utf-8")
    name = escape(title or "pipeline")
    return template.replace("{{title}}", name).replace("{{svg}}", svg).encode("utf-8")


def _asset(name: str) -> bytes:
    return resources.files(__package__).joinpath("view_page", name).read_bytes()


class _Handler(http.server.BaseHTTPRequestHandler):
    view: ViewServer
    server_version = "oakling-view"

    def do_GET(self):
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        if host not in ("127.0.0.1", "localhost"):   # another name for this address: a rebinding page
            return self._send(403, b"forbidden: open the view as http://127.0.0.1:PORT/", "text/plain")
        path = self.path.split("?", 1)[0]
        if path in ("/", "/index.html"):
            return self._send(200, self.view._page, "text/html; charset=utf-8")
        if path == "/figures.json":
            body = json.dumps(self.view.answer(), ensure_ascii=False).encode("utf-8")
            return self._send(200, body, "application/json")
        name = path.lstrip("/")
        if name in _STATIC:
            return self._send(200, _asset(name), _STATIC[name])
        return self._send(404, b"not found", "text/plain")

    def _send(self, code: int, body: bytes, kind: str):
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Security-Policy", _CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):   # no line per request on the program's stderr
        pass


def announce(url: str):
    print(f"oakling: live view of the pipeline at {url}", file=sys.stderr, flush=True)
