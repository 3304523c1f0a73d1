"""ObjectTracker: a detector's boxes turned into objects that keep an id from frame to frame.

    tracker = pipeline.create(dai.node.ObjectTracker)
    tracker.setDetectionLabelsToTrack([15])                 # only people (MobileNet-SSD's label 15)
    tracker.setTrackerType(dai.TrackerType.ZERO_TERM_COLOR_HISTOGRAM)
    tracker.setTrackerIdAssignmentPolicy(dai.TrackerIdAssignmentPolicy.SMALLEST_ID)
    nn.passthrough.link(tracker.inputTrackerFrame)
    nn.passthrough.link(tracker.inputDetectionFrame)
    nn.out.link(tracker.inputDetections)                    # ImgDetections or SpatialImgDetections
    tracker.out.link(xout.input)                            # Tracklets

Ports (gen2): `inputTrackerFrame`, `inputDetectionFrame` (ImgFrame) and `inputDetections`
(ImgDetections or SpatialImgDetections), each non-blocking, queue 4, waiting for a message;
`inputConfig` (ObjectTrackerConfig, gen2 2.32; non-blocking, queue 4, not waited for); `out`
(Tracklets), `passthroughTrackerFrame`, `passthroughDetectionFrame`, `passthroughDetections`.
Properties as gen2's ObjectTrackerProperties: `trackerThreshold` (0), `maxObjectsToTrack` (60),
`detectionLabelsToTrack` ([]: all), `trackerType` (ZERO_TERM_IMAGELESS), `trackerIdAssignmentPolicy`
(UNIQUE_ID), `trackingPerClass` (True), and gen2 2.32's `occlusionRatioThreshold` (0.4),
`trackletMaxLifespan` (120) and `trackletBirthThreshold` (3).

A zero-term tracker takes one step (`Tracking.update`) per detections message, on the tracker frame of
the same sequence number (the next tracker frame, or a later one already waiting, up to it); a
short-term one takes a step per tracker frame, `Tracking.track` (objects moved to their predictions,
statuses kept) while the detector has not reached that frame. In a step: detections below
`trackerThreshold` or of labels not tracked are left out; each object's box is predicted by a
constant-velocity model (an alpha-beta filter: the steady-state Kalman filter of that model), or, with
SHORT_TERM_KCF, by a kernelized correlation filter (`KCF`, in NumPy: OpenCV's is in its contrib
modules) run on the tracker frame; detections are matched to objects greedily, best overlap first
(IoU ≥ 0.3; with ZERO_TERM_COLOR_HISTOGRAM, times the likeness of their hue-saturation
histograms in the tracker frame), within a label when `trackingPerClass`. Statuses: a new object is
NEW, TRACKED once matched `trackletBirthThreshold` times in a row, REMOVED if missed while NEW;
a TRACKED object that is missed becomes LOST, TRACKED again when matched, and REMOVED after
`trackletMaxLifespan` missed steps. A REMOVED tracklet is sent once, then forgotten. A zero-term
object's roi is its last detection's box; a short-term one's is where it is predicted to be while
it is LOST. An ObjectTrackerConfig's `trackletIdsToRemove` (`forceRemoveID`) take effect at the next
step: those objects are reported REMOVED once, match nothing, and their detections become new
objects (with new ids; SMALLEST_ID may give a removed id again from the step after). Detections that overlap a matched object by more than `occlusionRatioThreshold` of their
area make no new object; nor does any beyond `maxObjectsToTrack`. Ids: UNIQUE_ID counts up,
SMALLEST_ID takes the smallest id no object holds. Tracklets keep the tracker frame's sequence
number and timestamps; boxes are normalised, and the detection and tracker frames are taken to show
the same view.
"""
from __future__ import annotations

import math

import numpy as np

from ..messages._args import as_bool, as_float, as_int
from ..messages.datatype import DatatypeEnum
from ..messages.detections import ImgDetection
from ..messages.enums import Gen2Enum
from ..messages.geometry import Point3f, Rect
from ..messages.imgframe import ImgFrame
from ..messages.objecttrackerconfig import ObjectTrackerConfig
from ..messages.tracklets import Tracklet, Tracklets, TrackingStatus
from ..pipeline.node import Node
from ..pipeline.registry import node_type
from ..runtime.worker import QueueClosed, Worker

