"""The demo's photographs and their hand-marked faces: BlazeFace, run directly, finds each marked face
(IoU ≥ 0.5) and nothing else in those photos. (In the face-free photos it finds a cat's face and a
pattern in the coffee now and then; the demo's second network turns those down: test_program.py.)"""
import cv2
import numpy as np
import pytest

from oakling.demo import photos
from oakling.demo.models import DETECTOR_SIZE
from oakling.demo.program import DETECTION_THRESHOLD
from oakling.demo.summary import iou


def detect(blob, img):
    """Face boxes in photo pixels: the photo letterboxed into the detector's square, as the demo's pipeline does."""
    from oakling.models import default_backend
    from oakling.models.blob import ModelBlob
    model = default_backend().load(ModelBlob.read(blob), requests=1)
    h, w = img.shape[:2]
    n = DETECTOR_SIZE
    s = n / max(w, h)
    nw, nh = round(w * s), round(h * s)
    x0, y0 = (n - nw) // 2, (n - nh) // 2
    square = np.zeros((n, n, 3), np.uint8)
    square[y0:y0 + nh, x0:x0 + nw] = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA)
    rows = model.infer({"input": square[None]})["detection_out"].reshape(-1, 7).astype(float)
    return [((r[3] * n - x0) / s, (r[4] * n - y0) / s, (r[5] * n - x0) / s, (r[6] * n - y0) / s)
            for r in rows if r[0] >= 0 and r[2] >= DETECTION_THRESHOLD]


def test_scikit_images_photographs_are_always_there_and_marked():
    found = photos.available()
    assert {"astronaut", "coffee", "chelsea", "rocket"} <= set(found)
    for photo in found.values():
        assert photo.image.ndim == 3 and photo.image.dtype == np.uint8
        h, w = photo.image.shape[:2]
        for x0, y0, x1, y1 in photo.faces:
            assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h


# The part of each photo the detector is shown, (x0, y0, x1, y1): where the clip shows it, its faces at a
# useful size (the whole of bus.jpg, shrunk into 256×256, makes its faces too small to find).
VIEWS = {"astronaut": None, "zidane": (360, 0, 1080, 720), "bus": (0, 250, 810, 810)}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_the_detector_finds_each_marked_face_and_nothing_else(demo_blobs, name):
    found = photos.available()
    if name not in found:
        pytest.skip(f"{name}: its wheel was not fetched (make setup fetches it)")
    photo = found[name]
    img = photo.image
    vx, vy = 0, 0
    if VIEWS[name] is not None:
        vx, vy, x1, y1 = VIEWS[name]
        img = img[vy:y1, vx:x1]
    faces = [(x0 - vx, y0 - vy, x1 - vx, y1 - vy) for x0, y0, x1, y1 in photo.faces]
    boxes = detect(demo_blobs[0], img)
    assert len(boxes) == len(faces), boxes
    for face in faces:
        assert max(iou(b, face) for b in boxes) >= 0.5, (face, boxes)


def test_a_wheel_that_is_here_is_not_fetched_again(tmp_path):
    fake = photos.wheel_path(tmp_path)
    fake.write_bytes(b"kept")
    assert photos.fetch_ultralytics_wheel(tmp_path) == fake and fake.read_bytes() == b"kept"


def test_marked_draws_the_boxes():
    photo = photos.available()["astronaut"]
    img = photos.marked(photo)
    x0, y0, x1, y1 = photo.faces[0]
    assert tuple(img[y0, (x0 + x1) // 2]) == (0, 255, 0) and np.array_equal(img[0, 0], photo.image[0, 0])
