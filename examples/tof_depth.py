#!/usr/bin/env python3
"""A ToF camera's depth, with the phase unwrapping level changed from the host while it runs.

    oakling run examples/tof_depth.py
    oakling run --headless --max-frames 20 examples/tof_depth.py

Camera on CAM_A → ToF → host. On an OAK-D SR PoE the Camera on CAM_A is its ToF sensor; here it
measures oakling's synthetic scene (boards at 1.0, 1.8 and 2.6 m before a wall at 3 m). The program
starts at unwrapping level 1 (reach ~3 m: the wall is beyond it and reads 0), then, after 5 frames,
sends a ToFConfig for level 4 (reach ~7.5 m). Each line printed is one frame: its number, the
unwrapping level it was asked for, the depth at the image centre (the wall) and how much of the
frame has a valid depth. Keys: 0-4 set the level, m cycles the median filter, q quits.
"""
import cv2
import depthai as dai
import numpy as np

pipeline = dai.Pipeline()
cam = pipeline.create(dai.node.Camera)
cam.setBoardSocket(dai.CameraBoardSocket.CAM_A)
cam.setFps(30)

tof = pipeline.create(dai.node.ToF)
config = tof.initialConfig.get()
config.phaseUnwrappingLevel = 1
config.phaseUnwrapErrorThreshold = 100
tof.initialConfig.set(config)
cam.raw.link(tof.input)

xin = pipeline.create(dai.node.XLinkIn)
xin.setStreamName("tofConfig")
xin.out.link(tof.inputConfig)
xout = pipeline.create(dai.node.XLinkOut)
xout.setStreamName("depth")
tof.depth.link(xout.input)

medians = [dai.MedianFilter.MEDIAN_OFF, dai.MedianFilter.KERNEL_3x3, dai.MedianFilter.KERNEL_5x5,
           dai.MedianFilter.KERNEL_7x7]

with dai.Device(pipeline) as device:
    depth_queue = device.getOutputQueue("depth", maxSize=4, blocking=False)
    config_queue = device.getInputQueue("tofConfig")
    frames = 0
    while True:
        depth = depth_queue.get().getFrame()
        h, w = depth.shape
        print(f"frame {frames}: level {config.phaseUnwrappingLevel}, centre {depth[h // 2, w // 2]} mm, "
              f"valid {np.count_nonzero(depth) / depth.size:.0%}")
        reach = (config.phaseUnwrappingLevel + 1) * 1500
        shown = cv2.applyColorMap(np.interp(depth, (0, reach), (0, 255)).astype(np.uint8), cv2.COLORMAP_JET)
        shown[depth == 0] = 0
        cv2.imshow("depth", shown)
        frames += 1
        key = cv2.waitKey(1)
        if key == ord("q"):
            break
        if frames == 5:
            key = ord("4")
        if ord("0") <= key <= ord("4"):
            config.phaseUnwrappingLevel = key - ord("0")
            config_queue.send(config)
        elif key == ord("m"):
            config.median = medians[(medians.index(config.median) + 1) % len(medians)]
            config_queue.send(config)
