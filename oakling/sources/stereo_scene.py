"""The synthetic stereo scene: what the LEFT and RIGHT cameras see when nothing else is given.

    picture, depth_mm = render(dai.CameraBoardSocket.CAM_C, 640, 400)   # the right camera's view
    truth = true_depth(dai.CameraBoardSocket.CAM_C, 640, 400)            # millimetres, per pixel

A room with a textured back wall and three textured boards facing the cameras at known distances,
rendered for each camera from the device's calibration (its intrinsics at that size and its
place relative to the colour camera). Every surface is a plane facing the cameras, so the true
depth of every pixel is exact: tests and users can check a depth map, or their own spatial logic,
against it. The scene holds still; its pictures are made once per camera and size. A moving device
(`Device(motion=...)`, sources/motion.py) sees it from another pose on every frame:
`render_pose` maps each board's plane through the homography of that pose, and
`MovingSceneSource` renders a camera's frames so.

A stereo camera whose calibration has a rectification rotation or lens distortion is rendered as
that camera sees: its rectified view (the scene from its place, facing the boards, with the right
camera's intrinsics, as gen2 rectifies both) is what `render(..., rectified=True)` gives, and its
own picture is that view seen through its rotation (the inverse of the rectification rotation) and
its distortion. StereoDepth rectifies such pictures back; its depth compares with the rectified
view's `true_depth(..., rectified=True)`.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import NamedTuple

import cv2
import numpy as np

from ..calibration import CalibrationHandler, CameraModel, oak_d
from ..messages.enums import CameraBoardSocket

TEXEL_PX = 2.0   # how large a texture's cell looks in the picture, in pixels, whatever the distance


@dataclass(frozen=True)
class Board:
    """A textured rectangle facing the cameras: `z` millimetres ahead of them, spanning x0..x1
    (right) and y0..y1 (down) millimetres around the colour camera's axis."""
    name: str
    z: float
    x0: float
    x1: float
    y0: float
    y1: float
    shade: int      # its mean brightness
    seed: int


# Far to near, so nearer boards are painted over farther ones.
SCENE = (
    Board("back wall", 3000, -3500, 3500, -2200, 2200, 120, 1),
    Board("far board", 2600, 300, 1300, -900, -200, 150, 2),
    Board("middle board", 1800, 150, 800, -50, 600, 100, 3),
    Board("near board", 1000, -550, -100, -250, 300, 170, 4),
)


def board_at(name: str) -> Board:
    return next(b for b in SCENE if b.name == name)


