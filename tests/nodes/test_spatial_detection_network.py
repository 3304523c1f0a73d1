"""MobileNet/YoloSpatialDetectionNetwork: gen2's ports, properties and setters; how a box lands on the
depth map (scaled, and through the preview's window when depth is aligned to the colour camera); and
the spatial coordinates of a known object — the stereo scene's near board — against the scene's true
geometry, on its true depth and end to end from two MonoCameras through StereoDepth."""
import time
from datetime import timedelta

import numpy as np
import pytest

import oakling as dai
from oakling.messages.detections import ImgDetection
from oakling.messages.imgframe import ImgFrame
from oakling.nodes.spatial_detection_network import VIEW_ASSET, depth_region
from oakling.sources.stereo_scene import true_depth
from oakling.testing import NodeHarness

pytest.importorskip("onnx")
pytest.importorskip("openvino")
from known_box import (CENTRE_PART, CENTRE_SQUARE, LABEL, NEAR, box_in, known_box_blob, place,  # noqa: E402
                       yolo_settings)
from known_box import box_on as _box_on, camera as _camera  # noqa: E402
from pipelines import stereo_pair

W, H = 640, 400
RIGHT, RGB = dai.CameraBoardSocket.CAM_C, dai.CameraBoardSocket.CAM_A


def _depth_frame(socket=RIGHT, width=W, height=H, seq=1):
    depth = np.round(true_depth(socket, width, height)).astype(np.uint16)
    f = ImgFrame()
    f.setWidth(width).setHeight(height).setType(ImgFrame.Type.RAW16).setInstanceNum(int(socket)).setSequenceNum(seq)
    f._data = depth.reshape(-1).view(np.uint8)
    return f


def _picture(width, height, seq):
    f = ImgFrame()
    f.setCvFrame(np.full((height, width, 3), 128, np.uint8), ImgFrame.Type.BGR888p)
    f.setSequenceNum(seq)
    f.setTimestamp(timedelta(seconds=seq))
    return f


def _near(c, socket=RIGHT, rel=0.03, **part):
    x, y, z = place(socket, **part)
    assert c.z == pytest.approx(z, rel=rel)
    assert c.x == pytest.approx(x, abs=rel * z) and c.y == pytest.approx(y, abs=rel * z)


@pytest.fixture(scope="module")
def blobs(tmp_path_factory):
    d = tmp_path_factory.mktemp("spatial")
    box = _box_on(RIGHT, W, H)
    return {"ssd": known_box_blob("ssd", box, 300, 300, d), "yolo": known_box_blob("yolo", box, 416, 416, d)}


@pytest.fixture(scope="module")
def square_blobs(tmp_path_factory):
    """Detectors of the near board's part inside the centred square that ImageManip's setResize(n, n)
    keeps of the right camera's 640x400 picture, with the box as the network sees it."""
    d = tmp_path_factory.mktemp("spatial_square")
    box = box_in(_box_on(RIGHT, W, H, part=CENTRE_PART), CENTRE_SQUARE)
    return {"ssd": known_box_blob("ssd", box, 300, 300, d), "yolo": known_box_blob("yolo", box, 416, 416, d)}


def _network(p, kind, blob):
    if kind == "ssd":
        det = p.create(dai.node.MobileNetSpatialDetectionNetwork)
    else:
        det = p.create(dai.node.YoloSpatialDetectionNetwork)
        s = yolo_settings(416)
        det.setNumClasses(s["classes"])
        det.setCoordinateSize(s["coordinates"])
        det.setAnchors(s["anchors"])
        det.setAnchorMasks(s["masks"])
    det.setBlobPath(blob)
    return det


