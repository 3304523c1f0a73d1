"""The demo's gen2 program: faces found by one network, cropped by a Script, and read by a second.

    ColorCamera ─preview─> ImageManip (letterbox 256×256) ─> MobileNetDetectionNetwork (BlazeFace)
         │                                                        │ out: ImgDetections
         ├───────────────────────────> Script <───────────────────┘
         │                  one crop config + the frame per face
         │                              ▼
         │          ImageManip (waits for a config: crop, resize 192×192)
         │                              ▼
         │                  NeuralNetwork (face mesh: 468 landmarks)
         ▼                              ▼
    XLinkOut "frames"      XLinkOut "detections", XLinkOut "landmarks"  ─> host: pair by sequence number

    frames = run("clip.mp4", detector_blob, landmark_blob)     # one Frame per camera frame
    frames = run("webcam:0", ..., realtime=True, max_frames=300)

It is written as a DepthAI user writes gen2 code (`import oakling as dai` is `import depthai as dai`);
docs/demo.md walks through it node by node.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

import oakling as dai

from .models import DETECTOR_SIZE, FACE_SCORE, LANDMARK_SIZE, LANDMARKS

# The camera: 1080p scaled by 1/3 → 640×360 frames (a 640×360 video is used pixel for pixel).
FRAME_SIZE = (640, 360)
DETECTION_THRESHOLD = 0.65  # BlazeFace's score for a box to be a face
PRESENCE_THRESHOLD = 0.05   # the face mesh's own "a face is in this crop" score, to confirm a detection
CROP_SCALE = 1.5            # the face mesh sees a square 1.5 times the face box, as it was trained

# Runs on the device, in the Script node. The detector saw the frame letterboxed into a square, so its
# boxes are first moved back into the frame; each face gets a square crop around it.
SCRIPT = f"""
CROP_SCALE = {CROP_SCALE}
SIZE = {LANDMARK_SIZE}

def unletterbox(d, w, h):
    k = min(w, h) / max(w, h)            # the share of the square the frame fills
    pad = (1 - k) / 2
    if w >= h:
        return d.xmin, (d.ymin - pad) / k, d.xmax, (d.ymax - pad) / k
    return (d.xmin - pad) / k, d.ymin, (d.xmax - pad) / k, d.ymax

def face_crop(box, w, h):
    xmin, ymin, xmax, ymax = box
    cx, cy = (xmin + xmax) / 2 * w, (ymin + ymax) / 2 * h
    half = CROP_SCALE * max((xmax - xmin) * w, (ymax - ymin) * h) / 2
    return (max(0.0, (cx - half) / w), max(0.0, (cy - half) / h),
            min(1.0, (cx + half) / w), min(1.0, (cy + half) / h))

frame = None
while True:
    dets = node.io['detections'].get()
    seq = dets.getSequenceNum()
    # Frames reach the script before the detector is done with them: skip to the one it saw.
    while frame is None or frame.getSequenceNum() < seq:
        frame = node.io['frames'].get()
    if frame.getSequenceNum() != seq:
        node.warn(f"no frame {{seq}} for its detections (next is {{frame.getSequenceNum()}})")
        continue
    for det in dets.detections:
        cfg = ImageManipConfig()
        cfg.setCropRect(*face_crop(unletterbox(det, frame.getWidth(), frame.getHeight()),
                                   frame.getWidth(), frame.getHeight()))
        cfg.setResize(SIZE, SIZE)
        cfg.setKeepAspectRatio(False)
        node.io['crop_config'].send(cfg)
        node.io['crop_frame'].send(frame)
