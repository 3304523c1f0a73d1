#!/usr/bin/env python3
"""Capture a full-resolution still on request: the host sends CameraControl.setCaptureStill(True)
through XLinkIn to the camera's inputControl, and the still arrives as NV12 on `still`.
    oakling run --camera CAM_A=clip.mp4 examples/still_capture.py
"""
import cv2
import depthai as dai

pipeline = dai.Pipeline()
cam = pipeline.create(dai.node.ColorCamera)
cam.setPreviewSize(640, 360)

xin = pipeline.create(dai.node.XLinkIn)
xin.setStreamName("control")
xin.out.link(cam.inputControl)

for name, output in (("preview", cam.preview), ("still", cam.still)):
    xout = pipeline.create(dai.node.XLinkOut)
    xout.setStreamName(name)
    output.link(xout.input)

with dai.Device(pipeline) as device:
    q_preview = device.getOutputQueue("preview", maxSize=4, blocking=False)
    q_still = device.getOutputQueue("still", maxSize=1, blocking=False)
    q_control = device.getInputQueue("control")
    frames = 0
    while True:
        cv2.imshow("preview", q_preview.get().getCvFrame())
        frames += 1
        if frames % 10 == 1:   # ask for a still every 10 frames, as a key press would
            ctrl = dai.CameraControl()
            ctrl.setCaptureStill(True)
            q_control.send(ctrl)
        still = q_still.tryGet()
        if still is not None:
            print(f"still {still.getWidth()}x{still.getHeight()} {still.getType().name}")
            cv2.imshow("still", still.getCvFrame())
        if cv2.waitKey(1) == ord("q"):
            break
