"""gen2's message type ids and their hierarchy, used to check links and to tag wire messages."""
from .enums import Gen2Enum


class DatatypeEnum(Gen2Enum):
    Buffer = 0
    ImgFrame = 1
    EncodedFrame = 2
    NNData = 3
    ImageManipConfig = 4
    CameraControl = 5
    ImgDetections = 6
    SpatialImgDetections = 7
    SystemInformation = 8
    SpatialLocationCalculatorConfig = 9
    SpatialLocationCalculatorData = 10
    EdgeDetectorConfig = 11
    AprilTagConfig = 12
    AprilTags = 13
    Tracklets = 14
    IMUData = 15
    StereoDepthConfig = 16
    FeatureTrackerConfig = 17
    ImageAlignConfig = 18
    ToFConfig = 19
    PointCloudConfig = 20
    PointCloudData = 21
    TrackedFeatures = 22
    MessageGroup = 23
    BenchmarkReport = 24
    ObjectTrackerConfig = 25


# Every type is a Buffer; SpatialImgDetections is also an ImgDetections.
_PARENT = {t: DatatypeEnum.Buffer for t in DatatypeEnum if t is not DatatypeEnum.Buffer}
_PARENT[DatatypeEnum.SpatialImgDetections] = DatatypeEnum.ImgDetections


def is_subclass(child: DatatypeEnum, parent: DatatypeEnum) -> bool:
    """True when a `child` message may go where a `parent` is expected (or they are the same)."""
    t = child
    while t is not None:
        if t == parent:
            return True
        t = _PARENT.get(t)
    return False
