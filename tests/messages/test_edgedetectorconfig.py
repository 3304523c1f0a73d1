"""EdgeDetectorConfig: gen2's Sobel kernel pair — set, read back, checked, and carried by the wire codec."""
import msgpack
import pytest

import oakling as dai
from oakling.messages import codec

SCHARR_H = [[3, 0, -3], [10, 0, -10], [3, 0, -3]]
SCHARR_V = [[3, 10, 3], [0, 0, 0], [-3, -10, -3]]


def test_kernels_are_empty_until_set_and_the_node_then_uses_sobels():
    cfg = dai.EdgeDetectorConfig()
    data = cfg.getConfigData()
    assert isinstance(data, dai.EdgeDetectorConfigData)
    assert (data.sobelFilterHorizontalKernel, data.sobelFilterVerticalKernel) == ([], [])
    assert cfg.kernels() == ([[1, 0, -1], [2, 0, -2], [1, 0, -1]], [[1, 2, 1], [0, 0, 0], [-1, -2, -1]])
    cfg.setSobelFilterKernels(SCHARR_H, SCHARR_V)
    assert cfg.getConfigData().sobelFilterHorizontalKernel == SCHARR_H and cfg.kernels() == (SCHARR_H, SCHARR_V)
    cfg.getConfigData().sobelFilterVerticalKernel[0][0] = 99          # a copy
    assert cfg.kernels()[1] == SCHARR_V


def test_get_and_set_exchange_the_raw_config():
    cfg = dai.EdgeDetectorConfig()
    cfg.setSobelFilterKernels(SCHARR_H, SCHARR_V)
    raw = cfg.get()
    assert isinstance(raw, dai.RawEdgeDetectorConfig) and raw.config.sobelFilterHorizontalKernel == SCHARR_H
    other = dai.EdgeDetectorConfig()
    assert other.set(raw) is other and other.kernels() == (SCHARR_H, SCHARR_V)


@pytest.mark.parametrize("kernel, error, text", [
    ([[1, 0], [2, 0]], ValueError, r"expected a 3x3 kernel, got 2 rows"),
    ([[1, 0, -1], [2, 0, -2], [1, 0]], ValueError, r"expected a 3x3 kernel"),
    ([[1, 0, -1], [2, 0.5, -2], [1, 0, -1]], TypeError, r"kernel values must be ints, got float 0.5"),
    (5, TypeError, r"expected a 3x3 list of ints, got int"),
])
def test_bad_kernels_say_what_a_kernel_is(kernel, error, text):
    with pytest.raises(error, match=r"EdgeDetectorConfig.setSobelFilterKernels\(horizontalKernel\): " + text):
        dai.EdgeDetectorConfig().setSobelFilterKernels(kernel, SCHARR_V)


def test_the_config_crosses_the_wire():
    cfg = dai.EdgeDetectorConfig()
    cfg.setSobelFilterKernels(SCHARR_H, SCHARR_V)
    cfg.setSequenceNum(12)
    dt, meta, payload = codec.encode(cfg)
    out = codec.decode(dt, msgpack.unpackb(msgpack.packb(meta, use_bin_type=True, strict_types=True)), payload)
    assert type(out) is dai.EdgeDetectorConfig and out.kernels() == (SCHARR_H, SCHARR_V)
    assert (out.getSequenceNum(), out.getTimestamp()) == (12, cfg.getTimestamp())
    empty = codec.decode(*codec.encode(dai.EdgeDetectorConfig()))
    assert empty.getConfigData().sobelFilterHorizontalKernel == []


def test_a_raw_config_is_sent_as_it_is_and_arrives_as_a_config():
    cfg = dai.EdgeDetectorConfig()
    cfg.setSobelFilterKernels(SCHARR_H, SCHARR_V)
    raw = cfg.get()
    out = codec.decode(*codec.encode(raw))
    assert type(out) is dai.EdgeDetectorConfig and out.kernels() == (SCHARR_H, SCHARR_V)
    with pytest.raises(TypeError, match=r"RawEdgeDetectorConfig.config: expected dai.EdgeDetectorConfigData"):
        raw.config = [[1]]
