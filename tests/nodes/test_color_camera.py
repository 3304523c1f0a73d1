"""ColorCamera fed from real media: gen2's geometry and size rules (tables); the camera alone in
oakling.testing's harness: video files, image folders, orientation, looping, decode errors; then end
to end with a device process: frames by reference, offline mode, end of stream in real time,
environment variables and still capture. What both cameras share is in test_camera_common.py."""
import time

import cv2
import numpy as np
import pytest

import oakling as dai
from oakling.nodes.camera_common import LayoutError
from oakling.nodes.color_camera import color_layout
from oakling.testing import NodeHarness
from media import (closest, decode_video, frame_pattern, make_broken_video, make_video, mean_abs_diff, need_format,
                   write_images)

R = dai.ColorCameraProperties.SensorResolution


# -- geometry --

def _props(**changes):
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    for name, args in changes.items():
        getattr(cam, name)(*args)
    return cam, cam.properties


# (setters, source size) -> {output: (window in source pixels, width, height)}
LAYOUTS = [
    ({}, (1920, 1080), {"isp": ((0, 0, 1920, 1080), 1920, 1080), "video": ((0, 0, 1920, 1080), 1920, 1080),
                        "preview": ((420, 0, 1080, 1080), 300, 300), "still": ((0, 0, 1920, 1080), 1920, 1080)}),
    ({}, (1280, 720), {"isp": ((0, 0, 1280, 720), 1920, 1080), "preview": ((280, 0, 720, 720), 300, 300)}),
    ({}, (640, 480), {"isp": ((0, 60, 640, 360), 1920, 1080), "preview": ((140, 60, 360, 360), 300, 300)}),
    ({"setPreviewKeepAspectRatio": (False,)}, (1920, 1080), {"preview": ((0, 0, 1920, 1080), 300, 300)}),
    ({"setPreviewSize": (640, 360)}, (1920, 1080), {"preview": ((0, 0, 1920, 1080), 640, 360)}),
    ({"setIspScale": (1, 3)}, (1920, 1080), {"isp": ((0, 0, 1920, 1080), 640, 360),
                                             "video": ((0, 0, 1920, 1080), 640, 360),
                                             "preview": ((420, 0, 1080, 1080), 300, 300)}),
    ({"setIspScale": (1, 3)}, (640, 360), {"isp": ((0, 0, 640, 360), 640, 360),   # the isp size: as it is
                                           "preview": ((140, 0, 360, 360), 300, 300)}),
    ({"setVideoSize": (1280, 720)}, (1920, 1080), {"video": ((320, 180, 1280, 720), 1280, 720),
                                                   "preview": ((600, 180, 720, 720), 300, 300),
                                                   "isp": ((0, 0, 1920, 1080), 1920, 1080)}),
    ({"setVideoSize": (1280, 720), "setPreviewKeepAspectRatio": (False,)}, (1920, 1080),
     {"preview": ((320, 180, 1280, 720), 300, 300)}),
    ({"setVideoSize": (1280, 720), "setSensorCrop": (0.0, 0.0)}, (1920, 1080),
     {"video": ((0, 0, 1280, 720), 1280, 720)}),
    ({"setVideoSize": (1280, 720), "setSensorCrop": (0.9, 0.5)}, (1920, 1080),
     {"video": ((640, 360, 1280, 720), 1280, 720)}),            # clamped inside the isp
    ({"setResolution": (R.THE_12_MP,)}, (4056, 3040), {"video": ((108, 440, 3840, 2160), 3840, 2160),
                                                        "still": ((12, 0, 4032, 3040), 4032, 3040)}),
    ({"setResolution": (R.THE_4_K,), "setIspScale": (1, 2)}, (3840, 2160),
     {"isp": ((0, 0, 3840, 2160), 1920, 1080), "video": ((0, 0, 3840, 2160), 1920, 1080)}),
    ({"setIspScale": (1, 2, 1, 1)}, (1920, 1080), {"isp": ((0, 0, 1920, 1080), 960, 1080),   # anamorphic
                                                   "preview": ((0, 60, 1920, 960), 300, 300)}),
    ({"setStillSize": (1280, 960)}, (1920, 1080), {"still": ((240, 0, 1440, 1080), 1280, 960)}),
]


@pytest.mark.parametrize("setters, src, expected", LAYOUTS)
def test_color_camera_geometry(setters, src, expected):
    _, props = _props(**setters)
    layout = color_layout(props, *src)
    for name, (window, w, h) in expected.items():
        assert layout[name][1:] == (w, h), name
        assert layout[name][0] == pytest.approx(window), name