def test_ports_properties_and_setters_are_gen2s():
    p = dai.Pipeline()
    det = p.create(dai.node.MobileNetSpatialDetectionNetwork)
    yolo = p.create(dai.node.YoloSpatialDetectionNetwork)
    assert det.getName() == yolo.getName() == "SpatialDetectionNetwork"
    assert isinstance(det, dai.node.SpatialDetectionNetwork) and isinstance(det, dai.node.DetectionNetwork)
    names = {str(port).partition(".")[2] for port in det.ports()}
    assert names == {"input", "inputDepth", "out", "outNetwork", "boundingBoxMapping", "passthrough",
                     "passthroughDepth", "spatialLocationCalculatorOutput"}
    assert (det.inputDepth.getBlocking(), det.inputDepth.getQueueSize(), det.inputDepth.getWaitForMessage()) \
        == (False, 4, True)
    assert (det.input.getBlocking(), det.input.getQueueSize()) == (True, 5)
    props = det.properties
    assert (props["detectedBBScaleFactor"], props["depthThresholds"], props["calculationAlgorithm"],
            props["stepSize"]) == (1.0, {"lowerThreshold": 0, "upperThreshold": 65535}, 4, -1)
    assert props["parser"]["nnFamily"] == 1 and yolo.properties["parser"]["nnFamily"] == 0
    det.setBoundingBoxScaleFactor(0.5)
    det.setDepthLowerThreshold(100)
    det.setDepthUpperThreshold(5000)
    det.setSpatialCalculationAlgorithm(dai.SpatialLocationCalculatorAlgorithm.AVERAGE)
    det.setSpatialCalculationStepSize(3)
    assert (props["detectedBBScaleFactor"], props["depthThresholds"], props["calculationAlgorithm"],
            props["stepSize"]) == (0.5, {"lowerThreshold": 100, "upperThreshold": 5000}, 0, 3)
    yolo.setNumClasses(80)
    assert yolo.getNumClasses() == 80
    with pytest.raises(TypeError, match="SpatialDetectionNetwork cannot be created"):
        p.create(dai.node.SpatialDetectionNetwork)
    with pytest.raises(ValueError, match=r"setBoundingBoxScaleFactor.*\(0, 1\]"):
        det.setBoundingBoxScaleFactor(0)
    with pytest.raises(ValueError, match="setSpatialCalculationStepSize"):
        det.setSpatialCalculationStepSize(0)
    with pytest.raises(ValueError, match="SpatialLocationCalculatorAlgorithm"):
        det.setSpatialCalculationAlgorithm(9)


@pytest.mark.parametrize("scale, window, expected", [
    (1.0, None, (0.2, 0.4, 0.4, 0.8)),
    (0.5, None, (0.25, 0.5, 0.35, 0.7)),                       # the middle half, around the same centre
    (1.0, (0.25, 0.0, 0.5, 1.0), (0.35, 0.4, 0.45, 0.8)),      # a centred square preview of a 2:1 view
    (2.0, None, (0.1, 0.2, 0.5, 1.0)),                         # clamped to the picture
])
def test_a_box_is_scaled_around_its_centre_and_put_into_the_inputs_window(scale, window, expected):
    r = depth_region(ImgDetection(1, 0.9, 0.2, 0.4, 0.4, 0.8), scale, window)
    assert (r.x, r.y, r.x + r.width, r.y + r.height) == pytest.approx(expected)
    assert r.isNormalized()


@pytest.mark.parametrize("view, window, expected", [
    ([0.5, 0, 0.25, 0, 0.5, 0.5, 0, 0, 1], None, (0.35, 0.7, 0.45, 0.9)),           # the input: a crop of (0.25, 0.5)–(0.75, 1)
    ([-0.5, 0, 0.75, 0, 0.5, 0.5, 0, 0, 1], None, (0.55, 0.7, 0.65, 0.9)),          # the same crop, flipped left to right
    ([[1, 0, 0], [0, 1.6, -0.3], [0, 0, 1]], None, (0.2, 0.34, 0.4, 0.98)),         # letterboxed: bars above and below
    ([0.5, 0, 0.25, 0, 0.5, 0.5, 0, 0, 1], (0.25, 0.0, 0.5, 1.0), (0.425, 0.7, 0.475, 0.9)),   # then the camera's window
])
def test_a_box_on_a_cut_out_input_is_taken_back_to_the_picture_it_was_cut_from(view, window, expected):
    r = depth_region(ImgDetection(1, 0.9, 0.2, 0.4, 0.4, 0.8), 1.0, window, view)
    assert (r.x, r.y, r.x + r.width, r.y + r.height) == pytest.approx(expected)


