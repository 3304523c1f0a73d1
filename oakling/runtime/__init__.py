"""The device process: builds node workers from the schema, wires their ports, runs one thread
each, and answers the host on the control link. It knows no node type by name: workers come
from the node registry."""
