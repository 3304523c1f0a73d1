"""The demo's clip: photographs moving and zooming across the frame, with the true face boxes of every
frame, since the clip's motion is known.

    truth = make_clip("clip.mp4")             # writes clip.mp4 and clip.json; returns the Truth
    truth = Truth.read("clip.json")
    truth.faces[k]                            # the true face boxes of frame k, in frame pixels

Each segment shows one photograph: the photo point (cx, cy) sits at frame point (fx, fy), scaled by
s (frame pixels per photo pixel), all three moving linearly from the segment's first frame to its
last. A hand-marked face box moves the same way. Outside the photo the frame is dark grey.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np

from . import photos as photos_module

SIZE = (640, 360)   # the clip is width × height pixels, 16:9 as cameras see
FPS = 30
BACKGROUND = (48, 48, 48)
VERSION = 3         # bumped when the clip changes, so a kept clip is made again


class View(NamedTuple):
    cx: float     # photo point ...
    cy: float
    fx: float     # ... shown at this frame point
    fy: float
    s: float      # frame pixels per photo pixel


class Segment(NamedTuple):
    photo: str
    frames: int
    start: View
    end: View


# Faces and no faces in turn: the astronaut zooming in while she drifts, a coffee cup, two men, a cat,
# two men in front of a bus (small faces, growing as the view zooms in), the astronaut crossing the frame,
# a rocket.
SEGMENTS = (
    Segment("astronaut", 90, View(229, 128, 200, 100, 1.0), View(229, 128, 380, 180, 1.8)),
    Segment("coffee", 45, View(300, 200, 320, 180, 0.8), View(300, 200, 320, 180, 1.1)),
    Segment("zidane", 75, View(780, 290, 320, 180, 0.75), View(800, 280, 320, 180, 0.9)),
    Segment("chelsea", 45, View(225, 150, 320, 180, 1.0), View(225, 150, 300, 200, 1.3)),
    Segment("bus", 60, View(210, 450, 280, 170, 1.05), View(210, 450, 360, 190, 1.4)),
    Segment("astronaut", 60, View(229, 128, 480, 150, 1.4), View(229, 128, 150, 210, 1.4)),
    Segment("rocket", 45, View(213, 213, 320, 180, 1.2), View(213, 213, 320, 180, 1.4)),
)


def view_at(segment: Segment, k: int) -> View:
    t = k / max(1, segment.frames - 1)
    return View(*(a + (b - a) * t for a, b in zip(segment.start, segment.end)))


def affine(v: View) -> np.ndarray:
    return np.array([[v.s, 0, v.fx - v.s * v.cx], [0, v.s, v.fy - v.s * v.cy]], np.float64)


def move_box(box, v: View) -> list:
    x0, y0, x1, y1 = box
    return [v.fx + v.s * (x0 - v.cx), v.fy + v.s * (y0 - v.cy), v.fx + v.s * (x1 - v.cx), v.fy + v.s * (y1 - v.cy)]


def render(photo, v: View, size: tuple = SIZE) -> np.ndarray:
    return cv2.warpAffine(photo.image, affine(v), size, flags=cv2.INTER_AREA if v.s < 1 else cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=BACKGROUND)


@dataclass
class Truth:
    """What the clip shows: per frame, its photo and its true face boxes (frame pixels)."""
    size: tuple
    fps: int
    photos: list
    faces: list

    def write(self, path) -> None:
        Path(path).write_text(json.dumps({"version": VERSION, "size": self.size, "fps": self.fps,
                                          "photos": self.photos, "faces": self.faces}))

    @classmethod
    def read(cls, path) -> "Truth":
        data = json.loads(Path(path).read_text())
        return cls(tuple(data["size"]), data["fps"], data["photos"], data["faces"])

    @staticmethod
    def version(path) -> int | None:
        try:
            return json.loads(Path(path).read_text()).get("version")
        except (OSError, ValueError):
            return None


def frames(segments=SEGMENTS, pace: float = 1.0, photos: dict | None = None):
    """(image, photo name, true boxes) per frame; pace < 1 makes each segment shorter (same motion)."""
    photos = photos or photos_module.available()
    for seg in segments:
        if seg.photo not in photos:
            continue
        n = max(2, round(seg.frames * pace))
        seg = seg._replace(frames=n)
        for k in range(n):
            v = view_at(seg, k)
            boxes = [[round(c, 1) for c in move_box(b, v)] for b in photos[seg.photo].faces]
            yield render(photos[seg.photo], v), seg.photo, boxes


def make_clip(path, pace: float = 1.0, photos: dict | None = None) -> Truth:
    """Write the clip (H.264) to `path` and its truth to the same name with .json; returns the Truth."""
    import av
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    truth = Truth(SIZE, FPS, [], [])
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS, options={"crf": "16", "preset": "veryfast"})
        stream.width, stream.height, stream.pix_fmt = *SIZE, "yuv420p"
        for img, name, boxes in frames(pace=pace, photos=photos):
            truth.photos.append(name)
            truth.faces.append(boxes)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    truth.write(path.with_suffix(".json"))
    return truth


def demo_clip(folder: Path | None = None) -> tuple:
    """(path, Truth) of the demo's clip under the cache folder, made now unless kept: its name says the
    clip's version and the photographs it shows."""
    photos = photos_module.available()
    names = "-".join(sorted(photos))
    import hashlib
    path = (folder or photos_module.cache_dir() / "clips") / \
        f"faces-v{VERSION}-{hashlib.sha256(names.encode()).hexdigest()[:8]}.mp4"
    truth_path = path.with_suffix(".json")
    if path.is_file() and Truth.version(truth_path) == VERSION:
        return path, Truth.read(truth_path)
    tmp = path.with_name("making-" + path.name)
    truth = make_clip(tmp, photos=photos)
    tmp.with_suffix(".json").replace(truth_path)
    tmp.replace(path)
    return path, truth
