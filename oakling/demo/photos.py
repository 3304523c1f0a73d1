"""The demo's photographs, taken from packages, and the faces in them, marked once by hand.

    photos = available()            # {name: Photo}: scikit-image's always, ultralytics' when its wheel is here
    fetch_ultralytics_wheel()       # `pip download --no-deps` of the wheel that ships zidane.jpg and bus.jpg

A face box is (xmin, ymin, xmax, ymax) in the photo's pixels, from cheek to cheek and from the
eyebrows to the chin, as face detectors draw them. Photos without faces have none.
"""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np

# The wheel of a package that ships photographs (read as a zip, never installed).
ULTRALYTICS = "ultralytics==8.3.0"
ULTRALYTICS_WHEEL = "ultralytics-8.3.0-py3-none-any.whl"


class Photo(NamedTuple):
    name: str
    image: np.ndarray      # BGR
    faces: tuple           # ((xmin, ymin, xmax, ymax), ...) in pixels


# name → (where it comes from, faces marked by hand)
FACES = {
    "astronaut": ((182, 78, 276, 178),),
    "coffee": (),
    "chelsea": (),
    "rocket": (),
    "zidane": ((515, 285, 662, 450), (898, 132, 1052, 288)),
    # Two men in front of a bus; the third person, at the right edge, shows no face (the clip never shows him).
    "bus": ((106, 424, 156, 470), (263, 432, 308, 476)),
}
WHEEL_PHOTOS = ("zidane", "bus")   # the photographs read from the ultralytics wheel


def cache_dir() -> Path:
    """Where the demo keeps what it makes once: $OAKLING_CACHE, else ~/.cache/oakling."""
    root = os.environ.get("OAKLING_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "oakling"
    return Path(root)


def skimage_photo(name: str) -> Photo:
    try:
        import skimage.data
    except ImportError:
        raise RuntimeError("the demo's photographs come from scikit-image: pip install scikit-image") from None
    rgb = getattr(skimage.data, name)()
    return Photo(name, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), FACES[name])


def wheel_path(folder: Path | None = None) -> Path:
    return (folder or cache_dir() / "wheels") / ULTRALYTICS_WHEEL


def fetch_ultralytics_wheel(folder: Path | None = None) -> Path | None:
    """Download the wheel (not its dependencies) unless it is here; None, with a note, if pip cannot."""
    path = wheel_path(folder)
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", ULTRALYTICS,
                           "-d", str(path.parent)], capture_output=True, text=True)
    if done.returncode != 0 or not path.is_file():
        print(f"note: could not download {ULTRALYTICS} for its photographs (the clip goes without zidane.jpg "
              f"and bus.jpg): "
              f"{done.stderr.strip().splitlines()[-1] if done.stderr.strip() else 'no wheel'}", file=sys.stderr)
        return None
    return path


def wheel_photo(name: str, wheel: Path) -> Photo:
    with zipfile.ZipFile(wheel) as z:
        data = z.read(f"ultralytics/assets/{name}.jpg")
    return Photo(name, cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), FACES[name])


def available(folder: Path | None = None) -> dict:
    """The photographs at hand: {name: Photo}. zidane.jpg and bus.jpg only when the wheel has been fetched."""
    photos = {name: skimage_photo(name) for name in ("astronaut", "coffee", "chelsea", "rocket")}
    wheel = wheel_path(folder)
    if wheel.is_file():
        photos.update((name, wheel_photo(name, wheel)) for name in WHEEL_PHOTOS)
    return photos


def marked(photo: Photo) -> np.ndarray:
    """The photo with its face boxes drawn, to check the marks by eye."""
    img = photo.image.copy()
    for x0, y0, x1, y1 in photo.faces:
        cv2.rectangle(img, (x0, y0), (x1, y1), (0, 255, 0), 2)
    return img
