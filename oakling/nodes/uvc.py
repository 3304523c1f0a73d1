"""UVC: the frames an OAK would stream to the host as a USB webcam.

    uvc = pipeline.create(dai.node.UVC)                  # or pipeline.createUVC()
    cam.video.link(uvc.input)                            # NV12, the size of the board config's UVC
    ...
    frame = device.getOutputQueue("uvc").get()           # oakling: what a webcam viewer would show

Ports (gen2): `input` ("in"; blocking, queue 8). Properties as gen2's UVCProperties: `gpioInit`,
`gpioStreamOn`, `gpioStreamOff` (GPIO number → level; kept, no GPIO is driven).

oakling's device is not a USB gadget, so no webcam appears on the machine. Instead the frames go to
a host stream named "uvc", read like any XLinkOut's (`device.getOutputQueue("uvc")`); with
`oakling run --record`, a program that only opens the device and waits (as gen2's UVC examples do)
runs to its limit.
"""
from __future__ import annotations

from ..messages._args import as_int
from ..pipeline.node import HostStream, Node
from ..pipeline.registry import node_type
from .xlink import XLinkOutWorker

STREAM = "uvc"


def _gpio_levels(levels: dict, what: str) -> dict:
    if not isinstance(levels, dict):
        raise TypeError(f"{what}: expected a dict of GPIO number → level (0 or 1), got {type(levels).__name__}")
    return {str(as_int(pin, what)): as_int(level, what) for pin, level in levels.items()}


@node_type(worker="UVCWorker")
class UVC(Node):
    NAME = "UVC"

    def __init__(self, pipeline, node_id):
        super().__init__(pipeline, node_id)
        self.input = self._input("in", attr="input", blocking=True, queueSize=8, waitForMessage=True)
        self.properties = {"gpioInit": {}, "gpioStreamOn": {}, "gpioStreamOff": {}}

    def setGpiosOnInit(self, list: dict):
        self.properties["gpioInit"] = _gpio_levels(list, f"{self._label}.setGpiosOnInit")

    def setGpiosOnStreamOn(self, list: dict):
        self.properties["gpioStreamOn"] = _gpio_levels(list, f"{self._label}.setGpiosOnStreamOn")

    def setGpiosOnStreamOff(self, list: dict):
        self.properties["gpioStreamOff"] = _gpio_levels(list, f"{self._label}.setGpiosOnStreamOff")

    def host_stream(self) -> HostStream:
        return HostStream(STREAM, True)


class UVCWorker(XLinkOutWorker):
    """Streams `in` to the host as an XLinkOut named "uvc" with gen2's defaults would."""

    def __init__(self, ctx):
        ctx.properties = {**ctx.properties, "streamName": STREAM, "maxFpsLimit": -1.0, "metadataOnly": False}
        super().__init__(ctx)
