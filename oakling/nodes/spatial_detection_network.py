"""MobileNetSpatialDetectionNetwork and YoloSpatialDetectionNetwork: detections with their place in space.

    det = pipeline.create(dai.node.MobileNetSpatialDetectionNetwork)
    det.setBlobPath("mobilenet-ssd.blob")
    det.setBoundingBoxScaleFactor(0.5)      # measure the middle half of each box
    det.setDepthLowerThreshold(100)         # millimetres
    det.setDepthUpperThreshold(5000)
    cam.preview.link(det.input)
    stereo.depth.link(det.inputDepth)
    det.out.link(xout.input)                # SpatialImgDetections: d.spatialCoordinates.z in mm

A detection network (nodes/detection_network.py: the same blob, decoding and settings) whose boxes
are then measured on a depth frame by the SpatialLocationCalculator's own `locate`
(nodes/spatial_location_calculator.py). Both node types are "SpatialDetectionNetwork" in the
schema, as in gen2; their properties are gen2's SpatialDetectionNetworkProperties (the detection
network's plus detectedBBScaleFactor, depthThresholds, calculationAlgorithm, stepSize).

Ports (gen2): inputs `input` ("in"; blocking, queue 5) and `inputDepth` (RAW16 depth; non-blocking,
queue 4); outputs `out` (SpatialImgDetections with the input's sequence number and timestamps),
`boundingBoxMapping` (a SpatialLocationCalculatorConfig: each box's region of the depth map),
`passthrough`, `passthroughDepth` (the depth frame measured), `spatialLocationCalculatorOutput`
(SpatialLocationCalculatorData: the regions' full statistics) and `outNetwork` (the raw NNData).
Each inference is measured on the depth frame with its sequence number while the two streams pair
up (waiting up to a second for it: StereoDepth sends depth after its rectified pictures), else on
the newest one.

How a box lands on the depth map: it is scaled around its centre by the scale factor, taken back
through the cut that made the network's input (ImgFrame._view: an ImageManip's crop, centred crop,
letterbox or flip, composed down a chain), then put where that picture lies in the depth frame's
view. Depth on the rectified right or left camera (StereoDepth's default) is taken to show that
picture, box for box, as gen2 does (feed the network from that camera, e.g. `rectifiedRight` through
an ImageManip). Depth aligned to the colour camera (its instance number is the camera's) covers the
camera's whole isp picture, and a preview fed to `input`, straight or through ImageManips, is a part
of it: the centred crop of previewKeepAspectRatio, or the video window. The host works that window
out when the pipeline is built (the asset `__inputView`), and the box is mapped through it, as
gen2's firmware does for RGB-aligned depth. `boundingBoxMapping` gives the regions on the depth frame.
X and Y come from the region's centre with the depth camera's intrinsics (Y upwards), Z by the
calculation algorithm over the depth values strictly between the thresholds.
"""
from __future__ import annotations

import json
import time
from collections import deque

import numpy as np

from ..log import LogLevel
from ..messages.datatype import DatatypeEnum
from ..messages.geometry import Rect
from ..messages.spatiallocationcalculator import (AUTO_STEP, SpatialLocationCalculatorAlgorithm,
                                                  SpatialLocationCalculatorConfigData,
                                                  SpatialLocationCalculatorConfigThresholds)
from ..pipeline.registry import node_type
from ..runtime.worker import QueueClosed
from .detection_network import DetectionNetwork, DetectionNetworkWorker, SsdOutputs, YoloOutputs, _number
from .neural_network import _count

VIEW_ASSET = "__inputView"   # where the network's picture lies in its camera's whole picture


