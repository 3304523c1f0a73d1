#!/usr/bin/env python3
"""Auto-contrast the camera's preview with a network whose layers are OpenCL kernels of your own.
    oakling run --camera CAM_A=clip.mp4 examples/custom_layers/auto_contrast.py

The network, made here with onnx.helper, has three layers no standard operation set has, in the
custom domain "my.ops": MyMVN brings each colour channel to mean 0 and deviation 1 (two kernel
stages: sums, then the normalisation), MyScaleShift stretches it around mid-grey with a scale and
a shift per channel (its weights and biases), and MyReLU6 clamps to [0, 6] in FP16. OpenVINO's own
Mul makes bytes of that. bindings.xml (OpenVINO's VPU custom-layer XML) binds the three layers to
the kernels beside it; `oakling.models.convert(..., custom_layers=...)` checks and builds them and
puts them into the blob with the model, and the NeuralNetwork node runs them where the model says.
"""
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import oakling as dai
import oakling.models

HERE = Path(__file__).resolve().parent
WIDTH, HEIGHT = 320, 180


def auto_contrast_model(width: int, height: int) -> onnx.ModelProto:
    """image [1,3,H,W] -> MyMVN -> MyScaleShift(1.5, 3) -> MyReLU6(6) -> x 255/6 -> contrast [1,3,H,W]."""
    nodes = [
        helper.make_node("MyMVN", ["image"], ["normal"], domain="my.ops", name="mvn", epsilon=1e-3),
        helper.make_node("MyScaleShift", ["normal", "scale", "shift"], ["stretched"], domain="my.ops",
                         name="stretch"),
        helper.make_node("MyReLU6", ["stretched"], ["clamped"], domain="my.ops", name="clamp", max=6.0),
        helper.make_node("Mul", ["clamped", "to_bytes"], ["contrast"], name="to_bytes"),
    ]
    weights = [numpy_helper.from_array(np.full(3, 1.5, np.float32), "scale"),
               numpy_helper.from_array(np.full(3, 3.0, np.float32), "shift"),
               numpy_helper.from_array(np.array(255 / 6, np.float32), "to_bytes")]
    shape = [1, 3, height, width]
    graph = helper.make_graph(nodes, "auto_contrast", [helper.make_tensor_value_info("image", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("contrast", TensorProto.FLOAT, shape)], weights)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("my.ops", 1)])


blob = Path(tempfile.mkdtemp(prefix="auto_contrast-")) / "auto_contrast.blob"
oakling.models.convert(auto_contrast_model(WIDTH, HEIGHT), blob, custom_layers=HERE / "bindings.xml",
                       input_precision="U8")          # camera frames are bytes

pipeline = dai.Pipeline()
cam = pipeline.create(dai.node.ColorCamera)
cam.setPreviewSize(WIDTH, HEIGHT)
cam.setInterleaved(False)                             # planar BGR888p for the NCHW model
nn = pipeline.create(dai.node.NeuralNetwork)
nn.setBlobPath(blob)
cam.preview.link(nn.input)
xout_preview = pipeline.create(dai.node.XLinkOut)
xout_preview.setStreamName("preview")
cam.preview.link(xout_preview.input)
xout_nn = pipeline.create(dai.node.XLinkOut)
xout_nn.setStreamName("contrast")
nn.out.link(xout_nn.input)

with dai.Device(pipeline) as device:
    q_preview = device.getOutputQueue("preview", maxSize=4, blocking=False)
    q_nn = device.getOutputQueue("contrast", maxSize=4, blocking=False)
    while True:
        result = q_nn.get()
        planes = np.array(result.getTensor("contrast"), np.float32).reshape(3, HEIGHT, WIDTH)
        image = planes.transpose(1, 2, 0).clip(0, 255).astype(np.uint8)
        preview = q_preview.tryGet()
        if preview is not None:
            cv2.imshow("preview", preview.getCvFrame())
        cv2.imshow("auto contrast", image)
        if cv2.waitKey(1) == ord("q"):
            means = ", ".join(f"{m:.1f}" for m in planes.mean(axis=(1, 2)))
            deviations = ", ".join(f"{s:.1f}" for s in planes.std(axis=(1, 2)))
            print(f"frame {result.getSequenceNum()}: channel means {means}, deviations {deviations}")
            sys.exit(0)
