"""Calibrations the tests give a device, and rectification meshes made from them."""
import numpy as np

import oakling as dai
from oakling.calibration import oak_d


def wider_calibration(baseline_cm=10.0):
    """An OAK-D's calibration with the stereo pair `baseline_cm` apart, the colour camera between them."""
    calib = oak_d()
    eye = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    calib.setCameraExtrinsics(dai.CameraBoardSocket.CAM_B, dai.CameraBoardSocket.CAM_C, eye, [-baseline_cm, 0, 0],
                              [-baseline_cm, 0, 0])
    calib.setCameraExtrinsics(dai.CameraBoardSocket.CAM_C, dai.CameraBoardSocket.CAM_A, eye, [baseline_cm / 2, 0, 0],
                              [baseline_cm / 2, 0, 0])
    return calib


def rotation(x_deg=0.0, y_deg=0.0, z_deg=0.0):
    """The 3×3 rotation about x, then y, then z (degrees), as nested lists."""
    import numpy as np
    x, y, z = np.radians([x_deg, y_deg, z_deg])
    rx = np.array([[1, 0, 0], [0, np.cos(x), -np.sin(x)], [0, np.sin(x), np.cos(x)]])
    ry = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    rz = np.array([[np.cos(z), -np.sin(z), 0], [np.sin(z), np.cos(z), 0], [0, 0, 1]])
    return (rz @ ry @ rx).tolist()


def skewed_calibration():
    """An OAK-D's calibration whose stereo cameras are turned a little (by the inverse of their
    rectification rotations: up to 1.5°) and whose lenses bend straight lines (barrel distortion)."""
    calib = oak_d()
    calib.setStereoLeft(dai.CameraBoardSocket.CAM_B, rotation(0.8, -1.0, 0.5))
    calib.setStereoRight(dai.CameraBoardSocket.CAM_C, rotation(-0.5, 1.5, -0.7))
    for socket in (dai.CameraBoardSocket.CAM_B, dai.CameraBoardSocket.CAM_C):
        calib.setDistortionCoefficients(socket, [-0.08, 0.02, 0.0005, -0.0005, 0.0] + [0.0] * 9)
    return calib


def fisheye_calibration():
    """skewed_calibration's turned cameras with fisheye lenses (OpenCV's fisheye model: four
    coefficients on an equidistant projection, far from a pinhole at the edges)."""
    calib = skewed_calibration()
    for socket in (dai.CameraBoardSocket.CAM_B, dai.CameraBoardSocket.CAM_C):
        calib.setCameraType(socket, dai.CameraModel.Fisheye)
        calib.setDistortionCoefficients(socket, [0.02, -0.01, 0.002, 0.0] + [0.0] * 10)
    return calib



def gen2_mesh(map_x, map_y, step=16):
    """A rectification mesh in gen2's layout from full-size maps: (y, x) float32 pairs every `step`
    pixels, the far edges' points taken at the last pixel, rows padded as gen2's examples pad them."""
    height, width = map_x.shape
    rows = []
    for y in range(0, height + 1, step):
        row = []
        for x in range(0, width + 1, step):
            yy, xx = min(y, height - 1), min(x, width - 1)
            row += [map_y[yy, xx], map_x[yy, xx]]
        if (width % step) % 2:
            row += [0, 0]
        rows.append(row)
    return np.array(rows, np.float32).tobytes()

