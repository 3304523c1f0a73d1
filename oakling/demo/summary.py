"""What a demo run found, how right it was against the clip's truth, and how fast: one screen of text.

    acc = accuracy(frames, truth)        # Accuracy: faces found, IoU, landmarks, false faces
    print(summary(frames, elapsed, acc))
    annotate(frame)                      # the frame's picture with boxes and landmarks drawn

A frame that shows faces counts as found when each true face has a reported face over it with
IoU ≥ 0.5 (IOU_MIN). Landmarks count as inside when the face mesh's eyes, nose and mouth points
(KEY_LANDMARKS) all lie in the true face box. A face-free frame counts as right when no face is
reported on it.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

IOU_MIN = 0.5
# Face mesh points: eye corners (33, 133, 362, 263), nose tip (1), lips (13, 14) and mouth corners (61, 291).
KEY_LANDMARKS = (33, 133, 362, 263, 1, 13, 14, 61, 291)


def iou(a, b) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union if union > 0 else 0.0


def inside(points: np.ndarray, box) -> bool:
    return bool(np.all((points[:, 0] >= box[0]) & (points[:, 0] <= box[2]) &
                       (points[:, 1] >= box[1]) & (points[:, 1] <= box[3])))


@dataclass
class Accuracy:
    face_frames: int = 0          # frames that show at least one face
    found: int = 0                # ... where every face was found (IoU ≥ IOU_MIN)
    faces: int = 0                # true faces over all frames
    matched: int = 0              # ... found
    ious: list = None             # IoU of each matched face
    landmarks_inside: int = 0     # matched faces whose key landmarks lie in the true box
    free_frames: int = 0          # frames without a face
    free_right: int = 0           # ... on which no face was reported
    extra_faces: int = 0          # reported faces over no true face, on any frame

    @property
    def found_rate(self) -> float:
        return self.found / self.face_frames if self.face_frames else 1.0

    @property
    def landmark_rate(self) -> float:
        return self.landmarks_inside / self.matched if self.matched else 1.0

    @property
    def free_rate(self) -> float:
        return self.free_right / self.free_frames if self.free_frames else 1.0


def accuracy(frames, truth) -> Accuracy:
    """frames: program.run()'s Frames; truth: clip.Truth (frame k of the clip is sequence number k)."""
    acc = Accuracy(ious=[])
    for frame in frames:
        if frame.seq >= len(truth.faces):
            raise ValueError(f"frame {frame.seq} is past the clip's {len(truth.faces)} frames: is this the clip "
                             f"the truth was made with?")
        true_boxes = truth.faces[frame.seq]
        used = set()
        all_found = True
        for box in true_boxes:
            scores = [(iou(f.box, box), i) for i, f in enumerate(frame.faces) if i not in used]
            best, i = max(scores, default=(0.0, None))
            if best >= IOU_MIN:
                used.add(i)
                acc.matched += 1
                acc.ious.append(best)
                acc.landmarks_inside += inside(frame.faces[i].landmarks[list(KEY_LANDMARKS)], box)
            else:
                all_found = False
        acc.faces += len(true_boxes)
        acc.extra_faces += len(frame.faces) - len(used)
        if true_boxes:
            acc.face_frames += 1
            acc.found += all_found
        else:
            acc.free_frames += 1
            acc.free_right += not frame.faces
    return acc


def percentiles(values, ps=(50, 90, 99)) -> list:
    return [float(np.percentile(values, p)) for p in ps] if len(values) else [float("nan")] * len(ps)


def stream_rate(frames, stream: str, per_frame=lambda frame: 1) -> float:
    """Messages per second of a stream, from the host's arrival times, first to last (the first frame's
    messages are not counted: the time starts with them); per_frame(frame) is how many a frame has."""
    got = sorted((f.arrived[stream], per_frame(f)) for f in frames if stream in f.arrived)
    if len(got) < 2 or got[-1][0] <= got[0][0]:
        return float("nan")
    return sum(n for _, n in got[1:]) / (got[-1][0] - got[0][0])


def crops_of(frame) -> int:
    return len(frame.faces) + len(frame.rejected)


def summary(frames, elapsed: float, acc: Accuracy | None = None, source: str = "") -> str:
    counts = np.bincount([len(f.faces) for f in frames]) if frames else np.zeros(1, int)
    lat = percentiles([f.latency * 1000 for f in frames])
    crops = sum(crops_of(f) for f in frames)
    lines = [
        f"oakling demo: face detection → Script → crops → face landmarks{' on ' + source if source else ''}",
        f"  frames            {len(frames)} in {elapsed:.2f} s (device start included): "
        f"{stream_rate(frames, 'detections'):.1f} frames/s end to end, first frame to last",
        "  faces per frame   " + ", ".join(f"{n}: {c} frames" for n, c in enumerate(counts) if c),
        f"  faces not confirmed by the face mesh (presence score low): "
        f"{sum(len(f.rejected) for f in frames)}",
        "  per node (messages/s at the host):",
        f"    ColorCamera preview              {stream_rate(frames, 'frames'):7.1f}",
        f"    MobileNetDetectionNetwork out    {stream_rate(frames, 'detections'):7.1f}",
        f"    NeuralNetwork (landmarks) out    {stream_rate(frames, 'landmarks', crops_of):7.1f}   ({crops} face crops)",
        f"  end-to-end latency  p50 {lat[0]:.1f} ms, p90 {lat[1]:.1f} ms, p99 {lat[2]:.1f} ms",
    ]
    if acc is not None:
        lines += [
            "  accuracy against the clip's true face boxes:",
            f"    faces found (IoU ≥ {IOU_MIN})       {acc.found}/{acc.face_frames} frames showing faces "
            f"({acc.found_rate:.1%}); {acc.matched}/{acc.faces} faces, mean IoU "
            f"{np.mean(acc.ious) if acc.ious else float('nan'):.2f}",
            f"    landmarks in the face box     {acc.landmarks_inside}/{acc.matched} faces ({acc.landmark_rate:.1%})",
            f"    no face on face-free frames   {acc.free_right}/{acc.free_frames} frames ({acc.free_rate:.1%})",
            f"    faces reported over no face   {acc.extra_faces}",
        ]
    return "\n".join(lines)


def annotate(frame) -> np.ndarray:
    img = frame.image.copy()
    for face in frame.rejected:
        x0, y0, x1, y1 = (int(round(v)) for v in face.box)
        cv2.rectangle(img, (x0, y0), (x1, y1), (0, 0, 255), 1)
    for face in frame.faces:
        x0, y0, x1, y1 = (int(round(v)) for v in face.box)
        cv2.rectangle(img, (x0, y0), (x1, y1), (40, 220, 40), 2)
        for x, y in face.landmarks.astype(int):
            cv2.circle(img, (int(x), int(y)), 1, (255, 200, 0), -1, cv2.LINE_AA)
        cv2.putText(img, f"face {face.confidence:.0%}", (x0, max(12, y0 - 5)), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    (40, 220, 40), 1, cv2.LINE_AA)
    cv2.putText(img, f"#{frame.seq}  {len(frame.faces)} face(s)  {frame.latency * 1000:.0f} ms", (8, 20),
                cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    return img
