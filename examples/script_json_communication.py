#!/usr/bin/env python3
"""A Script edits a JSON document the host sends and sends it back (gen2's
script_json_communication.py). No camera needed:
    oakling run examples/script_json_communication.py
"""
import json

import depthai as dai

pipeline = dai.Pipeline()

xin = pipeline.create(dai.node.XLinkIn)
xin.setStreamName("in")

script = pipeline.create(dai.node.Script)
xin.out.link(script.inputs["in"])
script.setScript("""
    import json

    data = node.io['in'].get().getData()          # bytes-like: str() decodes it
    doc = json.loads(str(data, 'utf-8'))
    doc['one'] += 1
    doc['foo'] = "baz"
    doc['fw_version'] = __version__
    doc['device_id'] = __device_id__

    text = json.dumps(doc).encode('utf-8')
    b = Buffer(len(text))
    b.setData(text)
    node.io['out'].send(b)
""")

xout = pipeline.create(dai.node.XLinkOut)
xout.setStreamName("out")
script.outputs["out"].link(xout.input)

with dai.Device(pipeline) as device:
    doc = {"one": 1, "foo": "bar"}
    print("dict", doc)
    buffer = dai.Buffer()
    buffer.setData(list(json.dumps(doc).encode("utf-8")))
    device.getInputQueue("in").send(buffer)

    reply = device.getOutputQueue("out").get()
    changed = json.loads(str(reply.getData(), "utf-8"))
    print("changedDict", changed)
