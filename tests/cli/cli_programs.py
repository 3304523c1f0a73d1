"""The DepthAI programs the `oakling run` tests run, and a helper that runs `python -m oakling.cli`
in a real subprocess on this source tree."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass

import oakling

REPO = os.path.dirname(os.path.dirname(os.path.abspath(oakling.__file__)))

# A gen2 program as DepthAI users write it: ColorCamera → XLinkOut, imshow, quit on 'q'.
PREVIEW = """\
import cv2
import depthai as dai

pipeline = dai.Pipeline()
cam = pipeline.create(dai.node.ColorCamera)
cam.setPreviewSize(320, 240)
cam.setInterleaved(False)
xout = pipeline.create(dai.node.XLinkOut)
xout.setStreamName("preview")
cam.preview.link(xout.input)

with dai.Device(pipeline) as device:
    q = device.getOutputQueue("preview", maxSize=4, blocking=False)
    while True:
        frame = q.get().getCvFrame()
        cv2.imshow("preview", frame)
        if cv2.waitKey(1) == ord('q'):
            break
print("ended on q")
"""

# The same, but it never calls waitKey: only a forced end stops it.
PREVIEW_WITHOUT_WAITKEY = PREVIEW.replace("        if cv2.waitKey(1) == ord('q'):\n            break\n", "")

# Uses a gen2 node oakling does not have yet, on line 6.
TRACKER = """\
import depthai as dai

pipeline = dai.Pipeline()
left = pipeline.create(dai.node.MonoCamera)
right = pipeline.create(dai.node.MonoCamera)
spi = pipeline.create(dai.node.SPIIn)
"""
TRACKER_LINE = 6

# Prints what it was given, as JSON, and exits with the code in its first argument.
# Reports the OAKLING_ variables `oakling run` sets (not the kernel cache and device state: conftest.py).
REPORT_AND_EXIT = """\
import json
import os
import sys

import depthai

print(json.dumps({"argv": sys.argv[1:], "depthai": depthai.__name__, "path0": sys.path[0],
                  "env": {k: v for k, v in os.environ.items()
                          if k.startswith("OAKLING_") and k not in ("OAKLING_KERNEL_CACHE", "OAKLING_STATE")}}))
sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else None)
"""


def write_program(directory, source: str, name: str = "app.py") -> str:
    path = os.path.join(str(directory), name)
    with open(path, "w") as f:
        f.write(textwrap.dedent(source))
    return path


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def cli_env(env: dict[str, str | None] | None = None) -> dict[str, str]:
    """The environment for `python -m oakling.cli` on this tree: no display unless `env` gives one,
    and `env`'s variables set (None: unset)."""
    full_env = dict(os.environ)
    full_env.pop("DISPLAY", None)
    full_env.pop("WAYLAND_DISPLAY", None)
    full_env["PYTHONPATH"] = os.pathsep.join(p for p in (REPO, full_env.get("PYTHONPATH")) if p)
    for name, value in (env or {}).items():
        if value is None:
            full_env.pop(name, None)
        else:
            full_env[name] = value
    return full_env


def oakling_cli(*args: str, cwd=None, env: dict[str, str | None] | None = None, timeout: float = 30) -> Run:
    """`python -m oakling.cli *args` in a subprocess on this tree (see cli_env)."""
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "oakling.cli", *args], cwd=cwd, env=cli_env(env),
                          capture_output=True, text=True, timeout=timeout)
    return Run(done.returncode, done.stdout, done.stderr, time.monotonic() - start)
