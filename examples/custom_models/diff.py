#!/usr/bin/env python3
"""Motion as a frame difference on the device: a Script keeps the previous frame and sends it with
the current one to diff_model.py's two inputs.

    oakling run --camera CAM_A=clip.mp4 examples/custom_models/diff.py [model.blob]

Without a blob argument it uses models/diff.blob, converting diff_model.py first if it is missing.
"""
import sys
from pathlib import Path

import cv2
import depthai as dai
import numpy as np

SHAPE = 300
nnPath = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "models" / "diff.blob"
if not nnPath.exists():
    import diff_model
    diff_model.make_blob(nnPath, SHAPE)

pipeline = dai.Pipeline()
cam = pipeline.create(dai.node.ColorCamera)
cam.setPreviewSize(SHAPE, SHAPE)
cam.setInterleaved(False)

script = pipeline.create(dai.node.Script)
cam.preview.link(script.inputs["in"])
script.setScript("""
previous = node.io['in'].get()
while True:
    frame = node.io['in'].get()
    node.io['img1'].send(frame)
    node.io['img2'].send(previous)
    previous = frame
""")

nn = pipeline.create(dai.node.NeuralNetwork)
nn.setBlobPath(str(nnPath))
script.outputs["img1"].link(nn.inputs["img1"])
script.outputs["img2"].link(nn.inputs["img2"])

xoutNn = pipeline.create(dai.node.XLinkOut)
xoutNn.setStreamName("nn")
nn.out.link(xoutNn.input)
xoutRgb = pipeline.create(dai.node.XLinkOut)
xoutRgb.setStreamName("rgb")
nn.passthroughs["img1"].link(xoutRgb.input)     # the current frame of each difference

with dai.Device(pipeline) as device:
    qNn = device.getOutputQueue("nn", maxSize=4, blocking=False)
    qRgb = device.getOutputQueue("rgb", maxSize=4, blocking=False)
    while True:
        diff = np.array(qNn.get().getFirstLayerFp16()).reshape(SHAPE, SHAPE)
        colorized = cv2.normalize(np.abs(diff), None, 255, 0, cv2.NORM_INF, cv2.CV_8UC1)
        cv2.imshow("diff", cv2.applyColorMap(colorized, cv2.COLORMAP_JET))
        cv2.imshow("rgb", qRgb.get().getCvFrame())
        if cv2.waitKey(1) == ord("q"):
            break