@node_type(worker="SpatialDetectionNetworkWorker")
class SpatialDetectionNetwork(DetectionNetwork):
    """gen2's abstract base: create MobileNetSpatialDetectionNetwork or YoloSpatialDetectionNetwork."""

    NAME = "SpatialDetectionNetwork"
    FAMILY = None

    def __init__(self, pipeline, node_id):
        if self.FAMILY is None:
            raise TypeError("dai.node.SpatialDetectionNetwork cannot be created itself — create "
                            "dai.node.MobileNetSpatialDetectionNetwork or dai.node.YoloSpatialDetectionNetwork")
        super().__init__(pipeline, node_id)
        self.inputDepth = self._input("inputDepth", types=(DatatypeEnum.ImgFrame,), blocking=False, queueSize=4,
                                      waitForMessage=True)
        self.boundingBoxMapping = self._output("boundingBoxMapping",
                                               types=(DatatypeEnum.SpatialLocationCalculatorConfig,))
        self.passthroughDepth = self._output("passthroughDepth", types=(DatatypeEnum.ImgFrame,))
        self.spatialLocationCalculatorOutput = self._output(
            "spatialLocationCalculatorOutput", types=(DatatypeEnum.SpatialLocationCalculatorData,))
        self.properties.update(detectedBBScaleFactor=1.0,
                               depthThresholds=SpatialLocationCalculatorConfigThresholds().as_dict(),
                               calculationAlgorithm=int(SpatialLocationCalculatorAlgorithm.MEDIAN),
                               stepSize=AUTO_STEP)

    # -- gen2 settings --
    def setBoundingBoxScaleFactor(self, scaleFactor: float):
        """The part of each box that is measured, around its centre: 0.5 measures the middle half of
        its width and height (gen2: in (0, 1], default 1)."""
        factor = _number(scaleFactor, f"{self._label}.setBoundingBoxScaleFactor")
        if factor <= 0:
            raise ValueError(f"{self._label}.setBoundingBoxScaleFactor: {scaleFactor} leaves nothing to measure "
                             f"— give a factor in (0, 1]")
        self.properties["detectedBBScaleFactor"] = factor

    def setDepthLowerThreshold(self, lowerThreshold: int):
        """Depth values at or below this (depth units, millimetres by default) are left out (default 0)."""
        self.properties["depthThresholds"]["lowerThreshold"] = _count(lowerThreshold,
                                                                      f"{self._label}.setDepthLowerThreshold")

    def setDepthUpperThreshold(self, upperThreshold: int):
        """Depth values at or above this are left out (default 65535)."""
        self.properties["depthThresholds"]["upperThreshold"] = _count(upperThreshold,
                                                                      f"{self._label}.setDepthUpperThreshold")

    def setSpatialCalculationAlgorithm(self, calculationAlgorithm):
        """How a box's depth values make its Z: dai.SpatialLocationCalculatorAlgorithm (default MEDIAN)."""
        try:
            algorithm = SpatialLocationCalculatorAlgorithm(calculationAlgorithm)
        except ValueError:
            names = ", ".join(a.name for a in SpatialLocationCalculatorAlgorithm)
            raise ValueError(f"{self._label}.setSpatialCalculationAlgorithm: {calculationAlgorithm!r} is not an "
                             f"algorithm — use dai.SpatialLocationCalculatorAlgorithm.{{{names}}}") from None
        self.properties["calculationAlgorithm"] = int(algorithm)

    def setSpatialCalculationStepSize(self, stepSize: int):
        """Every stepSize-th pixel of a box is measured, in both directions (-1, the default: 2 for
        MEDIAN and MODE, else 1)."""
        if isinstance(stepSize, bool) or not isinstance(stepSize, int) or stepSize == 0 or stepSize < AUTO_STEP:
            raise ValueError(f"{self._label}.setSpatialCalculationStepSize: expected a step ≥ 1 or -1 (AUTO), "
                             f"got {stepSize!r}")
        self.properties["stepSize"] = stepSize

    # -- checked when the pipeline is built --
    def check_ports(self):
        super().check_ports()
        view = self._input_view()
        if view is None:
            self._assets.pop(VIEW_ASSET, None)
        else:
            self._assets[VIEW_ASSET] = json.dumps(view).encode()

    def _input_view(self) -> dict | None:
        """{"socket", "window"}: where a ColorCamera preview or video feeding `input`, straight or
        through ImageManips and Warps (whose frames carry their own cut), lies in the camera's isp picture
        (normalised x, y, width, height); None for any other source."""
        from .camera_common import resolve_socket
        from .color_camera import ColorCamera, color_layout, isp_size
        from .image_manip import ImageManip
        from .warp import Warp
        pipeline = self.getParentPipeline()
        node_id, port, seen = self.id, "in", set()
        while (node_id, port) not in seen:
            seen.add((node_id, port))
            c = next((c for c in pipeline.getConnections() if c.inputId == node_id and c.inputName == port), None)
            if c is None:
                return None
            node = pipeline.getNode(c.outputId)
            if isinstance(node, (ImageManip, Warp)) and c.outputName == "out":
                node_id, port = node.id, "inputImage"
                continue
            if not isinstance(node, ColorCamera) or c.outputName not in ("preview", "video"):
                return None
            props = node.properties
            iw, ih = isp_size(props)
            (x, y, w, h), _, _ = color_layout(props, iw, ih, strict=False)[c.outputName]
            return {"socket": resolve_socket(props, 0), "window": [x / iw, y / ih, w / iw, h / ih]}
        return None


