#!/usr/bin/env python3
"""A detector's boxes tracked as objects with ids: camera preview → MobileNet-SSD-style detector →
ObjectTracker; the host draws each tracklet's box, id and status.

    oakling run --camera CAM_A=clip.mp4 examples/object_tracker.py [--type SHORT_TERM_KCF]
    oakling run --camera CAM_A=clip.mp4 --headless --max-frames 30 examples/object_tracker.py

On an OAK the detector would be mobilenet-ssd tracking label 15 (person); here it is toy_models.py's
bright-square detector (label 1), built at start (or give --blob). Each line printed is one frame:
its sequence number and, per tracklet, id, status, age and box (pixels of the 300x300 preview).
"""
import argparse

import cv2
import depthai as dai

parser = argparse.ArgumentParser()
parser.add_argument("--blob", help="a MobileNet-SSD-style detector taking 300x300 BGR planar frames")
parser.add_argument("--type", default="ZERO_TERM_COLOR_HISTOGRAM", help="the tracker type (dai.TrackerType)")
parser.add_argument("--label", type=int, default=1, help="the label to track")
args = parser.parse_args()
if not args.blob:
    from toy_models import make_blob
blob = args.blob or make_blob("ssd", 300, 300)

pipeline = dai.Pipeline()

cam = pipeline.create(dai.node.ColorCamera)
cam.setPreviewSize(300, 300)
cam.setInterleaved(False)
cam.setColorOrder(dai.ColorCameraProperties.ColorOrder.BGR)

detector = pipeline.create(dai.node.MobileNetDetectionNetwork)
detector.setBlobPath(blob)
detector.setConfidenceThreshold(0.5)
detector.input.setBlocking(True)            # every frame is detected (offline, the camera waits for it)
cam.preview.link(detector.input)

tracker = pipeline.create(dai.node.ObjectTracker)
tracker.setDetectionLabelsToTrack([args.label])
tracker.setTrackerType(getattr(dai.TrackerType, args.type))
tracker.setTrackerIdAssignmentPolicy(dai.TrackerIdAssignmentPolicy.SMALLEST_ID)
for port in (tracker.inputTrackerFrame, tracker.inputDetectionFrame, tracker.inputDetections):
    port.setBlocking(True)                  # and tracked: nothing is dropped while the host catches up
detector.passthrough.link(tracker.inputTrackerFrame)
detector.passthrough.link(tracker.inputDetectionFrame)
detector.out.link(tracker.inputDetections)

for name, port in (("frames", tracker.passthroughTrackerFrame), ("tracklets", tracker.out)):
    xout = pipeline.create(dai.node.XLinkOut)
    xout.setStreamName(name)
    port.link(xout.input)

with dai.Device(pipeline) as device:
    frames, tracklets = device.getOutputQueue("frames", 4, True), device.getOutputQueue("tracklets", 4, True)
    while True:
        frame = frames.get()
        track = tracklets.get()
        img = frame.getCvFrame()
        seen = []
        for t in track.tracklets:
            roi = t.roi.denormalize(img.shape[1], img.shape[0])
            (x1, y1), (x2, y2) = (int(roi.topLeft().x), int(roi.topLeft().y)), (int(roi.bottomRight().x),
                                                                               int(roi.bottomRight().y))
            cv2.rectangle(img, (x1, y1), (x2, y2), (255, 0, 0), 2)
            cv2.putText(img, f"ID {t.id} {t.status.name}", (x1 + 4, y1 + 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                        (255, 0, 0))
            seen.append(f"id {t.id} {t.status.name} age {t.age} box [{x1}, {y1}, {x2}, {y2}]")
        print(f"frame {track.getSequenceNum()}: " + ("; ".join(seen) or "none"))
        cv2.imshow("tracker", img)
        if cv2.waitKey(1) == ord("q"):
            break
