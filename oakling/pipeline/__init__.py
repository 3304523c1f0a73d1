"""Host-side pipeline description: nodes, ports, links and the schema the device builds from."""
from .node import Connection, DatatypeHierarchy, Input, InputMap, IoType, Node, Output, OutputMap
from .pipeline import Pipeline

__all__ = ["Connection", "DatatypeHierarchy", "Input", "InputMap", "IoType", "Node", "Output",
           "OutputMap", "Pipeline"]
