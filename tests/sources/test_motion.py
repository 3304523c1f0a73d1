"""The device's motion: trajectories and their derivatives, the IMU readings made of them, the scene
rendered from a pose, the Device's motion option, and, on a running device, a camera's pictures and
the IMU's gyroscope that agree about how the device turned."""
import math
import time

import cv2
import numpy as np
import pytest

import oakling as dai
from oakling.calibration import oak_d
from oakling.sources import SourceError
from oakling.sources.imu import GRAVITY, STILL_ORIENTATION, rotate, synthetic_reading
from oakling.sources.motion import (CAMERA_TO_IMU, MOTIONS, Trajectory, exp_rotation, load_poses, log_rotation,
                                    motion_option, quaternion_of)
from oakling.sources.stereo_scene import render, render_pose

S = dai.IMUSensor
TIMEOUT = 20.0


def angle_deg(rotation) -> float:
    return math.degrees(float(np.linalg.norm(log_rotation(rotation))))


def integrate(gyro: list, t1: float, t2: float) -> np.ndarray:
    """The rotation (IMU axes) the gyroscope's (time, rate) readings turn through between t1 and t2."""
    rotation = np.eye(3)
    for (ta, wa), (tb, wb) in zip(gyro, gyro[1:]):
        a, b = max(ta, t1), min(tb, t2)
        if b > a:
            rotation = rotation @ exp_rotation((np.asarray(wa) + np.asarray(wb)) / 2 * (b - a))
    return rotation


def test_rotations_round_trip():
    r = np.array([0.3, -0.2, 0.5])
    assert np.allclose(log_rotation(exp_rotation(r)), r)
    assert np.allclose(log_rotation(exp_rotation(r * 1e-7)), r * 1e-7, rtol=1e-6)
    q = quaternion_of(exp_rotation(r))
    assert np.allclose(rotate(q, (1.0, 2.0, 3.0)), exp_rotation(r) @ (1.0, 2.0, 3.0))


def test_still_is_todays_device_and_pan_turns_about_the_vertical():
    still = Trajectory("still")
    assert still.still and np.array_equal(still.pose(3.0)[0], np.eye(3))
    assert np.allclose(quaternion_of(still.imu_orientation(0.0)), STILL_ORIENTATION)
    assert np.allclose(still.specific_force(1.0, GRAVITY), [-GRAVITY, 0, 0])   # as a still OAK-D reads
    pan = Trajectory("pan")
    for t in (0.0, 1.3, 5.1):
        rate = math.radians(15) * 2 * math.pi / 8 * math.cos(2 * math.pi * t / 8)
        assert np.allclose(pan.angular_velocity(t), [0, rate, 0], atol=1e-7)   # about the camera's y (down)
        assert np.allclose(pan.imu_angular_velocity(t), [rate, 0, 0], atol=1e-7)   # the IMU's x
    assert angle_deg(pan.pose(2.0)[0]) == pytest.approx(15.0)


@pytest.mark.parametrize("kind", ["pan", "shake", "walk"])
def test_the_integrated_gyroscope_is_the_turn_between_two_poses(kind):
    trajectory, rng, rate = Trajectory(kind), np.random.default_rng(1), 400
    t1, t2 = 0.7, 2.2
    times = np.arange(round(t1 * rate), round(t2 * rate) + 1) / rate
    gyro = [(t, synthetic_reading(S.GYROSCOPE_RAW, rng, trajectory, t)[0]) for t in times]
    turned = integrate(gyro, t1, t2)
    truth = CAMERA_TO_IMU @ trajectory.pose(t1)[0].T @ trajectory.pose(t2)[0] @ CAMERA_TO_IMU.T
    assert angle_deg(truth) > 0.5
    assert angle_deg(turned.T @ truth) < 0.05


