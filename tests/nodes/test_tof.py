"""ToF: gen2's ports, properties and config; phase unwrapping and the corrections worked against known
distances; and devices whose Camera on CAM_A is a ToF sensor looking at the synthetic scene."""
import numpy as np
import pytest

import oakling as dai
from oakling.nodes.tof import circular_mean, decode, sensor_planes, unwrap
from oakling.sources.stereo_scene import board_at, true_depth
from oakling.sources.tof_scene import RANGES_MM, intrinsics, phases_of, ray_lengths
from oakling.testing import NodeHarness

TIMEOUT = 10.0
CAM_A = dai.CameraBoardSocket.CAM_A
NEAR, MIDDLE, FAR, WALL = (board_at(n).z for n in ("near board", "middle board", "far board", "back wall"))


def plain(**changes):
    cfg = dai.RawToFConfig()
    for name, value in changes.items():
        setattr(cfg, name, value)
    return cfg.to_plain()


def distances(*mm):
    return np.array([mm], np.float32)


def test_ports_properties_and_schema_are_gen2s():
    p = dai.Pipeline()
    tof = p.create(dai.node.ToF)
    assert tof.getName() == "ToF"
    assert (tof.input.getBlocking(), tof.input.getQueueSize()) == (True, 8)
    assert (tof.inputConfig.getBlocking(), tof.inputConfig.getQueueSize(), tof.inputConfig.getWaitForMessage()) == \
        (False, 4, False)
    assert {o.name for o in tof.getOutputs()} == {"depth", "amplitude", "intensity", "phase"}
    cfg = tof.initialConfig.get()
    cfg.phaseUnwrappingLevel = 2
    tof.initialConfig.set(cfg)
    assert tof.setNumShaves(2) is tof and tof.setNumFramesPool(6) is tof
    props = p.serializeToJson()["pipeline"]["nodes"][0][1]["properties"]
    assert list(props) == ["initialConfig", "numFramesPool", "numShaves", "warpHwIds"]
    assert props["initialConfig"]["phaseUnwrappingLevel"] == 2 and props["numShaves"] == 2
    assert props["numFramesPool"] == 6 and props["warpHwIds"] == []
    with pytest.raises(RuntimeError, match=r"Cannot link 'NeuralNetwork\(1\).out' to 'ToF\(0\).input': .* accepts "
                                           r"ImgFrame"):
        p.create(dai.node.NeuralNetwork).out.link(tof.input)


@pytest.mark.parametrize("level, reach, beyond", [(1, 2998, 0), (2, 4497, 0), (4, 7495, 200)])
def test_each_unwrapping_level_reaches_its_range_and_no_farther(level, reach, beyond):
    inside = [500, 1000, 1800, reach - 10]
    a, b = phases_of(distances(*inside))
    assert unwrap(a, b, level, 100) == pytest.approx(distances(*inside), abs=0.1)
    a, b = phases_of(distances(reach + 200))
    # farther: no candidate agrees within 100 mm (0), except past level 4's ~7.5 m, where both
    # modulations have turned whole times again and the distance aliases to a near one
    assert unwrap(a, b, level, 100)[0, 0] == pytest.approx(beyond, abs=1)


def test_level_0_or_no_unwrapping_takes_80_mhz_alone_and_wraps():
    a, b = phases_of(distances(1000, 2500))
    for out in (unwrap(a, b, 0, 100), unwrap(a, b, 4, 100, unwrapping=False)):
        assert out == pytest.approx(distances(1000, 2500 - RANGES_MM[1]), abs=0.1)


def test_the_error_threshold_decides_between_invalid_and_a_wrong_candidate():
    a, b = phases_of(distances(WALL))                   # 3 m with level 1 (reaches ~3 m): just beyond
    assert unwrap(a, b, 1, 100)[0, 0] == 0
    assert unwrap(a, b, 1, 400)[0, 0] == pytest.approx(WALL - 2 * RANGES_MM[0] + RANGES_MM[0], abs=1)


def test_decode_gives_depth_or_distance_and_filters_it():
    h, w = 48, 64
    k = intrinsics(CAM_A, w, h)
    rays = ray_lengths(k, w, h)
    depth = np.full((h, w), 1500.0, np.float32)
    depth[20, 30] = 900.0                              # one stray pixel
    a, b = phases_of(depth * rays)
    amplitude = np.full((h, w), 800, np.uint16)
    planes = np.stack([a, b, amplitude])
    out = decode(planes, plain(), rays)
    assert out["depth"].dtype == np.uint16 and np.array_equal(out["depth"], np.rint(depth).astype(np.uint16))
    distance = decode(planes, plain(enableOpticalCorrection=False), rays)["depth"]
    assert distance[0, 0] == round(1500 * rays[0, 0]) > 1600                   # a corner's ray is long
    filtered = decode(planes, plain(median=dai.MedianFilter.KERNEL_3x3), rays)["depth"]
    assert filtered[20, 30] == 1500 and (filtered == 1500).all()
    assert (out["intensity"] == 100).all() and out["intensity"].dtype == np.uint8
    assert out["phase"].dtype == np.float16 and float(out["phase"][0, 0]) == pytest.approx(
        2 * np.pi * (1500 * rays[0, 0] % RANGES_MM[0]) / RANGES_MM[0], abs=0.01)


