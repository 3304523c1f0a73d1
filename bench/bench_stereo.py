#!/usr/bin/env python3
"""StereoDepth on the synthetic stereo scene at 640x400 and 1280x800 (96 disparities), against the
bare matcher — OpenCV's SGBM on the same pair, as the node calls it (`Matcher.match`: for extended
disparity, the full-size and half-size matches) — in the same run.

With subpixel, a second line pairs the node with the bare matcher and its sub-pixel refinement
(`Matcher.disparity`, what the node asks of its matcher): what the node adds around matching.

Paired rounds (bench/paired.py): each round times the bare matcher on one pair, then one pair
through the node (left and right pushed into a NodeHarness, depth pulled); the node's rate is one
over its median time, and the ratio (bare time / node time) is the median of the rounds' ratios, so
the machine's speed drifting between rounds (others' work on its 2 cores) hits both alike. The node
does everything gen2's StereoDepth does per pair: the matcher, the left-right check, the sub-pixel
refinement, the median filter, depth. Lines: gen2's default config (HIGH_DENSITY, whole pixels),
the same with subpixel (the target), then depth aligned to CAM_A at 1280x720 against the same node
with depth on the right camera (paired the same way: the time the alignment adds), then each preset
at 640x400.

Last, the rate a gen2 program sees end to end: two MonoCameras (offline, so every pair is matched)
→ StereoDepth (subpixel) → host, in a real device process, over FRAMES depth frames; its median over
ROUNDS runs, and the load average before each line.

Targets: >= 30 frames/s at 640x400 with subpixel on this 2-core machine; the node at >= 0.9 of the
bare matcher.
"""
import os
import statistics
import time

import numpy as np

import oakling as dai
from oakling.nodes import stereo_depth_ops as ops
from oakling.sources.stereo_scene import render
from oakling.testing import NodeHarness
from paired import paired_rounds

ROUNDS, FRAMES, PAIRS = 3, 40, 4
PAIRED_ROUNDS = {(640, 400): 60, (1280, 800): 16}
SIZES = {(640, 400): dai.MonoCameraProperties.SensorResolution.THE_400_P,
         (1280, 800): dai.MonoCameraProperties.SensorResolution.THE_800_P}
LEFT, RIGHT = dai.CameraBoardSocket.CAM_B, dai.CameraBoardSocket.CAM_C
Preset = dai.node.StereoDepth.PresetMode


def load() -> str:
    return "load %.1f" % os.getloadavg()[0]


def pairs(width, height) -> tuple[list, list]:
    """(messages: PAIRS (left, right) frame pairs, pictures: the same as arrays), the scene shifted a
    little sideways from pair to pair so that no two are the same."""
    left, right = render(int(LEFT), width, height)[0], render(int(RIGHT), width, height)[0]
    messages, pictures = [], []
    for i in range(PAIRS):
        pair = tuple(np.ascontiguousarray(np.roll(p, 3 * i, axis=1)) for p in (left, right))
        frames = []
        for socket, picture in zip((LEFT, RIGHT), pair):
            f = dai.ImgFrame()
            f.setType(dai.ImgFrame.Type.RAW8).setSize(width, height).setInstanceNum(int(socket)).setSequenceNum(i)
            f._data = picture.reshape(-1)
            frames.append(f)
        messages.append(tuple(frames))
        pictures.append(pair)
    return messages, pictures


def stereo_node(preset=None, subpixel=None):
    stereo = dai.Pipeline().create(dai.node.StereoDepth)
    if preset is not None:
        stereo.setDefaultProfilePreset(preset)
    if subpixel is not None:
        stereo.setSubpixel(subpixel)
    return stereo


def paired(stereo, width, height, rounds, refined=False) -> tuple[float, float, float]:
    """(node frames/s, bare matcher frames/s, ratio bare time / node time), medians of paired rounds;
    `refined`: the bare matcher with its sub-pixel refinement (Matcher.disparity), not SGBM alone."""
    messages, pictures = pairs(width, height)
    matcher = ops.Matcher(stereo.initialConfig.get())

    def bare(pair):   # the SGBM calls the node makes (mirrored: the right camera is the reference)
        return matcher.disparity(*pair) if refined else matcher.match(*pair)
    seq = [0]

    def numbered():   # each pushed pair needs a new sequence number to be paired
        for _ in range(rounds + len(messages)):
            for pair in messages:
                seq[0] += 1
                for f in pair:
                    f.setSequenceNum(seq[0])
                yield pair
    with NodeHarness(stereo, inputs=["left", "right"], outputs=["depth"]) as h:
        for pair in messages:   # warm up: the first pair builds the matcher's tables
            seq[0] += 1
            for port, f in zip(("left", "right"), pair):
                h.push(port, f.setSequenceNum(seq[0]))
            h.pull("depth", timeout=60)
        feed = numbered()
        cv, node = paired_rounds(h, ("left", "right"), "depth", _Fresh(feed, len(messages)), bare, pictures, rounds)
    ratio = statistics.median(c / n for c, n in zip(cv, node))
    return 1 / statistics.median(node), 1 / statistics.median(cv), ratio


