"""The audit log: one JSON object per line for each security- or delivery-relevant event.

Events (``event`` field): ``association-accepted``, ``association-refused``,
``association-aborted``, ``instance-stored``, ``instance-refused``,
``study-analysed``, ``result-sent``, ``result-failed``, ``result-undelivered``.
Each line carries the time (UTC, ISO 8601), the peer's address and AE titles
where there is a peer, UIDs, counts, statuses and reasons; never a patient's
name or ID. The file is rotated by size (``audit.jsonl.1``, ``.2``, ...).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.handlers
from collections.abc import Callable
from pathlib import Path

BACKUPS = 5
Audit = Callable[..., None]  # audit(event, **fields): an AuditLog, or discard


def discard(event: str, **fields: object) -> None:
    """An audit that keeps nothing (a stage run on its own, in tests)."""


class _JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        when = dt.datetime.fromtimestamp(record.created, dt.timezone.utc)
        return json.dumps({"time": when.isoformat(timespec="milliseconds"), "event": record.msg,
                           **record.fields}, sort_keys=False, default=str)


class AuditLog:
    """Appends events to ``path``; thread-safe (a :mod:`logging` handler)."""

    def __init__(self, path: Path, max_bytes: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=max_bytes, backupCount=BACKUPS, encoding="utf-8")
        self._handler.setFormatter(_JsonLines())
        # A logger of its own, outside logging's registry: never propagates to
        # the root logger, and two nodes in one process keep separate files.
        self._logger = logging.Logger("advisor.audit", logging.INFO)
        self._logger.addHandler(self._handler)

    def __call__(self, event: str, **fields: object) -> None:
        self._logger.info(event, extra={"fields": fields})

    def close(self) -> None:
        self._handler.close()
