#!/usr/bin/env python3
"""The moving device's pictures: the stereo scene rendered from a new pose on every frame
(`stereo_scene.render_pose`, what a camera does per frame under `Device(motion=...)`), against the
texture mapping no renderer of these boards can skip, in the same run: each board's texture warped
onto the whole picture by its homography with `cv2.warpPerspective`, written bare.

Each round times the bare warps of one pose, then the render of the same pose (the shake motion,
a new pose per round); the figures are the medians over the rounds, the range the 10th to 90th
percentile of the rounds' ratios, and the ratio (bare time / render time) the median of the rounds'
ratios. Both at 640x400 (a MonoCamera's 400P) and 1920x1080 (a ColorCamera's isp).

Target: ratio >= 0.3 (the render also finds each board's pixels and their depth, exactly).
"""
import statistics
import time

import cv2
import numpy as np

from oakling.calibration import oak_d
from oakling.sources.motion import Trajectory
from oakling.sources.stereo_scene import SCENE, TEXEL_PX, _texture, render_pose

ROUNDS = 40
CAM_A = 0


def bare_warps(width: int, height: int):
    """The boards' textures warped onto a width x height picture for a pose, nothing else."""
    k = np.asarray(oak_d().getCameraIntrinsics(CAM_A, width, height), np.float64)
    fx = k[0, 0]

    def warps(pose):
        rotation, eye = pose
        rays = rotation @ np.linalg.inv(k)
        for board in SCENE:
            texel = board.z * TEXEL_PX / fx
            along = board.z - eye[2]
            to_plane = np.array([[along, 0, eye[0]], [0, along, eye[1]], [0, 0, 1]])
            to_texel = np.array([[1 / texel, 0, -board.x0 / texel], [0, 1 / texel, -board.y0 / texel], [0, 0, 1]])
            cv2.warpPerspective(_texture(board, texel), to_texel @ to_plane @ rays, (width, height),
                                flags=cv2.WARP_INVERSE_MAP | cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return warps


def rounds(width: int, height: int) -> tuple[list, list]:
    trajectory = Trajectory("shake")
    bare = bare_warps(width, height)
    render_pose(CAM_A, width, height, *trajectory.pose(0.0))   # warm up: the textures are made once
    cv, render = [], []
    for i in range(ROUNDS):
        pose = trajectory.pose(0.05 * i)
        start = time.perf_counter()
        bare(pose)
        cv.append(time.perf_counter() - start)
        start = time.perf_counter()
        render_pose(CAM_A, width, height, *pose)
        render.append(time.perf_counter() - start)
    return cv, render


if __name__ == "__main__":
    for width, height in ((640, 400), (1920, 1080)):
        cv, render = rounds(width, height)
        ratios = sorted(c / r for c, r in zip(cv, render))
        ratio = statistics.median(ratios)
        low, high = ratios[len(ratios) // 10], ratios[-len(ratios) // 10 - 1]
        ms = lambda xs: statistics.median(xs) * 1000   # noqa: E731
        print(f"moving scene {width}x{height}, median of {ROUNDS} paired rounds: render {ms(render):.1f} ms | "
              f"bare warps {ms(cv):.1f} ms | ratio (bare / render) {ratio:.2f} (range {low:.2f}-{high:.2f}; "
              f"target >= 0.3: {'met' if ratio >= 0.3 else 'MISSED'})")
