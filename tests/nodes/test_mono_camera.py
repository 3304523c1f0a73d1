"""MonoCamera: its host class, where `out` comes from in a source picture (a table), and a clip on
its AUTO socket end to end in a device process. Its pacing on the manual clock is in
tests/testing/test_harness.py."""
import cv2
import pytest

import oakling as dai
from oakling.nodes.mono_camera import mono_window
from media import decode_video, make_video, mean_abs_diff

R = dai.MonoCameraProperties.SensorResolution


@pytest.mark.parametrize("resolution, size", [
    (R.THE_720_P, (1280, 720)), (R.THE_800_P, (1280, 800)), (R.THE_400_P, (640, 400)),
    (R.THE_480_P, (640, 480)), (R.THE_1200_P, (1920, 1200)),
])
def test_each_sensor_resolution_has_gen2s_size(resolution, size):
    mono = dai.Pipeline().create(dai.node.MonoCamera)
    mono.setResolution(resolution)
    assert mono.getResolution() == resolution
    assert (mono.getResolutionSize(), mono.getResolutionWidth(), mono.getResolutionHeight()) == (size, *size)


def test_defaults_and_setters_follow_gen2():
    mono = dai.Pipeline().create(dai.node.MonoCamera)
    assert (mono.getBoardSocket(), mono.getFps(), mono.getResolution()) == \
        (dai.CameraBoardSocket.AUTO, 30.0, R.THE_720_P)
    assert [port.name for port in (mono.out, mono.raw, mono.frameEvent)] == ["out", "raw", "frameEvent"]
    mono.setBoardSocket(dai.CameraBoardSocket.CAM_C)
    mono.setNumFramesPool(5)
    mono.setRawNumFramesPool(2)
    mono.setImageOrientation(dai.CameraImageOrientation.VERTICAL_FLIP)
    assert (mono.getBoardSocket(), mono.getNumFramesPool(), mono.getRawNumFramesPool()) == \
        (dai.CameraBoardSocket.CAM_C, 5, 2)
    assert mono.getImageOrientation() == dai.CameraImageOrientation.VERTICAL_FLIP
    with pytest.raises(ValueError, match=r"MonoCamera\(0\).setFps: fps must be positive, got 0"):
        mono.setFps(0)


@pytest.mark.parametrize("src, sensor, window", [
    ((640, 400), (640, 400), (0, 0, 640, 400)),
    ((320, 200), (640, 400), (0, 0, 320, 200)),
    ((1920, 1080), (1280, 800), (96, 0, 1728, 1080)),
])
def test_mono_camera_geometry(src, sensor, window):
    assert mono_window(*src, *sensor) == pytest.approx(window)


def test_mono_camera_from_a_video_on_its_auto_socket(tmp_path):
    make_video(tmp_path / "clip.mp4", count=3, size=(320, 200))
    decoded = decode_video(tmp_path / "clip.mp4", fmt="gray")
    p = dai.Pipeline()
    mono = p.create(dai.node.MonoCamera)                   # AUTO: CAM_B, like gen2
    mono.setResolution(dai.MonoCameraProperties.SensorResolution.THE_400_P)
    colour = p.create(dai.node.ColorCamera)                 # CAM_A keeps the synthetic pattern
    for name, out in (("mono", mono.out), ("colour", colour.preview)):
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        out.link(xout.input)
    with dai.Device(p, cameras={"LEFT": str(tmp_path / "clip.mp4")}, realtime=False) as device:
        frames = [device.getOutputQueue("mono").get(timeout=10) for _ in range(3)]
        assert device.getOutputQueue("colour").get(timeout=10).getWidth() == 300
    for frame, expected in zip(frames, decoded):
        assert (frame.getWidth(), frame.getHeight(), frame.getType()) == (640, 400, dai.ImgFrame.Type.RAW8)
        assert frame.getInstanceNum() == 1
        assert mean_abs_diff(frame.getFrame(), cv2.resize(expected, (640, 400), interpolation=cv2.INTER_LINEAR)) < 2