@pytest.mark.parametrize("kind", ["ssd", "yolo"])
def test_the_known_object_is_found_where_the_scene_has_it(blobs, kind):
    p = dai.Pipeline()
    det = _network(p, kind, blobs[kind])
    det.setBoundingBoxScaleFactor(0.5)
    det.setDepthLowerThreshold(100)
    det.setDepthUpperThreshold(5000)
    size = 300 if kind == "ssd" else 416
    with NodeHarness(det) as h:
        h.push("inputDepth", _depth_frame(seq=4))
        h.push("input", _picture(size, size, 4))
        msg = h.pull("out")
        mapping = h.pull("boundingBoxMapping")
        data = h.pull("spatialLocationCalculatorOutput")
        assert h.pull("passthroughDepth").getSequenceNum() == 4
        assert h.pull("passthrough").getSequenceNum() == 4
        assert h.pull("outNetwork").getSequenceNum() == 4
    assert isinstance(msg, dai.SpatialImgDetections) and msg.getSequenceNum() == 4
    assert msg.getTimestamp() == timedelta(seconds=4)
    [d] = msg.detections
    assert d.label == (LABEL if kind == "ssd" else 0) and d.confidence > 0.5
    box = _box_on(RIGHT, W, H)
    assert (d.xmin, d.ymin, d.xmax, d.ymax) == pytest.approx(box, abs=0.01)
    _near(d.spatialCoordinates)
    roi = d.boundingBoxMapping.roi
    centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    assert (roi.x + roi.width / 2, roi.y + roi.height / 2) == pytest.approx(centre, abs=0.01)
    assert roi.width == pytest.approx((box[2] - box[0]) / 2, abs=0.01)
    assert d.boundingBoxMapping.depthThresholds.upperThreshold == 5000
    [region] = mapping.getConfigData()
    assert (region.roi.x, region.roi.y, region.roi.width) == pytest.approx((roi.x, roi.y, roi.width))
    [loc] = data.getSpatialLocations()
    assert loc.depthMin > 100 and loc.depthMax < 5000 and loc.depthAveragePixelCount > 100
    assert loc.spatialCoordinates.z == d.spatialCoordinates.z


def test_a_result_waits_for_the_depth_of_its_own_pair(blobs):
    """StereoDepth sends the depth after the rectified picture: the detections of picture 5 must be
    measured on depth 5 even when it comes after them, not on the older depth 4."""
    p = dai.Pipeline()
    det = _network(p, "ssd", blobs["ssd"])
    farther = np.round(true_depth(RIGHT, W, H) * 1.2).astype(np.uint16)
    with NodeHarness(det, inputs=["input", "inputDepth"], outputs=["out", "passthroughDepth"]) as h:
        h.push("inputDepth", _depth_frame(seq=4))
        h.push("input", _picture(300, 300, 5))
        time.sleep(0.3)
        late = _depth_frame(seq=5)
        late._data = farther.reshape(-1).view(np.uint8)
        h.push("inputDepth", late)
        [d] = h.pull("out").detections
        assert h.pull("passthroughDepth").getSequenceNum() == 5
    assert d.spatialCoordinates.z == pytest.approx(NEAR.z * 1.2, rel=0.03)


def test_depth_thresholds_leave_the_object_out(blobs):
    p = dai.Pipeline()
    det = _network(p, "ssd", blobs["ssd"])
    det.setDepthUpperThreshold(int(NEAR.z) - 50)      # the board is farther than the upper threshold
    with NodeHarness(det, inputs=["input", "inputDepth"], outputs=["spatialLocationCalculatorOutput"]) as h:
        h.push("inputDepth", _depth_frame(seq=1))
        h.push("input", _picture(300, 300, 1))
        [loc] = h.pull("spatialLocationCalculatorOutput").getSpatialLocations()
    assert loc.depthAveragePixelCount == 0 and loc.spatialCoordinates.z == 0


def test_depth_aligned_to_the_colour_camera_maps_the_box_through_the_previews_crop(tmp_path):
    """A 300x300 preview of a 1080p colour camera is its centred 1080x1080 crop; depth aligned to the
    camera shows its whole 16:9 picture. A box on the preview must be measured where the crop puts it."""
    iw, ih = 1920, 1080
    fx, fy, cx, cy, cam_x = _camera(RGB, iw, ih)
    x0, x1, y0, y1 = -350, -150, -200, 250     # the part of the near board inside the preview's crop
    u0, u1 = (fx * (x - cam_x) / NEAR.z + cx for x in (x0, x1))
    v0, v1 = (fy * y / NEAR.z + cy for y in (y0, y1))
    crop = (iw - ih) / 2
    box = ((u0 - crop) / ih, v0 / ih, (u1 - crop) / ih, v1 / ih)   # on the preview
    blob = known_box_blob("ssd", box, 300, 300, tmp_path)
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    cam.setResolution(dai.ColorCameraProperties.SensorResolution.THE_1080_P)
    cam.setPreviewSize(300, 300)
    cam.setInterleaved(False)
    det = _network(p, "ssd", blob)
    cam.preview.link(det.input)
    with NodeHarness(det, inputs=["input", "inputDepth"]) as h:
        assert VIEW_ASSET in det.getAssetManager()
        h.push("inputDepth", _depth_frame(RGB, 640, 360, seq=2))
        h.push("input", _picture(300, 300, 2))
        [d] = h.pull("out").detections
        h.push("inputDepth", _depth_frame(RIGHT, W, H, seq=3))    # depth on the right camera: no crop
        h.push("input", _picture(300, 300, 3))
        [unmapped] = h.pull("out").detections
    c = d.spatialCoordinates
    assert c.z == pytest.approx(NEAR.z, rel=0.03)
    assert c.x == pytest.approx((x0 + x1) / 2, abs=0.03 * NEAR.z)   # the colour camera is the origin
    assert c.y == pytest.approx(-(y0 + y1) / 2, abs=0.03 * NEAR.z)
    roi = d.boundingBoxMapping.roi
    assert roi.x == pytest.approx(u0 / iw, abs=0.01) and roi.x + roi.width == pytest.approx(u1 / iw, abs=0.01)
    assert unmapped.boundingBoxMapping.roi.x == pytest.approx(box[0], abs=0.01)


