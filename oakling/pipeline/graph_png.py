"""A pipeline's graph as a PNG: the layout of pipeline/graph.py drawn with OpenCV and NumPy, for
`oakling graph -o graph.png` (no SVG renderer needed to look at it).

    png = pipeline_png(pipeline, title="app.py")      # the PNG file's bytes
    Path("graph.png").write_bytes(png)

OpenCV's fonts have no arrows and no accents: text is drawn in ASCII (`->` for `→`, other
characters as `?`); the SVG keeps every name as it is.
"""
from __future__ import annotations

import numpy as np

from .graph import HEADER, MARGIN, NODE_WIDTH, PORT_ROW, Layout, layout, queue_text

SCALE = 2   # pixels per layout unit: text stays legible in a PNG
_BLUE, _PALE, _LINK, _ORANGE, _WHITE, _BLACK, _LIGHT = ((128, 90, 58), (251, 247, 244), (85, 85, 85),
                                                       (0, 96, 176), (255, 255, 255), (0, 0, 0), (240, 230, 221))


def _ascii(text: str) -> str:
    return text.replace("→", "->").encode("ascii", "replace").decode("ascii")


def pipeline_png(pipeline_or_schema, title: str = "") -> bytes:
    """The pipeline's graph as PNG bytes."""
    return layout_png(layout(pipeline_or_schema, title))


def layout_png(lay: Layout) -> bytes:
    import cv2

    s = SCALE
    image = np.full((lay.height * s, lay.width * s, 3), 255, np.uint8)
    font = cv2.FONT_HERSHEY_SIMPLEX

    def text(x, y, what, colour=_BLACK, size=12, bold=False, right=False):
        what = _ascii(what)
        scale = size * s / 30.0
        thickness = 2 if bold else 1
        if right:
            x -= cv2.getTextSize(what, font, scale, thickness)[0][0] / s
        cv2.putText(image, what, (int(x * s), int(y * s)), font, scale, colour, thickness, cv2.LINE_AA)

    def point(x, y):
        return int(round(x * s)), int(round(y * s))

    if lay.title:
        text(MARGIN, MARGIN + 8, lay.title, size=15, bold=True)
    for node_id, node in sorted(lay.graph.nodes.items()):
        x, y, h = lay.boxes[node_id]
        cv2.rectangle(image, point(x, y), point(x + NODE_WIDTH, y + h), _PALE, -1)
        cv2.rectangle(image, point(x, y), point(x + NODE_WIDTH, y + h), _BLUE, 2)
        cv2.rectangle(image, point(x, y), point(x + NODE_WIDTH, y + HEADER - 6), _BLUE, -1)
        text(x + 8, y + 15, node.label, _WHITE, bold=True)
        if node.subtitle:
            text(x + 8, y + 28, node.subtitle, _LIGHT, size=11)
        for i, port in enumerate(node.inputs):
            py = y + HEADER + PORT_ROW * i + PORT_ROW / 2
            cv2.circle(image, point(x, py), int(3.5 * s), _BLUE, -1, cv2.LINE_AA)
            text(x + 8, py + 4, port.text)
        for i, port in enumerate(node.outputs):
            py = y + HEADER + PORT_ROW * i + PORT_ROW / 2
            cv2.circle(image, point(x + NODE_WIDTH, py), int(3.5 * s), _BLUE, -1, cv2.LINE_AA)
            text(x + NODE_WIDTH - 8, py + 4, port.text, right=True)
    for link in lay.graph.links:
        port = lay.input_port(link)
        colour = _LINK if port.blocking else _ORANGE
        points = _bezier(lay.curve(link))
        if port.blocking:
            cv2.polylines(image, [np.round(points * s).astype(np.int32)], False, colour, 2, cv2.LINE_AA)
        else:
            for a, b in _dashes(points, 6.0, 3.0):
                cv2.line(image, point(*a), point(*b), colour, 2, cv2.LINE_AA)
        tip, before = points[-1], points[-4]
        direction = (tip - before) / max(1e-6, float(np.hypot(*(tip - before))))
        normal = np.array([-direction[1], direction[0]])
        head = np.array([tip, tip - 9 * direction + 4 * normal, tip - 9 * direction - 4 * normal]) * s
        cv2.fillPoly(image, [np.round(head).astype(np.int32)], colour, cv2.LINE_AA)
        text(tip[0] - 6, tip[1] - 5, queue_text(port), colour, size=10, right=True)
    ok, data = cv2.imencode(".png", image)
    if not ok:
        raise RuntimeError("OpenCV could not encode the graph as PNG")
    return data.tobytes()


def _bezier(controls, steps: int = 48) -> np.ndarray:
    """Points along a cubic Bézier curve, (steps + 1, 2)."""
    p = np.array(controls, dtype=np.float64)
    t = np.linspace(0.0, 1.0, steps + 1)[:, None]
    return ((1 - t) ** 3) * p[0] + 3 * ((1 - t) ** 2) * t * p[1] + 3 * (1 - t) * t * t * p[2] + t ** 3 * p[3]


def _dashes(points: np.ndarray, on: float, off: float):
    """(start, end) of each dash along a polyline: `on` long, `off` apart."""
    lengths = np.hypot(*np.diff(points, axis=0).T)
    along = np.concatenate([[0.0], np.cumsum(lengths)])
    start = 0.0
    while start < along[-1]:
        end = min(start + on, along[-1])
        yield (_at(points, along, start), _at(points, along, end))
        start = end + off


def _at(points: np.ndarray, along: np.ndarray, distance: float) -> np.ndarray:
    return np.array([np.interp(distance, along, points[:, 0]), np.interp(distance, along, points[:, 1])])
