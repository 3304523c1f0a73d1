#!/usr/bin/env python3
"""Cosine similarity and distance of two vectors (e.g. face or person embeddings), converted to a blob.

    python cos_dist_model.py [out.blob]  # default: models/cos_dist.blob beside this file

The blob takes two vectors of 256 FP16 values on inputs 'a' and 'b' and gives 'similarity'
(a·b / |a||b|, from -1 to 1) and 'distance' (1 - similarity), one FP16 value each.
"""
import sys
from pathlib import Path

import torch

import oakling.models

LENGTH = 256


class Model(torch.nn.Module):
    def forward(self, a, b):
        # The norms are taken one by one, so that no product of two squared norms can overflow FP16.
        similarity = torch.sum(a * b, dim=-1, keepdim=True) / (
            torch.sqrt(torch.sum(a * a, dim=-1, keepdim=True)) * torch.sqrt(torch.sum(b * b, dim=-1, keepdim=True)))
        return similarity, 1 - similarity


def make_blob(path, length: int = LENGTH, **options):
    """Convert the model for vectors of `length` values; `options` go to oakling.models.convert."""
    options.setdefault("input_precision", "FP16")
    example = (torch.ones(length), torch.ones(length))
    return oakling.models.convert(Model(), path, example_input=example, output_names=["similarity", "distance"],
                                  **options)


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "models" / "cos_dist.blob"
    print("wrote", make_blob(out))
