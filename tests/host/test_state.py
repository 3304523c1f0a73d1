"""The device's state folder: records that survive the process, and a flash image that reads as
erased flash where nothing was written."""
import pytest

from oakling.host.state import FLASH_BYTES, DeviceState, state_root


def test_the_folder_is_oakling_state_or_the_users_state_home(tmp_path):
    assert state_root({"OAKLING_STATE": str(tmp_path)}) == tmp_path
    assert state_root({"XDG_STATE_HOME": "/x"}).as_posix() == "/x/oakling"
    assert DeviceState.of("14442C10", {"OAKLING_STATE": str(tmp_path)}).folder == tmp_path / "14442C10"


def test_records_are_kept_whole_and_removed(tmp_path):
    state = DeviceState(tmp_path / "dev")
    assert state.read_json("calibration") is None
    state.write_json("calibration", {"boardName": "x"})
    assert DeviceState(tmp_path / "dev").read_json("calibration") == {"boardName": "x"}
    assert not list((tmp_path / "dev").glob("*.tmp"))
    state.remove("calibration")
    state.remove("calibration")                       # removing what is not there is fine
    assert state.read_json("calibration") is None


def test_a_damaged_record_names_the_file_and_what_to_do(tmp_path):
    state = DeviceState(tmp_path)
    (tmp_path / "bootloader.json").write_text("{")
    with pytest.raises(RuntimeError, match=r"bootloader.json\) is not JSON.*remove the file"):
        state.read_json("bootloader")


def test_the_flash_reads_erased_until_written_and_stays_sparse(tmp_path):
    state = DeviceState(tmp_path)
    assert state.read_bytes(0, 4) == b"\xff" * 4
    state.write_bytes(1000, b"\x00\x01oak")
    assert state.read_bytes(998, 8) == b"\xff\xff\x00\x01oak\xff"
    assert state.image.stat().st_size == FLASH_BYTES and state.image.stat().st_blocks * 512 < 1024 * 1024
    with pytest.raises(RuntimeError, match="outside the 32 MiB flash"):
        state.write_bytes(FLASH_BYTES - 1, b"ab")
