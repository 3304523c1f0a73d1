"""FeatureTracker: gen2's ports, properties and schema; corners followed on moving synthetic pictures
(ids last, positions follow the motion, ages count frames); configs on the fly; a device tracking a
camera's frames."""
import warnings

import cv2
import numpy as np
import pytest

import oakling as dai
from oakling.nodes.feature_tracker import Tracking
from oakling.testing import NodeHarness

T = dai.ImgFrame.Type
CD = dai.FeatureTrackerConfig.CornerDetector
TIMEOUT = 10.0


def scene(w=640, h=400, seed=3):
    """A large picture of bright and dark rectangles (many corners) on a smooth background."""
    rng = np.random.default_rng(seed)
    img = np.full((h + 200, w + 200), 90, np.uint8)
    for _ in range(120):
        x, y = rng.integers(0, w + 170), rng.integers(0, h + 170)
        cv2.rectangle(img, (int(x), int(y)), (int(x + rng.integers(12, 30)), int(y + rng.integers(12, 30))),
                      int(rng.choice([20, 200, 250])), -1)
    return cv2.GaussianBlur(img, (3, 3), 0)


def view(big, dx, dy, w=640, h=400):
    """The window of `big` seen by a camera moved by (-dx, -dy): content moves by (dx, dy)."""
    return np.ascontiguousarray(big[100 - dy:100 - dy + h, 100 - dx:100 - dx + w])


def run(tracking, frames):
    return [tuple(a.copy() for a in tracking(f)) for f in frames]


