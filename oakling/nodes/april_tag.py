"""AprilTag: finds AprilTag fiducials in a frame's luma and reports each one's id and corners.

    tags = pipeline.create(dai.node.AprilTag)
    tags.initialConfig.setFamily(dai.AprilTagConfig.Family.TAG_36H11)
    mono.out.link(tags.inputImage)                 # GRAY8/RAW8, or NV12/YUV420p (their luma)
    tags.out.link(xout.input)                      # dai.AprilTags
    tags.passthroughInputImage.link(xout_frames.input)

Ports (gen2): `inputImage` (ImgFrame) and `inputConfig` (AprilTagConfig), both non-blocking with
queue 4; `out` (AprilTags, with the frame's sequence number and timestamps) and
`passthroughInputImage`. Properties as gen2's AprilTagProperties: `initialConfig` (the config's
fields) and `inputConfigSync` (`setWaitForConfigInput`: wait for a config before each frame).

The detector is OpenCV's ArUco module with its AprilTag dictionaries (36h11, 36h10, 25h9, 16h5).
As AprilTag does, it searches for quads on the image decimated by `quadDecimate` (after a Gaussian
blur of `quadSigma`, or sharpening for a negative sigma), then works at full resolution: corners
refined to sub-pixel edges when `refineEdges`, the bits sampled in each cell, sharpened by
`decodeSharpening`, and read against the levels of the black border and of the white margin
around it. A tag is reported when its code is within `maxHammingDistance` bits of one of the
family's, with `hamming` those bits and `decisionMargin` the smaller of its white bits' and black
bits' mean distance from the black/white threshold (grey levels). Corners follow the AprilTag
library's orientation of the tag: an upright tag as the AprilTag images print it has `topLeft` at
its top left (some OpenCV builds draw their AprilTags turned by 180°: `opencv_turn`).
`quadThresholds`: quads with an angle under `criticalDegree`, a decimated area under
`minClusterPixels` pixels, or black and white closer than `minWhiteBlackDiff` are rejected;
`maxNmaxima`, `maxLineFitMse` and `deglitch` are kept in the config but OpenCV's quad search has no
such setting. TAG_CIR21H7 and TAG_STAND41H12 need the `pupil-apriltags` package
(`pip install oakling[apriltag]`), which detects them with the AprilTag library itself.
"""
from __future__ import annotations

import math

import numpy as np

from ..messages.apriltags import AprilTag as AprilTagMessage
from ..messages.apriltags import AprilTagConfig, AprilTags, RawAprilTagConfig
from ..messages.datatype import DatatypeEnum
from ..messages.geometry import Point2f
from ..pipeline.node import Node
from ..pipeline.registry import node_type
from ..runtime.worker import QueueClosed, Worker
from .edge_detector import luma_of

Family = RawAprilTagConfig.Family
# OpenCV's dictionaries by family, and the pupil-apriltags names of the others
OPENCV_DICTS = {Family.TAG_36H11: "DICT_APRILTAG_36h11", Family.TAG_36H10: "DICT_APRILTAG_36h10",
                Family.TAG_25H9: "DICT_APRILTAG_25h9", Family.TAG_16H5: "DICT_APRILTAG_16h5"}
PUPIL_FAMILIES = {Family.TAG_CIR21H7: "tagCircle21h7", Family.TAG_STAND41H12: "tagStandard41h12"}
# The bits of 36h11's tag 0 in OpenCV builds whose AprilTag dictionaries are the AprilTag library's tags
# turned by 180° (OpenCV 5 changed them to match the library's images; both kinds are in use).
_OPENCV_TURNED_36H11_0 = (0b001000, 0b011010, 0b000101, 0b000110, 0b101110, 0b101011)


class AprilTagProperties:
    """gen2's `dai.AprilTagProperties` (`dai.node.AprilTag.Properties`)."""

    def __init__(self):
        self.initialConfig = RawAprilTagConfig()
        self.inputConfigSync = False