def test_a_preview_through_manips_still_gives_the_cameras_window():
    """The preview's place in the isp picture is the camera's to say; ImageManips after it add their own
    cut on each frame, so the host looks through them for the camera."""
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    cam.setResolution(dai.ColorCameraProperties.SensorResolution.THE_1080_P)
    cam.setPreviewSize(600, 600)
    manips = [p.create(dai.node.ImageManip) for _ in range(2)]
    manips[0].initialConfig.setCropRect(0, 0, 0.5, 0.5)
    manips[1].initialConfig.setResize(300, 300)
    det = p.create(dai.node.MobileNetSpatialDetectionNetwork)
    cam.preview.link(manips[0].inputImage)
    manips[0].out.link(manips[1].inputImage)
    manips[1].out.link(det.input)
    view = det._input_view()      # what check_ports keeps as the asset VIEW_ASSET
    assert view["socket"] == int(RGB) and view["window"] == pytest.approx([420 / 1920, 0, 1080 / 1920, 1])
    other = p.create(dai.node.MobileNetSpatialDetectionNetwork)
    p.create(dai.node.MonoCamera).out.link(other.input)
    assert other._input_view() is None
    warped = p.create(dai.node.MobileNetSpatialDetectionNetwork)   # a Warp's frames carry their cut too
    warp = p.create(dai.node.Warp)
    cam.video.link(warp.inputImage)
    warp.out.link(warped.input)
    assert warped._input_view()["window"] == pytest.approx([0, 0, 1, 1])


def test_with_no_depth_linked_the_node_says_so(blobs):
    p = dai.Pipeline()
    det = _network(p, "ssd", blobs["ssd"])
    with NodeHarness(det, inputs=["input"], outputs=["out", "passthrough"]) as h:
        h.push("input", _picture(300, 300, 1))
        assert h.pull("passthrough").getSequenceNum() == 1
        errors = [m.payload for m in h.logs if "inputDepth is not linked" in m.payload]
    assert errors and "stereo.depth.link(det.inputDepth)" in errors[0]


def _right_camera_through_a_manip(blob, kind, size, configure, before=None):
    """gen2's spatial_mobilenet_mono layout: the rectified right picture cut to the network's input by
    an ImageManip (`configure(manip.initialConfig)`), the depth from the same pair; three results.
    `before(pipeline, port)` puts nodes between the picture and the ImageManip: the port they send."""
    p = dai.Pipeline()
    stereo = stereo_pair(p)
    manip = p.create(dai.node.ImageManip)
    configure(manip.initialConfig)
    manip.initialConfig.setFrameType(dai.ImgFrame.Type.BGR888p)
    (before(p, stereo.rectifiedRight) if before else stereo.rectifiedRight).link(manip.inputImage)
    det = _network(p, kind, blob)
    det.setBoundingBoxScaleFactor(0.5)
    det.setDepthLowerThreshold(100)
    det.setDepthUpperThreshold(5000)
    manip.out.link(det.input)
    stereo.depth.link(det.inputDepth)
    outs = {}
    for name, port in (("detections", det.out), ("depth", det.passthroughDepth), ("mapping", det.boundingBoxMapping)):
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        port.link(xout.input)
    with dai.Device(p, realtime=False) as device:
        for name in ("detections", "depth", "mapping"):
            outs[name] = [device.getOutputQueue(name).get(timeout=30) for _ in range(3)]
    return zip(outs["detections"], outs["depth"], outs["mapping"])


