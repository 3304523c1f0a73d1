"""Shared fixtures: pipelines every device test uses, and a guard that no device process leaks."""
import pytest

import oakling as dai
from pipelines import echo_pipeline


@pytest.fixture
def echo_device():
    with dai.Device(echo_pipeline(8 * 1024 * 1024)) as device:
        yield device


@pytest.fixture(autouse=True)
def device_state(tmp_path, monkeypatch):
    """Each test's device starts blank: what it flashes (calibration, bootloader) goes to a folder of
    the test's own, never the user's; device processes and `oakling run` inherit it."""
    monkeypatch.setenv("OAKLING_STATE", str(tmp_path / "device-state"))
    return tmp_path / "device-state"


@pytest.fixture(scope="session", autouse=True)
def kernel_cache(tmp_path_factory):
    """Compiled OpenCL programs go to a folder of the test run's own, never the user's cache; device
    processes and `oakling run` inherit it through the environment."""
    import os
    folder = tmp_path_factory.mktemp("kernel-cache")
    saved = {k: os.environ.get(k) for k in ("OAKLING_KERNEL_CACHE", "POCL_CACHE_DIR")}
    os.environ["OAKLING_KERNEL_CACHE"] = str(folder)
    os.environ["POCL_CACHE_DIR"] = str(folder / "pocl")
    yield folder
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
