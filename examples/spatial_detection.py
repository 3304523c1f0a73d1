#!/usr/bin/env python3
"""Detections with their place in space from the two mono cameras, as gen2's spatial_mobilenet_mono
lays it out: StereoDepth makes depth from the LEFT/RIGHT pair, its rectified right picture is resized
for a MobileNetSpatialDetectionNetwork, and each box is measured on the depth of the same pair.
Prints every detection's X/Y/Z in millimetres (X right, Y up, Z ahead of the right camera) and
shows the picture with the boxes and the depth with the regions that were measured.

    oakling run examples/spatial_detection.py [detector.blob]
    oakling run --headless --offline --max-frames 20 examples/spatial_detection.py detector.blob

The detector takes 300x300 BGR planar frames and ends in an SSD DetectionOutput, as mobilenet-ssd
does; without one, toy_models.py's bright-square detector is built (it finds nothing in the
synthetic stereo scene, whose boards are textured, not white).
"""
import sys

import cv2
import depthai as dai
import numpy as np

if len(sys.argv) > 1:
    blob = sys.argv[1]
else:
    from toy_models import make_blob
    blob = make_blob("ssd", 300, 300)

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

manip = pipeline.create(dai.node.ImageManip)
manip.initialConfig.setResize(300, 300)
manip.initialConfig.setFrameType(dai.ImgFrame.Type.BGR888p)
stereo.rectifiedRight.link(manip.inputImage)

detector = pipeline.create(dai.node.MobileNetSpatialDetectionNetwork)
detector.setBlobPath(blob)
detector.setConfidenceThreshold(0.5)
detector.setBoundingBoxScaleFactor(0.5)
detector.setDepthLowerThreshold(100)
detector.setDepthUpperThreshold(5000)
manip.out.link(detector.input)
stereo.depth.link(detector.inputDepth)

for name, output in (("picture", detector.passthrough), ("detections", detector.out),
                     ("depth", detector.passthroughDepth)):
    xout = pipeline.create(dai.node.XLinkOut)
    xout.setStreamName(name)
    output.link(xout.input)

with dai.Device(pipeline) as device:
    queues = {name: device.getOutputQueue(name, maxSize=4) for name in ("picture", "detections", "depth")}
    while True:
        picture = queues["picture"].get().getCvFrame()
        found = queues["detections"].get()
        depth = queues["depth"].get().getFrame()
        shown = cv2.applyColorMap(cv2.convertScaleAbs(depth, alpha=255 / 3500), cv2.COLORMAP_JET)
        for d in found.detections:
            c = d.spatialCoordinates
            print(f"frame {found.getSequenceNum()}: label {d.label} ({d.confidence:.2f}) "
                  f"at X {c.x:.0f} Y {c.y:.0f} Z {c.z:.0f} mm")
            h, w = picture.shape[:2]
            cv2.rectangle(picture, (int(d.xmin * w), int(d.ymin * h)), (int(d.xmax * w), int(d.ymax * h)),
                          (0, 255, 0), 1)
            cv2.putText(picture, f"Z {c.z / 1000:.2f} m", (int(d.xmin * w) + 4, int(d.ymin * h) + 14),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 255, 0))
            roi = d.boundingBoxMapping.roi.denormalize(depth.shape[1], depth.shape[0])
            cv2.rectangle(shown, (int(roi.x), int(roi.y)), (int(roi.x + roi.width), int(roi.y + roi.height)),
                          (255, 255, 255), 1)
        cv2.imshow("detections", picture)
        cv2.imshow("depth", np.ascontiguousarray(shown))
        if cv2.waitKey(1) == ord("q"):
            break