IOU_THRESHOLD = 0.3


class TrackerType(Gen2Enum):
    SHORT_TERM_KCF = 1
    SHORT_TERM_IMAGELESS = 3
    ZERO_TERM_IMAGELESS = 5
    ZERO_TERM_COLOR_HISTOGRAM = 6


class TrackerIdAssignmentPolicy(Gen2Enum):
    UNIQUE_ID = 0
    SMALLEST_ID = 1


@node_type(worker="ObjectTrackerWorker")
class ObjectTracker(Node):
    NAME = "ObjectTracker"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        frame = (DatatypeEnum.ImgFrame,)
        self.inputTrackerFrame = self._input("inputTrackerFrame", types=frame, blocking=False, queueSize=4,
                                             waitForMessage=True)
        self.inputDetectionFrame = self._input("inputDetectionFrame", types=frame, blocking=False, queueSize=4,
                                               waitForMessage=True)
        self.inputDetections = self._input("inputDetections", types=(DatatypeEnum.ImgDetections,), blocking=False,
                                           queueSize=4, waitForMessage=True)
        self.inputConfig = self._input("inputConfig", types=(DatatypeEnum.ObjectTrackerConfig,), blocking=False,
                                       queueSize=4, waitForMessage=False)
        self.out = self._output("out", types=(DatatypeEnum.Tracklets,))
        self.passthroughTrackerFrame = self._output("passthroughTrackerFrame", types=frame)
        self.passthroughDetectionFrame = self._output("passthroughDetectionFrame", types=frame)
        self.passthroughDetections = self._output("passthroughDetections", types=(DatatypeEnum.ImgDetections,))
        self.properties = {"trackerThreshold": 0.0, "maxObjectsToTrack": 60, "detectionLabelsToTrack": [],
                           "trackerType": int(TrackerType.ZERO_TERM_IMAGELESS),
                           "trackerIdAssignmentPolicy": int(TrackerIdAssignmentPolicy.UNIQUE_ID),
                           "trackingPerClass": True, "occlusionRatioThreshold": 0.4, "trackletMaxLifespan": 120,
                           "trackletBirthThreshold": 3}

    def _enum(self, enum, value, setter):
        try:
            return int(enum(as_int(value, f"{self._label}.{setter}")))
        except ValueError:
            raise ValueError(f"{self._label}.{setter}: expected one of "
                             f"{', '.join(f'dai.{m}' for m in enum)}, got {value!r}") from None

    def setTrackerThreshold(self, threshold: float):
        """Detections below this confidence are not tracked (default 0: all are)."""
        self.properties["trackerThreshold"] = as_float(threshold, f"{self._label}.setTrackerThreshold")

    def setMaxObjectsToTrack(self, maxObjectsToTrack: int):
        """At most this many objects at once (default 60; gen2 allows 60 with SHORT_TERM_KCF, 1000 otherwise)."""
        v = as_int(maxObjectsToTrack, f"{self._label}.setMaxObjectsToTrack")
        if v < 1:
            raise ValueError(f"{self._label}.setMaxObjectsToTrack: expected at least 1, got {v}")
        self.properties["maxObjectsToTrack"] = v

    def setDetectionLabelsToTrack(self, labels):
        """Only detections of these labels are tracked (default []: every label)."""
        what = f"{self._label}.setDetectionLabelsToTrack"
        try:
            items = list(labels)
        except TypeError:
            raise TypeError(f"{what}: expected a list of labels, got {type(labels).__name__}") from None
        out = []
        for v in items:
            v = as_int(v, what)
            if v < 0:
                raise ValueError(f"{what}: labels are unsigned, got {v}")
            out.append(v)
        self.properties["detectionLabelsToTrack"] = out

    def setTrackerType(self, type: TrackerType):   # noqa: A002 — gen2's argument name
        self.properties["trackerType"] = self._enum(TrackerType, type, "setTrackerType")

    def setTrackerIdAssignmentPolicy(self, type: TrackerIdAssignmentPolicy):   # noqa: A002
        self.properties["trackerIdAssignmentPolicy"] = self._enum(TrackerIdAssignmentPolicy, type,
                                                                  "setTrackerIdAssignmentPolicy")

    def setTrackingPerClass(self, trackingPerClass: bool):
        """Match detections only with objects of their own label (default True)."""
        self.properties["trackingPerClass"] = as_bool(trackingPerClass, f"{self._label}.setTrackingPerClass")

    def setOcclusionRatioThreshold(self, occlusionRatioThreshold: float):
        v = as_float(occlusionRatioThreshold, f"{self._label}.setOcclusionRatioThreshold")
        if not 0.0 <= v <= 1.0:
            raise RuntimeError(f"Occlusion ratio threshold must be between 0 and 1, got {v}")
        self.properties["occlusionRatioThreshold"] = v

    def setTrackletMaxLifespan(self, lifespan: int):
        v = as_int(lifespan, f"{self._label}.setTrackletMaxLifespan")
        if v < 1:
            raise RuntimeError(f"Tracklet lifespan must be greater than 0, got {v}")
        self.properties["trackletMaxLifespan"] = v

    def setTrackletBirthThreshold(self, birthThreshold: int):
        v = as_int(birthThreshold, f"{self._label}.setTrackletBirthThreshold")
        if v < 0:
            raise ValueError(f"{self._label}.setTrackletBirthThreshold: expected 0 or more, got {v}")
        self.properties["trackletBirthThreshold"] = v


