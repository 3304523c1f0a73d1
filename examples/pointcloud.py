#!/usr/bin/env python3
"""A point cloud from the two mono cameras: StereoDepth → PointCloud (sparse: only the pixels with
depth). Prints each cloud's size and extent in millimetres (x right, y down, z ahead of the right
camera) and shows it from above (x across, z up the picture, one pixel per centimetre), where the
synthetic stereo scene's boards are lines at their distances.

    oakling run examples/pointcloud.py
    oakling run --headless --offline --max-frames 10 examples/pointcloud.py
"""
import cv2
import depthai as dai
import numpy as np

pipeline = dai.Pipeline()
left = pipeline.create(dai.node.MonoCamera)
left.setCamera("left")
left.setResolution(dai.MonoCameraProperties.SensorResolution.THE_400_P)
right = pipeline.create(dai.node.MonoCamera)
right.setCamera("right")
right.setResolution(dai.MonoCameraProperties.SensorResolution.THE_400_P)

stereo = pipeline.create(dai.node.StereoDepth)
stereo.setDefaultProfilePreset(dai.node.StereoDepth.PresetMode.HIGH_DENSITY)
stereo.setSubpixel(True)
left.out.link(stereo.left)
right.out.link(stereo.right)

pointcloud = pipeline.create(dai.node.PointCloud)
pointcloud.initialConfig.setSparse(True)
stereo.depth.link(pointcloud.inputDepth)
xout = pipeline.create(dai.node.XLinkOut)
xout.setStreamName("pcl")
pointcloud.outputPointCloud.link(xout.input)

with dai.Device(pipeline) as device:
    queue = device.getOutputQueue("pcl", maxSize=4)
    while True:
        cloud = queue.get()
        points = cloud.getPoints()
        print(f"cloud {cloud.getSequenceNum()}: {len(points)} points of {cloud.getWidth()}x{cloud.getHeight()}, "
              f"x {cloud.getMinX():.0f}..{cloud.getMaxX():.0f} y {cloud.getMinY():.0f}..{cloud.getMaxY():.0f} "
              f"z {cloud.getMinZ():.0f}..{cloud.getMaxZ():.0f} mm")
        top = np.zeros((400, 600), np.uint8)                       # 6 m across, 4 m ahead
        cols = np.clip((points[:, 0] / 10 + 300).astype(int), 0, 599)
        rows = np.clip((399 - points[:, 2] / 10).astype(int), 0, 399)
        np.add.at(top, (rows, cols), 1)
        cv2.imshow("top view", cv2.applyColorMap(np.clip(top.astype(np.uint16) * 8, 0, 255).astype(np.uint8),
                                                 cv2.COLORMAP_INFERNO))
        if cv2.waitKey(1) == ord("q"):
            break
