"""Messages as scripts see them: device-side constructors and getData() as writable bytes."""
import numpy as np
import pytest

import oakling as dai
from oakling.messages import codec
from oakling.script import messages as m


def test_constructors_take_a_size_in_bytes():
    assert len(m.Buffer(16).getData()) == 16 and bytes(m.Buffer(3).getData()) == b"\0\0\0"
    assert len(m.ImgFrame(8).getData()) == 8
    assert len(m.Buffer().getData()) == 0
    assert m.NNData(150).getAllLayerNames() == []
    assert m.ImgDetections().detections == [] and m.ImageManipConfig() and m.CameraControl()


def test_get_data_is_a_writable_bytes_like_object():
    b = m.Buffer(4)
    data = b.getData()
    assert not isinstance(data, np.ndarray)
    data[:] = b"ping"
    assert data[0] == ord("p") and bytes(data[1:3]) == b"in" and str(data, "utf-8") == "ping"
    data[0] = ord("P")
    assert bytes(b.getData()) == b"Ping" and len(data) == 4 and data.tobytes() == b"Ping"
    with pytest.raises(ValueError):
        data[:] = b"too long"   # a payload keeps its size, as on the device


def test_set_data_takes_bytes_bytearray_memoryview_and_lists():
    for value in (b"abc", bytearray(b"abc"), memoryview(b"abc"), [97, 98, 99]):
        assert bytes(m.Buffer(10).setData(value).getData()) == b"abc"


def test_a_received_read_only_payload_becomes_writable_on_get_data_only():
    sent = dai.ImgFrame().setType(dai.ImgFrame.Type.GRAY8).setSize(4, 2)
    payload = np.arange(8, dtype=np.uint8)
    payload.flags.writeable = False
    sent._data = payload
    msg = m.adopt(codec.decode(*codec.encode(sent)))
    assert type(msg) is m.ImgFrame and msg._data is payload   # adopted as it came, no copy
    data = msg.getData()
    data[0] = 200
    assert data[0] == 200 and payload[0] == 0                  # the script's own copy
    assert msg._data[0] == 200 and (msg.getWidth(), msg.getHeight()) == (4, 2)


def test_what_a_script_sends_decodes_as_the_host_classes():
    nn = m.NNData(64)
    nn.setLayer("fp16", [1.0, 2.5])
    nn.getData()   # a bytearray payload now: it must still encode as it is
    back = codec.decode(*codec.encode(nn))
    assert type(back) is dai.NNData and back.getLayerFp16("fp16") == [1.0, 2.5]
    b = m.Buffer(3).setData(b"xyz")
    back = codec.decode(*codec.encode(b))
    assert type(back) is dai.Buffer and bytes(back.getData()) == b"xyz"


@pytest.mark.parametrize("cls, method", [(m.ImgFrame, "getCvFrame"), (m.ImgFrame, "getFrame"),
                                         (m.ImgFrame, "setCvFrame"), (m.NNData, "getTensor")])
def test_host_numpy_conveniences_are_not_on_the_device(cls, method):
    msg = cls()
    assert not hasattr(msg, method)
    with pytest.raises(AttributeError, match=f"{method}\\(\\) is not available in a Script"):
        getattr(msg, method)


def test_adopt_gives_every_wire_type_its_script_class():
    for host_cls, script_cls in m.ON_DEVICE.items():
        msg = host_cls()
        assert type(m.adopt(msg)) is script_cls and isinstance(msg, host_cls)
        assert type(msg).__name__ == host_cls.__name__


def test_encoded_frame_is_a_device_message_with_gen2s_getters():
    sent = dai.EncodedFrame().setProfile(dai.EncodedFrame.Profile.AVC).setFrameType(dai.EncodedFrame.FrameType.P)
    sent.setQuality(90).setBitrate(2_000_000).setLossless(False).setWidth(320).setHeight(240).setInstanceNum(2)
    sent.setSequenceNum(7)
    sent._data = np.frombuffer(b"\x00\x00\x00\x01\x41", np.uint8)
    msg = m.adopt(codec.decode(*codec.encode(sent)))
    assert type(msg) is m.EncodedFrame and isinstance(msg, dai.EncodedFrame)
    assert (msg.getProfile(), msg.getFrameType()) == (dai.EncodedFrame.Profile.AVC, dai.EncodedFrame.FrameType.P)
    assert (msg.getQuality(), msg.getBitrate(), msg.getLossless(), msg.getInstanceNum()) == (90, 2_000_000, False, 2)
    assert (msg.getWidth(), msg.getHeight(), msg.getSequenceNum()) == (320, 240, 7)
    data = msg.getData()
    assert isinstance(data, memoryview) and bytes(data[:4]) == b"\x00\x00\x00\x01"
    data[4] = 0x65
    assert bytes(msg.getData())[4] == 0x65