def test_the_accelerometer_reads_acceleration_minus_gravity_in_the_imus_axes():
    walk, rng = Trajectory("walk"), np.random.default_rng(2)
    t = 2.5   # forward acceleration of 0.15 m (2π/10 s)² cos(π/2)... and the bobbing's
    forward = 0.15 * (2 * math.pi / 10) ** 2 * math.cos(2 * math.pi * t / 10)
    bob = -0.015 * (2 * math.pi * 1.8) ** 2 * math.sin(2 * math.pi * 1.8 * t)
    assert np.allclose(walk.acceleration(t)[1:], [bob, forward], atol=1e-4)
    reads = np.mean([synthetic_reading(S.ACCELEROMETER, rng, walk, t)[0] for _ in range(400)], axis=0)
    rotation = walk.pose(t)[0]
    expected = CAMERA_TO_IMU @ rotation.T @ (walk.acceleration(t) - GRAVITY * np.array([0, 1.0, 0]))
    assert np.allclose(reads, expected, atol=0.01)
    linear = np.mean([synthetic_reading(S.LINEAR_ACCELERATION, rng, walk, t)[0] for _ in range(400)], axis=0)
    gravity = synthetic_reading(S.GRAVITY, rng, walk, t)[0]
    assert np.allclose(linear + gravity, expected, atol=0.01)
    q = synthetic_reading(S.ROTATION_VECTOR, rng, walk, t)[0][:4]      # the orientation turns gravity's reaction up
    assert np.allclose(rotate(q, gravity), [0, 0, GRAVITY], atol=0.05)


@pytest.mark.parametrize("socket", [0, 1, 2])
def test_the_scene_from_the_rest_pose_is_the_still_scene(socket):
    picture, depth = render(socket, 640, 400)
    moved_picture, moved_depth = render_pose(socket, 640, 400, np.eye(3), np.zeros(3))
    assert np.array_equal(picture, moved_picture) and np.array_equal(depth, moved_depth)


