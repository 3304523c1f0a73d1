"""`dai.DeviceBootloader`: gen2's bootloader API over the device's state folder (host/state.py).

    ok, info = dai.DeviceBootloader.getFirstAvailableDevice()
    with dai.DeviceBootloader(info, allowFlashingBootloader=True) as bl:
        bl.getVersion()                                          # 0.0.28, the embedded bootloader
        bl.flashBootloader(dai.DeviceBootloader.Memory.FLASH, dai.DeviceBootloader.Type.USB, progress)
        bl.flash(progress, pipeline, applicationName="counter")  # a standalone application
        conf = dai.DeviceBootloader.Config(); conf.setStaticIPv4("192.168.1.150", "255.255.255.0", "192.168.1.1")
        bl.flashConfig(conf)
        ok, err, data = bl.readCustom(dai.DeviceBootloader.Memory.FLASH, 0, 4096)

An OAK keeps its bootloader, the bootloader's configuration, an application and custom data in its
flash; oakling's device keeps them in its state folder, so they are there on the next run, and a
device with a flashed bootloader lists as X_LINK_BOOTLOADER, as gen2 lists one. Flashing reports
progress as gen2 does (0 to 1, to the callback). A flashed application is kept, `readApplicationInfo`
names it, and `oakling boot` runs it as the device would on power-up (standalone mode,
host/standalone.py).
The flash is 32 MiB of NOR; an eMMC is not available (a USB device's bootloader supports only flash).
"""
from __future__ import annotations

import ipaddress
import json
import os
from datetime import timedelta

from ..messages.enums import Gen2Enum, UsbSpeed
from .bootloader_version import EMBEDDED_VERSION, Version
from .state import FLASH_BYTES, DeviceState

PROGRESS_STEPS = 10


class Type(Gen2Enum):
    AUTO = -1
    USB = 0
    NETWORK = 1


class Memory(Gen2Enum):
    AUTO = -1
    FLASH = 0
    EMMC = 1


class Section(Gen2Enum):
    AUTO = -1
    HEADER = 0
    BOOTLOADER = 1
    BOOTLOADER_CONFIG = 2
    APPLICATION = 3


def _ipv4_number(text: str, what: str) -> int:
    """gen2 keeps an address as the uint32 its four bytes make in memory (the first byte lowest)."""
    try:
        return int.from_bytes(ipaddress.IPv4Address(text).packed, "little")
    except ValueError:
        raise ValueError(f"Config.{what}: {text!r} is not an IPv4 address such as '192.168.1.150'") from None


def _ipv4_text(number: int) -> str:
    return str(ipaddress.IPv4Address(int(number).to_bytes(4, "little")))


class UsbConfig:
    def __init__(self):
        self.timeoutMs = 3000
        self.maxUsbSpeed = int(UsbSpeed.SUPER)
        self.vid, self.pid = 0x03E7, 0xF63C


class NetworkConfig:
    def __init__(self):
        self.timeoutMs = 30000
        self.ipv4 = self.ipv4Mask = self.ipv4Gateway = self.ipv4Dns = self.ipv4DnsAlt = 0
        self.staticIpv4 = False
        self.ipv6 = [0, 0, 0, 0]
        self.ipv6Prefix = 0
        self.ipv6Gateway, self.ipv6Dns, self.ipv6DnsAlt = [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]
        self.staticIpv6 = False
        self.mac = [0] * 6


