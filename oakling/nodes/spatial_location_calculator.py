"""SpatialLocationCalculator: distance and X/Y/Z of regions of a depth map.

    calc = pipeline.create(dai.node.SpatialLocationCalculator)
    data = dai.SpatialLocationCalculatorConfigData()
    data.roi = dai.Rect(dai.Point2f(0.4, 0.4), dai.Point2f(0.6, 0.6))
    calc.initialConfig.addROI(data)
    stereo.depth.link(calc.inputDepth)
    calc.out.link(xout.input)      # SpatialLocationCalculatorData: getSpatialLocations()

Ports (gen2): inputs `inputConfig` (SpatialLocationCalculatorConfig; non-blocking, queue 4, does not
wait: a config replaces the regions from the next depth frame on) and `inputDepth` (RAW16 ImgFrame;
non-blocking, queue 4); outputs `out` (SpatialLocationCalculatorData with the depth's sequence
number and timestamps) and `passthroughDepth` (the depth frame). Properties: `roiConfig`, the
initial config as gen2's RawSpatialLocationCalculatorConfig.

Each region's depth values strictly between its thresholds (every stepSize-th pixel) give
depthAverage/Min/Max and Z by its algorithm; X and Y come from the region's centre with the
calibration's intrinsics of the depth's camera (its instance number) at the depth's size:
X = (u - cx)·Z/fx to the right, Y = (cy - v)·Z/fy upwards, as gen2's coordinate system has them.
"""
from __future__ import annotations

import numpy as np

from ..calibration import CalibrationHandler, calibration_of
from ..log import LogLevel
from ..messages.datatype import DatatypeEnum
from ..messages.geometry import Point3f
from ..messages.imgframe import ImgFrame
from ..messages.spatiallocationcalculator import (AUTO_STEP, SpatialLocationCalculatorAlgorithm as Algorithm,
                                                  SpatialLocationCalculatorConfig, SpatialLocationCalculatorData,
                                                  SpatialLocations, RawSpatialLocationCalculatorConfig)
from ..pipeline.node import Node
from ..pipeline.registry import node_type
from ..runtime.worker import QueueClosed, Worker


@node_type(worker="SpatialLocationCalculatorWorker")
class SpatialLocationCalculator(Node):
    NAME = "SpatialLocationCalculator"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.inputConfig = self._input("inputConfig", types=(DatatypeEnum.SpatialLocationCalculatorConfig,),
                                       blocking=False, queueSize=4, waitForMessage=False)
        self.inputDepth = self._input("inputDepth", types=(DatatypeEnum.ImgFrame,), blocking=False, queueSize=4,
                                      waitForMessage=True)
        self.out = self._output("out", types=(DatatypeEnum.SpatialLocationCalculatorData,))
        self.passthroughDepth = self._output("passthroughDepth", types=(DatatypeEnum.ImgFrame,))
        self.initialConfig = SpatialLocationCalculatorConfig()

    def serialize_properties(self) -> dict:
        return {"roiConfig": self.initialConfig.get().as_dict()}

    def setWaitForConfigInput(self, wait: bool):
        """Deprecated in gen2: inputConfig.setWaitForMessage(wait)."""
        self.inputConfig.setWaitForMessage(bool(wait))

    def getWaitForConfigInput(self) -> bool:
        return self.inputConfig.getWaitForMessage()


def intrinsics(frame: ImgFrame, calibration: CalibrationHandler) -> tuple:
    """(fx, fy, cx, cy) of the depth frame's camera (its instance number) at the frame's size."""
    (fx, _, cx), (_, fy, cy), _ = calibration.getCameraIntrinsics(frame.getInstanceNum(), frame.getWidth(),
                                                                  frame.getHeight())
    return fx, fy, cx, cy


def depth_values(depth: np.ndarray, x0: int, y0: int, x1: int, y1: int, step: int, lower: int, upper: int):
    patch = depth[y0:y1:step, x0:x1:step]
    return patch[(patch > lower) & (patch < upper)]


def distance(values: np.ndarray, algorithm) -> float:
    """Z of the values by gen2's algorithm (0 with no values); MEDIAN takes the upper middle value."""
    if values.size == 0:
        return 0.0
    if algorithm == Algorithm.AVERAGE:
        return float(values.mean(dtype=np.float64))
    if algorithm == Algorithm.MIN:
        return float(values.min())
    if algorithm == Algorithm.MAX:
        return float(values.max())
    if algorithm == Algorithm.MODE:
        low = int(values.min())
        return float(low + int(np.bincount(values.astype(np.int64) - low).argmax()))
    mid = values.size // 2
    return float(np.partition(values, mid)[mid])