def test_ports_defaults_and_schema_are_gen2s():
    p = dai.Pipeline()
    ft = p.create(dai.node.FeatureTracker)
    assert ft.getName() == "FeatureTracker"
    image, config = ft.inputImage, ft.inputConfig
    assert (image.getBlocking(), image.getQueueSize(), image.getWaitForMessage()) == (False, 4, True)
    assert (config.getBlocking(), config.getQueueSize(), config.getWaitForMessage()) == (False, 4, False)
    assert {o.name for o in ft.getOutputs()} == {"outputFeatures", "passthroughInputImage"}
    props = p.serializeToJson()["pipeline"]["nodes"][0][1]["properties"]
    assert props == {"initialConfig": dai.FeatureTrackerConfig().to_plain(), "numShaves": 1, "numMemorySlices": 1}
    ft.setHardwareResources(2, 2)
    ft.initialConfig.setCornerDetector(CD.Type.SHI_THOMASI)
    props = p.serializeToJson()["pipeline"]["nodes"][0][1]["properties"]
    assert (props["numShaves"], props["numMemorySlices"], props["initialConfig"]["cornerDetector"]["type"]) == (2, 2, 1)
    with pytest.raises(ValueError, match=r"FeatureTracker\(0\).setHardwareResources: numShaves must be 1 or 2, got 3"):
        ft.setHardwareResources(3, 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ft.setWaitForConfigInput(True)
        assert ft.getWaitForConfigInput() is True and config.getWaitForMessage() is True
    assert [str(w.message) for w in caught] == ["Use 'inputConfig.setWaitForMessage()' instead"] * 2


@pytest.mark.parametrize("detector, motion", [(CD.Type.HARRIS, "flow"), (CD.Type.SHI_THOMASI, "flow"),
                                               (CD.Type.HARRIS, "blocks")])
def test_features_keep_their_ids_and_follow_the_motion(detector, motion):
    cfg = dai.FeatureTrackerConfig().setCornerDetector(detector)
    if motion == "blocks":
        cfg.setHwMotionEstimation()
    big = scene()
    motion = [(0, 0), (3, 2), (6, 4), (9, 5), (12, 7)]
    out = run(Tracking(cfg), [view(big, dx, dy) for dx, dy in motion])
    pts0, ids0, ages0, scores0, _ = out[0]
    assert 150 <= len(ids0) <= 320 and (ages0 == 1).all() and len(set(ids0.tolist())) == len(ids0)
    assert (scores0 > 0).all() or detector == CD.Type.SHI_THOMASI     # Harris scores; Shi-Tomasi's corners
    for step in range(1, len(motion)):
        (prev_pts, prev_ids, prev_ages, _, _), (pts, ids, ages, _, errors) = out[step - 1], out[step]
        index = {int(i): k for k, i in enumerate(prev_ids)}
        kept = [k for k, i in enumerate(ids) if int(i) in index]
        assert len(kept) >= 0.8 * len(prev_ids), f"step {step}: only {len(kept)} of {len(prev_ids)} ids kept"
        shift = np.subtract(motion[step], motion[step - 1])
        moved = pts[kept] - prev_pts[[index[int(ids[k])] for k in kept]]
        assert np.median(np.abs(moved - shift)) < 0.2 and np.mean(np.abs(moved - shift) < 1.0) > 0.95
        assert all(ages[k] == prev_ages[index[int(ids[k])]] + 1 for k in kept)
        assert (errors[kept] >= 0).all()
        new = [k for k in range(len(ids)) if int(ids[k]) not in index]
        assert all(ages[k] == 1 and int(ids[k]) > int(prev_ids.max()) for k in new)    # new ids count up


def test_features_sit_on_corners_spread_over_the_cells():
    img = np.full((400, 640), 60, np.uint8)
    corners = []
    for y in range(40, 400, 80):
        for x in range(40, 640, 80):
            cv2.rectangle(img, (x, y), (x + 30, y + 30), 220, -1)
            corners += [(x, y), (x + 30, y), (x, y + 30), (x + 30, y + 30)]
    pts, ids, ages, scores, errors = Tracking(dai.FeatureTrackerConfig().setNumTargetFeatures(64))(img)
    assert 56 <= len(pts) <= 64
    d = np.min(np.linalg.norm(pts[:, None, :] - np.array(corners)[None], axis=2), axis=1)
    assert (d <= 2).all()                                       # each feature is on a drawn corner
    cells = np.bincount((pts[:, 1] * 4 // 400).astype(int) * 4 + (pts[:, 0] * 4 // 640).astype(int), minlength=16)
    assert cells.max() <= 4 and (cells > 0).sum() >= 14          # 64 / 16 cells: at most 4 in each
    gaps = np.linalg.norm(pts[:, None] - pts[None], axis=2) + np.eye(len(pts)) * 1e9
    assert gaps.min() ** 2 >= 50 - 1e-6                          # minimumDistanceBetweenFeatures (squared px)


def test_without_the_motion_estimator_every_frame_has_new_ids():
    cfg = dai.FeatureTrackerConfig().setMotionEstimator(False)
    big = scene()
    out = run(Tracking(cfg), [view(big, 0, 0), view(big, 2, 1)])
    assert set(out[0][1].tolist()).isdisjoint(out[1][1].tolist()) and (out[1][2] == 1).all()


def test_a_feature_that_leaves_the_picture_is_dropped_and_its_id_never_returns():
    big = scene()
    tracking = Tracking(dai.FeatureTrackerConfig())
    seen_gone = set()
    ids_before = None
    for dx in range(0, 60, 6):
        pts, ids, *_ = tracking(view(big, dx, 0))
        if ids_before is not None:
            assert not (set(ids.tolist()) & seen_gone)
            seen_gone |= ids_before - set(ids.tolist())
        assert (pts[:, 0] <= 639).all() and (pts[:, 0] >= 0).all()
        ids_before = set(ids.tolist())
    assert seen_gone                                             # features at the right edge went away


def frame_of(luma, seq, t=T.GRAY8):
    if t == T.GRAY8:
        return dai.ImgFrame().setCvFrame(luma, T.GRAY8).setSequenceNum(seq)
    return dai.ImgFrame().setCvFrame(np.dstack([luma] * 3), t).setSequenceNum(seq)


def test_frames_configs_and_bad_frames_through_the_node():
    ft = dai.Pipeline().create(dai.node.FeatureTracker)
    big = scene()
    with NodeHarness(ft) as h:
        h.push("inputImage", frame_of(view(big, 0, 0), 1))
        first, same = h.pull("outputFeatures", timeout=TIMEOUT), h.pull("passthroughInputImage", timeout=TIMEOUT)
        h.push("inputImage", frame_of(view(big, 2, 2), 2, T.NV12))         # its Y plane
        second = h.pull("outputFeatures", timeout=TIMEOUT)
        bad = dai.FeatureTrackerConfig()
        bad.cornerDetector.cellGridDimension = 9
        h.push("inputConfig", bad)
        h.push("inputConfig", dai.FeatureTrackerConfig().setMotionEstimator(False).setNumTargetFeatures(32))
        h.push("inputImage", frame_of(view(big, 2, 2), 3, T.BGR888i))
        h.push("inputImage", frame_of(view(big, 4, 4), 4))
        third = h.pull("outputFeatures", timeout=TIMEOUT)
        lines = [m.payload for m in h.logs]
    assert type(first) is dai.TrackedFeatures and first.getSequenceNum() == 1
    assert same.getSequenceNum() == 1 and same.getTimestamp() == first.getTimestamp()
    assert second.getSequenceNum() == 2
    ids1 = {f.id for f in first.trackedFeatures}
    assert len(ids1 & {f.id for f in second.trackedFeatures}) >= 0.8 * len(ids1)
    assert third.getSequenceNum() == 4 and len(third.trackedFeatures) <= 32
    assert all(f.age == 1 and f.id not in ids1 for f in third.trackedFeatures)
    assert any("FeatureTracker(0).inputConfig: cornerDetector.cellGridDimension must be 1..4, got 9 (config ignored)"
               in line for line in lines)
    assert any("FeatureTracker(0).inputImage: cannot track features in a BGR888i frame" in line
               and "(frame 3 dropped)" in line for line in lines)


def test_a_device_tracks_a_mono_cameras_features_and_the_host_gets_them():
    p = dai.Pipeline()
    mono = p.create(dai.node.MonoCamera)
    mono.setResolution(dai.MonoCameraProperties.SensorResolution.THE_400_P)
    mono.setCamera("left")
    ft = p.create(dai.node.FeatureTracker)
    ft.inputImage.setBlocking(True)
    mono.out.link(ft.inputImage)
    for name, port in (("features", ft.outputFeatures), ("frames", ft.passthroughInputImage)):
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        port.link(xout.input)
    with dai.Device(p) as device:
        q_features, q_frames = device.getOutputQueue("features"), device.getOutputQueue("frames")
        got = []
        for _ in range(5):
            msg, frame = q_features.get(timeout=TIMEOUT), q_frames.get(timeout=TIMEOUT)
            assert msg.getSequenceNum() == frame.getSequenceNum() and msg.getTimestamp() == frame.getTimestamp()
            got.append({f.id: f for f in msg.trackedFeatures})
        assert device.getFailedNodes() == {}
    assert len(got[0]) >= 20
    grey = frame.getFrame()
    for f in got[-1].values():                                      # each on a corner of the picture
        x, y = int(round(f.position.x)), int(round(f.position.y))
        patch = grey[max(y - 3, 0):y + 4, max(x - 3, 0):x + 4].astype(int)
        assert patch.max() - patch.min() > 20
    lasting = set(got[0]) & set(got[-1])                           # the scene stands still: ids last
    assert len(lasting) >= 0.8 * len(got[0])
    assert all(got[-1][i].age == got[0][i].age + 4 for i in lasting)


def test_a_config_the_tracker_cannot_apply_fails_when_the_pipeline_is_built():
    p = dai.Pipeline()
    ft = p.create(dai.node.FeatureTracker)
    ft.initialConfig.motionEstimator.opticalFlow.searchWindowWidth = 4
    with pytest.raises(ValueError, match=r"FeatureTracker\(0\).initialConfig: motionEstimator.opticalFlow."
                                         r"searchWindowWidth must be odd, 3..9, got 4 — fix it"):
        dai.Device(p)
