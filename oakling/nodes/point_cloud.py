"""PointCloud: every pixel of a depth map as a point in space (gen2 2.26+).

    pcl = pipeline.create(dai.node.PointCloud)
    pcl.initialConfig.setSparse(True)          # only the pixels that have depth
    stereo.depth.link(pcl.inputDepth)
    pcl.outputPointCloud.link(xout.input)      # PointCloudData: getPoints() -> (N, 3) float32, mm

Ports (gen2): inputs `inputDepth` (RAW16 depth; non-blocking, queue 4) and `inputConfig`
(PointCloudConfig; non-blocking, queue 4, does not wait: a config applies from the next depth
frame on); outputs `outputPointCloud` (PointCloudData with the depth's sequence number, timestamps
and instance number) and `passthroughDepth`. Properties: gen2's PointCloudProperties,
`initialConfig` (RawPointCloudConfig) and `numFramesPool` (4).

Pixel (u, v) with depth z becomes x = (u - cx)·z/fx, y = (v - cy)·z/fy, z — the camera's optical
frame: x to the right, y down, z ahead, in depth units (millimetres by default) — with the
calibration's intrinsics of the depth's camera (its instance number) at the frame's size, then
p' = M·(x, y, z, 1) with the config's transformation matrix. Dense clouds keep every pixel, in
row order, with (0, 0, 0) where there is no depth; sparse ones only the pixels with depth. The
minimum and maximum are over the points that have depth.
"""
from __future__ import annotations

import numpy as np

from ..calibration import calibration_of
from ..log import LogLevel
from ..messages.datatype import DatatypeEnum
from ..messages.pointcloud import IDENTITY, PointCloudConfig, PointCloudData, RawPointCloudConfig
from ..pipeline.node import Node
from ..pipeline.registry import node_type
from ..runtime.worker import QueueClosed, Worker
from .neural_network import _count
from .spatial_location_calculator import depth_picture, intrinsics


@node_type(worker="PointCloudWorker")
class PointCloud(Node):
    NAME = "PointCloud"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.inputConfig = self._input("inputConfig", types=(DatatypeEnum.PointCloudConfig,), blocking=False,
                                       queueSize=4, waitForMessage=False)
        self.inputDepth = self._input("inputDepth", types=(DatatypeEnum.ImgFrame,), blocking=False, queueSize=4,
                                      waitForMessage=True)
        self.outputPointCloud = self._output("outputPointCloud", types=(DatatypeEnum.PointCloudData,))
        self.passthroughDepth = self._output("passthroughDepth", types=(DatatypeEnum.ImgFrame,))
        self.initialConfig = PointCloudConfig()
        self.properties = {"numFramesPool": 4}

    def serialize_properties(self) -> dict:
        return {"initialConfig": self.initialConfig.get().as_dict(), "numFramesPool": self.properties["numFramesPool"]}

    def setNumFramesPool(self, numFramesPool: int):
        """How many point clouds may be on their way at once (default 4)."""
        self.properties["numFramesPool"] = _count(numFramesPool, f"{self._label}.setNumFramesPool")

    def getNumFramesPool(self) -> int:
        return self.properties["numFramesPool"]


class Rays:
    """The direction of every pixel of a width×height depth map of one camera: x/z and y/z (float32)."""

    def __init__(self, camera: tuple, width: int, height: int):
        fx, fy, cx, cy = camera
        self.x = ((np.arange(width, dtype=np.float64) - cx) / fx).astype(np.float32)
        self.y = ((np.arange(height, dtype=np.float64) - cy) / fy).astype(np.float32)


def _extent(planes, valid) -> tuple:
    """((min x, y, z), (max x, y, z)) of the points that have depth (zeros if none do)."""
    if valid is not None and not valid.any():
        return (0.0, 0.0, 0.0), (0.0, 0.0, 0.0)
    if valid is None:
        low = tuple(float(p.min()) for p in planes)
        high = tuple(float(p.max()) for p in planes)
    else:
        low = tuple(float(p.min(where=valid, initial=np.inf)) for p in planes)
        high = tuple(float(p.max(where=valid, initial=-np.inf)) for p in planes)
    return low, high


def points_of(depth: np.ndarray, rays: Rays, sparse: bool, matrix=IDENTITY):
    """((N, 3) float32 points, (min xyz, max xyz)) of a depth map (H×W uint16) along `rays`."""
    z = depth.astype(np.float32)
    valid = depth > 0
    x = z * rays.x[None, :]
    y = z * rays.y[:, None]
    m = np.asarray(matrix, np.float32)
    if not np.array_equal(m, np.asarray(IDENTITY, np.float32)):
        (r00, r01, r02, tx), (r10, r11, r12, ty), (r20, r21, r22, tz) = m[:3].tolist()
        x, y, z = (r00 * x + r01 * y + r02 * z + tx, r10 * x + r11 * y + r12 * z + ty,
                   r20 * x + r21 * y + r22 * z + tz)
        if not sparse:
            for plane in (x, y, z):
                plane[~valid] = 0.0
    if sparse:
        planes = (x[valid], y[valid], z[valid])
        extent = _extent(planes, None if planes[0].size else valid)
    else:
        planes, extent = (x, y, z), _extent((x, y, z), valid)
    points = np.empty((planes[0].size, 3), np.float32)
    for i, plane in enumerate(planes):
        points[:, i] = plane.reshape(-1)
    return points, extent


class PointCloudWorker(Worker):
    """For each depth frame: its point cloud by the current config on `outputPointCloud`, the frame on
    `passthroughDepth`."""

    def run(self):
        config = RawPointCloudConfig.from_dict(self.properties.get("initialConfig") or {})
        configs, depths = self.input("inputConfig"), self.input("inputDepth")
        out, passthrough = self.output("outputPointCloud"), self.output("passthroughDepth")
        calibration = calibration_of(self.ctx.options)
        rays, rays_key = None, None
        configs_open = configs.linked
        while True:
            try:
                frame = depths.get()
            except QueueClosed:
                return
            fresh = []
            if configs_open:
                try:
                    fresh = configs.try_get_all()[-1:]
                except QueueClosed:   # its senders have ended: the last config stays
                    configs_open = False
            if fresh and isinstance(fresh[0], PointCloudConfig):
                config = fresh[0].get()
            elif fresh:
                self._error("inputConfig", f"{self.label}.inputConfig: expected PointCloudConfig, got "
                                           f"{type(fresh[0]).__name__} — send dai.PointCloudConfig messages")
            try:
                depth = depth_picture(frame, f"{self.label}.inputDepth")
            except ValueError as e:
                seq = getattr(frame, "getSequenceNum", lambda: "?")()
                self._error("inputDepth", f"{e} (frame {seq} skipped)", LogLevel.WARN)
                continue
            if out.linked:
                key = (frame.getInstanceNum(), frame.getWidth(), frame.getHeight())
                if key != rays_key:
                    rays, rays_key = Rays(intrinsics(frame, calibration), key[1], key[2]), key
                points, (low, high) = points_of(depth, rays, bool(config.sparse), config.transformationMatrix)
                msg = PointCloudData()
                msg._data = points.reshape(-1).view(np.uint8)
                msg._width, msg._height, msg._instance_num = frame.getWidth(), frame.getHeight(), frame.getInstanceNum()
                msg._min, msg._max, msg._sparse = list(low), list(high), bool(config.sparse)
                out.send(msg._keep_time_of(frame))
            if passthrough.linked:
                passthrough.send(frame)
