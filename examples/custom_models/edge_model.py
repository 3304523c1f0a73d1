#!/usr/bin/env python3
"""Edge detection with a 3x3 Laplacian (normalised, borders reflected) as a PyTorch model, converted to a blob.

    python edge_model.py [out.blob]      # default: models/edge.blob beside this file

The blob takes 300x300 planar BGR frames (U8) and gives the Laplacian per channel, 3x300x300 FP16
(negative where a pixel is brighter than its neighbours).
"""
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

import oakling.models

SHAPE = 300


class Model(torch.nn.Module):
    """Each pixel's 8 neighbours minus 8 times itself, divided by 16 (the kernel's absolute sum)."""

    def __init__(self):
        super().__init__()
        kernel = torch.ones(3, 3)
        kernel[1, 1] = -8
        kernel /= kernel.abs().sum()
        self.register_buffer("kernel", kernel.view(1, 1, 3, 3).repeat(3, 1, 1, 1))

    def forward(self, image):
        return F.conv2d(F.pad(image, (1, 1, 1, 1), mode="reflect"), self.kernel, groups=3)


def make_blob(path, size: int = SHAPE, **options):
    """Convert the model for size x size frames; `options` go to oakling.models.convert."""
    options.setdefault("input_precision", "U8")
    return oakling.models.convert(Model().eval(), path, example_input=torch.ones(1, 3, size, size),
                                  input_names=["image"], **options)


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "models" / "edge.blob"
    print("wrote", make_blob(out))