def step_of(step: int, algorithm) -> int:
    if step == AUTO_STEP:
        return 2 if algorithm in (Algorithm.MEDIAN, Algorithm.MODE) else 1
    return int(step)


def coordinates(z: float, u: float, v: float, camera: tuple) -> Point3f:
    fx, fy, cx, cy = camera
    return Point3f((u - cx) * z / fx, (cy - v) * z / fy, z)


def locate(depth: np.ndarray, data, camera: tuple) -> SpatialLocations | None:
    """The SpatialLocations of one region of `depth` (H×W uint16); None if the region lies outside it."""
    height, width = depth.shape
    roi = data.roi
    limit_w, limit_h = (1.0, 1.0) if roi.isNormalized() else (width, height)
    if roi.x + roi.width > limit_w or roi.y + roi.height > limit_h:
        return None
    r = roi.denormalize(width, height)
    x0, y0 = min(max(int(r.x), 0), width - 1), min(max(int(r.y), 0), height - 1)
    x1, y1 = min(max(int(r.x + r.width), 0), width), min(max(int(r.y + r.height), 0), height)
    algorithm = Algorithm(data.calculationAlgorithm)
    t = data.depthThresholds
    values = depth_values(depth, x0, y0, x1, y1, step_of(data.stepSize, algorithm), t.lowerThreshold,
                          t.upperThreshold)
    loc = SpatialLocations()
    loc.config = data.copy()
    loc.depthAveragePixelCount = int(values.size)
    if values.size:
        loc.depthAverage = distance(values, Algorithm.AVERAGE)
        loc.depthMin, loc.depthMax = int(values.min()), int(values.max())
    z = distance(values, algorithm)
    if algorithm == Algorithm.MEDIAN:
        loc.depthMedian = z
    elif algorithm == Algorithm.MODE:
        loc.depthMode = z
    loc.spatialCoordinates = coordinates(z, r.x + r.width / 2, r.y + r.height / 2, camera)
    return loc


def depth_picture(frame, label: str) -> np.ndarray:
    if not isinstance(frame, ImgFrame) or frame.getType() != ImgFrame.Type.RAW16:
        got = frame.getType().name if isinstance(frame, ImgFrame) else type(frame).__name__
        raise ValueError(f"{label}: expected a RAW16 depth frame, got {got} — link a StereoDepth's depth")
    w, h = frame.getWidth(), frame.getHeight()
    return frame.getData()[:w * h * 2].view(np.uint16).reshape(h, w)


class SpatialLocationCalculatorWorker(Worker):
    """For each depth frame: the current config's regions measured, sent on `out`; the frame on `passthroughDepth`."""

    def run(self):
        raw = RawSpatialLocationCalculatorConfig.from_dict(self.properties.get("roiConfig") or {})
        regions = raw.config
        configs, depths = self.input("inputConfig"), self.input("inputDepth")
        out, passthrough = self.output("out"), self.output("passthroughDepth")
        calibration = calibration_of(self.ctx.options)
        configs_open = configs.linked
        while True:
            try:
                frame = depths.get()
            except QueueClosed:
                return
            fresh = None
            try:
                if configs_open and configs.wait_for_message:
                    fresh = configs.get()
                elif configs_open:
                    fresh = (configs.try_get_all()[-1:] or [None])[0]
            except QueueClosed:   # its senders have ended: the last regions stay
                configs_open = False
            if isinstance(fresh, SpatialLocationCalculatorConfig):
                regions = fresh.getConfigData()
            elif fresh is not None:
                self._error("inputConfig", f"{self.label}.inputConfig: expected SpatialLocationCalculatorConfig, got "
                                           f"{type(fresh).__name__} — send SpatialLocationCalculatorConfig messages")
            try:
                depth = depth_picture(frame, f"{self.label}.inputDepth")
            except ValueError as e:
                self._error("inputDepth", f"{e} (frame {getattr(frame, 'getSequenceNum', lambda: '?')()} skipped)",
                            LogLevel.WARN)
                continue
            camera = intrinsics(frame, calibration)
            result = SpatialLocationCalculatorData()
            for i, data in enumerate(regions):
                loc = locate(depth, data, camera)
                if loc is None:
                    self._error(("roi", i), f"{self.label}: ROI {data.roi!r} lies outside the "
                                            f"{depth.shape[1]}x{depth.shape[0]} depth map — give a normalised ROI "
                                            f"inside 0..1 or pixels inside the frame", LogLevel.ERR)
                    loc = SpatialLocations()
                    loc.config = data.copy()
                result._locations.append(loc)
            if out.linked:
                out.send(result._keep_time_of(frame))
            if passthrough.linked:
                passthrough.send(frame)
