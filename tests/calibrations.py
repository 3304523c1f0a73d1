"""Calibrations the tests give a device."""
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
