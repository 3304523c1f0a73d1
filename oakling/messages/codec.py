"""The wire codec: a message ⇄ (datatype id, metadata, payload).

The metadata is a compact list of plain values (msgpack-able); the payload is the message's own `_data`, passed
through without a copy in both directions. Every field of every message type survives the round trip exactly.

    dt, meta, payload = encode(frame)
    same = decode(dt, msgpack.unpackb(msgpack.packb(meta)), payload)

Other modules can teach the codec more message classes with `register(cls, to_meta, from_meta)`.
"""
import numpy as np

from .benchmarkreport import BenchmarkReport
from .buffer import Buffer
from .cameracontrol import (AntiBandingMode, AutoFocusMode, AutoWhiteBalanceMode, CameraControl, CaptureIntent,
                            ControlMode, EffectMode, FrameSyncMode, SceneMode)
from .detections import ImgDetection, ImgDetections
from .edgedetectorconfig import EdgeDetectorConfig
from .enums import Colormap, Interpolation
from .geometry import Point2f, Point3f, Rect, RotatedRect, Size2f
from .imagealignconfig import ImageAlignConfig
from .imagemanipconfig import CropConfig, CropRect, FormatConfig, ImageManipConfig, ResizeConfig
from .imgframe import ImgFrame
from .messagegroup import MessageGroup
from .nndata import NNData, TensorInfo
from .spatialimgdetections import SpatialImgDetection, SpatialImgDetections
from .spatiallocationcalculator import (SpatialLocationCalculatorAlgorithm, SpatialLocationCalculatorConfig,
                                        SpatialLocationCalculatorConfigData, SpatialLocationCalculatorData,
                                        SpatialLocations)
from .systeminformation import ChipTemperature, CpuUsage, MemoryInfo, SystemInformation

_U8 = np.dtype(np.uint8)
_ENCODERS = {}   # datatype id -> to_meta(msg)
_DECODERS = {}   # datatype id -> (cls, from_meta(msg, meta))
_PAYLOADS = {}   # datatype id -> to_payload(msg), for the few messages whose payload is not their _data


def register(cls, to_meta, from_meta, to_payload=None):
    """Make `cls` (a Buffer subclass with its own DATATYPE) encodable.

    `to_meta(msg)` returns plain msgpack-able metadata; `from_meta(msg, meta)` fills a bare instance
    (made with `cls.__new__`, `_data` already set) from it, including `_seq`, `_ts_ns` and `_ts_dev_ns`.
    `to_payload(msg)`, if given, makes the payload (a 1-D uint8 array) instead of `msg._data`."""
    dt = int(cls.DATATYPE)
    _ENCODERS[dt] = to_meta
    _DECODERS[dt] = (cls, from_meta)
    if to_payload is not None:
        _PAYLOADS[dt] = to_payload


def encode(msg) -> tuple:
    """(datatype id, metadata, payload). metadata holds only msgpack-able values (None, bool, int, float, str, bytes,
    lists, dicts with str keys); payload is a 1-D contiguous uint8 array, normally the message's own _data (no copy)."""
    try:
        dt = int(msg.DATATYPE)
        to_meta = _ENCODERS[dt]
    except (AttributeError, KeyError):
        raise ValueError(f"codec.encode: no wire format for {type(msg).__name__} "
                         f"(datatype {getattr(msg, 'DATATYPE', None)!r}); expected one of "
                         f"{sorted(c.__name__ for c, _ in _DECODERS.values())}") from None
    to_payload = _PAYLOADS.get(dt)
    return dt, to_meta(msg), msg._data if to_payload is None else to_payload(msg)


