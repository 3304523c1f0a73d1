#!/usr/bin/env python3
"""Three cameras side by side, joined on the device: left mono | colour | right mono -> one image.

    oakling run --camera CAM_A=clip.mp4 examples/custom_models/concat.py [model.blob]

The mono frames go through ImageManip (300x300, BGR888p) so all three inputs of concat_model.py
take the same planar frames. Without a blob argument it uses models/concat.blob, converting
concat_model.py first if it is missing.
"""
import sys
from pathlib import Path

import cv2
import depthai as dai
import numpy as np

SHAPE = 300
nnPath = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "models" / "concat.blob"
if not nnPath.exists():
    import concat_model
    concat_model.make_blob(nnPath, SHAPE)

pipeline = dai.Pipeline()
camRgb = pipeline.create(dai.node.ColorCamera)
camRgb.setPreviewSize(SHAPE, SHAPE)
camRgb.setInterleaved(False)
camRgb.setColorOrder(dai.ColorCameraProperties.ColorOrder.BGR)


def mono_as_bgr(socket):
    """A mono camera whose frames are resized and turned into planar BGR, as the model takes."""
    mono = pipeline.create(dai.node.MonoCamera)
    mono.setBoardSocket(socket)
    mono.setResolution(dai.MonoCameraProperties.SensorResolution.THE_400_P)
    manip = pipeline.create(dai.node.ImageManip)
    manip.initialConfig.setResize(SHAPE, SHAPE)
    manip.initialConfig.setFrameType(dai.ImgFrame.Type.BGR888p)
    mono.out.link(manip.inputImage)
    return manip.out


nn = pipeline.create(dai.node.NeuralNetwork)
nn.setBlobPath(str(nnPath))
nn.setNumInferenceThreads(2)
mono_as_bgr(dai.CameraBoardSocket.LEFT).link(nn.inputs["img1"])
camRgb.preview.link(nn.inputs["img2"])
mono_as_bgr(dai.CameraBoardSocket.RIGHT).link(nn.inputs["img3"])

xoutNn = pipeline.create(dai.node.XLinkOut)
xoutNn.setStreamName("nn")
nn.out.link(xoutNn.input)

with dai.Device(pipeline) as device:
    qNn = device.getOutputQueue("nn", maxSize=4, blocking=False)
    while True:
        planar = np.array(qNn.get().getData()).view(np.float16).reshape(3, SHAPE, SHAPE * 3)
        cv2.imshow("concat", planar.transpose(1, 2, 0).astype(np.uint8))
        if cv2.waitKey(1) == ord("q"):
            break