def test_a_video_bigger_than_the_isp_is_refused():
    _, props = _props(setVideoSize=(1920, 1080), setIspScale=(1, 2))
    with pytest.raises(LayoutError, match="video size 1920x1080 is larger than the isp size 960x540"):
        color_layout(props, 960, 540)
    assert color_layout(props, 960, 540, strict=False)["video"][1:] == (960, 540)   # video and preview unused


@pytest.mark.parametrize("setters, isp, video, still", [
    ({}, (1920, 1080), (1920, 1080), (1920, 1080)),
    ({"setResolution": (R.THE_4_K,)}, (3840, 2160), (3840, 2160), (3840, 2160)),
    ({"setResolution": (R.THE_12_MP,)}, (4056, 3040), (3840, 2160), (4032, 3040)),
    ({"setResolution": (R.THE_12_MP,), "setIspScale": (1, 2)}, (2028, 1520), (1920, 1080), (2016, 1520)),
    ({"setResolution": (R.THE_13_MP,)}, (4208, 3120), (3840, 2160), (4192, 3120)),
    ({"setResolution": (R.THE_1200_P,)}, (1920, 1200), (1920, 1200), (1920, 1200)),
    ({"setResolution": (R.THE_5_MP,)}, (2592, 1944), (2592, 1944), (2592, 1944)),
    ({"setResolution": (R.THE_720_P,)}, (1280, 720), (1280, 720), (1280, 720)),
    ({"setResolution": (R.THE_1352X1012,)}, (1352, 1012), (1352, 1012), (1352, 1012)),
    ({"setIspScale": (2, 3)}, (1280, 720), (1280, 720), (1280, 720)),
    ({"setIspScale": (1, 7)}, (275, 155), (275, 155), (275, 155)),      # rounded up, as gen2
    ({"setVideoSize": (640, 480), "setStillSize": (320, 240)}, (1920, 1080), (640, 480), (320, 240)),
])
def test_sizes_follow_gen2s_auto_rules(setters, isp, video, still):
    cam, _ = _props(**setters)
    assert (cam.getIspSize(), cam.getVideoSize(), cam.getStillSize()) == (isp, video, still)


# -- end to end --

def _color(preview=(160, 90), streams=("preview",), fps=30.0, **setters):
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    cam.setPreviewSize(*preview)
    cam.setFps(fps)
    for name, args in setters.items():
        getattr(cam, name)(*args)
    for stream in streams:
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(stream)
        getattr(cam, stream).link(xout.input)
    return p, cam


def _frames(queue, n):
    return [queue.get(timeout=10) for _ in range(n)]


def _pulled(harness, output, n):
    return [harness.pull(output, timeout=10) for _ in range(n)]


@pytest.mark.parametrize("fmt", ["h264-mp4", "h264-mkv", "mjpeg-avi", "h265-mkv"])
def test_video_preview_matches_the_decoded_frames(tmp_path, fmt):
    path = tmp_path / f"clip.{need_format(fmt)}"
    make_video(path, count=8, fmt=fmt)
    decoded = decode_video(path)
    _, cam = _color()
    with NodeHarness(cam, outputs=["preview"], cameras={"CAM_A": str(path)}, realtime=False) as h:
        frames = _pulled(h, "preview", 8)
    assert [f.getSequenceNum() for f in frames] == list(range(8))
    expected = [cv2.resize(d, (160, 90), interpolation=cv2.INTER_AREA) for d in decoded]
    for k, frame in enumerate(frames):
        assert (frame.getWidth(), frame.getHeight(), frame.getType()) == (160, 90, dai.ImgFrame.Type.BGR888i)
        assert frame.getInstanceNum() == 0
        assert mean_abs_diff(frame.getCvFrame(), expected[k]) < 3     # YUV→BGR conversions differ a little
        assert closest(frame.getCvFrame(), expected) == k


