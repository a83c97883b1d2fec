"""Logging for every subcommand: text or JSON lines, one level, quiet libraries.

Patient names and IDs never reach the log: the advisor logs UIDs and outcomes only.
pynetdicom and highdicom log every PDU and template item at DEBUG, so they stay at
WARNING unless ``--debug-libraries`` asks for their detail.
"""

from __future__ import annotations

import json
import logging
import sys

LIBRARIES = ("pynetdicom", "highdicom", "PIL", "urllib3", "selenium")
LEVELS = ("debug", "info", "warning", "error")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and the traceback, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
                 "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure(level: str = "info", log_format: str = "text", debug_libraries: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for library in LIBRARIES:
        logging.getLogger(library).setLevel(level.upper() if debug_libraries else logging.WARNING)


def level_from(verbose: int, quiet: int, level: str | None) -> str:
    """``--log-level`` if given, else info moved down by -v and up by -q."""
    if level:
        return level
    index = LEVELS.index("info") - verbose + quiet
    return LEVELS[max(0, min(index, len(LEVELS) - 1))]
