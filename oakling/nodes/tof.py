"""ToF: a time-of-flight sensor's raw frames decoded into depth, amplitude, intensity and phase.

    cam = pipeline.create(dai.node.Camera)
    cam.setBoardSocket(dai.CameraBoardSocket.CAM_A)     # the socket becomes a ToF sensor (640x480 on AUTO)
    tof = pipeline.create(dai.node.ToF)
    cam.raw.link(tof.input)
    cfg = tof.initialConfig.get()                       # a RawToFConfig
    cfg.phaseUnwrappingLevel = 2                        # up to ~4.5 m
    tof.initialConfig.set(cfg)
    tof.depth.link(xout.input)                          # RAW16, millimetres; 0: no valid measurement

Ports (gen2): `input` (ImgFrame; blocking, queue 8), `inputConfig` (ToFConfig; non-blocking, queue 4,
not waited for); outputs `depth` (RAW16 mm), `amplitude` (RAW16), `intensity` (RAW8) and `phase`
(GRAYF16 radians of the 100 MHz modulation; gen2 sends float32). Properties as gen2's ToFProperties:
`initialConfig` (the RawToFConfig's JSON), `numFramesPool` (4), `numShaves` (1), `warpHwIds` ([]).

A camera (the unified Camera, as gen2's examples use, or a MonoCamera or ColorCamera) whose `raw`
output is linked to a ToF node's `input` is a ToF sensor (`ToFSensorCapture`): its frames are what
the sensor measures of the synthetic stereo scene from that socket's place (oakling/sources/
tof_scene.py: per pixel the phases of two modulation frequencies, 100 and 80 MHz, and the returned
amplitude, as three RAW16 planes), or, given a source on that socket, of recorded depth
(oakling/sources/depth_recording.py), or in a replay the planes it recorded. The node decodes each frame:

  * Phase unwrapping: level 0 (or `enablePhaseUnwrapping = False`) takes the 80 MHz phase alone,
    which repeats every ~1874 mm. Level N ≥ 1 tries the 100 MHz distance plus 0..N of its ~1499 mm
    ranges, keeps the candidate the 80 MHz phase agrees with best, and reaches (N + 1) × 1.5 m; a
    pixel whose best candidate still disagrees by more than `phaseUnwrapErrorThreshold` millimetres
    (something farther than the level reaches) is 0.
  * `enableOpticalCorrection` (None: on): the radial distance along each pixel's ray becomes depth
    (Z), as StereoDepth reports it; off, `depth` is the distance.
  * `median`: the median filter (3x3, 5x5, 7x7) on depth.
  * `enableBurstMode`: one depth per 4 raw frames (the 4th), from the 4 frames' phases averaged.
  * `enablePhaseShuffleTemporalFilter`: each frame's phases are averaged with the previous frame's.
  * `enableDistortionCorrection`, FPPN, wiggle and temperature corrections: accepted; the synthetic
    sensor has no lens distortion, pixel offsets, wiggle or temperature drift to correct.

`amplitude` is the returned signal (the scene's brightness over the squared distance), `intensity`
the same scaled to 8 bits (amplitude / 8), `phase` the 100 MHz phase in radians. Every output keeps
the raw frame's sequence number, timestamps and socket (instance number), so ImageAlign and the
spatial nodes know which camera it came from.
"""
from __future__ import annotations

import numpy as np

from ..messages._args import as_int
from ..messages.datatype import DatatypeEnum
from ..messages.imgframe import ImgFrame
from ..messages.tofconfig import ToFConfig
from ..pipeline.node import Node
from ..pipeline.registry import node_type
from ..runtime.worker import QueueClosed, Worker
from .camera_common import TOF_SENSOR_ASSET, LayoutError, make_frame

BURST = 4                           # raw frames per depth frame in burst mode