@pytest.mark.parametrize("interleaved", [True, False])
def test_full_size_previews_kept_by_the_host_each_show_their_own_decoded_frame(tmp_path, interleaved):
    """The conversion's middle steps (I420 packed from the decoder's planes, BGR before planar) reuse
    one buffer from frame to frame; what the host keeps is the frame's own memory."""
    make_video(tmp_path / "clip.mp4", count=12, size=(640, 360))
    decoded = decode_video(tmp_path / "clip.mp4")
    p, _ = _color(preview=(640, 360), setInterleaved=(interleaved,))
    with dai.Device(p, cameras={"CAM_A": str(tmp_path / "clip.mp4")}, realtime=False) as device:
        kept = _frames(device.getOutputQueue("preview", 12), 12)
    for k, frame in enumerate(kept):
        assert frame.getType() == (dai.ImgFrame.Type.BGR888i if interleaved else dai.ImgFrame.Type.BGR888p)
        assert mean_abs_diff(frame.getCvFrame(), decoded[k]) < 3
        assert closest(frame.getCvFrame(), decoded) == k


def test_preview_keeps_the_aspect_ratio_by_cropping_the_centre(tmp_path):
    make_video(tmp_path / "clip.mp4", count=2)
    first = decode_video(tmp_path / "clip.mp4")[0]
    results = {}
    for keep in (True, False):
        _, cam = _color(preview=(90, 90), setPreviewKeepAspectRatio=(keep,), setInterleaved=(False,),
                        setColorOrder=(dai.ColorCameraProperties.ColorOrder.RGB,))
        with NodeHarness(cam, outputs=["preview"], cameras={"RGB": str(tmp_path / "clip.mp4")}, realtime=False) as h:
            results[keep] = h.pull("preview", timeout=10)
    assert results[True].getType() == dai.ImgFrame.Type.RGB888p
    centre = cv2.resize(first[:, 70:250], (90, 90), interpolation=cv2.INTER_AREA)
    squeezed = cv2.resize(first, (90, 90), interpolation=cv2.INTER_AREA)
    assert mean_abs_diff(results[True].getCvFrame(), centre) < 2
    assert mean_abs_diff(results[False].getCvFrame(), squeezed) < 2


def test_isp_and_video_from_a_video_file(tmp_path):
    make_video(tmp_path / "clip.mp4", count=2)
    first = decode_video(tmp_path / "clip.mp4")[0]
    # 320x180 source → 720p sensor → isp ×1/4 = 320x180; video = its centre 160x90
    _, cam = _color(streams=("isp", "video"), setResolution=(R.THE_720_P,), setIspScale=(1, 4),
                    setVideoSize=(160, 90))
    with NodeHarness(cam, outputs=["isp", "video"], cameras={"CAM_A": str(tmp_path / "clip.mp4")},
                     realtime=False) as h:
        isp = h.pull("isp", timeout=10)
        video = h.pull("video", timeout=10)
    assert (isp.getWidth(), isp.getHeight(), isp.getType()) == (320, 180, dai.ImgFrame.Type.YUV420p)
    assert (video.getWidth(), video.getHeight(), video.getType()) == (160, 90, dai.ImgFrame.Type.NV12)
    assert isp.getSequenceNum() == video.getSequenceNum() and isp.getTimestamp() == video.getTimestamp()
    assert mean_abs_diff(isp.getCvFrame(), first) < 3
    assert mean_abs_diff(video.getCvFrame(), first[45:135, 80:240]) < 3


def test_an_image_folder_plays_in_name_order_then_ends(tmp_path):
    write_images(tmp_path / "frames", size=(192, 108), names=["f10.png", "f9.png", "f1.png"])
    _, cam = _color(preview=(192, 108))
    with NodeHarness(cam, outputs=["preview"], cameras={"CAM_A": str(tmp_path / "frames")}, realtime=False) as h:
        frames = _pulled(h, "preview", 3)
        with pytest.raises(RuntimeError, match=r"CAM_A: frames/ ended after 3 frames"):
            h.pull("preview", timeout=10)
    # f1, f9, f10 were written as pattern frames 2, 1, 0; a 16:9 image on a 16:9 sensor is not cropped
    for frame, k in zip(frames, (2, 1, 0)):
        np.testing.assert_array_equal(frame.getCvFrame(), frame_pattern(k, 192, 108))


def test_a_single_image_repeats_and_crosses_by_reference(tmp_path):
    path = write_images(tmp_path, count=1, size=(320, 180))[0]
    p, _ = _color(preview=(320, 180), fps=60)
    with dai.Device(p, cameras={"CAM_A": str(path)}) as device:
        frames = _frames(device.getOutputQueue("preview"), 6)
    assert [f.getSequenceNum() for f in frames] == list(range(6))
    for frame in frames:
        np.testing.assert_array_equal(frame.getCvFrame(), frame_pattern(0, 320, 180))
        assert not frame.getFrame().flags.writeable   # one published copy, shared by every frame


