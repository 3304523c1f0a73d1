#!/usr/bin/env python3
"""What recording a session costs: a camera fed from a 640×480 video, offline (as fast as the
pipeline takes frames), its 300×300 preview to the host, with recording off and on, in paired
rounds (off, on, off, on, …) in one run; medians of the rounds. Recording keeps every picture as
raw YUV planes (lossless) and every preview sent, zstd-compressed in MCAP.

Off, no session code runs (the workers' `ctx.session` is None). The replay of the recording is
timed too: the same pipeline fed from the recording instead of the video.

    python bench/bench_record.py [rounds] [frames]
"""
import os
import statistics
import sys
import tempfile
import time

import oakling as dai


def pipeline() -> dai.Pipeline:
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    cam.setPreviewSize(300, 300)
    cam.setInterleaved(False)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("preview")
    cam.preview.link(xout.input)
    return p


def rate(n: int, **options) -> float:
    with dai.Device(pipeline(), **options) as device:
        q = device.getOutputQueue("preview", maxSize=8)
        start = time.perf_counter()
        for _ in range(n):
            q.get()
        return n / (time.perf_counter() - start)


def make_video(path: str, n: int):
    import av
    import numpy as np
    with av.open(path, "w") as out:
        stream = out.add_stream("libx264", rate=30, options={"preset": "ultrafast", "crf": "18"})
        stream.width, stream.height, stream.pix_fmt = 640, 480, "yuv420p"
        # a textured scene panning 4 px a frame, as a camera sees one: pictures that do not compress to nothing
        texture = np.random.default_rng(1).integers(0, 256, (480, 640 + 4 * n, 3), np.uint8)
        import cv2
        texture = cv2.GaussianBlur(texture, (5, 5), 1.5)
        for i in range(n):
            img = np.ascontiguousarray(texture[:, 4 * i:4 * i + 640])
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="bgr24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def main(rounds: int = 5, n: int = 150):
    off, on, replay = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        video = os.path.join(folder, "clip.mp4")
        make_video(video, n)
        session = os.path.join(folder, "rec")
        live = {"cameras": {"CAM_A": video}, "realtime": False}
        for _ in range(rounds):
            off.append(rate(n, **live))
            on.append(rate(n, **live, record_session=session))
            replay.append(rate(n, replay=session))
        size = os.path.getsize(os.path.join(session, "session.mcap"))
    off_rate, on_rate, replay_rate = (statistics.median(r) for r in (off, on, replay))
    print(f"{n} frames of a 640x480 video -> 300x300 preview, offline, {rounds} paired rounds, medians: "
          f"recording off {off_rate:6.1f} fps | on {on_rate:6.1f} fps ({(1 / on_rate - 1 / off_rate) * 1e3:.2f} ms "
          f"per frame) | replay {replay_rate:6.1f} fps | {size / n / 1024:.0f} KiB recorded per frame")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
