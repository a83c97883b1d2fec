"""Receive stage: the DICOM node's SCP side (pynetdicom event handlers).

C-ECHO, and C-STORE for the SOP classes in :data:`STORAGE_SOP_CLASSES` with the
transfer syntaxes in :data:`TRANSFER_SYNTAXES`; any other SOP class is refused
at association negotiation. An instance is answered Success only after its
file is durable in the spool and its row committed in the journal; nothing
else (analysis, dispatch) runs on the association's thread, nor in this
process when the node runs its workers as processes (:mod:`advisor.node.workers`).

What "durable" costs, per instance: the file is written under a temporary
name and synced, renamed to its final name and its folder synced (two syncs:
after a power cut the file is there, whole, under its final name). The journal
row is committed without a sync of its own: a power cut may lose it, but the
file carries everything the row holds (UIDs, SOP class, and the calling AE
title in the file meta's Sending Application Entity Title), and the node
journals such files again before it listens (:meth:`Receiver.journal_spooled`).
So the file is the record of the acknowledgement and the row an index of it.

The receive path is lean: the handler reads only the header of the data set
pynetdicom has gathered (the Pixel Data element's length, never its value) to
check what must be checked before answering, then writes the received bytes
as they are (no decoding, no copy) after the file meta to the spool. An
instance costs its own size in memory, once. (pynetdicom's
``STORE_RECV_CHUNKED_DATASET`` would cost none, but it writes the file meta
while decoding the command, and an empty Affected SOP Instance UID then aborts
the association instead of getting its 0xC210 answer.)

Status codes (PS3.4 B.2.3 and PS3.7 C.4.2): 0xA700 out of resources (the spool
or journal could not be written), 0xA900 data set does not match SOP class
(wrong class or truncated pixel data), 0xC210 cannot understand (undecodable,
or a required UID empty). Every refusal carries an Error Comment (0000,0902),
at most 64 characters, telling the sender why. An instance larger than the
maximum instance size is not buffered to the end: the association is aborted
(A-ABORT, service provider) once the data set grows past the limit.
"""

from __future__ import annotations

import io
import logging
import time
import weakref
from pathlib import Path

from pydicom import Dataset, dcmread
from pydicom.errors import InvalidDicomError
from pydicom.filereader import read_dataset
from pydicom.filewriter import write_file_meta_info
from pydicom.pixels.utils import get_expected_length
from pydicom.uid import (DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian,
                         ExplicitVRLittleEndian, ImplicitVRLittleEndian, JPEG2000,
                         JPEG2000Lossless, JPEGBaseline8Bit, JPEGExtended12Bit, JPEGLosslessSV1,
                         JPEGLossless, JPEGLSLossless, JPEGLSNearLossless, RLELossless, UID)
from pynetdicom import AE, evt
from pynetdicom.dsutils import decode
from pynetdicom.dimse_primitives import C_STORE
from pynetdicom import sop_class as sc

from advisor import REQUIRED_UIDS, is_own_output
from advisor.node import spool
from advisor.config import Settings
from advisor.node import listener
from advisor.node.audit import Audit, discard
from advisor.node.journal import Journal
from advisor.web.metrics import COMMIT_SECONDS, INSTANCES_REFUSED, SPOOL_SECONDS

log = logging.getLogger(__name__)

PIXEL_DATA = 0x7FE00010
UNDEFINED_LENGTH = 0xFFFFFFFF
DEFER_BYTES = 4096  # elements longer than this are skipped, not read, in the header

STORAGE_SOP_CLASSES = (
    sc.UltrasoundImageStorage, sc.UltrasoundMultiFrameImageStorage,
    sc.BasicTextSRStorage, sc.EnhancedSRStorage, sc.ComprehensiveSRStorage,
    sc.Comprehensive3DSRStorage, sc.SegmentationStorage,
)
TRANSFER_SYNTAXES = (
    ExplicitVRLittleEndian, ImplicitVRLittleEndian, DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian, JPEGBaseline8Bit, JPEGExtended12Bit, JPEGLosslessSV1, JPEGLossless,
    JPEGLSLossless, JPEGLSNearLossless, JPEG2000Lossless, JPEG2000, RLELossless,
)

SUCCESS = 0x0000
OUT_OF_RESOURCES = 0xA700
DOES_NOT_MATCH_SOP_CLASS = 0xA900
CANNOT_UNDERSTAND = 0xC210
ERROR_COMMENT_LENGTH = 64  # PS3.7 C.4.2: Error Comment is LO
MAX_COMMAND_BYTES = 64 * 1024