@node_type(worker="AprilTagWorker")
class AprilTag(Node):
    NAME = "AprilTag"
    Properties = AprilTagProperties

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.initialConfig = AprilTagConfig()
        self.inputConfig = self._input("inputConfig", types=(DatatypeEnum.AprilTagConfig,),
                                       blocking=False, queueSize=4, waitForMessage=False)
        self.inputImage = self._input("inputImage", types=(DatatypeEnum.ImgFrame,),
                                      blocking=False, queueSize=4, waitForMessage=False)
        self.out = self._output("out", types=(DatatypeEnum.AprilTags,))
        self.passthroughInputImage = self._output("passthroughInputImage", types=(DatatypeEnum.ImgFrame,))
        self.properties = {"inputConfigSync": False}

    def serialize_properties(self) -> dict:
        return {"initialConfig": self.initialConfig._json(), "inputConfigSync": self.properties["inputConfigSync"]}

    def setWaitForConfigInput(self, wait: bool):
        """Wait for a config on inputConfig before each frame (default False: the last one applies)."""
        self.properties["inputConfigSync"] = bool(wait)

    def getWaitForConfigInput(self) -> bool:
        return self.properties["inputConfigSync"]


# ------------------------------------------------------------------------------------------------
# The detector (no device needed)
# ------------------------------------------------------------------------------------------------

class FamilyUnavailable(RuntimeError):
    """A family this machine cannot detect (TAG_CIR21H7 / TAG_STAND41H12 without pupil-apriltags)."""


def check_config(cfg: RawAprilTagConfig, what: str):
    """ValueError naming `what` for settings the detector cannot use."""
    if int(cfg.quadDecimate) < 1:
        raise ValueError(f"{what}: quadDecimate must be at least 1, got {cfg.quadDecimate}")
    if int(cfg.maxHammingDistance) < 0:
        raise ValueError(f"{what}: maxHammingDistance must be 0 or more, got {cfg.maxHammingDistance}")
    if not 0.0 <= float(cfg.decodeSharpening) <= 10.0:
        raise ValueError(f"{what}: decodeSharpening must be within 0..10, got {cfg.decodeSharpening}")


def _point(x, y) -> Point2f:
    return Point2f(float(x), float(y))


