#!/usr/bin/env python3
"""An MJPEG stream served by a Script: `/img` sends the camera's video as a multipart stream of
JPEGs that a browser plays (gen2's script_mjpeg_server.py):
    oakling run --camera CAM_A=clip.mp4 examples/script_mjpeg_server.py [port]   # http://127.0.0.1:8080/img

As in script_http_server.py, the server listens on 127.0.0.1 and prints the address fcntl's ioctl
gives, as on the OAK: 127.0.0.1.
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
    import time
    import fcntl
    import socket
    import struct

    def address_of(interface):   # the device's address on `interface`, asked as on an OAK (SIOCGIFADDR)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            ifreq = fcntl.ioctl(s.fileno(), -1071617759, struct.pack('256s', interface.encode()))
        return socket.inet_ntoa(ifreq[20:24])

    from http.server import BaseHTTPRequestHandler, HTTPServer
    from socketserver import ThreadingMixIn

    PORT = $PORT

    class Server(ThreadingMixIn, HTTPServer):
        daemon_threads = True

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == '/':
                self.send_response(200)
                self.send_header('Content-Type', 'text/html')
                self.end_headers()
                self.wfile.write(b'<h1>oakling MJPEG</h1><img src="img">')
                return
            if self.path != '/img':
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header('Content-Type', 'multipart/x-mixed-replace; boundary=frame')
            self.end_headers()
            sent, since = 0, time.time()
            try:
                while True:
                    data = node.io['jpeg'].get().getData()
                    self.wfile.write(b'--frame\\r\\n')
                    self.send_header('Content-Type', 'image/jpeg')
                    self.send_header('Content-Length', str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    self.wfile.write(b'\\r\\n')
                    sent += 1
                    if time.time() - since > 1:
                        node.info(f'{sent} frames/s')
                        sent, since = 0, time.time()
            except (BrokenPipeError, ConnectionResetError):
                node.info('a viewer left')

    with Server(('', PORT), Handler) as httpd:
        node.warn(f'Serving at {address_of("re0")}:{PORT}')
        httpd.serve_forever()
""".replace("$PORT", str(port)))

cam.video.link(jpeg.input)
jpeg.bitstream.link(script.inputs["jpeg"])

with dai.Device(pipeline) as device:
    print(f"Open http://127.0.0.1:{port}/img — Ctrl+C to stop", flush=True)
    while not device.isClosed():
        time.sleep(1)