class Config:
    """The bootloader's configuration, as gen2's JSON (`toJson`/`fromJson`); fields it does not know are
    kept, as gen2 keeps them."""

    def __init__(self):
        self.appMem = Memory.AUTO
        self.usb = UsbConfig()
        self.network = NetworkConfig()
        self.userBlSize = self.userBlChecksum = 0
        self._extra: dict = {}

    def setStaticIPv4(self, ip: str, mask: str, gateway: str):
        self._set_ipv4(ip, mask, gateway, static=True)

    def setDynamicIPv4(self, ip: str, mask: str, gateway: str):
        self._set_ipv4(ip, mask, gateway, static=False)

    def _set_ipv4(self, ip, mask, gateway, static):
        n = self.network
        n.ipv4, n.ipv4Mask = _ipv4_number(ip, "IPv4"), _ipv4_number(mask, "IPv4 mask")
        n.ipv4Gateway, n.staticIpv4 = _ipv4_number(gateway, "IPv4 gateway"), static

    def isStaticIPV4(self) -> bool:
        return bool(self.network.staticIpv4)

    def getIPv4(self) -> str:
        return _ipv4_text(self.network.ipv4)

    def getIPv4Mask(self) -> str:
        return _ipv4_text(self.network.ipv4Mask)

    def getIPv4Gateway(self) -> str:
        return _ipv4_text(self.network.ipv4Gateway)

    def setDnsIPv4(self, dns: str, dnsAlt: str = ""):
        self.network.ipv4Dns = _ipv4_number(dns, "DNS")
        self.network.ipv4DnsAlt = _ipv4_number(dnsAlt, "alternate DNS") if dnsAlt else 0

    def getDnsIPv4(self) -> str:
        return _ipv4_text(self.network.ipv4Dns)

    def getDnsAltIPv4(self) -> str:
        return _ipv4_text(self.network.ipv4DnsAlt)

    def setUsbTimeout(self, timeout: timedelta):
        self.usb.timeoutMs = int(timeout.total_seconds() * 1000)

    def getUsbTimeout(self) -> timedelta:
        return timedelta(milliseconds=self.usb.timeoutMs)

    def setNetworkTimeout(self, timeout: timedelta):
        self.network.timeoutMs = int(timeout.total_seconds() * 1000)

    def getNetworkTimeout(self) -> timedelta:
        return timedelta(milliseconds=self.network.timeoutMs)

    def setMacAddress(self, mac: str):
        parts = mac.split(":")
        if len(parts) != 6:
            raise ValueError(f"Config.setMacAddress: {mac!r} is not a MAC address such as 'FF:AA:BB:CC:00:11'")
        self.network.mac = [int(p, 16) for p in parts]

    def getMacAddress(self) -> str:
        return ":".join(f"{b:02X}" for b in self.network.mac)

    def setUsbMaxSpeed(self, speed: UsbSpeed):
        self.usb.maxUsbSpeed = int(speed)

    def getUsbMaxSpeed(self) -> UsbSpeed:
        return UsbSpeed(self.usb.maxUsbSpeed)

    def toJson(self) -> dict:
        return {**self._extra, "appMem": int(self.appMem), "usb": dict(vars(self.usb)),
                "network": dict(vars(self.network)),
                "userBlSize": self.userBlSize, "userBlChecksum": self.userBlChecksum}

    @staticmethod
    def fromJson(data: dict) -> "Config":
        made = Config()
        data = dict(data)
        made.appMem = Memory(int(data.pop("appMem", -1)))
        for name, part in (("usb", made.usb), ("network", made.network)):
            for key, value in data.pop(name, {}).items():
                setattr(part, key, value)
        made.userBlSize = int(data.pop("userBlSize", 0))
        made.userBlChecksum = int(data.pop("userBlChecksum", 0))
        made._extra = data
        return made


class ApplicationInfo:
    def __init__(self, memory=Memory.AUTO, hasApplication=False, firmwareVersion="", applicationName=""):
        self.memory, self.hasApplication = memory, hasApplication
        self.firmwareVersion, self.applicationName = firmwareVersion, applicationName


class MemoryInfo:
    def __init__(self, available=False, size=0, info=""):
        self.available, self.size, self.info = available, size, info


def _progress_of(callback):
    """Calls `callback` with 0, 0.1, … 1 as the work goes, as gen2 reports flashing."""
    def report(done: float):
        if callback is not None:
            callback(float(done))
    return report


