#!/usr/bin/env python3
"""A Script makes an HTTP request and logs the answer (gen2's script_http_client.py):
    oakling run examples/script_http_client.py [port [path]]

A Script's sockets reach loopback only, so the request goes to a server on this machine,
http://127.0.0.1:<port><path> (start one with `python -m http.server 8000`); gen2's version asks
a public web service for the OAK's public address.
"""
import sys

import depthai as dai

port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
path = sys.argv[2] if len(sys.argv) > 2 else "/"

pipeline = dai.Pipeline()

script = pipeline.create(dai.node.Script)
script.setProcessor(dai.ProcessorType.LEON_CSS)
script.setScript("""
    import http.client

    node.warn('Sending an HTTP GET request...')
    connection = http.client.HTTPConnection('127.0.0.1', $PORT, timeout=5)
    connection.request('GET', '$PATH')
    response = connection.getresponse()
    body = response.read()
    node.warn(f'{response.status} {response.reason}: {body[:200]!r}')
    answer = Buffer(len(body))
    answer.setData(body)
    node.io['end'].send(answer)
""".replace("$PORT", str(port)).replace("$PATH", path))

xout = pipeline.create(dai.node.XLinkOut)
xout.setStreamName("end")
script.outputs["end"].link(xout.input)

with dai.Device(pipeline) as device:
    body = device.getOutputQueue("end").get()   # waits for the script's answer
    print(bytes(body.getData()).decode(errors="replace"))