def decode(datatype: int, meta, payload: np.ndarray):
    """The inverse: a message of the right class whose _data IS payload (adopted, no copy)."""
    try:
        cls, from_meta = _DECODERS[datatype]
    except (KeyError, TypeError):
        raise ValueError(f"codec.decode: unknown datatype {datatype!r}; known: {sorted(_DECODERS)}") from None
    if payload.dtype != _U8 or payload.ndim != 1:
        raise ValueError(f"codec.decode: payload must be a 1-D uint8 array, "
                         f"got {payload.dtype} of shape {payload.shape}")
    msg = cls.__new__(cls)
    msg._data = payload
    from_meta(msg, meta)
    return msg


# Buffer: [seq, ts, tsDevice]
def _buffer_meta(m):
    return [m._seq, m._ts_ns, m._ts_dev_ns]


def _buffer_fill(m, meta):
    m._seq, m._ts_ns, m._ts_dev_ns = meta


# ImgFrame: [seq, ts, tsDevice, type, width, height, stride, bytesPP, p1, p2, p3, category, instanceNum,
#            exposureUs, sensitivityIso, lensPosition, wbColorTemp, lensPositionRaw, view (9 floats or None;
#            absent in older recordings)]
_IMG_TYPES = {int(t): t for t in ImgFrame.Type}


def _imgframe_meta(m):
    return [m._seq, m._ts_ns, m._ts_dev_ns, int(m._type), m._width, m._height, m._stride, m._bytes_pp,
            m._p1_offset, m._p2_offset, m._p3_offset, m._category, m._instance_num,
            m._exposure_us, m._sensitivity_iso, m._lens_position, m._wb_color_temp, float(m._lens_position_raw),
            m._view]


def _imgframe_fill(m, meta):
    m._view = list(meta[18]) if len(meta) > 18 and meta[18] is not None else None
    (m._seq, m._ts_ns, m._ts_dev_ns, t, m._width, m._height, m._stride, m._bytes_pp,
     m._p1_offset, m._p2_offset, m._p3_offset, m._category, m._instance_num,
     m._exposure_us, m._sensitivity_iso, m._lens_position, m._wb_color_temp, m._lens_position_raw) = meta[:18]
    m._type = _IMG_TYPES[t]


# NNData: [seq, ts, tsDevice, [[order, dataType, numDimensions, dims, strides, name, offset], ...]]
_ORDERS = {int(o): o for o in TensorInfo.StorageOrder}
_DTYPES = {int(d): d for d in TensorInfo.DataType}


def _nndata_meta(m):
    return [m._seq, m._ts_ns, m._ts_dev_ns,
            [[int(t.order), int(t.dataType), int(t.numDimensions), [int(d) for d in t.dims],
              [int(s) for s in t.strides], t.name, int(t.offset)] for t in m._tensors]]


def _nndata_fill(m, meta):
    m._seq, m._ts_ns, m._ts_dev_ns, tensors = meta
    m._tensors = out = []
    for order, dtype, ndim, dims, strides, name, offset in tensors:
        t = TensorInfo.__new__(TensorInfo)
        t.order, t.dataType, t.numDimensions = _ORDERS[order], _DTYPES[dtype], ndim
        t.dims, t.strides, t.name, t.offset = list(dims), list(strides), name, offset
        out.append(t)


# ImgDetections: [seq, ts, tsDevice, [[label, confidence, xmin, ymin, xmax, ymax], ...]]
def _detections_meta(m):
    return [m._seq, m._ts_ns, m._ts_dev_ns,
            [[int(d.label), float(d.confidence), float(d.xmin), float(d.ymin), float(d.xmax), float(d.ymax)]
             for d in m._detections]]


def _detections_fill(m, meta):
    m._seq, m._ts_ns, m._ts_dev_ns, dets = meta
    new = ImgDetection.__new__
    m._detections = out = []
    for label, conf, xmin, ymin, xmax, ymax in dets:
        d = new(ImgDetection)
        d.label, d.confidence, d.xmin, d.ymin, d.xmax, d.ymax = label, conf, xmin, ymin, xmax, ymax
        out.append(d)


