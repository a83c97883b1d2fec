"""Durable file writes for the spool (received instances) and the outbox (results).

A file is written to a temporary name, flushed to disk, renamed into place and
its folder synced, so that a crash leaves either the whole file or none of it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pydicom.uid import UID


def safe_uid(value: str) -> str:
    """``value`` if it is a valid UID (and so a safe file name), else ValueError."""
    if not UID(value).is_valid:
        raise ValueError(f"invalid UID {value!r}")
    return value


def instance_path(root: Path, study_uid: str, sop_uid: str) -> Path:
    return root / safe_uid(study_uid) / f"{safe_uid(sop_uid)}.dcm"


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` durably; returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return path
