"""The C-STORE contract of the receiver, in process, with a pynetdicom SCU.

Runs without DCMTK (beside the DCMTK tests in test_node.py): each status of
PS3.4 B.2.3 the node answers is pinned to the exact code, and what must (or
must not) be in the spool and the journal afterwards.
"""

from __future__ import annotations

import time
from io import BytesIO
from pathlib import Path
from unittest.mock import ANY

import pytest
from pydicom import Dataset, dcmread
from pydicom.uid import ExplicitVRLittleEndian, UltrasoundImageStorage, UltrasoundMultiFrameImageStorage
from pynetdicom import AE
from pynetdicom.dimse_primitives import C_STORE
from pynetdicom.dsutils import encode

from advisor import MANUFACTURER
from advisor.config import Settings
from advisor.node import receive
from advisor.node.audit import AuditLog
from advisor.node.journal import Journal
from advisor.node.receive import Receiver
from advisor.node.spool import instance_path, write_atomically
from advisor.web.metrics import PROCESS_REGISTRY
from conftest import SAMPLES

US_FILE = SAMPLES / "01-calcified-left-flank-coded" / "US001.dcm"


@pytest.fixture
def node(tmp_path: Path):
    settings = Settings(ae_title="ADVISOR", data_dir=tmp_path)
    journal = Journal(settings.journal_path)
    audit = AuditLog(settings.audit_path, settings.audit_max_bytes)
    receiver = Receiver(journal, settings, audit)
    port = receiver.start("127.0.0.1", 0)
    yield receiver, journal, port, settings.spool_dir
    receiver.stop()
    journal.close()
    audit.close()


def c_store(port: int, *datasets_or_paths) -> list[int]:
    """The status of each C-STORE, over one association."""
    return [int(response.Status) for response in c_store_responses(port, *datasets_or_paths)]


def c_store_responses(port: int, *datasets_or_paths) -> list:
    """The response status data set of each C-STORE, over one association."""
    ae = AE(ae_title="TESTSCU")
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 10
    for sop_class in (UltrasoundImageStorage, UltrasoundMultiFrameImageStorage):
        ae.add_requested_context(sop_class)
    assoc = ae.associate("127.0.0.1", port, ae_title="ADVISOR")
    assert assoc.is_established
    try:
        return [assoc.send_c_store(item) for item in datasets_or_paths]
    finally:
        assoc.release()


def raw_c_store(port: int, sop_class: str, sop_uid: str, payload: bytes) -> Dataset:
    """The response to one C-STORE whose request and data set are exactly as given.

    pynetdicom's send_c_store always requests the data set's own class and encodes
    it whole, so a mismatched or cut-short data set is sent by hand, as pynetdicom
    does inside send_c_store (Explicit VR Little Endian).
    """
    ae = AE(ae_title="TESTSCU")
    ae.add_requested_context(sop_class, ExplicitVRLittleEndian)
    assoc = ae.associate("127.0.0.1", port, ae_title="ADVISOR")
    request = C_STORE()
    request.MessageID, request.Priority = 1, 2
    request.AffectedSOPClassUID, request.AffectedSOPInstanceUID = sop_class, sop_uid
    request.DataSet = BytesIO(payload)
    assoc._reactor_checkpoint.clear()  # pause the reactor while we talk DIMSE, as send_c_store does
    while not assoc._is_paused:
        time.sleep(0.001)
    assoc.dimse.send_msg(request, assoc.accepted_contexts[0].context_id)
    _, response = assoc.dimse.get_msg(block=True)
    assoc._reactor_checkpoint.set()
    assoc.release()
    return response


def spooled(spool: Path) -> list[Path]:
    return sorted(p for p in spool.rglob("*.dcm")) if spool.exists() else []


def received_count(journal: Journal, study_uid: str) -> int:
    return next((s.received_count for s in journal.studies() if s.study_instance_uid == study_uid), 0)


def test_success_only_after_the_file_and_the_journal_row_exist(node):
    _, journal, port, spool = node
    ds = dcmread(US_FILE)
    [response] = c_store_responses(port, ds)
    assert response.Status == receive.SUCCESS and "ErrorComment" not in response
    [path] = spooled(spool)
    assert dcmread(path).SOPInstanceUID == ds.SOPInstanceUID
    assert journal.study_instances(str(ds.StudyInstanceUID)) == [path]
    assert journal._query("SELECT sop_instance_uid, sop_class_uid, calling_ae FROM instances") == [
        (str(ds.SOPInstanceUID), str(ds.SOPClassUID), "TESTSCU")]


