"""A flashed application booted as an OAK boots one on power-up, with no host program attached
(gen2's standalone mode).

    with dai.DeviceBootloader(info) as bl:
        bl.flash(progress, pipeline)          # kept in the device's state folder
    $ oakling boot                            # runs it until Ctrl-C; the device's log on stderr

`DeviceBootloader.flash` keeps the pipeline's schema and assets (host/state.py); `run` starts the
device process and hands it those, as `startPipeline` would. A standalone application reaches the
world through its Scripts (TCP servers and clients, the storage folder); its XLink streams lead
nowhere, as on an OAK that no host has opened: what an XLinkOut gets is dropped.
"""
from __future__ import annotations

import time

from .state import DeviceState


def flashed_application(state: DeviceState) -> tuple[dict, dict, bytes, str]:
    """(schema, assets, asset storage, application name) of the application flashed to the device."""
    app = state.read_json("application")
    if app is None:
        raise RuntimeError(f"no application is flashed to the device ({state.folder}) — flash one first with "
                           f"DeviceBootloader.flash(pipeline)")
    if "schema" not in app:
        raise RuntimeError(f"the application flashed to the device ({state.folder}) keeps only its description, "
                           f"not what booting it needs — flash it again with DeviceBootloader.flash(pipeline)")
    storage = state.read_data("application")
    if storage is None:
        raise RuntimeError(f"the flashed application's assets are missing ({state.folder}/application.bin) — "
                           f"flash it again with DeviceBootloader.flash(pipeline)")
    return app["schema"], app["assets"], storage, app.get("applicationName", "")


def run(seconds: float | None = None, log=None, **device_options) -> str:
    """Boot the flashed application and run it for `seconds` (None: until Ctrl-C or it stops);
    returns why it ended. Raises RuntimeError when nothing bootable is flashed."""
    from .device import Device
    with Device(**device_options) as device:
        schema, assets, storage, name = flashed_application(device._state)
        if log is not None:
            log(f"booting the flashed application{f' {name!r}' if name else ''} "
                f"({len(schema['nodes'])} nodes) on {device.getMxId()}")
        device._start_standalone(schema, assets, storage)
        deadline = None if seconds is None else time.monotonic() + seconds
        try:
            while deadline is None or time.monotonic() < deadline:
                if not device.isPipelineRunning():
                    return f"the device stopped: {device._lost_reason or 'the pipeline ended'}"
                time.sleep(0.1)
        except KeyboardInterrupt:
            return "stopped (Ctrl-C)"
        failed = device.getFailedNodes()
        if failed:
            return "ran; failed nodes: " + "; ".join(f"{node}: {why}" for node, why in failed.items())
        return f"ran for {seconds:g} s"
