"""A pipeline drawn as a graph, in SVG, with no graphviz: nodes (name, id, what names them — an
XLink stream, a script's name — and every port), links (with the input's queue size and whether it
blocks). Pure Python; `oakling graph` (cli/graph.py) writes it for a program's pipeline.

    svg = pipeline_svg(pipeline)            # or pipeline_svg(pipeline.serializeToJson())
    Path("graph.svg").write_text(svg)

Layout: sources on the left, each node one column right of the furthest node feeding it (links
that close a loop — a Script driving a camera's inputControl — go back left); nodes in a column are
ordered by id. Links are curves from the output's row to the input's row, labelled at the input.
`layout()` places everything once; `layout_svg` draws it as SVG, `graph_png.layout_png` as a PNG, and
the live view (host/view.py) serves the SVG drawn with room and ids for its figures (`live=True`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

NODE_WIDTH = 230
COLUMN_GAP = 150
ROW_GAP = 40
HEADER = 38
PORT_ROW = 18
MARGIN = 24
FONT = "font-family:Helvetica,Arial,sans-serif"
LIVE_ROWS = 3           # the live view's figure rows under a node's ports
LIVE_COLUMN_GAP = 230   # the live view's gap between columns, for its longer link labels


@dataclass
class Port:
    key: tuple           # (group, name)
    text: str            # "group.name" or "name"
    is_input: bool
    blocking: bool
    queue_size: int
    wait_for_message: bool


@dataclass
class GraphNode:
    id: int
    name: str
    subtitle: str
    inputs: list[Port] = field(default_factory=list)
    outputs: list[Port] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.name}({self.id})"


@dataclass
class Link:
    source: int
    output: tuple
    target: int
    input: tuple


@dataclass
class Graph:
    nodes: dict[int, GraphNode]
    links: list[Link]

    def link_text(self, link: Link) -> str:
        """`ColorCamera(0).preview → XLinkOut(1).in (queue 8, blocking)`"""
        src, dst = self.nodes[link.source], self.nodes[link.target]
        port = next(p for p in dst.inputs if p.key == link.input)
        out = next(p for p in src.outputs if p.key == link.output)
        return f"{src.label}.{out.text} → {dst.label}.{port.text} ({queue_text(port)})"


def queue_text(port: Port) -> str:
    return f"queue {port.queue_size}, {'blocking' if port.blocking else 'non-blocking'}"


def _subtitle(name: str, properties: dict) -> str:
    if name in ("XLinkIn", "XLinkOut") and properties.get("streamName"):
        return f"stream \"{properties['streamName']}\""
    if name == "Script" and properties.get("scriptName"):
        return f"\"{properties['scriptName']}\""
    return ""


def pipeline_graph(pipeline_or_schema) -> Graph:
    """The graph of a `dai.Pipeline`, or of its `serializeToJson()` (or its "pipeline" part)."""
    schema = pipeline_or_schema
    if not isinstance(schema, dict):
        schema = schema.serializeToJson()
    schema = schema.get("pipeline", schema)
    nodes = {}
    for node_id, info in schema["nodes"]:
        node = GraphNode(node_id, info["name"], _subtitle(info["name"], info.get("properties") or {}))
        for (group, name), io in sorted(info["ioInfo"], key=lambda item: item[1].get("id", 0)):
            port = Port((group, name), f"{group}.{name}" if group else name, io["type"] in (2, 3),
                        bool(io["blocking"]), int(io["queueSize"]), bool(io["waitForMessage"]))
            (node.inputs if port.is_input else node.outputs).append(port)
        nodes[node_id] = node
    links = [Link(c["node1Id"], (c["node1OutputGroup"], c["node1Output"]),
                  c["node2Id"], (c["node2InputGroup"], c["node2Input"])) for c in schema["connections"]]
    return Graph(nodes, links)


def _columns(graph: Graph) -> dict[int, int]:
    """Node id → column: 0 for sources, else one more than the furthest node feeding it; a loop is
    broken at its lowest node id."""
    preds = {n: set() for n in graph.nodes}
    succs = {n: set() for n in graph.nodes}
    for link in graph.links:
        if link.source != link.target:
            preds[link.target].add(link.source)
            succs[link.source].add(link.target)
    waiting = {n: len(p) for n, p in preds.items()}
    column, done = {}, set()
    ready = sorted(n for n, k in waiting.items() if k == 0)
    while len(done) < len(graph.nodes):
        if not ready:
            ready = [min(n for n in graph.nodes if n not in done)]
        n = ready.pop(0)
        if n in done:
            continue
        column[n] = max((column[p] + 1 for p in preds[n] if p in done), default=0)
        done.add(n)
        for s in sorted(succs[n]):
            waiting[s] -= 1
            if waiting[s] == 0 and s not in done:
                ready.append(s)
        ready.sort()
    return column


def _height(node: GraphNode, live: bool = False) -> int:
    return HEADER + PORT_ROW * max(1, len(node.inputs), len(node.outputs)) + 8 + (LIVE_ROWS * PORT_ROW if live else 0)


@dataclass
class Layout:
    """Where everything goes: node boxes (x, y, height) and link curves, in pixels; the SVG, the PNG
    (pipeline/graph_png.py) and the live view draw the same layout."""
    graph: Graph
    title: str
    width: int
    height: int
    boxes: dict[int, tuple[int, int, int]]
    live: bool = False

    def port_at(self, node_id: int, key: tuple, is_input: bool) -> tuple[float, float]:
        node = self.graph.nodes[node_id]
        ports = node.inputs if is_input else node.outputs
        row = next(i for i, p in enumerate(ports) if p.key == key)
        x, y, _ = self.boxes[node_id]
        return (x if is_input else x + NODE_WIDTH), y + HEADER + PORT_ROW * row + PORT_ROW / 2

    def curve(self, link: Link) -> tuple[tuple[float, float], ...]:
        """The link's cubic Bézier: start, two control points, end."""
        x1, y1 = self.port_at(link.source, link.output, False)
        x2, y2 = self.port_at(link.target, link.input, True)
        bend = max(60.0, abs(x2 - x1) / 2)
        return (x1, y1), (x1 + bend, y1), (x2 - bend, y2), (x2, y2)

    def input_port(self, link: Link) -> Port:
        return next(p for p in self.graph.nodes[link.target].inputs if p.key == link.input)


