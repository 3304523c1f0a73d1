#!/usr/bin/env python3
"""Normalisation with constants sent once: a Script sends the multiplier and addend a single time,
and the NeuralNetwork reuses them for every camera frame (setWaitForMessage(False)).

    oakling run --camera CAM_A=clip.mp4 examples/custom_models/normalize.py [model.blob]

The frames reach the model as FP16 values (setFp16(True)); 0..255 becomes -1..1 on the device,
and the host turns it back into an image. Without a blob argument it uses models/normalize.blob,
converting normalize_model.py first if it is missing.
"""
import sys
from pathlib import Path

import cv2
import depthai as dai
import numpy as np

SHAPE = 300
nnPath = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "models" / "normalize.blob"
if not nnPath.exists():
    import normalize_model
    normalize_model.make_blob(nnPath, SHAPE)

pipeline = dai.Pipeline()
cam = pipeline.create(dai.node.ColorCamera)
cam.setPreviewSize(SHAPE, SHAPE)
cam.setInterleaved(False)
cam.setFp16(True)                    # the model's inputs take FP16

nn = pipeline.create(dai.node.NeuralNetwork)
nn.setBlobPath(str(nnPath))
cam.preview.link(nn.inputs["frame"])

script = pipeline.create(dai.node.Script)
script.setScript("""
# Sent once: output = frame * multiplier + addend maps 0..255 to -1..1
data = NNData(2)
data.setLayer("multiplier", [1 / 127.5])
node.io['multiplier'].send(data)
data = NNData(2)
data.setLayer("addend", [-1.0])
node.io['addend'].send(data)
""")
script.outputs["multiplier"].link(nn.inputs["multiplier"])
script.outputs["addend"].link(nn.inputs["addend"])
nn.inputs["multiplier"].setWaitForMessage(False)     # reuse the last value for every frame
nn.inputs["addend"].setWaitForMessage(False)

xoutNn = pipeline.create(dai.node.XLinkOut)
xoutNn.setStreamName("nn")
nn.out.link(xoutNn.input)

with dai.Device(pipeline) as device:
    qNn = device.getOutputQueue("nn", maxSize=4, blocking=False)
    while True:
        normalized = np.array(qNn.get().getData()).view(np.float16).reshape(3, SHAPE, SHAPE).transpose(1, 2, 0)
        frame = ((normalized.astype(np.float32) + 1) * 127.5).clip(0, 255).round().astype(np.uint8)
        cv2.imshow("normalized", frame)
        if cv2.waitKey(1) == ord("q"):
            break