def test_a_frame_that_is_not_a_tof_sensors_is_dropped_with_the_fix():
    frame = dai.ImgFrame().setCvFrame(np.zeros((48, 64), np.uint8), dai.ImgFrame.Type.GRAY8)
    with pytest.raises(ValueError, match=r"ToF\(3\).input: expected a ToF sensor's raw frame .* link the raw output "
                                         r"of a Camera"):
        sensor_planes(frame, "ToF(3).input")
    tof = dai.Pipeline().create(dai.node.ToF)
    with NodeHarness(tof) as h:
        h.push("input", frame)
        with pytest.raises(TimeoutError):
            h.pull("depth", timeout=0.3)
    assert any("ToF(0).input: expected a ToF sensor's raw frame" in m.payload for m in h.logs)


def tof_pipeline(level=4, outputs=("depth",), orientation=None):
    p = dai.Pipeline()
    cam = p.create(dai.node.Camera)
    cam.setBoardSocket(CAM_A)
    if orientation is not None:
        cam.setImageOrientation(orientation)
    tof = p.create(dai.node.ToF)
    cfg = tof.initialConfig.get()
    cfg.phaseUnwrappingLevel = level
    tof.initialConfig.set(cfg)
    cam.raw.link(tof.input)
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("tofConfig")
    xin.out.link(tof.inputConfig)
    for name in outputs:
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        getattr(tof, name).link(xout.input)
    return p


def test_a_device_measures_the_scenes_true_depth_and_a_config_changes_the_unwrapping():
    truth = true_depth(CAM_A, 640, 480)
    distance = truth * ray_lengths(intrinsics(CAM_A, 640, 480), 640, 480)   # what the sensor measures
    with dai.Device(tof_pipeline(level=1, outputs=("depth", "amplitude", "intensity"))) as device:
        q = {n: device.getOutputQueue(n, 2, False) for n in ("depth", "amplitude", "intensity")}
        depth = q["depth"].get(timeout=TIMEOUT)
        assert (depth.getType(), depth.getWidth(), depth.getHeight(), depth.getInstanceNum()) == \
            (dai.ImgFrame.Type.RAW16, 640, 480, int(CAM_A))
        d = depth.getFrame()
        reached = distance < 2 * RANGES_MM[0]               # level 1 reaches ~3 m: the boards, not the wall
        assert reached[truth == FAR].mean() > 0.95 and not reached[truth == WALL].any()
        assert np.array_equal(d[reached], truth[reached].astype(np.uint16)) and (d[~reached] == 0).all()
        amplitude = q["amplitude"].get(timeout=TIMEOUT).getFrame()
        assert amplitude[truth == NEAR].mean() > 4 * amplitude[truth == WALL].mean()
        intensity = q["intensity"].get(timeout=TIMEOUT)
        assert intensity.getType() == dai.ImgFrame.Type.RAW8
        cfg = dai.ToFConfig()
        raw = cfg.get()
        raw.phaseUnwrappingLevel = 4
        device.getInputQueue("tofConfig").send(cfg.set(raw))
        for _ in range(50):                                 # the config applies from a frame after it arrives
            d = q["depth"].get(timeout=TIMEOUT).getFrame()
            if (d[truth == WALL] != 0).all():
                break
        assert np.array_equal(d, truth.astype(np.uint16))
        assert device.getFailedNodes() == {}


def test_a_tof_camera_turned_180_degrees_sends_its_depth_turned():
    truth = true_depth(CAM_A, 640, 480)
    with dai.Device(tof_pipeline(orientation=dai.CameraImageOrientation.ROTATE_180_DEG)) as device:
        d = device.getOutputQueue("depth").get(timeout=TIMEOUT).getFrame().astype(np.int32)
    # turned: the rays' lengths are taken unturned, which is off by a few mm where the principal
    # point is off the centre
    assert np.abs(d - truth[::-1, ::-1]).max() <= 5 and np.abs(d - truth).max() > 500


