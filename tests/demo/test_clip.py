"""The demo's clip: its frames are the photographs moved as the segments say, and the true boxes move
with them."""
import av
import numpy as np
import pytest

from oakling.demo import clip, photos


def test_a_box_moves_as_the_picture_does():
    v = clip.View(cx=100, cy=50, fx=320, fy=180, s=2.0)
    assert clip.move_box((100, 50, 110, 60), v) == [320, 180, 340, 200]
    corners = np.array([[100, 50, 1], [110, 60, 1]], float)
    assert np.allclose(corners @ clip.affine(v).T, [[320, 180], [340, 200]])


def test_views_go_linearly_from_start_to_end():
    seg = clip.Segment("astronaut", 5, clip.View(0, 0, 0, 0, 1.0), clip.View(4, 8, 40, 80, 2.0))
    assert clip.view_at(seg, 0) == seg.start and clip.view_at(seg, 4) == seg.end
    assert clip.view_at(seg, 2) == clip.View(2, 4, 20, 40, 1.5)


def test_the_clip_shows_the_face_where_the_truth_says(tmp_path):
    """A marked patch painted into a photo is found in the decoded clip inside the true box."""
    base = photos.available()
    astronaut = base["astronaut"]
    img = astronaut.image.copy()
    x0, y0, x1, y1 = astronaut.faces[0]
    img[y0:y1, x0:x1] = (0, 0, 255)        # the face, painted pure red
    painted = {"astronaut": astronaut._replace(image=img), "coffee": base["coffee"]}
    truth = clip.make_clip(tmp_path / "c.mp4", pace=0.1, photos=painted)
    with av.open(str(tmp_path / "c.mp4")) as container:
        frames = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    assert len(frames) == len(truth.faces) == len(truth.photos)
    assert truth.size == clip.SIZE and frames[0].shape == (clip.SIZE[1], clip.SIZE[0], 3)
    assert clip.Truth.read(tmp_path / "c.json") == truth
    for frame, boxes, name in zip(frames, truth.faces, truth.photos):
        red = (frame[:, :, 2] > 200) & (frame[:, :, 1] < 60) & (frame[:, :, 0] < 60)
        if name != "astronaut":
            assert boxes == [] and red.mean() < 0.001
            continue
        [(bx0, by0, bx1, by1)] = boxes
        ys, xs = np.nonzero(red)
        assert abs(xs.min() - bx0) <= 2 and abs(xs.max() - bx1) <= 2, (xs.min(), xs.max(), boxes)
        assert abs(ys.min() - by0) <= 2 and abs(ys.max() - by1) <= 2, (ys.min(), ys.max(), boxes)


def test_every_true_face_lies_inside_the_frame():
    w, h = clip.SIZE
    for seg in clip.SEGMENTS:
        for k in range(seg.frames):
            for box in photos.FACES[seg.photo]:
                x0, y0, x1, y1 = clip.move_box(box, clip.view_at(seg, k))
                assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h, (seg.photo, k)


def test_the_demo_clip_is_made_once_and_kept(tmp_path):
    path, truth = clip.demo_clip(tmp_path)
    made = path.stat().st_mtime_ns
    again, truth_again = clip.demo_clip(tmp_path)
    assert again == path and again.stat().st_mtime_ns == made and truth_again == truth
    assert sum(1 for faces in truth.faces if faces) > 0 and sum(1 for faces in truth.faces if not faces) > 0


def test_the_clip_shows_several_faces_at_once_when_the_wheels_photos_are_here():
    """zidane.jpg and bus.jpg (from the ultralytics wheel, which setup fetches) show two faces each."""
    found = photos.available()
    if "bus" not in found:
        pytest.skip("the ultralytics wheel was not fetched (make setup fetches it)")
    shown = {seg.photo for seg in clip.SEGMENTS}
    assert {"zidane", "bus"} <= shown
    assert all(len(photos.FACES[name]) == 2 for name in ("zidane", "bus"))
    counts = [len(boxes) for _, _, boxes in clip.frames(pace=0.1, photos=found)]
    assert max(counts) == 2 and counts.count(2) >= 4 and 0 in counts and 1 in counts
