#!/usr/bin/env python3
"""Make a short H.264 clip of a moving test pattern, for running the examples on a video.

    python examples/make_clip.py out/clip.mp4 [--seconds 4] [--size 1280x720]
"""
import argparse
import os

import av
import numpy as np

from oakling.sources.synthetic import pattern

parser = argparse.ArgumentParser()
parser.add_argument("path")
parser.add_argument("--seconds", type=float, default=4.0)
parser.add_argument("--size", default="1280x720")
args = parser.parse_args()
width, height = (int(v) for v in args.size.split("x"))

os.makedirs(os.path.dirname(os.path.abspath(args.path)), exist_ok=True)
tile = pattern(width, height)
with av.open(args.path, "w") as container:
    stream = container.add_stream("libx264", rate=30)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    for k in range(int(args.seconds * 30)):
        img = np.roll(tile, 6 * k, axis=1)   # the pattern slides right
        for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="bgr24")):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
print(f"wrote {args.path}: {width}x{height}, {args.seconds:g} s at 30 fps")
