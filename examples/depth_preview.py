#!/usr/bin/env python3
"""Depth from the stereo pair: the disparity in false colour, and the distance at the centre.

    oakling run examples/depth_preview.py                          # the synthetic stereo scene
    oakling run --stereo sbs.mp4 examples/depth_preview.py         # a side-by-side recording
    oakling run --headless --max-frames 20 examples/depth_preview.py --subpixel --filters

On an OAK-D it shows what its cameras see; under oakling, with no source given, the scene of
boards at known distances (the near one 1 m away, left of the centre; the back wall at 3 m).
"""
import argparse

import cv2
import depthai as dai
import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--subpixel", action="store_true", help="disparity in 1/8 pixels")
parser.add_argument("--extended", action="store_true", help="192 disparity levels: nearer objects")
parser.add_argument("--filters", action="store_true", help="the spatial and temporal post-processing filters")
args = parser.parse_args()

pipeline = dai.Pipeline()
stereo = pipeline.create(dai.node.StereoDepth)
stereo.setDefaultProfilePreset(dai.node.StereoDepth.PresetMode.HIGH_DENSITY)
stereo.setLeftRightCheck(True)
stereo.setSubpixel(args.subpixel)
stereo.setExtendedDisparity(args.extended)
if args.filters:
    config = stereo.initialConfig.get()
    config.postProcessing.temporalFilter.enable = True
    config.postProcessing.spatialFilter.enable = True
    config.postProcessing.spatialFilter.holeFillingRadius = 2
    stereo.initialConfig.set(config)

for socket, port in ((dai.CameraBoardSocket.CAM_B, stereo.left), (dai.CameraBoardSocket.CAM_C, stereo.right)):
    mono = pipeline.create(dai.node.MonoCamera)
    mono.setBoardSocket(socket)
    mono.setResolution(dai.MonoCameraProperties.SensorResolution.THE_400_P)
    mono.out.link(port)

for name in ("disparity", "depth"):
    xout = pipeline.create(dai.node.XLinkOut)
    xout.setStreamName(name)
    getattr(stereo, name).link(xout.input)

with dai.Device(pipeline) as device:
    disparities = device.getOutputQueue("disparity", maxSize=4, blocking=False)
    depths = device.getOutputQueue("depth", maxSize=4, blocking=False)
    scale = 255.0 / stereo.initialConfig.getMaxDisparity()
    while True:
        disparity = disparities.get()
        depth = depths.get().getFrame()
        h, w = depth.shape
        centre = depth[h * 2 // 5:h * 3 // 5, w * 2 // 5:w * 3 // 5]
        known = centre[centre > 0]
        distance = f"{np.median(known) / 1000:.2f} m" if known.size else "unknown"
        print(f"frame {disparity.getSequenceNum()}: {(depth > 0).mean():.0%} of pixels with depth, "
              f"centre {distance}")
        colour = cv2.applyColorMap((disparity.getFrame() * scale).astype(np.uint8), cv2.COLORMAP_JET)
        cv2.imshow("disparity", colour)
        if cv2.waitKey(1) == ord("q"):
            break
