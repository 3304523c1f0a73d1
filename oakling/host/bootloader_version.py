"""A bootloader's version, as gen2's `DeviceBootloader.Version`: what DeviceBootloader.getVersion()
and Device.getBootloaderVersion() answer.

    Version("0.0.28") > Version(0, 0, 9)      # True: compared as numbers
"""
from __future__ import annotations

EMBEDDED_VERSION = "0.0.28"        # the bootloader gen2 2.28 embeds


class Version:
    """A bootloader version: `Version("0.0.28")`, `Version(0, 0, 28)`; compared as numbers."""

    def __init__(self, *args):
        if len(args) == 1 and isinstance(args[0], str):
            text, _, build = args[0].partition("+")
            parts = text.split(".")
            if len(parts) != 3 or not all(p.isdigit() for p in parts):
                raise RuntimeError(f"Version({args[0]!r}): expected 'major.minor.patch', e.g. '0.0.28'")
            self._numbers, self._build = tuple(map(int, parts)), build
        elif len(args) in (3, 4):
            self._numbers, self._build = tuple(int(a) for a in args[:3]), str(args[3]) if len(args) == 4 else ""
        else:
            raise TypeError("Version: give 'major.minor.patch' or major, minor, patch[, buildInfo]")

    def toStringSemver(self) -> str:
        return ".".join(map(str, self._numbers)) + (f"+{self._build}" if self._build else "")

    def toString(self) -> str:
        return ".".join(map(str, self._numbers))

    def getBuildInfo(self) -> str:
        return self._build

    def getSemver(self) -> "Version":
        return Version(*self._numbers)

    __str__ = toString

    def __repr__(self):
        return f"Version({self.toStringSemver()!r})"

    def __eq__(self, other):
        return isinstance(other, Version) and self._numbers == other._numbers and self._build == other._build

    def __lt__(self, other):
        return self._numbers < other._numbers

    def __gt__(self, other):
        return self._numbers > other._numbers

    def __hash__(self):
        return hash((self._numbers, self._build))
