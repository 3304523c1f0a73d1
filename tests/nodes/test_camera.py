"""The unified Camera node (gen2 2.24+): gen2's properties in gen2's order, its setters and sizes,
the same pictures as ColorCamera for the same sizes (it runs ColorCamera's capture), and a device
showing several sockets through Camera nodes to the host and a Script."""
import numpy as np
import pytest

import oakling as dai
from oakling.testing import NodeHarness

T = dai.ImgFrame.Type
S = dai.CameraBoardSocket
TIMEOUT = 10.0
ORDER = ["initialControl", "boardSocket", "cameraName", "imageOrientation", "colorOrder", "interleaved", "fp16",
         "previewHeight", "previewWidth", "videoWidth", "videoHeight", "stillWidth", "stillHeight", "resolutionWidth",
         "resolutionHeight", "fps", "isp3aFps", "sensorCropX", "sensorCropY", "previewKeepAspectRatio", "ispScale",
         "sensorType", "numFramesPoolRaw", "numFramesPoolIsp", "numFramesPoolVideo", "numFramesPoolPreview",
         "numFramesPoolStill", "warpMeshSource", "warpMeshUri", "warpMeshWidth", "warpMeshHeight", "calibAlpha",
         "warpMeshStepWidth", "warpMeshStepHeight", "rawPacked"]


def props_of(p, index=0):
    return p.serializeToJson()["pipeline"]["nodes"][index][1]["properties"]


def test_properties_are_gen2s_in_gen2s_order(tmp_path):
    p = dai.Pipeline()
    cam = p.create(dai.node.Camera)
    assert cam.getName() == "Camera" and dai.node.Camera.Properties is dai.CameraProperties
    props = props_of(p)
    assert list(props) == ORDER
    assert (props["boardSocket"], props["previewWidth"], props["previewHeight"], props["resolutionWidth"],
            props["videoWidth"], props["fps"], props["previewKeepAspectRatio"], props["interleaved"]) == \
        (-1, 300, 300, -1, -1, 30.0, True, True)
    assert (props["warpMeshSource"], props["calibAlpha"], props["warpMeshStepWidth"], props["sensorType"]) == \
        (-1, None, 32, -1)
    assert {o.name for o in cam.getOutputs()} == {"video", "preview", "still", "isp", "raw", "frameEvent"}
    ctrl, cfg = cam.inputControl, cam.inputConfig
    assert (ctrl.getBlocking(), ctrl.getQueueSize(), cfg.getBlocking(), cfg.getQueueSize()) == (True, 8, False, 8)

    cam.setBoardSocket(S.CAM_B)
    cam.setSize((1280, 800))
    cam.setPreviewSize(640, 400)
    cam.setVideoSize((640, 360))
    cam.setStillSize(1280, 720)
    cam.setFps(15)
    cam.setMeshSource(dai.CameraProperties.WarpMeshSource.CALIBRATION)
    cam.setMeshStep(16, 16)
    cam.setCalibrationAlpha(0.5)
    mesh = tmp_path / "mesh.bin"
    mesh.write_bytes(b"\x00\x01" * 8)
    cam.loadMeshFile(str(mesh))
    assert (cam.getSize(), cam.getWidth(), cam.getPreviewSize(), cam.getVideoSize(), cam.getStillSize()) == \
        ((1280, 800), 1280, (640, 400), (640, 360), (1280, 720))
    assert (cam.getFps(), cam.getBoardSocket(), cam.getMeshSource(), cam.getMeshStep(), cam.getCalibrationAlpha()) == \
        (15.0, S.CAM_B, dai.CameraProperties.WarpMeshSource.CALIBRATION, (16, 16), 0.5)
    props = props_of(p)
    assert (props["resolutionWidth"], props["resolutionHeight"], props["stillHeight"], props["warpMeshUri"],
            props["warpMeshSource"], props["calibAlpha"]) == (1280, 800, 720, "asset:warpMesh", 1, 0.5)
    assert p.serializeToJson()["assets"] is not None
    assert not hasattr(cam, "setResolution") and not hasattr(cam, "getResolutionSize")
    with pytest.raises(ValueError, match=r"Camera\(0\).setSize: width and height must be positive, got 0x800"):
        cam.setSize(0, 800)
    with pytest.raises(RuntimeError, match=r"Camera\(0\).loadMeshFile: cannot open mesh at path: nope.bin"):
        cam.loadMeshFile("nope.bin")


def test_a_camera_makes_the_same_pictures_as_a_color_camera_of_that_size(tmp_path):
    """Both nodes run one capture: at the same isp, video and preview sizes their frames are equal."""
    import cv2
    skdata = pytest.importorskip("skimage.data")
    picture = cv2.cvtColor(skdata.astronaut(), cv2.COLOR_RGB2BGR)[:400]       # 512x400: fitted to 1280x800
    cv2.imwrite(str(tmp_path / "scene.png"), picture)
    cam = dai.Pipeline().create(dai.node.Camera)
    cam.setSize(1280, 800)
    cam.setVideoSize(1280, 720)
    cam.setPreviewSize(416, 416)
    color = dai.Pipeline().create(dai.node.ColorCamera)
    color.setResolution(dai.ColorCameraProperties.SensorResolution.THE_800_P)
    color.setVideoSize(1280, 720)
    color.setPreviewSize(416, 416)
    frames = {}
    for name, node in (("camera", cam), ("color", color)):
        with NodeHarness(node, outputs=["isp", "video", "preview"], cameras={"CAM_A": str(tmp_path / "scene.png")},
                         realtime=False) as h:
            frames[name] = {out: h.pull(out, timeout=TIMEOUT) for out in ("isp", "video", "preview")}
    for out, (t, w, h) in {"isp": (T.YUV420p, 1280, 800), "video": (T.NV12, 1280, 720),
                           "preview": (T.BGR888i, 416, 416)}.items():
        a, b = frames["camera"][out], frames["color"][out]
        assert (a.getType(), a.getWidth(), a.getHeight()) == (t, w, h)
        np.testing.assert_array_equal(a.getFrame(), b.getFrame())
    assert frames["camera"]["isp"].getCvFrame().std() > 30      # the picture, not a blank