class _Fresh:
    """The pairs, renumbered each time one is taken (paired_rounds indexes messages[k])."""

    def __init__(self, feed, count):
        self._feed, self._count = feed, count

    def __len__(self):
        return self._count

    def __getitem__(self, k):
        return next(self._feed)


def device_fps(resolution) -> float:
    p = dai.Pipeline()
    stereo = p.create(dai.node.StereoDepth)
    stereo.setSubpixel(True)
    for socket, port in ((LEFT, stereo.left), (RIGHT, stereo.right)):
        cam = p.create(dai.node.MonoCamera)
        cam.setBoardSocket(socket)
        cam.setResolution(resolution)
        cam.out.link(port)
    xout = p.create(dai.node.XLinkOut)
    xout.setStreamName("depth")
    stereo.depth.link(xout.input)
    with dai.Device(p, realtime=False) as device:
        q = device.getOutputQueue("depth")
        for _ in range(3):
            q.get(timeout=60)
        start = time.perf_counter()
        for _ in range(FRAMES):
            q.get(timeout=60)
        return FRAMES / (time.perf_counter() - start)


def aligned_vs_plain(width, height, out_size, rounds) -> tuple[float, float, float, float]:
    """(aligned frames/s, plain frames/s, ratio aligned / plain rate, milliseconds the alignment adds),
    medians of paired rounds: each round one pair through StereoDepth with its depth on the right
    camera (gen2's default), then one through the same node with setDepthAlign(CAM_A) at `out_size`."""
    plain, aligned = stereo_node(), stereo_node()
    aligned.setDepthAlign(dai.CameraBoardSocket.CAM_A)
    aligned.setOutputSize(*out_size)
    feeds = [pairs(width, height)[0], pairs(width, height)[0]]   # each harness numbers its own frames
    seq = [0, 0]

    def numbered(which):
        while True:
            for pair in feeds[which]:
                seq[which] += 1
                for f in pair:
                    f.setSequenceNum(seq[which])
                yield pair
    plain_feed, aligned_feed = numbered(0), numbered(1)
    with NodeHarness(plain, inputs=["left", "right"], outputs=["depth"]) as hp, \
            NodeHarness(aligned, inputs=["left", "right"], outputs=["depth"]) as ha:
        def through_plain(pair):
            for port, f in zip(("left", "right"), pair):
                hp.push(port, f)
            hp.pull("depth", timeout=60)
        for _ in range(PAIRS):   # warm up: matchers, rectification and alignment tables
            through_plain(next(plain_feed))
            for port, f in zip(("left", "right"), next(aligned_feed)):
                ha.push(port, f)
            ha.pull("depth", timeout=60)
        plain_times, aligned_times = paired_rounds(ha, ("left", "right"), "depth", _Fresh(aligned_feed, PAIRS),
                                                   through_plain, _Fresh(plain_feed, PAIRS), rounds)
    ratio = statistics.median(p / a for p, a in zip(plain_times, aligned_times))
    added = statistics.median(a - p for p, a in zip(plain_times, aligned_times))
    return 1 / statistics.median(aligned_times), 1 / statistics.median(plain_times), ratio, added * 1000


def line(label, width, height, node, bare, ratio, target=False, baseline="bare matcher (OpenCV SGBM)") -> str:
    out = (f"StereoDepth {width}x{height} {label:26s}: node {node:6.1f} frames/s | {baseline} "
           f"{bare:6.1f} frames/s | ratio {ratio:.2f} (target >= 0.90)")
    if target:
        out += f" | target >= 30 frames/s: {'met' if node >= 30 else 'MISSED'}"
    return out + f" | {load()}"


def main():
    for (width, height) in SIZES:
        rounds = PAIRED_ROUNDS[(width, height)]
        print(line("gen2 default", width, height, *paired(stereo_node(), width, height, rounds)), flush=True)
        print(line("default, subpixel", width, height, *paired(stereo_node(subpixel=True), width, height, rounds),
                   target=(width, height) == (640, 400)), flush=True)
        print(line("default, subpixel", width, height,
                   *paired(stereo_node(subpixel=True), width, height, rounds, refined=True),
                   baseline="bare matcher with its refinement"), flush=True)
    aligned, plain, ratio, added = aligned_vs_plain(640, 400, (1280, 720), PAIRED_ROUNDS[(640, 400)])
    print(f"StereoDepth 640x400 depth aligned to CAM_A at 1280x720: {aligned:6.1f} frames/s | on the right camera "
          f"{plain:6.1f} frames/s | ratio {ratio:.2f} | adds {added:.1f} ms a frame | {load()}", flush=True)
    for preset in (Preset.HIGH_ACCURACY, Preset.DEFAULT, Preset.FACE, Preset.HIGH_DETAIL, Preset.ROBOTICS):
        print(line(f"preset {preset.name}", 640, 400, *paired(stereo_node(preset), 640, 400, 20)), flush=True)
    for (width, height), resolution in SIZES.items():
        rates = [device_fps(resolution) for _ in range(ROUNDS)]
        print(f"StereoDepth {width}x{height} subpixel, end to end (2 MonoCameras → StereoDepth → host, device "
              f"process): {statistics.median(rates):6.1f} frames/s (range {min(rates):.1f}–{max(rates):.1f}) | "
              f"{load()}", flush=True)


if __name__ == "__main__":
    main()
