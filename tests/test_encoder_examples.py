"""The VideoEncoder examples and gen2's network Script examples, run through `oakling run` as a user would.

The servers listen on 127.0.0.1 on a port the test picks; the test talks to them with http.client,
checks the pages and that the JPEGs decode, then stops the program with Ctrl-C (SIGINT) as a user would.
"""
import http.client
import http.server
import signal
import socket
import subprocess
import threading
import time

import av
import cv2
import numpy as np
import pytest

from programs import EXAMPLES, OAKLING_RUN, clip_fixture, oakling_run


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Program:
    """An example started with `oakling run`, stopped with SIGINT when the test is done with it."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([*OAKLING_RUN, *map(str, args)], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)

    def wait_for_port(self, port: int, timeout: float = 20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"the program ended before it listened on {port}: {self.proc.communicate()[1]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        pytest.fail(f"nothing listened on 127.0.0.1:{port} within {timeout} s")

    def stop(self) -> tuple[int, str, str]:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            out, err = self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
        return self.proc.returncode, out, err


clip = clip_fixture(count=8)


def get(port: int, path: str):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    return response, response.read()


def jpeg_image(data: bytes) -> np.ndarray:
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert img is not None, "the body is not a JPEG OpenCV can decode"
    return img


def test_rgb_encoding_writes_an_h265_stream_of_every_frame(clip, tmp_path):
    out = tmp_path / "video.h265"
    result = oakling_run("--offline", "--camera-end", "stop", "--camera", f"CAM_A={clip}",
                         EXAMPLES / "rgb_encoding.py", out, timeout=90)
    assert f"8 frames written to {out}" in result.stdout
    with av.open(str(out), format="hevc") as container:
        frames = [f for f in container.decode(video=0)]
    assert len(frames) == 8 and (frames[0].width, frames[0].height) == (1920, 1080)
    # What `ffmpeg -i video.h265 -c copy video.mp4` does: the packets go into an MP4 unchanged.
    mp4 = tmp_path / "video.mp4"
    with av.open(str(out), format="hevc") as src, av.open(str(mp4), "w") as dst:
        stream = dst.add_stream_from_template(src.streams.video[0])
        for i, packet in enumerate(p for p in src.demux(video=0) if p.size):
            packet.stream, packet.pts, packet.dts, packet.time_base = stream, i, i, stream.time_base
            dst.mux(packet)
    with av.open(str(mp4)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 8


def test_http_server_serves_a_page_and_a_still(clip):
    port = free_port()
    program = Program("--camera", f"CAM_A={clip}", EXAMPLES / "script_http_server.py", port)
    try:
        program.wait_for_port(port)
        response, body = get(port, "/")
        assert response.status == 200 and b'href="img"' in body
        response, body = get(port, "/img")
        assert response.status == 200 and response.getheader("Content-Type") == "image/jpeg"
        assert int(response.getheader("Content-Length")) == len(body)
        assert jpeg_image(body).shape == (1080, 1920, 3)    # ColorCamera's still at 1080p
        response, _ = get(port, "/no-such-page")
        assert response.status == 404
    finally:
        code, out, err = program.stop()
    assert f"Serving at 127.0.0.1:{port}" in err
    assert code == 130, err   # ended by Ctrl-C


def test_mjpeg_server_streams_jpegs(clip):
    port = free_port()
    program = Program("--camera", f"CAM_A={clip}", EXAMPLES / "script_mjpeg_server.py", port)
    try:
        program.wait_for_port(port)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/img")
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Type") == "multipart/x-mixed-replace; boundary=frame"
        for _ in range(3):
            assert response.fp.readline() == b"--frame\r\n"
            headers = {}
            while (line := response.fp.readline().strip()):
                name, value = line.decode().split(":", 1)
                headers[name.lower()] = value.strip()
            assert headers["content-type"] == "image/jpeg"
            body = response.fp.read(int(headers["content-length"]))
            assert response.fp.readline() == b"\r\n"
            assert jpeg_image(body).shape == (1080, 1920, 3)
        connection.close()
    finally:
        code, _, err = program.stop()
    assert code == 130, err


def test_http_client_fetches_from_a_loopback_server():
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            body = b"hello from the test's server"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        result = oakling_run(EXAMPLES / "script_http_client.py", server.server_address[1], "/ip")
    finally:
        server.shutdown()
        server.server_close()
    assert requests == ["/ip"]
    assert "hello from the test's server" in result.stdout
    assert "200 OK" in result.stderr    # the script's node.warn line
