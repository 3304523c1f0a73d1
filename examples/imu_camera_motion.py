#!/usr/bin/env python3
"""A camera and the IMU of a moving device: how far it has turned, by the gyroscope and by the pictures.

    oakling run --motion pan examples/imu_camera_motion.py
    oakling run --motion shake --headless --max-frames 20 examples/imu_camera_motion.py

MonoCamera on CAM_B (LEFT) and IMU (gyroscope at 400 Hz) → host. The host takes the newest frame,
integrates the gyroscope's readings up to its timestamp, and finds, from the pictures alone, the
rotation between the first frame and this one (SIFT matches, a homography, the camera's intrinsics from the
calibration). Each line printed is one frame: its number and both angles in degrees. Under
`--motion` the synthetic cameras and IMU follow one motion, so the two agree; on an OAK they agree
as well as its calibration and timestamps do. A host too slow to take every IMU reading starts
counting again from the frame it has (said in a line). Press q to quit.
"""
import cv2
import depthai as dai
import numpy as np

pipeline = dai.Pipeline()
mono = pipeline.create(dai.node.MonoCamera)
mono.setBoardSocket(dai.CameraBoardSocket.CAM_B)
mono.setResolution(dai.MonoCameraProperties.SensorResolution.THE_400_P)
mono.setFps(10)
imu = pipeline.create(dai.node.IMU)
imu.enableIMUSensor(dai.IMUSensor.GYROSCOPE_RAW, 400)
imu.setBatchReportThreshold(10)
imu.setMaxBatchReports(20)
for name, out in (("mono", mono.out), ("imu", imu.out)):
    xout = pipeline.create(dai.node.XLinkOut)
    xout.setStreamName(name)
    out.link(xout.input)


def rotation(vector):
    matrix, _ = cv2.Rodrigues(np.asarray(vector, np.float64).reshape(3, 1))
    return matrix


def degrees(matrix) -> float:
    return float(np.degrees(np.linalg.norm(cv2.Rodrigues(matrix)[0])))


def turn(gyro, since: float, t: float):
    """The rotation the gyroscope's (time, rate) readings turn through from `since` to t, or None if
    readings in between were lost (the host fell behind)."""
    inside = [i for i, (ts, _) in enumerate(gyro) if since <= ts <= t]
    if not inside or inside[0] == 0 or inside[-1] == len(gyro) - 1:
        return None
    span = gyro[inside[0] - 1:inside[-1] + 2]
    if max(tb - ta for (ta, _), (tb, _) in zip(span, span[1:])) > 0.01:
        return None
    total = np.eye(3)
    for (ta, wa), (tb, wb) in zip(span, span[1:]):
        a, b = max(ta, since), min(tb, t)
        if b > a:
            total = total @ rotation((wa + wb) / 2 * (b - a))
    return total


# The OAK-D's IMU axes in the camera's (x right, y down, z forward): IMU x is down, y forward, z right.
IMU_TO_CAMERA = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
sift = cv2.SIFT_create()
matcher = cv2.BFMatcher()

with dai.Device(pipeline) as device:
    k = np.array(device.readCalibration().getCameraIntrinsics(dai.CameraBoardSocket.CAM_B, 640, 400))
    frames = device.getOutputQueue("mono", maxSize=1, blocking=False)       # the newest frame
    readings = device.getOutputQueue("imu", maxSize=200, blocking=False)    # every reading
    gyro = []            # (seconds, rate in the camera's axes)
    first, count = None, 0
    while True:
        frame = frames.get()
        t = frame.getTimestampDevice().total_seconds()
        while not gyro or gyro[-1][0] <= t:        # the readings up to just after this frame
            for packet in readings.get().packets:
                g = packet.gyroscope
                gyro.append((g.getTimestampDevice().total_seconds(), IMU_TO_CAMERA @ [g.x, g.y, g.z]))
        picture = frame.getCvFrame()
        step = turn(gyro, since, t) if first is not None else None
        if step is None:   # the first frame, or readings lost: count from this frame
            first, since, turned = sift.detectAndCompute(picture, None), t, np.eye(3)
            if count:
                print(f"frame {count}: gyroscope readings lost, counting again from here")
        else:
            turned, since = turned @ step, t
        gyro = [r for r in gyro if r[0] >= t - 0.01]
        points, descriptors = sift.detectAndCompute(picture, None)
        good = [m for m, n in matcher.knnMatch(first[1], descriptors, k=2) if m.distance < 0.7 * n.distance]
        seen = float("nan")
        if len(good) >= 20:
            p1 = np.float32([first[0][m.queryIdx].pt for m in good])
            p2 = np.float32([points[m.trainIdx].pt for m in good])
            homography, _ = cv2.findHomography(p1, p2, cv2.RANSAC, 1.0)
            u, _, vt = np.linalg.svd(np.linalg.inv(k) @ homography @ k)
            seen = degrees(u @ vt)
        print(f"frame {count}: gyroscope {degrees(turned):.2f} deg, pictures {seen:.2f} deg")
        cv2.putText(picture, f"gyro {degrees(turned):.2f} deg  pictures {seen:.2f} deg", (10, 30),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.7, 255, 2)
        cv2.imshow("mono", picture)
        count += 1
        if cv2.waitKey(1) == ord("q"):
            break