def status(code: int, comment: str = "") -> Dataset:
    """A C-STORE response status with an Error Comment cut to its 64 characters."""
    result = Dataset()
    result.Status = code
    if comment:
        result.ErrorComment = comment[:ERROR_COMMENT_LENGTH]
    return result


def read_header(stream: io.BytesIO, transfer_syntax: UID) -> tuple[Dataset, int | None]:
    """The data set in ``stream`` without its long values, and how many bytes of
    Pixel Data it really holds (None without Pixel Data or with an undefined length).

    The Pixel Data value is never read: its length comes from the element's
    header, capped by what the stream holds after it (a data set cut short).
    """
    stream.seek(0)
    if transfer_syntax.is_deflated:  # rare: inflated and read whole
        header = decode(stream, transfer_syntax.is_implicit_VR, transfer_syntax.is_little_endian,
                        deflated=True)
    else:
        header = read_dataset(stream, transfer_syntax.is_implicit_VR,
                              transfer_syntax.is_little_endian, defer_size=DEFER_BYTES)
    pixel_data = header.get_item(PIXEL_DATA, keep_deferred=True)
    if pixel_data is None or pixel_data.length == UNDEFINED_LENGTH:
        return header, None
    if transfer_syntax.is_deflated:
        return header, len(header.PixelData)
    return header, min(pixel_data.length, stream.getbuffer().nbytes - pixel_data.value_tell)


def file_meta_bytes(file_meta: Dataset) -> bytes:
    """Preamble, prefix and File Meta Information (PS3.10 7.1) to put before a data set."""
    buffer = io.BytesIO()
    buffer.write(b"\x00" * 128 + b"DICM")
    write_file_meta_info(buffer, file_meta, enforce_standard=True)
    return buffer.getvalue()


def problem_with(ds: Dataset, requested_sop_class: str,
                 pixel_data_bytes: int | None) -> tuple[int, str] | None:
    """A failure status and message if ``ds`` must not be acknowledged.

    ``pixel_data_bytes`` is how much Pixel Data arrived (see :func:`read_header`).
    """
    missing = [k for k in REQUIRED_UIDS if not ds.get(k)]
    if missing:
        return CANNOT_UNDERSTAND, f"missing {', '.join(missing)}"
    invalid = [k for k in REQUIRED_UIDS if not UID(str(ds.get(k))).is_valid]
    if invalid:
        return CANNOT_UNDERSTAND, f"invalid UID in {', '.join(invalid)}"
    if ds.SOPClassUID != requested_sop_class:
        return DOES_NOT_MATCH_SOP_CLASS, (f"SOP Class UID {ds.SOPClassUID} differs from the "
                                          f"requested {requested_sop_class}")
    if pixel_data_bytes is not None and not ds.file_meta.TransferSyntaxUID.is_compressed:
        expected = get_expected_length(ds, unit="bytes")
        if pixel_data_bytes < expected:
            return DOES_NOT_MATCH_SOP_CLASS, (f"truncated pixel data: {pixel_data_bytes} of "
                                              f"{expected} bytes")
    return None


def _peer(assoc) -> dict:
    return {"peer": assoc.requestor.address, "calling_ae": assoc.requestor.ae_title,
            "called_ae": assoc.acceptor.ae_title}


