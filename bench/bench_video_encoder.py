#!/usr/bin/env python3
"""ColorCamera fed by a 1080p clip of a moving pattern (bench_video_manip's; offline: every frame, as fast
as the pipeline goes) → NV12 video → VideoEncoder → XLinkOut → host, for H.264, H.265 and MJPEG, against
a same-run plain loop that gives the same encoder (video_encoder_ops, same settings) the same frames in
one thread, with no pipeline.

The ratio says what the pipeline costs on top of the encoding itself (the camera decoding the clip,
two processes, the stream). No target: the encoders are software ones on this machine's CPU, where an OAK has hardware
encoders; the frames/s show how far from real time each profile is. Each figure is the best of three
interleaved runs.
"""
import os
import tempfile
import time

import oakling as dai
from bench_video_manip import make_clip
from oakling.nodes.video_encoder_ops import make_encoder

Profile = dai.VideoEncoderProperties.Profile
FRAMES = {Profile.H264_MAIN: 90, Profile.H265_MAIN: 30, Profile.MJPEG: 90}


def pipeline(profile, frames_out: bool = False) -> dai.Pipeline:
    p = dai.Pipeline()
    cam = p.create(dai.node.ColorCamera)
    cam.setResolution(dai.ColorCameraProperties.SensorResolution.THE_1080_P)
    cam.setFps(30)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("out")
    if frames_out:
        cam.video.link(xout.input)
        return p
    enc = p.create(dai.node.VideoEncoder)
    enc.setDefaultProfilePreset(30, profile)
    cam.video.link(enc.input)
    enc.bitstream.link(xout.input)
    return p


def pipeline_fps(profile, count: int, clip: str) -> float:
    with dai.Device(pipeline(profile), cameras={"CAM_A": clip}, realtime=False) as device:
        q = device.getOutputQueue("out")
        q.get()   # the encoder has started
        start = time.perf_counter()
        for _ in range(count):
            q.get()
        return count / (time.perf_counter() - start)


def camera_frames(count: int, clip: str) -> list:
    with dai.Device(pipeline(None, frames_out=True), cameras={"CAM_A": clip}, realtime=False) as device:
        q = device.getOutputQueue("out")
        return [q.get() for _ in range(count)]


def baseline_fps(profile, frames: list) -> float:
    props = pipeline(profile).serializeToJson()["pipeline"]["nodes"]
    encoder_props = next(info["properties"] for _, info in props if info["name"] == "VideoEncoder")
    encoder = make_encoder(encoder_props, frames[0].getWidth(), frames[0].getHeight())
    encoder.encode(frames[0], 0)
    start = time.perf_counter()
    for k, frame in enumerate(frames[1:], 1):
        encoder.encode(frame, k)
    return (len(frames) - 1) / (time.perf_counter() - start)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        clip = os.path.join(tmp, "clip.mp4")
        make_clip(clip)
        frames = camera_frames(max(FRAMES.values()) + 1, clip)
        results = {}
        for profile, count in FRAMES.items():
            base, ours = 0.0, 0.0
            for _ in range(3):
                base = max(base, baseline_fps(profile, frames[:count + 1]))
                ours = max(ours, pipeline_fps(profile, count, clip))
            results[profile] = base, ours
    for profile, (base, ours) in results.items():
        print(f"1080p NV12 camera -> VideoEncoder {profile.name} -> host: {ours:6.1f} frames/s | baseline "
              f"the same encoder on the same frames in one loop: {base:6.1f} frames/s | ratio {ours / base:.2f} "
              f"(no target: software encoding; real time is 30 frames/s)")
