"""AprilTag: gen2's ports, properties and schema; tags rendered in perspective into photographs found
with their ids and corners, bit errors counted, configs on the fly; and a device finding the tags a
MonoCamera sees, for the host and a Script."""
import numpy as np
import pytest

import oakling as dai
from media import photo_gray, render_tag
from oakling.nodes.april_tag import _OPENCV_TURNED_36H11_0, TagDetector, opencv_turn
from oakling.testing import NodeHarness

F = dai.AprilTagConfig.Family
T = dai.ImgFrame.Type
TIMEOUT = 10.0
# three tags, each seen in perspective, one upside down
SCENE = [(7, [[200, 150], [420, 170], [400, 380], [180, 360]]),
         (23, [[910, 390], [805, 400], [800, 300], [900, 290]]),
         (3, [[560, 520], [700, 560], [690, 700], [550, 660]])]


def scene(family="TAG_36H11", photo="astronaut", tags=SCENE, size=(1280, 800)):
    img = photo_gray(photo, size)
    for tag_id, corners in tags:
        img = render_tag(img, family, tag_id, corners)
    return img


def corners_of(tag):
    return np.array([[p.x, p.y] for p in (tag.topLeft, tag.topRight, tag.bottomRight, tag.bottomLeft)])


def check_found(found, tags=SCENE, atol=1.0):
    by_id = {t.id: t for t in found}
    assert sorted(by_id) == sorted(i for i, _ in tags), found
    for tag_id, corners in tags:
        tag = by_id[tag_id]
        np.testing.assert_allclose(corners_of(tag), corners, atol=atol)
        assert tag.hamming == 0 and tag.decisionMargin > 10


def test_ports_properties_and_schema_are_gen2s():
    p = dai.Pipeline()
    tags = p.create(dai.node.AprilTag)
    assert tags.getName() == "AprilTag" and dai.node.AprilTag.Properties is dai.AprilTagProperties
    for port in (tags.inputImage, tags.inputConfig):
        assert (port.getBlocking(), port.getQueueSize(), port.getWaitForMessage()) == (False, 4, False)
    assert {o.name for o in tags.getOutputs()} == {"out", "passthroughInputImage"}
    props = p.serializeToJson()["pipeline"]["nodes"][0][1]["properties"]
    assert props == {"initialConfig": dai.AprilTagConfig()._json(), "inputConfigSync": False}
    assert props["initialConfig"]["quadDecimate"] == 4 and props["initialConfig"]["family"] == 0
    tags.initialConfig.setFamily(F.TAG_16H5)
    raw = tags.initialConfig.get()
    raw.quadThresholds.minClusterPixels = 50
    tags.initialConfig.set(raw)
    tags.setWaitForConfigInput(True)
    props = p.serializeToJson()["pipeline"]["nodes"][0][1]["properties"]
    assert props["initialConfig"]["family"] == 3 and props["initialConfig"]["quadThresholds"]["minClusterPixels"] == 50
    assert props["inputConfigSync"] is True and tags.getWaitForConfigInput() is True


@pytest.mark.parametrize("family", ["TAG_36H11", "TAG_36H10", "TAG_25H9", "TAG_16H5"])
@pytest.mark.parametrize("decimate", [1, 2, 4])
def test_tags_in_a_photograph_are_found_with_their_corners(family, decimate):
    cfg = dai.AprilTagConfig().setFamily(F[family])
    cfg.quadDecimate = decimate
    check_found(TagDetector(cfg)(scene(family)))


@pytest.mark.parametrize("photo", ["camera", "coffee", "chelsea"])
def test_photographs_alone_have_no_tags_and_other_families_are_not_taken(photo):
    assert TagDetector(dai.AprilTagConfig())(photo_gray(photo)) == []
    cfg = dai.AprilTagConfig().setFamily(F.TAG_25H9)
    assert TagDetector(cfg)(scene("TAG_36H11", photo)) == []


