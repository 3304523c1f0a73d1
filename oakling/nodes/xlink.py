"""XLinkIn and XLinkOut: the streams between the host's queues and the pipeline.

    xin = pipeline.create(dai.node.XLinkIn);  xin.setStreamName("in")    # host → device, output `out`
    xout = pipeline.create(dai.node.XLinkOut); xout.setStreamName("out")  # device → host, input `input` ("in")

Each stream name becomes one host queue: `device.getInputQueue("in")`, `device.getOutputQueue("out")`.
"""
from __future__ import annotations

from ..pipeline.node import HostStream, Node
from ..pipeline.registry import node_type
from ..runtime.worker import Feed, QueueClosed, Worker

XLINK_USB_BUFFER_MAX_SIZE = 5 * 1024 * 1024


@node_type(worker="XLinkInWorker")
class XLinkIn(Node):
    NAME = "XLinkIn"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.out = self._output("out")
        self.properties = {"maxDataSize": XLINK_USB_BUFFER_MAX_SIZE, "numFrames": 8, "streamName": ""}

    def setStreamName(self, name: str):
        self.properties["streamName"] = str(name)

    def getStreamName(self) -> str:
        return self.properties["streamName"]

    def setMaxDataSize(self, size: int):
        """Largest message payload, in bytes, that the host may send on this stream."""
        self.properties["maxDataSize"] = int(size)

    def getMaxDataSize(self) -> int:
        return self.properties["maxDataSize"]

    def setNumFrames(self, n: int):
        """How many messages may be in flight from the host at once (the stream's buffer pool)."""
        self.properties["numFrames"] = int(n)

    def getNumFrames(self) -> int:
        return self.properties["numFrames"]

    def host_stream(self) -> HostStream:
        props = self.properties
        return HostStream(props["streamName"], False, props["maxDataSize"], props["numFrames"])


@node_type(worker="XLinkOutWorker")
class XLinkOut(Node):
    NAME = "XLinkOut"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.input = self._input("in", attr="input", blocking=True, queueSize=8, waitForMessage=True)
        self.properties = {"maxFpsLimit": -1.0, "metadataOnly": False, "streamName": ""}

    def setStreamName(self, name: str):
        self.properties["streamName"] = str(name)

    def getStreamName(self) -> str:
        return self.properties["streamName"]

    def setFpsLimit(self, fps: float):
        """Forward at most `fps` messages per second; the rest are dropped on the device."""
        self.properties["maxFpsLimit"] = float(fps)

    def getFpsLimit(self) -> float:
        return self.properties["maxFpsLimit"]

    def setMetadataOnly(self, metadata_only: bool):
        """Send messages without their data (sizes, types, timestamps only)."""
        self.properties["metadataOnly"] = bool(metadata_only)

    def getMetadataOnly(self) -> bool:
        return self.properties["metadataOnly"]

    def host_stream(self) -> HostStream:
        return HostStream(self.properties["streamName"], True)


class XLinkInWorker(Worker):
    """Sends what the host writes into the stream to `out`. In a replay of a recording that has
    this stream, it sends the recorded messages instead (session/device.py) and reads and drops
    what the host sends now."""

    def __init__(self, ctx):
        super().__init__(ctx)
        session, self._topic, self._replaying = ctx.session, None, False
        if session is not None:
            from ..session.format import xlinkin_topic
            self._topic = xlinkin_topic(self.properties["streamName"])
            self._replaying = self.output("out").linked and session.will_replay(self._topic)

    def run(self):
        name = self.properties["streamName"]
        stream = self.ctx.host_streams[name]
        out = self.output("out")
        session, topic = self.ctx.session, self._topic
        if self._replaying:
            self._replay(stream, out, session, topic)
            return
        with stream.forwarding():
            while not self.stopping:
                msg = stream.receive()
                if msg is None:   # the host closed the stream
                    return
                if session is not None:
                    session.entered(topic, msg)
                out.send(msg)

    def _replay(self, stream, out, session, topic):
        import threading
        drain = threading.Thread(target=lambda: [None for _ in iter(stream.receive, None)],
                                 name=f"{self.label} drain", daemon=True)
        drain.start()
        for msg in session.replayed(topic, self.ctx.stop_event):
            session.entered(topic, msg)
            out.send(msg)
        while drain.is_alive() and not self.stopping:   # the stream ends when the host closes it, as live
            drain.join(0.1)


class XLinkOutWorker(Worker):
    """Sends what reaches `in` to the host stream. A blocking input with no FPS limit (the default)
    needs no thread of its own per message: its policy is a `StreamFeed`, so each
    producer writes straight to the stream (the stream's socket and the host queue give the
    back-pressure); the worker only waits for the end to tell the host. Otherwise the worker reads
    the input's queue (dropping the oldest when non-blocking, pacing to the FPS limit)."""

    def __init__(self, ctx):
        super().__init__(ctx)
        port = self.input("in")
        self._feed = None
        if port.blocking and not self.properties["maxFpsLimit"] > 0:
            self._feed = StreamFeed(self.ctx.host_streams[self.properties["streamName"]],
                                    self.properties["metadataOnly"], port.label,
                                    self.ctx.session, self.properties["streamName"])

    def feeds(self):
        return {("", "in"): self._feed} if self._feed is not None else {}

    def run(self):
        stream = self.ctx.host_streams[self.properties["streamName"]]
        if self._feed is not None:
            reason = self._feed.wait_closed(self.ctx.stop_event)
            if reason is not None and not self.stopping:
                stream.end(reason)
            return
        source = self.input("in")
        fps_limit = self.properties["maxFpsLimit"]
        # whole nanoseconds, on the clock messages are stamped with: a source at exactly the limit's
        # rate is never a rounding error too soon
        min_interval = round(1e9 / fps_limit) if fps_limit > 0 else 0
        metadata_only = self.properties["metadataOnly"]
        clock = self.ctx.clock
        last_sent = None
        while True:
            try:
                msg = source.get()
            except QueueClosed as e:   # upstream ended: tell the host, unless the device is stopping
                if not self.stopping:
                    stream.end(str(e))
                return
            if min_interval:
                now = clock.now_ns()
                if last_sent is not None and now - last_sent < min_interval:
                    continue
                last_sent = now
            if not stream.send(msg, metadata_only=metadata_only):
                return   # the host's end is gone: nobody is left to send to
            if self.ctx.session is not None:
                self.ctx.session.left(self.properties["streamName"], msg, metadata_only)


class StreamFeed(Feed):
    """Stands in for a blocking XLinkOut input's queue: `put` sends the message to the host stream
    in the producer's thread, one producer at a time so messages stay whole and in order."""

    holds = True   # it only writes to the host's link

    def __init__(self, stream, metadata_only: bool, label: str, session=None, name: str = ""):
        super().__init__(label)
        self._stream = stream
        self._metadata_only = metadata_only
        self._session, self._name = session, name   # a recording notes each message sent

    def put(self, msg, timeout: float | None = None) -> bool:
        with self._lock:
            if self._reason is not None:
                raise QueueClosed(self._reason)
            # False: the host is gone or the device is closing, and there is nobody to send to
            if self._stream.send(msg, metadata_only=self._metadata_only) and self._session is not None:
                self._session.left(self._name, msg, self._metadata_only)
        return True

    def close(self, reason: str = "queue closed", discard: bool = False):
        with self._lock:   # after the message being sent, if any: the end comes last
            super().close(reason, discard)
