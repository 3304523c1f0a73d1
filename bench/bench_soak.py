#!/usr/bin/env python3
"""A long run of a realistic pipeline: does memory stay flat, and is no message lost?

    python bench/bench_soak.py                 # 30 minutes, figures at the 5th and the last minute
    python bench/bench_soak.py --minutes 8 --warmup 2

The pipeline is the demo's (oakling/demo/program.py): a camera fed from the demo clip, looped, two
ImageManips, a Script, two networks (BlazeFace and the face mesh), three streams to the host. The
host pairs the streams by sequence number as the demo does and keeps the last 30 frames it received
(each holds its shared memory until it is let go), as a program that shows or syncs recent frames
does, reading at 30 frames/s (`--fps`) as a display loop would; the camera is offline, so it waits for
the host and nothing is dropped anywhere. Every blocking path is checked: the frames' sequence numbers have no gap, and every face the
detector reports gets its landmarks.

Resident memory (VmRSS) of every process — the host, the device, each Script's process — is read
from /proc every 10 s, in all and by kind: private (anonymous: heaps, malloc arenas), shared (the
memfd segments and regions of links and frame pools) and files (code, models), so a reader sees
what grows. The baseline is each process's figure at the end of the warm-up; the figure printed is
its growth from there to the end (target: under 1 %), with the rate the pipeline kept, and the range
it moved in after the warm-up: links give back shared segments a peak made them take (after 10 s
unused), so shared memory swings with the load rather than only growing.
"""
import argparse
import collections
import os
import sys
import time

KEEP = 30
SAMPLE_S = 10.0
TARGET_GROWTH = 0.01


def tree(pid: int) -> dict[int, int]:
    """`pid` and its descendants, each with its depth below `pid`, from /proc."""
    children = collections.defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children[parent].append(int(entry))
    found, todo = {}, [(pid, 0)]
    while todo:
        p, depth = todo.pop()
        found[p] = depth
        todo.extend((c, depth + 1) for c in children.get(p, []))
    return found


KINDS = {"RssAnon:": "private", "RssShmem:": "shared", "RssFile:": "files"}


def rss_kib(pid: int) -> dict[str, int] | None:
    """Resident KiB of `pid` in all and by kind: private (anonymous: heaps, malloc arenas, stacks),
    shared (memfd segments and regions the links and frame pools map) and files (code, models)."""
    found = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key = line.split(None, 1)[0]
                if key == "VmRSS:":
                    found["all"] = int(line.split()[1])
                elif key in KINDS:
                    found[KINDS[key]] = int(line.split()[1])
    except OSError:
        return None
    return found if "all" in found else None


