#!/usr/bin/env python3
"""A web server inside a Script: `/` is a page, `/img` captures a still and answers with its JPEG
(gen2's script_http_server.py):
    oakling run examples/script_http_server.py [port]      # then open http://127.0.0.1:8080/

The server runs in the Script's sandbox on LEON_CSS; it binds '' as on the OAK, which here means
127.0.0.1, and asks the device's address with fcntl's ioctl as on the OAK: the answer is where
this machine reaches the script, 127.0.0.1.
"""
import sys
import time

import depthai as dai

port = int(sys.argv[1]) if len(sys.argv) > 1 else 8080

pipeline = dai.Pipeline()

cam = pipeline.create(dai.node.ColorCamera)
jpeg = pipeline.create(dai.node.VideoEncoder)
jpeg.setDefaultProfilePreset(cam.getFps(), dai.VideoEncoderProperties.Profile.MJPEG)

script = pipeline.create(dai.node.Script)
script.setProcessor(dai.ProcessorType.LEON_CSS)
script.setScript("""
    import fcntl
    import socket
    import struct

    def address_of(interface):   # the device's address on `interface`, asked as on an OAK (SIOCGIFADDR)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            ifreq = fcntl.ioctl(s.fileno(), -1071617759, struct.pack('256s', interface.encode()))
        return socket.inet_ntoa(ifreq[20:24])

    import socketserver
    from http.server import BaseHTTPRequestHandler

    PORT = $PORT
    capture = CameraControl()
    capture.setCaptureStill(True)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == '/':
                self.reply(200, 'text/html', b'<h1>oakling says hello</h1><p><a href="img">A picture</a></p>')
            elif self.path == '/img':
                node.io['capture'].send(capture)
                still = node.io['jpeg'].get()
                self.reply(200, 'image/jpeg', still.getData())
            else:
                self.reply(404, 'text/plain', b'No such page')

        def reply(self, status, content_type, body):
            self.send_response(status)
            self.send_header('Content-Type', content_type)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with socketserver.TCPServer(('', PORT), Handler) as httpd:
        node.warn(f'Serving at {address_of("re0")}:{PORT}')
        httpd.serve_forever()
""".replace("$PORT", str(port)))

cam.still.link(jpeg.input)
script.outputs["capture"].link(cam.inputControl)
jpeg.bitstream.link(script.inputs["jpeg"])

with dai.Device(pipeline) as device:
    print(f"Open http://127.0.0.1:{port}/ — Ctrl+C to stop", flush=True)
    while not device.isClosed():
        time.sleep(1)
