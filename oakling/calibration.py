"""The device's calibration: a default OAK-D-like one, as the host and scripts read it.

    calib = device.readCalibration()                        # or Device.readCalibration2() in a script
    calib.getCameraIntrinsics(dai.CameraBoardSocket.CAM_A, 640, 400)
    calib.getBaselineDistance()                             # 7.5 (cm)

The colour camera sits in the middle (CAM_A, 1920x1080, 68.8° horizontal field of view) and the
stereo pair 7.5 cm apart (CAM_B left, CAM_C right, 1280x800, 71.9°); intrinsics come from the fields
of view, with no distortion and no rectification rotation. It does not follow the cameras' sources.
"""
from __future__ import annotations

import math

from .messages.enums import CameraBoardSocket

_CAMERAS = {   # socket -> (width, height, horizontal field of view in degrees)
    CameraBoardSocket.CAM_A: (1920, 1080, 68.7938),
    CameraBoardSocket.CAM_B: (1280, 800, 71.86),
    CameraBoardSocket.CAM_C: (1280, 800, 71.86),
}
_POSITION_CM = {CameraBoardSocket.CAM_A: 0.0, CameraBoardSocket.CAM_B: -3.75, CameraBoardSocket.CAM_C: 3.75}


class CalibrationHandler:
    """What `Device.readCalibration()` (host) and `Device.readCalibration2()` (scripts) return: a
    default calibration with gen2's getters. Matrices are lists of lists; translations in
    centimetres, as gen2's."""

    def _camera(self, socket):
        try:
            return _CAMERAS[CameraBoardSocket(int(socket))]
        except (KeyError, ValueError):
            raise RuntimeError(f"There is no calibration for camera socket {socket!r}; this device has "
                               f"{[s.name for s in _CAMERAS]}") from None

    def getEepromData(self):
        return None

    def getStereoLeftCameraId(self):
        return CameraBoardSocket.CAM_B

    def getStereoRightCameraId(self):
        return CameraBoardSocket.CAM_C

    def getFov(self, cameraId, useSpec: bool = True) -> float:
        return self._camera(cameraId)[2]

    def getCameraIntrinsics(self, cameraId, resizeWidth: int = -1, resizeHeight: int = -1,
                            topLeftPixelId=None, bottomRightPixelId=None, keepAspectRatio: bool = True):
        width, height, hfov = self._camera(cameraId)
        fx = (width / 2) / math.tan(math.radians(hfov) / 2)
        cx, cy, fy = width / 2, height / 2, fx
        if resizeWidth > 0 or resizeHeight > 0:
            sx = resizeWidth / width if resizeWidth > 0 else resizeHeight / height
            sy = resizeHeight / height if resizeHeight > 0 else sx
            if keepAspectRatio:
                sx = sy = max(sx, sy)
            fx, cx, fy, cy = fx * sx, cx * sx, fy * sy, cy * sy
        return [[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]]

    def getDefaultIntrinsics(self, cameraId):
        width, height, _ = self._camera(cameraId)
        return self.getCameraIntrinsics(cameraId), width, height

    def getDistortionCoefficients(self, cameraId) -> list:
        self._camera(cameraId)
        return [0.0] * 14

    def getCameraExtrinsics(self, srcCamera, dstCamera, useSpecTranslation: bool = False):
        self._camera(srcCamera), self._camera(dstCamera)
        dx = _POSITION_CM[CameraBoardSocket(int(srcCamera))] - _POSITION_CM[CameraBoardSocket(int(dstCamera))]
        return [[1.0, 0.0, 0.0, dx], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]

    def getCameraTranslationVector(self, srcCamera, dstCamera, useSpecTranslation: bool = True) -> list:
        return [row[3] for row in self.getCameraExtrinsics(srcCamera, dstCamera)[:3]]

    def getBaselineDistance(self, cam1=CameraBoardSocket.CAM_C, cam2=CameraBoardSocket.CAM_B,
                            useSpecTranslation: bool = True) -> float:
        return abs(self.getCameraTranslationVector(cam1, cam2)[0])

    def getStereoLeftRectificationRotation(self):
        return [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]

    getStereoRightRectificationRotation = getStereoLeftRectificationRotation