# ImageManipConfig: [seq, ts, tsDevice, crop, resize, format, enableCrop, enableResize, enableFormat,
#                    reusePreviousImage, skipCurrentImage, interpolation]
def _rr_meta(rr):
    return [float(rr.center.x), float(rr.center.y), float(rr.size.width), float(rr.size.height), float(rr.angle)]


def _rr_make(v):
    return RotatedRect(Point2f(v[0], v[1]), Size2f(v[2], v[3]), v[4])


def _manip_meta(m):
    c, r, f = m.cropConfig, m.resizeConfig, m.formatConfig
    rect = c.cropRect
    crop = [float(rect.xmin), float(rect.ymin), float(rect.xmax), float(rect.ymax), _rr_meta(c.cropRotatedRect),
            bool(c.enableCenterCropRectangle), float(c.cropRatio), float(c.widthHeightAspectRatio),
            bool(c.enableRotatedRect), bool(c.normalizedCoords)]
    resize = [int(r.width), int(r.height), bool(r.lockAspectRatioFill), int(r.bgRed), int(r.bgGreen), int(r.bgBlue),
              [[float(p.x), float(p.y)] for p in r.warpFourPoints], bool(r.normalizedCoords), bool(r.enableWarp4pt),
              [float(v) for v in r.warpMatrix3x3], bool(r.enableWarpMatrix), bool(r.warpBorderReplicate),
              float(r.rotationAngleDeg), bool(r.enableRotation), bool(r.keepAspectRatio)]
    fmt = [int(f.type), bool(f.flipHorizontal), bool(f.flipVertical), int(f.colormap), int(f.colormapMin),
           int(f.colormapMax)]
    return [m._seq, m._ts_ns, m._ts_dev_ns, crop, resize, fmt, bool(m.enableCrop), bool(m.enableResize),
            bool(m.enableFormat), bool(m.reusePreviousImage), bool(m.skipCurrentImage), int(m.interpolation)]


def _manip_fill(m, meta):
    (m._seq, m._ts_ns, m._ts_dev_ns, crop, resize, fmt, m.enableCrop, m.enableResize, m.enableFormat,
     m.reusePreviousImage, m.skipCurrentImage, interpolation) = meta
    m.interpolation = Interpolation(interpolation)
    c = m.cropConfig = CropConfig()
    rect = c.cropRect = CropRect()
    (rect.xmin, rect.ymin, rect.xmax, rect.ymax, rr, c.enableCenterCropRectangle, c.cropRatio,
     c.widthHeightAspectRatio, c.enableRotatedRect, c.normalizedCoords) = crop
    c.cropRotatedRect = _rr_make(rr)
    r = m.resizeConfig = ResizeConfig()
    (r.width, r.height, r.lockAspectRatioFill, r.bgRed, r.bgGreen, r.bgBlue, pts, r.normalizedCoords,
     r.enableWarp4pt, mat, r.enableWarpMatrix, r.warpBorderReplicate, r.rotationAngleDeg, r.enableRotation,
     r.keepAspectRatio) = resize
    r.warpFourPoints = [Point2f(x, y) for x, y in pts]
    r.warpMatrix3x3 = list(mat)
    f = m.formatConfig = FormatConfig()
    t, f.flipHorizontal, f.flipVertical, cmap, f.colormapMin, f.colormapMax = fmt
    f.type, f.colormap = _IMG_TYPES[t], Colormap(cmap)


# CameraControl: [seq, ts, tsDevice, cmdMask, autoFocusMode, lensPosition, lensPositionRaw, lensPosAutoInfinity,
#   lensPosAutoMacro, expManual[3], aeRegion[5], afRegion[5], awbMode, sceneMode, antiBandingMode, aeLockMode,
#   awbLockMode, captureIntent, controlMode, effectMode, frameSyncMode, strobeConfig[3], strobeTimings[3],
#   aeMaxExposureTimeUs, expCompensation, brightness, contrast, saturation, sharpness, lumaDenoise, chromaDenoise,
#   wbColorTemp, lowPowerNumFramesBurst, lowPowerNumFramesDiscard, miscControls[[control, value], ...]]
def _region_meta(r):
    return [int(r.x), int(r.y), int(r.width), int(r.height), int(r.priority)]


