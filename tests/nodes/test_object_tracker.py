"""ObjectTracker: gen2's ports, properties and schema; the tracker on moving synthetic boxes (ids stay,
statuses NEW → TRACKED → LOST → REMOVED at gen2's thresholds, id policies, labels, limits, each tracker
type's own behaviour); spatial detections; a device whose Script and host read the tracklets."""
import json

import cv2
import numpy as np
import pytest

import oakling as dai
from oakling.nodes.object_tracker import KCF, Tracking, assign
from oakling.testing import NodeHarness

S = dai.Tracklet.TrackingStatus
TIMEOUT = 10.0
DEFAULTS = {"trackerThreshold": 0.0, "maxObjectsToTrack": 60, "detectionLabelsToTrack": [], "trackerType": 5,
            "trackerIdAssignmentPolicy": 0, "trackingPerClass": True, "occlusionRatioThreshold": 0.4,
            "trackletMaxLifespan": 120, "trackletBirthThreshold": 3}


def det(box, label=1, confidence=0.9):
    d = dai.ImgDetection(label, confidence, *box)
    return (label, confidence, box, d, None)


def moving(x0, step, n, y=0.3, size=0.1):
    """n boxes of one object moving right by `step` per frame."""
    return [(x0 + i * step, y, x0 + i * step + size, y + size) for i in range(n)]


def tracking(**changes):
    return Tracking({**DEFAULTS, **changes})


def states(objects):
    return {o.id: o.status for o in objects}


def test_ports_defaults_setters_and_schema_are_gen2s():
    p = dai.Pipeline()
    ot = p.create(dai.node.ObjectTracker)
    assert ot.getName() == "ObjectTracker"
    for port in (ot.inputTrackerFrame, ot.inputDetectionFrame, ot.inputDetections):
        assert (port.getBlocking(), port.getQueueSize(), port.getWaitForMessage()) == (False, 4, True)
    assert {o.name for o in ot.getOutputs()} == {"out", "passthroughTrackerFrame", "passthroughDetectionFrame",
                                                 "passthroughDetections"}
    cfg = ot.inputConfig
    assert (cfg.getBlocking(), cfg.getQueueSize(), cfg.getWaitForMessage()) == (False, 4, False)
    assert cfg.possibleDatatypes[0].datatype == dai.DatatypeEnum.ObjectTrackerConfig
    assert p.serializeToJson()["pipeline"]["nodes"][0][1]["properties"] == DEFAULTS
    ot.setTrackerThreshold(0.5)
    ot.setMaxObjectsToTrack(10)
    ot.setDetectionLabelsToTrack([15, 2])
    ot.setTrackerType(dai.TrackerType.SHORT_TERM_KCF)
    ot.setTrackerIdAssignmentPolicy(dai.TrackerIdAssignmentPolicy.SMALLEST_ID)
    ot.setTrackingPerClass(False)
    ot.setOcclusionRatioThreshold(0.5)
    ot.setTrackletMaxLifespan(30)
    ot.setTrackletBirthThreshold(1)
    assert p.serializeToJson()["pipeline"]["nodes"][0][1]["properties"] == {
        "trackerThreshold": 0.5, "maxObjectsToTrack": 10, "detectionLabelsToTrack": [15, 2], "trackerType": 1,
        "trackerIdAssignmentPolicy": 1, "trackingPerClass": False, "occlusionRatioThreshold": 0.5,
        "trackletMaxLifespan": 30, "trackletBirthThreshold": 1}
    assert [int(t) for t in dai.TrackerType] == [1, 3, 5, 6] and str(dai.TrackerType.ZERO_TERM_IMAGELESS) == \
        "TrackerType.ZERO_TERM_IMAGELESS"
    with pytest.raises(ValueError, match=r"ObjectTracker\(0\).setTrackerType: expected one of dai.TrackerType"):
        ot.setTrackerType(2)
    with pytest.raises(RuntimeError, match="Occlusion ratio threshold must be between 0 and 1, got 1.5"):
        ot.setOcclusionRatioThreshold(1.5)
    with pytest.raises(RuntimeError, match="Tracklet lifespan must be greater than 0, got 0"):
        ot.setTrackletMaxLifespan(0)
    with pytest.raises(TypeError, match=r"ObjectTracker\(0\).setDetectionLabelsToTrack: expected an int"):
        ot.setDetectionLabelsToTrack(["person"])


