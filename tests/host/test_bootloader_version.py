"""Bootloader versions: parsed, printed and compared as gen2's."""
import pytest

import oakling as dai

BL = dai.DeviceBootloader


def test_versions_compare_as_numbers():
    assert BL.Version("0.0.9") < BL.Version("0.0.28") and BL.Version(0, 0, 28) == BL.Version("0.0.28")
    assert BL.Version("0.0.24+57c2").getBuildInfo() == "57c2" and str(BL.Version("0.0.24+57c2")) == "0.0.24"
    with pytest.raises(RuntimeError, match="expected 'major.minor.patch'"):
        BL.Version("latest")
