"""StereoDepth: depth from the LEFT and RIGHT cameras, as an OAK-D computes it.

    left, right = pipeline.create(dai.node.MonoCamera), pipeline.create(dai.node.MonoCamera)
    left.setBoardSocket(dai.CameraBoardSocket.CAM_B)
    right.setBoardSocket(dai.CameraBoardSocket.CAM_C)
    stereo = pipeline.create(dai.node.StereoDepth)
    stereo.setDefaultProfilePreset(dai.node.StereoDepth.PresetMode.HIGH_DENSITY)
    stereo.setSubpixel(True)
    left.out.link(stereo.left)
    right.out.link(stereo.right)
    stereo.depth.link(xout.input)          # RAW16 millimetres, aligned to the rectified right camera

Ports (gen2): inputs `left`, `right` (ImgFrame; non-blocking, queues of 8) and `inputConfig`
(StereoDepthConfig; non-blocking, 4); outputs `depth` (RAW16 in the config's unit, millimetres by
default), `disparity` (RAW8 whole pixels, RAW16 in 1/2^bits pixels with subpixel), `syncedLeft`/
`syncedRight` (the pair as it came), `rectifiedLeft`/`rectifiedRight`, `confidenceMap` (RAW8, 0 the
surest) and `outConfig` (the config in use, with each pair). Frames are paired by sequence number,
as the two MonoCameras number them; a frame whose partner never comes is dropped. Offline
(`realtime=False`) `left` and `right` block, so the cameras wait and every pair is matched. The
debug outputs (`debugDispLrCheckIt1/2`, `debugExtDispLrCheckIt1/2`, `debugDispCostDump`) cost
matching of their own, made only while they are linked.

The matching, filters, rectification and alignment are in `stereo_depth_ops.py`; depth uses the
calibration's focal length of the reference camera at the frames' size and its baseline
(`setFocalLength`/`setBaseline` override them). A calibration with rectification rotations or lens
distortion has both pictures rectified first (the right camera's intrinsics on both, as gen2);
the default calibration's cameras are rectified already, so the rectified outputs are the inputs.
Depth aligned to a camera (`setDepthAlign(CAM_A)`) or CENTER is re-projected from the reference
camera with the calibration's extrinsics, at gen2's output size.
"""
from __future__ import annotations

import os
import warnings

from ..calibration import calibration_of
from ..messages.datatype import DatatypeEnum
from ..messages.enums import CameraBoardSocket, Gen2Enum
from ..messages.imgframe import ImgFrame
from ..messages.stereodepthconfig import (AlgorithmControl, MedianFilter, RawStereoDepthConfig, StereoDepthConfig,
                                          StereoDepthProperties)
from ..pipeline.node import Node
from ..pipeline.registry import node_type
from ..runtime.worker import QueueClosed, Worker
from . import stereo_depth_ops as ops


class PresetMode(Gen2Enum):
    HIGH_ACCURACY = 0
    HIGH_DENSITY = 1
    DEFAULT = 2
    FACE = 3
    HIGH_DETAIL = 4
    ROBOTICS = 5


_DEBUG_OUTPUTS = ("debugDispLrCheckIt1", "debugDispLrCheckIt2", "debugExtDispLrCheckIt1", "debugExtDispLrCheckIt2",
                  "debugDispCostDump")