def test_an_object_is_new_then_tracked_then_lost_then_removed_at_gen2s_thresholds():
    t = tracking(trackletMaxLifespan=5)
    seen = [states(t.update([det(b)])) for b in moving(0.1, 0.02, 6)]
    assert [s for s in seen] == [{0: S.NEW}, {0: S.NEW}, {0: S.TRACKED}, {0: S.TRACKED}, {0: S.TRACKED},
                                 {0: S.TRACKED}]
    lost = [states(t.update([])) for _ in range(7)]
    assert lost == [{0: S.LOST}] * 5 + [{0: S.REMOVED}, {}]        # removed after 5 missed steps, sent once
    (o,) = t.update([det((0.3, 0.3, 0.4, 0.4))])
    assert (o.id, o.status, o.age) == (1, S.NEW, 1)                 # UNIQUE_ID: a new id


def test_a_lost_object_found_again_is_tracked_with_its_id_and_age():
    t = tracking()
    boxes = moving(0.1, 0.02, 8)
    for b in boxes[:4]:
        t.update([det(b)])
    t.update([])
    (o,) = t.update([])
    assert (o.status, o.age) == (S.LOST, 6)
    (o,) = t.update([det(boxes[6])])                                # near where it was last seen
    assert (o.id, o.status, o.age) == (0, S.TRACKED, 7)
    assert o.detection.xmin == pytest.approx(boxes[6][0])


def test_a_new_object_missed_before_its_birth_is_removed():
    t = tracking()
    t.update([det((0.1, 0.1, 0.2, 0.2))])
    assert states(t.update([])) == {0: S.REMOVED}
    assert states(t.update([])) == {}


def test_ids_stay_with_their_objects_as_they_move_and_cross_labels():
    t = tracking()
    a, b = moving(0.05, 0.03, 10), moving(0.85, -0.03, 10, y=0.32)   # two objects passing each other
    for i in range(10):
        objects = t.update([det(a[i], label=1), det(b[i], label=2)])
    by_id = {o.id: o for o in objects}
    assert set(by_id) == {0, 1} and by_id[0].label == 1 and by_id[1].label == 2
    assert by_id[0].box[0] == pytest.approx(a[9][0]) and by_id[1].box[0] == pytest.approx(b[9][0])
    assert all(o.status == S.TRACKED for o in objects)


def test_tracking_per_class_keeps_labels_apart():
    per_class, any_class = tracking(), tracking(trackingPerClass=False)
    for t in (per_class, any_class):
        t.update([det((0.1, 0.1, 0.3, 0.3), label=1)])
        t.update([det((0.11, 0.1, 0.31, 0.3), label=2)])
    assert states(per_class.objects) == {0: S.REMOVED, 1: S.NEW}
    assert states(any_class.objects) == {0: S.NEW} and any_class.objects[0].hits == 2


def test_smallest_id_reuses_the_ids_of_removed_objects_and_unique_id_never_does():
    for policy, expected in ((dai.TrackerIdAssignmentPolicy.SMALLEST_ID, 0),
                             (dai.TrackerIdAssignmentPolicy.UNIQUE_ID, 2)):
        t = tracking(trackerIdAssignmentPolicy=int(policy))
        t.update([det((0.1, 0.1, 0.2, 0.2)), det((0.5, 0.5, 0.6, 0.6))])
        t.update([det((0.5, 0.5, 0.6, 0.6))])                        # 0 is removed (missed while NEW)
        t.update([det((0.5, 0.5, 0.6, 0.6))])                        # and forgotten
        objects = t.update([det((0.5, 0.5, 0.6, 0.6)), det((0.1, 0.7, 0.2, 0.8))])
        assert sorted(o.id for o in objects) == sorted([1, expected])


@pytest.mark.parametrize("policy, new_id, later_id", [(dai.TrackerIdAssignmentPolicy.UNIQUE_ID, 2, 3),
                                                     (dai.TrackerIdAssignmentPolicy.SMALLEST_ID, 2, 0)])
