#!/usr/bin/env python3
"""The end-to-end spatial detection rate at 640x400, and the point cloud's, against the depth alone in
the same run.

Spatial detection: gen2's spatial_mobilenet_mono layout — two MonoCameras (400P, offline, so every
pair is matched) → StereoDepth (subpixel, 96 disparities) → rectifiedRight → ImageManip (300x300
BGR planar) → MobileNetSpatialDetectionNetwork (a stand-in that finds the near board, so every
frame has a detection to measure, scale factor 0.5) with the depth on `inputDepth` → host, timed over
FRAMES SpatialImgDetections. Point cloud: the same cameras and StereoDepth → PointCloud (dense) →
host. Baseline: the same cameras and StereoDepth → depth to host. Rounds alternate which runs first;
rates and ratios are the medians of ROUNDS rounds.

An OAK-D's published StereoDepth rate for 640x400 (gen2 docs, depth output, 5x5 median filter,
monos at 110 FPS) is printed beside: 105 frames/s with subpixel, 96 with subpixel and left-right
check. On the device the spatial rate is bounded by the network (and the cameras' 30 FPS default).
"""
import os
import statistics
import sys
import tempfile
import time

import oakling as dai

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from known_box import CENTRE_PART, CENTRE_SQUARE, box_in, box_on, known_box_blob  # noqa: E402

ROUNDS, FRAMES = 3, 30
RIGHT = dai.CameraBoardSocket.CAM_C
OAK_D_STEREO_400P = {"subpixel": 105, "subpixel + LR check": 96}


def _stereo(p):
    stereo = p.create(dai.node.StereoDepth)
    stereo.setSubpixel(True)
    for socket, port in ((dai.CameraBoardSocket.CAM_B, stereo.left), (RIGHT, stereo.right)):
        cam = p.create(dai.node.MonoCamera)
        cam.setBoardSocket(socket)
        cam.setResolution(dai.MonoCameraProperties.SensorResolution.THE_400_P)
        cam.out.link(port)
    return stereo


def _rate(p, stream) -> float:
    with dai.Device(p, realtime=False) as device:
        q = device.getOutputQueue(stream)
        q.get(timeout=60)
        start = time.perf_counter()
        for _ in range(FRAMES):
            q.get(timeout=60)
        return FRAMES / (time.perf_counter() - start)


def _out(p, output, name):
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName(name)
    output.link(xout.input)


def depth_rate() -> float:
    p = dai.Pipeline()
    _out(p, _stereo(p).depth, "out")
    return _rate(p, "out")


def spatial_rate(blob) -> float:
    p = dai.Pipeline()
    stereo = _stereo(p)
    manip = p.create(dai.node.ImageManip)
    manip.initialConfig.setResize(300, 300)
    manip.initialConfig.setFrameType(dai.ImgFrame.Type.BGR888p)
    stereo.rectifiedRight.link(manip.inputImage)
    det = p.create(dai.node.MobileNetSpatialDetectionNetwork)
    det.setBlobPath(blob)
    det.setBoundingBoxScaleFactor(0.5)
    manip.out.link(det.input)
    stereo.depth.link(det.inputDepth)
    _out(p, det.out, "out")
    return _rate(p, "out")


def pointcloud_rate() -> float:
    p = dai.Pipeline()
    pcl = p.create(dai.node.PointCloud)
    _stereo(p).depth.link(pcl.inputDepth)
    _out(p, pcl.outputPointCloud, "out")
    return _rate(p, "out")


def main():
    with tempfile.TemporaryDirectory() as folder:
        box = box_in(box_on(RIGHT, 640, 400, part=CENTRE_PART), CENTRE_SQUARE)   # on the manip's centred square
        blob = known_box_blob("ssd", box, 300, 300, folder)
        subjects = {"spatial detection": lambda: spatial_rate(blob), "point cloud": pointcloud_rate}
        for name, subject in subjects.items():
            rates, bases, ratios = [], [], []
            for k in range(ROUNDS):
                if k % 2:
                    base, rate = depth_rate(), subject()
                else:
                    rate, base = subject(), depth_rate()
                rates.append(rate)
                bases.append(base)
                ratios.append(rate / base)
            published = ", ".join(f"{mode} {fps}" for mode, fps in OAK_D_STEREO_400P.items())
            print(f"{name} 640x400 end to end: {statistics.median(rates):5.1f} frames/s | depth alone, same run: "
                  f"{statistics.median(bases):5.1f} frames/s | ratio {statistics.median(ratios):.2f} | "
                  f"OAK-D StereoDepth 640x400 (published): {published} frames/s | "
                  f"load average {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