ROLES = {0: "host", 1: "device process", 2: "Script process"}   # a Script's process is the device's child


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=5.0, help="minutes before the baseline is taken")
    parser.add_argument("--fps", type=float, default=30.0,
                        help="the rate the host reads at, as a display loop does (0: as fast as it can)")
    args = parser.parse_args()

    import oakling as dai
    from oakling.cli.demo import prepare
    from oakling.demo import program

    detector, landmarks, clip, _ = prepare()
    pipeline = program.create_pipeline(detector, landmarks)
    kept = collections.deque(maxlen=KEEP)
    samples, names = {}, {}  # pid -> [(t, KiB)], pid -> what it is
    frames = faces = lost = 0
    last_seq = None
    with dai.Device(pipeline, cameras={"CAM_A": str(clip)}, realtime=False, camera_end="loop") as device:
        q_frames, q_dets = device.getOutputQueue("frames"), device.getOutputQueue("detections")
        q_landmarks = device.getOutputQueue("landmarks")
        start = time.monotonic()
        next_sample = start
        baseline_at = start + args.warmup * 60
        counted_from = None
        while (now := time.monotonic()) < start + args.minutes * 60:
            dets = q_dets.get(timeout=60)
            frame = q_frames.get(timeout=60)
            while frame.getSequenceNum() < dets.getSequenceNum():
                frame = q_frames.get(timeout=60)
            seq = frame.getSequenceNum()
            if last_seq is not None and seq != last_seq + 1:
                lost += seq - last_seq - 1
            last_seq = seq
            for _ in dets.detections:
                lm = q_landmarks.get(timeout=60)
                if lm.getSequenceNum() != seq:
                    sys.exit(f"landmarks of frame {lm.getSequenceNum()} came for frame {seq}: a crop was lost")
            kept.append(frame)
            if counted_from is None and now >= baseline_at:
                counted_from = (now, frames)
            frames += 1
            faces += len(dets.detections)
            if args.fps > 0:   # the offline camera waits for the host: every path stays blocking
                time.sleep(max(0.0, start + frames / args.fps - time.monotonic()))
            if now >= next_sample:
                for pid, depth in tree(os.getpid()).items():
                    kib = rss_kib(pid)
                    if kib:
                        samples.setdefault(pid, []).append((now - start, kib))
                        names[pid] = f"{ROLES.get(depth, 'process')} {pid}"
                next_sample += SAMPLE_S
        end = time.monotonic()

    rate = (frames - counted_from[1]) / (end - counted_from[0]) if counted_from else frames / (end - start)
    print(f"soak: {args.minutes:g} min of the demo pipeline on its looped clip, host reading at "
          f"{args.fps or 'full speed'} frames/s and keeping the last {KEEP} frames; "
          f"load {os.getloadavg()[0]:.1f}")
    print(f"  {frames} frames ({rate:.1f}/s after the warm-up), {faces} faces, {lost} frames lost on blocking paths")
    worst = 0.0
    for pid, points in sorted(samples.items(), key=lambda kv: names[kv[0]]):
        base = next((kib for t, kib in points if t >= args.warmup * 60), None)
        if base is None or len(points) < 2:
            continue
        final = points[-1][1]
        growth = (final["all"] - base["all"]) / base["all"]
        worst = max(worst, growth)
        print(f"  {names[pid]:<28} RSS {base['all'] / 1024:7.1f} MiB at {args.warmup:g} min → "
              f"{final['all'] / 1024:7.1f} MiB at {points[-1][0] / 60:.1f} min: growth {growth * 100:+.2f} % "
              f"(target < {TARGET_GROWTH * 100:g} %)")
        after = [kib for t, kib in points if t >= args.warmup * 60]
        print(f"      range after the warm-up {min(k['all'] for k in after) / 1024:.1f}–"
              f"{max(k['all'] for k in after) / 1024:.1f} MiB; by kind: "
              + ", ".join(f"{kind} {min(k.get(kind, 0) for k in after) / 1024:.1f}–"
                          f"{max(k.get(kind, 0) for k in after) / 1024:.1f}" for kind in KINDS.values()))
        print("      by kind: " + ", ".join(
            f"{kind} {base.get(kind, 0) / 1024:.1f} → {final.get(kind, 0) / 1024:.1f} MiB "
            f"({(final.get(kind, 0) - base.get(kind, 0)) / 1024:+.1f})" for kind in KINDS.values()))
        step = 5 if args.minutes >= 15 else 1
        minutes = sorted({args.warmup, *range(step, int(args.minutes) + 1, step)})
        marks = [next(p for p in points if p[0] >= m * 60) for m in minutes if points[-1][0] >= m * 60]
        print("      MiB over time (all = private + shared + files): " + ", ".join(
            f"{kib['all'] / 1024:.1f} = {kib.get('private', 0) / 1024:.1f} + {kib.get('shared', 0) / 1024:.1f}"
            f" + {kib.get('files', 0) / 1024:.1f} at {t / 60:.1f} min" for t, kib in marks))
    print(f"  worst growth {worst * 100:+.2f} %: {'met' if worst < TARGET_GROWTH and lost == 0 else 'NOT met'}")


if __name__ == "__main__":
    main()
