#!/usr/bin/env python3
"""Crop the centre of the camera picture and resize it for a 300x300 network input, with ImageManip.
    oakling run --camera CAM_A=clip.mp4 examples/crop_resize.py
"""
import cv2
import depthai as dai

pipeline = dai.Pipeline()
cam = pipeline.create(dai.node.ColorCamera)
cam.setPreviewSize(1280, 720)
cam.setInterleaved(False)

manip = pipeline.create(dai.node.ImageManip)
manip.initialConfig.setCropRect(0.25, 0.25, 0.75, 0.75)
manip.initialConfig.setResize(300, 300)
manip.initialConfig.setFrameType(dai.ImgFrame.Type.BGR888p)
cam.preview.link(manip.inputImage)

xout_full = pipeline.create(dai.node.XLinkOut)
xout_full.setStreamName("full")
cam.preview.link(xout_full.input)
xout_crop = pipeline.create(dai.node.XLinkOut)
xout_crop.setStreamName("crop")
manip.out.link(xout_crop.input)

with dai.Device(pipeline) as device:
    q_full = device.getOutputQueue("full", maxSize=4, blocking=False)
    q_crop = device.getOutputQueue("crop", maxSize=4, blocking=False)
    while True:
        crop = q_crop.get()
        full = q_full.tryGet()
        if full is not None:
            cv2.imshow("full", full.getCvFrame())
        cv2.imshow("crop", crop.getCvFrame())
        if cv2.waitKey(1) == ord("q"):
            break
