"""Recorded depth for a ToF sensor: what a ToF socket's camera measures when it is given depth
pictures instead of the synthetic scene.

    dai.Device(pipeline, cameras={"CAM_A": "depth/"})   # or --camera CAM_A=depth/, on a ToF socket
    dai.Device(pipeline, cameras={"CAM_A": "depth.npy"})

A recording is a folder of 16-bit PNG (or TIFF) images, a single such image, or a NumPy `.npy` /
`.npz` file holding one H×W depth map or an N×H×W stack (an `.npz` file's `depth` array, or its
only one). Values are uint16 millimetres of depth (Z, along the camera's axis, as gen2's ToF node
and StereoDepth report it); 0 is no measurement. Each depth map becomes the sensor's planes
(sources/tof_scene.py's `planes_of`: the phases of both modulations along each pixel's ray, an
amplitude of a grey surface over the squared distance, none where the depth is 0), so the ToF
node decodes it, filters and all, back to the recorded depth. A map of another size than the
sensor's 640×480 is resized to it (nearest neighbour). Anything else (8-bit or colour images,
float arrays, a missing file) is a SourceError naming the file and what to give instead.
"""
from __future__ import annotations

import numpy as np

from .images import list_images
from .picture import SourceError

DEPTH_EXTENSIONS = (".npy", ".npz")
REFLECTANCE = 180          # the grey a recorded surface returns light as (0..255)
_HELP = ("give uint16 depth in millimetres: 16-bit PNG images (cv2.imwrite(path, depth.astype(np.uint16))) "
         "or a .npy/.npz of uint16")


def _checked(depth, where: str) -> np.ndarray:
    if depth is None:
        raise SourceError(f"{where}: not an image OpenCV can read — {_HELP}")
    depth = np.asarray(depth)
    if depth.ndim != 2:
        shape = "x".join(map(str, depth.shape))
        raise SourceError(f"{where}: a depth map has one channel, this has shape {shape} — {_HELP}")
    if depth.dtype != np.uint16:
        bits = "an 8-bit picture" if depth.dtype == np.uint8 else f"{depth.dtype} values"
        raise SourceError(f"{where}: {bits}, not 16-bit depth — {_HELP}")
    return depth


def read_depth_image(path: str) -> np.ndarray:
    """A depth image's uint16 millimetres, checked."""
    import cv2
    return _checked(cv2.imread(path, cv2.IMREAD_UNCHANGED), f"depth image {path}")


def load_stack(path: str) -> np.ndarray:
    """The N×H×W uint16 depth maps of a .npy or .npz file, checked."""
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise SourceError(f"depth recording {path}: cannot read it ({e}) — {_HELP}") from None
    if isinstance(data, np.lib.npyio.NpzFile):
        with data:
            names = list(data.files)
            if "depth" in names:
                name = "depth"
            elif len(names) == 1:
                name = names[0]
            else:
                raise SourceError(f"depth recording {path}: it holds {', '.join(names) or 'no arrays'} — name "
                                  f"the depth array 'depth' (np.savez(path, depth=stack))")
            data = data[name]
    stack = data[None] if data.ndim == 2 else data
    if stack.ndim != 3 or not len(stack):
        raise SourceError(f"depth recording {path}: expected an H×W depth map or an N×H×W stack, got shape "
                          f"{'x'.join(map(str, data.shape))} — {_HELP}")
    if stack.dtype != np.uint16:
        raise SourceError(f"depth recording {path}: {stack.dtype} values, not 16-bit depth — {_HELP}")
    return stack


class DepthRecordingSource:
    """A ToF sensor's planes of recorded depth maps, one per frame (a camera source); loops or ends
    after the last, as a folder of images does."""

    def __init__(self, description: dict, width: int, height: int, k: np.ndarray, loop: bool):
        kind, path = description["kind"], description["path"]
        self.name = f"depth recording {description.get('name', path)}"
        self.width, self.height, self.loop = width, height, loop
        self.frames = 0
        self._k = k
        self._stack, self._paths = None, None
        if kind == "depth":
            self._stack = load_stack(path)
        elif kind == "images":
            self._paths = list_images(path)
            if not self._paths:
                raise SourceError(f"{self.name}: the folder '{path}' holds no images — {_HELP}")
        elif kind == "image":
            self._paths = [path]
        else:
            raise SourceError(f"{self.name}: a ToF sensor takes recorded depth, not a {kind} — {_HELP}")
        self.static = self._count() == 1
        self._next = 0
        self._planes = None

    def _count(self) -> int:
        return len(self._stack) if self._stack is not None else len(self._paths)

    def _depth(self, index: int) -> np.ndarray:
        if self._stack is not None:
            return self._stack[index]
        return read_depth_image(self._paths[index])

    def read(self) -> np.ndarray | None:
        if self._next >= self._count():
            if not self.loop:
                return None
            self._next = 0
        if self.static and self._planes is not None:
            self.frames += 1
            return self._planes
        depth = self._depth(self._next)
        self._next += 1
        self.frames += 1
        if depth.shape != (self.height, self.width):
            import cv2
            depth = cv2.resize(depth, (self.width, self.height), interpolation=cv2.INTER_NEAREST)
        from .tof_scene import planes_of
        planes = planes_of(depth, REFLECTANCE, self._k)
        planes.flags.writeable = False
        if self.static:
            self._planes = planes
        return planes

    def read_at(self, t: float) -> np.ndarray | None:
        """One depth map per camera frame: the camera's fps is the recording's frame rate."""
        return self.read()

    def close(self):
        pass
