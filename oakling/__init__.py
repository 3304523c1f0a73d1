"""oakling: an open DepthAI device. Write DepthAI gen2 code with `import oakling as dai`; the
pipeline runs in a device process that oakling starts, with no OAK camera needed.

This module only re-exports the gen2-compatible names; see the README for a tour.
"""
from . import node
from .calibration import CalibrationHandler, CameraModel
from .eeprom_data import CameraInfo, EepromData, Extrinsics, StereoRectification
from .host.device import (CameraFeatures, CrashDump, Device, DeviceInfo, ProfilingData, UsbSpeed, XLinkDeviceState,
                          XLinkPlatform, XLinkProtocol)
from .host.bootloader import DeviceBootloader
from .host.queues import DataInputQueue, DataOutputQueue, StreamEnded
from .host.xlink_connection import XLinkConnection
from .log import LogLevel, LogMessage
from .messages.encodedframe import EncodedFrame
from .messages.featuretrackerconfig import FeatureTrackerConfig, RawFeatureTrackerConfig
from .models.gen2 import OpenVINO
from .messages import (BenchmarkReport, Buffer, CameraControl, ChipTemperature, Clock, Colormap, CpuUsage, DatatypeEnum,
                       EdgeDetectorConfig, EdgeDetectorConfigData, ImageAlignConfig, ImageManipConfig, ImgDetection,
                       ImgDetections, ImgFrame, Interpolation, MemoryInfo, MessageGroup, NNData, Point2f,
                       RawCameraControl, RawEdgeDetectorConfig, RawImageAlignConfig, RawImgFrame, Rect, RotatedRect,
                       Size2f, SystemInformation, TensorInfo)
from .messages.enums import CameraSensorType
from .messages.apriltags import AprilTag, AprilTagConfig, AprilTags, RawAprilTagConfig, RawAprilTags
from .messages.geometry import Point3f
from .messages.objecttrackerconfig import ObjectTrackerConfig, RawObjectTrackerConfig
from .messages.tofconfig import RawToFConfig, ToFConfig
from .messages.pointcloud import PointCloudConfig, PointCloudData, RawPointCloudConfig
from .messages.imudata import (IMUData, IMUPacket, IMUReport, IMUReportAccelerometer, IMUReportGyroscope,
                               IMUReportMagneticField, IMUReportRotationVectorWAcc, IMUSensor, RawIMUData, Timestamp)
from .messages.spatialimgdetections import SpatialImgDetection, SpatialImgDetections
from .messages.spatiallocationcalculator import (RawSpatialLocationCalculatorConfig, SpatialLocationCalculatorAlgorithm,
                                                 SpatialLocationCalculatorConfig, SpatialLocationCalculatorConfigData,
                                                 SpatialLocationCalculatorConfigThresholds,
                                                 SpatialLocationCalculatorData, SpatialLocations)
from .messages.trackedfeatures import TrackedFeature, TrackedFeatures
from .messages.tracklets import Tracklet, Tracklets
from .messages.stereodepthconfig import MedianFilter, RawStereoDepthConfig, StereoDepthConfig, StereoDepthProperties
from .nodes.camera_common import CameraBoardSocket, CameraImageOrientation
from .nodes.color_camera import ColorCameraProperties
from .nodes.april_tag import AprilTagProperties
from .nodes.camera import CameraProperties
from .nodes.detection_network import DetectionNetworkType
from .nodes.imu import IMUProperties, IMUSensorConfig
from .nodes.mono_camera import MonoCameraProperties
from .nodes.object_tracker import TrackerIdAssignmentPolicy, TrackerType
from .nodes.script import ProcessorType
from .nodes.video_encoder import VideoEncoderProperties
from .pipeline import Pipeline
from .pipeline.board_config import BoardConfig
from .pipeline.node import Node
from .version import __version__

# gen2 names oakling does not have yet: using one says so instead of an AttributeError.
_GEN2_NAMES_NOT_YET: set[str] = set()


def __getattr__(name: str):
    if name in _GEN2_NAMES_NOT_YET:
        raise NotImplementedError(f"oakling does not implement dai.{name} yet — see the README for "
                                  f"what it supports")
    raise AttributeError(f"module 'oakling' has no attribute '{name}'")
