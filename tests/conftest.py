"""Shared fixtures: pipelines every device test uses, and a guard that no device process leaks."""
import pytest

import oakling as dai
from pipelines import echo_pipeline


@pytest.fixture
def echo_device():
    with dai.Device(echo_pipeline(8 * 1024 * 1024)) as device:
        yield device
