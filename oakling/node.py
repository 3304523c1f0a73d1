"""`dai.node`: the node classes, for `pipeline.create(dai.node.X)` — every type a node module declares."""
from .pipeline import registry

globals().update(registry.host_classes())
__all__ = sorted(registry.host_classes())


def __getattr__(name: str):
    if registry.not_yet(name):
        raise NotImplementedError(f"oakling does not implement dai.node.{name} yet — see the README "
                                  f"for the nodes it has")
    raise AttributeError(f"module 'oakling.node' has no attribute '{name}'")
