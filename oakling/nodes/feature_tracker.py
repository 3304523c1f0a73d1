"""FeatureTracker: corners found in a frame's luma and followed from frame to frame, each with an id that
lasts while it is tracked.

    tracker = pipeline.create(dai.node.FeatureTracker)
    tracker.initialConfig.setCornerDetector(dai.FeatureTrackerConfig.CornerDetector.Type.SHI_THOMASI)
    tracker.initialConfig.setNumTargetFeatures(200)
    mono.out.link(tracker.inputImage)                       # GRAY8/RAW8, or NV12/YUV420p (their Y plane)
    tracker.outputFeatures.link(xout.input)                 # TrackedFeatures
    tracker.setHardwareResources(2, 2)                      # accepted (shaves and memory slices)

Ports (gen2): `inputImage` (ImgFrame; non-blocking, queue 4, waits for a message), `inputConfig`
(FeatureTrackerConfig; non-blocking, queue 4, does not wait: the last config applies until another
comes), `outputFeatures` (TrackedFeatures) and `passthroughInputImage` (the frame each output was
made from). Properties as gen2's FeatureTrackerProperties: `initialConfig` (the config's JSON),
`numShaves` (1), `numMemorySlices` (1).

Each frame (`Tracking.__call__`):
1. The corner score of every pixel with OpenCV: Harris (`cv2.cornerHarris`, k 0.04) or Shi-Tomasi
   (`cv2.cornerMinEigenVal`), 3x3 blocks, 3x3 Sobel gradients (or [-1 0 1] with `enableSobel`
   False), from the gradients as the kernel sums pixel values, averaged over the block (OpenCV's
   normalised score times (4·255)⁴ or (4·255)²): the units gen2's thresholds (6000000 Harris, 1200
   Shi-Tomasi) are taken to be in.
2. With the motion estimator, last frame's features are found in this one with OpenCV's pyramidal
   Lucas-Kanade (`cv2.calcOpticalFlowPyrLK`, the config's window, levels, epsilon and iterations;
   HW_MOTION_ESTIMATION matches each feature's 9x9 block within ±16 pixels instead, as a
   block-matching engine does). Features the flow loses or that
   leave the frame go; the others keep their id and age one frame more. Without it, every frame's
   features are new.
3. With the feature maintainer, a tracked feature whose tracking error passes
   `lostFeatureErrorThreshold` or whose Harris score falls below `trackedFeatureThreshold` goes.
4. The frame is cut into `cellGridDimension`² cells; each is topped up to its share of
   `numTargetFeatures` with the strongest local maxima of the score above the cell's threshold,
   no nearer than √`minimumDistanceBetweenFeatures` pixels to another feature. A cell's threshold
   starts at `thresholds.initialValue` (or the minimum), rises by `increaseFactor` while the cell
   has more than twice the corners it needs and falls by `decreaseFactor` while it has too few, within
   `min`..`max`.
Features carry their id, position (pixels), age (frames since found, 1 when new), Harris score and
tracking error (Lucas-Kanade's mean absolute difference times the window's area; the block
matcher's root sum of squared differences).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ..messages.datatype import DatatypeEnum
from ..messages.featuretrackerconfig import FeatureTrackerConfig, RawFeatureTrackerConfig
from ..messages.geometry import Point2f
from ..messages.trackedfeatures import TrackedFeature, TrackedFeatures
from ..pipeline.node import Node
from ..pipeline.registry import node_type
from ..runtime.worker import QueueClosed, Worker
from .edge_detector import luma_of

HARRIS_K = 0.04
AUTO_MIN = {0: 6000000.0, 1: 1200.0}     # by CornerDetector.Type: HARRIS, SHI_THOMASI
HW_WINDOW = 9          # the block matcher's block side
BLOCK_RANGE = 16       # and how far it looks, in pixels


@node_type(worker="FeatureTrackerWorker")
class FeatureTracker(Node):
    NAME = "FeatureTracker"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.initialConfig = FeatureTrackerConfig()
        self.inputConfig = self._input("inputConfig", types=(DatatypeEnum.FeatureTrackerConfig,),
                                       blocking=False, queueSize=4, waitForMessage=False)
        self.inputImage = self._input("inputImage", types=(DatatypeEnum.ImgFrame,),
                                      blocking=False, queueSize=4, waitForMessage=True)
        self.outputFeatures = self._output("outputFeatures", types=(DatatypeEnum.TrackedFeatures,))
        self.passthroughInputImage = self._output("passthroughInputImage", types=(DatatypeEnum.ImgFrame,))
        self.properties = {"numShaves": 1, "numMemorySlices": 1}

    def serialize_properties(self) -> dict:
        return {"initialConfig": self.initialConfig.to_plain(), **self.properties}

    def check_ports(self):
        """A config the tracker cannot apply fails when the pipeline is built, naming the field."""
        super().check_ports()
        try:
            check_config(self.initialConfig)
        except ValueError as e:
            raise ValueError(f"{self._label}.initialConfig: {e} — fix it before starting the device") from None

    def setHardwareResources(self, numShaves: int, numMemorySlices: int):
        """Shaves (1 or 2) and memory slices (1 or 2) for the tracker: accepted and checked; here the
        tracker runs on the CPU either way."""
        for name, v in (("numShaves", numShaves), ("numMemorySlices", numMemorySlices)):
            if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 2:
                raise ValueError(f"{self._label}.setHardwareResources: {name} must be 1 or 2, got {v!r}")
        self.properties.update(numShaves=numShaves, numMemorySlices=numMemorySlices)

    def setWaitForConfigInput(self, wait: bool):
        warnings.warn("Use 'inputConfig.setWaitForMessage()' instead", DeprecationWarning, stacklevel=2)
        self.inputConfig.setWaitForMessage(wait)

    def getWaitForConfigInput(self) -> bool:
        warnings.warn("Use 'inputConfig.setWaitForMessage()' instead", DeprecationWarning, stacklevel=2)
        return self.inputConfig.getWaitForMessage()


# ------------------------------------------------------------------------------------------------
# The tracking (no device needed)
# ------------------------------------------------------------------------------------------------

def check_config(cfg: RawFeatureTrackerConfig) -> None:
    """ValueError naming the field and its range when a config cannot be applied."""
    c, o = cfg.cornerDetector, cfg.motionEstimator.opticalFlow
    t = c.thresholds
    problems = []
    if not 1 <= c.cellGridDimension <= 4:
        problems.append(f"cornerDetector.cellGridDimension must be 1..4, got {c.cellGridDimension}")
    if c.numTargetFeatures < 1:
        problems.append(f"cornerDetector.numTargetFeatures must be at least 1, got {c.numTargetFeatures}")
    if c.numMaxFeatures < 0:
        problems.append(f"cornerDetector.numMaxFeatures must be 0 (auto) or more, got {c.numMaxFeatures}")
    for name in ("searchWindowWidth", "searchWindowHeight"):
        v = getattr(o, name)
        if not (3 <= v <= 9 and v % 2):
            problems.append(f"motionEstimator.opticalFlow.{name} must be odd, 3..9, got {v}")
    if o.pyramidLevels not in (0, 1, 2, 3, 4, 5):
        problems.append(f"motionEstimator.opticalFlow.pyramidLevels must be 0 (auto) or 1..5, got {o.pyramidLevels}")
    if o.maxIterations < 1 or o.epsilon < 0:
        problems.append("motionEstimator.opticalFlow needs maxIterations >= 1 and epsilon >= 0")
    if t.min < 0 or t.max < 0 or (t.max and t.max < t.min) or t.decreaseFactor <= 0 or t.increaseFactor <= 0:
        problems.append("cornerDetector.thresholds need 0 <= min <= max (0: auto) and positive factors")
    if problems:
        raise ValueError("; ".join(problems))


class Tracking:
    """The feature tracker's state across frames: `tracking(luma)` gives this frame's features as
    arrays (positions (N, 2) float32, ids, ages, scores, errors)."""

    def __init__(self, config: RawFeatureTrackerConfig | None = None):
        self._next_id = 0
        self._prev = None
        self._pts = np.empty((0, 2), np.float32)
        self._ids = np.empty(0, np.uint32)
        self._ages = np.empty(0, np.uint32)
        self._thresholds = None
        self.configure(config or RawFeatureTrackerConfig())

    def configure(self, config: RawFeatureTrackerConfig):
        check_config(config)
        self.cfg = config
        self._thresholds = None        # cell thresholds start again

    def _score(self, luma, harris: bool) -> np.ndarray:
        import cv2
        ksize = 3 if self.cfg.cornerDetector.enableSobel else 1
        unit = 255.0 * (1 << (ksize - 1))     # undoes OpenCV's scaling: gradients as the kernel sums them
        if harris:
            return cv2.cornerHarris(luma, 3, ksize, HARRIS_K) * np.float32(unit ** 4)
        return cv2.cornerMinEigenVal(luma, 3, ksize=ksize) * np.float32(unit ** 2)

    def _blocks(self, luma, h, w):
        """Block matching: each feature's 9x9 block of last frame found in a ±BLOCK_RANGE pixel area of
        this one by the least sum of squared differences (cv2.matchTemplate), refined to a subpixel by a
        parabola through the best match and its neighbours."""
        import cv2
        r, half = BLOCK_RANGE, HW_WINDOW // 2
        pad = r + half + 1
        prev = cv2.copyMakeBorder(self._prev, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        cur = cv2.copyMakeBorder(luma, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        out = self._pts.copy()
        err = np.empty(len(out), np.float32)
        keep = np.ones(len(out), bool)
        for k, (x, y) in enumerate(np.rint(self._pts).astype(np.intp).tolist()):
            bx, by = x + pad, y + pad
            block = prev[by - half:by + half + 1, bx - half:bx + half + 1]
            area = cur[by - half - r:by + half + r + 1, bx - half - r:bx + half + r + 1]
            ssd = cv2.matchTemplate(area, block, cv2.TM_SQDIFF)
            _, _, (mx, my), _ = cv2.minMaxLoc(ssd)
            dx, dy = float(mx - r), float(my - r)
            if 0 < mx < 2 * r:
                a, b, c = (float(v) for v in ssd[my, mx - 1:mx + 2])
                dx += 0.5 * (a - c) / max(a - 2 * b + c, 1e-6)
            if 0 < my < 2 * r:
                a, b, c = (float(v) for v in ssd[my - 1:my + 2, mx])
                dy += 0.5 * (a - c) / max(a - 2 * b + c, 1e-6)
            out[k] = (self._pts[k, 0] + dx, self._pts[k, 1] + dy)
            err[k] = math.sqrt(max(float(ssd[my, mx]), 0.0))
            keep[k] = abs(mx - r) < r and abs(my - r) < r        # at the edge of the area: it moved further
        keep &= (out[:, 0] >= 0) & (out[:, 1] >= 0) & (out[:, 0] <= w - 1) & (out[:, 1] <= h - 1)
        return out, err, keep

    def _flow(self, luma, h, w):
        import cv2
        me = self.cfg.motionEstimator
        of = me.opticalFlow
        if me.type == me.Type.HW_MOTION_ESTIMATION:
            return self._blocks(luma, h, w)
        win = (of.searchWindowWidth, of.searchWindowHeight)
        levels = of.pyramidLevels or (3 if w <= 640 else 4)
        criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, of.maxIterations, of.epsilon)
        nxt, status, err = cv2.calcOpticalFlowPyrLK(self._prev, luma, self._pts.reshape(-1, 1, 2), None,
                                                    winSize=win, maxLevel=levels - 1, criteria=criteria)
        nxt = nxt.reshape(-1, 2)
        err = err.reshape(-1) * np.float32(win[0] * win[1])
        keep = (status.reshape(-1) == 1) & (nxt[:, 0] >= 0) & (nxt[:, 1] >= 0) & (nxt[:, 0] <= w - 1) \
            & (nxt[:, 1] <= h - 1)
        return nxt, err, keep

    def __call__(self, luma: np.ndarray):
        import cv2
        cfg = self.cfg
        cd, fm = cfg.cornerDetector, cfg.featureMaintainer
        h, w = luma.shape
        shi = cd.type == cd.Type.SHI_THOMASI
        harris_map = self._score(luma, True)
        score = self._score(luma, False) if shi else harris_map

        # 2. follow last frame's features
        if cfg.motionEstimator.enable and self._prev is not None and self._prev.shape == luma.shape and len(self._pts):
            pts, err, keep = self._flow(luma, h, w)
            ids, ages = self._ids, self._ages + np.uint32(1)
        else:
            pts, err, keep = self._pts[:0], np.empty(0, np.float32), np.empty(0, bool)
            ids, ages = self._ids[:0], self._ages[:0]
        pts, err, ids, ages = pts[keep], err[keep], ids[keep], ages[keep]
        ix = np.clip(np.rint(pts).astype(np.intp), 0, [w - 1, h - 1]) if len(pts) else np.empty((0, 2), np.intp)
        harris = harris_map[ix[:, 1], ix[:, 0]]
        # 3. maintain
        if fm.enable and len(pts):
            good = (err <= fm.lostFeatureErrorThreshold) & (harris >= fm.trackedFeatureThreshold)
            pts, err, ids, ages, harris, ix = pts[good], err[good], ids[good], ages[good], harris[good], ix[good]

        # 4. top the cells up
        dim = cd.cellGridDimension
        cells = dim * dim
        per_cell = math.ceil(cd.numTargetFeatures / cells)
        limit = cd.numMaxFeatures or max(cd.numTargetFeatures, 1)
        t = cd.thresholds
        lo = t.min or AUTO_MIN[int(cd.type)]
        hi = t.max or math.inf
        if self._thresholds is None:
            self._thresholds = np.full(cells, min(max(t.initialValue or lo, lo), hi), np.float32)
        cell_of = lambda xs, ys: (ys * dim // h) * dim + xs * dim // w   # noqa: E731
        have = np.bincount(cell_of(ix[:, 0], ix[:, 1]), minlength=cells) if len(ix) else np.zeros(cells, np.intp)
        need = np.clip(per_cell - have, 0, None)
        room = limit - len(pts)
        new_pts = np.empty((0, 2), np.float32)
        new_scores = np.empty(0, np.float32)
        if room > 0 and need.any():
            # candidates: local maxima of the score above their cell's threshold
            thr = np.repeat(np.repeat(self._thresholds.reshape(dim, dim), -(-h // dim), 0), -(-w // dim), 1)[:h, :w]
            peaks = (score > thr) & (score >= cv2.dilate(score, None))
            ys, xs = np.nonzero(peaks)
            s = score[ys, xs]
            cand_cell = cell_of(xs, ys)
            found = np.bincount(cand_cell, minlength=cells)
            # at most one corner per square of side r, and none in a square next to a feature or a stronger corner
            r = max(math.sqrt(max(fm.minimumDistanceBetweenFeatures, 0.0)), 1.0) if fm.enable else 1.0
            gw, gh = int(w // r) + 1, int(h // r) + 1
            gx, gy = (xs / r).astype(np.intp), (ys / r).astype(np.intp)
            best = np.zeros((gh, gw), np.float32)
            np.maximum.at(best, (gy, gx), s)
            taken = np.zeros((gh, gw), np.uint8)
            if len(pts) and r > 1.0:
                taken[(pts[:, 1] / r).astype(np.intp), (pts[:, 0] / r).astype(np.intp)] = 1
                taken = cv2.dilate(taken, None)
            if r > 1.0:
                ok = (s >= best[gy, gx]) & (best[gy, gx] >= cv2.dilate(best, None)[gy, gx]) & (taken[gy, gx] == 0)
            else:
                ok = s >= best[gy, gx]
            xs, ys, s, cand_cell = xs[ok], ys[ok], s[ok], cand_cell[ok]
            order = np.lexsort((-s, cand_cell)) if cd.enableSorting else np.lexsort((ys * w + xs, cand_cell))
            xs, ys, s, cand_cell = xs[order], ys[order], s[order], cand_cell[order]
            starts = np.searchsorted(cand_cell, np.arange(cells))
            rank = np.arange(len(cand_cell)) - starts[cand_cell]
            pick = rank < need[cand_cell]
            xs, ys, s = xs[pick], ys[pick], s[pick]
            if cd.enableSorting:
                strongest = np.argsort(-s, kind="stable")[:room]
                xs, ys, s = xs[strongest], ys[strongest], s[strongest]
            else:
                xs, ys, s = xs[:room], ys[:room], s[:room]
            new_pts = np.stack([xs, ys], 1).astype(np.float32)
            new_scores = harris_map[ys, xs] if shi else s
            # adapt each cell's threshold to how many corners it has
            th = self._thresholds
            th[found > 2 * per_cell] *= t.increaseFactor
            th[found < need] *= t.decreaseFactor
            np.clip(th, lo, hi, out=th)
        n = len(new_pts)
        new_ids = (np.arange(n, dtype=np.uint64) + self._next_id).astype(np.uint32)
        self._next_id = (self._next_id + n) % (1 << 32)
        self._pts = np.concatenate([pts, new_pts]).astype(np.float32)
        self._ids = np.concatenate([ids, new_ids])
        self._ages = np.concatenate([ages, np.ones(n, np.uint32)])
        self._prev = luma
        return (self._pts, self._ids, self._ages, np.concatenate([harris, new_scores]).astype(np.float32),
                np.concatenate([err, np.zeros(n, np.float32)]))


def features_message(arrays) -> TrackedFeatures:
    pts, ids, ages, scores, errors = arrays
    out = TrackedFeatures()
    new = TrackedFeature.__new__
    features = []
    for (x, y), fid, age, score, error in zip(pts.tolist(), ids.tolist(), ages.tolist(), scores.tolist(),
                                               errors.tolist()):
        f = new(TrackedFeature)
        f.position = Point2f(x, y)
        f._id, f._age, f._score, f._error = fid, age, score, error
        features.append(f)
    out._features = features
    return out


class FeatureTrackerWorker(Worker):
    """For each frame on `inputImage`: the config (initialConfig, or the last on inputConfig), the
    features on `outputFeatures`, the frame on `passthroughInputImage`."""

    def _config(self, cfg, tracking: Tracking):
        if cfg is None:
            return
        if not isinstance(cfg, RawFeatureTrackerConfig):
            self._error("config-type", f"{self.label}.inputConfig: expected FeatureTrackerConfig, got "
                                       f"{type(cfg).__name__} (ignored)")
            return
        try:
            tracking.configure(cfg)
        except ValueError as e:
            self._error("config", f"{self.label}.inputConfig: {e} (config ignored)")

    def run(self):
        initial = RawFeatureTrackerConfig.from_plain(self.properties["initialConfig"])
        try:
            tracking = Tracking(initial)
        except ValueError as e:
            raise ValueError(f"{self.label}.initialConfig: {e} — fix the config before starting the device") from None
        images, configs = self.input("inputImage"), self.input("inputConfig")
        out, passthrough = self.output("outputFeatures"), self.output("passthroughInputImage")
        wait_config = configs.linked and configs.wait_for_message
        what = f"{self.label}.inputImage"
        while True:
            try:
                if wait_config:
                    self._config(configs.get(), tracking)
                else:
                    for cfg in configs.try_get_all():
                        self._config(cfg, tracking)
                frame = images.get()
            except QueueClosed:
                return
            try:
                luma = luma_of(frame, what, "track features in")
            except ValueError as e:
                self._error(("type", frame.getType()), f"{e} (frame {frame.getSequenceNum()} dropped)")
                continue
            msg = features_message(tracking(np.ascontiguousarray(luma)))
            msg._seq, msg._ts_ns, msg._ts_dev_ns = frame._seq, frame._ts_ns, frame._ts_dev_ns
            out.send(msg)
            passthrough.send(frame)