def test_a_tof_camera_with_a_picture_output_linked_ends_with_the_fix():
    p = tof_pipeline()
    cam = p.getAllNodes()[0]
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("isp")
    cam.isp.link(xout.input)
    with dai.Device(p) as device:
        with pytest.raises(RuntimeError, match=r"CAM_A: a ToF sensor makes only raw frames, but isp is linked"):
            device.getOutputQueue("isp").get(timeout=TIMEOUT)


def raw_frame(planes, seq, socket=CAM_A):
    f = dai.ImgFrame()
    f.setType(dai.ImgFrame.Type.RAW16).setSize(planes.shape[2], planes.shape[1])
    f._data = np.ascontiguousarray(planes).reshape(-1).view(np.uint8)
    return f.setInstanceNum(int(socket)).setSequenceNum(seq)


def test_phases_average_the_short_way_round_the_turn():
    a, b = np.array([65000, 100], np.uint16), np.array([500, 300], np.uint16)
    assert list(circular_mean(a, b)) == [(65000 + (500 + 65536 - 65000) // 2) % 65536, 200]


@pytest.mark.parametrize("burst", [False, True])
def test_burst_mode_gives_one_depth_per_four_frames_of_averaged_phases(burst):
    h_, w_ = 48, 64
    rays = ray_lengths(intrinsics(CAM_A, w_, h_), w_, h_)
    depths = [np.full((h_, w_), 1000.0 + 4 * i, np.float32) for i in range(8)]   # a surface coming closer
    tof = dai.Pipeline().create(dai.node.ToF)
    cfg = tof.initialConfig.get()
    cfg.enableBurstMode = burst
    cfg.enablePhaseShuffleTemporalFilter = False
    tof.initialConfig.set(cfg)
    with NodeHarness(tof, outputs=["depth"]) as h:
        for seq, depth in enumerate(depths):
            a, b = phases_of(depth * rays)
            h.push("input", raw_frame(np.stack([a, b, np.full_like(a, 500)]), seq))
        got = []
        while True:
            try:
                got.append(h.pull("depth", timeout=1.0 if not got else 0.5))
            except TimeoutError:
                break
    if burst:
        assert [f.getSequenceNum() for f in got] == [3, 7]
        assert [int(np.median(f.getFrame())) for f in got] == [1006, 1022]   # the mean of each four
    else:
        assert [f.getSequenceNum() for f in got] == list(range(8))
        assert [int(f.getFrame()[0, 0]) for f in got] == [1000 + 4 * i for i in range(8)]


def test_the_temporal_filter_averages_each_frame_with_the_one_before():
    h_, w_ = 48, 64
    rays = ray_lengths(intrinsics(CAM_A, w_, h_), w_, h_)
    tof = dai.Pipeline().create(dai.node.ToF)             # the filter is on by default, as gen2's
    with NodeHarness(tof, outputs=["depth"]) as h:
        for seq, mm in enumerate((1000.0, 1010.0, 1030.0)):
            a, b = phases_of(np.full((h_, w_), mm, np.float32) * rays)
            h.push("input", raw_frame(np.stack([a, b, np.full_like(a, 500)]), seq))
        got = [int(h.pull("depth", timeout=TIMEOUT).getFrame()[24, 32]) for _ in range(3)]
    assert got == [1000, 1005, 1020]


def test_a_config_input_that_is_not_a_config_is_ignored_with_the_fix():
    tof = dai.Pipeline().create(dai.node.ToF)
    a, b = phases_of(np.full((48, 64), 1000.0, np.float32))
    with NodeHarness(tof, outputs=["depth"]) as h:
        h.push("inputConfig", dai.Buffer())
        h.push("input", raw_frame(np.stack([a, b, np.full_like(a, 500)]), 0))
        assert h.pull("depth", timeout=TIMEOUT).getSequenceNum() == 0
    assert any("ToF(0).inputConfig: expected ToFConfig, got Buffer" in m.payload for m in h.logs)


@pytest.mark.parametrize("kind", ["MonoCamera", "ColorCamera"])
def test_a_mono_or_colour_camera_feeding_a_tof_node_is_a_640x480_tof_sensor(kind):
    p = dai.Pipeline()                                   # as gen2's ToF docs place a MonoCamera
    cam = getattr(p, f"create{kind}")()
    cam.setBoardSocket(CAM_A)
    tof = p.create(dai.node.ToF)
    cam.raw.link(tof.input)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("depth")
    tof.depth.link(xout.input)
    with dai.Device(p) as device:
        d = device.getOutputQueue("depth").get(timeout=TIMEOUT).getFrame()
    assert np.array_equal(d, true_depth(CAM_A, 640, 480).astype(np.uint16))