def layout(pipeline_or_schema, title: str = "", live: bool = False) -> Layout:
    """The layout of a pipeline's graph; `live` leaves room for the live view's figures (wider gaps,
    figure rows under each node's ports)."""
    graph = pipeline_graph(pipeline_or_schema)
    columns = _columns(graph)
    gap = LIVE_COLUMN_GAP if live else COLUMN_GAP
    boxes: dict[int, tuple[int, int, int]] = {}
    heights = [0] * (max(columns.values(), default=0) + 1)
    top = MARGIN + (28 if title else 0)
    for node_id in sorted(graph.nodes, key=lambda n: (columns[n], n)):
        col = columns[node_id]
        h = _height(graph.nodes[node_id], live)
        boxes[node_id] = (MARGIN + col * (NODE_WIDTH + gap), top + heights[col], h)
        heights[col] += h + ROW_GAP
    width = MARGIN * 2 + len(heights) * NODE_WIDTH + (len(heights) - 1) * gap
    height = top + max(heights, default=0) + MARGIN
    return Layout(graph, title, width, height, boxes, live)


def pipeline_svg(pipeline_or_schema, title: str = "", live: bool = False) -> str:
    """The pipeline as an SVG document (text). `live`: the live view's drawing (host/view.py), whose
    elements the page fills in by id — `n<id>-f0`…`n<id>-f2` (a node's figure rows), `n<id>-o<i>`
    (an output's rate), `l<i>` and `l<i>-q` (link i of `graph.links` and its queue label)."""
    return layout_svg(layout(pipeline_or_schema, title, live))