def test_bit_errors_are_counted_up_to_max_hamming_distance():
    corners = [[300, 200], [600, 220], [590, 520], [290, 500]]
    img = render_tag(photo_gray(), "TAG_36H11", 5, corners, flip=[(2, 3)])
    cfg = dai.AprilTagConfig()
    cfg.quadDecimate = 1
    found = TagDetector(cfg)(img)
    assert [(t.id, t.hamming) for t in found] == [(5, 1)]
    np.testing.assert_allclose(corners_of(found[0]), corners, atol=1.0)
    cfg.maxHammingDistance = 0
    assert TagDetector(cfg)(img) == []
    two = render_tag(photo_gray(), "TAG_36H11", 5, corners, flip=[(2, 3), (4, 1)])
    cfg.maxHammingDistance = 2
    assert [(t.id, t.hamming) for t in TagDetector(cfg)(two)] == [(5, 2)]


def test_opencv_s_tags_are_one_of_the_two_known_kinds():
    """Corners follow the AprilTag library's orientation whichever way this OpenCV build draws tags."""
    import cv2
    d = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_APRILTAG_36h11)
    bits = cv2.aruco.Dictionary.getBitsFromByteList(d.bytesList[0:1], 6)
    turned = np.array([[int(c) for c in f"{row:06b}"] for row in _OPENCV_TURNED_36H11_0])
    assert np.array_equal(bits, turned if opencv_turn() == 2 else np.rot90(turned, 2))


def test_decision_margins_are_in_grey_levels():
    clean = TagDetector(dai.AprilTagConfig())(scene())
    assert all(100 < t.decisionMargin <= 128 for t in clean)           # black 0, white 255: 127.5 at best
    dim = TagDetector(dai.AprilTagConfig())((100 + scene() * 0.25).astype(np.uint8))
    assert all(20 < t.decisionMargin <= 32 for t in dim)


def test_thresholds_reject_quads():
    img = (100 + scene() * 0.25).astype(np.uint8)         # a dim scene: black and white 64 levels apart
    cfg = dai.AprilTagConfig()
    check_found(TagDetector(cfg)(img), atol=1.5)
    cfg.quadThresholds.minWhiteBlackDiff = 70
    assert TagDetector(cfg)(img) == []
    cfg = dai.AprilTagConfig()
    cfg.quadThresholds.minClusterPixels = 3000          # decimated by 4, the tags cover less
    assert TagDetector(cfg)(img) == []


def frame(img, seq, t=T.GRAY8):
    if t == T.GRAY8:
        return dai.ImgFrame().setCvFrame(img, T.GRAY8).setSequenceNum(seq)
    return dai.ImgFrame().setCvFrame(np.dstack([img] * 3), t).setSequenceNum(seq)


def test_frames_and_configs_through_the_node():
    tags = dai.Pipeline().create(dai.node.AprilTag)
    img16 = scene("TAG_16H5", tags=SCENE[:2])
    with NodeHarness(tags) as h:
        h.push("inputImage", frame(scene(), 1))
        first, same = h.pull("out", timeout=TIMEOUT), h.pull("passthroughInputImage", timeout=TIMEOUT)
        h.push("inputImage", frame(img16, 2, T.NV12))
        second = h.pull("out", timeout=TIMEOUT)            # 36h11 still: nothing
        h.push("inputConfig", dai.AprilTagConfig().setFamily(F.TAG_16H5))
        h.push("inputImage", frame(img16, 3, T.BGR888i))  # dropped: not a grey frame
        h.push("inputImage", frame(img16, 4, T.NV12))
        third = h.pull("out", timeout=TIMEOUT)
        h.push("inputConfig", dai.AprilTagConfig().setFamily(F.TAG_CIR21H7))
        h.push("inputImage", frame(img16, 5))          # the worker may be waiting for it: the config
        h.pull("out", timeout=TIMEOUT)                   # applies from the next frame on
        h.push("inputImage", frame(img16, 6))
        fourth = h.pull("out", timeout=TIMEOUT)
        lines = [m.payload for m in h.logs]
    assert first.getSequenceNum() == same.getSequenceNum() == 1 and first.getTimestamp() == same.getTimestamp()
    check_found(first.aprilTags)
    assert second.getSequenceNum() == 2 and second.aprilTags == []
    assert third.getSequenceNum() == 4
    check_found(third.aprilTags, SCENE[:2])
    assert any("AprilTag(0).inputImage: cannot find tags in a BGR888i frame — send GRAY8, RAW8, NV12" in line
               for line in lines)
    try:
        import pupil_apriltags  # noqa: F401
    except ImportError:
        assert any("AprilTag(0).inputConfig: TAG_CIR21H7 needs the pupil-apriltags package — pip install "
                   "oakling[apriltag]" in line and "(config ignored)" in line for line in lines)
        check_found(fourth.aprilTags, SCENE[:2])           # the 16h5 config goes on


