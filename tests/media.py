"""Test media, made on the spot: videos (PyAV), images (OpenCV), and the decoded frames to compare with.

    frames = make_video(tmp_path / "clip.mp4", count=20)     # H.264 in MP4; returns what was encoded
    decoded = decode_video(tmp_path / "clip.mp4")            # what a decoder gives back (BGR)
    paths = write_images(tmp_path / "frames", count=5)       # frame_0.png … frame_4.png

Every frame is different and easy to tell apart even after lossy coding: a smooth gradient, a
bright square that moves by 8 px per frame, and a top band whose grey level encodes the index.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

# container extension, encoder, pixel format
FORMATS = {
    "h264-mp4": ("mp4", "libx264", "yuv420p"),
    "h264-mkv": ("mkv", "libx264", "yuv420p"),
    "mjpeg-avi": ("avi", "mjpeg", "yuvj420p"),
    "h265-mkv": ("mkv", "libx265", "yuv420p"),
}
_ENCODER_OPTIONS = {"libx264": {"preset": "ultrafast", "crf": "12"},
                    "libx265": {"preset": "ultrafast", "crf": "12", "x265-params": "log-level=error"},
                    "mjpeg": {"q:v": "2"}}


def frame_pattern(index: int, width: int = 320, height: int = 180) -> np.ndarray:
    """Frame `index` of the test clip (BGR)."""
    y, x = np.mgrid[0:height, 0:width]
    img = np.empty((height, width, 3), np.uint8)
    img[..., 0] = (x * 255 // max(1, width - 1)).astype(np.uint8)
    img[..., 1] = (y * 255 // max(1, height - 1)).astype(np.uint8)
    img[..., 2] = 96
    side = max(8, height // 4)
    left = (index * 8) % max(1, width - side)
    img[height // 2 - side // 2:height // 2 + side // 2, left:left + side] = 255
    img[:max(4, height // 10)] = (index * 37) % 200 + 30
    return img


def has_encoder(name: str) -> bool:
    import av
    try:
        av.codec.Codec(name, "w")
        return True
    except Exception:
        return False


def need_format(key: str):
    """Skip the test if this machine's PyAV cannot encode `key` (e.g. no H.265 encoder)."""
    ext, codec, _ = FORMATS[key]
    if not has_encoder(codec):
        pytest.skip(f"this PyAV has no {codec} encoder")
    return ext


def make_video(path, count: int = 20, size=(320, 180), fps: int = 30, fmt: str = "h264-mp4",
               frames: list | None = None) -> list[np.ndarray]:
    """Encode `frames` (default: frame_pattern 0…count-1) into `path`; returns the frames."""
    import av
    _, codec, pix_fmt = FORMATS[fmt]
    width, height = size
    frames = frames if frames is not None else [frame_pattern(i, width, height) for i in range(count)]
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=fps, options=_ENCODER_OPTIONS.get(codec, {}))
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        for img in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return frames