@node_type(worker="ToFWorker")
class ToF(Node):
    NAME = "ToF"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.initialConfig = ToFConfig()
        self.inputConfig = self._input("inputConfig", types=(DatatypeEnum.ToFConfig,), blocking=False, queueSize=4,
                                       waitForMessage=False)
        self.input = self._input("input", types=(DatatypeEnum.ImgFrame,), blocking=True, queueSize=8,
                                 waitForMessage=True)
        frame = (DatatypeEnum.ImgFrame,)
        self.depth = self._output("depth", types=frame)
        self.amplitude = self._output("amplitude", types=frame)
        self.intensity = self._output("intensity", types=frame)
        self.phase = self._output("phase", types=frame)
        self.properties = {"numFramesPool": 4, "numShaves": 1, "warpHwIds": []}

    def serialize_properties(self) -> dict:
        return {"initialConfig": self.initialConfig.to_plain(), **self.properties}

    def setNumShaves(self, numShaves: int) -> "ToF":
        """SHAVE cores reserved for decoding (accepted; this device has none)."""
        self.properties["numShaves"] = as_int(numShaves, f"{self._label}.setNumShaves")
        return self

    def setNumFramesPool(self, numFramesPool: int) -> "ToF":
        """Frames in the output pool (accepted; the device allocates output frames as it needs)."""
        self.properties["numFramesPool"] = as_int(numFramesPool, f"{self._label}.setNumFramesPool")
        return self


class ToFSensorCapture:
    """Mixin for a camera worker (before its capture class): a camera whose `raw` output feeds a ToF
    node (the host marks it with TOF_SENSOR_ASSET as the pipeline is built) is a ToF sensor. It
    reads the ToF scene instead of a source and sends the sensor's planes on `raw` only; any other
    camera works as its capture class says."""

    def __init__(self, ctx):
        super().__init__(ctx)
        self._tof = TOF_SENSOR_ASSET in ctx.assets
        self._tof_size = self.tof_size(ctx.properties) if self._tof else None

    @staticmethod
    def tof_size(properties: dict) -> tuple[int, int]:
        from ..sources.tof_scene import SENSOR_SIZE
        return SENSOR_SIZE

    def picture_size(self):
        return self._tof_size if self._tof else super().picture_size()

    def sensor_size(self):
        return self._tof_size if self._tof else super().sensor_size()

    def check(self):
        if not self._tof:
            return super().check()
        others = [name for (_, name), port in self.ctx.outputs.items() if port.linked and name != "raw"]
        if others:
            raise LayoutError(f"a ToF sensor makes only raw frames, but {', '.join(sorted(others))} is linked — "
                              f"link those outputs from a camera on another socket")

    def open_source(self, description, loop: bool):
        if not self._tof:
            return super().open_source(description, loop)
        from ..calibration import calibration_of
        from ..sources import SourceError
        from ..sources.tof_scene import ToFSceneSource
        kind = (description or {}).get("kind", "synthetic")
        if kind in ("depth", "images", "image"):   # recorded depth (sources/depth_recording.py)
            from ..sources.depth_recording import DepthRecordingSource
            from ..sources.tof_scene import intrinsics
            k = intrinsics(self.socket, *self._tof_size, calibration_of(self.ctx.options))
            return DepthRecordingSource(description, *self._tof_size, k, loop)
        if kind == "recording":   # a replay of a session this ToF sensor was recorded in
            from ..sources.recording import RecordingSource
            return RecordingSource(description["path"], description["camera"], name=description["name"], tof=True)
        if kind != "synthetic":
            raise SourceError(f"this socket's camera is a ToF sensor (its raw output feeds a ToF node), which "
                              f"measures the synthetic scene or recorded depth (a folder of 16-bit PNGs, a "
                              f".npy/.npz) — give {description.get('name', 'that source')} to another socket")
        from ..sources.motion import trajectory_of
        motion = trajectory_of(self.ctx.options)
        if motion is not None:
            from ..sources.tof_scene import MovingToFSceneSource
            return MovingToFSceneSource(self.socket, *self._tof_size, *motion, self.ctx.clock,
                                        calibration=calibration_of(self.ctx.options))
        return ToFSceneSource(self.socket, *self._tof_size, calibration=calibration_of(self.ctx.options))

    def emit(self, picture, seq, ts_ns):
        if not self._tof:
            return super().emit(picture, seq, ts_ns)
        raw = self.output("raw")
        if raw.linked:
            w, h = self._tof_size
            data = self.payload("raw", lambda: np.ascontiguousarray(picture.transpose(2, 0, 1)).view(np.uint8))
            raw.send(make_frame(data, w, h, ImgFrame.Type.RAW16, seq, ts_ns, self.socket))


