"""Receive stage: the DICOM node's SCP side (pynetdicom event handlers).

C-ECHO, and C-STORE for the SOP classes in :data:`STORAGE_SOP_CLASSES` with the
transfer syntaxes in :data:`TRANSFER_SYNTAXES`; any other SOP class is refused
at association negotiation. An instance is answered Success only after its
file is durable in the spool and its row committed in the journal; nothing
else (analysis, dispatch) runs on the association's thread.

Status codes (PS3.4 B.2.3 and PS3.7 C.4.2): 0xA700 out of resources (the spool
or journal could not be written), 0xA900 data set does not match SOP class
(wrong class or truncated pixel data), 0xC210 cannot understand (undecodable).
"""

from __future__ import annotations

import logging
from pathlib import Path

from pydicom import Dataset
from pydicom.pixels.utils import get_expected_length
from pydicom.uid import (DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian,
                         ExplicitVRLittleEndian, ImplicitVRLittleEndian, JPEG2000,
                         JPEG2000Lossless, JPEGBaseline8Bit, JPEGExtended12Bit, JPEGLosslessSV1,
                         JPEGLossless, JPEGLSLossless, JPEGLSNearLossless, RLELossless, UID)
from pynetdicom import AE, evt
from pynetdicom import sop_class as sc
from pynetdicom.transport import ThreadedAssociationServer

from advisor import REQUIRED_UIDS, is_own_output
from advisor.node import spool
from advisor.node.journal import Journal

log = logging.getLogger(__name__)

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


def problem_with(ds: Dataset, requested_sop_class: str) -> tuple[int, str] | None:
    """A failure status and message if ``ds`` must not be acknowledged."""
    missing = [k for k in REQUIRED_UIDS if not ds.get(k)]
    if missing:
        return CANNOT_UNDERSTAND, f"missing {', '.join(missing)}"
    invalid = [k for k in REQUIRED_UIDS if not UID(str(ds.get(k))).is_valid]
    if invalid:
        return CANNOT_UNDERSTAND, f"invalid UID in {', '.join(invalid)}"
    if ds.SOPClassUID != requested_sop_class:
        return DOES_NOT_MATCH_SOP_CLASS, (f"SOP Class UID {ds.SOPClassUID} differs from the "
                                          f"requested {requested_sop_class}")
    if "PixelData" in ds and not ds.file_meta.TransferSyntaxUID.is_compressed:
        expected = get_expected_length(ds, unit="bytes")
        if len(ds.PixelData) < expected:
            return DOES_NOT_MATCH_SOP_CLASS, (f"truncated pixel data: {len(ds.PixelData)} of "
                                              f"{expected} bytes")
    return None


class Receiver:
    """The SCP: accepts associations and journals every stored instance."""

    def __init__(self, journal: Journal, *, ae_title: str, spool_dir: Path) -> None:
        self.journal = journal
        self.spool_dir = spool_dir
        self.ae = AE(ae_title=ae_title)
        self.ae.maximum_pdu_size = 0  # no limit: let peers send large PDUs
        self.ae.add_supported_context(sc.Verification)
        for sop_class in STORAGE_SOP_CLASSES:
            self.ae.add_supported_context(sop_class, list(TRANSFER_SYNTAXES))
        self.server: ThreadedAssociationServer | None = None

    def start(self, host: str, port: int) -> int:
        """Start listening; returns the bound port (``port`` 0 picks a free one)."""
        handlers = [(evt.EVT_C_ECHO, self.handle_echo), (evt.EVT_C_STORE, self.handle_store),
                    (evt.EVT_ACCEPTED, self.handle_accepted), (evt.EVT_REJECTED, self.handle_rejected),
                    (evt.EVT_ABORTED, self.handle_aborted)]
        self.server = self.ae.start_server((host, port), block=False, evt_handlers=handlers)
        return self.server.server_address[1]

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server = None

    @staticmethod
    def handle_echo(event: evt.Event) -> int:
        return SUCCESS

    @staticmethod
    def handle_accepted(event: evt.Event) -> None:
        assoc = event.assoc
        refused = sorted({str(UID(cx.abstract_syntax).name) for cx in assoc.rejected_contexts})
        log.info("association from %s (%s) accepted%s", assoc.requestor.ae_title,
                 assoc.requestor.address,
                 f"; refused SOP classes: {', '.join(refused)}" if refused else "")

    @staticmethod
    def handle_rejected(event: evt.Event) -> None:
        log.warning("association from %s (%s) rejected", event.assoc.requestor.ae_title,
                    event.assoc.requestor.address)

    @staticmethod
    def handle_aborted(event: evt.Event) -> None:
        log.warning("association from %s aborted", event.assoc.requestor.ae_title)

    def handle_store(self, event: evt.Event) -> int | tuple[int, str]:
        calling_ae = event.assoc.requestor.ae_title
        try:
            ds = event.dataset
            ds.file_meta = event.file_meta
            problem = problem_with(ds, str(event.request.AffectedSOPClassUID))
        except Exception as exc:  # noqa: BLE001 - any decoding error is the peer's bad data
            problem = CANNOT_UNDERSTAND, f"cannot decode data set: {exc}"
        if problem is not None:
            status, message = problem
            log.warning("C-STORE from %s refused (0x%04X): %s", calling_ae, status, message)
            return status
        study_uid, sop_uid = str(ds.StudyInstanceUID), str(ds.SOPInstanceUID)
        try:
            path = spool.write_atomically(spool.instance_path(self.spool_dir, study_uid, sop_uid),
                                          event.encoded_dataset())
            new = self.journal.record_instance(study_uid=study_uid, sop_uid=sop_uid,
                                               sop_class_uid=str(ds.SOPClassUID), path=path,
                                               calling_ae=calling_ae, own_output=is_own_output(ds))
        except Exception:  # noqa: BLE001 - disk full, permissions: refuse, never acknowledge
            log.exception("C-STORE of %s: could not store durably", sop_uid)
            return OUT_OF_RESOURCES
        log.debug("stored %s of study %s%s", sop_uid, study_uid, "" if new else " (again)")
        return SUCCESS