def test_a_forced_removal_reports_the_object_removed_once_and_its_detection_starts_a_new_one(policy, new_id,
                                                                                            later_id):
    t = tracking(trackerIdAssignmentPolicy=int(policy), trackletBirthThreshold=1)
    a, b = moving(0.1, 0.02, 6), moving(0.6, -0.02, 6)
    t.update([det(a[0]), det(b[0])])
    t.remove([0, 42])                                   # an id no object has is left alone
    assert states(t.update([det(a[1]), det(b[1])])) == {0: S.REMOVED, 1: S.TRACKED, new_id: S.TRACKED}
    assert states(t.update([det(a[2]), det(b[2])])) == {1: S.TRACKED, new_id: S.TRACKED}
    objects = t.update([det(a[3]), det(b[3]), det((0.4, 0.8, 0.5, 0.9))])
    assert states(objects) == {1: S.TRACKED, new_id: S.TRACKED, later_id: S.TRACKED}
    t.remove([1])
    assert states(t.track()) == {1: S.REMOVED, new_id: S.TRACKED, later_id: S.TRACKED}   # a step without detections


def test_threshold_labels_limits_and_overlaps_decide_what_is_tracked():
    t = tracking(trackerThreshold=0.5, detectionLabelsToTrack=[3], maxObjectsToTrack=2)
    objects = t.update([det((0.0, 0.0, 0.1, 0.1), label=3, confidence=0.4),     # below the threshold
                        det((0.2, 0.0, 0.3, 0.1), label=4),                      # a label not tracked
                        det((0.4, 0.0, 0.5, 0.1), label=3), det((0.6, 0.0, 0.7, 0.1), label=3),
                        det((0.8, 0.0, 0.9, 0.1), label=3)])                     # one too many
    assert [o.box[0] for o in objects] == [0.4, 0.6]
    t = tracking()
    t.update([det((0.1, 0.1, 0.5, 0.5))])
    objects = t.update([det((0.1, 0.1, 0.5, 0.5)), det((0.2, 0.2, 0.4, 0.45))])   # inside the first: occluded
    assert len(objects) == 1


def test_a_short_term_tracker_moves_a_lost_object_on_and_a_zero_term_one_keeps_its_last_box():
    boxes = moving(0.1, 0.05, 6)
    rois = {}
    for kind in (dai.TrackerType.SHORT_TERM_IMAGELESS, dai.TrackerType.ZERO_TERM_IMAGELESS):
        t = tracking(trackerType=int(kind))
        for b in boxes[:4]:
            t.update([det(b)])
        (o,) = t.update([])
        rois[kind] = o.roi[0]
    assert rois[dai.TrackerType.SHORT_TERM_IMAGELESS] == pytest.approx(boxes[4][0], abs=0.01)
    assert rois[dai.TrackerType.ZERO_TERM_IMAGELESS] == pytest.approx(boxes[3][0])


def picture(boxes, colours, w=320, h=240):
    img = np.full((h, w, 3), 40, np.uint8)
    rng = np.random.default_rng(0)
    for (x0, y0, x1, y1), colour in zip(boxes, colours):
        cv2.rectangle(img, (int(x0 * w), int(y0 * h)), (int(x1 * w) - 1, int(y1 * h) - 1), colour, -1)
        patch = img[int(y0 * h):int(y1 * h), int(x0 * w):int(x1 * w)]
        patch[:] = np.clip(patch + rng.integers(-60, 60, patch.shape), 0, 255)   # texture for the KCF
    return img


