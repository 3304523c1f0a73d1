#!/usr/bin/env python3
"""On-device point cloud: depth (U16, millimetres) times a precomputed grid of rays, converted to a blob.

    python pointcloud_model.py [out.blob]   # default: models/pointcloud.blob beside this file

The host computes the grid once from the camera intrinsics (create_xyz in pointcloud.py):
xyz[v, u] = ((u - cx) / fx, (v - cy) / fy, 1), and sends it as FP16 values. The blob takes it on
input 'xyz' [1,400,640,3] FP16 and the depth frames (RAW16, as StereoDepth.depth gives them) on
input 'depth' [1,1,400,640] U16, and gives the points, 1x3x400x640 FP16, in millimetres. No
byte-pair trick is needed: the blob takes U16 as it is.
"""
import sys
from pathlib import Path

import torch

import oakling.models

WIDTH, HEIGHT = 640, 400


class Model(torch.nn.Module):
    def forward(self, xyz, depth):
        return xyz.permute(0, 3, 1, 2) * depth      # [1,3,H,W] rays times [1,1,H,W] depth


def make_blob(path, width: int = WIDTH, height: int = HEIGHT, **options):
    """Convert the model for width x height depth frames; `options` go to oakling.models.convert."""
    options.setdefault("input_precision", {"xyz": "FP16", "depth": "U16"})
    example = (torch.ones(1, height, width, 3), torch.ones(1, 1, height, width))
    return oakling.models.convert(Model(), path, example_input=example, **options)


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "models" / "pointcloud.blob"
    print("wrote", make_blob(out))
