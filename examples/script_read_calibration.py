#!/usr/bin/env python3
"""A Script on LEON_CSS reads the device's calibration and logs the stereo pair's extrinsics and
the left camera's intrinsics (gen2's script_read_calibration.py, with node.warn so the lines
show at the default log level). No camera needed:
    oakling run examples/script_read_calibration.py
"""
import depthai as dai

pipeline = dai.Pipeline()

script = pipeline.create(dai.node.Script)
script.setProcessor(dai.ProcessorType.LEON_CSS)
script.setScript("""
    cal = Device.readCalibration2()
    left = cal.getStereoLeftCameraId()
    right = cal.getStereoRightCameraId()

    node.warn(f"extrinsics {left.name} -> {right.name}: {cal.getCameraExtrinsics(left, right)}")
    node.warn(f"intrinsics {left.name}: {cal.getCameraIntrinsics(left)}")
    node.io['end'].send(Buffer(32))
""")

xout = pipeline.create(dai.node.XLinkOut)
xout.setStreamName("end")
script.outputs["end"].link(xout.input)

with dai.Device(pipeline) as device:
    device.getOutputQueue("end").get()
    print("calibration read")