def scene_sbs(path, count=6):
    """The stereo scene's left and right views side by side (1280×400), `count` frames; nearly lossless."""
    from oakling.sources.stereo_scene import render
    pair = np.hstack([render(1, 640, 400)[0], render(2, 640, 400)[0]])   # CAM_B, CAM_C
    bgr = np.repeat(pair[..., None], 3, axis=2)
    import av
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30, options={"preset": "ultrafast", "crf": "4"})
        stream.width, stream.height, stream.pix_fmt = 1280, 400, "yuv420p"
        for _ in range(count):
            for packet in stream.encode(av.VideoFrame.from_ndarray(bgr, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return pair


def make_broken_video(path, count: int = 20):
    """A video whose middle half is random bytes: decoders fail part-way through it."""
    make_video(path, count=count)
    data = bytearray(path.read_bytes())
    n = len(data)
    data[n // 3:n // 3 + n // 2] = np.random.default_rng(0).integers(0, 256, n // 2, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))

def decode_video(path, fmt: str = "bgr24") -> list[np.ndarray]:
    """Every frame of `path`, decoded with PyAV (BGR, or grey with fmt="gray")."""
    import av
    with av.open(str(path)) as container:
        return [f.to_ndarray(format=fmt) for f in container.decode(video=0)]


def write_images(folder, count: int = 5, size=(160, 120), names=None, ext: str = "png") -> list[Path]:
    """Write frame_pattern images into `folder` (created); `names` overrides the file names."""
    import cv2
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = names or [f"frame_{i}.{ext}" for i in range(count)]
    paths = []
    for i, name in enumerate(names):
        path = folder / name
        assert cv2.imwrite(str(path), frame_pattern(i, *size))
        paths.append(path)
    return paths


def as_bgr(picture) -> np.ndarray:
    """A source's picture as BGR (sources may give decoder planes, `Yuv420`)."""
    return picture if isinstance(picture, np.ndarray) else picture.to_bgr()


def mean_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.mean(np.abs(a.astype(np.int16) - b.astype(np.int16))))


def closest(frame: np.ndarray, candidates: list[np.ndarray]) -> int:
    """The index of the candidate most like `frame`."""
    return int(np.argmin([mean_abs_diff(frame, c) for c in candidates]))


# -- AprilTags in photographs --

APRILTAG_DICTS = {"TAG_36H11": "DICT_APRILTAG_36h11", "TAG_36H10": "DICT_APRILTAG_36h10",
                  "TAG_25H9": "DICT_APRILTAG_25h9", "TAG_16H5": "DICT_APRILTAG_16h5"}


def photo_gray(name: str = "astronaut", size=(1280, 800)) -> np.ndarray:
    """One of scikit-image's photographs, grey, at `size` (skips the test without scikit-image)."""
    import pytest
    skdata = pytest.importorskip("skimage.data")
    import cv2
    img = getattr(skdata, name)()
    if img.ndim == 3:
        img = cv2.cvtColor(img[..., :3], cv2.COLOR_RGB2GRAY)
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA)


def render_tag(image: np.ndarray, family: str, tag_id: int, corners, flip=()) -> np.ndarray:
    """`image` with the tag `tag_id` of `family` (a white margin around it) warped in perspective so
    that its black square's corners, top-left, top-right, bottom-right, bottom-left of the tag as the
    AprilTag library orients it (OpenCV's images turned if its build has them turned), land on
    `corners` (pixel centres at whole coordinates). `flip`: (row, column) data cells to print
    inverted (0-based inside the border, in OpenCV's image). Returns the new image."""
    import cv2
    from oakling.nodes.april_tag import opencv_turn
    dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, APRILTAG_DICTS[family]))
    cell = 24
    n = dictionary.markerSize + 2
    tag = cv2.aruco.generateImageMarker(dictionary, tag_id, n * cell, borderBits=1)
    for row, col in flip:
        cells = tag[(row + 1) * cell:(row + 2) * cell, (col + 1) * cell:(col + 2) * cell]
        cells[...] = 255 - cells
    tag = np.ascontiguousarray(np.rot90(tag, opencv_turn()))
    tag = cv2.copyMakeBorder(tag, cell, cell, cell, cell, cv2.BORDER_CONSTANT, value=255)
    inner = np.float32([[cell, cell], [cell + n * cell, cell], [cell + n * cell, cell + n * cell],
                        [cell, cell + n * cell]]) - 0.5
    h = cv2.getPerspectiveTransform(inner, np.float32(corners))
    size = (image.shape[1], image.shape[0])
    warped = cv2.warpPerspective(tag, h, size, flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full(tag.shape, 255, np.uint8), h, size, flags=cv2.INTER_LINEAR)
    alpha = mask.astype(np.float32) / 255
    return (image * (1 - alpha) + warped * alpha).round().astype(np.uint8)