SCRIPT = """
while True:
    tags = node.io['tags'].get()
    ids = sorted(t.id for t in tags.aprilTags)
    b = Buffer(16)
    b.getData()[:] = (",".join(str(i) for i in ids)).encode().ljust(16)
    node.io['ids'].send(b)
"""


def test_a_device_finds_the_tags_a_mono_camera_sees(tmp_path):
    import cv2
    tags_in_view = [(11, [[60, 60], [220, 80], [210, 240], [50, 220]]), (42, [[400, 120], [560, 100], [580, 260],
                                                                              [410, 280]])]
    img = photo_gray("camera", (640, 400))
    for tag_id, corners in tags_in_view:
        img = render_tag(img, "TAG_36H11", tag_id, corners)
    cv2.imwrite(str(tmp_path / "tags.png"), img)
    p = dai.Pipeline()
    mono = p.create(dai.node.MonoCamera)
    mono.setResolution(dai.MonoCameraProperties.SensorResolution.THE_400_P)
    mono.setCamera("left")
    mono.setFps(10)
    tags = p.create(dai.node.AprilTag)
    tags.initialConfig.setFamily(F.TAG_36H11)
    mono.out.link(tags.inputImage)
    script = p.create(dai.node.Script)
    script.setScript(SCRIPT)
    tags.out.link(script.inputs["tags"])
    for name, port in (("tags", tags.out), ("mono", tags.passthroughInputImage), ("ids", script.outputs["ids"])):
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        port.link(xout.input)
    with dai.Device(p, cameras={"LEFT": str(tmp_path / "tags.png")}) as device:
        q_tags, q_mono, q_ids = (device.getOutputQueue(n, 8, False) for n in ("tags", "mono", "ids"))
        for _ in range(3):
            found, seen = q_tags.get(timeout=TIMEOUT), q_mono.get(timeout=TIMEOUT)
            assert found.getSequenceNum() == seen.getSequenceNum()
            check_found(found.aprilTags, tags_in_view)
            assert bytes(q_ids.get(timeout=TIMEOUT).getData()).decode().strip() == "11,42"
        assert device.getFailedNodes() == {}


def test_the_apriltag_library_path_agrees_with_opencvs(monkeypatch):
    """With pupil-apriltags (oakling[apriltag]) the library's own detector, used for TAG_CIR21H7 and
    TAG_STAND41H12, reports the same ids and corners as the OpenCV path on 36h11 tags."""
    pytest.importorskip("pupil_apriltags")
    import oakling.nodes.april_tag as april_tag
    monkeypatch.setitem(april_tag.PUPIL_FAMILIES, F.TAG_36H11, "tag36h11")
    found = TagDetector(dai.AprilTagConfig())(scene())
    check_found(found)
    assert all(100 < t.decisionMargin <= 128 for t in found)
