"""The on-disk program cache: where it lives, what its keys depend on, and that it never fails a build."""
import os
from pathlib import Path

from oakling.kernels.cache import ProgramCache, default_dir


def test_the_folder_is_the_variable_else_the_users_cache():
    assert default_dir({"OAKLING_KERNEL_CACHE": "/x/kc"}) == Path("/x/kc")
    assert default_dir({"XDG_CACHE_HOME": "/c"}) == Path("/c/oakling/kernels")
    assert default_dir({}) == Path(os.path.expanduser("~")) / ".cache" / "oakling" / "kernels"


def test_keys_depend_on_source_options_and_device():
    key = ProgramCache.key("src", "-DX=1", "dev")
    assert key == ProgramCache.key("src", "-DX=1", "dev")
    assert len({key, ProgramCache.key("src2", "-DX=1", "dev"), ProgramCache.key("src", "-DX=2", "dev"),
                ProgramCache.key("src", "-DX=1", "dev2")}) == 4
    # parts are length-prefixed: moving text from one part to the next is another key
    assert ProgramCache.key("ab", "c", "d") != ProgramCache.key("a", "bc", "d")


def test_store_then_load(tmp_path):
    cache = ProgramCache(tmp_path / "kc")
    key = cache.key("s", "", "d")
    assert cache.load(key) is None
    assert cache.store(key, b"\x00binary")
    assert cache.load(key) == b"\x00binary"
    assert [p.name for p in (tmp_path / "kc").iterdir()] == [f"{key}.bin"]   # no temporary file left
    cache.forget(key)
    assert cache.load(key) is None


def test_a_folder_that_cannot_be_written_skips_the_cache(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = ProgramCache(blocker / "kc")
    assert cache.store(cache.key("s", "", "d"), b"bin") is False
    assert cache.load(cache.key("s", "", "d")) is None


def test_pocl_keeps_its_machine_code_inside_the_same_folder(tmp_path):
    assert ProgramCache(tmp_path).pocl_cache_dir == tmp_path / "pocl"
