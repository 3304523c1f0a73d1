#!/usr/bin/env python3
"""Move a crop window around the picture from the host: each frame, the host sends an
ImageManipConfig through XLinkIn to the ImageManip's inputConfig.
    oakling run --camera CAM_A=clip.mp4 examples/manip_config_from_host.py
"""
import cv2
import depthai as dai

pipeline = dai.Pipeline()
cam = pipeline.create(dai.node.ColorCamera)
cam.setPreviewSize(640, 360)

manip = pipeline.create(dai.node.ImageManip)
manip.initialConfig.setResize(200, 200)
cam.preview.link(manip.inputImage)

xin = pipeline.create(dai.node.XLinkIn)
xin.setStreamName("config")
xin.out.link(manip.inputConfig)

xout = pipeline.create(dai.node.XLinkOut)
xout.setStreamName("window")
manip.out.link(xout.input)

with dai.Device(pipeline) as device:
    q_config = device.getInputQueue("config")
    q_window = device.getOutputQueue("window", maxSize=4, blocking=False)
    x = 0.0
    while True:
        x = (x + 0.01) % 0.5
        cfg = dai.ImageManipConfig()
        cfg.setCropRect(x, 0.25, x + 0.5, 0.75)
        cfg.setResize(200, 200)
        q_config.send(cfg)
        cv2.imshow("window", q_window.get().getCvFrame())
        if cv2.waitKey(1) == ord("q"):
            break