def test_the_colour_histogram_tells_apart_objects_the_boxes_cannot():
    a, b = (0.2, 0.2, 0.4, 0.4), (0.4, 0.2, 0.6, 0.4)
    between = (0.3, 0.2, 0.5, 0.4)                        # overlaps both equally
    picks = {}
    for kind in (dai.TrackerType.ZERO_TERM_COLOR_HISTOGRAM, dai.TrackerType.ZERO_TERM_IMAGELESS):
        t = tracking(trackerType=int(kind), trackletBirthThreshold=1)
        red_blue = picture([a, b], [(0, 0, 255), (255, 0, 0)])
        t.update([det(a), det(b)], red_blue)
        blue_between = picture([between], [(255, 0, 0)])
        objects = t.update([det(between)], blue_between)
        picks[kind] = [o.id for o in objects if o.status == S.TRACKED]
    assert picks[dai.TrackerType.ZERO_TERM_COLOR_HISTOGRAM] == [1]       # the blue one
    assert picks[dai.TrackerType.ZERO_TERM_IMAGELESS] == [0]             # boxes alone: the first


def test_the_kcf_follows_a_textured_object_in_the_picture():
    box = [100.0, 80.0, 40.0, 30.0]
    frames = [cv2.cvtColor(picture([((box[0] + 4 * i) / 320, box[1] / 240, (box[0] + 4 * i + 40) / 320,
                                     (box[1] + 30) / 240)], [(200, 200, 200)]), cv2.COLOR_BGR2GRAY)
              for i in range(8)]
    kcf = KCF(frames[0], box)
    for i in range(1, 8):
        (x, y, w, h), peak = kcf.update(frames[i])
        assert x == pytest.approx(box[0] + 4 * i, abs=1.5) and y == pytest.approx(box[1], abs=1.5) and peak > 0.3
    t = tracking(trackerType=int(dai.TrackerType.SHORT_TERM_KCF))
    for i in range(4):
        t.update([det(((box[0] + 4 * i) / 320, 80 / 240, (box[0] + 4 * i + 40) / 320, 110 / 240))], frames[i])
    for i in range(4, 8):                                  # the detector misses it: the KCF carries it
        (o,) = t.update([], frames[i])
        assert o.status == S.LOST and o.roi[0] * 320 == pytest.approx(box[0] + 4 * i, abs=2)


def spatial(box, z, seq):
    msg = dai.SpatialImgDetections()
    d = dai.SpatialImgDetection(1, 0.8, *box)
    d.spatialCoordinates = dai.Point3f(10.0, -20.0, z)
    msg.detections = [d]
    return msg.setSequenceNum(seq)


def test_spatial_detections_through_the_node_give_tracklets_their_place():
    ot = dai.Pipeline().create(dai.node.ObjectTracker)
    frame = dai.ImgFrame().setCvFrame(np.zeros((120, 160, 3), np.uint8), dai.ImgFrame.Type.BGR888p)
    with NodeHarness(ot) as h:
        for seq, box in enumerate(moving(0.1, 0.05, 4)):
            frame.setSequenceNum(seq)
            h.push("inputTrackerFrame", frame)
            h.push("inputDetectionFrame", frame)
            h.push("inputDetections", spatial(box, 1000.0 + seq, seq))
            out = h.pull("out", timeout=TIMEOUT)
            assert out.getSequenceNum() == seq and h.pull("passthroughTrackerFrame", timeout=TIMEOUT).getSequenceNum() \
                == seq
            assert h.pull("passthroughDetectionFrame", timeout=TIMEOUT).getSequenceNum() == seq
            assert type(h.pull("passthroughDetections", timeout=TIMEOUT)) is dai.SpatialImgDetections
    (t,) = out.tracklets
    assert (t.id, t.status, t.age, t.label) == (0, S.TRACKED, 4, 1)
    assert (t.spatialCoordinates.x, t.spatialCoordinates.y, t.spatialCoordinates.z) == (10.0, -20.0, 1003.0)
    assert (t.roi.x, t.roi.width) == (pytest.approx(0.25), pytest.approx(0.1))
    assert t.srcImgDetection.xmin == pytest.approx(0.25) and t.srcImgDetection.confidence == pytest.approx(0.8)


