"""Buffer: payload rules of setData/getData, sequence number, timestamps, chaining, datatype ids."""
from datetime import timedelta

import numpy as np
import pytest

from oakling.messages import (Buffer, CameraControl, Clock, DatatypeEnum, ImageManipConfig, ImgDetections, ImgFrame,
                              NNData)
from oakling.messages.datatype import is_subclass


def test_new_buffer_is_empty_and_stamped_now():
    before = Clock.now()
    buf = Buffer()
    after = Clock.now()
    assert buf.getData().dtype == np.uint8 and buf.getData().shape == (0,)
    assert buf.getSequenceNum() == 0
    assert before <= buf.getTimestamp() <= after + timedelta(microseconds=1)
    assert buf.getTimestampDevice() == timedelta(0)


@pytest.mark.parametrize("value, expected", [
    ([1, 2, 3], [1, 2, 3]),
    ((4, 5), [4, 5]),
    ([300, -1, 256], [44, 255, 0]),                       # gen2 casts list values to uint8
    ([], []),
    (np.array([7, 8, 9], dtype=np.uint8), [7, 8, 9]),
    (np.array([1, 258], dtype="<u2"), [1, 0, 2, 1]),      # other dtypes: their bytes
    (np.array([1.0], dtype="<f4"), [0, 0, 128, 63]),
    (np.array([[1, 2], [3, 4]], dtype=np.uint8), [1, 2, 3, 4]),
    (np.arange(6, dtype=np.uint8)[::2], [0, 2, 4]),        # non-contiguous input
    (b"\x01\x02", [1, 2]),                                 # extension: gen2 2.33 rejects bytes
    (bytearray(b"\xff"), [255]),
    (memoryview(b"ab"), [97, 98]),
    (True, [1]),
    (False, [0]),
])
def test_setData_accepts(value, expected):
    buf = Buffer().setData(value)
    data = buf.getData()
    assert data.dtype == np.uint8 and data.ndim == 1 and data.flags.c_contiguous
    assert data.tolist() == expected


@pytest.mark.parametrize("value", ["abc", None, {"a": 1}, object(), np.array(["x"], dtype=object)])
def test_setData_rejects_with_type_named(value):
    with pytest.raises(TypeError, match="setData"):
        Buffer().setData(value)


def test_setData_copies_and_getData_is_a_view():
    src = np.array([1, 2, 3], dtype=np.uint8)
    buf = Buffer().setData(src)
    src[0] = 99
    assert buf.getData()[0] == 1
    buf.getData()[1] = 42
    assert buf.getData()[1] == 42 and buf._data[1] == 42
    assert buf.getData() is buf._data


def test_setData_bytes_gives_writable_array():
    buf = Buffer().setData(b"\x00\x01")
    buf.getData()[0] = 5
    assert buf.getData().tolist() == [5, 1]


def test_setters_chain_and_store_exact_values():
    buf = Buffer()
    assert buf.setSequenceNum(2**40) is buf
    assert buf.setTimestamp(timedelta(seconds=3, microseconds=5)) is buf
    assert buf.setTimestampDevice(1.5) is buf
    assert buf.getSequenceNum() == 2**40
    assert buf._ts_ns == 3_000_005_000 and buf.getTimestamp() == timedelta(seconds=3, microseconds=5)
    assert buf._ts_dev_ns == 1_500_000_000 and buf.getTimestampDevice() == timedelta(seconds=1.5)


@pytest.mark.parametrize("bad", [1.5, "3", None])
def test_setSequenceNum_rejects_non_integers(bad):
    with pytest.raises(TypeError, match="setSequenceNum: expected an int"):
        Buffer().setSequenceNum(bad)


def test_setTimestamp_rejects_strings():
    with pytest.raises(TypeError):
        Buffer().setTimestamp("now")


@pytest.mark.parametrize("cls, datatype", [
    (Buffer, DatatypeEnum.Buffer), (ImgFrame, DatatypeEnum.ImgFrame), (NNData, DatatypeEnum.NNData),
    (ImgDetections, DatatypeEnum.ImgDetections), (ImageManipConfig, DatatypeEnum.ImageManipConfig),
    (CameraControl, DatatypeEnum.CameraControl),
])
def test_each_class_has_its_datatype(cls, datatype):
    assert cls.DATATYPE is datatype
    assert isinstance(cls(), Buffer)
    assert is_subclass(cls.DATATYPE, DatatypeEnum.Buffer)
    assert cls().getTimestamp() > timedelta(0)


def test_no_size_constructor_on_host():
    with pytest.raises(TypeError):
        Buffer(10)


