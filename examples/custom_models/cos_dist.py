#!/usr/bin/env python3
"""Cosine similarity of two vectors sent from the host, computed on the device (cos_dist_model.py).

    oakling run examples/custom_models/cos_dist.py [model.blob]

Each pair travels as one NNData with a layer per model input ('a' and 'b'). The host checks the
device's answer against NumPy's. Without a blob argument it uses models/cos_dist.blob, converting
cos_dist_model.py first if it is missing.
"""
import sys
from pathlib import Path

import depthai as dai
import numpy as np

LENGTH = 256
nnPath = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "models" / "cos_dist.blob"
if not nnPath.exists():
    import cos_dist_model
    cos_dist_model.make_blob(nnPath, LENGTH)

pipeline = dai.Pipeline()
xin = pipeline.create(dai.node.XLinkIn)
xin.setStreamName("vectors")
nn = pipeline.create(dai.node.NeuralNetwork)
nn.setBlobPath(str(nnPath))
xin.out.link(nn.input)
xout = pipeline.create(dai.node.XLinkOut)
xout.setStreamName("nn")
nn.out.link(xout.input)

rng = np.random.default_rng(0)
with dai.Device(pipeline) as device:
    qIn = device.getInputQueue("vectors")
    qNn = device.getOutputQueue("nn")
    for k in range(5):
        a = rng.normal(0, 3, LENGTH)
        b = a + rng.normal(0, 3 * k, LENGTH)        # further from a each time
        data = dai.NNData()
        data.setLayer("a", a.tolist())               # a list of floats: FP16 values, as the inputs take
        data.setLayer("b", b.tolist())
        qIn.send(data)
        result = qNn.get()
        similarity = result.getLayerFp16("similarity")[0]
        a16, b16 = a.astype(np.float16).astype(np.float64), b.astype(np.float16).astype(np.float64)
        expected = a16 @ b16 / (np.linalg.norm(a16) * np.linalg.norm(b16))
        print(f"pair {k}: cosine similarity {similarity:.4f}, distance {result.getLayerFp16('distance')[0]:.4f} "
              f"(NumPy: {expected:.4f})")