def test_a_device_tracks_detections_from_the_host_and_a_script_reads_the_tracklets():
    p = dai.Pipeline()
    xin_frames, xin_dets = p.create(dai.node.XLinkIn), p.create(dai.node.XLinkIn)
    xin_frames.setStreamName("frames")
    xin_dets.setStreamName("dets")
    ot = p.create(dai.node.ObjectTracker)
    for port in (ot.inputTrackerFrame, ot.inputDetections):
        port.setBlocking(True)
    ot.setTrackerType(dai.TrackerType.ZERO_TERM_COLOR_HISTOGRAM)
    xin_frames.out.link(ot.inputTrackerFrame)
    xin_dets.out.link(ot.inputDetections)
    script = p.create(dai.node.Script)
    ot.out.link(script.inputs["tracklets"])
    script.setScript("""
        import json
        while True:
            msg = node.io['tracklets'].get()
            seen = [[t.id, t.status.name, t.age, round(t.roi.x, 3)] for t in msg.tracklets]
            b = Buffer(200)
            b.setData(json.dumps(seen).encode('utf-8'))
            b.setSequenceNum(msg.getSequenceNum())
            node.io['out'].send(b)
    """)
    for name, port in (("summary", script.outputs["out"]), ("tracklets", ot.out)):
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        port.link(xout.input)
    boxes = moving(0.1, 0.05, 5)
    with dai.Device(p) as device:
        q_frames, q_dets = device.getInputQueue("frames"), device.getInputQueue("dets")
        q_summary, q_tracklets = device.getOutputQueue("summary"), device.getOutputQueue("tracklets")
        got = []
        for seq, box in enumerate(boxes + [None]):
            img = picture([box] if box else [], [(0, 200, 0)])
            q_frames.send(dai.ImgFrame().setCvFrame(img, dai.ImgFrame.Type.BGR888p).setSequenceNum(seq))
            dets = dai.ImgDetections()
            dets.detections = [dai.ImgDetection(1, 0.9, *box)] if box else []
            q_dets.send(dets.setSequenceNum(seq))
            tracklets = q_tracklets.get(timeout=TIMEOUT)
            summary = q_summary.get(timeout=TIMEOUT)
            assert type(tracklets) is dai.Tracklets and tracklets.getSequenceNum() == summary.getSequenceNum() == seq
            got.append(json.loads(str(summary.getData(), "utf-8")))
        assert device.getFailedNodes() == {}
    assert [[s[:3] for s in g] for g in got] == [[[0, "NEW", 1]], [[0, "NEW", 2]], [[0, "TRACKED", 3]],
                                                 [[0, "TRACKED", 4]], [[0, "TRACKED", 5]], [[0, "LOST", 6]]]
    assert [g[0][3] for g in got[:5]] == [pytest.approx(b[0], abs=1e-3) for b in boxes]


def test_a_config_from_the_host_removes_a_tracklet_on_a_device():
    p = dai.Pipeline()
    xin_dets, xin_cfg = p.create(dai.node.XLinkIn), p.create(dai.node.XLinkIn)
    xin_dets.setStreamName("dets")
    xin_cfg.setStreamName("trackerConfig")
    ot = p.create(dai.node.ObjectTracker)
    ot.inputDetections.setBlocking(True)
    ot.setTrackletBirthThreshold(1)
    xin_dets.out.link(ot.inputDetections)
    xin_cfg.out.link(ot.inputConfig)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("tracklets")
    ot.out.link(xout.input)
    with dai.Device(p) as device:
        q_dets, q_cfg, q_out = (device.getInputQueue("dets"), device.getInputQueue("trackerConfig"),
                                device.getOutputQueue("tracklets"))

        def step(seq):
            dets = dai.ImgDetections()
            dets.detections = [dai.ImgDetection(1, 0.9, 0.2, 0.2, 0.4, 0.4)]
            q_dets.send(dets.setSequenceNum(seq))
            return {t.id: t.status for t in q_out.get(timeout=TIMEOUT).tracklets}

        assert step(0) == {0: S.TRACKED}
        q_cfg.send(dai.ObjectTrackerConfig().forceRemoveID(0))
        seen = [step(seq) for seq in range(1, 20)]      # the config takes effect at a step after it arrives
        assert device.getFailedNodes() == {}
    at = seen.index({0: S.REMOVED, 1: S.TRACKED})
    assert seen[:at] == [{0: S.TRACKED}] * at and seen[at + 1:] == [{1: S.TRACKED}] * (len(seen) - at - 1)


