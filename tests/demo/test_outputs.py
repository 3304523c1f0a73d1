"""What `oakling demo` writes: the annotated video, the snapshot with the most faces, the summary."""
import av
import cv2
import numpy as np

from oakling.demo.outputs import Outputs
from oakling.demo.program import Face, Frame


def test_outputs_writes_video_snapshot_and_summary(tmp_path):
    out = Outputs(tmp_path / "o", fps=30)
    for k in range(10):
        faces = [Face((10, 10, 60, 60), 0.9, 0.9, np.full((468, 2), 30, np.float32))] * (k == 4)
        img = np.full((360, 640, 3), k * 20, np.uint8)
        f = Frame(k, img, faces=faces)
        out.add(f)
        assert f.image is None
    written = out.finish("summary text")
    assert [p.name for p in written] == ["annotated.mp4", "snapshot.png", "summary.txt"]
    assert (tmp_path / "o" / "summary.txt").read_text() == "summary text\n"
    with av.open(str(tmp_path / "o" / "annotated.mp4")) as c:
        frames = [f.to_ndarray(format="bgr24") for f in c.decode(video=0)]
    assert len(frames) == 10 and frames[0].shape == (360, 640, 3)
    snap = cv2.imread(str(tmp_path / "o" / "snapshot.png"))
    assert abs(int(snap[200, 300, 0]) - 80) <= 2      # frame 4, the one with a face


def test_without_video_only_the_snapshot_and_summary(tmp_path):
    out = Outputs(tmp_path, video=False)
    out.add(Frame(0, np.zeros((36, 64, 3), np.uint8)))
    assert [p.name for p in out.finish("s")] == ["snapshot.png", "summary.txt"]
