"""Dispatch stage: send files to DICOM peers by C-STORE (the node's SCU side).

:func:`send_files` is the one way files leave: results to the PACS, and
``advisor replay`` sending sample folders. :class:`Dispatcher` works through
the journal's pending deliveries, retrying a peer that is down with
exponential backoff, until each result is acknowledged once by each
destination.
"""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from pydicom.errors import InvalidDicomError
from pydicom.filereader import read_file_meta_info
from pydicom.uid import UID
from pynetdicom import AE, _config, evt
from pynetdicom.pdu_primitives import A_ASSOCIATE

from advisor.config import Destination, Settings
from advisor.node import security
from advisor.node.audit import Audit, discard
from advisor.node.journal import DeliveryRow, Journal
from advisor.output.sop_classes import payload, proposed_classes, sendable_as

log = logging.getLogger(__name__)

# Send each file's bytes as stored, read in chunks: no decoding, no re-encoding,
# and memory stays flat however long the cine clip.
_config.STORE_SEND_CHUNKED_DATASET = True

MAX_CONTEXTS = 128  # PS3.8: presentation context IDs are odd numbers 1-255
# C-STORE statuses that mean "stored": success and the warnings of PS3.4 B.2.3.
STORED = {0x0000, 0xB000, 0xB006, 0xB007}
POLL_SECONDS = 0.1


@dataclass(frozen=True)
class SendResult:
    path: Path
    status: int | None     # the peer's C-STORE status; None if nothing was sent
    message: str
    retryable: bool = True  # when nothing was sent: might another try succeed?

    @property
    def stored(self) -> bool:
        return self.status in STORED

    @property
    def permanent(self) -> bool:
        """A failure that trying again will not cure: only 0xA7xx (out of resources) and
        network failures are transient."""
        if self.status is None:
            return not self.retryable
        return not self.stored and self.status >> 8 != 0xA7


def _file_syntax(path: Path) -> tuple[str, str]:
    meta = read_file_meta_info(path)
    return str(meta.MediaStorageSOPClassUID), str(meta.TransferSyntaxUID)


def send_files(destination: Destination, paths: Iterable[Path], *, calling_ae: str,
               on_result: Callable[[SendResult], None] = lambda result: None,
               timeout: float = 30, tls: ssl.SSLContext | None = None) -> list[SendResult]:
    """C-STORE every file in ``paths`` to ``destination`` over one association.

    Files that are not DICOM are reported and skipped; each file is sent as
    stored (no re-encoding), so its own transfer syntax is proposed. ``timeout``
    bounds the connection, the association negotiation and each response;
    ``tls`` is the client context for a destination reached over TLS.
    """
    if destination.tls and tls is None:
        raise ValueError(f"{destination} is reached over TLS: a TLS context is needed")
    results: list[SendResult] = []

    def report(result: SendResult) -> None:
        results.append(result)
        on_result(result)

    sendable: list[tuple[Path, tuple[str, str]]] = []
    for path in paths:
        try:
            sendable.append((path, _file_syntax(path)))
        except (InvalidDicomError, OSError, AttributeError, ValueError) as exc:
            report(SendResult(path, None, f"skipped: not a DICOM file ({exc})", retryable=False))
    syntaxes = sorted({syntax for _, syntax in sendable})
    for start in range(0, len(syntaxes), MAX_CONTEXTS):
        batch = set(syntaxes[start:start + MAX_CONTEXTS])
        _send_batch(destination, [(p, s) for p, s in sendable if s in batch], calling_ae,
                    timeout, tls, report)
    return results


def _send_batch(destination: Destination, files: list[tuple[Path, tuple[str, str]]],
                calling_ae: str, timeout: float, tls: ssl.SSLContext | None,
                report: Callable[[SendResult], None]) -> None:
    ae = AE(ae_title=calling_ae)
    ae.connection_timeout = ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = timeout
    for sop_class, syntax in sorted({s for _, s in files}):
        for proposed in proposed_classes(sop_class):
            ae.add_requested_context(proposed, syntax)
    answers: list = []  # the A-ASSOCIATE response, if the destination gave one
    assoc = ae.associate(destination.host, destination.port, ae_title=destination.ae_title,
                         tls_args=(tls, destination.host) if destination.tls else None,
                         evt_handlers=[(evt.EVT_ACSE_RECV, lambda event: answers.append(
                             event.primitive))])
    if not assoc.is_established:
        message, retryable = _association_failure(destination, assoc, answers)
        for path, _ in files:
            report(SendResult(path, None, message, retryable))
        return
    accepted = {(str(cx.abstract_syntax), str(cx.transfer_syntax[0])) for cx in assoc.accepted_contexts}
    try:
        for path, (sop_class, syntax) in files:
            classes = {c for c, s in accepted if s == syntax}
            report(_send_one(assoc, path, sop_class, classes)
                   if classes.intersection(sendable_as(sop_class)) else SendResult(
                path, None, f"no presentation context accepted for {UID(sop_class).name} "
                            f"in {UID(syntax).name}", retryable=False))
    finally:
        assoc.release()


