"""The device's calibration, kept as gen2 keeps an OAK's EEPROM: cameras, extrinsics, rectification.

    calib = device.readCalibration()                        # or Device.readCalibration2() in a script
    calib.getCameraIntrinsics(dai.CameraBoardSocket.CAM_C, 640, 400)
    calib.getBaselineDistance()                             # 7.5 (cm)
    calib.eepromToJsonFile("calib.json")                    # gen2's JSON; dai.CalibrationHandler("calib.json") reads it

The data is gen2's EepromData as JSON (`eepromToJson()`): `cameraData` as [socket, camera] pairs,
each camera with its size, intrinsic matrix, 14 distortion coefficients, field of view and the
extrinsics to the next camera in the chain (a 3×3 rotation, a translation in centimetres);
`stereoRectificationData` with the stereo pair and its rectifying rotations. The getters compute
what gen2's do from it — intrinsics for a resized or cropped picture, extrinsics between any two
cameras along the chain, the baseline.

`CalibrationHandler()` is empty, as gen2's is. The device's own calibration (`oak_d()`, unless
`Device(calibration=...)`, `OAKLING_CALIBRATION` or `pipeline.setCalibrationData` give another) is
an OAK-D's: the colour camera in the middle (CAM_A, 1920×1080, 68.8° horizontal field of view),
the stereo pair 7.5 cm apart (CAM_B left, CAM_C right, 1280×800, 71.9°), no distortion, no
rectification rotation. Camera sources and nodes on the device follow the device's calibration.
"""
from __future__ import annotations

import copy
import json
import math
import os

from .eeprom_data import EepromData
from .messages.enums import CameraBoardSocket, Gen2Enum

ENV_CALIBRATION = "OAKLING_CALIBRATION"   # a calibration JSON file for programs run unchanged


class CameraModel(Gen2Enum):
    Perspective = 0
    Fisheye = 1
    Equirectangular = 2
    RadialDivision = 3


_IDENTITY = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]


def _point(x=0.0, y=0.0, z=0.0) -> dict:
    return {"x": float(x), "y": float(y), "z": float(z)}


def _extrinsics(to=CameraBoardSocket.AUTO, rotation=None, translation=(0, 0, 0), spec=(0, 0, 0)) -> dict:
    return {"rotationMatrix": copy.deepcopy(rotation) if rotation is not None else [],
            "translation": _point(*translation), "specTranslation": _point(*spec), "toCameraSocket": int(to)}


def empty_eeprom() -> dict:
    """gen2's EepromData with nothing calibrated."""
    return {"version": 7, "boardCustom": "", "boardName": "", "boardRev": "", "boardConf": "", "hardwareConf": "",
            "productName": "", "deviceName": "", "batchName": "", "batchTime": 0, "boardOptions": 0,
            "cameraData": [],
            "stereoRectificationData": {"rectifiedRotationLeft": [], "rectifiedRotationRight": [],
                                        "leftCameraSocket": int(CameraBoardSocket.AUTO),
                                        "rightCameraSocket": int(CameraBoardSocket.AUTO)},
            "imuExtrinsics": _extrinsics(), "housingExtrinsics": _extrinsics(), "miscellaneousData": [],
            "stereoUseSpecTranslation": True, "stereoEnableDistortionCorrection": False,
            "verticalCameraSocket": int(CameraBoardSocket.AUTO)}


def _camera_from_fov(width: int, height: int, hfov: float, extrinsics: dict) -> dict:
    fx = (width / 2) / math.tan(math.radians(hfov) / 2)
    return {"cameraType": int(CameraModel.Perspective), "width": width, "height": height, "specHfovDeg": hfov,
            "lensPosition": 0, "intrinsicMatrix": [[fx, 0.0, width / 2], [0.0, fx, height / 2], [0.0, 0.0, 1.0]],
            "distortionCoeff": [0.0] * 14, "extrinsics": extrinsics}


