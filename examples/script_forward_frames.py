#!/usr/bin/env python3
"""A Script asks the camera for stills and deals them out to two streams in turn, changing the
exposure compensation each time (gen2's script_forward_frames.py):
    oakling run --camera CAM_A=clip.mp4 examples/script_forward_frames.py
"""
import cv2
import depthai as dai

pipeline = dai.Pipeline()

cam = pipeline.create(dai.node.ColorCamera)
cam.setIspScale(1, 2)

script = pipeline.create(dai.node.Script)
script.setScript("""
    ctrl = CameraControl()
    ctrl.setCaptureStill(True)
    node.io['ctrl'].send(ctrl)          # the first still

    normal = True
    while True:
        frame = node.io['frames'].get()
        if normal:
            ctrl.setAutoExposureCompensation(3)
            node.io['stream1'].send(frame)
        else:
            ctrl.setAutoExposureCompensation(-3)
            node.io['stream2'].send(frame)
        normal = not normal
        node.io['ctrl'].send(ctrl)      # and the next one
""")
cam.still.link(script.inputs["frames"])
script.outputs["ctrl"].link(cam.inputControl)

for name in ("stream1", "stream2"):
    xout = pipeline.create(dai.node.XLinkOut)
    xout.setStreamName(name)
    script.outputs[name].link(xout.input)

with dai.Device(pipeline) as device:
    q1 = device.getOutputQueue("stream1")
    q2 = device.getOutputQueue("stream2")
    while True:
        cv2.imshow("stream1", q1.get().getCvFrame())
        cv2.imshow("stream2", q2.get().getCvFrame())
        if cv2.waitKey(1) == ord("q"):
            break
