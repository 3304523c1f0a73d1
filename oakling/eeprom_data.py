"""gen2's EepromData as objects: what `CalibrationHandler.getEepromData()` returns.

    eeprom = device.readCalibration().getEepromData()
    eeprom.boardName, eeprom.productName                       # "DM9098", "OAK-D"
    eeprom.cameraData[dai.CameraBoardSocket.CAM_B].width       # 1280
    eeprom.cameraData[dai.CameraBoardSocket.CAM_B].extrinsics.translation.x   # -7.5 (cm)

The calibration keeps the EEPROM as gen2's JSON (oakling/calibration.py); these classes are a view of
it with gen2's attribute names and types (sockets as CameraBoardSocket, translations as Point3f),
and `to_json()` gives the JSON back, so `dai.CalibrationHandler(eepromData)` takes one.
"""
from __future__ import annotations

import copy

from .messages.enums import CameraBoardSocket
from .messages.geometry import Point3f


def _socket(value: int):
    """A socket number as gen2 gives it: a CameraBoardSocket, or -1 where there is none."""
    return CameraBoardSocket(value) if value >= 0 else value


def _point(data: dict) -> Point3f:
    return Point3f(data.get("x", 0.0), data.get("y", 0.0), data.get("z", 0.0))


def _point_json(p: Point3f) -> dict:
    return {"x": float(p.x), "y": float(p.y), "z": float(p.z)}


class Extrinsics:
    """Where a camera (or the IMU, or the housing) is relative to `toCameraSocket`: a 3×3 rotation and
    a translation in centimetres."""

    def __init__(self):
        self.rotationMatrix: list = []
        self.translation = Point3f()
        self.specTranslation = Point3f()
        self.toCameraSocket = -1

    @classmethod
    def from_json(cls, data: dict) -> "Extrinsics":
        made = cls()
        made.rotationMatrix = copy.deepcopy(data.get("rotationMatrix", []))
        made.translation = _point(data.get("translation", {}))
        made.specTranslation = _point(data.get("specTranslation", {}))
        made.toCameraSocket = _socket(int(data.get("toCameraSocket", -1)))
        return made

    def to_json(self) -> dict:
        return {"rotationMatrix": copy.deepcopy(self.rotationMatrix), "translation": _point_json(self.translation),
                "specTranslation": _point_json(self.specTranslation), "toCameraSocket": int(self.toCameraSocket)}


class CameraInfo:
    """One camera's calibration: size, intrinsics, distortion, field of view, extrinsics."""

    _PLAIN = ("cameraType", "width", "height", "specHfovDeg", "lensPosition")

    def __init__(self):
        self.cameraType = 0
        self.width = self.height = 0
        self.specHfovDeg = 0.0
        self.lensPosition = 0
        self.intrinsicMatrix: list = [[0.0] * 3 for _ in range(3)]
        self.distortionCoeff: list = [0.0] * 14
        self.extrinsics = Extrinsics()

    @classmethod
    def from_json(cls, data: dict) -> "CameraInfo":
        made = cls()
        for name in cls._PLAIN:
            setattr(made, name, data.get(name, getattr(made, name)))
        made.intrinsicMatrix = copy.deepcopy(data.get("intrinsicMatrix", made.intrinsicMatrix))
        made.distortionCoeff = list(data.get("distortionCoeff", made.distortionCoeff))
        made.extrinsics = Extrinsics.from_json(data.get("extrinsics", {}))
        return made

    def to_json(self) -> dict:
        return {**{name: getattr(self, name) for name in self._PLAIN},
                "intrinsicMatrix": copy.deepcopy(self.intrinsicMatrix), "distortionCoeff": list(self.distortionCoeff),
                "extrinsics": self.extrinsics.to_json()}


class StereoRectification:
    """The stereo pair and the rotations that rectify it."""

    def __init__(self):
        self.rectifiedRotationLeft: list = []
        self.rectifiedRotationRight: list = []
        self.leftCameraSocket = CameraBoardSocket.CAM_B
        self.rightCameraSocket = CameraBoardSocket.CAM_C

    @classmethod
    def from_json(cls, data: dict) -> "StereoRectification":
        made = cls()
        made.rectifiedRotationLeft = copy.deepcopy(data.get("rectifiedRotationLeft", []))
        made.rectifiedRotationRight = copy.deepcopy(data.get("rectifiedRotationRight", []))
        made.leftCameraSocket = _socket(int(data.get("leftCameraSocket", 1)))
        made.rightCameraSocket = _socket(int(data.get("rightCameraSocket", 2)))
        return made

    def to_json(self) -> dict:
        return {"rectifiedRotationLeft": copy.deepcopy(self.rectifiedRotationLeft),
                "rectifiedRotationRight": copy.deepcopy(self.rectifiedRotationRight),
                "leftCameraSocket": int(self.leftCameraSocket), "rightCameraSocket": int(self.rightCameraSocket)}


class EepromData:
    """The whole EEPROM: board and product names, the cameras by socket, the stereo rectification, the
    IMU's and the housing's extrinsics."""

    _PLAIN = ("version", "boardCustom", "boardName", "boardRev", "boardConf", "hardwareConf", "productName",
              "deviceName", "batchName", "batchTime", "boardOptions", "stereoUseSpecTranslation",
              "stereoEnableDistortionCorrection")

    def __init__(self):
        self.version = 7
        self.boardCustom = self.boardName = self.boardRev = self.boardConf = self.hardwareConf = ""
        self.productName = self.deviceName = self.batchName = ""
        self.batchTime = self.boardOptions = 0
        self.stereoUseSpecTranslation = True
        self.stereoEnableDistortionCorrection = False
        self.verticalCameraSocket = -1
        self.cameraData: dict = {}
        self.stereoRectificationData = StereoRectification()
        self.imuExtrinsics = Extrinsics()
        self.housingExtrinsics = Extrinsics()
        self.miscellaneousData: list = []

    @classmethod
    def from_json(cls, data: dict) -> "EepromData":
        made = cls()
        for name in cls._PLAIN:
            setattr(made, name, data.get(name, getattr(made, name)))
        made.verticalCameraSocket = _socket(int(data.get("verticalCameraSocket", -1)))
        made.cameraData = {CameraBoardSocket(int(socket)): CameraInfo.from_json(info)
                           for socket, info in data.get("cameraData", [])}
        made.stereoRectificationData = StereoRectification.from_json(data.get("stereoRectificationData", {}))
        made.imuExtrinsics = Extrinsics.from_json(data.get("imuExtrinsics", {}))
        made.housingExtrinsics = Extrinsics.from_json(data.get("housingExtrinsics", {}))
        made.miscellaneousData = list(data.get("miscellaneousData", []))
        return made

    def to_json(self) -> dict:
        return {**{name: getattr(self, name) for name in self._PLAIN},
                "verticalCameraSocket": int(self.verticalCameraSocket),
                "cameraData": [[int(socket), info.to_json()] for socket, info in sorted(self.cameraData.items())],
                "stereoRectificationData": self.stereoRectificationData.to_json(),
                "imuExtrinsics": self.imuExtrinsics.to_json(), "housingExtrinsics": self.housingExtrinsics.to_json(),
                "miscellaneousData": list(self.miscellaneousData)}
