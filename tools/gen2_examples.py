"""Runs depthai-python's example programs unchanged under `oakling run --headless`: one line per
program, then the total. It measures how much of gen2 oakling covers.

    python tools/gen2_examples.py ~/src/depthai-python/examples
    python tools/gen2_examples.py EXAMPLES --only StereoDepth --only Script --seconds 8 --keep gen2-run

The examples load blobs, a video and calibration files that their install_requirements.py downloads
into examples/models/. Nothing is downloaded here: the folder is copied to a work folder and its
models/ filled with stand-ins under the same names — small networks of the same input and output
shapes, made with the ONNX helper API and converted by `oakling convert` (detectors that report one
box; the concat, normalize, blur and diff networks compute what their names say), a clip made from
scikit-image's photographs, a stereo pair rendered from oakling's synthetic scene and an OAK-D
calibration. The checkout itself is not touched.

A program counts as run when it exits 0, or when it was still running at the time limit (programs
that loop until 'q' or Ctrl-C) after printing, logging or showing something. Anything else is a failure,
reported with the last line the program wrote to stderr. Needs oakling's `nn` extra and
scikit-image.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SKIP = {"install_requirements.py"}     # the downloader itself: it needs the network
SKIP_FOLDERS = {"models", "downloader"}
# What a user types at the programs that ask (input()): the first device, "y" to confirm; the
# IPv4 settings poe_set_ip.py asks for.
ANSWERS = {"bootloader/poe_set_ip.py": "1\n192.168.1.150\n255.255.255.0\n192.168.1.1\ny\n",
           "IMU/imu_firmware_update.py": "y\n"}
TYPED = "0\ny\ny\n"
ARGUMENTS = {"bootloader/bootloader_config.py": ["read"]}    # without one it prints its usage and exits -1

# A detection row [image_id, label, confidence, xmin, ymin, xmax, ymax]: one box in the middle.
ONE_BOX = [0, 15, 0.9, 0.35, 0.3, 0.65, 0.8]


# --- stand-in networks -------------------------------------------------------------------------

def _graph(nodes, inputs, outputs, initializers=()):
    import onnx
    from onnx import helper
    model = helper.make_model(helper.make_graph(nodes, "standin", inputs, outputs, list(initializers)),
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def _image(name, height, width, channels=3):
    from onnx import TensorProto, helper
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, channels, height, width])


def _out(name, shape):
    from onnx import TensorProto, helper
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))


def _constant_of(image: str, name: str, value: np.ndarray):
    """Nodes computing `value + 0 * mean(image)`: a constant output that still depends on the input,
    so the network runs on every frame."""
    from onnx import helper, numpy_helper
    value = value.astype(np.float32)
    return ([helper.make_node("ReduceMean", [image], [f"{name}_mean"], keepdims=1),
             helper.make_node("Mul", [f"{name}_mean", "zero"], [f"{name}_zero"]),
             helper.make_node("Add", [f"{name}_value", f"{name}_zero"], [name])],
            [numpy_helper.from_array(value, f"{name}_value")])


def _zero():
    from onnx import numpy_helper
    return numpy_helper.from_array(np.zeros(1, np.float32), "zero")


def ssd(width, height, rows, label=15):
    """A MobileNet-SSD-shaped detector: image [1,3,H,W] → detection_out [1,1,rows,7], one box of
    `label` (15 is VOC's person, as mobilenet-ssd numbers it)."""
    table = np.zeros((1, 1, rows, 7), np.float32)
    table[0, 0, 0] = ONE_BOX
    table[0, 0, 0, 1] = label
    table[0, 0, 1:, 0] = -1
    nodes, consts = _constant_of("data", "detection_out", table)
    return _graph(nodes, [_image("data", height, width)], [_out("detection_out", table.shape)], [_zero(), *consts])


def yolo(width, height, strides, channels, prefix):
    """A YOLO-shaped detector: one grid output per stride, one confident box in the coarsest grid's
    middle cell (values as RegionYolo leaves them: objectness and classes in 0..1)."""
    nodes, consts, outputs = [], [_zero()], []
    for i, stride in enumerate(strides):
        grid = np.zeros((1, channels, height // stride, width // stride), np.float32)
        if i == len(strides) - 1:
            y, x = grid.shape[2] // 2, grid.shape[3] // 2
            grid[0, 0:2, y, x] = 0.5              # box centre in the cell; w, h stay e^0 × anchor
            grid[0, 4, y, x] = grid[0, 5, y, x] = 0.9
        name = f"{prefix}{i + 1}"
        more, values = _constant_of("images", name, grid)
        nodes += more
        consts += values
        outputs.append(_out(name, grid.shape))
    return _graph(nodes, [_image("images", height, width)], outputs, consts)


def concat(size=300):
    from onnx import helper
    return _graph([helper.make_node("Concat", ["img1", "img2", "img3"], ["output"], axis=3)],
                  [_image(n, size, size) for n in ("img1", "img2", "img3")], [_out("output", (1, 3, size, 3 * size))])


def normalize(size=300):
    from onnx import TensorProto, helper
    nodes = [helper.make_node("Sub", ["frame", "mean"], ["centred"]),
             helper.make_node("Div", ["centred", "scale"], ["output"])]
    scalars = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1]) for n in ("mean", "scale")]
    return _graph(nodes, [_image("frame", size, size), *scalars], [_out("output", (1, 3, size, size))])


