#!/usr/bin/env python3
"""A Script sends the camera a capture-still command every second; the host shows the stills
(gen2's script_camera_control.py):
    oakling run --camera CAM_A=clip.mp4 examples/script_camera_control.py
"""
import cv2
import depthai as dai

pipeline = dai.Pipeline()

cam = pipeline.create(dai.node.ColorCamera)

script = pipeline.create(dai.node.Script)
script.setScript("""
    import time
    ctrl = CameraControl()
    ctrl.setCaptureStill(True)
    while True:
        time.sleep(1)
        node.io['out'].send(ctrl)
""")

xout = pipeline.create(dai.node.XLinkOut)
xout.setStreamName("still")

script.outputs["out"].link(cam.inputControl)
cam.still.link(xout.input)

with dai.Device(pipeline) as device:
    while True:
        img = device.getOutputQueue("still").get()
        cv2.imshow("still", img.getCvFrame())
        if cv2.waitKey(1) == ord("q"):
            break