def oak_d() -> "CalibrationHandler":
    """The calibration of the device oakling provides: an OAK-D's geometry, ideal lenses."""
    data = empty_eeprom()
    data.update(version=7, boardName="DM9098", boardRev="R3M2E3", productName="OAK-D", deviceName="OAK-D")
    data["cameraData"] = [
        [int(CameraBoardSocket.CAM_A), _camera_from_fov(1920, 1080, 68.7938, _extrinsics())],
        [int(CameraBoardSocket.CAM_B), _camera_from_fov(1280, 800, 71.86, _extrinsics(
            CameraBoardSocket.CAM_C, _IDENTITY, (-7.5, 0, 0), (-7.5, 0, 0)))],
        [int(CameraBoardSocket.CAM_C), _camera_from_fov(1280, 800, 71.86, _extrinsics(
            CameraBoardSocket.CAM_A, _IDENTITY, (3.75, 0, 0), (3.75, 0, 0)))],
    ]
    data["stereoRectificationData"] = {"rectifiedRotationLeft": copy.deepcopy(_IDENTITY),
                                       "rectifiedRotationRight": copy.deepcopy(_IDENTITY),
                                       "leftCameraSocket": int(CameraBoardSocket.CAM_B),
                                       "rightCameraSocket": int(CameraBoardSocket.CAM_C)}
    return CalibrationHandler.fromJson(data)


def _matmul(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(len(b[0]))] for i in range(len(a))]


def _inverse_rigid(m):
    """The inverse of a 4×4 rotation + translation."""
    rotation_t = [[m[j][i] for j in range(3)] for i in range(3)]
    translation = [-sum(rotation_t[i][k] * m[k][3] for k in range(3)) for i in range(3)]
    return [rotation_t[i] + [translation[i]] for i in range(3)] + [[0.0, 0.0, 0.0, 1.0]]


def _socket(value, what: str) -> int:
    try:
        return int(CameraBoardSocket(int(value)))
    except (TypeError, ValueError):
        raise TypeError(f"CalibrationHandler.{what}: expected a dai.CameraBoardSocket, got {value!r}") from None