class Receiver:
    """The SCP: accepts associations under the node's policy and journals every stored instance."""

    def __init__(self, journal: Journal, settings: Settings, audit: Audit = discard) -> None:
        self.journal = journal
        self.settings = settings
        self.spool_dir = settings.spool_dir
        self.audit = audit
        self.ae = AE(ae_title=settings.ae_title)
        self.ae.maximum_pdu_size = settings.max_pdu_size
        self.ae.acse_timeout = settings.artim_seconds
        self.ae.network_timeout = settings.network_timeout_seconds
        self.ae.dimse_timeout = settings.dimse_timeout_seconds
        self.ae.add_supported_context(sc.Verification)
        for sop_class in STORAGE_SOP_CLASSES:
            self.ae.add_supported_context(sop_class, list(TRANSFER_SYNTAXES))
        self.server: listener.GuardedServer | None = None
        # Data set bytes received so far per association, for the maximum instance size.
        self._receiving: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        # Associations aborted for size: the A-ABORT is only queued, and pynetdicom may
        # still hand over the data set it had already read; it must not be stored.
        self._aborting: weakref.WeakSet = weakref.WeakSet()

    def start(self, host: str, port: int, ssl_context=None) -> int:
        """Start listening; returns the bound port (``port`` 0 picks a free one)."""
        handlers = [(evt.EVT_C_ECHO, self.handle_echo), (evt.EVT_C_STORE, self.handle_store),
                    (evt.EVT_ACCEPTED, self.handle_accepted), (evt.EVT_REJECTED, self.handle_rejected),
                    (evt.EVT_ABORTED, self.handle_aborted), (evt.EVT_PDU_RECV, self.count_data),
                    (evt.EVT_DIMSE_RECV, self.answer_unservable_store)]
        settings = self.settings
        policy = listener.PeerPolicy(
            settings.ae_title, settings.allowed_peers, settings.allowed_calling_aes,
            settings.require_called_ae, settings.max_associations, settings.max_associations_per_peer,
            settings.max_pdu_size, settings.artim_seconds)
        self.server = listener.start(self.ae, host, port, handlers=handlers, policy=policy,
                                     ssl_context=ssl_context, audit=self.audit)
        return self.server.server_address[1]

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server = None

    @staticmethod
    def handle_echo(event: evt.Event) -> int:
        return SUCCESS

    def handle_accepted(self, event: evt.Event) -> None:
        assoc = event.assoc
        refused = sorted({str(UID(cx.abstract_syntax).name) for cx in assoc.rejected_contexts})
        log.info("association from %s (%s) accepted%s", assoc.requestor.ae_title,
                 assoc.requestor.address,
                 f"; refused SOP classes: {', '.join(refused)}" if refused else "")
        self.audit("association-accepted", **_peer(assoc), tls=self.server.ssl_context is not None,
                   refused_sop_classes=refused)

    def handle_rejected(self, event: evt.Event) -> None:
        assoc = event.assoc
        reason = listener.rejection_reason(assoc)
        # A refused request's AE titles are only in the A-ASSOCIATE-RQ (none if it never came).
        request = assoc.requestor.primitive
        calling = request.calling_ae_title if request else assoc.requestor.ae_title
        log.warning("association from %s (%s) rejected: %s", calling, assoc.requestor.address, reason)
        self.audit("association-refused", **_peer(assoc) | {
            "calling_ae": calling, "called_ae": request.called_ae_title if request else None},
            reason=reason)

    def handle_aborted(self, event: evt.Event) -> None:
        log.warning("association from %s aborted", event.assoc.requestor.ae_title)
        self.audit("association-aborted", **_peer(event.assoc), reason="A-ABORT received")

    def count_data(self, event: evt.Event) -> None:
        """EVT_PDU_RECV: abort an association whose message grows past its limit.

        pynetdicom gathers a DIMSE message's fragments (PS3.8 E.2) in memory
        without bound: a data set may grow to the maximum instance size, a
        command set (a few hundred bytes in practice) to :data:`MAX_COMMAND_BYTES`.
        """
        items = getattr(event.pdu, "presentation_data_value_items", None)
        if not items or event.assoc.is_aborted:
            return
        received = self._receiving.get(event.assoc, {"command": 0, "data set": 0})
        for item in items:
            control = item.presentation_data_value[0]
            part = "command" if control & 0b01 else "data set"
            received[part] += len(item.presentation_data_value) - 1
            limit = MAX_COMMAND_BYTES if part == "command" else self.settings.max_instance_bytes
            if received[part] > limit:
                self._abort(event.assoc, f"{part} exceeds the maximum size ({limit} bytes)")
                return
            if control & 0b10:  # the last fragment
                received[part] = 0
        self._receiving[event.assoc] = received

    def _abort(self, assoc, reason: str) -> None:
        log.warning("association from %s aborted: %s", assoc.requestor.address, reason)
        self.audit("instance-refused", **_peer(assoc), reason=reason)
        self._aborting.add(assoc)
        assoc.acse.send_abort(0x02)  # only queued: this runs on pynetdicom's DUL thread

    def answer_unservable_store(self, event: evt.Event) -> None:
        """EVT_DIMSE_RECV: answer a C-STORE-RQ with no Affected SOP Instance UID.

        pynetdicom drops such a request as invalid without answering, and the
        sender waits until its own timeout; here it gets 0xC210 with a reason.
        """
        command = event.message.command_set
        if command.get("CommandField") != 0x0001 or command.get("AffectedSOPInstanceUID"):
            return
        response = C_STORE()
        response.MessageIDBeingRespondedTo = command.MessageID
        response.AffectedSOPClassUID = command.get("AffectedSOPClassUID") or None
        response.Status = CANNOT_UNDERSTAND
        response.ErrorComment = "empty Affected SOP Instance UID"
        log.warning("C-STORE from %s refused (0x%04X): %s", event.assoc.requestor.ae_title,
                    CANNOT_UNDERSTAND, response.ErrorComment)
        self.audit("instance-refused", **_peer(event.assoc), status=f"0x{CANNOT_UNDERSTAND:04X}",
                   reason=response.ErrorComment)
        event.assoc.dimse.send_msg(response, event.message.context_id)

    def handle_store(self, event: evt.Event) -> Dataset:
        assoc = event.assoc
        stream = event.request.DataSet  # the data set's bytes as received
        if assoc in self._aborting:
            return status(OUT_OF_RESOURCES, "instance exceeds the maximum size")
        try:
            ds, pixel_data_bytes = read_header(stream, UID(event.context.transfer_syntax))
            ds.file_meta = event.file_meta
            problem = problem_with(ds, str(event.request.AffectedSOPClassUID), pixel_data_bytes)
        except Exception as exc:  # noqa: BLE001 - any decoding error is the peer's bad data
            problem = CANNOT_UNDERSTAND, f"cannot decode data set: {exc}"
        if problem is not None:
            return self._refuse(assoc, *problem, sop_uid=str(event.request.AffectedSOPInstanceUID))
        study_uid, sop_uid = str(ds.StudyInstanceUID), str(ds.SOPInstanceUID)
        ds.file_meta.SendingApplicationEntityTitle = assoc.requestor.ae_title  # PS3.10 7.1
        try:
            started = time.perf_counter()
            path = spool.write_atomically(spool.instance_path(self.spool_dir, study_uid, sop_uid),
                                          [file_meta_bytes(ds.file_meta), stream.getbuffer()])
            durable = time.perf_counter()
            new = self.journal.record_instance(study_uid=study_uid, sop_uid=sop_uid,
                                               sop_class_uid=str(ds.SOPClassUID), path=path,
                                               calling_ae=assoc.requestor.ae_title,
                                               own_output=is_own_output(ds))
        except Exception as exc:  # noqa: BLE001 - disk full, permissions: refuse, never acknowledge
            log.exception("C-STORE of %s: could not store durably", sop_uid)
            return self._refuse(assoc, OUT_OF_RESOURCES, f"cannot store: {type(exc).__name__}",
                                sop_uid=sop_uid)
        SPOOL_SECONDS.observe(durable - started)
        COMMIT_SECONDS.observe(time.perf_counter() - durable)
        log.debug("stored %s of study %s%s", sop_uid, study_uid, "" if new else " (again)")
        self.audit("instance-stored", **_peer(assoc), study_uid=study_uid, sop_uid=sop_uid,
                   sop_class_uid=str(ds.SOPClassUID), duplicate=not new)
        return status(SUCCESS)

    def journal_spooled(self) -> int:
        """Journal the spooled instances the journal lacks; returns how many there were.

        The receiver's journal commits are not synced (see :class:`Journal`): a
        power cut may lose the rows of the last instances acknowledged, never
        their files, which were on disk under their final names before each
        Success. Run before listening, this puts those rows back, so that every
        acknowledged instance is analysed. Files of interrupted writes (never
        acknowledged) are removed.
        """
        if not self.spool_dir.is_dir():
            return 0
        known = self.journal.instance_uids()
        found = 0
        for path in sorted(self.spool_dir.glob("*/*")):
            if path.name.startswith(spool.INCOMING_PREFIX):
                path.unlink()
            elif path.suffix == ".dcm" and path.stem not in known:
                found += self._journal_spooled_file(path)
        if found:
            log.warning("%d spooled instance(s) missing from the journal (power cut?): journaled "
                        "again", found)
        return found

    def _journal_spooled_file(self, path: Path) -> bool:
        try:
            ds = dcmread(path, stop_before_pixels=True)
            self.journal.record_instance(
                study_uid=str(ds.StudyInstanceUID), sop_uid=str(ds.SOPInstanceUID),
                sop_class_uid=str(ds.SOPClassUID), path=path, own_output=is_own_output(ds),
                calling_ae=str(ds.file_meta.get("SendingApplicationEntityTitle", "")))
        except (InvalidDicomError, AttributeError, OSError) as exc:
            log.error("spooled file %s/%s cannot be journaled: %s", path.parent.name, path.name, exc)
            return False
        return True

    def _refuse(self, assoc, code: int, message: str, *, sop_uid: str) -> Dataset:
        log.warning("C-STORE from %s refused (0x%04X): %s", assoc.requestor.ae_title, code, message)
        self.audit("instance-refused", **_peer(assoc), sop_uid=sop_uid, status=f"0x{code:04X}",
                   reason=message)
        INSTANCES_REFUSED.labels(status=f"0x{code:04X}").inc()
        return status(code, message)
