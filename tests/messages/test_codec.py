"""The wire codec: every field of every message survives encode → msgpack → decode; payloads are adopted, not copied."""
import enum
import time
from datetime import timedelta

import msgpack
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from oakling.messages import (Buffer, CameraControl, Colormap, DatatypeEnum, ImageManipConfig, ImgDetection,
                              ImgDetections, ImgFrame, Interpolation, NNData, Point2f, RotatedRect, Size2f)
from oakling.messages import codec

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def wire(msg):
    """encode → msgpack (plain types only) → decode, as the link does."""
    datatype, meta, payload = codec.encode(msg)
    assert type(datatype) is int and datatype == int(msg.DATATYPE)
    assert payload is msg._data
    packed = msgpack.packb(meta, use_bin_type=True, strict_types=True)  # rejects enums, tuples, NumPy scalars
    out = codec.decode(datatype, msgpack.unpackb(packed, raw=False), payload)
    assert type(out) is type(msg) and out._data is payload
    return out


def snapshot(obj):
    """Every piece of state, with its type, so a dropped field or a changed type shows up."""
    if isinstance(obj, enum.Enum):
        return (type(obj).__qualname__, obj.name)
    if isinstance(obj, np.ndarray):
        return ("ndarray", obj.dtype.str, obj.shape, obj.tobytes())
    if isinstance(obj, (list, tuple)):
        return [snapshot(x) for x in obj]
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return (type(obj).__name__, obj)
    state = dict(getattr(obj, "__dict__", {}))
    for cls in type(obj).__mro__:
        for name in getattr(cls, "__slots__", ()):
            state[name] = getattr(obj, name)
    return (type(obj).__name__, {k: snapshot(v) for k, v in sorted(state.items())})


BASE_GETTERS = ("getSequenceNum", "getTimestamp", "getTimestampDevice")


def getters(msg):
    """What user code can read through the public API."""
    out = {name: getattr(msg, name)() for name in BASE_GETTERS}
    out["data"] = msg.getData().tobytes()
    if isinstance(msg, ImgFrame):
        for name in ("getWidth", "getHeight", "getType", "getStride", "getInstanceNum", "getCategory",
                     "getExposureTime", "getSensitivity", "getColorTemperature", "getLensPosition",
                     "getLensPositionRaw"):
            out[name] = getattr(msg, name)()
    if isinstance(msg, NNData):
        out["names"] = msg.getAllLayerNames()
        for t in msg.getAllLayers():
            out[t.name] = (t.order, t.dataType, t.numDimensions, t.dims, t.strides, t.offset,
                           msg.getLayerFp16(t.name), msg.getLayerUInt8(t.name), msg.getLayerInt32(t.name),
                           msg.getTensor(t.name).tolist(), msg.getTensor(t.name).dtype)
    if isinstance(msg, ImgDetections):
        out["detections"] = [(d.label, d.confidence, d.xmin, d.ymin, d.xmax, d.ymax) for d in msg.detections]
    if isinstance(msg, ImageManipConfig):
        for name in ("getCropXMin", "getCropYMin", "getCropXMax", "getCropYMax", "getResizeWidth",
                     "getResizeHeight", "isResizeThumbnail", "getColormap", "getInterpolation"):
            out[name] = getattr(msg, name)()
    if isinstance(msg, CameraControl):
        for name in ("getCaptureStill", "getExposureTime", "getSensitivity", "getLensPosition",
                     "getLensPositionRaw", "getMiscControls"):
            out[name] = getattr(msg, name)()
    return out


def assert_round_trip(msg):
    out = wire(msg)
    assert getters(out) == getters(msg)
    assert snapshot(out) == snapshot(msg)
    return out


# strategies
i64 = st.integers(-2**63, 2**63 - 1)
u32 = st.integers(0, 2**32 - 1)
i32 = st.integers(-2**31, 2**31 - 1)
ns = st.integers(0, 2**63 - 1)
finite = st.floats(allow_nan=False)
small = st.floats(-4, 4, allow_nan=False)


def with_base(msg, seq, ts, ts_dev, data):
    msg.setSequenceNum(seq)
    msg._ts_ns, msg._ts_dev_ns = ts, ts_dev
    if data is not None:
        msg.setData(data)
    return msg