@node_type
class MobileNetSpatialDetectionNetwork(SsdOutputs, SpatialDetectionNetwork):
    """MobileNet-SSD detections (an SSD DetectionOutput, [1,1,N,7]) with their place in space."""


@node_type
class YoloSpatialDetectionNetwork(YoloOutputs, SpatialDetectionNetwork):
    """YOLO detections (decoded and suppressed as YoloDetectionNetwork does) with their place in space."""


# -- the geometry, pure --

def _clamp(v: float) -> float:
    return min(max(v, 0.0), 1.0)


def depth_region(det, scale: float, window=None, view=None) -> Rect:
    """The normalised region of the depth map measured for detection `det`: its box (clamped to the
    picture) scaled by `scale` around its centre, then taken back through `view` (ImgFrame._view of the
    network's input: a 3×3 map, flat or not, from that picture to the one it was cut from, e.g. by an
    ImageManip; the box of the mapped corners), then put into `window` (x, y, w, h: where that picture
    lies in the depth frame's view; None: the whole view)."""
    x0, y0, x1, y1 = _clamp(det.xmin), _clamp(det.ymin), _clamp(det.xmax), _clamp(det.ymax)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    hw, hh = (x1 - x0) * scale / 2, (y1 - y0) * scale / 2
    x0, x1, y0, y1 = cx - hw, cx + hw, cy - hh, cy + hh
    if view is not None:
        m = np.asarray(view, np.float64).reshape(3, 3)
        corners = m @ np.array([[x0, x1, x0, x1], [y0, y0, y1, y1], [1.0, 1.0, 1.0, 1.0]])
        us, vs = corners[0] / corners[2], corners[1] / corners[2]
        x0, x1, y0, y1 = float(us.min()), float(us.max()), float(vs.min()), float(vs.max())
    if window is not None:
        wx, wy, ww, wh = window
        x0, x1, y0, y1 = wx + x0 * ww, wx + x1 * ww, wy + y0 * wh, wy + y1 * wh
    x0, y0, x1, y1 = _clamp(x0), _clamp(y0), _clamp(x1), _clamp(y1)
    return Rect(x0, y0, x1 - x0, y1 - y0)


def region_config(roi: Rect, props: dict) -> SpatialLocationCalculatorConfigData:
    """The SpatialLocationCalculatorConfigData of one box: its region and the node's thresholds,
    algorithm and step."""
    data = SpatialLocationCalculatorConfigData()
    data.roi = roi
    data.depthThresholds = SpatialLocationCalculatorConfigThresholds.from_dict(props.get("depthThresholds") or {})
    data.calculationAlgorithm = SpatialLocationCalculatorAlgorithm(
        props.get("calculationAlgorithm", int(SpatialLocationCalculatorAlgorithm.MEDIAN)))
    data.stepSize = int(props.get("stepSize", AUTO_STEP))
    return data


def spatial_detection(det, loc):
    """A SpatialImgDetection of ImgDetection `det` measured as SpatialLocations `loc`."""
    from ..messages.spatialimgdetections import SpatialImgDetection
    out = SpatialImgDetection(det.label, det.confidence, det.xmin, det.ymin, det.xmax, det.ymax)
    out.spatialCoordinates = loc.spatialCoordinates
    out.boundingBoxMapping = loc.config
    return out


