"""What `oakling demo` writes to its folder: the annotated video, a snapshot and the summary.

    out = Outputs("out/demo", fps=30)
    frames = program.run(..., on_frame=out.add)     # each frame drawn and encoded as it comes
    out.finish(text)                                # summary.txt; annotated.mp4 and snapshot.png closed

The snapshot is the frame with the most faces (the first such), drawn as in the video.
"""
from __future__ import annotations

from pathlib import Path

import cv2

from .summary import annotate

VIDEO = "annotated.mp4"
SNAPSHOT = "snapshot.png"
SUMMARY = "summary.txt"


class Outputs:
    def __init__(self, folder, fps: float = 30, video: bool = True):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.fps = fps
        self._container = self._stream = None
        self._video = video
        self._best = (-1, None)

    def add(self, frame) -> None:
        img = annotate(frame)
        if len(frame.faces) > self._best[0]:
            self._best = (len(frame.faces), img)
        if self._video:
            self._encode(img)
        frame.image = None   # drawn and written: the summary needs only the numbers

    def _encode(self, img) -> None:
        import av
        if self._container is None:
            self._container = av.open(str(self.folder / VIDEO), "w")
            self._stream = self._container.add_stream("libx264", rate=round(self.fps),
                                                      options={"crf": "23", "preset": "veryfast"})
            self._stream.height, self._stream.width = (v - v % 2 for v in img.shape[:2])
            self._stream.pix_fmt = "yuv420p"
        h, w = self._stream.height, self._stream.width
        for packet in self._stream.encode(av.VideoFrame.from_ndarray(img[:h, :w], format="bgr24")):
            self._container.mux(packet)

    def finish(self, text: str) -> list:
        """Writes the summary and closes the video; returns the paths written."""
        written = []
        if self._container is not None:
            for packet in self._stream.encode():
                self._container.mux(packet)
            self._container.close()
            written.append(self.folder / VIDEO)
        if self._best[1] is not None:
            cv2.imwrite(str(self.folder / SNAPSHOT), self._best[1])
            written.append(self.folder / SNAPSHOT)
        (self.folder / SUMMARY).write_text(text + "\n")
        written.append(self.folder / SUMMARY)
        return written
