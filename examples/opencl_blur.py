#!/usr/bin/env python3
"""Blur the camera's preview on the device with an OpenCL C kernel of your own — no model needed.
    oakling run --camera CAM_A=clip.mp4 examples/opencl_blur.py

The kernel is examples/kernels/box_blur.cl (a 3x3 box blur, as cv2.blur). OpenCLKernel is a node
oakling adds: on an OAK, kernels run only as layers inside a network.
"""
from pathlib import Path

import cv2
import oakling as dai

KERNEL = Path(__file__).resolve().parent / "kernels" / "box_blur.cl"

pipeline = dai.Pipeline()
cam = pipeline.create(dai.node.ColorCamera)
cam.setPreviewSize(640, 360)
cam.setInterleaved(True)                       # BGR888i: the kernel reads interleaved bytes

blur = pipeline.create(dai.node.OpenCLKernel)
blur.setKernelPath(KERNEL)
blur.setEntry("box_blur")
blur.addInput("src")                                    # __global const uchar *src
blur.addOutput("dst", dai.ImgFrame.Type.BGR888i)        # __global uchar *dst, as large as the input
blur.addScalar("width", "I.X")                          # int width
blur.addScalar("height", "I.Y")                         # int height
blur.addScalar("channels", "I.F")                       # int channels
blur.setGlobalWorkSize("(I.X * I.F + 15) / 16", "(I.Y + 7) / 8")   # 16 bytes x 8 rows per work item
cam.preview.link(blur.input)

xout_preview = pipeline.create(dai.node.XLinkOut)
xout_preview.setStreamName("preview")
cam.preview.link(xout_preview.input)
xout_blur = pipeline.create(dai.node.XLinkOut)
xout_blur.setStreamName("blurred")
blur.out.link(xout_blur.input)

with dai.Device(pipeline) as device:
    q_preview = device.getOutputQueue("preview", maxSize=4, blocking=False)
    q_blur = device.getOutputQueue("blurred", maxSize=4, blocking=False)
    while True:
        blurred = q_blur.get()
        preview = q_preview.tryGet()
        if preview is not None:
            cv2.imshow("preview", preview.getCvFrame())
        cv2.imshow("blurred", blurred.getCvFrame())
        if cv2.waitKey(1) == ord("q"):
            print(f"last blurred frame: {blurred.getSequenceNum()}, "
                  f"{blurred.getWidth()}x{blurred.getHeight()} {blurred.getType().name}")
            break
