"""The link between two processes (host and device, device and a script): one socket per stream,
messages as records, large payloads through memfd segments, published regions sent by reference."""