base = st.tuples(i64, ns, ns, st.none() | st.binary(max_size=40))


@SETTINGS
@given(base)
def test_buffer_round_trip(b):
    assert_round_trip(with_base(Buffer(), *b))


@SETTINGS
@given(base, st.sampled_from(list(ImgFrame.Type)), u32, u32, u32, u32, u32, u32, u32, u32,
       i32, i32, i32, i32, finite)
def test_imgframe_round_trip(b, type_, w, h, stride, inst, cat, p1, p2, p3, exp, iso, lens, wb, lens_raw):
    f = with_base(ImgFrame(), *b).setType(type_).setSize(w, h).setStride(stride).setInstanceNum(inst)
    f.setCategory(cat)._set_camera_settings(exp, iso, lens, wb, lens_raw)
    f._p1_offset, f._p2_offset, f._p3_offset = p1, p2, p3
    out = assert_round_trip(f)
    assert out._bytes_pp == f._bytes_pp and out.getType() is type_


def test_imgframe_view_round_trip_and_older_metadata_without_it():
    from oakling.messages.codec import _imgframe_fill, _imgframe_meta
    f = ImgFrame().setType(ImgFrame.Type.GRAY8).setSize(4, 2)
    assert wire(f)._view is None
    f._view = [0.5, 0, 0.25, 0, 0.5, 0.5, 0, 0, 1]
    assert wire(f)._view == f._view
    older = ImgFrame()
    _imgframe_fill(older, _imgframe_meta(f)[:18])   # a recording made before frames carried their view
    assert older._view is None and older.getWidth() == 4


def test_imgframe_pixels_round_trip():
    bgr = np.random.default_rng(0).integers(0, 256, (8, 10, 3), dtype=np.uint8)
    out = assert_round_trip(ImgFrame().setCvFrame(bgr, ImgFrame.Type.NV12))
    np.testing.assert_array_equal(out.getFrame(), ImgFrame().setCvFrame(bgr, ImgFrame.Type.NV12).getFrame())


names = st.text(max_size=6)
tensors = st.tuples(
    hnp.arrays(np.int16, hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4),
               elements=st.integers(-100, 100)),
    st.sampled_from([np.float16, np.float32, np.float64, np.uint8, np.int8, np.int32, np.int64]),
).map(lambda a_dtype: a_dtype[0].astype(a_dtype[1]))
nn_ops = st.lists(st.one_of(
    st.tuples(st.just("setLayer"), names, st.lists(st.integers(0, 255), max_size=8)),
    st.tuples(st.just("setLayer"), names, st.lists(small, min_size=1, max_size=8)),
    st.tuples(st.just("addTensor"), names, tensors),
), max_size=5)


@SETTINGS
@given(base, nn_ops)
def test_nndata_round_trip(b, ops):
    nn = with_base(NNData(), *b[:3], None)
    for method, name, value in ops:
        getattr(nn, method)(name, value)
    out = assert_round_trip(nn)
    for method, name, value in ops:
        if method == "addTensor" and nn.getAllLayerNames().count(name):
            assert out.getTensor(name).shape == nn.getTensor(name).shape


detections = st.lists(st.builds(ImgDetection, label=u32, confidence=finite, xmin=finite, ymin=finite, xmax=finite,
                                ymax=finite), max_size=6)


@SETTINGS
@given(base, detections)
def test_imgdetections_round_trip(b, dets):
    msg = with_base(ImgDetections(), *b)
    msg.detections = dets
    assert_round_trip(msg)


def _rr(cx, cy, w, h, a):
    return RotatedRect(Point2f(cx, cy), Size2f(w, h), a)