def test_a_turned_camera_sees_the_scene_through_the_rotations_homography():
    calibration = oak_d()
    k = np.array(calibration.getCameraIntrinsics(dai.CameraBoardSocket.CAM_A, 640, 400))
    turn = exp_rotation((0.02, 0.1, -0.03))
    still, _ = render_pose(0, 640, 400, np.eye(3), np.zeros(3))
    turned, depth = render_pose(0, 640, 400, turn, np.zeros(3))
    # a pixel p of the still camera is at K turnᵀ K⁻¹ p in the turned one
    expected = cv2.warpPerspective(still, k @ turn.T @ np.linalg.inv(k), (640, 400), flags=cv2.INTER_LINEAR)
    inside = cv2.warpPerspective(np.ones_like(still), k @ turn.T @ np.linalg.inv(k), (640, 400)) > 0
    inside = cv2.erode(inside.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert inside.mean() > 0.6
    assert np.median(np.abs(turned[inside].astype(int) - expected[inside])) <= 3
    assert depth.min() > 900 and depth.max() < 3600


def test_the_motion_option():
    assert motion_option(None, {}) is None and motion_option("still", {}) is None
    assert motion_option(None, {"OAKLING_MOTION": "Pan"}) == {"kind": "pan"}
    assert motion_option("walk", {"OAKLING_MOTION": "pan"}) == {"kind": "walk"}
    with pytest.raises(SourceError, match=r"OAKLING_MOTION: unknown motion 'spin' — give one of still, pan"):
        motion_option(None, {"OAKLING_MOTION": "spin"})
    with pytest.raises(SourceError, match=r"Device\(motion=...\)"):
        motion_option(3, {})
    assert set(MOTIONS) == {"still", "pan", "shake", "walk"}


def write_poses(path, times, moving: bool = True) -> list:
    """A pose file of a device turning (and, if `moving`, moving) smoothly; its (R, c) at each time."""
    poses, lines = [], ["# a test's poses", "time,x,y,z,qi,qj,qk,qreal"]
    for t in times:
        rotation = exp_rotation((0.03 * math.sin(t), 0.15 * math.sin(1.3 * t), 0.02 * t))
        centre = np.array([20 * math.sin(t), 5 * math.cos(2 * t), 60 * t]) * moving
        poses.append((rotation, centre))
        lines.append(",".join(map(str, [t, *centre, *quaternion_of(rotation)])))
    path.write_text("\n".join(lines) + "\n")
    return poses


def test_a_pose_file_passes_through_its_poses_and_its_gyroscope_integrates_to_them(tmp_path):
    times = np.arange(0, 4.01, 0.2)
    poses = write_poses(tmp_path / "poses.csv", times)
    trajectory = Trajectory("file", str(tmp_path / "poses.csv"))
    for t, (rotation, centre) in zip(times, poses):
        got_rotation, got_centre = trajectory.pose(t)
        assert np.allclose(got_rotation, rotation, atol=1e-9) and np.allclose(got_centre, centre)
    assert np.allclose(trajectory.pose(-1.0)[1], poses[0][1]) and np.allclose(trajectory.pose(9.0)[1], poses[-1][1])
    assert np.allclose(trajectory.angular_velocity(9.0), 0) and np.allclose(trajectory.acceleration(9.0), 0)
    rng, rate, t1, t2 = np.random.default_rng(3), 400, 0.5, 3.0
    gyro = [(t, synthetic_reading(S.GYROSCOPE_RAW, rng, trajectory, t)[0])
            for t in np.arange(round(t1 * rate), round(t2 * rate) + 1) / rate]
    truth = CAMERA_TO_IMU @ trajectory.pose(t1)[0].T @ trajectory.pose(t2)[0] @ CAMERA_TO_IMU.T
    assert angle_deg(truth) > 5 and angle_deg(integrate(gyro, t1, t2).T @ truth) < 0.05
    # smooth: the accelerometer sees no jolt where one pose gives way to the next
    accelerations = np.array([trajectory.acceleration(t) for t in np.arange(0.2, 3.8, 0.001)])
    assert np.abs(accelerations).max() < 0.2


@pytest.mark.parametrize("text, error", [
    ("0,0,0,0,0,0,0,1\n0.5,0,0,0,0,0,0\n", r"poses\.csv:2: expected 8 numbers"),
    ("0,0,0,0,0,0,0,2\n", r"poses\.csv:1: the quaternion .* is not a unit one"),
    ("1,0,0,0,0,0,0,1\n1,0,0,0,0,0,0,1\n", r"poses\.csv:2: time 1.0 is not after 1.0"),
    ("0,a,0,0,0,0,0,1\n", r"poses\.csv:1: expected numbers"),
    ("# nothing\n", r"poses\.csv: no poses in it"),
])
def test_a_bad_pose_file_is_named_with_its_line(tmp_path, text, error):
    (tmp_path / "poses.csv").write_text(text)
    with pytest.raises(SourceError, match=error):
        load_poses(str(tmp_path / "poses.csv"))
    with pytest.raises(SourceError, match=r"OAKLING_MOTION: pose file .*" + error.split(":", 1)[-1]):
        motion_option(None, {"OAKLING_MOTION": str(tmp_path / "poses.csv")})


def _camera_and_imu(motion: str, socket, frames_wanted: int = 14):
    """A gen2 program: a MonoCamera and an IMU's gyroscope; its frames, its gyroscope readings
    (time, rate) by time, and the camera's intrinsics."""
    p = dai.Pipeline()
    mono = p.create(dai.node.MonoCamera)
    mono.setBoardSocket(socket)
    mono.setResolution(dai.MonoCameraProperties.SensorResolution.THE_400_P)
    mono.setFps(10)
    imu = p.create(dai.node.IMU)
    imu.enableIMUSensor([dai.IMUSensor.GYROSCOPE_RAW, dai.IMUSensor.ROTATION_VECTOR], 400)
    imu.setBatchReportThreshold(5)
    imu.setMaxBatchReports(20)
    for name, port in (("mono", mono.out), ("imu", imu.out)):
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        port.link(xout.input)
    gyro: dict = {}

    def take(data):
        for packet in data.packets:
            g = packet.gyroscope
            gyro[g.sequence] = (g.getTimestampDevice().total_seconds(), (g.x, g.y, g.z))

    with dai.Device(p, motion=motion) as device:
        k = np.array(device.readCalibration().getCameraIntrinsics(socket, 640, 400))
        q_mono, q_imu = device.getOutputQueue("mono", 30, True), device.getOutputQueue("imu", 50, True)
        frames = []
        deadline = time.monotonic() + 60
        while len(frames) < frames_wanted and time.monotonic() < deadline:
            frame = q_mono.tryGet()
            if frame is not None:
                frames.append(frame)
            for data in q_imu.tryGetAll():
                take(data)
            time.sleep(0.005)
        assert len(frames) == frames_wanted
        last = frames[-1].getTimestampDevice().total_seconds()
        while max(t for t, _ in gyro.values()) < last + 0.01:
            take(q_imu.get(timeout=TIMEOUT))
        assert device.getFailedNodes() == {}
    return frames, sorted(gyro.values()), k


def _image_rotation(k, first, second) -> np.ndarray:
    """The rotation from the first camera's axes to the second's, from the two pictures alone:
    SIFT matches, a homography H = K R K⁻¹, its nearest rotation."""
    sift = cv2.SIFT_create()
    k1, d1 = sift.detectAndCompute(first, None)
    k2, d2 = sift.detectAndCompute(second, None)
    good = [a for a, b in cv2.BFMatcher().knnMatch(d1, d2, k=2) if a.distance < 0.7 * b.distance]
    assert len(good) > 50
    p1 = np.float32([k1[m.queryIdx].pt for m in good])
    p2 = np.float32([k2[m.trainIdx].pt for m in good])
    homography, _ = cv2.findHomography(p1, p2, cv2.RANSAC, 1.0)
    u, _, vt = np.linalg.svd(np.linalg.inv(k) @ homography @ k)
    return u @ vt


@pytest.mark.parametrize("motion, socket, tolerance_deg", [
    ("pan", dai.CameraBoardSocket.CAM_A, 0.05),     # turned about its own centre: a pure rotation
    ("shake", dai.CameraBoardSocket.CAM_B, 0.05),   # 37.5 mm off the centre, turned ~2°: parallax is small
    ("poses.csv", dai.CameraBoardSocket.CAM_A, 0.05),   # turned as a pose file says
])
def test_a_devices_pictures_turn_as_its_gyroscope_says(tmp_path, motion, socket, tolerance_deg):
    if motion.endswith(".csv"):
        write_poses(tmp_path / motion, np.arange(0, 10.01, 0.5), moving=False)   # a homography needs no parallax
        motion = str(tmp_path / motion)
    frames, gyro, k = _camera_and_imu(motion, socket)
    first, second = frames[2], frames[12]
    t1, t2 = (f.getTimestampDevice().total_seconds() for f in (first, second))
    assert gyro[0][0] < t1 and np.max(np.diff([t for t, _ in gyro])) < 0.003   # no reading lost: 400 Hz
    turned = CAMERA_TO_IMU.T @ integrate(gyro, t1, t2) @ CAMERA_TO_IMU   # the second camera in the first's axes
    seen = _image_rotation(k, first.getCvFrame(), second.getCvFrame())
    assert angle_deg(turned) > 1.0                       # it did turn
    assert angle_deg(seen @ turned) < tolerance_deg      # and the pictures agree (seen = turnedᵀ)


def test_a_moving_stereo_pair_takes_its_pictures_at_the_same_instants():
    """As an OAK's synchronised sensors: the left and right frames of a moving device share their
    timestamps (so each pair shows the scene from one pose), on the ticks of the frame period."""
    p = dai.Pipeline()
    for socket, name in ((dai.CameraBoardSocket.CAM_B, "left"), (dai.CameraBoardSocket.CAM_C, "right")):
        mono = p.create(dai.node.MonoCamera)
        mono.setBoardSocket(socket)
        mono.setResolution(dai.MonoCameraProperties.SensorResolution.THE_400_P)
        mono.setFps(20)
        xout = p.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        mono.out.link(xout.input)
    with dai.Device(p, motion="pan") as device:
        stamps = {name: [device.getOutputQueue(name, 30, True).get(timeout=TIMEOUT).getTimestampDevice()
                         for _ in range(20)] for name in ("left", "right")}
    periods = np.diff([t.total_seconds() for t in stamps["left"]]) / 0.05
    assert np.allclose(periods, np.rint(periods), atol=1e-4) and (np.rint(periods) == 1).mean() > 0.7   # a late one skips a tick
    assert len(set(stamps["left"]) & set(stamps["right"])) >= 15
