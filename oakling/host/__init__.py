"""The host's end of the link: `dai.Device`, which starts the device process and sends it the
pipeline, and the host queues that carry each XLink stream's messages."""
