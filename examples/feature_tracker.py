#!/usr/bin/env python3
"""Corners followed from frame to frame on the left mono camera, each drawn with the path of its last
positions; 's' switches between Harris and Shi-Tomasi corners (a config sent from the host).

    oakling run examples/feature_tracker.py
    oakling run --headless --max-frames 30 --record out examples/feature_tracker.py

Each line printed is one frame: its sequence number, how many features it has, how many were already
there the frame before (same id), and the mean age of the features in frames.
"""
from collections import defaultdict, deque

import cv2
import depthai as dai

pipeline = dai.Pipeline()

mono = pipeline.create(dai.node.MonoCamera)
mono.setResolution(dai.MonoCameraProperties.SensorResolution.THE_400_P)
mono.setCamera("left")

tracker = pipeline.create(dai.node.FeatureTracker)
tracker.initialConfig.setNumTargetFeatures(160)
tracker.setHardwareResources(2, 2)
mono.out.link(tracker.inputImage)

xin = pipeline.create(dai.node.XLinkIn)
xin.setStreamName("config")
xin.out.link(tracker.inputConfig)
for name, port in (("frames", tracker.passthroughInputImage), ("features", tracker.outputFeatures)):
    xout = pipeline.create(dai.node.XLinkOut)
    xout.setStreamName(name)
    port.link(xout.input)

config = tracker.initialConfig.get()
paths = defaultdict(lambda: deque(maxlen=10))

with dai.Device(pipeline) as device:
    frames, features = device.getOutputQueue("frames", 4, False), device.getOutputQueue("features", 4, False)
    configs = device.getInputQueue("config")
    previous = set()
    while True:
        frame = cv2.cvtColor(frames.get().getCvFrame(), cv2.COLOR_GRAY2BGR)
        msg = features.get()
        ids = {f.id for f in msg.trackedFeatures}
        for gone in set(paths) - ids:
            del paths[gone]
        for f in msg.trackedFeatures:
            path = paths[f.id]
            path.append((int(f.position.x), int(f.position.y)))
            for a, b in zip(path, list(path)[1:]):
                cv2.line(frame, a, b, (200, 0, 200), 1, cv2.LINE_AA)
            cv2.circle(frame, path[-1], 2, (0, 0, 255), -1, cv2.LINE_AA)
        ages = [f.age for f in msg.trackedFeatures]
        print(f"frame {msg.getSequenceNum()}: {len(ids)} features, {len(ids & previous)} kept, "
              f"mean age {sum(ages) / max(len(ages), 1):.1f}")
        previous = ids
        cv2.imshow("features", frame)
        key = cv2.waitKey(1)
        if key == ord("q"):
            break
        if key == ord("s"):
            kind = dai.FeatureTrackerConfig.CornerDetector.Type
            harris = config.cornerDetector.type == kind.HARRIS
            config.cornerDetector.type = kind.SHI_THOMASI if harris else kind.HARRIS
            print("Switching to", "Shi-Tomasi" if harris else "Harris")
            configs.send(dai.FeatureTrackerConfig().set(config))