def _region_fill(r, v):
    r.x, r.y, r.width, r.height, r.priority = v


def _control_meta(m):
    e, sc, st = m.expManual, m.strobeConfig, m.strobeTimings
    return [m._seq, m._ts_ns, m._ts_dev_ns, int(m.cmdMask), int(m.autoFocusMode), int(m.lensPosition),
            float(m.lensPositionRaw), int(m.lensPosAutoInfinity), int(m.lensPosAutoMacro),
            [int(e.exposureTimeUs), int(e.sensitivityIso), int(e.frameDurationUs)],
            _region_meta(m.aeRegion), _region_meta(m.afRegion), int(m.awbMode), int(m.sceneMode),
            int(m.antiBandingMode), bool(m.aeLockMode), bool(m.awbLockMode), int(m.captureIntent),
            int(m.controlMode), int(m.effectMode), int(m.frameSyncMode),
            [int(sc.enable), int(sc.activeLevel), int(sc.gpioNumber)],
            [int(st.exposureBeginOffsetUs), int(st.exposureEndOffsetUs), int(st.durationUs)],
            int(m.aeMaxExposureTimeUs), int(m.expCompensation), int(m.brightness), int(m.contrast),
            int(m.saturation), int(m.sharpness), int(m.lumaDenoise), int(m.chromaDenoise), int(m.wbColorTemp),
            int(m.lowPowerNumFramesBurst), int(m.lowPowerNumFramesDiscard),
            [[str(k), str(v)] for k, v in m.miscControls]]


def _control_fill(m, meta):
    payload = m._data
    CameraControl.__init__(m)  # the nested structs, every field overwritten below
    m._data = payload
    (m._seq, m._ts_ns, m._ts_dev_ns, m.cmdMask, af, m.lensPosition, m.lensPositionRaw, m.lensPosAutoInfinity,
     m.lensPosAutoMacro, exp, ae_region, af_region, awb, scene, antibanding, m.aeLockMode, m.awbLockMode, intent,
     mode, effect, sync, strobe_cfg, strobe_timings, m.aeMaxExposureTimeUs, m.expCompensation, m.brightness,
     m.contrast, m.saturation, m.sharpness, m.lumaDenoise, m.chromaDenoise, m.wbColorTemp,
     m.lowPowerNumFramesBurst, m.lowPowerNumFramesDiscard, misc) = meta
    m.autoFocusMode, m.awbMode, m.sceneMode = AutoFocusMode(af), AutoWhiteBalanceMode(awb), SceneMode(scene)
    m.antiBandingMode, m.captureIntent = AntiBandingMode(antibanding), CaptureIntent(intent)
    m.controlMode, m.effectMode, m.frameSyncMode = ControlMode(mode), EffectMode(effect), FrameSyncMode(sync)
    e = m.expManual
    e.exposureTimeUs, e.sensitivityIso, e.frameDurationUs = exp
    _region_fill(m.aeRegion, ae_region)
    _region_fill(m.afRegion, af_region)
    m.strobeConfig.enable, m.strobeConfig.activeLevel, m.strobeConfig.gpioNumber = strobe_cfg
    st = m.strobeTimings
    st.exposureBeginOffsetUs, st.exposureEndOffsetUs, st.durationUs = strobe_timings
    m.miscControls = [(k, v) for k, v in misc]


register(Buffer, _buffer_meta, _buffer_fill)
register(ImgFrame, _imgframe_meta, _imgframe_fill)
register(NNData, _nndata_meta, _nndata_fill)
register(ImgDetections, _detections_meta, _detections_fill)
register(ImageManipConfig, _manip_meta, _manip_fill)
register(CameraControl, _control_meta, _control_fill)