class CalibrationHandler:
    """gen2's CalibrationHandler: `CalibrationHandler()` empty, `CalibrationHandler(path)` from a
    calibration JSON (what `eepromToJsonFile` writes), `CalibrationHandler.fromJson(dict)`."""

    def __init__(self, eepromDataPath=None, boardConfigPath=None):
        if boardConfigPath is not None:
            raise RuntimeError(f"CalibrationHandler({eepromDataPath!r}, {boardConfigPath!r}): the older binary "
                               f"calibration with a board config file is not read here — give a calibration "
                               f"JSON, as CalibrationHandler.eepromToJsonFile() writes")
        if eepromDataPath is None:
            self._data = empty_eeprom()
            return
        if isinstance(eepromDataPath, EepromData):
            self._data = _checked(eepromDataPath.to_json(), "CalibrationHandler(EepromData)")
            return
        path = os.fspath(eepromDataPath)
        try:
            with open(path) as f:
                text = f.read()
        except OSError as e:
            raise RuntimeError(f"Calibration data file {path!r} cannot be read ({e.strerror or e}) — give the "
                               f"path of a calibration JSON, as eepromToJsonFile() writes") from None
        try:
            data = json.loads(text)
        except ValueError as e:
            raise RuntimeError(f"Calibration data file {path!r} is not JSON: {e}") from None
        self._data = _checked(data, path)

    @classmethod
    def fromJson(cls, eepromDataJson: dict) -> "CalibrationHandler":
        made = cls()
        made._data = _checked(copy.deepcopy(eepromDataJson), "CalibrationHandler.fromJson")
        return made

    # -- the data --
    def eepromToJson(self) -> dict:
        return copy.deepcopy(self._data)

    def eepromToJsonFile(self, destPath) -> bool:
        with open(os.fspath(destPath), "w") as f:
            json.dump(self._data, f, indent=4)
        return True

    def getEepromData(self) -> EepromData:
        """gen2's EepromData: the data as objects (oakling/eeprom_data.py); a copy."""
        return EepromData.from_json(self._data)

    def _cameras(self) -> dict:
        return {int(socket): info for socket, info in self._data["cameraData"]}

    def _camera(self, socket, what: str = "calibration") -> dict:
        cameras = self._cameras()
        key = _socket(socket, what)
        if key not in cameras:
            have = [CameraBoardSocket(s).name for s in sorted(cameras)]
            raise RuntimeError(f"There is no calibration for camera socket {CameraBoardSocket(key).name}; this "
                               f"calibration has {have}")
        return cameras[key]

    def _intrinsic_camera(self, socket) -> dict:
        camera = self._camera(socket)
        matrix = camera.get("intrinsicMatrix") or []
        if len(matrix) != 3 or not matrix[0][0]:
            raise RuntimeError(f"There is no intrinsic matrix for camera socket {CameraBoardSocket(int(socket)).name}")
        return camera

    # -- intrinsics --
    def getCameraIntrinsics(self, cameraId, resizeWidth=-1, resizeHeight=-1, topLeftPixelId=None,
                            bottomRightPixelId=None, keepAspectRatio: bool = True, destShape=None):
        """The 3×3 intrinsic matrix for a picture of resizeWidth×resizeHeight (either may be -1: it
        follows the other; or a `destShape` (width, height) / dai.Size2f in their place), scaled as
        gen2 scales it — keeping the aspect ratio, scaled to cover and cropped in the middle, but a
        16:10 or 16:9 sensor shown 4:3 or narrower is scaled to fit and letterboxed — then moved by
        a crop's top-left corner."""
        if destShape is None and (isinstance(resizeWidth, (tuple, list)) or hasattr(resizeWidth, "width")):
            destShape, shifted = resizeWidth, (resizeHeight, topLeftPixelId, bottomRightPixelId)
            topLeftPixelId = None if shifted[0] == -1 else shifted[0]
            bottomRightPixelId = shifted[1]
            keepAspectRatio = keepAspectRatio if shifted[2] is None else shifted[2]
        if destShape is not None:
            resizeWidth, resizeHeight = ((destShape.width, destShape.height) if hasattr(destShape, "width")
                                         else destShape)
        camera = self._intrinsic_camera(cameraId)
        matrix = [list(map(float, row)) for row in camera["intrinsicMatrix"]]
        cw, ch = camera["width"], camera["height"]
        width, height = int(resizeWidth), int(resizeHeight)
        if width != -1 or height != -1:
            width = int(cw * height / ch) if width == -1 else width
            height = int(ch * width / cw) if height == -1 else height
            dx = dy = 0.0
            if not keepAspectRatio:
                sx, sy = width / cw, height / ch
            elif width / height <= 1.34 and 1.5 < cw / ch <= 1.778:   # letterboxed
                sx = sy = min(width / cw, height / ch)
                dy = (height - ch * sy) / 2 if ch * sy < height else 0.0
            else:   # scaled to cover, cropped in the middle
                sx = sy = max(width / cw, height / ch)
                if ch * sy > height:
                    dy = -(ch * sy - height) / 2
                elif cw * sx > width:
                    dx = -(cw * sx - width) / 2
            matrix = [[matrix[0][0] * sx, matrix[0][1] * sx, matrix[0][2] * sx + dx],
                      [matrix[1][0] * sy, matrix[1][1] * sy, matrix[1][2] * sy + dy], matrix[2]]
        else:
            width, height = cw, ch
        corner, end = _xy(topLeftPixelId), _xy(bottomRightPixelId)
        if end[0] > width or end[1] > height:
            raise RuntimeError(f"Invalid crop: its bottom-right corner {end} lies outside the {width}x{height} picture")
        if corner[0] > end[0] or corner[1] > end[1]:
            raise RuntimeError(f"Invalid crop: top-left {corner} is below or right of bottom-right {end}")
        matrix[0][2] -= corner[0]
        matrix[1][2] -= corner[1]
        return matrix

    def getDefaultIntrinsics(self, cameraId):
        camera = self._intrinsic_camera(cameraId)
        return [list(map(float, row)) for row in camera["intrinsicMatrix"]], camera["width"], camera["height"]

    def getDistortionCoefficients(self, cameraId) -> list:
        camera = self._intrinsic_camera(cameraId)
        coefficients = [float(c) for c in camera.get("distortionCoeff", [])]
        return coefficients[:4] if camera.get("cameraType") == CameraModel.Fisheye else coefficients

    def getFov(self, cameraId, useSpec: bool = True) -> float:
        camera = self._camera(cameraId)
        if useSpec:
            return float(camera.get("specHfovDeg", 0.0))
        matrix, width, _ = self.getDefaultIntrinsics(cameraId)
        return math.degrees(2 * math.atan(width / 2 / matrix[0][0]))

    def getLensPosition(self, cameraId) -> int:
        return int(self._camera(cameraId).get("lensPosition", 0))

    def getDistortionModel(self, cameraId) -> CameraModel:
        return CameraModel(self._camera(cameraId).get("cameraType", 0))

    # -- extrinsics --
    def _link(self, socket: int, spec: bool):
        """(the camera the socket's extrinsics lead to, its 4×4 transform), or None at the chain's end."""
        extrinsics = self._camera(socket)["extrinsics"]
        to = int(extrinsics.get("toCameraSocket", -1))
        if to == -1 or not extrinsics.get("rotationMatrix"):
            return None
        t = extrinsics["specTranslation" if spec else "translation"]
        if spec and not any((t["x"], t["y"], t["z"])):
            t = extrinsics["translation"]   # no spec translation: the measured one
        rotation = extrinsics["rotationMatrix"]
        return to, [list(map(float, rotation[i])) + [float(t["xyz"[i]])] for i in range(3)] + [[0.0, 0.0, 0.0, 1.0]]

    def _chain(self, src: int, dst: int, spec: bool):
        """The transform from src to dst following the extrinsics' chain from src, or None."""
        transform, at, seen = [[float(i == j) for j in range(4)] for i in range(4)], src, set()
        while at != dst:
            if at in seen:
                return None
            seen.add(at)
            step = self._link(at, spec)
            if step is None:
                return None
            at, matrix = step
            transform = _matmul(matrix, transform)
        return transform

    def getCameraExtrinsics(self, srcCamera, dstCamera, useSpecTranslation: bool = False):
        """The 4×4 transform of points from the source camera's frame to the destination's
        (translation in centimetres)."""
        src, dst = _socket(srcCamera, "getCameraExtrinsics"), _socket(dstCamera, "getCameraExtrinsics")
        self._camera(src), self._camera(dst)
        forward = self._chain(src, dst, useSpecTranslation)
        if forward is not None:
            return forward
        backward = self._chain(dst, src, useSpecTranslation)
        if backward is not None:
            return _inverse_rigid(backward)
        raise RuntimeError(f"The calibration has no extrinsics linking {CameraBoardSocket(src).name} and "
                           f"{CameraBoardSocket(dst).name}")

    def getCameraTranslationVector(self, srcCamera, dstCamera, useSpecTranslation: bool = True) -> list:
        return [row[3] for row in self.getCameraExtrinsics(srcCamera, dstCamera, useSpecTranslation)[:3]]

    def getCameraRotationMatrix(self, srcCamera, dstCamera) -> list:
        return [row[:3] for row in self.getCameraExtrinsics(srcCamera, dstCamera)[:3]]

    def getBaselineDistance(self, cam1=CameraBoardSocket.CAM_C, cam2=CameraBoardSocket.CAM_B,
                            useSpecTranslation: bool = True) -> float:
        return math.sqrt(sum(v * v for v in self.getCameraTranslationVector(cam1, cam2, useSpecTranslation)))

    def getImuToCameraExtrinsics(self, cameraId, useSpecTranslation: bool = False):
        raise RuntimeError("IMU calibration data is not available on device yet.")

    def getCameraToImuExtrinsics(self, cameraId, useSpecTranslation: bool = False):
        raise RuntimeError("IMU calibration data is not available on device yet.")

    # -- the stereo pair --
    def _rectification(self, side: str):
        rotation = self._data["stereoRectificationData"].get(f"rectifiedRotation{side}") or []
        if len(rotation) != 3:
            raise RuntimeError("Rectified Rotation Matrix Doesn't exist ")
        return [list(map(float, row)) for row in rotation]

    def getStereoLeftRectificationRotation(self):
        return self._rectification("Left")

    def getStereoRightRectificationRotation(self):
        return self._rectification("Right")

    def getStereoLeftCameraId(self) -> CameraBoardSocket:
        return CameraBoardSocket(self._data["stereoRectificationData"]["leftCameraSocket"])

    def getStereoRightCameraId(self) -> CameraBoardSocket:
        return CameraBoardSocket(self._data["stereoRectificationData"]["rightCameraSocket"])

    # -- setters (what a calibration program writes) --
    def _camera_entry(self, socket) -> dict:
        key = _socket(socket, "set")
        for s, info in self._data["cameraData"]:
            if int(s) == key:
                return info
        info = {"cameraType": 0, "width": 0, "height": 0, "specHfovDeg": 0.0, "lensPosition": 0,
                "intrinsicMatrix": [], "distortionCoeff": [], "extrinsics": _extrinsics()}
        self._data["cameraData"].append([key, info])
        return info

    def setBoardInfo(self, boardName: str = "", boardRev: str = "", *more):
        self._data["boardName"], self._data["boardRev"] = str(boardName), str(boardRev)

    def setCameraIntrinsics(self, cameraId, intrinsics, width, height=None):
        if height is None:
            width, height = (width.width, width.height) if hasattr(width, "width") else width
        entry = self._camera_entry(cameraId)
        entry["intrinsicMatrix"] = [list(map(float, row)) for row in intrinsics]
        entry["width"], entry["height"] = int(width), int(height)

    def setDistortionCoefficients(self, cameraId, distortionCoefficients):
        self._camera_entry(cameraId)["distortionCoeff"] = [float(c) for c in distortionCoefficients]

    def setFov(self, cameraId, hfov: float):
        self._camera_entry(cameraId)["specHfovDeg"] = float(hfov)

    def setLensPosition(self, cameraId, lensPosition: int):
        self._camera_entry(cameraId)["lensPosition"] = int(lensPosition)

    def setCameraType(self, cameraId, cameraModel):
        self._camera_entry(cameraId)["cameraType"] = int(CameraModel(cameraModel))

    def setCameraExtrinsics(self, srcCameraId, destCameraId, rotationMatrix, translation, specTranslation=None):
        entry = self._camera_entry(srcCameraId)
        spec = specTranslation if specTranslation is not None else (-1, -1, -1)
        entry["extrinsics"] = _extrinsics(_socket(destCameraId, "setCameraExtrinsics"),
                                          [list(map(float, row)) for row in rotationMatrix], translation, spec)

    def setStereoLeft(self, cameraId, rectifiedRotation):
        self._data["stereoRectificationData"]["leftCameraSocket"] = _socket(cameraId, "setStereoLeft")
        self._data["stereoRectificationData"]["rectifiedRotationLeft"] = [list(map(float, r)) for r in rectifiedRotation]

    def setStereoRight(self, cameraId, rectifiedRotation):
        self._data["stereoRectificationData"]["rightCameraSocket"] = _socket(cameraId, "setStereoRight")
        self._data["stereoRectificationData"]["rectifiedRotationRight"] = [list(map(float, r)) for r in rectifiedRotation]

    def __eq__(self, other):
        return isinstance(other, CalibrationHandler) and self._data == other._data

    __hash__ = object.__hash__


def _xy(point) -> tuple[float, float]:
    if point is None:
        return 0.0, 0.0
    if hasattr(point, "x"):
        return float(point.x), float(point.y)
    return float(point[0]), float(point[1])


def _checked(data, where: str) -> dict:
    """A calibration JSON with every field gen2's EepromData has (missing ones at their defaults)."""
    if not isinstance(data, dict) or not isinstance(data.get("cameraData", []), list):
        raise RuntimeError(f"{where}: expected gen2's calibration JSON (an object with 'cameraData' as "
                           f"[socket, camera] pairs), as eepromToJsonFile() writes")
    full = empty_eeprom()
    full.update(data)
    return full


def calibration_of(options: dict | None) -> CalibrationHandler:
    """The calibration a device runs with: the one its options carry, else an OAK-D's."""
    data = (options or {}).get("calibration")
    return CalibrationHandler.fromJson(data) if data else oak_d()
