#!/usr/bin/env python3
"""Edge detection (Laplacian) on the device: ColorCamera preview -> NeuralNetwork (edge_model.py) -> host.

    oakling run --camera CAM_A=clip.mp4 examples/custom_models/edge.py [model.blob]

Without a blob argument it uses models/edge.blob, converting edge_model.py first if it is missing.
"""
import sys
from pathlib import Path

import cv2
import depthai as dai
import numpy as np

SHAPE = 300
nnPath = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "models" / "edge.blob"
if not nnPath.exists():
    import edge_model
    edge_model.make_blob(nnPath, SHAPE)

pipeline = dai.Pipeline()
cam = pipeline.create(dai.node.ColorCamera)
cam.setPreviewSize(SHAPE, SHAPE)
cam.setInterleaved(False)

nn = pipeline.create(dai.node.NeuralNetwork)
nn.setBlobPath(str(nnPath))
cam.preview.link(nn.input)

xoutNn = pipeline.create(dai.node.XLinkOut)
xoutNn.setStreamName("nn")
nn.out.link(xoutNn.input)
xoutRgb = pipeline.create(dai.node.XLinkOut)
xoutRgb.setStreamName("rgb")
nn.passthrough.link(xoutRgb.input)

with dai.Device(pipeline) as device:
    qNn = device.getOutputQueue("nn", maxSize=4, blocking=False)
    qRgb = device.getOutputQueue("rgb", maxSize=4, blocking=False)
    while True:
        laplacian = np.array(qNn.get().getFirstLayerFp16()).reshape(3, SHAPE, SHAPE).transpose(1, 2, 0)
        edges = np.abs(laplacian).max(axis=2) * 4          # strongest channel; x4 to make weak edges visible
        cv2.imshow("edge", edges.clip(0, 255).astype(np.uint8))
        cv2.imshow("rgb", qRgb.get().getCvFrame())
        if cv2.waitKey(1) == ord("q"):
            break
