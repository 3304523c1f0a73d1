#!/usr/bin/env python3
"""Two networks glued by a Script, as gen2's face → age/gender/emotion programs do it: a detector finds
objects, a Script pairs its detections with the frames they came from (by sequence number) and sends
ImageManip a crop config and the frame per detection; the crops feed a second network; the host pairs
the detections with the second network's results by sequence number.

    oakling run --camera CAM_A=clip.mp4 examples/script_two_stage_nn.py
    oakling run --camera CAM_A=clip.mp4 --headless --max-frames 30 examples/script_two_stage_nn.py

On an OAK the two would be e.g. face-detection-retail-0004 and age-gender-recognition-retail-0013;
here they are toy_models.py's bright-square detector (MobileNet-SSD-shaped) and a classifier that
says how bright its crop is, built at start (or give --det-blob / --rec-blob).
"""
import argparse

import cv2
import depthai as dai
import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--det-blob", help="a MobileNet-SSD-style detector taking 300x300 BGR planar frames")
parser.add_argument("--rec-blob", help="a classifier taking 64x64 BGR planar crops, output 'probs'")
args = parser.parse_args()
if not (args.det_blob and args.rec_blob):
    from toy_models import make_blob
det_blob = args.det_blob or make_blob("ssd", 300, 300)
rec_blob = args.rec_blob or make_blob("classifier", 64, 64)

pipeline = dai.Pipeline()

cam = pipeline.create(dai.node.ColorCamera)
cam.setPreviewSize(300, 300)
cam.setInterleaved(False)

detector = pipeline.create(dai.node.MobileNetDetectionNetwork)
detector.setBlobPath(det_blob)
detector.setConfidenceThreshold(0.5)
cam.preview.link(detector.input)

script = pipeline.create(dai.node.Script)
script.setScript("""
    def crop(frame, det):
        cfg = ImageManipConfig()
        cfg.setCropRect(max(0.0, det.xmin), max(0.0, det.ymin), min(1.0, det.xmax), min(1.0, det.ymax))
        cfg.setResize(64, 64)
        cfg.setKeepAspectRatio(False)
        node.io['manip_cfg'].send(cfg)
        node.io['manip_img'].send(frame)

    frame = None
    while True:
        dets = node.io['dets'].get()
        seq = dets.getSequenceNum()
        # Every frame reached this script before the detector was done with it: skip to the one detected.
        while frame is None or frame.getSequenceNum() < seq:
            frame = node.io['preview'].get()
        if frame.getSequenceNum() != seq:
            node.warn(f"no frame {seq} for its detections (next is {frame.getSequenceNum()})")
            continue
        for det in dets.detections:
            crop(frame, det)
""")
cam.preview.link(script.inputs['preview'])
detector.out.link(script.inputs['dets'])

manip = pipeline.create(dai.node.ImageManip)
manip.initialConfig.setResize(64, 64)
manip.inputConfig.setWaitForMessage(True)
script.outputs['manip_cfg'].link(manip.inputConfig)
script.outputs['manip_img'].link(manip.inputImage)

classifier = pipeline.create(dai.node.NeuralNetwork)
classifier.setBlobPath(rec_blob)
manip.out.link(classifier.input)

for name, output in (("preview", cam.preview), ("detections", detector.out), ("recognitions", classifier.out)):
    xout = pipeline.create(dai.node.XLinkOut)
    xout.setStreamName(name)
    output.link(xout.input)

with dai.Device(pipeline) as device:
    qPreview = device.getOutputQueue("preview")
    qDet = device.getOutputQueue("detections")
    qRec = device.getOutputQueue("recognitions")

    def frameNorm(frame, bbox):
        normVals = np.full(len(bbox), frame.shape[0])
        normVals[::2] = frame.shape[1]
        return (np.clip(np.array(bbox), 0, 1) * normVals).astype(int)

    frame = None
    while True:
        # Detections come in frame order, then one classifier result per detection: pair them by seq.
        dets = qDet.get()
        seq = dets.getSequenceNum()
        while frame is None or frame.getSequenceNum() < seq:
            frame = qPreview.get()
        img = frame.getCvFrame()
        for det in dets.detections:
            rec = qRec.get()
            if rec.getSequenceNum() != seq:
                raise RuntimeError(f"classifier result {rec.getSequenceNum()} arrived for detections of frame {seq}")
            dark, bright = rec.getLayerFp16("probs")
            bbox = frameNorm(img, (det.xmin, det.ymin, det.xmax, det.ymax))
            print(f"frame {seq}: box {bbox.tolist()} confidence {det.confidence:.2f}, bright {bright:.2f}")
            cv2.rectangle(img, (bbox[0], bbox[1]), (bbox[2], bbox[3]), (10, 245, 10), 2)
            cv2.putText(img, f"bright {bright:.0%}", (bbox[0] + 5, bbox[1] + 20), cv2.FONT_HERSHEY_TRIPLEX,
                        0.5, (10, 245, 10))
        cv2.imshow("detections", img)
        if cv2.waitKey(1) == ord('q'):
            break
