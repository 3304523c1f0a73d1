#!/usr/bin/env python3
"""On-device point cloud: depth frames (RAW16, millimetres) times a grid of rays sent once.

    oakling run examples/custom_models/pointcloud.py [model.blob] [--frames N]

On an OAK, depth comes from StereoDepth (`stereo.depth.link(nn.inputs["depth"])`); oakling has no
StereoDepth node yet, so this program makes the depth on the host (a wall 2 m away and a ball
that comes closer) and sends it through an XLinkIn as RAW16 ImgFrames. The model takes U16
depth as it is. The grid is computed once from the intrinsics and sent as FP16 bytes; the
NeuralNetwork reuses it for every frame (setReusePreviousMessage(True)). Without a blob
argument it uses models/pointcloud.blob, converting pointcloud_model.py first if it is missing.
"""
import argparse
from pathlib import Path

import cv2
import depthai as dai
import numpy as np

WIDTH, HEIGHT = 640, 400
CAMERA_MATRIX = [[450.0, 0.0, 320.0], [0.0, 450.0, 200.0], [0.0, 0.0, 1.0]]   # a 640x400 mono camera

parser = argparse.ArgumentParser()
parser.add_argument("blob", nargs="?", type=Path,
                    default=Path(__file__).resolve().parent / "models" / "pointcloud.blob")
parser.add_argument("--frames", type=int, default=60)
args = parser.parse_args()

if not args.blob.exists():
    import pointcloud_model
    pointcloud_model.make_blob(args.blob, WIDTH, HEIGHT)


def create_xyz(width: int, height: int, camera_matrix) -> np.ndarray:
    """The ray through each pixel, [height, width, 3]: ((u - cx) / fx, (v - cy) / fy, 1)."""
    m = np.asarray(camera_matrix, np.float64).reshape(3, 3)
    u, v = np.meshgrid(np.arange(width, dtype=np.float64), np.arange(height, dtype=np.float64))
    return np.stack([(u - m[0, 2]) / m[0, 0], (v - m[1, 2]) / m[1, 1], np.ones_like(u)], axis=-1).astype(np.float32)

pipeline = dai.Pipeline()
nn = pipeline.create(dai.node.NeuralNetwork)
nn.setBlobPath(str(args.blob))

depthIn = pipeline.create(dai.node.XLinkIn)
depthIn.setStreamName("depth_in")
depthIn.out.link(nn.inputs["depth"])

xyzIn = pipeline.create(dai.node.XLinkIn)
xyzIn.setStreamName("xyz_in")
xyzIn.setMaxDataSize(WIDTH * HEIGHT * 3 * 2)
xyzIn.out.link(nn.inputs["xyz"])
nn.inputs["xyz"].setReusePreviousMessage(True)     # sent once, used for every depth frame

pointsOut = pipeline.create(dai.node.XLinkOut)
pointsOut.setStreamName("pcl")
nn.out.link(pointsOut.input)


def scene_depth(k: int) -> np.ndarray:
    """Depth in millimetres: a wall at 2 m, and the front of a ball (120 px across the middle of the
    picture, 300 mm deep) whose centre moves from 1.8 m to 0.9 m."""
    depth = np.full((HEIGHT, WIDTH), 2000, np.uint16)
    v, u = np.mgrid[0:HEIGHT, 0:WIDTH]
    r2 = ((u - WIDTH / 2) ** 2 + (v - HEIGHT / 2) ** 2) / 120 ** 2     # squared distance from the centre, in radii
    centre = 1800 - 15 * (k % 60)
    depth[r2 < 1] = centre - 300 * np.sqrt(1 - r2[r2 < 1])
    return depth


def top_view(points: np.ndarray, size: int = 400) -> np.ndarray:
    """The points seen from above: x across (-1.5..1.5 m), distance up (0..3 m)."""
    image = np.zeros((size, size), np.uint8)
    x, z = points[:, 0], points[:, 2]
    keep = (z > 0) & (z < 3) & (np.abs(x) < 1.5)
    cols = ((x[keep] + 1.5) / 3 * (size - 1)).astype(int)
    rows = (size - 1 - z[keep] / 3 * (size - 1)).astype(int)
    np.add.at(image, (rows, cols), 1)
    return cv2.applyColorMap(np.minimum(image.astype(np.int32) * 8, 255).astype(np.uint8), cv2.COLORMAP_JET)


with dai.Device(pipeline) as device:
    xyz = create_xyz(WIDTH, HEIGHT, CAMERA_MATRIX)
    buffer = dai.Buffer()
    buffer.setData(np.array([xyz], dtype=np.float16).view(np.int8))
    device.getInputQueue("xyz_in").send(buffer)

    qDepth = device.getInputQueue("depth_in")
    qPcl = device.getOutputQueue("pcl", maxSize=8, blocking=False)
    for k in range(args.frames):
        frame = dai.ImgFrame()
        frame.setType(dai.ImgFrame.Type.RAW16)
        frame.setWidth(WIDTH)
        frame.setHeight(HEIGHT)
        frame.setFrame(scene_depth(k))
        frame.setSequenceNum(k)
        qDepth.send(frame)
        result = np.array(qPcl.get().getData()).view(np.float16)      # the one output's FP16 values
        points = result.reshape(3, -1).T.astype(np.float32) / 1000.0    # (N, 3) in metres
        nearest = points[:, 2].min()
        if k % 10 == 0:
            print(f"frame {k}: {len(points)} points, nearest {nearest:.2f} m")
        cv2.imshow("top view", top_view(points))
        if cv2.waitKey(1) == ord("q"):
            break
