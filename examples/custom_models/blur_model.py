#!/usr/bin/env python3
"""Gaussian blur (9x9, sigma 2.5, borders reflected) as a PyTorch model, converted to a blob.

    python blur_model.py [out.blob]      # default: models/blur.blob beside this file

The blob takes 300x300 planar BGR frames (U8) and gives the blurred image, 3x300x300 FP16.
"""
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

import oakling.models

SHAPE = 300
KERNEL, SIGMA = 9, 2.5


def gaussian(size: int, sigma: float) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
    g = torch.exp(-x ** 2 / (2 * sigma ** 2))
    return g / g.sum()


class Model(torch.nn.Module):
    """A separable blur: one pass along rows, one along columns, each channel on its own."""

    def __init__(self, size: int = KERNEL, sigma: float = SIGMA):
        super().__init__()
        g = gaussian(size, sigma)
        self.register_buffer("row", g.view(1, 1, 1, size).repeat(3, 1, 1, 1))
        self.register_buffer("column", g.view(1, 1, size, 1).repeat(3, 1, 1, 1))
        self.pad = size // 2

    def forward(self, image):
        p = self.pad
        x = F.pad(image, (p, p, p, p), mode="reflect")
        x = F.conv2d(x, self.row, groups=3)
        return F.conv2d(x, self.column, groups=3)


def make_blob(path, size: int = SHAPE, **options):
    """Convert the model for size x size frames; `options` go to oakling.models.convert."""
    options.setdefault("input_precision", "U8")          # camera frames are bytes
    return oakling.models.convert(Model().eval(), path, example_input=torch.ones(1, 3, size, size),
                                  input_names=["image"], **options)


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "models" / "blur.blob"
    print("wrote", make_blob(out))