def test_a_script_made_encoded_frame_decodes_as_the_host_class():
    made = m.EncodedFrame(3)
    made.getData()[:] = b"\xff\xd8\xff"
    made.setProfile(m.EncodedFrame.Profile.JPEG).setQuality(75).setLossless(True)
    back = codec.decode(*codec.encode(made))
    assert type(back) is dai.EncodedFrame and bytes(back.getData()) == b"\xff\xd8\xff"
    assert (back.getProfile(), back.getQuality(), back.getLossless()) == (dai.EncodedFrame.Profile.JPEG, 75, True)


def test_adopt_gives_a_groups_members_their_script_classes():
    group = m.host.MessageGroup()
    group["frame"], group["raw"] = m.host.ImgFrame(), m.host.Buffer().setData([1, 2])
    inner = m.host.MessageGroup()
    inner["nn"] = m.host.NNData()
    group["inner"] = inner
    assert m.adopt(group) is group and type(group) is m.host.MessageGroup
    assert (type(group["frame"]), type(group["raw"]), type(group["inner"]["nn"])) == (m.ImgFrame, m.Buffer, m.NNData)
    assert bytes(group["raw"].getData()) == b"\x01\x02"


def test_spatial_messages_reach_scripts_as_device_classes():
    from oakling.script.api import environment
    env = environment(None, "id")
    data = env["SpatialLocationCalculatorConfigData"]()
    data.roi = env["Rect"](0.1, 0.1, 0.2, 0.2)
    config = env["SpatialLocationCalculatorConfig"]()
    config.addROI(data)
    back = m.adopt(codec.decode(*codec.encode(config)))
    assert type(back) is m.SpatialLocationCalculatorConfig and back.getConfigData()[0].roi.width == pytest.approx(0.2)
    dets = dai.SpatialImgDetections()
    d = dai.SpatialImgDetection()
    d.spatialCoordinates.z = 1000
    dets.detections = [d]
    got = m.adopt(codec.decode(*codec.encode(dets)))
    assert type(got) is m.SpatialImgDetections and got.detections[0].spatialCoordinates.z == 1000


def test_point_cloud_messages_reach_scripts_as_device_classes():
    from oakling.script.api import environment
    env = environment(None, "id")
    config = env["PointCloudConfig"]().setSparse(True)
    back = m.adopt(codec.decode(*codec.encode(config)))
    assert type(back) is m.PointCloudConfig and back.getSparse()
    cloud = dai.PointCloudData().setPoints(np.array([[1, 2, 3]], np.float32)).setSize(1, 1)
    got = m.adopt(codec.decode(*codec.encode(cloud)))
    assert type(got) is m.PointCloudData and got.getWidth() == 1
    assert np.frombuffer(bytes(got.getData()), np.float32).tolist() == [1, 2, 3]   # x, y, z as the device lays them


def test_tracker_messages_reach_scripts_as_device_classes():
    from oakling.script.api import environment
    env = environment(None, "id")
    t = env["Tracklet"]()
    t.id, t.status = 4, dai.Tracklet.TrackingStatus.TRACKED
    tracklets = env["Tracklets"]()
    tracklets.tracklets = [t]
    got = m.adopt(codec.decode(*codec.encode(tracklets)))
    assert type(got) is m.Tracklets and (got.tracklets[0].id, got.tracklets[0].status.name) == (4, "TRACKED")
    f = env["TrackedFeature"]()
    f.id = 9
    features = env["TrackedFeatures"]()
    features.trackedFeatures = [f]
    got = m.adopt(codec.decode(*codec.encode(features)))
    assert type(got) is m.TrackedFeatures and got.trackedFeatures[0].id == 9
    cfg = env["FeatureTrackerConfig"]().setNumTargetFeatures(10)
    got = m.adopt(codec.decode(*codec.encode(cfg)))
    assert type(got) is m.FeatureTrackerConfig and got.cornerDetector.numTargetFeatures == 10
