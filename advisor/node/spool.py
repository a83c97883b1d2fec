"""Durable file writes for the spool (received instances) and the outbox (results).

A file is written to a temporary name, flushed to disk, renamed into place and
its folder synced (and the folder's own parent, when the folder is new), so
that a crash leaves either the whole file under its final name or none of it.
A received instance is written from the buffers it arrived in, without a copy.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from pydicom.uid import UID

INCOMING_PREFIX = ".incoming-"  # a file being written; its final name comes once it is on disk


def safe_uid(value: str) -> str:
    """``value`` if it is a valid UID (and so a safe file name), else ValueError."""
    if not UID(value).is_valid:
        raise ValueError(f"invalid UID {value!r}")
    return value


def instance_path(root: Path, study_uid: str, sop_uid: str) -> Path:
    return root / safe_uid(study_uid) / f"{safe_uid(sop_uid)}.dcm"


def _fsync(path: Path | str) -> None:
    """Flush a file's (or a folder's) data and metadata to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, content: bytes | Sequence[bytes | memoryview]) -> Path:
    """Write ``content`` (bytes, or buffers one after the other) to ``path`` durably."""
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        _fsync(path.parent.parent)  # the new folder's own name
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=INCOMING_PREFIX, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            for part in [content] if isinstance(content, bytes) else content:
                handle.write(part)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync(path.parent)
    return path