class DeviceBootloader:
    Type, Memory, Section = Type, Memory, Section
    Version, Config, UsbConfig, NetworkConfig = Version, Config, UsbConfig, NetworkConfig
    ApplicationInfo, MemoryInfo = ApplicationInfo, MemoryInfo

    def __init__(self, devInfo, allowFlashingBootloader=False, *rest):
        from .device import DeviceInfo, local_info
        local = local_info()
        if isinstance(allowFlashingBootloader, (Type, str, os.PathLike)):   # (info, type | path, allow)
            allowFlashingBootloader = bool(rest[0]) if rest else False
        wanted = devInfo.getMxId() if isinstance(devInfo, DeviceInfo) else str(devInfo)
        if wanted not in (local.mxid, local.name):
            raise RuntimeError(f"DeviceBootloader: no device {wanted!r} — oakling offers one local device, "
                               f"{local.mxid}")
        self._state = DeviceState.of(local.mxid)
        self._allow = bool(allowFlashingBootloader)
        self._closed = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._closed = True

    def isClosed(self) -> bool:
        return self._closed

    # -- finding devices --
    @staticmethod
    def getFirstAvailableDevice():
        from .device import local_info
        return True, local_info()

    @staticmethod
    def getAllAvailableDevices():
        from .device import local_info
        return [local_info()]

    @staticmethod
    def getEmbeddedBootloaderVersion() -> Version:
        return Version(EMBEDDED_VERSION)

    # -- what is flashed --
    def _bootloader(self) -> dict | None:
        return self._state.read_json("bootloader")

    def getVersion(self) -> Version:
        """The flashed bootloader's version, or the embedded one this device runs when none is flashed."""
        flashed = self._bootloader()
        return Version(flashed["version"]) if flashed else Version(EMBEDDED_VERSION)

    def isEmbeddedVersion(self) -> bool:
        return self._bootloader() is None

    def getType(self) -> Type:
        flashed = self._bootloader()
        return Type[flashed["type"]] if flashed else Type.USB

    def isAllowedFlashingBootloader(self) -> bool:
        return self._allow

    def isUserBootloaderSupported(self) -> bool:
        return self.getType() == Type.NETWORK   # gen2: user bootloaders are a NETWORK bootloader's feature

    def isUserBootloader(self) -> bool:
        return bool((self._bootloader() or {}).get("user"))

    def getMemoryInfo(self, memory) -> MemoryInfo:
        memory = self._memory(memory)
        if memory == Memory.FLASH:
            return MemoryInfo(True, FLASH_BYTES, "NOR flash kept in the device's state folder")
        return MemoryInfo(False, 0, "")

    def readApplicationInfo(self, memory) -> ApplicationInfo:
        memory = self._memory(memory)
        app = self._state.read_json("application") if memory == Memory.FLASH else None
        if not app:
            return ApplicationInfo(memory)
        return ApplicationInfo(memory, True, app["firmwareVersion"], app["applicationName"])

    # -- flashing --
    def _memory(self, memory) -> Memory:
        memory = Memory(int(memory))
        return Memory.FLASH if memory == Memory.AUTO else memory

    def _writable(self, memory, what: str):
        memory = self._memory(memory)
        if memory != Memory.FLASH:
            return f"{what}: memory {memory.name} is not available on this device — use Memory.FLASH"
        return None

    def _flash_record(self, name: str, data, progress) -> tuple:
        report = _progress_of(progress)
        for step in range(PROGRESS_STEPS):
            report(step / PROGRESS_STEPS)
        self._state.write_json(name, data)
        report(1.0)
        return True, ""

    def flashBootloader(self, *args, **kwargs):
        """flashBootloader(progressCallback, path="") or flashBootloader(memory, type, progressCallback, path="")."""
        if args and callable(args[0]) or "progressCallback" in kwargs and not args:
            memory, type_, progress = Memory.FLASH, Type.AUTO, (args[0] if args else kwargs["progressCallback"])
        else:
            memory, type_ = args[0] if args else kwargs["memory"], args[1] if len(args) > 1 else kwargs["type"]
            progress = args[2] if len(args) > 2 else kwargs.get("progressCallback")
        if not self._allow:
            raise RuntimeError("Not allowed to flash Bootloader. Instantiate DeviceBootloader with "
                               "allowFlashingBootloader=True")
        refused = self._writable(memory, "flashBootloader")
        if refused:
            return False, refused
        type_ = Type(int(type_))
        chosen = self.getType() if type_ == Type.AUTO else type_
        return self._flash_record("bootloader", {"version": EMBEDDED_VERSION, "type": chosen.name, "user": None},
                                  progress)

    def flashUserBootloader(self, progressCallback=None, path=""):
        if not self.isUserBootloaderSupported():
            return False, ("User Bootloader not supported on this device: it runs a USB bootloader — flash a "
                           "NETWORK one")
        flashed = dict(self._bootloader() or {})
        return self._flash_record("bootloader", {**flashed, "user": EMBEDDED_VERSION}, progressCallback)

    def _flash_header(self, memory, header: dict):
        refused = self._writable(memory, "boot header")
        if refused:
            return False, refused
        flashed = self._bootloader() or {"version": EMBEDDED_VERSION, "type": Type.USB.name, "user": None}
        self._state.write_json("bootloader", {**flashed, "header": header})
        return True, ""

    def flashBootHeader(self, memory, frequency=-1, location=-1, dummyCycles=-1, offset=-1):
        return self._flash_header(memory, {"mode": "NORMAL", "frequency": frequency, "location": location,
                                           "dummyCycles": dummyCycles, "offset": offset})

    def flashFastBootHeader(self, memory, frequency=-1, location=-1, dummyCycles=-1, offset=-1):
        return self._flash_header(memory, {"mode": "FAST", "frequency": frequency, "location": location,
                                           "dummyCycles": dummyCycles, "offset": offset})

    def flashGpioModeBootHeader(self, memory, gpioMode):
        return self._flash_header(memory, {"mode": "GPIO_MODE", "gpioMode": int(gpioMode)})

    def flashUsbRecoveryBootHeader(self, memory):
        return self._flash_header(memory, {"mode": "USB_RECOVERY"})

    def flash(self, *args, compress=False, applicationName="", memory=Memory.AUTO, checkChecksum=False,
              progressCallback=None, pipeline=None):
        """flash(progressCallback, pipeline, compress=False, applicationName="", memory=AUTO) or
        flash(pipeline, ...): keeps the pipeline as the device's application."""
        args = list(args)
        if args and callable(args[0]):
            progressCallback = args.pop(0)
        if args:
            pipeline = args.pop(0)
        if args:
            compress = args.pop(0)
        if args:
            applicationName = args.pop(0)
        if args:
            memory = args.pop(0)
        if pipeline is None:
            raise TypeError("DeviceBootloader.flash: give the pipeline to flash")
        refused = self._writable(memory, "flash")
        if refused:
            return False, refused
        from ..pipeline.schema import build
        from ..version import __version__
        schema, assets, storage = build(pipeline)   # what the device needs to boot it (`oakling boot`)
        self._state.write_data("application", storage)
        return self._flash_record("application", {"applicationName": str(applicationName),
                                                  "firmwareVersion": f"oakling {__version__}",
                                                  "pipeline": pipeline.serializeToJson(),
                                                  "schema": schema, "assets": assets}, progressCallback)

    def flashClear(self, memory=Memory.AUTO):
        refused = self._writable(memory, "flashClear")
        if refused:
            return False, refused
        self._state.remove("application")
        return True, ""

    # -- the bootloader's configuration --
    def readConfigData(self, memory=Memory.AUTO, type=Type.AUTO) -> dict:
        data = self._state.read_json("bootloader_config")
        if data is None:
            raise RuntimeError("Couldn't retrieve config: no configuration is flashed — flashConfig() writes one")
        return data

    def readConfig(self, memory=Memory.AUTO, type=Type.AUTO) -> Config:
        return Config.fromJson(self.readConfigData(memory, type))

    def flashConfigData(self, configData: dict, memory=Memory.AUTO, type=Type.AUTO):
        refused = self._writable(memory, "flashConfigData")
        if refused:
            return False, refused
        Config.fromJson(configData)            # checked: a config gen2 could read back
        self._state.write_json("bootloader_config", configData)
        return True, ""

    def flashConfig(self, config: Config, memory=Memory.AUTO, type=Type.AUTO):
        return self.flashConfigData(config.toJson(), memory, type)

    def flashConfigFile(self, configPath, memory=Memory.AUTO, type=Type.AUTO):
        try:
            with open(os.fspath(configPath)) as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            return False, f"flashConfigFile: cannot read {os.fspath(configPath)!r} as JSON ({e})"
        return self.flashConfigData(data, memory, type)

    def flashConfigClear(self, memory=Memory.AUTO, type=Type.AUTO):
        refused = self._writable(memory, "flashConfigClear")
        if refused:
            return False, refused
        self._state.remove("bootloader_config")
        return True, ""

    # -- custom data --
    def flashCustom(self, memory, offset, data, progressCallback=None):
        """data: bytes or a list of byte values, or the path of a file to write."""
        refused = self._writable(memory, "flashCustom")
        if refused:
            return False, refused
        if isinstance(data, (str, os.PathLike)):
            with open(os.fspath(data), "rb") as f:
                data = f.read()
        report = _progress_of(progressCallback)
        data = bytes(data)
        chunk = max(len(data) // PROGRESS_STEPS, 1)
        try:
            for start in range(0, len(data), chunk):
                report(start / max(len(data), 1))
                self._state.write_bytes(int(offset) + start, data[start:start + chunk])
        except RuntimeError as e:
            return False, f"flashCustom: {e}"
        report(1.0)
        return True, ""

    def readCustom(self, memory, offset, size, *rest):
        """readCustom(memory, offset, size, filename, progressCallback=None) → (ok, error), or
        readCustom(memory, offset, size, progressCallback=None) → (ok, error, data)."""
        filename = rest[0] if rest and isinstance(rest[0], (str, os.PathLike)) else None
        progress = rest[1] if filename is not None and len(rest) > 1 else (rest[0] if rest and filename is None
                                                                            else None)
        refused = self._writable(memory, "readCustom")
        if refused:
            return (False, refused) if filename is not None else (False, refused, [])
        report = _progress_of(progress)
        report(0.0)
        try:
            data = self._state.read_bytes(int(offset), int(size))
        except RuntimeError as e:
            return (False, f"readCustom: {e}") if filename is not None else (False, f"readCustom: {e}", [])
        report(1.0)
        if filename is not None:
            with open(os.fspath(filename), "wb") as f:
                f.write(data)
            return True, ""
        return True, "", list(data)