@pytest.mark.parametrize("socket, size", [(S.CAM_A, (1920, 1080)), (S.CAM_C, (1280, 800)), (S.CAM_D, (1920, 1080))])
def test_auto_sizes_follow_the_socket(socket, size):
    cam = dai.Pipeline().create(dai.node.Camera)
    cam.setBoardSocket(socket)
    with NodeHarness(cam, outputs=["isp", "video"], realtime=False) as h:
        isp, video = h.pull("isp", timeout=TIMEOUT), h.pull("video", timeout=TIMEOUT)
    assert (isp.getWidth(), isp.getHeight()) == (video.getWidth(), video.getHeight()) == size
    assert isp.getInstanceNum() == int(socket)


SCRIPT = """
while True:
    frame = node.io['frames'].get()
    b = Buffer(24)
    b.getData()[:] = ("%d %dx%d %d" % (frame.getInstanceNum(), frame.getWidth(), frame.getHeight(),
                                       int(frame.getType()))).encode().ljust(24)
    node.io['out'].send(b)
"""


def test_a_device_shows_every_socket_through_camera_nodes_and_takes_stills():
    p = dai.Pipeline()
    streams = []
    for socket in (S.CAM_A, S.CAM_B, S.CAM_C):
        cam = p.create(dai.node.Camera)
        cam.setBoardSocket(socket)
        cam.setFps(10)
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(str(socket))
        cam.preview.link(xout.input)
        streams.append(str(socket))
        if socket == S.CAM_A:
            rgb = cam
    rgb.setStillSize(640, 360)
    still = p.create(dai.node.XLinkOut)
    still.setStreamName("still")
    rgb.still.link(still.input)
    ctrl = p.create(dai.node.XLinkIn)
    ctrl.setStreamName("control")
    ctrl.out.link(rgb.inputControl)
    script = p.create(dai.node.Script)
    script.setScript(SCRIPT)
    rgb.video.link(script.inputs["frames"])
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("script")
    script.outputs["out"].link(xout.input)
    with dai.Device(p) as device:
        for name in streams:
            frame = device.getOutputQueue(name, 4, False).get(timeout=TIMEOUT)
            assert (frame.getType(), frame.getWidth(), frame.getHeight()) == (T.BGR888i, 300, 300)
            assert str(S(frame.getInstanceNum())) == name
        seen = bytes(device.getOutputQueue("script", 4, False).get(timeout=TIMEOUT).getData()).decode().split()
        assert seen == ["0", "1920x1080", str(int(T.NV12))]
        device.getInputQueue("control").send(dai.CameraControl().setCaptureStill(True))
        shot = device.getOutputQueue("still").get(timeout=TIMEOUT)
        assert (shot.getType(), shot.getWidth(), shot.getHeight()) == (T.NV12, 640, 360)
        assert device.getFailedNodes() == {}


def test_a_warp_mesh_of_ones_own_warps_every_picture(tmp_path):
    """loadMeshData with a mesh (gen2's (y, x) layout over the sensor) that takes each pixel from 16
    to its left: the pictures come out moved 16 pixels right; a mesh for another size is an error."""
    import cv2
    from calibrations import gen2_mesh
    skdata = pytest.importorskip("skimage.data")
    picture = cv2.resize(cv2.cvtColor(skdata.astronaut(), cv2.COLOR_RGB2BGR), (640, 400))
    cv2.imwrite(str(tmp_path / "scene.png"), picture)
    ys, xs = np.mgrid[0:400, 0:640].astype(np.float32)
    frames = {}
    for name, mesh in (("plain", None), ("moved", gen2_mesh(xs - 16, ys)), ("wrong size", gen2_mesh(xs[:200], ys[:200]))):
        cam = dai.Pipeline().create(dai.node.Camera)
        cam.setSize(640, 400)
        if mesh is not None:
            cam.loadMeshData(list(mesh))
            cam.setMeshStep(16, 16)
        with NodeHarness(cam, outputs=["isp"], cameras={"CAM_A": str(tmp_path / "scene.png")}, realtime=False) as h:
            frames[name] = h.pull("isp", timeout=TIMEOUT).getCvFrame().astype(np.float32)
            logs = [str(record) for record in h.logs]
    plain, moved = frames["plain"], frames["moved"]
    assert np.abs(moved[:, 16:] - plain[:, :-16]).mean() < 2 < np.abs(moved - plain).mean()
    assert moved[:, :12].max() < 40                          # nothing to take from left of the picture: black
    np.testing.assert_array_equal(frames["wrong size"], plain)   # not warped, and said why
    assert any("the warp mesh has" in line and "make it for the sensor's size" in line for line in logs), logs
