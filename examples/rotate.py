#!/usr/bin/env python3
"""Rotate the camera picture by 45 degrees with ImageManip.
    oakling run --camera CAM_A=clip.mp4 examples/rotate.py
"""
import cv2
import depthai as dai

pipeline = dai.Pipeline()
cam = pipeline.create(dai.node.ColorCamera)
cam.setPreviewSize(640, 400)
cam.setInterleaved(False)

manip = pipeline.create(dai.node.ImageManip)
manip.initialConfig.setRotationDegrees(45)
manip.setMaxOutputFrameSize(640 * 400 * 3)
cam.preview.link(manip.inputImage)

xout = pipeline.create(dai.node.XLinkOut)
xout.setStreamName("rotated")
manip.out.link(xout.input)

with dai.Device(pipeline) as device:
    q = device.getOutputQueue("rotated", maxSize=4, blocking=False)
    while True:
        cv2.imshow("rotated", q.get().getCvFrame())
        if cv2.waitKey(1) == ord("q"):
            break