def layout_svg(lay: Layout) -> str:
    graph, width, height, live = lay.graph, lay.width, lay.height, lay.live
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" style="{FONT};font-size:12px">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="10" markerHeight="10" '
             'markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
             f'<rect width="{width}" height="{height}" fill="white"/>']
    if lay.title:
        parts.append(f'<text x="{MARGIN}" y="{MARGIN + 8}" font-size="15" font-weight="bold">{escape(lay.title)}</text>')
    for node_id, node in sorted(graph.nodes.items()):
        x, y, h = lay.boxes[node_id]
        parts.append(f'<g class="node" id="node-{node_id}"><title>{escape(node.label)}</title>')
        parts.append(f'<rect x="{x}" y="{y}" width="{NODE_WIDTH}" height="{h}" rx="6" fill="#f4f7fb" '
                     f'stroke="#3a5a80" stroke-width="1.5"/>')
        parts.append(f'<rect x="{x}" y="{y}" width="{NODE_WIDTH}" height="{HEADER - 6}" rx="6" fill="#3a5a80"/>')
        parts.append(f'<text x="{x + 8}" y="{y + 15}" fill="white" font-weight="bold">{escape(node.label)}</text>')
        if node.subtitle:
            parts.append(f'<text x="{x + 8}" y="{y + 28}" fill="#dde6f0" font-size="11">{escape(node.subtitle)}</text>')
        for i, port in enumerate(node.inputs):
            py = y + HEADER + PORT_ROW * i + PORT_ROW / 2
            parts.append(f'<circle cx="{x}" cy="{py}" r="3.5" fill="#3a5a80"/>'
                         f'<text x="{x + 8}" y="{py + 4}">{escape(port.text)}</text>')
        for i, port in enumerate(node.outputs):
            py = y + HEADER + PORT_ROW * i + PORT_ROW / 2
            parts.append(f'<circle cx="{x + NODE_WIDTH}" cy="{py}" r="3.5" fill="#3a5a80"/>'
                         f'<text x="{x + NODE_WIDTH - 8}" y="{py + 4}" text-anchor="end">{escape(port.text)}</text>')
            if live:
                parts.append(f'<text class="rate" id="n{node_id}-o{i}" x="{x + NODE_WIDTH + 6}" y="{py - 4}" '
                             f'font-size="10" fill="#555"></text>')
        if live:
            rows = y + h - 8 - LIVE_ROWS * PORT_ROW
            parts.append(f'<line x1="{x}" y1="{rows}" x2="{x + NODE_WIDTH}" y2="{rows}" stroke="#c8d3e0"/>')
            for row in range(LIVE_ROWS):
                parts.append(f'<text class="fig" id="n{node_id}-f{row}" x="{x + 8}" '
                             f'y="{rows + PORT_ROW * row + 13}" font-size="11"></text>')
        parts.append('</g>')
    for i, link in enumerate(graph.links):
        (x1, y1), (c1x, c1y), (c2x, c2y), (x2, y2) = lay.curve(link)
        port = lay.input_port(link)
        colour = "#555" if port.blocking else "#b06000"
        dash = "" if port.blocking else ' stroke-dasharray="6 3"'
        text = graph.link_text(link)
        ids = (f' id="l{i}"', f' id="l{i}-q"') if live else ("", "")
        parts.append(f'<g class="link"{ids[0]}><title>{escape(text)}</title>'
                     f'<path d="M{x1},{y1} C{c1x},{c1y} {c2x},{c2y} {x2},{y2}" fill="none" '
                     f'stroke={quoteattr(colour)} stroke-width="1.5"{dash} marker-end="url(#arrow)"/>'
                     f'<text{ids[1]} x="{x2 - 6}" y="{y2 - 5}" text-anchor="end" font-size="10" fill={quoteattr(colour)}>'
                     f'{escape(queue_text(port))}</text></g>')
    parts.append('</svg>')
    return "\n".join(parts) + "\n"
