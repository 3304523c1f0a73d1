"""Device log records, as gen2 has them: `dai.LogLevel` and the `dai.LogMessage` given to callbacks."""
from __future__ import annotations

from .messages.enums import Gen2Enum


class LogLevel(Gen2Enum):
    TRACE = 0
    DEBUG = 1
    INFO = 2
    WARN = 3
    ERR = 4
    CRITICAL = 5
    OFF = 6


# How a level is written in a log line, as the device firmware writes it.
LEVEL_NAMES = {LogLevel.TRACE: "trace", LogLevel.DEBUG: "debug", LogLevel.INFO: "info",
               LogLevel.WARN: "warning", LogLevel.ERR: "error", LogLevel.CRITICAL: "critical"}


class LogMessage:
    """One device log record: `nodeIdName` ("Script(3)" or "" for the device), `level`, `time`
    (seconds on the device clock), `payload` (the text)."""

    def __init__(self, nodeIdName: str, level: LogLevel, time: float, payload: str):
        self.nodeIdName = nodeIdName
        self.level = LogLevel(level)
        self.time = time
        self.payload = payload
        self.colorRangeStart = 0
        self.colorRangeEnd = 0

    def format(self, device_id: str) -> str:
        where = f" [{self.nodeIdName}]" if self.nodeIdName else ""
        return f"[{device_id}] [{self.time:.3f}]{where} [{LEVEL_NAMES[self.level]}] {self.payload}"

    def __repr__(self) -> str:
        return f"LogMessage({self.nodeIdName!r}, {self.level.name}, {self.payload!r})"
