"""Node types: each module holds one node's host-side class and its device-side worker.

Adding a node type means writing its module and adding its line to HOST_CLASSES and WORKERS.
"""
from __future__ import annotations

import importlib

# gen2 node name -> "module:HostClass"; the `dai.node` namespace is built from this.
HOST_CLASSES = {
    "XLinkIn": "xlink:XLinkIn",
    "XLinkOut": "xlink:XLinkOut",
    "ColorCamera": "color_camera:ColorCamera",
    "MonoCamera": "mono_camera:MonoCamera",
    "ImageManip": "image_manip:ImageManip",
    "Script": "script:Script",
    "NeuralNetwork": "neural_network:NeuralNetwork",
    "MobileNetDetectionNetwork": "detection_network:MobileNetDetectionNetwork",
    "YoloDetectionNetwork": "detection_network:YoloDetectionNetwork",
    "DetectionParser": "detection_parser:DetectionParser",
    "VideoEncoder": "video_encoder:VideoEncoder",
}

# gen2 node name (as in the schema) -> "module:Worker", imported only on the device.
WORKERS = {
    "XLinkIn": "xlink:XLinkInWorker",
    "XLinkOut": "xlink:XLinkOutWorker",
    "ColorCamera": "color_camera:ColorCameraWorker",
    "MonoCamera": "mono_camera:MonoCameraWorker",
    "ImageManip": "image_manip:ImageManipWorker",
    "Script": "script:ScriptWorker",
    "NeuralNetwork": "neural_network:NeuralNetworkWorker",
    "DetectionNetwork": "detection_network:DetectionNetworkWorker",   # Mobilenet and Yolo both
    "DetectionParser": "detection_parser:DetectionParserWorker",
    "VideoEncoder": "video_encoder:VideoEncoderWorker",
}


def _load(ref: str):
    module, name = ref.split(":")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def host_class(name: str):
    return _load(HOST_CLASSES[name])


def worker_class(name: str):
    """The device worker for a schema node name; KeyError if oakling has none."""
    return _load(WORKERS[name])
