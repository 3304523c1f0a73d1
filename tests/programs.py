"""Example programs run the way users run them: `oakling run` in a process of its own.

    clip = clip_fixture(count=60)                       # module-scoped fixture: a 640x360 H.264 clip
    result = oakling_run("--max-frames", "2", "--record", record, EXAMPLES / "rotate.py")
    assert_recorded(record, {"rotated": (400, 640)})   # the last frame of each window has that shape
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from media import make_video

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
OAKLING_RUN = [sys.executable, "-m", "oakling.cli", "run", "--headless"]


def clip_fixture(count: int, size=(640, 360)):
    """A module-scoped `clip` fixture: the path of a `count`-frame test clip (media.make_video)."""
    @pytest.fixture(scope="module")
    def clip(tmp_path_factory):
        path = tmp_path_factory.mktemp("media") / "clip.mp4"
        make_video(path, count=count, size=size)
        return path
    return clip


def oakling_run(*args, timeout: float = 60, env=None) -> subprocess.CompletedProcess:
    """`oakling run --headless ARGS`; the test fails with the program's stderr unless it exits 0."""
    result = subprocess.run([*OAKLING_RUN, *map(str, args)], capture_output=True, text=True, timeout=timeout,
                            env=env)
    assert result.returncode == 0, result.stderr
    return result


def assert_recorded(record: Path, windows: dict):
    """Each window's last frame saved by `--record` has the shape given ({window: (height, width)})."""
    import cv2
    for window, shape in windows.items():
        images = sorted((record / window.replace(" ", "_")).glob("*.png"))
        assert images, f"no frames recorded for window '{window}' ({sorted(p.name for p in record.glob('*'))})"
        assert cv2.imread(str(images[-1])).shape[:2] == shape
