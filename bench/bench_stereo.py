#!/usr/bin/env python3
"""StereoDepth on the synthetic stereo scene at 640x400 and 1280x800 (96 disparities, subpixel),
against the same matching done bare in a loop, in the same run.

Node: two MonoCameras (offline, so every pair is matched) → StereoDepth → host, timed over FRAMES
depth frames in a real device process. Baseline: the same work in one Python loop on the same
pictures — `stereo_depth_ops` (OpenCV SGBM, the sub-pixel refinement, depth) — with no pipeline.
Rounds alternate node and baseline; the ratio is the median of the rounds' ratios. Also printed:
OpenCV's SGBM alone, for what the refinement costs.

Targets: the node at >= 90 % of the bare loop; >= 30 frames/s at 640x400 on 2 cores.
"""
import statistics
import time

import cv2

import oakling as dai
from oakling.calibration import oak_d
from oakling.nodes import stereo_depth_ops as ops
from oakling.sources.stereo_scene import render

ROUNDS, FRAMES = 3, 30
SIZES = {(640, 400): dai.MonoCameraProperties.SensorResolution.THE_400_P,
         (1280, 800): dai.MonoCameraProperties.SensorResolution.THE_800_P}


def node_fps(resolution) -> float:
    p = dai.Pipeline()
    stereo = p.create(dai.node.StereoDepth)
    stereo.setSubpixel(True)
    for socket, port in ((dai.CameraBoardSocket.CAM_B, stereo.left), (dai.CameraBoardSocket.CAM_C, stereo.right)):
        cam = p.create(dai.node.MonoCamera)
        cam.setBoardSocket(socket)
        cam.setResolution(resolution)
        cam.out.link(port)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("depth")
    stereo.depth.link(xout.input)
    with dai.Device(p, realtime=False) as device:
        q = device.getOutputQueue("depth")
        q.get(timeout=60)
        start = time.perf_counter()
        for _ in range(FRAMES):
            q.get(timeout=60)
        return FRAMES / (time.perf_counter() - start)


def bare_fps(width, height, sgbm_only=False) -> float:
    left, right = render(1, width, height)[0], render(2, width, height)[0]
    config = dai.StereoDepthConfig()
    config.setSubpixel(True)
    raw = config.get()
    matcher = ops.Matcher(raw)
    fx = oak_d().getCameraIntrinsics(dai.CameraBoardSocket.CAM_C, width, height)[0][0]
    start = time.perf_counter()
    for _ in range(FRAMES):
        if sgbm_only:
            cv2.flip(matcher._sgbm.compute(cv2.flip(right, 1), cv2.flip(left, 1)), 1)
            continue
        disparity = ops.disparity_output(matcher.disparity(left, right), raw)
        ops.depth_output(ops.filtered_disparity(disparity, raw), fx, 75.0, raw)
    return FRAMES / (time.perf_counter() - start)


def main():
    for (width, height), resolution in SIZES.items():
        nodes, bares, ratios = [], [], []
        for k in range(ROUNDS):
            if k % 2:
                bare, node = bare_fps(width, height), node_fps(resolution)
            else:
                node, bare = node_fps(resolution), bare_fps(width, height)
            nodes.append(node)
            bares.append(bare)
            ratios.append(node / bare)
        sgbm = bare_fps(width, height, sgbm_only=True)
        line = (f"StereoDepth {width}x{height}, 96 disparities, subpixel: {statistics.median(nodes):6.1f} frames/s | "
                f"baseline same matching in a loop: {statistics.median(bares):6.1f} frames/s | "
                f"ratio {statistics.median(ratios):.2f} (target >= 0.90) | OpenCV SGBM alone: {sgbm:6.1f} frames/s")
        if (width, height) == (640, 400):
            line += f" | target >= 30 frames/s: {'met' if statistics.median(nodes) >= 30 else 'MISSED'}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
