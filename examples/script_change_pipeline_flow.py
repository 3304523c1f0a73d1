#!/usr/bin/env python3
"""The host turns the detection network on and off through a Script (gen2's script_change_pipeline_flow.py):
press 't' to toggle; the Script forwards camera frames to the MobileNet detector only while it is on.

    oakling run --camera CAM_A=clip.mp4 examples/script_change_pipeline_flow.py
    oakling run --camera CAM_A=clip.mp4 --headless examples/script_change_pipeline_flow.py --toggle-every 5

On an OAK this runs mobilenet-ssd; here the detector is the bright-square model of toy_models.py,
built at start (or give --blob PATH for a blob of your own with a DetectionOutput [1,1,N,7] output
and a 300x300 BGR planar input). --toggle-every N also toggles every N frames, for runs with no keyboard.
"""
import argparse

import cv2
import depthai as dai
import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--blob", help="a MobileNet-SSD-style blob (default: build the bright-square detector)")
parser.add_argument("--toggle-every", type=int, default=0, metavar="N", help="also toggle every N frames")
args = parser.parse_args()
if args.blob:
    nnPath = args.blob
else:
    from toy_models import make_blob
    nnPath = make_blob("ssd", 300, 300)

pipeline = dai.Pipeline()

cam = pipeline.createColorCamera()
cam.setBoardSocket(dai.CameraBoardSocket.CAM_A)
cam.setInterleaved(False)
cam.setIspScale(2, 3)
cam.setVideoSize(720, 720)
cam.setPreviewSize(300, 300)

xoutRgb = pipeline.create(dai.node.XLinkOut)
xoutRgb.setStreamName('rgb')
cam.video.link(xoutRgb.input)

script = pipeline.createScript()

xin = pipeline.create(dai.node.XLinkIn)
xin.setStreamName('in')
xin.out.link(script.inputs['toggle'])

cam.preview.link(script.inputs['rgb'])
script.setScript("""
    toggle = False
    while True:
        msg = node.io['toggle'].tryGet()
        if msg is not None:
            toggle = msg.getData()[0]
            node.warn('Toggle! Perform NN inferencing: ' + str(toggle))

        frame = node.io['rgb'].get()

        if toggle:
            node.io['nn'].send(frame)
""")

nn = pipeline.create(dai.node.MobileNetDetectionNetwork)
nn.setBlobPath(nnPath)
script.outputs['nn'].link(nn.input)

xoutNn = pipeline.create(dai.node.XLinkOut)
xoutNn.setStreamName('nn')
nn.out.link(xoutNn.input)

with dai.Device(pipeline) as device:
    inQ = device.getInputQueue("in")
    qRgb = device.getOutputQueue("rgb")
    qNn = device.getOutputQueue("nn")

    runNn = False

    def frameNorm(frame, bbox):
        normVals = np.full(len(bbox), frame.shape[0])
        normVals[::2] = frame.shape[1]
        return (np.clip(np.array(bbox), 0, 1) * normVals).astype(int)

    color = (255, 127, 0)

    def drawDetections(frame, detections):
        for detection in detections:
            bbox = frameNorm(frame, (detection.xmin, detection.ymin, detection.xmax, detection.ymax))
            cv2.putText(frame, f"{int(detection.confidence * 100)}%", (bbox[0] + 10, bbox[1] + 20),
                        cv2.FONT_HERSHEY_TRIPLEX, 0.5, color)
            cv2.rectangle(frame, (bbox[0], bbox[1]), (bbox[2], bbox[3]), color, 2)

    count = 0
    while True:
        frame = qRgb.get().getCvFrame()
        count += 1

        if qNn.has():
            msg = qNn.get()
            print(f"frame {msg.getSequenceNum()}: {len(msg.detections)} detections")
            drawDetections(frame, msg.detections)

        cv2.putText(frame, f"NN inferencing: {runNn}", (20, 20), cv2.FONT_HERSHEY_TRIPLEX, 0.7, color)
        cv2.imshow('Color frame', frame)

        key = cv2.waitKey(1)
        if key == ord('q'):
            break
        elif key == ord('t') or (args.toggle_every and count % args.toggle_every == 0):
            runNn = not runNn
            print(f"{'Enabling' if runNn else 'Disabling'} NN inferencing")
            buf = dai.Buffer()
            buf.setData(runNn)
            inQ.send(buf)