def blur(size=300):
    from onnx import helper, numpy_helper
    kernel = numpy_helper.from_array(np.full((3, 1, 3, 3), 1 / 9, np.float32), "kernel")
    return _graph([helper.make_node("Conv", ["input", "kernel"], ["output"], group=3, pads=[1, 1, 1, 1])],
                  [_image("input", size, size)], [_out("output", (1, 3, size, size))], [kernel])


def diff(size=720):
    from onnx import helper
    nodes = [helper.make_node("Sub", ["img1", "img2"], ["d"]), helper.make_node("Abs", ["d"], ["a"]),
             helper.make_node("ReduceMean", ["a"], ["output"], axes=[1], keepdims=1)]
    return _graph(nodes, [_image("img1", size, size), _image("img2", size, size)], [_out("output", (1, 1, size, size))])


def stand_in_networks() -> dict:
    """Blob file name the examples load → the ONNX model that stands in for it."""
    mobilenet = ssd(300, 300, 100)
    tiny = yolo(416, 416, (16, 32), 255, "conv2d_")          # side26, side13 with 3 × (4 + 1 + 80)
    return {
        **{f"mobilenet-ssd_openvino_2021.4_{s}shave.blob": mobilenet for s in (5, 6, 8)},
        "person-detection-retail-0013_openvino_2021.4_7shave.blob": ssd(544, 320, 200, label=1),   # its one class
        "yolo-v4-tiny-tf_openvino_2021.4_6shave.blob": tiny,
        "yolo-v3-tiny-tf_openvino_2021.4_6shave.blob": tiny,
        "yolov8n_coco_640x352.blob": yolo(640, 352, (8, 16, 32), 85, "output_yolov8_"),
        "yolov6n_thermal_people_256x192_openvino_2022.1_6shave.blob": yolo(256, 192, (8, 16, 32), 6, "output_yolov6_"),
        "concat_openvino_2021.4_6shave.blob": concat(),
        "normalize_openvino_2021.4_4shave.blob": normalize(),
        "blur_simplified_openvino_2021.4_6shave.blob": blur(),
        "diff_openvino_2022.1_6shave.blob": diff(),
    }


# --- the models folder --------------------------------------------------------------------------

def fill_models(models: Path, cache: Path) -> None:
    """Put every stand-in the examples expect into `models`; blobs are converted once into `cache`."""
    from oakling.models import convert
    models.mkdir(parents=True, exist_ok=True)
    cache.mkdir(parents=True, exist_ok=True)
    converted: dict[int, Path] = {}
    for name, model in stand_in_networks().items():
        if id(model) not in converted:
            import onnx
            source = cache / (Path(name).stem + ".onnx")
            onnx.save(model, source)
            converted[id(model)] = convert(source, cache / name)
        shutil.copyfile(converted[id(model)], models / name)
    _clip(models / "construction_vest.mp4", cache)
    _calibration(models / "depthai_calib.json")
    _stereo_pair(models / "dataset" / "0")