def test_the_tracker_frame_is_the_one_of_the_detections_sequence_number():
    ot = dai.Pipeline().create(dai.node.ObjectTracker)
    ot.inputTrackerFrame.setBlocking(True)
    with NodeHarness(ot, inputs=["inputTrackerFrame", "inputDetections"]) as h:
        for seq in range(3):                         # the camera runs ahead of the detector
            h.push("inputTrackerFrame", dai.ImgFrame().setCvFrame(np.zeros((60, 80), np.uint8),
                                                                  dai.ImgFrame.Type.GRAY8).setSequenceNum(seq))
        h.push("inputDetections", dai.ImgDetections().setSequenceNum(2))
        out, frame = h.pull("out", timeout=TIMEOUT), h.pull("passthroughTrackerFrame", timeout=TIMEOUT)
    assert out.getSequenceNum() == frame.getSequenceNum() == 2 and out.tracklets == []


def test_assignment_takes_the_best_pairs_first_and_each_side_once():
    affinity = np.array([[0.9, 0.8, 0.0], [0.85, 0.2, 0.0], [0.0, 0.0, 0.1]])
    assert assign(affinity, affinity >= 0.15) == [(0, 0), (1, 1)]    # 1 gives way to 0 on detection 0
    assert assign(affinity, affinity >= 0.3) == [(0, 0)]          # 1's only allowed detection is taken
    assert assign(np.array([[0.5, 0.5]]), np.array([[True, True]])) == [(0, 0)]     # a tie: the first


@pytest.mark.parametrize("kind", ["SHORT_TERM_IMAGELESS", "SHORT_TERM_KCF"])
def test_a_short_term_tracker_follows_objects_on_the_frames_between_detections(kind):
    ot = dai.Pipeline().create(dai.node.ObjectTracker)
    ot.setTrackerType(getattr(dai.TrackerType, kind))
    for port in (ot.inputTrackerFrame, ot.inputDetections):
        port.setBlocking(True)
    boxes = moving(0.1, 0.02, 12, size=0.2)                 # every frame's true box
    pictures = [picture([b], [(220, 220, 220)]) for b in boxes]
    with NodeHarness(ot, inputs=["inputTrackerFrame", "inputDetections"]) as h:
        for seq in range(12):
            h.push("inputTrackerFrame", dai.ImgFrame().setCvFrame(pictures[seq], dai.ImgFrame.Type.BGR888p)
                   .setSequenceNum(seq))
            if seq % 3 == 0:                                   # the detector runs on every third frame
                dets = dai.ImgDetections()
                dets.detections = [dai.ImgDetection(1, 0.9, *boxes[seq])]
                h.push("inputDetections", dets.setSequenceNum(seq))
        h.close("inputDetections")
        got = [h.pull("out", timeout=TIMEOUT) for _ in range(10)]
        frames = [h.pull("passthroughTrackerFrame", timeout=TIMEOUT).getSequenceNum() for _ in range(10)]
    assert [m.getSequenceNum() for m in got] == frames == list(range(10))   # a step per tracker frame
    assert all(len(m.tracklets) == 1 and m.tracklets[0].id == 0 for m in got)
    assert [m.tracklets[0].age for m in got] == list(range(1, 11))
    for seq in range(4, 10):                                   # once its velocity is known, between detections
        assert got[seq].tracklets[0].roi.x == pytest.approx(boxes[seq][0], abs=0.01), seq
    assert [m.tracklets[0].status for m in got][6:] == [S.TRACKED] * 4    # the 3rd detection made it TRACKED


def test_a_config_input_that_is_not_a_config_is_ignored_with_the_fix():
    ot = dai.Pipeline().create(dai.node.ObjectTracker)
    ot.inputDetections.setBlocking(True)
    with NodeHarness(ot, inputs=["inputDetections", "inputConfig"], outputs=["out"]) as h:
        h.push("inputConfig", dai.Buffer())
        h.push("inputDetections", dai.ImgDetections().setSequenceNum(1))
        assert h.pull("out", timeout=TIMEOUT).getSequenceNum() == 1
    assert any("ObjectTracker(0).inputConfig: expected ObjectTrackerConfig, got Buffer" in m.payload for m in h.logs)
