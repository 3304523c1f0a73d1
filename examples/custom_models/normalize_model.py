#!/usr/bin/env python3
"""Normalisation with run-time constants: frame * multiplier + addend, converted to a blob.

    python normalize_model.py [out.blob] # default: models/normalize.blob beside this file

The blob takes a 300x300 planar BGR frame as FP16 values (ColorCamera setFp16(True)) on input
'frame', and one FP16 value each on inputs 'multiplier' and 'addend' (sent once, then reused).
It gives the normalised frame, 1x3x300x300 FP16.
"""
import sys
from pathlib import Path

import torch

import oakling.models

SHAPE = 300


class Model(torch.nn.Module):
    def forward(self, frame, multiplier, addend):
        return frame * multiplier + addend


def make_blob(path, size: int = SHAPE, **options):
    """Convert the model for size x size frames; `options` go to oakling.models.convert."""
    options.setdefault("input_precision", "FP16")       # as compile_tool's -ip FP16: every input takes FP16
    example = (torch.ones(1, 3, size, size), torch.ones(1, 1, 1), torch.ones(1, 1, 1))
    return oakling.models.convert(Model(), path, example_input=example, **options)


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "models" / "normalize.blob"
    print("wrote", make_blob(out))
