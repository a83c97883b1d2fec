"""Destinations that do not take Comprehensive 3D SR still get the SR, as the class they accept.

The destinations are pynetdicom storage SCPs started in the test on 127.0.0.1,
each accepting a restricted list of SOP classes, as many archives do.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pydicom import Dataset, dcmread
from pydicom.uid import (Comprehensive3DSRStorage, ComprehensiveSRStorage, EnhancedSRStorage,
                         ExplicitVRLittleEndian, ImplicitVRLittleEndian, KeyObjectSelectionDocumentStorage,
                         SecondaryCaptureImageStorage)
from pynetdicom import AE, evt

from advisor.config import Destination
from advisor.node.dispatch import send_files
from advisor.node.journal import Journal
from conftest import SAMPLES, Validation, free_port, require_tool, run, validate_sr, wait_for
from test_node import outcome_of, study_uid_of
from test_restart import deliveries

FOLDER = SAMPLES / "01-calcified-left-flank-coded"
ONLY_COMPREHENSIVE = (ComprehensiveSRStorage, SecondaryCaptureImageStorage,
                      KeyObjectSelectionDocumentStorage)
ONLY_ENHANCED = (EnhancedSRStorage, SecondaryCaptureImageStorage)


@dataclass
class RestrictedPacs:
    """A storage SCP that accepts only ``sop_classes``; keeps what it received."""

    sop_classes: tuple[str, ...]
    folder: Path
    port: int = field(default_factory=free_port)
    received: list[Dataset] = field(default_factory=list)

    def start(self) -> RestrictedPacs:
        ae = AE(ae_title="PACS")
        for sop_class in self.sop_classes:
            ae.add_supported_context(sop_class, [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
        self._server = ae.start_server(("127.0.0.1", self.port), block=False,
                                       evt_handlers=[(evt.EVT_C_STORE, self._store)])
        return self

    def _store(self, event) -> int:
        dataset = event.dataset
        dataset.file_meta = event.file_meta
        dataset.save_as(self.folder / f"{dataset.SOPInstanceUID}.dcm", enforce_file_format=True)
        self.received.append(dataset)
        return 0x0000

    def stop(self) -> None:
        self._server.shutdown()

    @property
    def destination(self) -> Destination:
        return Destination("PACS", "127.0.0.1", self.port)

    def of_class(self, sop_class: str) -> list[Dataset]:
        return [ds for ds in self.received if ds.SOPClassUID == sop_class]


@pytest.fixture
def restricted_pacs(tmp_path) -> Iterator:
    started: list[RestrictedPacs] = []

    def start(sop_classes: tuple[str, ...]) -> RestrictedPacs:
        folder = tmp_path / f"pacs-{len(started)}"
        folder.mkdir()
        pacs = RestrictedPacs(sop_classes, folder).start()
        started.append(pacs)
        return pacs

    yield start
    for pacs in started:
        pacs.stop()


def advisor_results(start_node, pacs: RestrictedPacs, *paths: Path, data_dir: Path | None = None):
    node = start_node("--quiet-seconds", "0.5", "--destination", f"PACS@127.0.0.1:{pacs.port}",
                      **({"data_dir": data_dir} if data_dir else {}))
    sent = send_files(Destination("ADVISOR", "127.0.0.1", node.port), paths, calling_ae="MODALITY")
    assert all(result.stored for result in sent), [r.message for r in sent]
    return node


def test_comprehensive_only_pacs_gets_sr_key_image_and_kos_and_then_the_amendment(
        start_node, restricted_pacs, tmp_path):
    pacs = restricted_pacs(ONLY_COMPREHENSIVE)
    study = study_uid_of(FOLDER)
    node = advisor_results(start_node, pacs, FOLDER / "US001.dcm", FOLDER / "SR001.dcm")
    wait_for(lambda: len(pacs.received) == 3, timeout=60, what="SR, key image and KOS at the PACS")
    [sr] = pacs.of_class(ComprehensiveSRStorage)
    [image] = pacs.of_class(SecondaryCaptureImageStorage)
    [kos] = pacs.of_class(KeyObjectSelectionDocumentStorage)
    assert not pacs.of_class(Comprehensive3DSRStorage)
    assert {r.ReferencedSOPSequence[0].ReferencedSOPInstanceUID for r in kos.ContentSequence
            if r.ValueType in ("IMAGE", "COMPOSITE")} == {image.SOPInstanceUID, sr.SOPInstanceUID}
    sr_references = {e.value for e in kos.iterall() if e.keyword == "ReferencedSOPClassUID"} - {
        SecondaryCaptureImageStorage}
    assert sr_references == {ComprehensiveSRStorage}, "the KOS names the SR as the PACS holds it"
    kos_path = pacs.folder / f"{kos.SOPInstanceUID}.dcm"
    checked = run([require_tool("dciodvfy"), str(kos_path)])
    assert Validation.errors(checked.stdout + checked.stderr) == []
    stored_sr = pacs.folder / f"{sr.SOPInstanceUID}.dcm"
    checked = validate_sr(stored_sr)
    assert "ComprehensiveSR" in checked.dciodvfy and Validation.errors(checked.dciodvfy) == []
    assert "Found ComprehensiveSR IOD" in checked.pixelmed

    # A late image: revision 2, with new UIDs, naming its predecessor; a new KOS names the new objects.
    assert all(r.stored for r in send_files(Destination("ADVISOR", "127.0.0.1", node.port),
                                            [FOLDER / "US002.dcm"], calling_ae="MODALITY"))
    wait_for(lambda: len(pacs.received) == 6, timeout=60, what="the amended SR, key image and KOS")
    amended = next(ds for ds in pacs.of_class(ComprehensiveSRStorage) if ds.SOPInstanceUID != sr.SOPInstanceUID)
    assert amended.InstanceNumber == 2
    predecessor = amended.PredecessorDocumentsSequence[0].ReferencedSeriesSequence[0].ReferencedSOPSequence[0]
    assert predecessor.ReferencedSOPInstanceUID == sr.SOPInstanceUID
    new_kos = next(ds for ds in pacs.of_class(KeyObjectSelectionDocumentStorage)
                   if ds.SOPInstanceUID != kos.SOPInstanceUID)
    new_image = next(ds for ds in pacs.of_class(SecondaryCaptureImageStorage)
                     if ds.SOPInstanceUID != image.SOPInstanceUID)
    assert {r.ReferencedSOPSequence[0].ReferencedSOPInstanceUID for r in new_kos.ContentSequence
            if r.ValueType in ("IMAGE", "COMPOSITE")} == {new_image.SOPInstanceUID, amended.SOPInstanceUID}
    assert len({ds.SOPInstanceUID for ds in pacs.received}) == 6, "no UID reused"
    wait_for(lambda: all(status == "delivered" for _, _, status, _, _ in deliveries(node, study)),
             what="every delivery recorded")


def test_enhanced_only_pacs_gets_the_sr_as_enhanced_sr_and_the_key_image(start_node, restricted_pacs):
    pacs = restricted_pacs(ONLY_ENHANCED)
    study = study_uid_of(FOLDER)
    node = advisor_results(start_node, pacs, *sorted(FOLDER.glob("*.dcm")))
    wait_for(lambda: len(pacs.received) == 2, timeout=60, what="SR and key image at the PACS")
    [sr] = pacs.of_class(EnhancedSRStorage)
    assert pacs.of_class(SecondaryCaptureImageStorage)
    stored_sr = pacs.folder / f"{sr.SOPInstanceUID}.dcm"
    checked = validate_sr(stored_sr)
    assert "EnhancedSR" in checked.dciodvfy and Validation.errors(checked.dciodvfy) == []
    assert "E: " not in checked.dsrdump and "Found EnhancedSR IOD" in checked.pixelmed
    # This PACS takes no KOS: the KOS stays undelivered with a reason; SR and key image are delivered.
    journal = Journal(node.data_dir / "journal.sqlite3")
    try:
        [kos] = journal.results_for_study(study, kind="kos")
    finally:
        journal.close()
    wait_for(lambda: {uid: (status, error) for uid, _, status, _, error in deliveries(node, study)
                      if uid == kos.sop_instance_uid and error}, what="the KOS refusal recorded")
    statuses = {uid: status for uid, _, status, _, _ in deliveries(node, study)}
    assert statuses.pop(kos.sop_instance_uid) != "delivered"
    assert sorted(statuses.values()) == ["delivered", "delivered"]
    assert outcome_of(node, study) == "recommended"


def test_another_writers_sr_is_never_converted(restricted_pacs):
    pacs = restricted_pacs(ONLY_ENHANCED)
    assert dcmread(FOLDER / "SR001.dcm").SOPClassUID == ComprehensiveSRStorage  # a findings SR
    [result] = send_files(pacs.destination, [FOLDER / "SR001.dcm"], calling_ae="REPLAY")
    assert not result.stored and "only the advisor's own SRs are converted" in result.message
    assert pacs.received == []


def test_converted_sr_is_what_the_peer_accepted_and_validates(restricted_pacs, tmp_path):
    """send_files alone (as `advisor replay` and the dispatcher use it) on the advisor's SR."""
    from test_report import write_sr
    sr_path = write_sr(FOLDER, tmp_path / "sr.dcm")
    for sop_classes, expected in ((ONLY_COMPREHENSIVE, ComprehensiveSRStorage),
                                  (ONLY_ENHANCED, EnhancedSRStorage)):
        pacs = restricted_pacs(sop_classes)
        [result] = send_files(pacs.destination, [sr_path], calling_ae="ADVISOR")
        assert result.stored, result.message
        [received] = pacs.received
        assert received.SOPClassUID == expected == received.file_meta.MediaStorageSOPClassUID
        assert received.SOPInstanceUID == dcmread(sr_path).SOPInstanceUID
        checked = run([require_tool("dciodvfy"), str(pacs.folder / f"{received.SOPInstanceUID}.dcm")])
        assert Validation.errors(checked.stdout + checked.stderr) == []