def test_sop_class_that_differs_from_the_request_is_0xA900(node):
    _, journal, port, spool = node
    ds = dcmread(US_FILE)
    ds.SOPClassUID = UltrasoundMultiFrameImageStorage
    response = raw_c_store(port, UltrasoundImageStorage, ds.SOPInstanceUID, encode(ds, False, True))
    assert response.Status == receive.DOES_NOT_MATCH_SOP_CLASS
    assert spooled(spool) == [] and journal.studies() == []


def test_truncated_pixel_data_is_0xA900_not_another_failure(node):
    _, journal, port, spool = node
    ds = dcmread(US_FILE)
    ds.PixelData = ds.PixelData[: len(ds.PixelData) // 2]
    [response] = c_store_responses(port, ds)
    assert response.Status == receive.DOES_NOT_MATCH_SOP_CLASS
    assert response.ErrorComment.startswith("truncated pixel data: ")  # the sender is told why
    assert spooled(spool) == [] and journal.studies() == []


@pytest.mark.parametrize("keyword, value", [("StudyInstanceUID", "1.2.abc"),
                                            ("SeriesInstanceUID", "1.02.3"),
                                            ("StudyInstanceUID", "")])
def test_an_invalid_or_missing_uid_is_0xC210(node, keyword, value):
    _, journal, port, spool = node
    ds = dcmread(US_FILE)
    setattr(ds, keyword, value)
    assert c_store(port, ds) == [receive.CANNOT_UNDERSTAND]
    assert spooled(spool) == [] and journal.studies() == []


def test_a_spool_that_cannot_be_written_is_0xA700_and_nothing_is_journaled(node, monkeypatch):
    _, journal, port, spool = node

    def disk_full(path, data):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(receive.spool, "write_atomically", disk_full)
    [response] = c_store_responses(port, dcmread(US_FILE))
    assert response.Status == receive.OUT_OF_RESOURCES
    assert response.ErrorComment == "cannot store: OSError"
    assert journal.studies() == []


def test_a_journal_that_cannot_be_written_is_0xA700(node, monkeypatch):
    _, journal, port, _ = node

    def locked(**kwargs):
        raise OSError("database is locked")
    monkeypatch.setattr(journal, "record_instance", locked)
    assert c_store(port, dcmread(US_FILE)) == [receive.OUT_OF_RESOURCES]


def test_a_duplicate_is_acknowledged_but_counted_once(node):
    _, journal, port, spool = node
    ds = dcmread(US_FILE)
    assert c_store(port, ds, ds) == [receive.SUCCESS, receive.SUCCESS]
    assert received_count(journal, str(ds.StudyInstanceUID)) == 1
    assert len(spooled(spool)) == 1


def test_the_advisors_own_output_is_stored_but_opens_no_study(node):
    _, journal, port, spool = node
    ds = dcmread(US_FILE)
    ds.Manufacturer = MANUFACTURER
    assert c_store(port, ds) == [receive.SUCCESS]
    assert len(spooled(spool)) == 1
    assert journal.studies() == []


def test_rows_a_power_cut_lost_are_journaled_again_from_the_spool(node, tmp_path):
    """The receiver's commits are not synced: its spooled files are the record (see receive.py)."""
    receiver, journal, port, spool = node
    assert c_store(port, US_FILE) == [0x0000]
    [path] = spooled(spool)
    study_uid = str(dcmread(US_FILE, stop_before_pixels=True).StudyInstanceUID)
    assert dcmread(path, stop_before_pixels=True).file_meta.SendingApplicationEntityTitle == "TESTSCU"
    partial = path.parent / ".incoming-x.tmp"
    partial.write_bytes(b"an interrupted write, never acknowledged")
    with journal._transaction() as db:  # what a power cut may do to the last unsynced commits
        db.execute("DELETE FROM instances")
        db.execute("DELETE FROM studies")
    assert receiver.journal_spooled() == 1
    assert journal.study_instances(study_uid) == [path] and received_count(journal, study_uid) == 1
    assert journal._query("SELECT calling_ae FROM instances") == [("TESTSCU",)]
    assert not partial.exists()
    assert receiver.journal_spooled() == 0, "a file the journal knows is left alone"


def spool_file(spool_dir: Path, ds: Dataset) -> Path:
    """``ds`` written where the receiver spools it, as a power cut may have left it."""
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    path = instance_path(spool_dir, str(ds.StudyInstanceUID), str(ds.SOPInstanceUID))
    return write_atomically(path, buffer.getvalue())


def test_each_spooled_instance_is_journaled_again_with_its_own_fields(tmp_path, caplog):
    """What the receiver journals from a spooled file: its UIDs and class, its path, the
    calling AE title kept in its File Meta (PS3.10 7.1), and whether it is our own output."""
    settings = Settings(ae_title="ADVISOR", data_dir=tmp_path)
    journal = Journal(settings.journal_path)
    receiver = Receiver(journal, settings)
    assert receiver.journal_spooled() == 0, "no spool folder yet"
    image = dcmread(US_FILE)
    image.file_meta.SendingApplicationEntityTitle = "MODALITY"
    own = dcmread(SAMPLES / "01-calcified-left-flank-coded" / "SR001.dcm")
    own.Manufacturer = MANUFACTURER
    image_path, own_path = spool_file(settings.spool_dir, image), spool_file(settings.spool_dir, own)
    broken = image_path.parent / "1.2.3.4.dcm"
    broken.write_bytes(b"not DICOM")
    note = image_path.parent / "README.txt"
    note.write_text("not an instance")
    try:
        assert receiver.journal_spooled() == 2
        assert sorted(journal._query("SELECT * FROM instances"), key=lambda row: row[0]) == sorted([
            (str(image.SOPInstanceUID), str(image.StudyInstanceUID), str(image.SOPClassUID),
             str(image_path), "MODALITY", ANY, 0),
            (str(own.SOPInstanceUID), str(own.StudyInstanceUID), str(own.SOPClassUID),
             str(own_path), "", ANY, 1)], key=lambda row: row[0])
        [study] = journal.studies()
        assert (study.study_instance_uid, study.received_count) == (str(image.StudyInstanceUID), 1), \
            "our own output opens no study"
        with pytest.raises(Exception) as unreadable:
            dcmread(broken, stop_before_pixels=True)
        assert f"spooled file {image_path.parent.name}/1.2.3.4.dcm cannot be journaled: " \
            f"{unreadable.value}" in caplog.messages
        assert "2 spooled instance(s) missing from the journal (power cut?): journaled again" \
            in caplog.messages
        assert broken.exists() and note.exists(), "only interrupted writes are removed"
        caplog.clear()
        assert receiver.journal_spooled() == 0
        assert "missing from the journal" not in caplog.text
    finally:
        journal.close()


def test_every_missing_or_invalid_uid_is_named_and_no_pixel_count_is_no_truncation():
    ds = dcmread(US_FILE, stop_before_pixels=True)
    requested = str(ds.SOPClassUID)
    ds.StudyInstanceUID, ds.SeriesInstanceUID = "", ""
    assert receive.problem_with(ds, requested, None) == (
        0xC210, "missing StudyInstanceUID, SeriesInstanceUID")
    ds.StudyInstanceUID, ds.SeriesInstanceUID = "1.2.abc", "1.02.3"
    assert receive.problem_with(ds, requested, None) == (
        0xC210, "invalid UID in StudyInstanceUID, SeriesInstanceUID")
    ok = dcmread(US_FILE, stop_before_pixels=True)
    assert receive.problem_with(ok, requested, None) is None, "Pixel Data not counted: not checked"


def test_spooling_and_committing_times_are_measured_as_durations(node):
    _, _, port, _ = node

    def seconds(name: str) -> tuple[float, float]:
        return (PROCESS_REGISTRY.get_sample_value(f"{name}_count"),
                PROCESS_REGISTRY.get_sample_value(f"{name}_sum"))
    names = ("advisor_receive_spool_seconds", "advisor_receive_commit_seconds")
    before = [seconds(name) for name in names]
    assert c_store(port, dcmread(US_FILE)) == [0x0000]
    for (count, total), (count_after, total_after) in zip(before, [seconds(n) for n in names]):
        assert count_after == count + 1
        assert 0 < total_after - total < 5    # seconds of this one store, not a clock reading


def test_stopping_twice_is_harmless(node):
    receiver = node[0]
    receiver.stop()
    receiver.stop()
    assert receiver.server is None