def test_frames_of_a_video_cross_by_reference_and_a_kept_frame_is_never_written_again(tmp_path):
    """preview, isp and video are computed into their outputs' pools of shared memory, which the
    links lend: the host reads the first frames in place (a receiver keeps at most half of a pool
    lent, then gets copies), and each of the 24 frames it keeps (more than a pool holds) still
    shows, at the end, the picture it showed on arrival."""
    make_video(tmp_path / "clip.mp4", count=24, size=(640, 360))
    p, _ = _color(preview=(640, 360), streams=("preview", "isp", "video"), setIspScale=(1, 3),
                  setVideoSize=(320, 180))
    with dai.Device(p, cameras={"CAM_A": str(tmp_path / "clip.mp4")}, realtime=False) as device:
        queues = {name: device.getOutputQueue(name, 30) for name in ("preview", "isp", "video")}
        kept, on_arrival = [], []
        for _ in range(24):
            for queue in queues.values():
                frame = queue.get(timeout=10)
                kept.append(frame)
                on_arrival.append(frame.getFrame().copy())
    assert not any(frame.getFrame().flags.writeable for frame in kept[:3])   # lent, not copied
    assert sum(not frame.getFrame().flags.writeable for frame in kept) < len(kept)   # then copies
    for frame, picture in zip(kept, on_arrival):
        np.testing.assert_array_equal(frame.getFrame(), picture)
    previews = on_arrival[0::3]
    assert all(np.any(a != b) for a, b in zip(previews, previews[1:]))   # 24 pictures, each its own


@pytest.mark.parametrize("orientation, flip", [
    (dai.CameraImageOrientation.HORIZONTAL_MIRROR, lambda img: img[:, ::-1]),
    (dai.CameraImageOrientation.ROTATE_180_DEG, lambda img: img[::-1, ::-1]),
])
def test_image_orientation_flips_the_source(tmp_path, orientation, flip):
    path = write_images(tmp_path, count=1, size=(192, 108))[0]
    _, cam = _color(preview=(192, 108), setImageOrientation=(orientation,))
    with NodeHarness(cam, outputs=["preview"], cameras={"CAM_A": str(path)}) as h:
        frame = h.pull("preview", timeout=10)
    np.testing.assert_array_equal(frame.getCvFrame(), flip(frame_pattern(0, 192, 108)))


def test_offline_mode_delivers_every_frame_without_gaps(tmp_path):
    make_video(tmp_path / "clip.mp4", count=60, size=(64, 36))
    p, _ = _color(preview=(64, 36), fps=5)            # 5 fps in real time would take 12 s
    start = time.monotonic()
    with dai.Device(p, cameras={"CAM_A": str(tmp_path / "clip.mp4")}, realtime=False) as device:
        q = device.getOutputQueue("preview", maxSize=2, blocking=True)
        frames = []
        for _ in range(60):
            frames.append(q.get(timeout=10))
            if len(frames) % 20 == 0:
                time.sleep(0.2)                          # a slow consumer: nothing may be dropped
        with pytest.raises(RuntimeError, match="ended after 60 frames"):
            q.get(timeout=10)
    assert [f.getSequenceNum() for f in frames] == list(range(60))
    decoded = decode_video(tmp_path / "clip.mp4")
    assert [closest(f.getCvFrame(), decoded) for f in frames[::7]] == list(range(0, 60, 7))
    assert time.monotonic() - start < 8


def test_stop_at_end_in_real_time_raises_after_the_last_frame(tmp_path):
    make_video(tmp_path / "clip.mp4", count=6, size=(64, 36))
    p, _ = _color(preview=(64, 36))
    lines = []
    with dai.Device(p, cameras={"CAM_A": str(tmp_path / "clip.mp4")}, camera_end="stop") as device:
        device.addLogCallback(lines.append)
        q = device.getOutputQueue("preview")
        frames = []
        with pytest.raises(RuntimeError, match=r"Queue 'preview': the stream ended: ColorCamera\(0\): "
                                               r"CAM_A: clip.mp4 ended after 6 frames"):
            while True:
                frames.append(q.get(timeout=10))
    assert 3 <= len(frames) <= 6
    assert [f.getSequenceNum() for f in frames] == list(range(len(frames)))
    ended = [m for m in lines if "ended after" in m.payload]
    assert ended and ended[0].level == dai.LogLevel.WARN and ended[0].nodeIdName == "ColorCamera(0)"


