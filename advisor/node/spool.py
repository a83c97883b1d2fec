"""Durable file writes for the spool (received instances) and the outbox (results).

A file is written to a temporary name, flushed to disk, renamed into place and
its folder synced, so that a crash leaves either the whole file or none of it.
A received instance already sits in a file of its own (pynetdicom writes it as
it arrives): that file is moved into place, or copied by the kernel when it is
on another file system, and then synced the same way.
"""

from __future__ import annotations

import errno
import os
import shutil
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


def _fsync(path: Path | str) -> None:
    """Flush a file's (or a folder's) data and metadata to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, content: bytes | Path) -> Path:
    """Write ``content`` (bytes, or a file whose content it is) to ``path`` durably.

    A file given as ``content`` is moved (renamed) when it can be, else copied
    (by the kernel: sendfile); returns ``path``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(content, bytes):
                handle.write(content)
        if not isinstance(content, bytes) and not _moved(content, tmp):
            shutil.copyfile(content, tmp)
        _fsync(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync(path.parent)
    return path


def _moved(source: Path, target: str) -> bool:
    """Rename ``source`` over ``target``; False if they are on different file systems."""
    try:
        os.replace(source, target)
    except OSError as exc:
        if exc.errno == errno.EXDEV:
            return False
        raise
    return True