# ------------------------------------------------------------------------------------------------
# Decoding (no device needed)
# ------------------------------------------------------------------------------------------------

class ToFInputError(ValueError):
    """A frame the ToF node cannot decode; the text says what to do."""


def sensor_planes(frame: ImgFrame, what: str) -> np.ndarray:
    """The (3, H, W) uint16 planes of a ToF sensor's raw frame."""
    w, h = frame.getWidth(), frame.getHeight()
    data = frame.getData()
    if frame.getType() != ImgFrame.Type.RAW16 or data.size != 3 * w * h * 2:
        raise ToFInputError(f"{what}: expected a ToF sensor's raw frame (three RAW16 planes), got a {w}x{h} "
                            f"{frame.getType().name} frame of {data.size} bytes — link the raw output of a Camera "
                            f"to this input (that camera becomes the ToF sensor)")
    return data.view(np.uint16).reshape(3, h, w)


def circular_mean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The mean of two uint16 phases, the short way round the turn."""
    from ..sources.tof_scene import TURN
    diff = (b.astype(np.int32) - a.astype(np.int32) + TURN // 2) % TURN - TURN // 2
    return ((a.astype(np.int32) + diff // 2) % TURN).astype(np.uint16)


def unwrap(phase_a: np.ndarray, phase_b: np.ndarray, level: int, threshold: float,
           unwrapping: bool | None = None) -> np.ndarray:
    """Radial distance in mm (float32; 0 where the phases disagree by more than `threshold` mm).

    Candidate k is the 100 MHz distance plus k of its ranges; it agrees with the 80 MHz phase when
    (0.8 (pa + k) - pb) is a whole number of turns (pa, pb in turns; the ranges are 4:5). So the best k
    is round(5 x) mod 5 with x = frac(0.8 pa - pb): worked out at once, not tried one by one. A level
    below 4 that does not allow it takes the allowed k nearest to it round the circle of five."""
    from ..sources.tof_scene import RANGES_MM, TURN
    range_a, range_b = RANGES_MM
    if level <= 0 or unwrapping is False:
        return phase_b.astype(np.float32) * np.float32(range_b / TURN)
    pa = phase_a.astype(np.float32) * np.float32(1 / TURN)
    x = np.float32(0.8) * pa - phase_b.astype(np.float32) * np.float32(1 / TURN)
    x -= np.floor(x)
    k = np.rint(np.float32(5) * x) % np.float32(5)               # float32 throughout: no float64 temporaries
    if level < 4:
        top = np.float32(level)
        k = np.where(k <= top, k, np.where(k - top <= np.float32(5) - k, top, np.float32(0)))
    off = x - np.float32(0.2) * k
    off -= np.rint(off)
    distance = (pa + k) * np.float32(range_a)
    return np.where(np.abs(off) * np.float32(range_b) <= threshold, distance, np.float32(0))


def decode(planes: np.ndarray, config: dict, rays: np.ndarray, wanted=("depth", "amplitude", "intensity", "phase")) -> dict:
    """{"depth" uint16 mm, "amplitude" uint16, "intensity" uint8, "phase" float16 rad} (those `wanted`) of
    one frame's (3, H, W) planes under `config` (a RawToFConfig's JSON); `rays`: each pixel's ray
    length per mm of depth."""
    from ..sources.tof_scene import TURN
    from .stereo_depth_ops import median
    phase_a, phase_b, amplitude = planes
    out = {}
    if "depth" in wanted:
        distance = unwrap(phase_a, phase_b, int(config["phaseUnwrappingLevel"]),
                          float(config["phaseUnwrapErrorThreshold"]), config["enablePhaseUnwrapping"])
        if config["enableOpticalCorrection"] is not False:
            distance = distance / rays
        depth = np.clip(np.rint(distance), 0, 65535).astype(np.uint16)
        out["depth"] = median(depth, config["median"])
    if "amplitude" in wanted:
        out["amplitude"] = np.ascontiguousarray(amplitude)
    if "intensity" in wanted:
        out["intensity"] = np.minimum(amplitude >> 3, 255).astype(np.uint8)
    if "phase" in wanted:
        out["phase"] = (phase_a.astype(np.float32) * np.float32(2 * np.pi / TURN)).astype(np.float16)
    return out


_OUTPUT_TYPES = {"depth": ImgFrame.Type.RAW16, "amplitude": ImgFrame.Type.RAW16, "intensity": ImgFrame.Type.RAW8,
                 "phase": ImgFrame.Type.GRAYF16}


class ToFWorker(Worker):
    """Decodes each raw frame on `input` with the newest config; sends what is linked."""

    def run(self):
        from ..calibration import calibration_of
        from ..sources.tof_scene import intrinsics, ray_lengths
        config = dict(self.properties["initialConfig"])
        frames, configs = self.input("input"), self.input("inputConfig")
        outputs = {name: self.output(name) for name in _OUTPUT_TYPES if self.output(name).linked}
        calibration = calibration_of(self.ctx.options)
        what = f"{self.label}.input"
        rays_of, previous, burst = {}, None, []
        while True:
            try:
                frame = frames.get()
            except QueueClosed:
                return
            for cfg in configs.try_get_all():
                if isinstance(cfg, ToFConfig):
                    config = cfg.to_plain()
                else:
                    self._error(("config", type(cfg).__name__), f"{self.label}.inputConfig: expected ToFConfig, got "
                                f"{type(cfg).__name__} — send a dai.ToFConfig (this one is ignored)")
            try:
                planes = sensor_planes(frame, what)
            except ToFInputError as e:
                self._error(("input", frame.getType()), f"{e} (frame {frame.getSequenceNum()} dropped)")
                continue
            key = (frame.getInstanceNum(), frame.getWidth(), frame.getHeight())
            if key not in rays_of:
                rays_of[key] = ray_lengths(intrinsics(*key, calibration), key[1], key[2])
            current = planes
            if config["enableBurstMode"]:
                burst.append(planes)
                if len(burst) < BURST:
                    continue
                current = _mean_planes(burst)
                burst = []
            elif config["enablePhaseShuffleTemporalFilter"] and previous is not None and previous.shape == planes.shape:
                current = _mean_planes([previous, planes])
            previous = planes
            if not outputs:
                continue
            for name, data in decode(current, config, rays_of[key], outputs).items():
                outputs[name].send(_frame(data, frame, _OUTPUT_TYPES[name]))


def _mean_planes(frames: list) -> np.ndarray:
    """Frames' planes averaged: phases the short way round, amplitudes plainly."""
    phase_a, phase_b = frames[0][0], frames[0][1]
    for i, f in enumerate(frames[1:], start=2):   # a running mean, weighing each frame alike
        phase_a = _weighted(phase_a, f[0], 1.0 / i)
        phase_b = _weighted(phase_b, f[1], 1.0 / i)
    amplitude = np.rint(np.mean([f[2] for f in frames], axis=0)).astype(np.uint16)
    return np.stack([phase_a, phase_b, amplitude])


def _weighted(a: np.ndarray, b: np.ndarray, weight: float) -> np.ndarray:
    from ..sources.tof_scene import TURN
    if weight == 0.5:
        return circular_mean(a, b)
    diff = (b.astype(np.int32) - a.astype(np.int32) + TURN // 2) % TURN - TURN // 2
    return (np.rint(a.astype(np.float64) + diff * weight) % TURN).astype(np.uint16)


def _frame(data: np.ndarray, src: ImgFrame, frame_type) -> ImgFrame:
    out = ImgFrame()
    h, w = data.shape
    out.setType(frame_type)
    out.setSize(w, h)
    out._stride = w * data.dtype.itemsize
    out._data = np.ascontiguousarray(data).reshape(-1).view(np.uint8)
    out._keep_capture_of(src)
    out._instance_num = src.getInstanceNum()
    return out