@functools.lru_cache(maxsize=32)
def _texture(board: Board, texel_mm: float) -> np.ndarray:
    """The board's surface, one value per texel: fine noise over a coarser one (float32)."""
    width = int(np.ceil((board.x1 - board.x0) / texel_mm)) + 2
    height = int(np.ceil((board.y1 - board.y0) / texel_mm)) + 2
    rng = np.random.default_rng(board.seed)
    fine = rng.uniform(-1, 1, (height, width)).astype(np.float32)
    coarse = cv2.resize(rng.uniform(-1, 1, (height // 6 + 2, width // 6 + 2)).astype(np.float32), (width, height),
                        interpolation=cv2.INTER_CUBIC)
    texture = np.clip(board.shade + 55 * fine + 35 * coarse, 0, 255).astype(np.float32)
    texture.flags.writeable = False
    return texture


def _camera(socket, width: int, height: int, calibration: CalibrationHandler):
    """(fx, fy, cx, cy, x position in mm) of the camera on `socket` at width×height."""
    (fx, _, cx), (_, fy, cy), _ = calibration.getCameraIntrinsics(socket, width, height)
    x_mm = calibration.getCameraTranslationVector(socket, CameraBoardSocket.CAM_A)[0] * 10.0
    return fx, fy, cx, cy, x_mm


def render(socket, width: int, height: int, calibration: CalibrationHandler | None = None, rectified: bool = False):
    """(grey picture uint8 H×W, depth float32 H×W in millimetres) of the scene as the camera on
    `socket` sees it at width×height, by `calibration` (default: the device's, an OAK-D's); with
    `rectified`, a stereo camera's rectified view instead (the same for an unrotated, undistorted
    camera). Read-only arrays, cached."""
    data = json.dumps(calibration.eepromToJson(), sort_keys=True) if calibration is not None else None
    return _render(int(socket), int(width), int(height), data, bool(rectified))


class LensView(NamedTuple):
    """How a stereo camera sees: its intrinsics `k`, lens `distortion` (OpenCV's coefficients; four
    for a fisheye lens), rectification `rotation`, and the rectified intrinsics `k_new`."""
    k: np.ndarray
    distortion: np.ndarray
    rotation: np.ndarray
    k_new: np.ndarray
    fisheye: bool = False


def raw_view(socket, width: int, height: int, calibration: CalibrationHandler) -> LensView | None:
    """The LensView of a stereo camera (CAM_B, CAM_C) whose calibration rotates or distorts it, at
    width×height; None for any other camera."""
    if int(socket) not in (int(CameraBoardSocket.CAM_B), int(CameraBoardSocket.CAM_C)):
        return None
    try:
        left = calibration.getStereoLeftCameraId()
        rotation = (calibration.getStereoLeftRectificationRotation() if int(left) == int(socket)
                    else calibration.getStereoRightRectificationRotation())
    except RuntimeError:
        rotation = np.eye(3)
    rotation = np.asarray(rotation, np.float64)
    distortion = np.asarray(calibration.getDistortionCoefficients(socket), np.float64)
    if np.allclose(rotation, np.eye(3), atol=1e-9) and not np.any(distortion):
        return None
    k = np.asarray(calibration.getCameraIntrinsics(socket, width, height), np.float64)
    k_new = np.asarray(calibration.getCameraIntrinsics(CameraBoardSocket.CAM_C, width, height), np.float64)
    fisheye = calibration.getDistortionModel(socket) == CameraModel.Fisheye
    return LensView(k, distortion, rotation, k_new, fisheye)


@functools.lru_cache(maxsize=8)
def _render(socket: int, width: int, height: int, calibration_json: str | None, rectified: bool = False):
    calibration = CalibrationHandler.fromJson(json.loads(calibration_json)) if calibration_json else oak_d()
    view = raw_view(socket, width, height, calibration)
    fx, fy, cx, cy, cam_x = _camera(socket, width, height, calibration)
    if view is not None:   # the rectified view, with the right camera's intrinsics
        k_new = view[3]
        fx, fy, cx, cy = k_new[0, 0], k_new[1, 1], k_new[0, 2], k_new[1, 2]
    picture, depth = _paint(fx, fy, cx, cy, cam_x, width, height)
    if view is not None and not rectified:
        picture, depth = _through_lens(picture, depth, *view)
    picture.flags.writeable = False
    depth.flags.writeable = False
    return picture, depth


def _through_lens(picture, depth, k, distortion, rotation, k_new, fisheye=False):
    """The rectified view as the camera itself sees it: each of its pixels looks along the ray its
    lens and rotation give, which meets the rectified view where undistortPoints says (OpenCV's
    fisheye model for a fisheye lens)."""
    height, width = picture.shape
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float64), np.arange(height, dtype=np.float64))
    points = np.stack([xs.ravel(), ys.ravel()], axis=1).reshape(-1, 1, 2)
    undistort = cv2.fisheye.undistortPoints if fisheye else cv2.undistortPoints
    at = undistort(points, k, distortion, R=rotation, P=k_new).reshape(height, width, 2).astype(np.float32)
    seen = cv2.remap(picture, at[..., 0], at[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    far = cv2.remap(depth, at[..., 0], at[..., 1], cv2.INTER_NEAREST, borderMode=cv2.BORDER_REPLICATE)
    return seen, far


def _paint(fx, fy, cx, cy, cam_x, width, height):
    picture = np.zeros((height, width), np.float32)
    depth = np.zeros((height, width), np.float32)
    us, vs = np.arange(width, dtype=np.float64), np.arange(height, dtype=np.float64)
    for board in SCENE:
        texel = board.z * TEXEL_PX / fx   # millimetres a texel spans, so it looks TEXEL_PX wide
        texture = _texture(board, texel)
        # picture pixel (u, v) -> the board's point X = (u - cx) z / fx + cam_x -> texel (X - x0) / texel
        scale_x, scale_y = board.z / (fx * texel), board.z / (fy * texel)
        warp = np.array([[scale_x, 0, ((-cx) * board.z / fx + cam_x - board.x0) / texel],
                         [0, scale_y, ((-cy) * board.z / fy - board.y0) / texel]], np.float64)
        seen = cv2.warpAffine(texture, warp, (width, height), flags=cv2.WARP_INVERSE_MAP | cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
        x = (us - cx) * board.z / fx + cam_x
        y = (vs - cy) * board.z / fy
        cols = (x >= board.x0) & (x < board.x1)
        rows = (y >= board.y0) & (y < board.y1)
        mask = rows[:, None] & cols[None, :]
        picture[mask] = seen[mask]
        depth[mask] = board.z
    return np.clip(np.rint(picture), 0, 255).astype(np.uint8), depth


def render_pose(socket, width: int, height: int, rotation, centre, calibration: CalibrationHandler | None = None):
    """(grey picture uint8 H×W, depth float32 H×W in mm) of the scene as the camera on `socket` sees
    it while the device is turned by `rotation` (camera frame -> scene frame) with its origin at
    `centre` (mm, in the scene): see sources/motion.py. The identity pose gives `render`'s picture."""
    calibration = calibration if calibration is not None else oak_d()
    view = raw_view(socket, width, height, calibration)
    fx, fy, cx, cy, cam_x = _camera(socket, width, height, calibration)
    if view is not None:
        k_new = view[3]
        fx, fy, cx, cy = k_new[0, 0], k_new[1, 1], k_new[0, 2], k_new[1, 2]
    rotation = np.asarray(rotation, np.float64)
    eye = np.asarray(centre, np.float64) + rotation @ np.array([cam_x, 0.0, 0.0])
    picture, depth = _paint_pose(fx, fy, cx, cy, rotation, eye, width, height)
    if view is not None:
        picture, depth = _through_lens(picture, depth, *view)
    return picture, depth


def _paint_pose(fx, fy, cx, cy, rotation, eye, width, height):
    """The boards seen by a camera at `eye` turned by `rotation`: each board's plane z = Z maps to
    the picture by a homography; far boards first, so nearer ones cover them. Each board's pixels
    are found within the box its corners project to."""
    picture = np.zeros((height, width), np.float32)
    depth = np.zeros((height, width), np.float32)
    k = np.array([[fx, 0, cx], [0, fy, cy], [0, 0, 1]], np.float64)
    rays = rotation @ np.linalg.inv(k)   # picture pixel (u, v, 1) -> its ray's direction in the scene
    for board in SCENE:
        along = board.z - eye[2]                 # the ray meets the plane at along / ray_z (its depth)
        if along <= 0:
            continue
        box = _board_box(board, k, rotation, eye, width, height)
        if box is None:
            continue
        u0, v0, u1, v1 = box
        texel = board.z * TEXEL_PX / fx
        texture = _texture(board, texel)
        # pixel -> scene point (X, Y) on the plane -> texel ((X - x0) / texel, (Y - y0) / texel)
        to_plane = np.array([[along, 0, eye[0]], [0, along, eye[1]], [0, 0, 1]], np.float64)
        to_texel = np.array([[1 / texel, 0, -board.x0 / texel], [0, 1 / texel, -board.y0 / texel], [0, 0, 1]])
        shift = np.array([[1, 0, u0], [0, 1, v0], [0, 0, 1]], np.float64)
        homography = to_texel @ to_plane @ rays @ shift
        seen = cv2.warpPerspective(texture, homography, (u1 - u0, v1 - v0),
                                   flags=cv2.WARP_INVERSE_MAP | cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        us = np.arange(u0, u1, dtype=np.float64)[None, :]
        vs = np.arange(v0, v1, dtype=np.float64)[:, None]
        ray_z = rays[2, 0] * us + rays[2, 1] * vs + rays[2, 2]
        if _covers(board, rays, eye, along, u0, v0, u1, v1):   # the back wall: every pixel is on it
            picture[v0:v1, u0:u1] = seen
            depth[v0:v1, u0:u1] = along / ray_z
            continue
        ahead = ray_z > 1e-9
        lam = along / np.where(ahead, ray_z, np.inf)
        x = eye[0] + lam * (rays[0, 0] * us + rays[0, 1] * vs + rays[0, 2])
        y = eye[1] + lam * (rays[1, 0] * us + rays[1, 1] * vs + rays[1, 2])
        mask = ahead & (x >= board.x0) & (x < board.x1) & (y >= board.y0) & (y < board.y1)
        picture[v0:v1, u0:u1][mask] = seen[mask]
        depth[v0:v1, u0:u1][mask] = lam[mask]
    return np.clip(np.rint(picture), 0, 255).astype(np.uint8), depth


def _covers(board, rays, eye, along, u0, v0, u1, v1) -> bool:
    """Whether the board holds every pixel of the box: the rays of the box's corner pixels (whose
    hits bound the others', the box mapping to a convex patch of the plane) meet it, ahead."""
    corners = np.array([[u, v, 1.0] for u in (u0, u1 - 1) for v in (v0, v1 - 1)]) @ rays.T
    if np.any(corners[:, 2] <= 1e-9):
        return False
    x = eye[0] + along / corners[:, 2] * corners[:, 0]
    y = eye[1] + along / corners[:, 2] * corners[:, 1]
    return bool(np.all((x >= board.x0) & (x < board.x1) & (y >= board.y0) & (y < board.y1)))


def _board_box(board, k, rotation, eye, width, height):
    """(u0, v0, u1, v1): the picture's pixels the board can cover (a pixel's margin round its
    corners' projections), or None if it is out of sight; the whole picture if a corner is behind."""
    corners = np.array([[x, y, board.z] for x in (board.x0, board.x1) for y in (board.y0, board.y1)], np.float64)
    seen = (corners - eye) @ rotation          # each corner in the camera's axes
    if np.any(seen[:, 2] <= 1e-6):
        return 0, 0, width, height
    pixels = (seen @ k.T)[:, :2] / seen[:, 2:3]
    u0, v0 = np.floor(pixels.min(axis=0)).astype(int) - 1
    u1, v1 = np.ceil(pixels.max(axis=0)).astype(int) + 2
    u0, v0, u1, v1 = max(u0, 0), max(v0, 0), min(u1, width), min(v1, height)
    return (u0, v0, u1, v1) if u1 > u0 and v1 > v0 else None


def true_depth(socket, width: int, height: int, calibration: CalibrationHandler | None = None,
               rectified: bool = False) -> np.ndarray:
    """The depth in millimetres of every pixel the camera on `socket` sees at width×height (with
    `rectified`, of its rectified view: what StereoDepth's depth compares with)."""
    return render(socket, width, height, calibration, rectified)[1]


class StereoSceneSource:
    """The scene as one camera sees it, on every frame (grey; BGR for a colour camera); it never ends."""

    static = True

    def __init__(self, socket: int, width: int, height: int, gray: bool = True,
                 calibration: CalibrationHandler | None = None):
        self.name = "synthetic stereo scene"
        self.frames = 0
        picture = render(socket, width, height, calibration)[0]
        if not gray:
            picture = cv2.cvtColor(picture, cv2.COLOR_GRAY2BGR)
            picture.flags.writeable = False
        self._picture = picture
        self.height, self.width = height, width

    def read(self) -> np.ndarray:
        self.frames += 1
        return self._picture

    def read_at(self, t: float) -> np.ndarray:
        return self.read()

    def close(self):
        pass


class MovingSceneSource:
    """The scene as one camera sees it while the device moves (sources/motion.py): each picture is
    rendered from the pose at the moment it is read, and `stamp` gives the frame that moment, so a
    frame's timestamp is the time of the pose it shows (and of the IMU's readings then). With a
    `frame_period` (set by a camera pacing to its fps), that moment is the nearest tick of the
    period since the motion began: cameras at one fps take their pictures at the same instants, as
    an OAK's synchronised sensors do, so a stereo pair sees the scene from one pose."""

    static = False
    frame_period = 0.0

    def __init__(self, socket: int, width: int, height: int, trajectory, epoch_ns: int, clock,
                 gray: bool = True, calibration: CalibrationHandler | None = None):
        self.name = f"synthetic stereo scene ({trajectory.kind})"
        self.frames = 0
        self.socket, self.width, self.height, self.gray = socket, width, height, gray
        self.trajectory, self.epoch_ns, self.clock = trajectory, int(epoch_ns), clock
        self.calibration = calibration if calibration is not None else oak_d()
        self._ts_ns = 0

    def picture_at(self, ts_ns: int):
        """(picture, depth) at device time ts_ns."""
        rotation, centre = self.trajectory.pose((ts_ns - self.epoch_ns) / 1e9)
        return render_pose(self.socket, self.width, self.height, rotation, centre, self.calibration)

    def moment(self) -> int:
        """The device time (ns) of the picture to read now: now, or the period's nearest tick after
        the last picture's."""
        now = self.clock.now_ns()
        if self.frame_period <= 0:
            return now
        period_ns = self.frame_period * 1e9
        tick = self.epoch_ns + round(round((now - self.epoch_ns) / period_ns) * period_ns)
        if tick <= self._ts_ns:
            tick = self._ts_ns + round(period_ns)
        return tick

    def capture(self):
        """(picture, depth) of the next frame, from the pose at its moment (which `stamp` then gives)."""
        self._ts_ns = self.moment()
        self.frames += 1
        return self.picture_at(self._ts_ns)

    def read(self) -> np.ndarray:
        picture = self.capture()[0]
        return picture if self.gray else cv2.cvtColor(picture, cv2.COLOR_GRAY2BGR)

    def read_at(self, t: float) -> np.ndarray:
        return self.read()

    def stamp(self, seq: int, now_ns: int) -> tuple[int, int]:
        """The frame's number and timestamp: the time its pose was rendered for."""
        return seq, self._ts_ns

    def close(self):
        pass
