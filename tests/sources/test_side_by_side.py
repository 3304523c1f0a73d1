"""One side-by-side video for the stereo pair: halves, shared decoding, one number and timestamp per
picture, the host's options, and StereoDepth on it end to end."""
import threading

import numpy as np
import pytest

import oakling as dai
from oakling.sources import SourceError, camera_options, open_source
from oakling.sources.picture import Yuv420
from oakling.sources.side_by_side import half
from oakling.sources.stereo_scene import true_depth
from media import make_video, scene_sbs

LEFT, RIGHT = int(dai.CameraBoardSocket.CAM_B), int(dai.CameraBoardSocket.CAM_C)


def test_halves_are_views_of_arrays_and_of_decoder_planes():
    picture = np.arange(4 * 8).reshape(4, 8).astype(np.uint8)
    assert (half(picture, "left") == picture[:, :4]).all() and (half(picture, "right") == picture[:, 4:]).all()
    assert half(picture, "left").base is not None
    planes = Yuv420(np.zeros((4, 8), np.uint8), np.ones((2, 4), np.uint8), np.full((2, 4), 2, np.uint8))
    right = half(planes, "right")
    assert (right.y.shape, right.u.shape, right.v.shape) == ((4, 4), (2, 2), (2, 2))


def test_both_halves_share_one_decoder_and_number_each_picture_once(tmp_path):
    path = tmp_path / "sbs.mp4"
    frames = make_video(path, count=10, size=(320, 180))
    options = camera_options({"stereo": str(path)}, environ={})
    left = open_source(options["cameras"][str(LEFT)], width=160, height=180, gray=True, loop=False, socket=LEFT)
    right = open_source(options["cameras"][str(RIGHT)], width=160, height=180, gray=True, loop=False, socket=RIGHT)
    got = {"left": [], "right": []}

    def run(source, side):
        while (picture := source.read()) is not None:
            seq, ts = source.stamp(None, threading.get_ident())
            got[side].append((seq, ts, picture.copy()))

    threads = [threading.Thread(target=run, args=(s, n)) for s, n in ((left, "left"), (right, "right"))]
    [t.start() for t in threads]
    [t.join(10) for t in threads]
    assert [g[0] for g in got["left"]] == [g[0] for g in got["right"]] == list(range(10))
    assert [g[1] for g in got["left"]] == [g[1] for g in got["right"]]   # the first to ask stamps both
    assert got["left"][0][2].shape == (180, 160)
    import cv2
    grey = [cv2.cvtColor(f, cv2.COLOR_BGR2GRAY).astype(float) for f in frames]
    for k in (0, 9):   # the bright square moves right: in the left half first, then the right half
        assert abs(got["left"][k][2].astype(float).mean() - grey[k][:, :160].mean()) < 6
        assert abs(got["right"][k][2].astype(float).mean() - grey[k][:, 160:].mean()) < 6
    left.close(), right.close()


def test_a_half_that_opens_late_still_gets_the_first_pictures(tmp_path):
    """The cameras of a pair start one after the other: pictures the first has read wait for the second."""
    path = tmp_path / "sbs.mp4"
    make_video(path, count=4, size=(320, 180))
    options = camera_options({"stereo": str(path)}, environ={})
    left = open_source(options["cameras"][str(LEFT)], width=160, height=180, gray=True, loop=False, socket=LEFT)
    assert left.read() is not None and left.read() is not None
    right = open_source(options["cameras"][str(RIGHT)], width=160, height=180, gray=True, loop=False, socket=RIGHT)
    numbers = []
    while right.read() is not None:
        numbers.append(right.stamp(None, 0)[0])
    assert numbers == [0, 1, 2, 3]
    left.close(), right.close()


def test_stereo_option_describes_both_halves_and_refuses_a_second_source_for_them(tmp_path):
    path = tmp_path / "sbs.mp4"
    make_video(path, count=2)
    cams = camera_options({"stereo": path}, environ={})["cameras"]
    assert (cams[str(LEFT)]["half"], cams[str(RIGHT)]["half"]) == ("left", "right")
    assert cams[str(LEFT)]["path"] == cams[str(RIGHT)]["path"] == str(path)
    assert camera_options({}, environ={"OAKLING_STEREO": str(path)})["cameras"][str(RIGHT)]["half"] == "right"
    with pytest.raises(SourceError, match=r"'LEFT' names CAM_B, which the side-by-side stereo source"):
        camera_options({"stereo": str(path), "cameras": {"LEFT": str(path)}}, environ={})
    with pytest.raises(SourceError, match=r"no such file"):
        camera_options({"stereo": str(tmp_path / "none.mp4")}, environ={})
    with pytest.raises(SourceError, match=r"a side-by-side source is a video"):
        camera_options({"stereo": "synthetic"}, environ={})


def test_stereo_depth_on_a_side_by_side_video_pairs_its_halves_and_gets_the_depth_right(tmp_path):
    path = tmp_path / "sbs.mp4"
    scene_sbs(path)
    p = dai.Pipeline()
    stereo = p.create(dai.node.StereoDepth)
    stereo.setSubpixel(True)
    for socket, port in ((dai.CameraBoardSocket.CAM_B, stereo.left), (dai.CameraBoardSocket.CAM_C, stereo.right)):
        cam = p.create(dai.node.MonoCamera)
        cam.setBoardSocket(socket)
        cam.setResolution(dai.MonoCameraProperties.SensorResolution.THE_400_P)
        cam.out.link(port)
    for name in ("depth", "syncedLeft", "syncedRight"):
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        getattr(stereo, name).link(xout.input)
    with dai.Device(p, stereo=str(path), realtime=False) as device:
        got = {name: [device.getOutputQueue(name).get(timeout=30) for _ in range(6)]
               for name in ("depth", "syncedLeft", "syncedRight")}
    assert [f.getSequenceNum() for f in got["syncedLeft"]] == [f.getSequenceNum() for f in got["syncedRight"]] \
        == list(range(6))
    assert [f.getTimestamp() for f in got["syncedLeft"]] == [f.getTimestamp() for f in got["syncedRight"]]
    assert got["syncedLeft"][0].getInstanceNum() == LEFT and got["syncedRight"][0].getWidth() == 640
    values = got["depth"][-1].getFrame().astype(np.float32)
    truth = true_depth(RIGHT, 640, 400)
    valid = values > 0
    assert valid.mean() > 0.75
    assert (np.abs(values - truth)[valid] / truth[valid] < 0.02).mean() >= 0.95


def test_in_real_time_frames_of_one_picture_still_match(tmp_path):
    path = tmp_path / "sbs.mp4"
    make_video(path, count=30, size=(640, 200))
    p = dai.Pipeline()
    for socket, name in ((dai.CameraBoardSocket.CAM_B, "left"), (dai.CameraBoardSocket.CAM_C, "right")):
        cam = p.create(dai.node.MonoCamera)
        cam.setBoardSocket(socket)
        cam.setResolution(dai.MonoCameraProperties.SensorResolution.THE_400_P)
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        cam.out.link(xout.input)
    with dai.Device(p, stereo=str(path)) as device:
        got = {name: {f.getSequenceNum(): f for f in (device.getOutputQueue(name).get(timeout=10) for _ in range(10))}
               for name in ("left", "right")}
    both = sorted(set(got["left"]) & set(got["right"]))
    assert len(both) >= 5
    for seq in both:
        assert got["left"][seq].getTimestamp() == got["right"][seq].getTimestamp()
        assert got["left"][seq].getInstanceNum() == LEFT and got["right"][seq].getInstanceNum() == RIGHT