# MessageGroup: [seq, ts, tsDevice, [[name, datatype, metadata, offset, size], ...]]; the payload is the
# members' payloads one after another, and each decoded member's payload is a view of its part (no copy).
def _group_parts(m):
    return [(name, *encode(msg)) for name, msg in m._group.items()]


def _group_meta(m):
    members, offset = [], 0
    for name, dt, meta, payload in _group_parts(m):
        members.append([name, dt, meta, offset, int(payload.size)])
        offset += int(payload.size)
    return [m._seq, m._ts_ns, m._ts_dev_ns, members]


def _group_payload(m):
    parts = [payload for _, _, _, payload in _group_parts(m)]
    return np.concatenate(parts) if parts else np.empty(0, _U8)


def _group_fill(m, meta):
    payload = m._data
    m._seq, m._ts_ns, m._ts_dev_ns, members = meta
    m._data = np.empty(0, _U8)
    m._group = {name: decode(dt, member_meta, payload[offset:offset + size])
                for name, dt, member_meta, offset, size in members}


register(MessageGroup, _group_meta, _group_fill, _group_payload)


# EdgeDetectorConfig: [seq, ts, tsDevice, horizontal kernel rows, vertical kernel rows]
def _edge_meta(m):
    c = m._config
    return [m._seq, m._ts_ns, m._ts_dev_ns, [list(map(int, row)) for row in c.sobelFilterHorizontalKernel],
            [list(map(int, row)) for row in c.sobelFilterVerticalKernel]]


def _edge_fill(m, meta):
    payload = m._data
    EdgeDetectorConfig.__init__(m)
    m._data = payload
    m._seq, m._ts_ns, m._ts_dev_ns, h, v = meta
    m._config.sobelFilterHorizontalKernel, m._config.sobelFilterVerticalKernel = h, v


register(EdgeDetectorConfig, _edge_meta, _edge_fill)


# SystemInformation: [seq, ts, tsDevice, [ddr, cmx, leonCss, leonMss memory: [remaining, used, total]],
#                     [leonCss, leonMss cpu: [average, msTime]], [css, mss, upa, dss, average]]
def _sysinfo_meta(m):
    return [m._seq, m._ts_ns, m._ts_dev_ns, [getattr(m, n)._fields() for n in SystemInformation.MEMORY_FIELDS],
            [getattr(m, n)._fields() for n in SystemInformation.CPU_FIELDS], m.chipTemperature._fields()]


def _sysinfo_fill(m, meta):
    m._seq, m._ts_ns, m._ts_dev_ns, memory, cpu, temperature = meta
    for name, fields in zip(SystemInformation.MEMORY_FIELDS, memory):
        setattr(m, name, MemoryInfo(*fields))
    for name, fields in zip(SystemInformation.CPU_FIELDS, cpu):
        setattr(m, name, CpuUsage(*fields))
    m.chipTemperature = ChipTemperature(*temperature)


register(SystemInformation, _sysinfo_meta, _sysinfo_fill)


# ImageAlignConfig: [seq, ts, tsDevice, staticDepthPlane]
def _align_meta(m):
    return [m._seq, m._ts_ns, m._ts_dev_ns, int(m._static_depth_plane)]


def _align_fill(m, meta):
    m._seq, m._ts_ns, m._ts_dev_ns, m._static_depth_plane = meta


register(ImageAlignConfig, _align_meta, _align_fill)


# Spatial messages. A region: [[x, y, width, height], lowerThreshold, upperThreshold, algorithm, stepSize]
def _region_data_meta(c):
    r = c.roi
    return [[float(r.x), float(r.y), float(r.width), float(r.height)], int(c.depthThresholds.lowerThreshold),
            int(c.depthThresholds.upperThreshold), int(c.calculationAlgorithm), int(c.stepSize)]