"""


def create_pipeline(detector_blob, landmark_blob) -> dai.Pipeline:
    pipeline = dai.Pipeline()

    cam = pipeline.create(dai.node.ColorCamera)
    cam.setResolution(dai.ColorCameraProperties.SensorResolution.THE_1080_P)
    cam.setIspScale(1, 3)
    cam.setPreviewSize(*FRAME_SIZE)
    cam.setInterleaved(True)
    cam.setFps(30)

    # The detector takes 256×256: the whole frame, letterboxed.
    det_manip = pipeline.create(dai.node.ImageManip)
    det_manip.initialConfig.setResizeThumbnail(DETECTOR_SIZE, DETECTOR_SIZE)
    det_manip.initialConfig.setFrameType(dai.ImgFrame.Type.BGR888i)
    cam.preview.link(det_manip.inputImage)

    detector = pipeline.create(dai.node.MobileNetDetectionNetwork)
    detector.setBlobPath(detector_blob)
    detector.setConfidenceThreshold(DETECTION_THRESHOLD)
    det_manip.out.link(detector.input)

    script = pipeline.create(dai.node.Script)
    script.setScript(SCRIPT)
    cam.preview.link(script.inputs['frames'])
    detector.out.link(script.inputs['detections'])

    # One crop per config: the Script sends a config, then the frame to crop.
    crop_manip = pipeline.create(dai.node.ImageManip)
    crop_manip.initialConfig.setResize(LANDMARK_SIZE, LANDMARK_SIZE)
    crop_manip.initialConfig.setFrameType(dai.ImgFrame.Type.BGR888i)
    crop_manip.inputConfig.setWaitForMessage(True)
    crop_manip.setMaxOutputFrameSize(LANDMARK_SIZE * LANDMARK_SIZE * 3)
    script.outputs['crop_config'].link(crop_manip.inputConfig)
    script.outputs['crop_frame'].link(crop_manip.inputImage)

    landmarks = pipeline.create(dai.node.NeuralNetwork)
    landmarks.setBlobPath(landmark_blob)
    crop_manip.out.link(landmarks.input)

    for name, output in (("frames", cam.preview), ("detections", detector.out), ("landmarks", landmarks.out)):
        xout = pipeline.create(dai.node.XLinkOut)
        xout.setStreamName(name)
        output.link(xout.input)
    return pipeline


# ------------------------------------------------------------------------------------------------
# Host: the same geometry as the script's, to draw in frame pixels.
# ------------------------------------------------------------------------------------------------

def unletterbox(d, w, h):
    k = min(w, h) / max(w, h)
    pad = (1 - k) / 2
    if w >= h:
        return d.xmin, (d.ymin - pad) / k, d.xmax, (d.ymax - pad) / k
    return (d.xmin - pad) / k, d.ymin, (d.xmax - pad) / k, d.ymax


def face_crop(box, w, h):
    xmin, ymin, xmax, ymax = box
    cx, cy = (xmin + xmax) / 2 * w, (ymin + ymax) / 2 * h
    half = CROP_SCALE * max((xmax - xmin) * w, (ymax - ymin) * h) / 2
    return (max(0.0, (cx - half) / w), max(0.0, (cy - half) / h),
            min(1.0, (cx + half) / w), min(1.0, (cy + half) / h))


@dataclass
class Face:
    box: tuple            # (xmin, ymin, xmax, ymax) in frame pixels
    confidence: float     # the detector's
    presence: float       # the face mesh's: is this a face?
    landmarks: np.ndarray  # [468, 2] in frame pixels


@dataclass
class Frame:
    seq: int
    image: np.ndarray
    faces: list = field(default_factory=list)     # confirmed faces
    rejected: list = field(default_factory=list)  # detections the face mesh did not confirm
    latency: float = 0.0                          # seconds from capture to the host having it all
    arrived: dict = field(default_factory=dict)   # stream name → host time (time.monotonic) of arrival


def read_face(det, lm: dai.NNData, w: int, h: int) -> Face:
    box = unletterbox(det, w, h)
    x0, y0, x1, y1 = face_crop(box, w, h)
    points = np.array(lm.getLayerFp16(LANDMARKS), np.float32).reshape(-1, 3)[:, :2] / LANDMARK_SIZE
    points = np.column_stack([(x0 + points[:, 0] * (x1 - x0)) * w, (y0 + points[:, 1] * (y1 - y0)) * h])
    logit = float(np.clip(lm.getLayerFp16(FACE_SCORE)[0], -50, 50))
    return Face((box[0] * w, box[1] * h, box[2] * w, box[3] * h), det.confidence, 1 / (1 + np.exp(-logit)), points)


# How long the host waits for a face's landmarks once its frame's detections are in. With an offline
# camera a crop is read in milliseconds; nothing after this long means a node between the detector and
# the face mesh dropped it (its error line says why), and the host, which waits in order, would wait forever.
RESULT_TIMEOUT = 20.0


def next_landmarks(queue, seq: int, face: int, timeout: float, failed) -> dai.NNData:
    """The next landmarks from `queue`, waiting at most `timeout` seconds; the error `failed()` gives
    for a node that failed meanwhile is raised at once, and after the timeout a RuntimeError naming
    the frame, the face and where the crop was lost."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return queue.get(timeout=min(0.5, max(0.0, deadline - time.monotonic())))
        except TimeoutError:
            error = failed()
            if error is not None:
                raise error from None
            if time.monotonic() >= deadline:
                raise RuntimeError(
                    f"no landmarks for face {face + 1} of frame {seq} within {timeout:g} s of its "
                    f"detections: a node between the detector and the face mesh (Script, ImageManip, "
                    f"NeuralNetwork) dropped its crop — see the device's error lines above, and check that "
                    f"the face mesh blob takes {LANDMARK_SIZE}x{LANDMARK_SIZE} BGR888i crops") from None


