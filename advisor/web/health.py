"""``/healthz``: is this node able to take studies now? (liveness, JSON)

Three checks, each named in the answer so that a monitor says which failed:
the DICOM listener is up, the journal takes a write lock, and the data folder
has more free space than :data:`MIN_FREE_BYTES` (below it the receiver answers
Out of Resources, PS3.4 B.2.3, so the node is alive but not useful).
HTTP 200 when all pass, 503 otherwise.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from advisor.node.journal import Journal

MIN_FREE_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class HealthProbe:
    """What the checks look at; ``listener_up`` is asked of the running node."""

    journal: Journal
    data_dir: Path
    listener_up: Callable[[], bool]

    def disk_free_bytes(self) -> int:
        return shutil.disk_usage(self.data_dir).free

    def report(self) -> tuple[bool, dict]:
        free = self.disk_free_bytes()
        checks = {
            "listener": self.listener_up(),
            "journal_writable": self.journal.writable(),
            "disk_free": free >= MIN_FREE_BYTES,
        }
        healthy = all(checks.values())
        return healthy, {"status": "ok" if healthy else "failing", "checks": checks,
                         "disk_free_bytes": free, "disk_free_min_bytes": MIN_FREE_BYTES}