def _region_data_make(v):
    c = SpatialLocationCalculatorConfigData()
    c.roi = Rect(*v[0])
    c.depthThresholds.lowerThreshold, c.depthThresholds.upperThreshold = v[1], v[2]
    c.calculationAlgorithm, c.stepSize = SpatialLocationCalculatorAlgorithm(v[3]), v[4]
    return c


# SpatialLocationCalculatorConfig: [seq, ts, tsDevice, [region, ...]]
def _slc_config_meta(m):
    return [m._seq, m._ts_ns, m._ts_dev_ns, [_region_data_meta(c) for c in m._config]]


def _slc_config_fill(m, meta):
    m._seq, m._ts_ns, m._ts_dev_ns, regions = meta
    m._config = [_region_data_make(v) for v in regions]


# SpatialLocationCalculatorData: [seq, ts, tsDevice, [[region, average, mode, median, min, max, count, [x, y, z]], ...]]
def _slc_data_meta(m):
    return [m._seq, m._ts_ns, m._ts_dev_ns,
            [[_region_data_meta(s.config), float(s.depthAverage), float(s.depthMode), float(s.depthMedian),
              int(s.depthMin), int(s.depthMax), int(s.depthAveragePixelCount),
              [float(s.spatialCoordinates.x), float(s.spatialCoordinates.y), float(s.spatialCoordinates.z)]]
             for s in m._locations]]


def _slc_data_fill(m, meta):
    m._seq, m._ts_ns, m._ts_dev_ns, locations = meta
    m._locations = out = []
    for region, avg, mode, median, lo, hi, count, xyz in locations:
        s = SpatialLocations()
        s.config = _region_data_make(region)
        s.depthAverage, s.depthMode, s.depthMedian, s.depthMin, s.depthMax = avg, mode, median, lo, hi
        s.depthAveragePixelCount, s.spatialCoordinates = count, Point3f(*xyz)
        out.append(s)


# SpatialImgDetections: [seq, ts, tsDevice, [[label, confidence, xmin, ymin, xmax, ymax, [x, y, z], region], ...]]
def _spatial_detections_meta(m):
    return [m._seq, m._ts_ns, m._ts_dev_ns,
            [[int(d.label), float(d.confidence), float(d.xmin), float(d.ymin), float(d.xmax), float(d.ymax),
              [float(d.spatialCoordinates.x), float(d.spatialCoordinates.y), float(d.spatialCoordinates.z)],
              _region_data_meta(d.boundingBoxMapping)] for d in m._detections]]


def _spatial_detections_fill(m, meta):
    m._seq, m._ts_ns, m._ts_dev_ns, dets = meta
    m._detections = out = []
    for label, conf, xmin, ymin, xmax, ymax, xyz, region in dets:
        d = SpatialImgDetection.__new__(SpatialImgDetection)
        d.label, d.confidence, d.xmin, d.ymin, d.xmax, d.ymax = label, conf, xmin, ymin, xmax, ymax
        d.spatialCoordinates, d.boundingBoxMapping = Point3f(*xyz), _region_data_make(region)
        out.append(d)


register(SpatialLocationCalculatorConfig, _slc_config_meta, _slc_config_fill)
register(SpatialLocationCalculatorData, _slc_data_meta, _slc_data_fill)
register(SpatialImgDetections, _spatial_detections_meta, _spatial_detections_fill)


# BenchmarkReport: [seq, ts, tsDevice, fps, timeTotal, numMessagesReceived, averageLatency, [latency, ...]]
def _benchmark_meta(m):
    return [m._seq, m._ts_ns, m._ts_dev_ns, float(m.fps), float(m.timeTotal), int(m.numMessagesReceived),
            float(m.averageLatency), [float(v) for v in m.latencies]]


def _benchmark_fill(m, meta):
    m._seq, m._ts_ns, m._ts_dev_ns, m.fps, m.timeTotal, m.numMessagesReceived, m.averageLatency, latencies = meta
    m.latencies = list(latencies)


register(BenchmarkReport, _benchmark_meta, _benchmark_fill)