class SpatialDetectionNetworkWorker(DetectionNetworkWorker):
    """The detection network's worker; each inference's detections are measured on a depth frame
    before they are sent: the one with the inference's sequence number when the two streams come in
    pairs (the picture and the depth from the same cameras), else the newest."""

    DEPTHS_KEPT = 8
    PAIR_WAIT = 1.0   # seconds to wait for the depth of the same pair, while the streams pair up

    def __init__(self, ctx):
        super().__init__(ctx)
        self._depths = deque(maxlen=self.DEPTHS_KEPT)
        self._paired = None   # whether the last inference found its depth by sequence number (None: none yet)
        self._calibration = None
        view = ctx.assets.get(VIEW_ASSET)
        self._view = json.loads(view) if view else None

    def _depth_for(self, seq: int):
        """The depth frame to measure inference `seq` on; None if none came (or nothing is linked)."""
        port = self.input("inputDepth")
        if not port.linked:
            return None
        try:
            self._depths.extend(port.try_get_all())
            if not self._depths:
                self._depths.append(port.get())
            if self._paired is not False:   # its depth may still be on its way: StereoDepth sends it last
                deadline = time.monotonic() + self.PAIR_WAIT
                while self._depths[-1].getSequenceNum() < seq:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    try:
                        self._depths.append(port.get(remaining))
                    except TimeoutError:
                        break
        except QueueClosed:
            if not self._depths:
                return None
        for frame in reversed(self._depths):
            if frame.getSequenceNum() == seq:
                self._paired = True
                return frame
        self._paired = False
        return self._depths[-1]

    def _send_out(self, outputs: dict, message, source=None):
        from ..calibration import calibration_of
        from ..messages.spatialimgdetections import SpatialImgDetections
        from ..messages.spatiallocationcalculator import (SpatialLocationCalculatorConfig,
                                                          SpatialLocationCalculatorData, SpatialLocations)
        from .spatial_location_calculator import depth_picture, intrinsics, locate
        raw = self.output("outNetwork")
        if raw.linked:
            raw.send(message)
        try:
            found = self._decode(outputs)
        except (ValueError, IndexError) as e:
            self._error("decode", f"{self.label}: cannot decode the outputs: {e} "
                                  f"(message {message.getSequenceNum()} dropped)", LogLevel.ERR)
            return
        frame = self._depth_for(message.getSequenceNum())
        if frame is None:
            why = "has ended before any depth frame came" if self.input("inputDepth").linked else "is not linked"
            self._error("nodepth", f"{self.label}.inputDepth {why}: detections need a depth map (message "
                                   f"{message.getSequenceNum()} dropped) — link one, e.g. "
                                   f"stereo.depth.link(det.inputDepth)", LogLevel.ERR)
            return
        try:
            depth = depth_picture(frame, f"{self.label}.inputDepth")
        except ValueError as e:
            self._error("inputDepth", f"{e} (message {message.getSequenceNum()} dropped)", LogLevel.ERR)
            return
        if self._calibration is None:
            self._calibration = calibration_of(self.ctx.options)
        camera = intrinsics(frame, self._calibration)
        scale = float(self.properties.get("detectedBBScaleFactor", 1.0))
        view = self._view
        window = view["window"] if view is not None and view["socket"] == frame.getInstanceNum() else None
        cut = getattr(source, "_view", None)   # the input made from a bigger picture (an ImageManip's crop)
        result, mapping = SpatialImgDetections(), SpatialLocationCalculatorConfig()
        data = SpatialLocationCalculatorData()
        regions = []
        for det in found:
            region = region_config(depth_region(det, scale, window, cut), self.properties)
            loc = locate(depth, region, camera)
            if loc is None:   # a region of no size at the picture's edge
                loc = SpatialLocations()
                loc.config = region
            result._detections.append(spatial_detection(det, loc))
            regions.append(loc.config)
            data._locations.append(loc)
        for port, msg in ((self.output("out"), result), (self.output("boundingBoxMapping"), mapping),
                          (self.output("spatialLocationCalculatorOutput"), data)):
            if port.linked:
                if msg is mapping:
                    mapping.setROIs(regions)
                port.send(msg._keep_time_of(message))
        passthrough = self.output("passthroughDepth")
        if passthrough.linked:
            passthrough.send(frame)
