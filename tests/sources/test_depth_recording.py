"""Recorded depth for a ToF sensor: depth images and NumPy stacks are checked and loaded, and on a
device a ToF node decodes the sensor's planes of them back to the recorded depth; bad recordings
end the camera's stream with an error naming the socket and the file."""
import cv2
import numpy as np
import pytest

import oakling as dai
from oakling.sources import SourceError, describe, open_source
from oakling.sources.depth_recording import load_stack, read_depth_image
from oakling.sources.tof_scene import RANGES_MM

TIMEOUT = 20.0
CAM_A = dai.CameraBoardSocket.CAM_A


def recording(frames: int = 3) -> np.ndarray:
    """Depth maps (mm) with a wall, a board, no measurement on the left, and noise below, all within
    the reach of phase unwrapping level 4 (5 ranges of 1499 mm, along the rays)."""
    rng = np.random.default_rng(7)
    stack = np.zeros((frames, 480, 640), np.uint16)
    for i in range(frames):
        stack[i] = 2500 + 300 * i
        stack[i, 100:300, 200:400] = 800 + 100 * i
        stack[i, :, :50] = 0
        stack[i, 400:, 50:] = rng.integers(200, 5600, (80, 590))
    assert stack.max() * 1.32 < 5 * RANGES_MM[0]   # the corner rays are 1.32 times their depth
    return stack


def test_stacks_and_images_are_loaded_and_checked(tmp_path):
    stack = recording(2)
    np.save(tmp_path / "one.npy", stack[0])
    np.savez(tmp_path / "two.npz", depth=stack)
    assert load_stack(str(tmp_path / "one.npy")).shape == (1, 480, 640)
    assert np.array_equal(load_stack(str(tmp_path / "two.npz")), stack)
    np.save(tmp_path / "float.npy", stack.astype(np.float32))
    with pytest.raises(SourceError, match=r"float\.npy: float32 values, not 16-bit depth — give uint16"):
        load_stack(str(tmp_path / "float.npy"))
    np.savez(tmp_path / "many.npz", a=stack, b=stack)
    with pytest.raises(SourceError, match=r"it holds a, b — name the depth array 'depth'"):
        load_stack(str(tmp_path / "many.npz"))
    cv2.imwrite(str(tmp_path / "d.png"), stack[0])
    assert np.array_equal(read_depth_image(str(tmp_path / "d.png")), stack[0])
    cv2.imwrite(str(tmp_path / "grey.png"), (stack[0] // 30).astype(np.uint8))
    with pytest.raises(SourceError, match=r"grey\.png: an 8-bit picture, not 16-bit depth"):
        read_depth_image(str(tmp_path / "grey.png"))
    assert describe(str(tmp_path / "two.npz"), "CAM_A")["kind"] == "depth"


def test_recorded_depth_is_only_for_a_tof_sensor(tmp_path):
    np.save(tmp_path / "d.npy", recording(1))
    with pytest.raises(SourceError, match=r"d\.npy is recorded depth, which only a ToF sensor takes"):
        open_source(describe(str(tmp_path / "d.npy"), "CAM_A"), width=640, height=480, socket=0)


def tof_pipeline(temporal_filter: bool = True):
    """gen2's ToF program: a Camera on CAM_A whose raw frames a ToF node decodes into `depth`."""
    p = dai.Pipeline()
    cam = p.create(dai.node.Camera)
    cam.setBoardSocket(CAM_A)
    tof = p.create(dai.node.ToF)
    cfg = tof.initialConfig.get()
    cfg.phaseUnwrappingLevel = 4
    cfg.enablePhaseShuffleTemporalFilter = temporal_filter
    tof.initialConfig.set(cfg)
    cam.raw.link(tof.input)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("depth")
    tof.depth.link(xout.input)
    return p


@pytest.mark.parametrize("form", ["npy", "folder"])
def test_a_tof_node_decodes_recorded_depth_to_the_recording(tmp_path, form):
    stack = recording()
    if form == "npy":
        source = tmp_path / "depth.npy"
        np.save(source, stack)
    else:
        source = tmp_path / "depth"
        source.mkdir()
        for i, depth in enumerate(stack):
            cv2.imwrite(str(source / f"{i}.png"), depth)
    pipeline = tof_pipeline(temporal_filter=False)   # each depth frame its own recording's
    with dai.Device(pipeline, cameras={"CAM_A": str(source)}, realtime=False, camera_end="stop") as device:
        q = device.getOutputQueue("depth", 8, True)
        for expected in stack:
            frame = q.get(timeout=TIMEOUT)
            off = np.abs(frame.getFrame().astype(np.int32) - expected)
            assert off.max() <= 1 and (off == 0).mean() > 0.999     # within the phases' 16-bit precision
        with pytest.raises(dai.StreamEnded):   # every recorded frame once, offline
            q.get(timeout=TIMEOUT)


def _errors(pipeline, **options) -> list[str]:
    """The error lines a device logs while its depth stream runs to its end."""
    logs = []
    with dai.Device(**options) as device:
        device.addLogCallback(logs.append)
        device.startPipeline(pipeline)
        with pytest.raises(dai.StreamEnded):
            for _ in range(10):
                device.getOutputQueue("depth", 8, True).get(timeout=TIMEOUT)
    return [m.payload for m in logs if m.level == dai.LogLevel.ERR]


def test_bad_recorded_depth_names_the_socket_and_the_file(tmp_path):
    folder = tmp_path / "depth"
    folder.mkdir()
    cv2.imwrite(str(folder / "0.png"), recording(1)[0])
    cv2.imwrite(str(folder / "1.png"), np.zeros((480, 640), np.uint8))
    errors = _errors(tof_pipeline(), cameras={"CAM_A": str(folder)})
    assert any(e.startswith(f"CAM_A: depth image {folder / '1.png'}: an 8-bit picture, not 16-bit depth — give "
                            f"uint16 depth in millimetres") for e in errors), errors
    np.save(tmp_path / "float.npy", np.ones((480, 640), np.float32))
    errors = _errors(tof_pipeline(), cameras={"CAM_A": str(tmp_path / "float.npy")})
    assert any(e.startswith(f"CAM_A: depth recording {tmp_path / 'float.npy'}: float32 values") for e in errors)
    with pytest.raises(SourceError, match=r"CAM_A \(Device\(cameras=...\)\): no such file or folder"):
        dai.Device(tof_pipeline(), cameras={"CAM_A": str(tmp_path / "missing")})
