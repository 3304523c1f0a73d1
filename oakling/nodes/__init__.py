"""Node types: each module holds one node's host-side class and its device-side worker, and
declares the type with `@node_type` beside the class (`oakling/pipeline/registry.py`).
Adding a node type means adding its module here; nothing else lists it."""