def _clip(path: Path, cache: Path) -> None:
    made = cache / "clip.mp4"
    if not made.exists():
        from oakling.demo.clip import make_clip
        make_clip(made)
    shutil.copyfile(made, path)


def _calibration(path: Path) -> None:
    from oakling.calibration import oak_d
    oak_d().eepromToJsonFile(str(path))


def _stereo_pair(folder: Path, size=(1280, 800)) -> None:
    import cv2
    from oakling.sources.stereo_scene import render
    folder.mkdir(parents=True, exist_ok=True)
    for name, socket in (("in_left", 1), ("in_right", 2)):
        cv2.imwrite(str(folder / f"{name}.png"), render(socket, *size)[0])


# --- running --------------------------------------------------------------------------------------

def programs(examples: Path, only: list[str]) -> list[Path]:
    found = sorted(p for p in examples.rglob("*.py")
                   if p.name not in SKIP and not SKIP_FOLDERS & set(p.relative_to(examples).parts[:-1]))
    if only:
        found = [p for p in found if any(o in p.relative_to(examples).as_posix() for o in only)]
    return found


def run_one(program: Path, seconds: float, record: Path, typed: str = TYPED, arguments: tuple = (),
            state: Path | None = None) -> tuple[bool, str, float]:
    """(ran, what happened, wall seconds) for one program, given `typed` on its standard input; what
    it flashes goes to the device state folder `state`, not the user's."""
    command = [sys.executable, "-m", "oakling.cli", "run", "--headless", "--seconds", str(seconds),
               "--grace", "3", "--record", str(record), str(program), *arguments]
    env = {**os.environ, "OAKLING_STATE": str(state or record / "state")}
    started = time.monotonic()
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, input=typed,
                                cwd=program.parent, env=env)
    except subprocess.TimeoutExpired:
        return False, f"hung: no end {seconds + 60:.0f} s after starting", time.monotonic() - started
    took = time.monotonic() - started
    shown = any(record.rglob("*.png"))
    lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    reason = next((line for line in lines if line.startswith("oakling run:")),   # oakling run's own summary
                  next((line for line in reversed(lines) if not line.startswith("(")), ""))
    if result.returncode == 0:
        return True, "ended", took
    said = result.stdout.strip() or any(not line.startswith(("oakling run:", "(")) for line in lines)
    if result.returncode in (124, 130) and (shown or said):
        return True, "ran to the time limit", took
    return False, f"exit {result.returncode}: {reason[:200]}", took


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("examples", type=Path, help="depthai-python's examples/ folder")
    parser.add_argument("--only", action="append", default=[], help="run programs whose path contains this")
    parser.add_argument("--seconds", type=float, default=6, help="time limit per program (default 6)")
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temporary one)")
    args = parser.parse_args(argv)
    if not (args.examples / "models").is_dir():
        parser.error(f"{args.examples} is not depthai-python's examples folder (it has no models/ folder)")
    work = args.keep or Path(tempfile.mkdtemp(prefix="gen2-examples-"))
    copy = work / "examples"
    if not copy.exists():
        shutil.copytree(args.examples, copy)
    fill_models(copy / "models", work / "standins")
    chosen = programs(copy, args.only)
    ran = 0
    for program in chosen:
        name = program.relative_to(copy).as_posix()
        ok, what, took = run_one(program, args.seconds, work / "record" / name, ANSWERS.get(name, TYPED),
                                 ARGUMENTS.get(name, ()), work / "state")
        ran += ok
        print(f"{'ran ' if ok else 'FAIL'}  {name:60s} {took:5.1f} s  {what}", flush=True)
    print(f"\n{ran} of {len(chosen)} programs ran ({100 * ran / max(len(chosen), 1):.0f} %)")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