@node_type(worker="StereoDepthWorker")
class StereoDepth(Node):
    NAME = "StereoDepth"
    PresetMode = PresetMode
    Properties = StereoDepthProperties

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.inputConfig = self._input("inputConfig", types=(DatatypeEnum.StereoDepthConfig,),
                                       blocking=False, queueSize=4, waitForMessage=False)
        frame = (DatatypeEnum.ImgFrame,)
        self.left = self._input("left", types=frame, blocking=False, queueSize=8, waitForMessage=True)
        self.right = self._input("right", types=frame, blocking=False, queueSize=8, waitForMessage=True)
        for name in ("depth", "disparity", "syncedLeft", "syncedRight", "rectifiedLeft", "rectifiedRight"):
            setattr(self, name, self._output(name, types=frame))
        self.outConfig = self._output("outConfig", types=(DatatypeEnum.StereoDepthConfig,))
        for name in _DEBUG_OUTPUTS + ("confidenceMap",):
            setattr(self, name, self._output(name, types=frame))
        self.initialConfig = StereoDepthConfig()
        self.properties = {
            "depthAlignCamera": int(CameraBoardSocket.AUTO), "enableRectification": True, "rectifyEdgeFillColor": 0,
            "width": None, "height": None, "outWidth": None, "outHeight": None, "outKeepAspectRatio": True,
            "mesh": {"meshLeftUri": "", "meshRightUri": "", "meshSize": None, "stepWidth": 16, "stepHeight": 16},
            "enableRuntimeStereoModeSwitch": False, "numFramesPool": 3, "numPostProcessingShaves": -1,
            "numPostProcessingMemorySlices": -1, "focalLengthFromCalibration": True,
            "useHomographyRectification": None, "baseline": None, "focalLength": None,
            "disparityToDepthUseSpecTranslation": None, "rectificationUseSpecTranslation": None,
            "depthAlignmentUseSpecTranslation": None, "alphaScaling": None,
        }
        self.setDefaultProfilePreset(PresetMode.HIGH_DENSITY)

    def serialize_properties(self) -> dict:
        props = {"initialConfig": self.initialConfig._raw.as_dict(), **self.properties}
        props["alignedCameraSize"] = self._aligned_camera_size()
        return props

    def _aligned_camera_size(self):
        """gen2's size of depth aligned to a camera without setOutputSize: the ISP output of the
        ColorCamera, or the size of the Camera, on that socket in this pipeline (None: the
        calibration's size of the camera)."""
        socket = self.properties["depthAlignCamera"]
        if socket in (-1, int(CameraBoardSocket.CAM_B), int(CameraBoardSocket.CAM_C)) or self._pipeline is None:
            return None
        for node in self._pipeline.getAllNodes():
            if node.getName() not in ("ColorCamera", "Camera"):
                continue
            on = node.properties.get("boardSocket", -1)
            if (on if on != -1 else int(CameraBoardSocket.CAM_A)) != socket:
                continue
            size = node.getIspSize() if node.getName() == "ColorCamera" else node.getSize()
            return list(size) if min(size) > 0 else None     # a Camera left at AUTO: the calibration's
        return None

    # -- presets --
    def setDefaultProfilePreset(self, mode):
        """gen2's presets: HIGH_DENSITY (the default: more pixels with depth) or HIGH_ACCURACY (fewer,
        surer ones); DEFAULT, FACE, HIGH_DETAIL and ROBOTICS as gen2's later releases define them."""
        mode = PresetMode(mode)
        config = self.initialConfig
        if mode in (PresetMode.HIGH_ACCURACY, PresetMode.HIGH_DETAIL):
            config.setConfidenceThreshold(200).setLeftRightCheck(True).setLeftRightCheckThreshold(5)
        else:
            config.setConfidenceThreshold(245).setLeftRightCheck(True).setLeftRightCheckThreshold(10)
        if mode in (PresetMode.DEFAULT, PresetMode.FACE, PresetMode.HIGH_DETAIL, PresetMode.ROBOTICS):
            face_like = mode in (PresetMode.FACE, PresetMode.HIGH_DETAIL)
            config.setExtendedDisparity(face_like).setSubpixel(True).setSubpixelFractionalBits(5 if face_like else 3)
            config.setMedianFilter(MedianFilter.MEDIAN_OFF if face_like else MedianFilter.KERNEL_7x7)
            raw = config.get()
            post = raw.postProcessing
            post.decimationFilter.decimationFactor = 2
            post.spatialFilter.enable, post.spatialFilter.holeFillingRadius = True, 1
            post.spatialFilter.alpha, post.spatialFilter.delta = 0.5, 3
            post.temporalFilter.enable, post.temporalFilter.alpha, post.temporalFilter.delta = True, 0.5, 3
            post.speckleFilter.enable, post.speckleFilter.speckleRange = True, 200
            post.thresholdFilter.minRange = 30 if mode == PresetMode.FACE else 0
            post.thresholdFilter.maxRange = 3000 if mode == PresetMode.FACE else 15000
            config.set(raw)
            self.properties["numPostProcessingShaves"] = self.properties["numPostProcessingMemorySlices"] = 3

    # -- settings kept in initialConfig --
    def setMedianFilter(self, median):
        self.initialConfig.setMedianFilter(median)

    def setConfidenceThreshold(self, confThr: int):
        self.initialConfig.setConfidenceThreshold(confThr)

    def setLeftRightCheck(self, enable: bool):
        self.initialConfig.setLeftRightCheck(enable)

    def setSubpixel(self, enable: bool):
        self.initialConfig.setSubpixel(enable)

    def setSubpixelFractionalBits(self, subpixelFractionalBits: int):
        self.initialConfig.setSubpixelFractionalBits(subpixelFractionalBits)

    def setExtendedDisparity(self, enable: bool):
        self.initialConfig.setExtendedDisparity(enable)

    def getMaxDisparity(self) -> float:
        return self.initialConfig.getMaxDisparity()

    def setDepthAlign(self, align):
        """RECTIFIED_RIGHT (default), RECTIFIED_LEFT or CENTER; or a camera socket to align to."""
        if isinstance(align, CameraBoardSocket):
            self.properties["depthAlignCamera"] = int(align)
            return
        self.initialConfig.setDepthAlign(align)
        self.properties["depthAlignCamera"] = int(CameraBoardSocket.AUTO)

    # -- node properties --
    def _positive(self, value, what: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"{self._label}.{what}: expected a positive integer, got {value!r}")
        return int(value)

    def setInputResolution(self, width, height=None):
        if height is None:
            width, height = width
        self.properties["width"] = self._positive(width, "setInputResolution")
        self.properties["height"] = self._positive(height, "setInputResolution")

    def setOutputSize(self, width: int, height: int):
        self.properties["outWidth"] = self._positive(width, "setOutputSize")
        self.properties["outHeight"] = self._positive(height, "setOutputSize")

    def setOutputKeepAspectRatio(self, keep: bool):
        self.properties["outKeepAspectRatio"] = bool(keep)

    # -- a rectification mesh of one's own (gen2's layout: stereo_depth_ops.mesh_maps) --
    def loadMeshData(self, dataLeft, dataRight):
        for side, data in (("Left", dataLeft), ("Right", dataRight)):
            data = bytes(data)
            if not data or len(data) % 8:
                raise RuntimeError(f"{self._label}.loadMeshData: the {side.lower()} mesh must be float32 (y, x) "
                                   f"pairs, got {len(data)} bytes")
            self._assets[f"mesh{side}"] = data
            self.properties["mesh"][f"mesh{side}Uri"] = f"asset:mesh{side}"
        self.properties["mesh"]["meshSize"] = len(bytes(dataLeft))

    def loadMeshFiles(self, pathLeft, pathRight):
        data = []
        for path in (pathLeft, pathRight):
            try:
                with open(os.fspath(path), "rb") as f:
                    data.append(f.read())
            except OSError as e:
                raise RuntimeError(f"{self._label}.loadMeshFiles: cannot read {os.fspath(path)}: "
                                   f"{e.strerror or e}") from None
        self.loadMeshData(*data)

    def setMeshStep(self, width: int, height: int):
        self.properties["mesh"]["stepWidth"] = self._positive(width, "setMeshStep")
        self.properties["mesh"]["stepHeight"] = self._positive(height, "setMeshStep")

    def setRectification(self, enable: bool):
        self.properties["enableRectification"] = bool(enable)

    def setRectifyEdgeFillColor(self, color: int):
        self.properties["rectifyEdgeFillColor"] = int(color)

    def setNumFramesPool(self, numFramesPool: int):
        self.properties["numFramesPool"] = self._positive(numFramesPool, "setNumFramesPool")

    def setRuntimeModeSwitch(self, enable: bool):
        self.properties["enableRuntimeStereoModeSwitch"] = bool(enable)

    def setPostProcessingHardwareResources(self, numShaves: int, numMemorySlices: int):
        self.properties["numPostProcessingShaves"] = int(numShaves)
        self.properties["numPostProcessingMemorySlices"] = int(numMemorySlices)

    def setFocalLengthFromCalibration(self, focalLengthFromCalibration: bool):
        self.properties["focalLengthFromCalibration"] = bool(focalLengthFromCalibration)

    def useHomographyRectification(self, useHomographyRectification: bool):
        self.properties["useHomographyRectification"] = bool(useHomographyRectification)

    def enableDistortionCorrection(self, enableDistortionCorrection: bool):
        self.useHomographyRectification(not enableDistortionCorrection)

    def setBaseline(self, baseline: float):
        """The baseline in centimetres, instead of the calibration's."""
        self.properties["baseline"] = float(baseline)

    def setFocalLength(self, focalLength: float):
        """The focal length in pixels at the input size, instead of the calibration's."""
        self.properties["focalLength"] = float(focalLength)

    def setDisparityToDepthUseSpecTranslation(self, specTranslation: bool):
        self.properties["disparityToDepthUseSpecTranslation"] = bool(specTranslation)

    def setRectificationUseSpecTranslation(self, specTranslation: bool):
        self.properties["rectificationUseSpecTranslation"] = bool(specTranslation)

    def setDepthAlignmentUseSpecTranslation(self, specTranslation: bool):
        self.properties["depthAlignmentUseSpecTranslation"] = bool(specTranslation)

    def setAlphaScaling(self, alpha: float):
        self.properties["alphaScaling"] = float(alpha)

    # -- deprecated in gen2 --
    def setOutputRectified(self, enable: bool):
        warnings.warn("setOutputRectified is deprecated. The output is auto-enabled if used", DeprecationWarning,
                      stacklevel=2)

    def setOutputDepth(self, enable: bool):
        warnings.warn("setOutputDepth is deprecated. The output is auto-enabled if used", DeprecationWarning,
                      stacklevel=2)

    def setRectifyMirrorFrame(self, enable: bool):
        warnings.warn("setRectifyMirrorFrame is deprecated.", DeprecationWarning, stacklevel=2)


