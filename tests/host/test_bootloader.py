"""DeviceBootloader: gen2's API over the device's state folder — versions, flashing with progress,
the bootloader's config, applications and custom data, and what a later search and Device see."""
import json
from datetime import timedelta

import pytest

import oakling as dai

BL = dai.DeviceBootloader


def bootloader(allow=False):
    found, info = BL.getFirstAvailableDevice()
    assert found
    return BL(info, allowFlashingBootloader=allow)


def test_a_blank_device_runs_the_embedded_usb_bootloader():
    with bootloader() as bl:
        assert str(bl.getVersion()) == "0.0.28" and bl.getVersion() == BL.getEmbeddedBootloaderVersion()
        assert bl.isEmbeddedVersion() and bl.getType() == BL.Type.USB and not bl.isUserBootloader()
        flash = bl.getMemoryInfo(BL.Memory.FLASH)
        assert flash.available and flash.size == 32 * 1024 * 1024
        assert not bl.getMemoryInfo(BL.Memory.EMMC).available
        assert not bl.readApplicationInfo(BL.Memory.FLASH).hasApplication
        with pytest.raises(RuntimeError, match="no configuration is flashed"):
            bl.readConfigData()
    assert str(BL.Type.USB) == "Type.USB" and int(BL.Memory.AUTO) == -1


def test_flashing_a_bootloader_needs_permission_reports_progress_and_is_kept():
    with bootloader() as bl:
        with pytest.raises(RuntimeError, match="allowFlashingBootloader=True"):
            bl.flashBootloader(BL.Memory.FLASH, BL.Type.NETWORK, None)
    progress = []
    with bootloader(allow=True) as bl:
        assert bl.flashBootloader(BL.Memory.FLASH, BL.Type.NETWORK, progress.append) == (True, "")
    assert progress[0] == 0 and progress[-1] == 1 and progress == sorted(progress)
    [info] = BL.getAllAvailableDevices()
    assert info.state == dai.XLinkDeviceState.X_LINK_BOOTLOADER
    with BL(info) as bl:                                  # a new DeviceBootloader sees the flashed one
        assert bl.getType() == BL.Type.NETWORK and not bl.isEmbeddedVersion()
        assert bl.isUserBootloaderSupported() and bl.flashUserBootloader(None) == (True, "")
        assert bl.isUserBootloader()
    with dai.Device() as device:
        assert str(device.getBootloaderVersion()) == "0.0.28"


def test_the_usb_bootloader_refuses_a_user_bootloader_with_the_reason():
    with bootloader() as bl:
        ok, message = bl.flashUserBootloader(None)
    assert not ok and "USB bootloader" in message


def test_config_round_trips_with_gen2s_address_layout_and_keeps_unknown_fields(tmp_path):
    conf = BL.Config()
    assert conf.getIPv4() == "0.0.0.0" and not conf.isStaticIPV4()
    conf.setStaticIPv4("192.168.1.150", "255.255.255.0", "192.168.1.1")
    assert conf.network.ipv4.to_bytes(4, "little") == bytes([192, 168, 1, 150])
    conf.setDnsIPv4("1.1.1.1")
    assert conf.getDnsIPv4() == "1.1.1.1" and conf.network.ipv4DnsAlt == 0
    conf.setMacAddress("FF:AA:BB:CC:00:11")
    conf.setUsbTimeout(timedelta(seconds=5))
    conf.setUsbMaxSpeed(dai.UsbSpeed.HIGH)
    with bootloader() as bl:
        assert bl.flashConfig(conf) == (True, "")
        back = bl.readConfig()
    assert back.getIPv4Gateway() == "192.168.1.1" and back.isStaticIPV4()
    assert back.getMacAddress() == "FF:AA:BB:CC:00:11"
    assert back.getUsbTimeout() == timedelta(seconds=5) and back.getUsbMaxSpeed() == dai.UsbSpeed.HIGH
    path = tmp_path / "conf.json"
    path.write_text(json.dumps({**conf.toJson(), "my_custom_value": "hi"}))
    with bootloader() as bl:
        assert bl.flashConfigFile(path) == (True, "")
        assert bl.readConfigData()["my_custom_value"] == "hi"
        assert bl.readConfig().toJson()["my_custom_value"] == "hi"
        assert bl.flashConfigClear() == (True, "")
        ok, message = bl.flashConfigFile(tmp_path / "missing.json")
    assert not ok and "missing.json" in message
    with pytest.raises(ValueError, match="not an IPv4 address"):
        conf.setStaticIPv4("192.168.1", "255.255.255.0", "192.168.1.1")


def test_an_application_is_kept_and_named():
    pipeline = dai.Pipeline()
    pipeline.create(dai.node.ColorCamera)
    progress = []
    with bootloader() as bl:
        assert bl.flash(progress.append, pipeline, applicationName="counter") == (True, "")
        app = bl.readApplicationInfo(BL.Memory.FLASH)
        assert app.hasApplication and app.applicationName == "counter" and app.firmwareVersion.startswith("oakling")
        assert progress[-1] == 1
        assert bl.flashClear() == (True, "")
        assert not bl.readApplicationInfo(BL.Memory.FLASH).hasApplication
        ok, message = bl.flash(pipeline, False, "x", BL.Memory.EMMC)
    assert not ok and "EMMC is not available" in message


def test_custom_data_is_written_and_read_back_from_a_file_too(tmp_path):
    with bootloader() as bl:
        assert bl.flashCustom(BL.Memory.FLASH, 4096, b"oakling" * 100) == (True, "")
        ok, error, data = bl.readCustom(BL.Memory.FLASH, 4094, 10)
        assert ok and bytes(data) == b"\xff\xffoaklingo"
        assert bl.readCustom(BL.Memory.FLASH, 4096, 7, str(tmp_path / "dump.bin"), None) == (True, "")
        ok, error, _ = bl.readCustom(BL.Memory.FLASH, 32 * 1024 * 1024 - 1, 2)
    assert (tmp_path / "dump.bin").read_bytes() == b"oakling"
    assert not ok and "outside the 32 MiB flash" in error
