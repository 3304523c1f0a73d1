"""Host-side pipeline description: nodes, ports, links and the schema the device builds from."""
from .node import Connection, DatatypeHierarchy, HostStream, Input, InputMap, IoType, Node, Output, OutputMap
from .pipeline import Pipeline

__all__ = ["Connection", "DatatypeHierarchy", "HostStream", "Input", "InputMap", "IoType", "Node", "Output",
           "OutputMap", "Pipeline"]