def run(source, detector_blob, landmark_blob, *, realtime=False, max_frames=None, on_frame=None,
        result_timeout: float = RESULT_TIMEOUT) -> list:
    """Run the pipeline with the camera fed from `source` (a video, an image folder, "webcam:N"); returns a
    Frame per camera frame, in order, until the source ends, max_frames, or Ctrl-C. on_frame(frame) is
    called as each one is complete. A node that fails, or landmarks that do not come within
    `result_timeout` seconds of their detections, raise RuntimeError with the node and what to do."""
    pipeline = create_pipeline(detector_blob, landmark_blob)
    frames = []
    with dai.Device(pipeline, cameras={"CAM_A": source}, realtime=realtime, camera_end="stop") as device:
        q_frames = device.getOutputQueue("frames")
        q_dets = device.getOutputQueue("detections")
        q_landmarks = device.getOutputQueue("landmarks")

        def failed() -> RuntimeError | None:
            """The error to raise for a node that failed, if one did."""
            nodes = device.getFailedNodes()
            if not nodes:
                return None
            return RuntimeError("the pipeline stopped: " + "; ".join(f"{node}: {why}" for node, why in nodes.items()))

        frame = None
        try:
            while max_frames is None or len(frames) < max_frames:
                try:
                    dets = q_dets.get()
                except dai.StreamEnded:   # the camera's source ended, and with it every stream
                    error = failed()
                    if error is not None:
                        raise error from None
                    break
                seq = dets.getSequenceNum()
                arrived = {"detections": time.monotonic()}
                try:
                    while frame is None or frame.getSequenceNum() < seq:
                        frame = q_frames.get()
                        arrived["frames"] = time.monotonic()
                    img = frame.getCvFrame()
                    h, w = img.shape[:2]
                    result = Frame(seq, img, arrived=arrived)
                    for j, det in enumerate(dets.detections):
                        lm = next_landmarks(q_landmarks, seq, j, result_timeout, failed)
                        arrived["landmarks"] = time.monotonic()
                        if lm.getSequenceNum() != seq:
                            raise RuntimeError(f"landmarks of frame {lm.getSequenceNum()} arrived for the "
                                               f"detections of frame {seq}")
                        face = read_face(det, lm, w, h)
                        (result.faces if face.presence >= PRESENCE_THRESHOLD else result.rejected).append(face)
                except dai.StreamEnded as e:  # a stream ended before the frame was complete: why?
                    raise (failed() or e) from None
                result.latency = (dai.Clock.now() - frame.getTimestamp()).total_seconds()
                frames.append(result)
                if on_frame is not None:
                    on_frame(result)
        except KeyboardInterrupt:         # Ctrl-C ends a run that has no end of its own (a webcam)
            pass
    return frames