points = st.lists(st.builds(Point2f, small, small), max_size=5)
manip_calls = st.lists(st.one_of(
    st.tuples(st.just("setCropRect"), st.tuples(small, small, small, small)),
    st.tuples(st.just("setCropRotatedRect"), st.tuples(st.builds(_rr, small, small, small, small, finite),
                                                       st.booleans())),
    st.tuples(st.just("setCenterCrop"), st.tuples(small, small)),
    st.tuples(st.just("setResize"), st.tuples(i32, i32)),
    st.tuples(st.just("setResizeThumbnail"), st.tuples(i32, i32, i32, i32, i32)),
    st.tuples(st.just("setKeepAspectRatio"), st.tuples(st.booleans())),
    st.tuples(st.just("setFrameType"), st.tuples(st.sampled_from(list(ImgFrame.Type)))),
    st.tuples(st.just("setRotationDegrees"), st.tuples(finite)),
    st.tuples(st.just("setHorizontalFlip"), st.tuples(st.booleans())),
    st.tuples(st.just("setVerticalFlip"), st.tuples(st.booleans())),
    st.tuples(st.just("setWarpTransformFourPoints"), st.tuples(points, st.booleans())),
    st.tuples(st.just("setWarpTransformMatrix3x3"), st.tuples(st.lists(small, max_size=9))),
    st.tuples(st.just("setWarpBorderReplicatePixels"), st.just(())),
    st.tuples(st.just("setWarpBorderFillColor"), st.tuples(i32, i32, i32)),
    st.tuples(st.just("setReusePreviousImage"), st.tuples(st.booleans())),
    st.tuples(st.just("setSkipCurrentImage"), st.tuples(st.booleans())),
    st.tuples(st.just("setColormap"), st.tuples(st.sampled_from(list(Colormap)), st.integers(0, 255),
                                                st.integers(0, 255))),
    st.tuples(st.just("setInterpolation"), st.tuples(st.sampled_from(list(Interpolation)))),
), max_size=8)


@SETTINGS
@given(base, manip_calls)
def test_imagemanipconfig_round_trip(b, calls):
    cfg = with_base(ImageManipConfig(), *b)
    for method, args in calls:
        getattr(cfg, method)(*args)
    assert_round_trip(cfg)


CC = CameraControl
control_calls = st.lists(st.one_of(
    st.tuples(st.sampled_from(["setCaptureStill", "setAutoExposureLock", "setAutoWhiteBalanceLock"]),
              st.tuples(st.booleans())),
    st.tuples(st.sampled_from(["setStartStreaming", "setStopStreaming", "setAutoFocusTrigger",
                               "setAutoExposureEnable", "setStrobeDisable"]), st.just(())),
    st.tuples(st.sampled_from(["setBrightness", "setContrast", "setSaturation", "setSharpness", "setLumaDenoise",
                               "setChromaDenoise", "setAutoExposureCompensation", "setManualWhiteBalance",
                               "setStrobeSensor"]), st.tuples(st.integers(-10, 12000))),
    st.tuples(st.just("setManualFocus"), st.tuples(st.integers(0, 255))),
    st.tuples(st.just("setManualFocusRaw"), st.tuples(finite)),
    st.tuples(st.just("setAutoFocusLensRange"), st.tuples(st.integers(0, 255), st.integers(0, 255))),
    st.tuples(st.sampled_from(["setAutoFocusRegion", "setAutoExposureRegion"]),
              st.tuples(*[st.integers(0, 65535)] * 4)),
    st.tuples(st.just("setManualExposure"), st.tuples(st.integers(0, 2**32 - 1) | st.builds(
        lambda us: timedelta(microseconds=us), st.integers(0, 10**9)), st.integers(0, 2**32 - 1))),
    st.tuples(st.just("setAutoExposureLimit"), st.tuples(st.integers(0, 2**32 - 1))),
    st.tuples(st.just("setExternalTrigger"), st.tuples(st.integers(0, 255), st.integers(0, 255))),
    st.tuples(st.just("setStrobeExternal"), st.tuples(st.integers(-1, 40), st.integers(0, 1))),
    st.tuples(st.just("setAutoFocusMode"), st.tuples(st.sampled_from(list(CC.AutoFocusMode)))),
    st.tuples(st.just("setAutoWhiteBalanceMode"), st.tuples(st.sampled_from(list(CC.AutoWhiteBalanceMode)))),
    st.tuples(st.just("setAntiBandingMode"), st.tuples(st.sampled_from(list(CC.AntiBandingMode)))),
    st.tuples(st.just("setSceneMode"), st.tuples(st.sampled_from(list(CC.SceneMode)))),
    st.tuples(st.just("setEffectMode"), st.tuples(st.sampled_from(list(CC.EffectMode)))),
    st.tuples(st.just("setControlMode"), st.tuples(st.sampled_from(list(CC.ControlMode)))),
    st.tuples(st.just("setCaptureIntent"), st.tuples(st.sampled_from(list(CC.CaptureIntent)))),
    st.tuples(st.just("setFrameSyncMode"), st.tuples(st.sampled_from(list(CC.FrameSyncMode)))),
    st.tuples(st.just("setMisc"), st.tuples(names, names | st.integers(-5, 5) | small)),
), max_size=10)


