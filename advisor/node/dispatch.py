"""Dispatch stage: send files to DICOM peers by C-STORE (the node's SCU side).

:func:`send_files` is the one way files leave: results to the PACS, and
``advisor replay`` sending sample folders. :class:`Dispatcher` works through
the journal's pending deliveries, retrying a peer that is down with
exponential backoff, until each result is acknowledged once by each
destination.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from pydicom.errors import InvalidDicomError
from pydicom.filereader import read_file_meta_info
from pynetdicom import AE, _config

from advisor.config import Destination, Settings
from advisor.node.journal import Journal

log = logging.getLogger(__name__)

# Send each file's bytes as stored, read in chunks: no decoding, no re-encoding,
# and memory stays flat however long the cine clip.
_config.STORE_SEND_CHUNKED_DATASET = True

MAX_CONTEXTS = 128  # PS3.8: presentation context IDs are odd numbers 1-255
# C-STORE statuses that mean "stored": success and the warnings of PS3.4 B.2.3.
STORED = {0x0000, 0xB000, 0xB006, 0xB007}


@dataclass(frozen=True)
class SendResult:
    path: Path
    status: int | None     # the peer's C-STORE status; None if nothing was sent
    message: str

    @property
    def stored(self) -> bool:
        return self.status in STORED


def _file_syntax(path: Path) -> tuple[str, str]:
    meta = read_file_meta_info(path)
    return str(meta.MediaStorageSOPClassUID), str(meta.TransferSyntaxUID)


def send_files(destination: Destination, paths: Iterable[Path], *, calling_ae: str,
               on_result: Callable[[SendResult], None] = lambda result: None,
               timeout: float = 30) -> list[SendResult]:
    """C-STORE every file in ``paths`` to ``destination`` over one association.

    Files that are not DICOM are reported and skipped; each file is sent as
    stored (no re-encoding), so its own transfer syntax is proposed.
    """
    results: list[SendResult] = []

    def report(result: SendResult) -> None:
        results.append(result)
        on_result(result)

    sendable: list[tuple[Path, tuple[str, str]]] = []
    for path in paths:
        try:
            sendable.append((path, _file_syntax(path)))
        except (InvalidDicomError, OSError, AttributeError, ValueError) as exc:
            report(SendResult(path, None, f"skipped: not a DICOM file ({exc})"))
    syntaxes = sorted({syntax for _, syntax in sendable})
    for start in range(0, len(syntaxes), MAX_CONTEXTS):
        batch = set(syntaxes[start:start + MAX_CONTEXTS])
        _send_batch(destination, [(p, s) for p, s in sendable if s in batch], calling_ae,
                    timeout, report)
    return results


def _send_batch(destination: Destination, files: list[tuple[Path, tuple[str, str]]],
                calling_ae: str, timeout: float, report: Callable[[SendResult], None]) -> None:
    ae = AE(ae_title=calling_ae)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = timeout
    for sop_class, syntax in sorted({s for _, s in files}):
        ae.add_requested_context(sop_class, syntax)
    assoc = ae.associate(destination.host, destination.port, ae_title=destination.ae_title)
    if not assoc.is_established:
        for path, _ in files:
            report(SendResult(path, None, f"association with {destination} failed "
                                          "(rejected, aborted or no answer)"))
        return
    try:
        for path, _ in files:
            report(_send_one(assoc, path))
    finally:
        assoc.release()


def _send_one(assoc, path: Path) -> SendResult:
    try:
        status = assoc.send_c_store(path)
    except Exception as exc:  # noqa: BLE001 - a file pynetdicom cannot send is reported, not fatal
        return SendResult(path, None, f"not sent: {type(exc).__name__}: {exc}")
    if "Status" not in status:
        return SendResult(path, None, "no response (association aborted or timed out)")
    code = int(status.Status)
    comment = status.get("ErrorComment", "")
    return SendResult(path, code, f"status 0x{code:04X}{': ' + comment if comment else ''}")


class Dispatcher:
    """Delivers each pending result to each destination, with backoff."""

    def __init__(self, journal: Journal, settings: Settings) -> None:
        self.journal = journal
        self.settings = settings
        self.destinations = {str(d): d for d in settings.destinations}

    def retry_delay(self, attempts: int) -> float:
        """Seconds before the next try after ``attempts`` failed ones (exponential, capped)."""
        return min(self.settings.retry_base_seconds * 2 ** attempts, self.settings.retry_max_seconds)

    def run_once(self) -> int:
        """Try every delivery that is due; returns how many were delivered."""
        if not self.destinations:
            return 0
        delivered = 0
        for row in self.journal.due_deliveries(list(self.destinations)):
            destination = self.destinations[row.destination]
            [result] = send_files(destination, [row.path], calling_ae=self.settings.ae_title)
            if result.stored:
                self.journal.mark_delivered(row.result_uid, row.destination)
                delivered += 1
                log.info("study %s: SR %s delivered to %s (%s)", row.study_instance_uid,
                         row.result_uid, destination, result.message)
            else:
                delay = self.retry_delay(row.attempts)
                self.journal.mark_attempt_failed(row.result_uid, row.destination, result.message, delay)
                log.warning("study %s: SR %s not delivered to %s (attempt %d: %s); retry in %.0f s",
                            row.study_instance_uid, row.result_uid, destination, row.attempts + 1,
                            result.message, delay)
        return delivered