def _association_failure(destination: Destination, assoc, answers: list) -> tuple[str, bool]:
    """Why no association was established, and whether trying again may help.

    A-ASSOCIATE-RJ rejected-permanent (PS3.8 9.3.4) and an association without
    any accepted presentation context are permanent; anything else (no answer,
    rejected-transient, aborted) is transient.
    """
    rejection = next((a for a in answers if isinstance(a, A_ASSOCIATE) and a.result in (1, 2)), None)
    if rejection is not None:
        return (f"association rejected by {destination}: {rejection.result_str}, "
                f"{rejection.source_str}, {rejection.reason_str}"), rejection.result == 2
    if assoc.rejected_contexts and not assoc.accepted_contexts:
        refused = sorted({str(UID(cx.abstract_syntax).name) for cx in assoc.rejected_contexts})
        return f"no presentation context accepted by {destination} for {', '.join(refused)}", False
    return f"no association with {destination} (no answer in time, refused or aborted)", True


def _send_one(assoc, path: Path, sop_class: str, accepted: set[str]) -> SendResult:
    """C-STORE the file as stored, or as the SR class the peer accepted (see sop_classes)."""
    try:
        status = assoc.send_c_store(payload(path, sop_class, accepted))
    except Exception as exc:  # noqa: BLE001 - a file pynetdicom cannot send is reported, not fatal
        return SendResult(path, None, f"not sent: {type(exc).__name__}: {exc}")
    if "Status" not in status:
        return SendResult(path, None, "no response (association aborted or timed out)")
    code = int(status.Status)
    comment = status.get("ErrorComment", "")
    return SendResult(path, code, f"status 0x{code:04X}{': ' + comment if comment else ''}")


class Dispatcher:
    """Delivers each pending result to each destination: one thread per destination."""

    def __init__(self, journal: Journal, settings: Settings, audit: Audit = discard) -> None:
        self.journal = journal
        self.settings = settings
        self.audit = audit
        self.destinations = {str(d): d for d in settings.destinations}
        self.tls = (security.client_context(settings)
                    if any(d.tls for d in settings.destinations) else None)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for name in self.destinations:
            thread = threading.Thread(target=self._serve, args=(name,), name=f"dispatch {name}",
                                      daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)

    def _serve(self, destination: str) -> None:
        while not self._stop.is_set():
            try:
                self.run_once(destination)
            except Exception:  # noqa: BLE001 - keep the worker alive; the journal keeps the work
                log.exception("dispatch to %s: unexpected error", destination)
            self._stop.wait(POLL_SECONDS)

    def retry_delay(self, attempts: int) -> float:
        """Seconds before the next try after ``attempts`` failed ones (exponential, capped)."""
        return self.settings.backoff_seconds(attempts + 1)

    def run_once(self, destination: str) -> int:
        """Try every delivery to ``destination`` that is due; returns how many were delivered."""
        delivered = 0
        for row in self.journal.due_deliveries([destination]):
            if self._stop.is_set():
                break
            delivered += self._attempt(row)
        return delivered

    def _attempt(self, row: DeliveryRow) -> bool:
        destination = self.destinations[row.destination]
        [result] = send_files(destination, [row.path], calling_ae=self.settings.ae_title,
                              timeout=self.settings.dispatch_timeout_seconds, tls=self.tls)
        what = {"study_uid": row.study_instance_uid, "sop_uid": row.result_uid, "kind": row.kind,
                "destination": row.destination, "attempt": row.attempts + 1}
        if result.stored:
            self.journal.mark_delivered(row.result_uid, row.destination)
            log.info("study %s: %s %s delivered to %s (%s)", row.study_instance_uid, row.kind,
                     row.result_uid, destination, result.message)
            self.audit("result-sent", **what, status=result.message)
            return True
        limit = (self.settings.permanent_max_attempts if result.permanent
                 else self.settings.retry_max_attempts)
        failure = "permanent" if result.permanent else "transient"
        if row.attempts + 1 >= limit:
            self.journal.mark_attempt_failed(row.result_uid, row.destination, result.message, None)
            log.error("study %s: %s %s undelivered to %s after %d attempt(s), %s failure: %s",
                      row.study_instance_uid, row.kind, row.result_uid, destination,
                      row.attempts + 1, failure, result.message)
            self.audit("result-undelivered", **what, failure=failure, reason=result.message)
            return False
        delay = self.retry_delay(row.attempts)
        self.journal.mark_attempt_failed(row.result_uid, row.destination, result.message, delay)
        log.warning("study %s: %s %s not delivered to %s (attempt %d, %s failure: %s); retry in %.0f s",
                    row.study_instance_uid, row.kind, row.result_uid, destination, row.attempts + 1,
                    failure, result.message, delay)
        self.audit("result-failed", **what, failure=failure, reason=result.message,
                   retry_in_seconds=delay)
        return False