STEREO_PAIR = (CameraBoardSocket.CAM_B, CameraBoardSocket.CAM_C)


def _sockets(left: ImgFrame, right: ImgFrame) -> tuple:
    """The (left, right) board sockets of a pair, from its frames' instance numbers (a camera sets
    its socket; an OAK-D-LR pairs CAM_A with CAM_B or CAM_C too); CAM_B–CAM_C when they do not say."""
    try:
        pair = (CameraBoardSocket(left.getInstanceNum()), CameraBoardSocket(right.getInstanceNum()))
    except ValueError:
        return STEREO_PAIR
    return STEREO_PAIR if pair[0] == pair[1] else pair


def _as_picture(frame, label: str):
    """A grey H×W uint8 view of a mono frame (RAW8/GRAY8, or the luma plane of NV12/YUV420p)."""
    if not isinstance(frame, ImgFrame):
        raise ValueError(f"{label}: expected ImgFrame, got {type(frame).__name__}")
    kind = frame.getType()
    width, height = frame.getWidth(), frame.getHeight()
    if kind in (ImgFrame.Type.RAW8, ImgFrame.Type.GRAY8, ImgFrame.Type.NV12, ImgFrame.Type.YUV420p):
        return frame.getData()[:width * height].reshape(height, width)
    raise ValueError(f"{label}: expected a grey frame (RAW8, GRAY8, or NV12/YUV420p whose luma is used), got "
                     f"{kind.name} — link a MonoCamera's out, or a ColorCamera's video (NV12)")