# ------------------------------------------------------------------------------------------------
# The tracking (no device needed)
# ------------------------------------------------------------------------------------------------

def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of every box of `a` (N, 4) with every box of `b` (M, 4), boxes as x0, y0, x1, y1."""
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.maximum(x1 - x0, 0) * np.maximum(y1 - y0, 0)
    area = lambda r: np.maximum(r[:, 2] - r[:, 0], 0) * np.maximum(r[:, 3] - r[:, 1], 0)   # noqa: E731
    union = area(a)[:, None] + area(b)[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def assign(affinity: np.ndarray, allowed: np.ndarray) -> list:
    """Pairs (object, detection), each used once, taken greedily from the highest affinity down among
    the allowed ones (ties: the earlier object first)."""
    rows, cols = np.nonzero(allowed)
    order = np.argsort(-affinity[rows, cols], kind="stable")
    used_rows, used_cols, pairs = set(), set(), []
    for i, j in zip(rows[order].tolist(), cols[order].tolist()):
        if i not in used_rows and j not in used_cols:
            used_rows.add(i)
            used_cols.add(j)
            pairs.append((i, j))
    return pairs


class KCF:
    """A kernelized correlation filter (Henriques et al., 2015) on grey pixels with a Gaussian kernel:
    `KCF(grey, box)` learns the object in the box (x, y, w, h in pixels); `update(grey)` finds it in
    the next picture and returns the new box and the filter's peak response (0..1, how sure it is)."""

    PADDING, LAMBDA, RATE, KERNEL_SIGMA, LABEL_SIGMA, TEMPLATE = 1.5, 1e-4, 0.075, 0.5, 0.1, 64

    def __init__(self, grey: np.ndarray, box):
        x, y, w, h = box
        self.w, self.h = max(float(w), 4.0), max(float(h), 4.0)
        self.cx, self.cy = x + w / 2, y + h / 2
        self.window = (self.w * (1 + self.PADDING), self.h * (1 + self.PADDING))
        self.scale = self.TEMPLATE / max(self.window)
        tw = max(8, int(round(self.window[0] * self.scale)) // 2 * 2)
        th = max(8, int(round(self.window[1] * self.scale)) // 2 * 2)
        self.size = (tw, th)
        self.cos = np.outer(np.hanning(th), np.hanning(tw)).astype(np.float32)
        sigma = math.sqrt(self.w * self.h) * self.scale * self.LABEL_SIGMA / (1 + self.PADDING)
        ys = np.fft.fftfreq(th, 1 / th)[:, None]          # distances from (0, 0) with wrap-around
        xs = np.fft.fftfreq(tw, 1 / tw)[None, :]
        self.yf = np.fft.fft2(np.exp(-0.5 * (xs ** 2 + ys ** 2) / sigma ** 2))
        x = self._patch(grey)
        self.xf = np.fft.fft2(x)
        self.alphaf = self.yf / (np.fft.fft2(self._kernel(self.xf, self.xf)) + self.LAMBDA)

    def _patch(self, grey):
        import cv2
        ww, wh = max(int(round(self.window[0])), 2), max(int(round(self.window[1])), 2)
        patch = cv2.getRectSubPix(grey, (ww, wh), (float(self.cx), float(self.cy)))
        patch = cv2.resize(patch, self.size, interpolation=cv2.INTER_AREA).astype(np.float32)
        return (patch / 255.0 - 0.5) * self.cos

    def _kernel(self, xf, zf):
        n = xf.size
        xx = np.real(np.vdot(xf, xf)) / n
        zz = np.real(np.vdot(zf, zf)) / n
        xz = np.real(np.fft.ifft2(np.conj(xf) * zf))
        return np.exp(-np.clip(xx + zz - 2 * xz, 0, None) / (self.KERNEL_SIGMA ** 2 * n))

    def update(self, grey: np.ndarray):
        z = self._patch(grey)
        zf = np.fft.fft2(z)
        response = np.real(np.fft.ifft2(self.alphaf * np.fft.fft2(self._kernel(self.xf, zf))))
        dy, dx = np.unravel_index(int(np.argmax(response)), response.shape)
        peak = float(response[dy, dx])
        th, tw = response.shape
        dy, dx = (dy - th if dy > th // 2 else dy), (dx - tw if dx > tw // 2 else dx)
        self.cx += dx / self.scale
        self.cy += dy / self.scale
        x = self._patch(grey)                                # learn the object where it is now
        xf = np.fft.fft2(x)
        alphaf = self.yf / (np.fft.fft2(self._kernel(xf, xf)) + self.LAMBDA)
        self.xf = (1 - self.RATE) * self.xf + self.RATE * xf
        self.alphaf = (1 - self.RATE) * self.alphaf + self.RATE * alphaf
        return (self.cx - self.w / 2, self.cy - self.h / 2, self.w, self.h), peak


def histogram(bgr: np.ndarray, box) -> np.ndarray | None:
    """The normalised hue-saturation histogram (16x16) of a normalised box of a BGR picture."""
    import cv2
    h, w = bgr.shape[:2]
    bx0, by0, bx1, by1 = (float(v) for v in box)
    x0, y0 = int(max(bx0, 0.0) * w), int(max(by0, 0.0) * h)
    x1, y1 = math.ceil(min(bx1, 1.0) * w), math.ceil(min(by1, 1.0) * h)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    hsv = cv2.cvtColor(bgr[y0:y1, x0:x1], cv2.COLOR_BGR2HSV)
    hist = cv2.calcHist([hsv], [0, 1], None, [16, 16], [0, 180, 0, 256])
    return cv2.normalize(hist, hist).reshape(-1)


class _Object:
    __slots__ = ("id", "label", "status", "age", "hits", "seen", "misses", "since", "box", "roi", "velocity",
                 "detection", "spatial", "hist", "kcf")

    def __init__(self, oid, label, box, detection, spatial):
        self.id, self.label, self.status, self.age = oid, label, TrackingStatus.NEW, 1
        self.hits, self.seen, self.misses = 1, 1, 0      # matches in a row, matches in all, steps missed
        self.since = 0                                    # tracker frames since the last match
        self.box = np.asarray(box, np.float64)            # the last detection's x0, y0, x1, y1, normalised
        self.roi = self.box                               # what the tracklet reports
        self.velocity = np.zeros(4)                       # per step
        self.detection, self.spatial = detection, spatial
        self.hist = self.kcf = None


class Tracking:
    """The tracker's objects across steps. `update(detections, picture)` takes one frame's detections —
    (label, confidence, (x0, y0, x1, y1) normalised, ImgDetection, Point3f or None) — and the tracker
    frame's picture (BGR for the colour histogram, grey for KCF; None otherwise), and returns the
    objects to report as Tracklets."""

    BETA = 0.5      # the alpha-beta filter's velocity gain (the box itself follows the detections)

    def __init__(self, properties: dict):
        p = properties
        self.type = TrackerType(p["trackerType"])
        self.policy = TrackerIdAssignmentPolicy(p["trackerIdAssignmentPolicy"])
        self.threshold = float(p["trackerThreshold"])
        self.labels = set(p["detectionLabelsToTrack"])
        self.max_objects = int(p["maxObjectsToTrack"])
        self.per_class = bool(p["trackingPerClass"])
        self.occlusion = float(p.get("occlusionRatioThreshold", 0.4))
        self.lifespan = int(p.get("trackletMaxLifespan", 120))
        self.birth = int(p.get("trackletBirthThreshold", 3))
        self.objects: list[_Object] = []
        self._next_id = 0
        self._to_remove: set[int] = set()
        self._held: set[int] = set()

    def remove(self, ids) -> None:
        """Have the tracklets with these ids REMOVED at the next step (ObjectTrackerConfig.forceRemoveIDs)."""
        self._to_remove.update(int(i) for i in ids)

    def _forget_and_remove(self) -> list:
        """Forget the objects reported REMOVED last step; mark those asked to be removed REMOVED and
        return them (reported once, kept out of this step's matching)."""
        self.objects = [o for o in self.objects if o.status != TrackingStatus.REMOVED]
        if not self._to_remove:
            return []
        gone = [o for o in self.objects if o.id in self._to_remove]
        self._to_remove.clear()
        for o in gone:
            o.status = TrackingStatus.REMOVED
        self.objects = [o for o in self.objects if o.status != TrackingStatus.REMOVED]
        return gone

    @property
    def wants_colour(self) -> bool:
        return self.type == TrackerType.ZERO_TERM_COLOR_HISTOGRAM

    @property
    def wants_grey(self) -> bool:
        return self.type == TrackerType.SHORT_TERM_KCF

    def _new_id(self) -> int:
        if self.policy == TrackerIdAssignmentPolicy.SMALLEST_ID:
            held = {o.id for o in self.objects} | self._held
            i = 0
            while i in held:
                i += 1
            return i
        i = self._next_id
        self._next_id += 1
        return i

    def _predict(self, o: _Object, picture, size):
        """Where `o` should be now: the KCF's answer when it is sure, else its last box moved on at its velocity."""
        if o.kcf is not None and picture is not None:
            h, w = size
            (x, y, bw, bh), peak = o.kcf.update(picture)
            if peak > 0.2:
                return np.array([x / w, y / h, (x + bw) / w, (y + bh) / h])
        return o.box + o.velocity * (o.since + 1)

    def update(self, detections: list, picture=None) -> list:
        gone = self._forget_and_remove()
        self._held = {o.id for o in gone}   # not given to a new object in the step that removes them
        self._step(detections, picture)
        self.objects = gone + self.objects
        return list(self.objects)

    def _step(self, detections: list, picture=None):
        dets = [d for d in detections
                if d[1] >= self.threshold and (not self.labels or d[0] in self.labels)]
        size = picture.shape[:2] if picture is not None else None
        predicted = np.array([self._predict(o, picture, size) for o in self.objects]).reshape(-1, 4)
        boxes = np.array([d[2] for d in dets], np.float64).reshape(-1, 4)
        hists = None
        if self.wants_colour and picture is not None:
            hists = [histogram(picture, b) for b in boxes.tolist()]
        # match within groups (a label each when tracking per class)
        pairs = []
        if len(dets) and len(self.objects):
            score = iou(predicted, boxes)
            if self.per_class:
                labels = np.array([d[0] for d in dets])
                score = np.where(np.array([o.label for o in self.objects])[:, None] == labels[None, :], score, 0.0)
            affinity = score.copy()
            if hists is not None:
                import cv2
                for i, j in zip(*np.nonzero(score)):
                    oh, hd = self.objects[i].hist, hists[j]
                    if oh is not None and hd is not None:
                        affinity[i, j] *= 0.5 + 0.5 * max(cv2.compareHist(oh, hd, cv2.HISTCMP_CORREL), 0.0)
            pairs = assign(affinity, score >= IOU_THRESHOLD)
        matched_objects = {i for i, _ in pairs}
        matched_dets = {j for _, j in pairs}
        for i, j in pairs:
            o, d = self.objects[i], dets[j]
            new_box = boxes[j]
            moved = (new_box - o.box) / (o.since + 1)
            o.velocity = moved if o.seen == 1 else self.BETA * moved + (1 - self.BETA) * o.velocity
            o.box = o.roi = new_box.copy()
            o.hits += 1
            o.seen += 1
            o.misses = o.since = 0
            o.age += 1
            o.detection, o.spatial = d[3], d[4]
            if hists is not None and hists[j] is not None:
                o.hist = hists[j] if o.hist is None else 0.7 * o.hist + 0.3 * hists[j]
            if o.status == TrackingStatus.LOST or (o.status == TrackingStatus.NEW and o.hits >= self.birth):
                o.status = TrackingStatus.TRACKED
            if o.kcf is not None and picture is not None:
                o.kcf = KCF(picture, _pixels(new_box, size))
        for i, o in enumerate(self.objects):
            if i in matched_objects:
                continue
            o.age += 1
            o.hits = 0
            if o.status == TrackingStatus.NEW:
                o.status = TrackingStatus.REMOVED
                continue
            o.status = TrackingStatus.LOST
            o.misses += 1
            o.since += 1
            if self.type in (TrackerType.SHORT_TERM_IMAGELESS, TrackerType.SHORT_TERM_KCF):
                o.roi = predicted[i]
            if o.misses > self.lifespan:
                o.status = TrackingStatus.REMOVED
        # new objects, but not for a detection that mostly lies on a matched object
        live = sum(o.status != TrackingStatus.REMOVED for o in self.objects)
        held = np.array([self.objects[i].box for i in matched_objects]).reshape(-1, 4)
        for j, d in enumerate(dets):
            if j in matched_dets or live >= self.max_objects:
                continue
            if len(held) and _covered(boxes[j], held) > self.occlusion:
                continue
            o = _Object(self._new_id(), d[0], boxes[j], d[3], d[4])
            if self.birth <= 1:
                o.status = TrackingStatus.TRACKED
            if hists is not None:
                o.hist = hists[j]
            if self.wants_grey and picture is not None:
                o.kcf = KCF(picture, _pixels(boxes[j], size))
            self.objects.append(o)
            live += 1


    @property
    def short_term(self) -> bool:
        return self.type in (TrackerType.SHORT_TERM_IMAGELESS, TrackerType.SHORT_TERM_KCF)

    def track(self, picture=None) -> list:
        """A step without detections (short-term trackers, between two of the detector's frames): every
        object is moved to where it is predicted to be; statuses stay."""
        gone = self._forget_and_remove()
        size = picture.shape[:2] if picture is not None else None
        for o in self.objects:
            o.roi = self._predict(o, picture, size)
            o.since += 1
            o.age += 1
        self.objects = gone + self.objects
        return list(self.objects)


def _pixels(box, size):
    h, w = size
    return box[0] * w, box[1] * h, (box[2] - box[0]) * w, (box[3] - box[1]) * h


def _covered(box, others) -> float:
    """The largest share of `box`'s area that one of `others` covers."""
    x0 = np.maximum(box[0], others[:, 0])
    y0 = np.maximum(box[1], others[:, 1])
    x1 = np.minimum(box[2], others[:, 2])
    y1 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = max((box[2] - box[0]) * (box[3] - box[1]), 1e-12)
    return float(inter.max() / area)


def tracklets_message(objects: list) -> Tracklets:
    out = Tracklets()
    items = []
    new_tracklet, new_detection = Tracklet.__new__, ImgDetection.__new__
    for o in objects:
        t = new_tracklet(Tracklet)
        x0, y0, x1, y1 = (min(max(v, 0.0), 1.0) for v in o.roi.tolist())
        t.roi = Rect(x0, y0, x1 - x0, y1 - y0)
        t._id, t._label, t._age, t._status = o.id, o.label, o.age, o.status
        d, copy = o.detection, new_detection(ImgDetection)
        copy.label, copy.confidence, copy.xmin, copy.ymin, copy.xmax, copy.ymax = \
            d.label, d.confidence, d.xmin, d.ymin, d.xmax, d.ymax
        t.srcImgDetection = copy
        s = o.spatial
        t.spatialCoordinates = Point3f(s.x, s.y, s.z) if s is not None else Point3f()
        items.append(t)
    out._tracklets = items
    return out


def detections_of(msg) -> list:
    """(label, confidence, box, ImgDetection, Point3f or None) for each detection of an (Spatial)ImgDetections."""
    out = []
    for d in msg.detections:
        out.append((int(d.label), float(d.confidence), (d.xmin, d.ymin, d.xmax, d.ymax), d,
                    getattr(d, "spatialCoordinates", None)))
    return out


def picture_of(frame: ImgFrame, grey: bool) -> np.ndarray:
    """The frame as a grey (KCF) or BGR (histograms) picture."""
    import cv2
    t, w, h = frame.getType(), frame.getWidth(), frame.getHeight()
    if not grey and t == ImgFrame.Type.BGR888i and (frame.getStride() or 3 * w) == 3 * w:
        return frame.getData()[:w * h * 3].reshape(h, w, 3)          # a view: histograms only read it
    if grey:
        from .edge_detector import luma_of
        try:
            return np.ascontiguousarray(luma_of(frame, "ObjectTracker"))
        except ValueError:
            pass
    img = frame.getCvFrame()
    if grey:
        return img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    return img if img.ndim == 3 else cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)


def _frame_for(frames, dets):
    """The frame of `dets`: the next frame, or a later one already queued, up to the detections' sequence
    number (frames the tracker skips are not sent on)."""
    frame = frames.get()
    while frame._seq < dets._seq:
        newer = frames.try_get()
        if newer is None:
            break
        frame = newer
    return frame


class ObjectTrackerWorker(Worker):
    """Zero-term trackers: for each message on `inputDetections`, its tracker frame and detection frame,
    one tracking step. Short-term trackers: for each tracker frame, a step with the detections of its
    sequence number (or older ones not used yet), or, while the detector has not reached it, a step
    that only follows the objects. The Tracklets go to `out`, what each step used to the passthroughs."""

    def _picture(self, tracking, frame):
        if frame is None or not (tracking.wants_colour or tracking.wants_grey):
            return None
        try:
            return picture_of(frame, tracking.wants_grey)
        except (ValueError, RuntimeError) as e:
            self._error(("frame", frame.getType()), f"{self.label}.inputTrackerFrame: cannot read a "
                        f"{frame.getType().name} frame ({e}) — tracking without the picture")
            return None

    def _apply_configs(self, tracking):
        for cfg in self.input("inputConfig").try_get_all():
            if isinstance(cfg, ObjectTrackerConfig):
                tracking.remove(cfg._remove)
            else:
                self._error(("config", type(cfg).__name__), f"{self.label}.inputConfig: expected ObjectTrackerConfig, "
                            f"got {type(cfg).__name__} — send a dai.ObjectTrackerConfig (this one is ignored)")

    def _send(self, objects, src):
        msg = tracklets_message(objects)
        msg._seq, msg._ts_ns, msg._ts_dev_ns = src._seq, src._ts_ns, src._ts_dev_ns
        self.output("out").send(msg)

    def run(self):
        tracking = Tracking(self.properties)
        frames, det_frames = self.input("inputTrackerFrame"), self.input("inputDetectionFrame")
        detections = self.input("inputDetections")
        pass_frame, pass_det_frame = self.output("passthroughTrackerFrame"), self.output("passthroughDetectionFrame")
        pass_dets = self.output("passthroughDetections")
        every_frame = tracking.short_term and frames.linked
        pending = None          # short-term: detections newer than the tracker frames seen so far
        while True:
            try:
                if every_frame:
                    frame = frames.get()
                    if pending is None:
                        pending = detections.get()
                    self._apply_configs(tracking)
                    if pending._seq > frame._seq:          # the detector has not seen this frame
                        self._send(tracking.track(self._picture(tracking, frame)), frame)
                        pass_frame.send(frame)
                        continue
                    dets, pending = pending, None
                else:
                    dets = detections.get()
                    frame = _frame_for(frames, dets) if frames.linked else None
                det_frame = _frame_for(det_frames, dets) if det_frames.linked else None
            except QueueClosed:
                return
            self._apply_configs(tracking)
            self._send(tracking.update(detections_of(dets), self._picture(tracking, frame)),
                       frame if frame is not None else dets)
            if frame is not None:
                pass_frame.send(frame)
            if det_frame is not None:
                pass_det_frame.send(det_frame)
            pass_dets.send(dets)
