#!/usr/bin/env python3
"""Gaussian blur on the device: ColorCamera preview -> NeuralNetwork (blur_model.py) -> host.

    oakling run --camera CAM_A=clip.mp4 examples/custom_models/blur.py [model.blob]

Without a blob argument it uses models/blur.blob, converting blur_model.py first if it is missing.
"""
import sys
from pathlib import Path

import cv2
import depthai as dai
import numpy as np

SHAPE = 300
nnPath = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "models" / "blur.blob"
if not nnPath.exists():
    import blur_model
    blur_model.make_blob(nnPath, SHAPE)

pipeline = dai.Pipeline()
cam = pipeline.create(dai.node.ColorCamera)
cam.setPreviewSize(SHAPE, SHAPE)
cam.setInterleaved(False)           # the model takes planar BGR

nn = pipeline.create(dai.node.NeuralNetwork)
nn.setBlobPath(str(nnPath))
cam.preview.link(nn.input)

xoutNn = pipeline.create(dai.node.XLinkOut)
xoutNn.setStreamName("nn")
nn.out.link(xoutNn.input)
xoutRgb = pipeline.create(dai.node.XLinkOut)
xoutRgb.setStreamName("rgb")
nn.passthrough.link(xoutRgb.input)  # the frame each result was computed from

with dai.Device(pipeline) as device:
    qNn = device.getOutputQueue("nn", maxSize=4, blocking=False)
    qRgb = device.getOutputQueue("rgb", maxSize=4, blocking=False)
    while True:
        planar = np.array(qNn.get().getData()).view(np.float16).reshape(3, SHAPE, SHAPE)
        cv2.imshow("blur", planar.transpose(1, 2, 0).clip(0, 255).astype(np.uint8))
        cv2.imshow("rgb", qRgb.get().getCvFrame())
        if cv2.waitKey(1) == ord("q"):
            break
