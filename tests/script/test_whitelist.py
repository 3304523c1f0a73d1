"""The module whitelist per processor, as gen2 documents the device's Python."""
import pytest

from oakling.script import whitelist

MSS, CSS = whitelist.LEON_MSS, whitelist.LEON_CSS


@pytest.mark.parametrize("name", ["time", "json", "math", "re", "struct", "collections", "datetime", "threading",
                                  "os", "os.path", "json.decoder", "textwrap", "heapq", "GPIO", "marshal"])
def test_the_base_set_is_on_both_processors(name):
    assert whitelist.allowed(name, MSS) and whitelist.allowed(name, CSS)


@pytest.mark.parametrize("name", ["socket", "http.server", "socketserver", "random", "hashlib", "logging",
                                  "base64", "urllib.parse", "email.mime.text", "collections.abc", "traceback"])
def test_networking_and_the_rest_are_leon_css_only(name):
    assert whitelist.allowed(name, CSS) and not whitelist.allowed(name, MSS)
    with pytest.raises(ModuleNotFoundError, match=f"'{name}' is only available to Scripts on LEON_CSS"):
        whitelist.check(name, MSS)


@pytest.mark.parametrize("name", ["numpy", "cv2", "subprocess", "ctypes", "pathlib", "multiprocessing",
                                  "importlib", "sys", "resource", "pickle", "xml.etree"])
def test_anything_else_is_on_neither(name):
    for processor in (MSS, CSS):
        assert not whitelist.allowed(name, processor)
        with pytest.raises(ModuleNotFoundError, match=f"No module named '{name}' on LEON_"):
            whitelist.check(name, processor)