class StereoDepthWorker(Worker):
    """Pairs left and right frames by sequence number, matches each pair and sends the linked outputs."""

    OFFLINE_BLOCKING = ("left", "right")

    def run(self):
        props = self.properties
        config = StereoDepthConfig()
        config._raw = RawStereoDepthConfig.from_dict(props["initialConfig"], f"{self.label}.initialConfig")
        matcher = ops.Matcher(config._raw)
        left_in, right_in, configs = self.input("left"), self.input("right"), self.input("inputConfig")
        calibration = calibration_of(self.ctx.options)
        self._alignments = {}
        self._temporal = ops.Temporal()
        self._depth = ops.DepthTable()
        self._rectifications = {}
        self._pair = STEREO_PAIR
        pending = {"left": None, "right": None}
        while True:
            try:
                side = self._next_pair(left_in, right_in, pending)
            except QueueClosed:
                return
            if side is None:
                continue
            left, right = side
            fresh = configs.try_get()
            if isinstance(fresh, StereoDepthConfig):
                config, matcher = fresh, ops.Matcher(fresh._raw)
            elif fresh is not None:
                self._error("inputConfig", f"{self.label}.inputConfig: expected StereoDepthConfig, got "
                                           f"{type(fresh).__name__} — send StereoDepthConfig messages to this input")
            try:
                self._process(left, right, config, matcher, calibration)
            except ValueError as e:
                self._error("frame", f"{e} (pair {left.getSequenceNum()} dropped)")

    def _next_pair(self, left_in, right_in, pending):
        """The next (left, right) with one sequence number, or None after dropping an unpaired frame."""
        if pending["left"] is None:
            pending["left"] = left_in.get()
        if pending["right"] is None:
            pending["right"] = right_in.get()
        left, right = pending["left"], pending["right"]
        if left.getSequenceNum() == right.getSequenceNum():
            pending["left"] = pending["right"] = None
            return left, right
        older = "left" if left.getSequenceNum() < right.getSequenceNum() else "right"
        pending[older] = None   # its partner was dropped upstream: wait for the next one
        return None

    def _process(self, left_frame, right_frame, config, matcher, calibration):
        left = _as_picture(left_frame, f"{self.label}.left")
        right = _as_picture(right_frame, f"{self.label}.right")
        if left.shape != right.shape:
            raise ValueError(f"{self.label}: left is {left.shape[1]}x{left.shape[0]} but right is "
                             f"{right.shape[1]}x{right.shape[0]} — give both cameras the same resolution")
        raw = config._raw
        self._pair = _sockets(left_frame, right_frame)
        outputs = {name: self.output(name) for name in ("depth", "disparity", "syncedLeft", "syncedRight",
                                                         "rectifiedLeft", "rectifiedRight", "confidenceMap",
                                                         "outConfig")}
        rectify = self._rectification(calibration, left.shape)
        rectified = {"rectifiedLeft": left_frame, "rectifiedRight": right_frame}
        if rectify is not None:
            left, right = rectify[0](left), rectify[1](right)
            rectified = {"rectifiedLeft": self._frame(left, ImgFrame.Type.RAW8, left_frame),
                         "rectifiedRight": self._frame(right, ImgFrame.Type.RAW8, right_frame)}
        for name, frame in (("syncedLeft", left_frame), ("syncedRight", right_frame), *rectified.items()):
            if outputs[name].linked:
                outputs[name].send(frame)
        reference = left_frame if matcher.left_reference else right_frame
        if outputs["depth"].linked or outputs["disparity"].linked or outputs["confidenceMap"].linked:
            found = matcher.disparity(left, right)
            disparity = ops.disparity_output(found, raw)
            disparity = ops.brightness(disparity, left if matcher.left_reference else right, raw)
            disparity = ops.spatial(self._temporal.apply(ops.speckle(disparity, raw), raw), raw)
            alignment, instance = self._alignment(calibration, matcher, raw, left.shape)
            splat = None
            if outputs["depth"].linked or alignment is not None:
                focal, baseline_mm = self._geometry(calibration, matcher, left.shape)
            if alignment is not None:
                depth_mm = ops.depth_mm(ops.filtered_disparity(disparity, raw), focal, baseline_mm)
                splat = alignment.splat(depth_mm)
            if outputs["disparity"].linked:
                picture = ops.decimate(splat.carry(disparity) if splat else disparity, raw)
                kind = ImgFrame.Type.RAW16 if picture.dtype.itemsize == 2 else ImgFrame.Type.RAW8
                outputs["disparity"].send(self._frame(picture, kind, reference, instance))
            if outputs["depth"].linked:
                depth = splat.depth_in_units(raw) if splat else self._depth(disparity, focal, baseline_mm, raw)
                outputs["depth"].send(self._frame(ops.decimate(depth, raw), ImgFrame.Type.RAW16, reference, instance))
            if outputs["confidenceMap"].linked:
                pictures = (left, right) if matcher.left_reference else (right, left)
                picture = ops.confidence(*pictures, found, matcher.left_reference)
                picture = splat.carry(picture, fill=255) if splat else picture
                outputs["confidenceMap"].send(self._frame(picture, ImgFrame.Type.RAW8, reference, instance))
        if outputs["outConfig"].linked:
            out = StereoDepthConfig()
            out._raw = raw
            outputs["outConfig"].send(out._keep_time_of(reference))
        debug = {name: self.output(name) for name in _DEBUG_OUTPUTS if self.output(name).linked}
        if debug:
            other = right_frame if reference is left_frame else left_frame
            self._send_debug(debug, left, right, matcher, raw, (reference, other))

    def _send_debug(self, outputs, left, right, matcher, raw, frames):
        """gen2's debug outputs: the left-right check's two iterations (with the check on), the
        extended search's two (with extended disparity; the second with the check on), each as the
        disparity output sends it, on the reference camera's pixels (iteration 1) or the other
        camera's (iteration 2); and the cost dump. `frames`: (the reference camera's frame, the other's)."""
        control = raw.algorithmControl
        checked, extended = control.enableLeftRightCheck, control.enableExtended
        for names, half, active in ((("debugDispLrCheckIt1", "debugDispLrCheckIt2"), False, (checked, checked)),
                                    (("debugExtDispLrCheckIt1", "debugExtDispLrCheckIt2"), True,
                                     (extended, extended and checked))):
            wanted = [name in outputs and on for name, on in zip(names, active)]
            if not any(wanted):
                continue
            for name, want, found, like in zip(names, wanted, matcher.each_way(left, right, half), frames):
                if want:
                    picture = ops.disparity_output(found, raw, filtered=False)
                    kind = ImgFrame.Type.RAW16 if picture.dtype.itemsize == 2 else ImgFrame.Type.RAW8
                    outputs[name].send(self._frame(picture, kind, like))
        if "debugDispCostDump" in outputs:
            costs = ops.matching_costs(left, right, matcher)   # a frame of the picture's size, all costs its data
            height, width = costs.shape[:2]
            frame = self._frame(costs.reshape(height, -1), ImgFrame.Type.RAW8, frames[0]).setWidth(width)
            outputs["debugDispCostDump"].send(frame)

    def _rectification(self, calibration, shape):
        """(left's Rectification, right's) when the calibration rotates or distorts the pair and
        rectification is on; None when the pictures are rectified already."""
        if not self.properties.get("enableRectification", True):
            return None
        if shape not in self._rectifications and self.properties["mesh"].get("meshLeftUri"):
            self._rectifications[shape] = self._mesh_rectification(shape)
        if self._pair != STEREO_PAIR and not self.properties["mesh"].get("meshLeftUri"):
            return None   # the calibration's rectification is the CAM_B–CAM_C pair's
        if shape not in self._rectifications:
            from ..sources.stereo_scene import LensView, raw_view
            height, width = shape
            views = [raw_view(socket, width, height, calibration) for socket in STEREO_PAIR]
            made = None
            if any(v is not None for v in views):
                k_new = calibration.getCameraIntrinsics(CameraBoardSocket.CAM_C, width, height)
                as_is = LensView(k_new, [], [[1, 0, 0], [0, 1, 0], [0, 0, 1]], k_new)   # a camera that needs nothing
                fill = max(0, int(self.properties.get("rectifyEdgeFillColor", 0) or 0))
                made = tuple(ops.Rectification(*v[:4], shape, fill=fill, fisheye=v.fisheye)
                             for v in (view or as_is for view in views))
            self._rectifications[shape] = made
        return self._rectifications[shape]

    def _mesh_rectification(self, shape):
        """(left's, right's) Rectification from the meshes given with loadMeshData/loadMeshFiles."""
        mesh = self.properties["mesh"]
        fill = max(0, int(self.properties.get("rectifyEdgeFillColor", 0) or 0))
        made = []
        for side in ("Left", "Right"):
            data = self.ctx.assets.get(mesh[f"mesh{side}Uri"].split(":", 1)[-1])
            try:
                x, y = ops.mesh_maps(data or b"", shape, mesh["stepWidth"], mesh["stepHeight"])
            except ValueError as e:
                raise ValueError(f"{self.label}: the {side.lower()} mesh {e} — make the mesh for the frames' "
                                 f"size and setMeshStep") from None
            made.append(ops.Rectification.from_maps(x, y, fill))
        return tuple(made)

    def _geometry(self, calibration, matcher, shape) -> tuple[float, float]:
        """(focal length in pixels at the frames' size, baseline in millimetres). Rectified pictures
        both have the right camera's intrinsics, as gen2 rectifies them."""
        props = self.properties
        height, width = shape
        if props.get("focalLength"):
            focal = float(props["focalLength"])
        else:
            rectified = self._rectification(calibration, shape) is not None
            socket = self._pair[0] if matcher.left_reference and not rectified else self._pair[1]
            focal = calibration.getCameraIntrinsics(socket, width, height)[0][0]
        baseline_cm = props.get("baseline") or calibration.getBaselineDistance(self._pair[1], self._pair[0])
        return focal, float(baseline_cm) * 10.0

    def _alignment(self, calibration, matcher, raw, shape):
        """(the Alignment that moves maps from the reference camera to the aligned view, the instance
        number of the aligned frames), or (None, None) when the depth stays on the reference camera:
        gen2's setDepthAlign to a camera socket (CAM_A: the colour camera) or to CENTER (a camera
        half-way between the pair, with the reference camera's intrinsics)."""
        props = self.properties
        socket = props.get("depthAlignCamera", -1)
        center = raw.algorithmControl.depthAlign == AlgorithmControl.DepthAlign.CENTER
        to_camera = socket not in (-1, *map(int, self._pair))
        if not (to_camera or center):
            return None, None
        key = (shape, self._pair, matcher.left_reference, socket if to_camera else "center")
        if key not in self._alignments:
            self._alignments[key] = self._make_alignment(calibration, matcher, shape, socket if to_camera else None)
        return self._alignments[key]

    def _make_alignment(self, calibration, matcher, shape, socket):
        import numpy as np
        props = self.properties
        height, width = shape
        ref = self._pair[0] if matcher.left_reference else self._pair[1]
        rectified = self._rectification(calibration, shape) is not None
        k_ref = calibration.getCameraIntrinsics(self._pair[1] if rectified else ref, width, height)
        if props.get("focalLength"):
            k_ref[0][0] = k_ref[1][1] = float(props["focalLength"])
        if socket is None:   # CENTER: half the baseline towards the other camera
            _, baseline_mm = self._geometry(calibration, matcher, shape)
            size = (props.get("outWidth") or width, props.get("outHeight") or height)
            k_dst = [[k_ref[0][0] * size[0] / width, 0, k_ref[0][2] * size[0] / width],
                     [0, k_ref[1][1] * size[1] / height, k_ref[1][2] * size[1] / height], [0, 0, 1]]
            shift = baseline_mm / 2 if not matcher.left_reference else -baseline_mm / 2
            alignment = ops.Alignment(k_ref, k_dst, np.eye(3), (shift, 0, 0), shape, (size[1], size[0]))
            return alignment, int(ref)
        target = CameraBoardSocket(socket)
        try:
            calibration.getCameraIntrinsics(target)
        except RuntimeError as e:
            raise ValueError(f"{self.label}: depth aligned to {target.name}, but {e} — give a calibration with "
                             f"that camera, or align to RECTIFIED_RIGHT") from None
        if props.get("outWidth") and props.get("outHeight"):
            size = (props["outWidth"], props["outHeight"])
        elif props.get("alignedCameraSize"):
            size = tuple(props["alignedCameraSize"])
        else:
            size = tuple(calibration.getDefaultIntrinsics(target)[1:])
        spec = props.get("depthAlignmentUseSpecTranslation")
        extrinsics = np.array(calibration.getCameraExtrinsics(ref, target, True if spec is None else spec))
        try:
            rect = np.array(calibration.getStereoLeftRectificationRotation() if matcher.left_reference
                            else calibration.getStereoRightRectificationRotation())
        except RuntimeError:
            rect = np.eye(3)
        rotation = extrinsics[:3, :3] @ rect.T   # rectified reference → its own axes → the target's
        k_dst = calibration.getCameraIntrinsics(target, size[0], size[1])
        alignment = ops.Alignment(k_ref, k_dst, rotation, extrinsics[:3, 3] * 10.0, shape, (size[1], size[0]))
        return alignment, int(target)

    @staticmethod
    def _frame(picture, kind, like: ImgFrame, instance=None) -> ImgFrame:
        frame = ImgFrame()
        frame.setWidth(picture.shape[1]).setHeight(picture.shape[0]).setType(kind)
        frame._data = picture.reshape(-1).view("uint8")
        frame.setInstanceNum(like.getInstanceNum() if instance is None else instance)
        return frame._keep_time_of(like)
