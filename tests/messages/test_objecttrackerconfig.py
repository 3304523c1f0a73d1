"""ObjectTrackerConfig: gen2 2.32's tracklet ids to remove — get/set through the raw config, checked, and
carried by the codec."""
import pytest

import oakling as dai
from oakling.messages import codec


def test_ids_to_remove_gather_and_get_is_a_copy():
    cfg = dai.ObjectTrackerConfig()
    assert cfg.get().trackletIdsToRemove == []
    assert cfg.forceRemoveID(3) is cfg and cfg.forceRemoveIDs([4, 5]) is cfg
    raw = cfg.get()
    assert isinstance(raw, dai.RawObjectTrackerConfig) and raw.trackletIdsToRemove == [3, 4, 5]
    raw.trackletIdsToRemove.append(9)                 # a copy, as gen2's bindings give
    assert raw.trackletIdsToRemove == [3, 4, 5]
    raw.trackletIdsToRemove = [7]
    assert cfg.get().trackletIdsToRemove == [3, 4, 5] and cfg.set(raw).get().trackletIdsToRemove == [7]
    assert dai.ObjectTrackerConfig(raw).get().trackletIdsToRemove == [7]


def test_wrong_ids_say_what_was_expected():
    cfg = dai.ObjectTrackerConfig()
    with pytest.raises(TypeError, match=r"ObjectTrackerConfig.forceRemoveID: expected an int, got str"):
        cfg.forceRemoveID("3")
    with pytest.raises(ValueError, match=r"ObjectTrackerConfig.forceRemoveIDs: tracklet ids are 32-bit ints"):
        cfg.forceRemoveIDs([1 << 31])
    with pytest.raises(TypeError, match=r"ObjectTrackerConfig.set: expected dai.RawObjectTrackerConfig, got list"):
        cfg.set([1])
    assert cfg.get().trackletIdsToRemove == []


def test_a_config_and_a_raw_one_cross_the_wire_as_configs():
    cfg = dai.ObjectTrackerConfig().forceRemoveIDs([2, 8])
    cfg.setSequenceNum(6)
    out = codec.decode(*codec.encode(cfg))
    assert type(out) is dai.ObjectTrackerConfig and out.get().trackletIdsToRemove == [2, 8]
    assert out.getSequenceNum() == 6
    raw = dai.RawObjectTrackerConfig()
    raw.trackletIdsToRemove = [1]
    out = codec.decode(*codec.encode(raw))
    assert type(out) is dai.ObjectTrackerConfig and out.get().trackletIdsToRemove == [1]
    assert dai.DatatypeEnum.ObjectTrackerConfig == raw.DATATYPE
