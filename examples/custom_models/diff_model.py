#!/usr/bin/env python3
"""Frame difference: a PyTorch model with two image inputs, converted to a blob.

    python diff_model.py [out.blob]      # default: models/diff.blob beside this file

The blob takes two 300x300 planar BGR frames (U8, no batch dimension: [3,300,300]) on inputs img1
and img2 and gives, per pixel, the sum of img1's channels minus the sum of img2's: 300x300 FP16.
"""
import sys
from pathlib import Path

import torch

import oakling.models

SHAPE = 300


class Model(torch.nn.Module):
    def forward(self, img1, img2):
        return torch.sum(img1, dim=0) - torch.sum(img2, dim=0)


def make_blob(path, size: int = SHAPE, **options):
    """Convert the model for size x size frames; `options` go to oakling.models.convert."""
    options.setdefault("input_precision", "U8")
    example = (torch.ones(3, size, size), torch.ones(3, size, size))
    return oakling.models.convert(Model(), path, example_input=example, **options)


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "models" / "diff.blob"
    print("wrote", make_blob(out))