# The gen2 surface programs use: a name that disappears breaks user code, so it is listed here.
GEN2_SURFACE = {
    "Buffer": "getData setData getTimestamp getTimestampDevice setTimestamp setTimestampDevice getSequenceNum "
              "setSequenceNum",
    "ImgFrame": "getWidth getHeight getType getInstanceNum getCategory getExposureTime getSensitivity "
                "getColorTemperature getLensPosition getLensPositionRaw setWidth setHeight setSize setType "
                "setInstanceNum setCategory getFrame getCvFrame setFrame setCvFrame getStride Type",
    "NNData": "setLayer getLayerFp16 getLayerUInt8 getLayerInt32 getFirstLayerFp16 getFirstLayerUInt8 "
              "getFirstLayerInt32 getAllLayerNames getAllLayers hasLayer getLayer getLayerDatatype addTensor getTensor",
    "ImgDetections": "detections",
    "ImageManipConfig": "setCropRect setCropRotatedRect setCenterCrop setResize setResizeThumbnail setKeepAspectRatio "
                        "setFrameType setRotationDegrees setRotationRadians setHorizontalFlip setVerticalFlip "
                        "setWarpTransformFourPoints setWarpTransformMatrix3x3 setWarpBorderReplicatePixels "
                        "setWarpBorderFillColor setReusePreviousImage setSkipCurrentImage setColormap "
                        "setInterpolation set get getCropXMin getCropYMin getCropXMax getCropYMax getResizeWidth "
                        "getResizeHeight getCropConfig getResizeConfig getFormatConfig isResizeThumbnail "
                        "getColormap getInterpolation",
    "CameraControl": "setCaptureStill setStartStreaming setStopStreaming setExternalTrigger setFrameSyncMode "
                     "setStrobeSensor setStrobeExternal setStrobeDisable setAutoFocusMode setAutoFocusTrigger "
                     "setAutoFocusLensRange setAutoFocusRegion setManualFocus setManualFocusRaw "
                     "setAutoExposureEnable setAutoExposureLock setAutoExposureRegion setAutoExposureCompensation "
                     "setAutoExposureLimit setAntiBandingMode setManualExposure setAutoWhiteBalanceMode "
                     "setAutoWhiteBalanceLock setManualWhiteBalance setBrightness setContrast setSaturation "
                     "setSharpness setLumaDenoise setChromaDenoise setSceneMode setEffectMode setControlMode "
                     "setCaptureIntent setMisc clearMiscControls getMiscControls getCaptureStill getExposureTime "
                     "getSensitivity getLensPosition getLensPositionRaw Command AutoFocusMode AutoWhiteBalanceMode "
                     "SceneMode AntiBandingMode CaptureIntent ControlMode EffectMode FrameSyncMode",
    "TensorInfo": "DataType StorageOrder",
    "Rect": "topLeft bottomRight size area empty contains isNormalized normalize denormalize",
    "PointCloudConfig": "set get getSparse setSparse getTransformationMatrix setTransformationMatrix",
    "PointCloudData": "points getPoints getWidth getHeight getInstanceNum isSparse getMinX getMinY getMinZ getMaxX "
                      "getMaxY getMaxZ setWidth setHeight setSize setInstanceNum setMinX setMinY setMinZ setMaxX "
                      "setMaxY setMaxZ",
}
MODULE_NAMES = ("Buffer ImgFrame RawImgFrame NNData TensorInfo ImgDetections ImgDetection ImageManipConfig "
                "CameraControl RawCameraControl Point2f Size2f RotatedRect Rect DatatypeEnum Clock Colormap Interpolation "
                "CameraExposureOffset FrameEvent MessageGroup EdgeDetectorConfig EdgeDetectorConfigData RawEdgeDetectorConfig "
                "SystemInformation MemoryInfo CpuUsage ChipTemperature ImageAlignConfig RawImageAlignConfig "
                "SpatialImgDetection SpatialImgDetections SpatialLocationCalculatorAlgorithm "
                "SpatialLocationCalculatorConfig SpatialLocationCalculatorConfigData "
                "SpatialLocationCalculatorConfigThresholds SpatialLocationCalculatorData SpatialLocations "
                "PointCloudConfig PointCloudData RawPointCloudConfig "
                "IMUData IMUPacket IMUReport IMUReportAccelerometer IMUReportGyroscope IMUReportMagneticField "
                "IMUReportRotationVectorWAcc IMUSensor RawIMUData Timestamp "
                "AprilTag AprilTagConfig AprilTags RawAprilTagConfig RawAprilTags "
                "FeatureTrackerConfig RawFeatureTrackerConfig TrackedFeature TrackedFeatures Tracklet Tracklets "
                "ObjectTrackerConfig RawObjectTrackerConfig ToFConfig RawToFConfig").split()


@pytest.mark.parametrize("cls_name, names", GEN2_SURFACE.items())
def test_gen2_surface_is_present(cls_name, names):
    import oakling.messages as messages
    cls = getattr(messages, cls_name)
    missing = [n for n in names.split() if not hasattr(cls, n)]
    assert missing == [], f"{cls_name} lost {missing}"


def test_package_exports():
    import oakling.messages as messages
    assert sorted(messages.__all__) == sorted(MODULE_NAMES)
    assert all(hasattr(messages, n) for n in MODULE_NAMES)
