"""XLinkConnection's searches find the local device by state and MX id; booting its bootloader
reports the bootloader state."""
import pytest

import oakling as dai

State = dai.XLinkDeviceState


def test_searches_find_the_local_device_by_state_and_id():
    [info] = dai.XLinkConnection.getAllConnectedDevices()
    assert info.state == State.X_LINK_UNBOOTED
    assert dai.XLinkConnection.getAllConnectedDevices(State.X_LINK_BOOTLOADER) == []
    found, first = dai.XLinkConnection.getFirstDevice(State.X_LINK_UNBOOTED)
    assert found and first.getMxId() == info.getMxId()
    assert dai.XLinkConnection.getDeviceByMxId("nope")[0] is False


def test_boot_bootloader_reports_the_bootloader_state():
    [info] = dai.Device.getAllConnectedDevices()
    booted = dai.XLinkConnection.bootBootloader(info)
    assert booted.state == State.X_LINK_BOOTLOADER and booted.getMxId() == info.getMxId()
    with pytest.raises(RuntimeError, match="oakling offers one local device"):
        dai.XLinkConnection.bootBootloader(dai.DeviceInfo("18443010C1E4F21200"))
