"""`dai.node`: the node classes, for `pipeline.create(dai.node.X)`."""
from .nodes.color_camera import ColorCamera
from .nodes.detection_network import DetectionNetwork, MobileNetDetectionNetwork, YoloDetectionNetwork
from .nodes.detection_parser import DetectionParser
from .nodes.image_manip import ImageManip
from .nodes.mono_camera import MonoCamera
from .nodes.neural_network import NeuralNetwork
from .nodes.script import Script
from .nodes.video_encoder import VideoEncoder
from .nodes.xlink import XLinkIn, XLinkOut

__all__ = ["ColorCamera", "DetectionNetwork", "DetectionParser", "ImageManip", "MobileNetDetectionNetwork", "MonoCamera",
           "NeuralNetwork", "Script", "VideoEncoder", "XLinkIn", "XLinkOut", "YoloDetectionNetwork"]

# gen2 node types oakling does not have yet: using one says so instead of an AttributeError.
GEN2_NODES_NOT_YET = {
    "AprilTag", "BenchmarkIn", "BenchmarkOut", "Camera", "Cast",
    "EdgeDetector", "FeatureTracker", "IMU", "ImageAlign", "MessageDemux",
    "MobileNetSpatialDetectionNetwork", "ObjectTracker",
    "PointCloud", "SPIIn", "SPIOut", "SpatialDetectionNetwork", "SpatialLocationCalculator",
    "StereoDepth", "Sync", "SystemLogger", "ToF", "UVC", "Warp", "YoloSpatialDetectionNetwork",
}


def __getattr__(name: str):
    if name in GEN2_NODES_NOT_YET:
        raise NotImplementedError(f"oakling does not implement dai.node.{name} yet — see the README "
                                  f"for the nodes it has")
    raise AttributeError(f"module 'oakling.node' has no attribute '{name}'")