def test_loop_at_end_starts_the_video_again(tmp_path):
    make_video(tmp_path / "clip.mp4", count=5, size=(64, 36))
    decoded = decode_video(tmp_path / "clip.mp4")
    _, cam = _color(preview=(64, 36))
    with NodeHarness(cam, outputs=["preview"], cameras={"CAM_A": str(tmp_path / "clip.mp4")}, realtime=False,
                     camera_end="loop") as h:
        frames = _pulled(h, "preview", 12)
    assert [f.getSequenceNum() for f in frames] == list(range(12))
    assert [closest(f.getCvFrame(), decoded) for f in frames] == [k % 5 for k in range(12)]


def test_environment_variables_work_for_unmodified_programs(tmp_path, monkeypatch):
    make_video(tmp_path / "clip.mp4", count=4)
    monkeypatch.setenv("OAKLING_CAMERA_rgb", str(tmp_path / "clip.mp4"))
    monkeypatch.setenv("OAKLING_REALTIME", "0")
    monkeypatch.setenv("OAKLING_CAMERA_END", "stop")
    decoded = decode_video(tmp_path / "clip.mp4")
    p, _ = _color()
    with dai.Device(p) as device:
        q = device.getOutputQueue("preview")
        frames = _frames(q, 4)
        with pytest.raises(RuntimeError, match="clip.mp4 ended after 4 frames"):
            q.get(timeout=10)
    for frame, expected in zip(frames, decoded):
        assert mean_abs_diff(frame.getCvFrame(), cv2.resize(expected, (160, 90), interpolation=cv2.INTER_AREA)) < 3


def test_still_capture_from_a_video_source(tmp_path):
    make_video(tmp_path / "clip.mp4", count=30)
    p, cam = _color(streams=("preview", "still"), setResolution=(R.THE_720_P,), setPreviewKeepAspectRatio=(False,))
    xin = p.create(dai.node.XLinkIn)
    xin.setStreamName("control")
    xin.out.link(cam.inputControl)
    with dai.Device(p, cameras={"CAM_A": str(tmp_path / "clip.mp4")}) as device:
        previews, stills = device.getOutputQueue("preview", 30, False), device.getOutputQueue("still")
        _frames(previews, 3)
        assert stills.tryGet() is None                      # nothing until asked
        device.getInputQueue("control").send(dai.CameraControl().setCaptureStill(True))
        still = stills.get(timeout=10)
        by_seq = {}
        while still.getSequenceNum() not in by_seq:        # each stream has its own link: wait for its preview
            frame = previews.get(timeout=10)
            by_seq[frame.getSequenceNum()] = frame
            assert frame.getSequenceNum() <= still.getSequenceNum()
    assert (still.getWidth(), still.getHeight(), still.getType()) == (1280, 720, dai.ImgFrame.Type.NV12)
    preview = by_seq[still.getSequenceNum()]                # the same capture
    assert preview.getTimestamp() == still.getTimestamp()
    small = cv2.resize(still.getCvFrame(), (160, 90), interpolation=cv2.INTER_AREA)
    assert mean_abs_diff(small, preview.getCvFrame()) < 3


def test_a_decode_error_is_an_error_line_naming_the_camera_and_ends_the_stream(tmp_path):
    path = tmp_path / "broken.mp4"
    make_broken_video(path)
    _, cam = _color()
    with NodeHarness(cam, outputs=["preview"], cameras={"CAM_A": str(path)}, realtime=False) as h:
        lines = h.logs
        with pytest.raises(RuntimeError, match=r"CAM_A: broken.mp4: cannot decode frame \d+: Invalid data"):
            while True:
                h.pull("preview", timeout=10)
    errors = [m for m in lines if m.level == dai.LogLevel.ERR]
    assert errors and errors[0].nodeIdName == "ColorCamera(0)" and "broken.mp4: cannot decode" in errors[0].payload


def test_settings_that_cannot_make_frames_are_an_error_line(tmp_path):
    _, cam = _color(streams=("video",), setIspScale=(1, 2), setVideoSize=(1920, 1080))
    with NodeHarness(cam, outputs=["video"]) as h:
        with pytest.raises(RuntimeError, match="video size 1920x1080 is larger than the isp size 960x540"):
            h.pull("video", timeout=10)