class TagDetector:
    """AprilTags of one config in 8-bit grey images: `detector(luma)` -> [dai.AprilTag]."""

    def __init__(self, cfg: RawAprilTagConfig):
        import cv2
        check_config(cfg, "AprilTagConfig")
        self.cfg = cfg
        self.family = Family(cfg.family)
        self._pupil = None
        if self.family in PUPIL_FAMILIES:
            self._pupil = _pupil_detector(cfg)
            return
        self.dict = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, OPENCV_DICTS[self.family]))
        self.bits = self.dict.markerSize
        p = cv2.aruco.DetectorParameters()
        p.markerBorderBits = 1
        # the quad search may misread a bit or two more than asked: the full-resolution read decides
        p.errorCorrectionRate = min(1.0, (int(cfg.maxHammingDistance) + 2) / max(1, self.dict.maxCorrectionBits))
        p.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_NONE
        self.detector = cv2.aruco.ArucoDetector(self.dict, p)
        self.decimate = int(cfg.quadDecimate)
        self.turn = opencv_turn()

    def __call__(self, luma: np.ndarray) -> list:
        if self._pupil is not None:
            return self._pupil(luma)
        import cv2
        cfg, q = self.cfg, self.cfg.quadThresholds
        small = luma
        d = self.decimate
        if d > 1:
            small = cv2.resize(luma, (max(1, luma.shape[1] // d), max(1, luma.shape[0] // d)),
                               interpolation=cv2.INTER_AREA)
        sigma = float(cfg.quadSigma)
        if sigma > 0:
            small = cv2.GaussianBlur(small, (0, 0), sigma)
        elif sigma < 0:
            blurred = cv2.GaussianBlur(small, (0, 0), -sigma)
            small = cv2.addWeighted(small, 2.0, blurred, -1.0, 0)
        corners, ids, _ = self.detector.detectMarkers(small)
        found = []
        if ids is None:
            return found
        sx, sy = luma.shape[1] / small.shape[1], luma.shape[0] / small.shape[0]
        for quad in corners:
            quad = quad.reshape(4, 2).astype(np.float32)
            area = abs(float(cv2.contourArea(quad)))
            if area < q.minClusterPixels or _min_angle(quad) < float(q.criticalDegree):
                continue
            full = np.empty_like(quad)
            full[:, 0] = (quad[:, 0] + 0.5) * sx - 0.5
            full[:, 1] = (quad[:, 1] + 0.5) * sy - 0.5
            if cfg.refineEdges:
                # the corner is within about a decimated pixel; the window stays inside the border's cell
                cell = math.sqrt(area) * max(sx, sy) / (self.bits + 2)
                full = _refine(luma, full, max(2, min(2 * d, round(0.8 * cell))))
            tag = self._read(luma, full)
            if tag is not None:
                found.append(tag)
        return found

    def _read(self, luma: np.ndarray, quad: np.ndarray):
        """The tag whose quad (TL, TR, BR, BL) this is, read at full resolution, or None."""
        import cv2
        n = self.bits + 4                # data, the black border, and a ring of the white margin around it
        cell = 6
        side = n * cell
        target = np.float32([[cell - 0.5, cell - 0.5], [side - cell - 0.5, cell - 0.5],
                             [side - cell - 0.5, side - cell - 0.5], [cell - 0.5, side - cell - 0.5]])
        h = cv2.getPerspectiveTransform(quad, target)
        square = cv2.warpPerspective(luma, h, (side, side), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        values = measured = square.reshape(n, cell, n, cell)[:, 1:-1, :, 1:-1].astype(np.float32).mean(axis=(1, 3))
        black, white = _ring_level(values, 1), _ring_level(values, 0)
        if white - black < float(self.cfg.quadThresholds.minWhiteBlackDiff):
            return None
        sharpening = float(self.cfg.decodeSharpening)
        if sharpening:
            padded = np.pad(values, 1, mode="edge")
            laplacian = 4 * values - padded[:-2, 1:-1] - padded[2:, 1:-1] - padded[1:-1, :-2] - padded[1:-1, 2:]
            values = values + sharpening * laplacian
        data = values[2:-2, 2:-2]
        threshold = (black + white) / 2
        bits = (data > threshold).astype(np.uint8)
        limit = int(self.cfg.maxHammingDistance)
        ok, idx, rotation = self.dict.identify(bits, min(1.0, (limit + 0.5) / max(1, self.dict.maxCorrectionBits)))
        if not ok:
            return None
        hamming = int(self.dict.getDistanceToId(bits, idx, True))
        if hamming > limit:
            return None
        # OpenCV's rotation of the bits (its top left is corner 4 - rotation), then the library's orientation
        if (rotation + self.turn) % 4:
            quad = np.roll(quad, int(rotation + self.turn), axis=0)
        tag = AprilTagMessage()
        tag.id, tag.hamming = int(idx), hamming
        # as the AprilTag library's: the smaller of the white bits' and the black bits' mean distance
        # from the threshold, in grey levels of the cells as measured
        levels = measured[2:-2, 2:-2]
        white_margin = float((levels[bits == 1] - threshold).mean()) if bits.any() else 0.0
        black_margin = float((threshold - levels[bits == 0]).mean()) if not bits.all() else 0.0
        tag.decisionMargin = max(0.0, min(white_margin, black_margin))
        tag.topLeft, tag.topRight, tag.bottomRight, tag.bottomLeft = (_point(*p) for p in quad)
        return tag


def _ring_level(values: np.ndarray, ring: int) -> float:
    """The median level of the cells of one square ring (0: the outermost) of a grid of cell levels."""
    v = values[ring:values.shape[0] - ring, ring:values.shape[1] - ring]
    cells = np.sort(np.concatenate([v[0], v[-1], v[1:-1, 0], v[1:-1, -1]]))
    return float(cells[cells.size // 2])


def opencv_turn() -> int:
    """Quarter turns from OpenCV's corner order to the AprilTag library's orientation of a tag: 2 for
    OpenCV builds whose AprilTag dictionaries are turned by 180°, else 0."""
    import cv2
    d = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_APRILTAG_36h11)
    bits = cv2.aruco.Dictionary.getBitsFromByteList(d.bytesList[0:1], d.markerSize)
    rows = tuple(int("".join(str(int(b)) for b in row), 2) for row in bits)
    return 2 if rows == _OPENCV_TURNED_36H11_0 else 0


def _min_angle(quad: np.ndarray) -> float:
    """The smallest interior angle of a quad, in degrees."""
    angles = []
    for i in range(4):
        a, b, c = quad[i - 1], quad[i], quad[(i + 1) % 4]
        u, v = a - b, c - b
        cos = float(np.dot(u, v) / max(1e-9, np.linalg.norm(u) * np.linalg.norm(v)))
        angles.append(math.degrees(math.acos(max(-1.0, min(1.0, cos)))))
    return min(angles)


def _refine(luma: np.ndarray, quad: np.ndarray, window: int) -> np.ndarray:
    """The quad's corners moved to where the image's edges meet, to sub-pixel precision."""
    import cv2
    h, w = luma.shape
    if np.any(quad < window + 1) or np.any(quad[:, 0] > w - window - 2) or np.any(quad[:, 1] > h - window - 2):
        return quad
    refined = cv2.cornerSubPix(luma, quad.reshape(-1, 1, 2).copy(), (window, window), (-1, -1),
                               (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_COUNT, 30, 0.01)).reshape(4, 2)
    # keep a corner that ran off (a textured background can pull one away)
    moved = np.linalg.norm(refined - quad, axis=1) > window
    refined[moved] = quad[moved]
    return refined


def _pupil_detector(cfg: RawAprilTagConfig):
    """A detector of the AprilTag library (pupil-apriltags), for the families OpenCV lacks."""
    try:
        import pupil_apriltags
    except ImportError:
        raise FamilyUnavailable(f"{Family(cfg.family).name} needs the pupil-apriltags package — pip install "
                                f"oakling[apriltag], or use TAG_36H11, TAG_36H10, TAG_25H9 or TAG_16H5") from None
    q = cfg.quadThresholds
    detector = pupil_apriltags.Detector(families=PUPIL_FAMILIES[Family(cfg.family)], nthreads=1,
                                        quad_decimate=float(cfg.quadDecimate), quad_sigma=float(cfg.quadSigma),
                                        refine_edges=int(bool(cfg.refineEdges)),
                                        decode_sharpening=float(cfg.decodeSharpening))
    for name, value in (("min_cluster_pixels", q.minClusterPixels), ("max_nmaxima", q.maxNmaxima),
                        ("critical_rad", math.radians(q.criticalDegree)), ("max_line_fit_mse", q.maxLineFitMse),
                        ("min_white_black_diff", q.minWhiteBlackDiff), ("deglitch", int(bool(q.deglitch)))):
        try:
            setattr(detector.tag_detector.contents.qtp, name, value)
        except AttributeError:
            pass
    limit = int(cfg.maxHammingDistance)

    def detect(luma):
        found = []
        for det in detector.detect(np.ascontiguousarray(luma)):
            if det.hamming > limit:
                continue
            tag = AprilTagMessage()
            tag.id, tag.hamming, tag.decisionMargin = int(det.tag_id), int(det.hamming), float(det.decision_margin)
            # the library lists corners counter-clockwise from the tag's bottom left, with pixel centres at .5
            bl, br, tr, tl = np.asarray(det.corners) - 0.5
            tag.topLeft, tag.topRight, tag.bottomRight, tag.bottomLeft = (_point(*p) for p in (tl, tr, br, bl))
            found.append(tag)
        return found
    return detect


class AprilTagWorker(Worker):
    """For each frame on `inputImage`: the config (initialConfig, or the last on inputConfig), the
    tags found on `out`, the frame on `passthroughInputImage`."""

    def _detector(self, cfg, current):
        if cfg is None:
            return current
        if not isinstance(cfg, RawAprilTagConfig):
            self._error("config-type", f"{self.label}.inputConfig: expected AprilTagConfig, got "
                                       f"{type(cfg).__name__} (ignored)")
            return current
        try:
            return TagDetector(cfg)
        except (ValueError, FamilyUnavailable) as e:
            self._error("config", f"{self.label}.inputConfig: {e} (config ignored)")
            return current

    def run(self):
        initial = RawAprilTagConfig()._load(self.properties["initialConfig"])
        try:
            detector = TagDetector(initial)
        except (ValueError, FamilyUnavailable) as e:
            self._error("config", f"{self.label}.initialConfig: {e} — no tags will be found until a config "
                                  f"arrives on inputConfig")
            detector = None
        images, configs = self.input("inputImage"), self.input("inputConfig")
        out, passthrough = self.output("out"), self.output("passthroughInputImage")
        wait_config = configs.linked and bool(self.properties.get("inputConfigSync"))
        what = f"{self.label}.inputImage"
        while True:
            try:
                if wait_config:
                    detector = self._detector(configs.get(), detector)
                else:
                    for cfg in configs.try_get_all():
                        detector = self._detector(cfg, detector)
                frame = images.get()
            except QueueClosed:
                return
            try:
                luma = luma_of(frame, what, "find tags in")
            except ValueError as e:
                self._error(("type", frame.getType()), f"{e} (frame {frame.getSequenceNum()} dropped)")
                continue
            result = AprilTags()
            result._tags = detector(luma) if detector is not None else []
            out.send(result._keep_time_of(frame))
            passthrough.send(frame)
