"""Message types (gen2 `dai.Buffer`, `dai.ImgFrame`, ...) and the wire codec that carries them between processes.

Importing this package is cheap: OpenCV is imported only inside the functions that need it."""
from .apriltags import AprilTag, AprilTagConfig, AprilTags, RawAprilTagConfig, RawAprilTags
from .benchmarkreport import BenchmarkReport
from .buffer import Buffer
from .cameracontrol import CameraControl, RawCameraControl
from .clock import Clock
from .datatype import DatatypeEnum
from .detections import ImgDetection, ImgDetections
from .edgedetectorconfig import EdgeDetectorConfig, EdgeDetectorConfigData, RawEdgeDetectorConfig
from .featuretrackerconfig import FeatureTrackerConfig, RawFeatureTrackerConfig
from .enums import CameraExposureOffset, Colormap, FrameEvent, Interpolation
from .geometry import Point2f, Rect, RotatedRect, Size2f
from .imagealignconfig import ImageAlignConfig, RawImageAlignConfig
from .imagemanipconfig import ImageManipConfig
from .imgframe import ImgFrame, RawImgFrame
from .imudata import (IMUData, IMUPacket, IMUReport, IMUReportAccelerometer, IMUReportGyroscope,
                      IMUReportMagneticField, IMUReportRotationVectorWAcc, IMUSensor, RawIMUData, Timestamp)
from .messagegroup import MessageGroup
from .nndata import NNData, TensorInfo
from .objecttrackerconfig import ObjectTrackerConfig, RawObjectTrackerConfig
from .pointcloud import PointCloudConfig, PointCloudData, RawPointCloudConfig
from .spatialimgdetections import SpatialImgDetection, SpatialImgDetections
from .spatiallocationcalculator import (SpatialLocationCalculatorAlgorithm, SpatialLocationCalculatorConfig,
                                        SpatialLocationCalculatorConfigData,
                                        SpatialLocationCalculatorConfigThresholds, SpatialLocationCalculatorData,
                                        SpatialLocations)
from .tofconfig import RawToFConfig, ToFConfig
from .systeminformation import ChipTemperature, CpuUsage, MemoryInfo, SystemInformation
from .trackedfeatures import TrackedFeature, TrackedFeatures
from .tracklets import Tracklet, Tracklets

__all__ = [
    "Buffer", "ImgFrame", "RawImgFrame", "NNData", "TensorInfo", "ImgDetections", "ImgDetection",
    "ImageManipConfig", "CameraControl", "RawCameraControl", "MessageGroup", "EdgeDetectorConfig", "EdgeDetectorConfigData",
    "RawEdgeDetectorConfig", "SystemInformation", "MemoryInfo", "CpuUsage", "ChipTemperature",
    "ImageAlignConfig", "RawImageAlignConfig", "Point2f", "Size2f", "RotatedRect", "Rect", "DatatypeEnum", "Clock",
    "CameraExposureOffset", "Colormap", "FrameEvent", "Interpolation", "SpatialImgDetection", "SpatialImgDetections",
    "SpatialLocationCalculatorAlgorithm", "SpatialLocationCalculatorConfig", "SpatialLocationCalculatorConfigData",
    "SpatialLocationCalculatorConfigThresholds", "SpatialLocationCalculatorData", "SpatialLocations",
    "PointCloudConfig", "PointCloudData", "RawPointCloudConfig",
    "IMUData", "IMUPacket", "IMUReport", "IMUReportAccelerometer", "IMUReportGyroscope", "IMUReportMagneticField",
    "IMUReportRotationVectorWAcc", "IMUSensor", "RawIMUData", "Timestamp",
    "AprilTag", "AprilTagConfig", "AprilTags", "RawAprilTagConfig", "RawAprilTags",
    "FeatureTrackerConfig", "RawFeatureTrackerConfig", "TrackedFeature", "TrackedFeatures", "Tracklet", "Tracklets",
    "ObjectTrackerConfig", "RawObjectTrackerConfig", "ToFConfig", "RawToFConfig",
]
