#!/usr/bin/env python3
"""Record the colour camera as an H.265 stream (gen2's rgb_encoding.py):
    oakling run --camera CAM_A=clip.mp4 examples/rgb_encoding.py [video.h265]

The file is a raw Annex-B stream; Ctrl+C ends the recording (so does the end of the clip with
`--offline --camera-end stop`). `ffmpeg -framerate 30 -i video.h265 -c copy video.mp4` puts it in
an MP4 without re-encoding.
"""
import sys

import depthai as dai

path = sys.argv[1] if len(sys.argv) > 1 else "video.h265"

pipeline = dai.Pipeline()

camRgb = pipeline.create(dai.node.ColorCamera)
camRgb.setBoardSocket(dai.CameraBoardSocket.CAM_A)
camRgb.setResolution(dai.ColorCameraProperties.SensorResolution.THE_1080_P)

encoder = pipeline.create(dai.node.VideoEncoder)
encoder.setDefaultProfilePreset(30, dai.VideoEncoderProperties.Profile.H265_MAIN)

xout = pipeline.create(dai.node.XLinkOut)
xout.setStreamName("h265")

camRgb.video.link(encoder.input)
encoder.bitstream.link(xout.input)

with dai.Device(pipeline) as device:
    q = device.getOutputQueue(name="h265", maxSize=30, blocking=True)
    packets = 0
    with open(path, "wb") as out:
        print(f"Writing {path}; press Ctrl+C to stop")
        try:
            while True:
                q.get().getData().tofile(out)
                packets += 1
        except (KeyboardInterrupt, dai.StreamEnded):
            pass
    print(f"{packets} frames written to {path}")
    print(f"To play it in an MP4: ffmpeg -framerate 30 -i {path} -c copy video.mp4")