@SETTINGS
@given(base, control_calls, i32, i32, i32)
def test_cameracontrol_round_trip(b, calls, t_begin, t_end, t_duration):
    ctrl = with_base(CameraControl(), *b)
    for method, args in calls:
        getattr(ctrl, method)(*args)
    ctrl.strobeTimings.exposureBeginOffsetUs, ctrl.strobeTimings.exposureEndOffsetUs = t_begin, t_end
    ctrl.strobeTimings.durationUs, ctrl.expManual.frameDurationUs = t_duration, t_duration
    assert_round_trip(ctrl)


def test_round_trip_detects_a_dropped_field():
    """The comparison above is not a tautology: a decoded message missing one change must differ."""
    f = ImgFrame().setSize(4, 4)
    f._set_camera_settings(sensitivity_iso=400)
    out = wire(f)
    out._sensitivity_iso = 0
    assert getters(out) != getters(f) and snapshot(out) != snapshot(f)


def test_metadata_is_compact():
    meta = codec.encode(Buffer().setSequenceNum(5))[1]
    assert len(msgpack.packb(meta)) <= 24


def test_small_buffer_costs_microseconds():
    buf = Buffer().setData([1, 2, 3])
    n, best = 20000, float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(n):
            dt, meta, payload = codec.encode(buf)
            codec.decode(dt, meta, payload)
        best = min(best, (time.perf_counter() - start) / n)
    assert best < 10e-6, f"encode+decode of a small Buffer took {best * 1e6:.1f} us"


def test_unknown_datatype_is_named():
    with pytest.raises(ValueError, match="unknown datatype 99"):
        codec.decode(99, [0, 0, 0], np.empty(0, np.uint8))


def test_unencodable_messages_are_named():
    class Unlisted(Buffer):
        DATATYPE = 99          # no gen2 datatype: nothing registers it

    with pytest.raises(ValueError, match="no wire format for Unlisted"):
        codec.encode(Unlisted())
    with pytest.raises(ValueError, match="no wire format for dict"):
        codec.encode({})


def test_payload_must_be_flat_uint8():
    with pytest.raises(ValueError, match="1-D uint8 array, got float32"):
        codec.decode(0, [0, 0, 0], np.zeros(2, np.float32))


def test_register_adds_a_message_class():
    class Reading(Buffer):
        DATATYPE = 99      # a type without a wire format of its own

        def __init__(self):
            super().__init__()
            self.value = 0.0

    def to_meta(m):
        return [m._seq, m._ts_ns, m._ts_dev_ns, m.value]

    def from_meta(m, meta):
        m._seq, m._ts_ns, m._ts_dev_ns, m.value = meta

    key = 99
    codec.register(Reading, to_meta, from_meta)
    try:
        r = Reading()
        r.value = 21.5
        assert wire(r).value == 21.5
    finally:
        for table in (codec._ENCODERS, codec._DECODERS):
            table.pop(key, None)


def test_message_group_members_round_trip():
    from oakling.messages import MessageGroup
    frame = with_base(ImgFrame().setSize(2, 2).setType(ImgFrame.Type.GRAY8), 3, 40, 41, b"\x01\x02\x03\x04")
    nn = with_base(NNData(), 4, 50, 51, None)
    nn.addTensor("t", np.arange(4, dtype=np.float32))
    group = MessageGroup()
    group["f"], group["n"] = frame, nn
    datatype, meta, payload = codec.encode(group)
    out = codec.decode(datatype, msgpack.unpackb(msgpack.packb(meta, use_bin_type=True, strict_types=True)),
                       payload)
    assert out.getMessageNames() == ["f", "n"]
    for name in ("f", "n"):
        assert getters(out[name]) == getters(group[name]) and snapshot(out[name]) == snapshot(group[name])
