"""`dai.XLinkConnection`'s static searches: gen2 programs list devices and boot their bootloader with it.

    for info in dai.XLinkConnection.getAllConnectedDevices():
        dai.XLinkConnection.bootBootloader(info)

There is one local device (host/device.py's local_info); booting its bootloader only changes the
state the returned DeviceInfo reports, as a booted bootloader shows on an OAK.
"""
from __future__ import annotations

from .device import DeviceInfo, ProfilingData, XLinkDeviceState, global_profiling_data, local_info


def _found(state, mxid: str | None = None) -> list[DeviceInfo]:
    info = local_info()
    wanted = XLinkDeviceState(int(state))
    if wanted not in (XLinkDeviceState.X_LINK_ANY_STATE, info.state) or (mxid and mxid != info.mxid):
        return []
    return [info]


class XLinkConnection:
    @staticmethod
    def getGlobalProfilingData() -> ProfilingData:
        """The bytes written and read over every device link of this process (Device.getGlobalProfilingData())."""
        return global_profiling_data()

    @staticmethod
    def getAllConnectedDevices(state=XLinkDeviceState.X_LINK_ANY_STATE, skipInvalidDevices: bool = True):
        return _found(state)

    @staticmethod
    def getFirstDevice(state=XLinkDeviceState.X_LINK_ANY_STATE, skipInvalidDevice: bool = True):
        found = _found(state)
        return (True, found[0]) if found else (False, DeviceInfo(""))

    @staticmethod
    def getDeviceByMxId(mxId: str, state=XLinkDeviceState.X_LINK_ANY_STATE, skipInvalidDevice: bool = True):
        found = _found(state, mxId)
        return (True, found[0]) if found else (False, DeviceInfo(mxId))

    @staticmethod
    def bootBootloader(devInfo: DeviceInfo) -> DeviceInfo:
        if devInfo.getMxId() != local_info().mxid:
            raise RuntimeError(f"XLinkConnection.bootBootloader: no device {devInfo.getMxId()!r} — oakling offers "
                               f"one local device, {local_info().mxid}")
        return DeviceInfo(devInfo.getMxId(), devInfo.name, XLinkDeviceState.X_LINK_BOOTLOADER)
