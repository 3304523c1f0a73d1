#!/usr/bin/env python3
"""A Script reports the device's id and firmware version as JSON (gen2's
script_get_device_info.py). No camera needed:
    oakling run examples/script_get_device_info.py
"""
import json

import depthai as dai

pipeline = dai.Pipeline()

script = pipeline.create(dai.node.Script)
script.setScript("""
    import json
    data = json.dumps({'deviceId': __device_id__, 'fwVersion': __version__}).encode('utf-8')
    b = Buffer(len(data))
    b.setData(data)
    node.io['info'].send(b)
""")

xout = pipeline.create(dai.node.XLinkOut)
xout.setStreamName("info")
script.outputs["info"].link(xout.input)

with dai.Device(pipeline) as device:
    msg = device.getOutputQueue("info").get()
    info = json.loads(msg.getData().tobytes().decode("utf-8"))
    print(json.dumps(info, indent=4))
