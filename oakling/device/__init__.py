"""The device: its process, runtime, links, and the host-side Device handle and queues."""
