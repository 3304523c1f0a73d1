"""The node types oakling has, each declared once, beside its class:

    @node_type(worker="ImageManipWorker")
    class ImageManip(Node):
        NAME = "ImageManip"
        ...

    class ImageManipWorker(Worker): ...

That one line gives `dai.node.ImageManip`, the old-style `pipeline.createImageManip()`, the schema
name the device builds from (`NAME`, gen2's `getName()`), and the worker the device runs for it.
gen2 node types that no module declares are the ones oakling does not have yet.

Node modules are found by listing the `oakling.nodes` package, so adding a node type touches its
own module and nothing else. Workers are named, not imported, here: the host never needs them.
"""
from __future__ import annotations

import importlib
import pkgutil
import threading

_NODES_PACKAGE = "oakling.nodes"

_host_classes: dict[str, type] = {}     # dai.node name -> host class
_workers: dict[str, tuple[str, str]] = {}   # schema name -> (module, worker class name)
_loaded = False
_load_lock = threading.RLock()


def node_type(cls=None, *, worker: str | None = None):
    """Declare a node type (a class decorator). `worker` names the class, in the same module, that
    runs nodes of this schema name on the device; a subclass that shares its parent's schema name
    (MobileNetDetectionNetwork is a "DetectionNetwork") needs none."""
    def declare(cls):
        name = cls.__name__
        if _host_classes.get(name, cls) is not cls:
            raise RuntimeError(f"two node types are called {name}: {_host_classes[name].__module__} and "
                               f"{cls.__module__} — give one another name")
        _host_classes[name] = cls
        if worker is not None:
            _workers[cls.NAME] = (cls.__module__, worker)
        return cls
    return declare(cls) if cls is not None else declare


def load_all():
    """Import every node module once, so each has declared its types."""
    global _loaded
    with _load_lock:
        if _loaded:
            return
        package = importlib.import_module(_NODES_PACKAGE)
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{_NODES_PACKAGE}.{module.name}")
        _loaded = True


def host_classes() -> dict[str, type]:
    """Every node type: {dai.node name: host class}."""
    load_all()
    return dict(_host_classes)


def host_class(name: str) -> type:
    """The host class of `dai.node.<name>`; KeyError if oakling has none."""
    load_all()
    return _host_classes[name]


def worker_class(schema_name: str) -> type:
    """The device worker for nodes called `schema_name` in the schema; KeyError if oakling has none."""
    load_all()
    module, name = _workers[schema_name]
    return getattr(importlib.import_module(module), name)


# Every node type of DepthAI gen2's `dai.node`: the ones no module declares are named in a
# NotImplementedError ("not yet") rather than an AttributeError.
GEN2_NODE_TYPES = frozenset({
    "AprilTag", "BenchmarkIn", "BenchmarkOut", "Camera", "Cast", "ColorCamera", "DetectionNetwork",
    "DetectionParser", "EdgeDetector", "FeatureTracker", "IMU", "ImageAlign", "ImageManip", "MessageDemux",
    "MobileNetDetectionNetwork", "MobileNetSpatialDetectionNetwork", "MonoCamera", "NeuralNetwork",
    "ObjectTracker", "PointCloud", "SPIIn", "SPIOut", "Script", "SpatialDetectionNetwork",
    "SpatialLocationCalculator", "StereoDepth", "Sync", "SystemLogger", "ToF", "UVC", "VideoEncoder", "Warp",
    "XLinkIn", "XLinkOut", "YoloDetectionNetwork", "YoloSpatialDetectionNetwork",
})


# Node types oakling adds, which gen2 does not have: its programs never name them.
OAKLING_NODE_TYPES = frozenset({"OpenCLKernel"})


def not_yet(name: str) -> bool:
    """Whether `name` is a gen2 node type that oakling does not have yet."""
    return name in GEN2_NODE_TYPES and name not in host_classes()
