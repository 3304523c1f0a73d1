#!/usr/bin/env python3
"""Three frames side by side: a PyTorch model with three image inputs, converted to a blob.

    python concat_model.py [out.blob]    # default: models/concat.blob beside this file

The blob takes three 300x300 planar BGR frames (U8) on inputs img1, img2, img3 and gives one
3x300x900 FP16 image: img1 | img2 | img3.
"""
import sys
from pathlib import Path

import torch

import oakling.models

SHAPE = 300


class Model(torch.nn.Module):
    def forward(self, img1, img2, img3):
        return torch.cat((img1, img2, img3), 3)     # along the width


def make_blob(path, size: int = SHAPE, **options):
    """Convert the model for size x size frames; `options` go to oakling.models.convert."""
    options.setdefault("input_precision", "U8")
    example = tuple(torch.ones(1, 3, size, size) for _ in range(3))
    return oakling.models.convert(Model(), path, example_input=example, **options)


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "models" / "concat.blob"
    print("wrote", make_blob(out))
