"""The node registry: one declaration per node type gives dai.node, createX(), the schema name and the worker."""
import pytest

import oakling as dai
from oakling.pipeline import registry
from oakling.pipeline.node import Node
from oakling.runtime.worker import Worker


def test_every_declared_type_is_in_dai_node_and_has_a_device_worker():
    for name, cls in registry.host_classes().items():
        assert getattr(dai.node, name) is cls
        assert issubclass(registry.worker_class(cls.NAME), Worker), name


def test_every_gen2_node_type_is_declared_or_said_to_be_missing():
    declared = set(registry.host_classes())
    assert declared <= registry.GEN2_NODE_TYPES | registry.OAKLING_NODE_TYPES
    assert not registry.GEN2_NODE_TYPES & registry.OAKLING_NODE_TYPES
    for name in registry.GEN2_NODE_TYPES - declared:
        assert registry.not_yet(name)
        with pytest.raises(NotImplementedError, match=f"dai.node.{name} yet"):
            getattr(dai.node, name)
        with pytest.raises(NotImplementedError, match=f"pipeline.create{name}"):
            getattr(dai.Pipeline(), f"create{name}")


def test_create_x_makes_the_declared_class():
    p = dai.Pipeline()
    for name, cls in registry.host_classes().items():
        if name not in ("DetectionNetwork", "SpatialDetectionNetwork"):   # gen2's abstract bases
            assert type(getattr(p, f"create{name}")()) is cls


def test_subclasses_sharing_a_schema_name_run_the_parents_worker():
    assert dai.node.MobileNetDetectionNetwork.NAME == dai.node.YoloDetectionNetwork.NAME == "DetectionNetwork"
    assert registry.worker_class("DetectionNetwork").__name__ == "DetectionNetworkWorker"
    spatial = (dai.node.MobileNetSpatialDetectionNetwork, dai.node.YoloSpatialDetectionNetwork)
    assert {cls.NAME for cls in spatial} == {"SpatialDetectionNetwork"}
    assert registry.worker_class("SpatialDetectionNetwork").__name__ == "SpatialDetectionNetworkWorker"


def test_a_new_node_type_needs_only_its_declaration(monkeypatch):
    monkeypatch.setattr(registry, "_host_classes", dict(registry._host_classes))
    monkeypatch.setattr(registry, "_workers", dict(registry._workers))

    @registry.node_type(worker="CountWorker")
    class Counter(Node):
        NAME = "Counter"

    assert registry.host_class("Counter") is Counter
    assert registry.worker_class("Counter") is CountWorker
    assert type(getattr(dai.Pipeline(), "createCounter")()) is Counter


class CountWorker(Worker):
    def run(self):
        pass


def test_two_types_of_one_name_are_refused(monkeypatch):
    monkeypatch.setattr(registry, "_host_classes", dict(registry._host_classes))
    with pytest.raises(RuntimeError, match="two node types are called ImageManip"):
        registry.node_type(type("ImageManip", (Node,), {}))


def test_unknown_schema_names_have_no_worker():
    with pytest.raises(KeyError):
        registry.worker_class("NoSuchNode")