def _roi_is_the_boxs_middle_half_on_the_depth(roi, box):
    """`roi` (normalised, on the depth frame) is the middle half of `box` (on the right camera's picture)."""
    assert roi.x + roi.width / 2 == pytest.approx((box[0] + box[2]) / 2, abs=0.005)
    assert roi.y + roi.height / 2 == pytest.approx((box[1] + box[3]) / 2, abs=0.005)
    assert roi.width == pytest.approx((box[2] - box[0]) / 2, abs=0.005)
    assert roi.height == pytest.approx((box[3] - box[1]) / 2, abs=0.005)


@pytest.mark.parametrize("kind", ["ssd", "yolo"])
def test_end_to_end_from_the_right_camera_and_stereo_depth(square_blobs, kind):
    """setResize(n, n) keeps the centred square of the 640x400 picture (keepAspectRatio, gen2's
    default): the network's boxes are on that square, the depth is the whole picture's."""
    size = 300 if kind == "ssd" else 416
    truth = _box_on(RIGHT, W, H, part=CENTRE_PART)
    for msg, depth, mapping in _right_camera_through_a_manip(square_blobs[kind], kind, size,
                                                             lambda c: c.setResize(size, size)):
        [d] = msg.detections
        _near(d.spatialCoordinates, part=CENTRE_PART)
        _roi_is_the_boxs_middle_half_on_the_depth(d.boundingBoxMapping.roi, truth)
        [region] = mapping.getConfigData()
        assert region.roi.x == pytest.approx(d.boundingBoxMapping.roi.x)
        assert depth.getWidth() == W and depth.getInstanceNum() == int(RIGHT)


@pytest.mark.parametrize("flip", [False, True])
def test_a_network_fed_a_crop_measures_its_boxes_where_the_crop_came_from(tmp_path, flip):
    """An ImageManip cuts a part of the right picture out (and stretches it to 300x300, maybe mirrored):
    the box the network finds on the part is measured where that part lies in the depth frame."""
    crop = (0.05, 0.1, 0.55, 0.9)
    truth = _box_on(RIGHT, W, H)
    box = box_in(truth, crop)
    if flip:
        box = (1 - box[2], box[1], 1 - box[0], box[3])
    blob = known_box_blob("ssd", box, 300, 300, tmp_path)

    def configure(c):
        c.setCropRect(*crop)
        c.setResize(300, 300)
        c.setKeepAspectRatio(False)
        c.setHorizontalFlip(flip)
    for msg, depth, mapping in _right_camera_through_a_manip(blob, "ssd", 300, configure):
        [d] = msg.detections
        assert (d.xmin, d.ymin, d.xmax, d.ymax) == pytest.approx(box, abs=0.01)   # on the network's input
        _near(d.spatialCoordinates)
        _roi_is_the_boxs_middle_half_on_the_depth(d.boundingBoxMapping.roi, truth)
        [region] = mapping.getConfigData()
        _roi_is_the_boxs_middle_half_on_the_depth(region.roi, truth)


def test_a_network_fed_through_a_warp_measures_its_boxes_where_the_warp_took_them_from(tmp_path):
    """A Warp whose mesh stretches a part of the right picture over 300x300 (then an ImageManip makes
    it BGR): the warp's output says where it lies in its input, so the box is measured there."""
    crop = (0.05, 0.1, 0.55, 0.9)
    truth = _box_on(RIGHT, W, H)
    blob = known_box_blob("ssd", box_in(truth, crop), 300, 300, tmp_path)
    # the mesh's corners: where the output's corner pixel centres take their values in the input
    sx, sy = (crop[2] - crop[0]) * W / 300, (crop[3] - crop[1]) * H / 300
    mesh = [(crop[0] * W + (px + 0.5) * sx - 0.5, crop[1] * H + (py + 0.5) * sy - 0.5)
            for py in (0, 299) for px in (0, 299)]

    def warped(p, port):
        warp = p.create(dai.node.Warp)
        warp.setWarpMesh(mesh, 2, 2)
        warp.setOutputSize(300, 300)
        port.link(warp.inputImage)
        return warp.out
    for msg, depth, mapping in _right_camera_through_a_manip(blob, "ssd", 300, lambda c: None, before=warped):
        [d] = msg.detections
        _near(d.spatialCoordinates)
        _roi_is_the_boxs_middle_half_on_the_depth(d.boundingBoxMapping.roi, truth)
