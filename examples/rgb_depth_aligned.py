#!/usr/bin/env python3
"""Depth on the colour camera's pixels: StereoDepth aligned to CAM_A, blended over its picture.

    oakling run --camera CAM_A=clip.mp4 examples/rgb_depth_aligned.py
    oakling run --headless --seconds 20 examples/rgb_depth_aligned.py

The depth is re-projected from the right camera into CAM_A with the device's calibration, at the
colour camera's ISP size (1280×720 here), so each depth pixel lies on the colour pixel it belongs to.
"""
import cv2
import depthai as dai
import numpy as np

pipeline = dai.Pipeline()
rgb = pipeline.create(dai.node.ColorCamera)
rgb.setBoardSocket(dai.CameraBoardSocket.CAM_A)
rgb.setResolution(dai.ColorCameraProperties.SensorResolution.THE_1080_P)
rgb.setIspScale(2, 3)
rgb.setFps(10)

stereo = pipeline.create(dai.node.StereoDepth)
stereo.setDefaultProfilePreset(dai.node.StereoDepth.PresetMode.HIGH_DENSITY)
stereo.setLeftRightCheck(True)
stereo.setDepthAlign(dai.CameraBoardSocket.CAM_A)
for socket, port in ((dai.CameraBoardSocket.CAM_B, stereo.left), (dai.CameraBoardSocket.CAM_C, stereo.right)):
    mono = pipeline.create(dai.node.MonoCamera)
    mono.setBoardSocket(socket)
    mono.setResolution(dai.MonoCameraProperties.SensorResolution.THE_400_P)
    mono.setFps(10)
    mono.out.link(port)

for name, output in (("rgb", rgb.isp), ("disp", stereo.disparity)):
    xout = pipeline.create(dai.node.XLinkOut)
    xout.setStreamName(name)
    output.link(xout.input)

with dai.Device(pipeline) as device:
    frames = device.getOutputQueue("rgb", maxSize=4, blocking=False)
    disparities = device.getOutputQueue("disp", maxSize=4, blocking=False)
    scale = 255.0 / stereo.initialConfig.getMaxDisparity()
    picture = None
    while True:
        for packet in frames.tryGetAll():
            picture = packet.getCvFrame()
        disparity = disparities.get()
        if picture is None:
            continue
        colour = cv2.applyColorMap((disparity.getFrame() * scale).astype(np.uint8), cv2.COLORMAP_HOT)
        print(f"disparity {disparity.getWidth()}x{disparity.getHeight()} on rgb "
              f"{picture.shape[1]}x{picture.shape[0]}")
        cv2.imshow("rgb-depth", cv2.addWeighted(picture, 0.4, colour, 0.6, 0))
        if cv2.waitKey(1) == ord("q"):
            break
