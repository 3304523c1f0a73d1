"""The ImageManip node: its host class (ports, schema, config JSON, setters); its worker with images
and configs pushed through oakling.testing's harness, in this process; then one pipeline end to end
on a real device process. The image operations themselves are in test_image_manip_ops.py."""
import json
import time
import warnings
from datetime import timedelta

import cv2
import numpy as np
import pytest

import oakling as dai
from oakling.messages import codec
from oakling.nodes.image_manip import config_from_json, config_to_json
from oakling.nodes.image_manip_ops import decode_mesh
from oakling.testing import NodeHarness

T = dai.ImgFrame.Type
TIMEOUT = 10
P0, P1, P2, P3 = dai.Point2f(0, 0), dai.Point2f(1, 0), dai.Point2f(1, 1), dai.Point2f(0, 1)


def picture(h=240, w=320, seed=0):
    y, x = np.mgrid[0:h, 0:w]
    img = np.dstack(((x * 255 // w), (y * 255 // h), ((x + y + seed * 17) % 256))).astype(np.uint8)
    return img


def frame(seq, img=None, frame_type=T.BGR888i):
    f = dai.ImgFrame()
    f.setCvFrame(picture() if img is None else img, frame_type)
    f.setSequenceNum(seq)
    return f


def manip_node(configure=None):
    """An ImageManip on its own: the tests push to inputImage and inputConfig and pull from out."""
    manip = dai.Pipeline().create(dai.node.ImageManip)
    if configure:
        configure(manip)
    return manip


# -- the host node: ports, schema, config JSON, setters --

def test_ports_and_defaults_follow_gen2():
    m = dai.Pipeline().create(dai.node.ImageManip)
    assert m.getName() == "ImageManip"
    def defaults(port):
        return port.getBlocking(), port.getQueueSize(), port.getWaitForMessage()
    assert defaults(m.inputImage) == (True, 8, True)
    assert defaults(m.inputConfig) == (True, 8, False)
    assert isinstance(m.initialConfig, dai.ImageManipConfig)
    assert isinstance(dai.Pipeline().createImageManip(), dai.node.ImageManip)


def test_links_are_type_checked():
    p = dai.Pipeline()
    cam, m, xin = p.create(dai.node.ColorCamera), p.create(dai.node.ImageManip), p.create(dai.node.XLinkIn)
    cam.preview.link(m.inputImage)
    xin.out.link(m.inputConfig)
    with pytest.raises(RuntimeError, match="accepts ImageManipConfig"):
        m.out.link(p.create(dai.node.ImageManip).inputConfig)


def test_schema_properties_carry_initial_config_as_raw_fields():
    p = dai.Pipeline()
    m = p.create(dai.node.ImageManip)
    m.initialConfig.setCropRect(0.1, 0.2, 0.3, 0.4).setResizeThumbnail(300, 200, 1, 2, 3)
    m.initialConfig.setFrameType(T.BGR888p).setHorizontalFlip(True)
    m.setMaxOutputFrameSize(3499200)
    m.setNumFramesPool(15)
    node = json.loads(json.dumps(p.serializeToJson()))["pipeline"]["nodes"][0][1]
    props = node["properties"]
    assert list(props) == ["initialConfig", "outputFrameSize", "numFramesPool", "meshWidth", "meshHeight", "meshUri"]
    assert (props["outputFrameSize"], props["numFramesPool"], props["meshUri"]) == (3499200, 15, "")
    ic = props["initialConfig"]
    assert ic["cropConfig"]["cropRect"] == pytest.approx({"xmin": 0.1, "ymin": 0.2, "xmax": 0.3, "ymax": 0.4})
    assert ic["resizeConfig"]["width"] == 300 and ic["resizeConfig"]["lockAspectRatioFill"] is True
    assert (ic["resizeConfig"]["bgRed"], ic["resizeConfig"]["bgGreen"], ic["resizeConfig"]["bgBlue"]) == (1, 2, 3)
    assert ic["formatConfig"]["type"] == int(T.BGR888p) and ic["formatConfig"]["flipHorizontal"] is True
    assert (ic["enableCrop"], ic["enableResize"], ic["enableFormat"], ic["interpolation"]) == (True, True, True, -1)
    assert set(ic["cropConfig"]["cropRotatedRect"]) == {"center", "size", "angle"}


def test_config_json_round_trips_every_field():
    c = dai.ImageManipConfig().setCropRotatedRect(dai.RotatedRect(dai.Point2f(3, 4), dai.Size2f(5, 6), 7), False)
    c.setWarpTransformFourPoints([P0, P1, P2, P3], False).setWarpTransformMatrix3x3(list(range(9)))
    c.setRotationDegrees(12).setResizeThumbnail(30, 40, 250, 5, 6).setFrameType(T.NV12).setVerticalFlip(True)
    c.setColormap(2, 10, 200).setReusePreviousImage(True).setSkipCurrentImage(True).setInterpolation(1)
    back = config_from_json(json.loads(json.dumps(config_to_json(c))))
    assert codec.encode(back)[1][3:] == codec.encode(c)[1][3:]


def test_deprecated_setters_warn_and_set_initial_config():
    m = dai.Pipeline().create(dai.node.ImageManip)
    with pytest.warns(DeprecationWarning, match="initialConfig.setResize"):
        m.setResize(300, 200)
    with pytest.warns(DeprecationWarning):
        m.setCropRect(0.1, 0.2, 0.8, 0.9)
    with pytest.warns(DeprecationWarning):
        m.setFrameType(T.RGB888p)
    with pytest.warns(DeprecationWarning):
        m.setHorizontalFlip(True)
    with pytest.warns(DeprecationWarning):
        m.setResizeThumbnail(64, 48, 1, 2, 3)
    ic = m.initialConfig
    assert (ic.getResizeWidth(), ic.getResizeHeight(), ic.isResizeThumbnail()) == (64, 48, True)
    assert (ic.getCropXMin(), ic.getCropYMax()) == pytest.approx((0.1, 0.9))
    assert ic.getFormatConfig().type == T.RGB888p and ic.getFormatConfig().flipHorizontal
    with pytest.warns(DeprecationWarning):
        m.setCenterCrop(0.5, 2.0)
    assert ic.getCropConfig().enableCenterCropRectangle
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m.setKeepAspectRatio(False)   # not deprecated in gen2
    assert ic.getResizeConfig().keepAspectRatio is False
    with pytest.warns(DeprecationWarning, match="inputConfig.setWaitForMessage"):
        m.setWaitForConfigInput(True)
    assert m.inputConfig.getWaitForMessage() is True
    with pytest.warns(DeprecationWarning):
        assert m.getWaitForConfigInput() is True


def test_set_warp_mesh_stores_gen2s_asset():
    p = dai.Pipeline()
    m = p.create(dai.node.ImageManip)
    pts = [dai.Point2f(20, 20), dai.Point2f(460, 20), dai.Point2f(100, 250), dai.Point2f(400, 250),
           dai.Point2f(20, 460), dai.Point2f(460, 460)]
    m.setWarpMesh(pts, 2, 3)
    props = p.serializeToJson()["pipeline"]["nodes"][0][1]["properties"]
    assert (props["meshUri"], props["meshWidth"], props["meshHeight"]) == ("asset:mesh", 2, 3)
    data = m.getAssetManager()["mesh"]
    assert len(data) == 16 * 3                                     # rows of 2 points padded to 16 bytes
    assert np.frombuffer(data, np.float32)[:2].tolist() == [20, 20]
    assert np.frombuffer(data, np.float32)[4:6].tolist() == [250, 100]   # (y, x), as the hardware wants
    np.testing.assert_array_equal(decode_mesh(data, 2, 3).reshape(-1, 2), [(p.x, p.y) for p in pts])
    m.setWarpMesh([(0, 0), (1, 0), (0, 1), (1, 1)], 2, 2)
    with pytest.raises(ValueError, match="needs 6 points, got 4"):
        m.setWarpMesh([(0, 0)] * 4, 2, 3)
    with pytest.raises(TypeError, match="expected a Point2f"):
        m.setWarpMesh(["a"] * 4, 2, 2)


# -- the worker --

def test_initial_config_then_a_config_from_the_host_replaces_it():
    manip = manip_node()
    manip.initialConfig.setResize(160, 160)
    manip.initialConfig.setFrameType(T.BGR888p)
    with NodeHarness(manip) as h:
        f = frame(7)
        f.setTimestamp(timedelta(seconds=1234.5)).setTimestampDevice(timedelta(seconds=9.25)).setInstanceNum(2)
        h.push("inputImage", f)
        out = h.pull("out", timeout=TIMEOUT)
        assert (out.getType(), out.getWidth(), out.getHeight()) == (T.BGR888p, 160, 160)
        assert out.getSequenceNum() == 7 and out.getInstanceNum() == 2
        assert out.getTimestamp() == f.getTimestamp() and out.getTimestampDevice() == f.getTimestampDevice()
        want = cv2.resize(picture()[:, 40:280], (160, 160), interpolation=cv2.INTER_LINEAR)
        assert np.abs(out.getCvFrame().astype(int) - want).max() <= 1

        h.push("inputConfig", dai.ImageManipConfig().setCropRect(0, 0, 0.5, 0.5).setFrameType(T.GRAY8))
        seqs = iter(range(100, 200))
        for seq in seqs:   # the config travels on its own input: it applies from some image on
            h.push("inputImage", frame(seq))
            out = h.pull("out", timeout=TIMEOUT)
            if out.getType() == T.GRAY8:
                break
        else:
            pytest.fail("the config from the host was never applied")
        for seq in [next(seqs) for _ in range(3)]:
            h.push("inputImage", frame(seq, picture(seed=seq)))
            out = h.pull("out", timeout=TIMEOUT)
            assert out.getSequenceNum() == seq
            assert (out.getType(), out.getWidth(), out.getHeight()) == (T.GRAY8, 160, 120)
            want = cv2.cvtColor(picture(seed=seq)[:120, :160], cv2.COLOR_BGR2GRAY)
            np.testing.assert_array_equal(out.getFrame(), want)


@pytest.mark.parametrize("deprecated", [False, True], ids=["inputConfig.setWaitForMessage", "setWaitForConfigInput"])
def test_wait_for_config_pairs_one_config_with_one_image_in_order(deprecated):
    manip = manip_node()
    if deprecated:
        with pytest.warns(DeprecationWarning):
            manip.setWaitForConfigInput(True)
    else:
        manip.inputConfig.setWaitForMessage(True)
    with NodeHarness(manip) as h:
        for seq in range(6):                       # images first: they wait for their configs
            h.push("inputImage", frame(seq, picture(seed=seq)))
        for k in range(6):
            h.push("inputConfig", dai.ImageManipConfig().setCropRect(0, 0, (k + 1) / 8, 0.5))
        outs = [h.pull("out", timeout=TIMEOUT) for _ in range(6)]
        assert [o.getSequenceNum() for o in outs] == list(range(6))
        assert [o.getWidth() for o in outs] == [40 * (k + 1) for k in range(6)]
        for k, o in enumerate(outs):
            np.testing.assert_array_equal(o.getCvFrame(), picture(seed=k)[:120, :40 * (k + 1)])

        # reusePreviousImage: the config applies to image 5 again; skipCurrentImage: image 6 gives nothing
        h.push("inputConfig", dai.ImageManipConfig().setResize(32, 32).setReusePreviousImage(True))
        again = h.pull("out", timeout=TIMEOUT)
        assert (again.getSequenceNum(), again.getWidth()) == (5, 32)
        h.push("inputConfig", dai.ImageManipConfig().setSkipCurrentImage(True))
        h.push("inputImage", frame(6))
        h.push("inputConfig", dai.ImageManipConfig().setResize(16, 16))
        h.push("inputImage", frame(7))
        after = h.pull("out", timeout=TIMEOUT)
        assert (after.getSequenceNum(), after.getWidth()) == (7, 16)
        assert h.try_pull("out") is None


def test_errors_are_logged_naming_the_node_and_the_device_goes_on():
    def configure(m):
        m.inputConfig.setWaitForMessage(True)
        m.setMaxOutputFrameSize(10000)

    manip = manip_node(configure)
    label = f"ImageManip({manip.id})"
    with NodeHarness(manip) as h:
        records = h.logs
        raw10 = dai.ImgFrame()
        raw10.setType(T.RAW10).setSize(32, 32)
        raw10.setFrame(np.zeros(32 * 32 * 2, np.uint8))
        nn = dai.NNData()
        nn.setLayer("x", [1, 2, 3])
        pairs = [
            (dai.ImageManipConfig().setResize(100, 100).setFrameType(T.BGR888p), frame(1)),   # 30000 bytes > 10000
            (dai.ImageManipConfig().setResize(40, 40), nn),                                   # not an ImgFrame
            (dai.ImageManipConfig().setResize(40, 40), raw10),                                # unsupported type
            (dai.ImageManipConfig().setCropRect(1.2, 0, 1.5, 1), frame(4)),                    # crop outside
            (dai.ImageManipConfig().setResize(40, 40), frame(5)),                             # fine
        ]
        for config, image in pairs:
            h.push("inputConfig", config)
            h.push("inputImage", image)
        out = h.pull("out", timeout=TIMEOUT)
        assert (out.getSequenceNum(), out.getWidth(), out.getHeight()) == (5, 40, 40)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and len([r for r in records if r.level == dai.LogLevel.ERR]) < 4:
            time.sleep(0.02)
        errors = [r.payload for r in records if r.level == dai.LogLevel.ERR]
        assert h.failure is None
    assert all(r.nodeIdName == label for r in records if r.level == dai.LogLevel.ERR)
    assert len(errors) == 4, errors
    size, not_frame, bad_type, crop = errors
    assert f"{label}.out" in size and "needs 30000 bytes" in size and "setMaxOutputFrameSize(30000)" in size
    assert "10000" in size and "dropped" in size
    assert f"{label}.inputImage: expected ImgFrame, got NNData" in not_frame
    assert f"{label}.inputImage: expected a frame of type" in bad_type and "got RAW10" in bad_type
    assert f"{label}.inputImage: expected a crop rect inside the 320x240 frame" in crop


def test_camera_to_manip_to_host_matches_the_preview():
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    cam.setPreviewSize(640, 360)
    cam.setInterleaved(False)
    cam.setFps(30)
    manip = p.create(dai.node.ImageManip)
    manip.initialConfig.setCropRect(0.25, 0, 1, 1)
    manip.initialConfig.setResize(300, 300)
    manip.initialConfig.setFrameType(T.NV12)
    manip.setMaxOutputFrameSize(640 * 360 * 3)
    cam.preview.link(manip.inputImage)
    for name, port in (("preview", cam.preview), ("manip", manip.out)):
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        port.link(xout.input)
    with dai.Device(p) as device:
        previews = [device.getOutputQueue("preview").get(timeout=TIMEOUT) for _ in range(3)]
        manips = [device.getOutputQueue("manip").get(timeout=TIMEOUT) for _ in range(3)]
    assert [m.getSequenceNum() for m in manips] == [0, 1, 2]
    for preview, out in zip(previews, manips):
        assert out.getSequenceNum() == preview.getSequenceNum()
        assert out.getTimestamp() == preview.getTimestamp()
        assert out.getInstanceNum() == preview.getInstanceNum()
        assert (out.getType(), out.getWidth(), out.getHeight()) == (T.NV12, 300, 300)
        bgr = preview.getCvFrame()[:, 160:640][:, 60:420]           # crop, then to the 1:1 aspect
        want = cv2.cvtColor(cv2.resize(bgr, (300, 300), interpolation=cv2.INTER_LINEAR), cv2.COLOR_BGR2YUV_I420)
        got = out.getFrame()
        assert np.abs(got[:300].astype(int) - want[:300]).max() <= 1                 # luma
        u = got[300:].reshape(150, 150, 2)[:, :, 0]
        assert np.abs(u.astype(int) - want[300:375].reshape(150, 150)).max() <= 1   # chroma (U)


def test_computed_frames_reach_several_consumers_by_reference_and_stay_whole_while_kept():
    """ImageManip computes into shared buffers that links lend: a frame sent to two XLinkOuts and a
    second ImageManip is never rewritten while the host keeps it, whatever it keeps (here: all)."""
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    cam.setPreviewSize(1280, 720)
    flip = p.create(dai.node.ImageManip)
    flip.initialConfig.setHorizontalFlip(True)
    flip.setMaxOutputFrameSize(1280 * 720 * 3)
    back = p.create(dai.node.ImageManip)   # flips it back: the preview again
    back.initialConfig.setHorizontalFlip(True)
    back.setMaxOutputFrameSize(1280 * 720 * 3)
    cam.preview.link(flip.inputImage)
    flip.out.link(back.inputImage)
    streams = {"preview": cam.preview, "a": flip.out, "b": flip.out, "back": back.out}
    for name, port in streams.items():
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        port.link(xout.input)
    kept = {name: [] for name in streams}
    with dai.Device(p, realtime=False) as device:
        queues = {name: device.getOutputQueue(name) for name in streams}
        for _ in range(24):   # more than the pool's 8 buffers: most frames are kept past their reuse
            for name, queue in queues.items():
                kept[name].append(queue.get(timeout=TIMEOUT))
        lent = [r for r in queues["a"]._link._peer_regions.values() if r.reused]
        assert 1 <= len(lent) <= 8   # the flip's pool, within its budget
    first = kept["a"][0].getData()
    assert type(first.base).__name__ == "_Loan" and not first.flags.writeable
    for i in range(24):
        preview = kept["preview"][i].getFrame()
        a, b, twice = (kept[name][i] for name in ("a", "b", "back"))
        assert a.getSequenceNum() == b.getSequenceNum() == twice.getSequenceNum() == kept["preview"][i].getSequenceNum()
        np.testing.assert_array_equal(a.getFrame(), preview[:, ::-1])
        np.testing.assert_array_equal(b.getFrame(), preview[:, ::-1])
        np.testing.assert_array_equal(twice.getFrame(), preview)


def test_computed_frames_pass_through_a_script_lent_and_whole():
    """A script that forwards what ImageManip computed lends it on: the host gets the same pixels."""
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    cam.setPreviewSize(640, 360)
    flip = p.create(dai.node.ImageManip)
    flip.initialConfig.setVerticalFlip(True)
    flip.setMaxOutputFrameSize(640 * 360 * 3)
    cam.preview.link(flip.inputImage)
    script = p.create(dai.node.Script)
    script.setScript("while True:\n    node.io['out'].send(node.io['in'].get())\n")
    flip.out.link(script.inputs["in"])
    for name, port in (("preview", cam.preview), ("forwarded", script.outputs["out"])):
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        port.link(xout.input)
    with dai.Device(p, realtime=False) as device:
        pairs = [(device.getOutputQueue("preview").get(timeout=TIMEOUT),
                  device.getOutputQueue("forwarded").get(timeout=TIMEOUT)) for _ in range(12)]
        assert not device.getFailedNodes()
    for preview, forwarded in pairs:
        assert forwarded.getSequenceNum() == preview.getSequenceNum()
        np.testing.assert_array_equal(forwarded.getFrame(), preview.getFrame()[::-1])
    assert type(pairs[0][1].getData().base).__name__ == "_Loan"
