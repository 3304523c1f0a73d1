#!/usr/bin/env python3
"""Show the colour camera's preview. Run it on a recorded video with
    oakling run --camera CAM_A=clip.mp4 examples/video_preview.py
"""
import cv2
import depthai as dai

pipeline = dai.Pipeline()
cam = pipeline.create(dai.node.ColorCamera)
cam.setBoardSocket(dai.CameraBoardSocket.CAM_A)
cam.setPreviewSize(640, 360)
cam.setInterleaved(False)
cam.setFps(30)
xout = pipeline.create(dai.node.XLinkOut)
xout.setStreamName("preview")
cam.preview.link(xout.input)

with dai.Device(pipeline) as device:
    q = device.getOutputQueue("preview", maxSize=4, blocking=False)
    while True:
        frame = q.get()
        cv2.imshow("preview", frame.getCvFrame())
        if cv2.waitKey(1) == ord("q"):
            break
