#!/usr/bin/env python3
"""Stream a colour preview and two mono cameras to the host, print each stream's FPS, and save
the last frame of each stream as a PNG in out/.

    python examples/synthetic_preview.py [--seconds 3]
"""
import argparse
import os
import time

import cv2

import oakling as dai

parser = argparse.ArgumentParser()
parser.add_argument("--seconds", type=float, default=3.0)
parser.add_argument("--out", default="out")
args = parser.parse_args()

pipeline = dai.Pipeline()

cam = pipeline.create(dai.node.ColorCamera)
cam.setPreviewSize(640, 360)
cam.setInterleaved(False)
cam.setFps(30)
xout_rgb = pipeline.create(dai.node.XLinkOut)
xout_rgb.setStreamName("rgb")
cam.preview.link(xout_rgb.input)

for socket, name in ((dai.CameraBoardSocket.LEFT, "left"), (dai.CameraBoardSocket.RIGHT, "right")):
    mono = pipeline.create(dai.node.MonoCamera)
    mono.setBoardSocket(socket)
    mono.setResolution(dai.MonoCameraProperties.SensorResolution.THE_400_P)
    xout = pipeline.create(dai.node.XLinkOut)
    xout.setStreamName(name)
    mono.out.link(xout.input)

with dai.Device(pipeline) as device:
    print(f"device {device.getMxId()}: streams {device.getOutputQueueNames()}")
    queues = {name: device.getOutputQueue(name, maxSize=4, blocking=False) for name in ("rgb", "left", "right")}
    counts = {name: 0 for name in queues}
    last = {}
    start = time.monotonic()
    while time.monotonic() - start < args.seconds:
        name = device.getQueueEvent(list(queues))
        for frame in queues[name].tryGetAll():
            counts[name] += 1
            last[name] = frame
    elapsed = time.monotonic() - start

os.makedirs(args.out, exist_ok=True)
for name, frame in last.items():
    path = os.path.join(args.out, f"{name}.png")
    cv2.imwrite(path, frame.getCvFrame())
    print(f"{name:>5}: {counts[name] / elapsed:5.1f} fps, {frame.getWidth()}x{frame.getHeight()} "
          f"{frame.getType().name}, last seq {frame.getSequenceNum()} -> {path}")
