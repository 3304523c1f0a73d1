"""The device's own storage: what an OAK keeps when it is unplugged — the user calibration in its
EEPROM; the bootloader, its configuration, an application and custom data in its flash — kept in
a folder per device, so a flash survives the program and the next run sees it.

    state = DeviceState.of(mxid)       # $OAKLING_STATE/<mxid>, default ~/.local/state/oakling/<mxid>
    state.write_json("calibration", calib.eepromToJson())
    state.read_json("calibration")     # None until something was written
    state.write_bytes(offset, data)    # the flash's contents (flash.img, sparse)
    state.write_data("application", storage)   # a record's bytes beside it (application.bin)

Each record is one JSON file, written whole and renamed into place, so a reader never sees half
of one.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

ENV_STATE = "OAKLING_STATE"
FLASH_BYTES = 32 * 1024 * 1024     # an OAK's NOR flash


def state_root(environ=os.environ) -> Path:
    given = environ.get(ENV_STATE)
    if given:
        return Path(given)
    base = environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "oakling"


class DeviceState:
    """One device's folder of records and its flash image."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    @classmethod
    def of(cls, mxid: str, environ=os.environ) -> "DeviceState":
        return cls(state_root(environ) / mxid)

    def _path(self, name: str) -> Path:
        return self.folder / f"{name}.json"

    def read_json(self, name: str):
        try:
            return json.loads(self._path(name).read_text())
        except FileNotFoundError:
            return None
        except ValueError as e:
            raise RuntimeError(f"the device's stored {name} ({self._path(name)}) is not JSON: {e} — remove the "
                               f"file to start from a blank {name}") from None

    def write_json(self, name: str, data) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self._path(name).with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=2))
        os.replace(temporary, self._path(name))

    def remove(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)
        self._data_path(name).unlink(missing_ok=True)

    # -- a record's bytes (a flashed application's assets) --
    def _data_path(self, name: str) -> Path:
        return self.folder / f"{name}.bin"

    def write_data(self, name: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self._data_path(name).with_suffix(".tmp")
        temporary.write_bytes(data)
        os.replace(temporary, self._data_path(name))

    def read_data(self, name: str) -> bytes | None:
        try:
            return self._data_path(name).read_bytes()
        except FileNotFoundError:
            return None

    # -- the flash's bytes --
    @property
    def image(self) -> Path:
        return self.folder / "flash.img"

    def write_bytes(self, offset: int, data: bytes) -> None:
        _check_range(offset, len(data))
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.image, "r+b" if self.image.exists() else "w+b") as f:
            f.truncate(FLASH_BYTES)            # sparse: only written blocks take disk space
            f.seek(offset)
            f.write(_erased_is_zero(data))

    def read_bytes(self, offset: int, size: int) -> bytes:
        """Never-written bytes read as 0xFF, as erased flash does."""
        _check_range(offset, size)
        if not self.image.exists():
            return b"\xff" * size
        with open(self.image, "rb") as f:
            f.seek(offset)
            return _erased_is_zero(f.read(size))


def _erased_is_zero(data: bytes) -> bytes:
    """The image holds each byte inverted, so the zeros of a sparse file's holes read as erased 0xFF."""
    return (np.frombuffer(data, np.uint8) ^ 0xFF).tobytes()


def _check_range(offset: int, size: int) -> None:
    if offset < 0 or size < 0 or offset + size > FLASH_BYTES:
        raise RuntimeError(f"flash range {offset}..{offset + size} is outside the {FLASH_BYTES // (1024 * 1024)} MiB "
                           f"flash — give an offset and size within 0..{FLASH_BYTES}")
