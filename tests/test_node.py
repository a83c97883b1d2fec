"""``advisor serve`` against DCMTK's echoscu and storescu, and bad input."""

import sys
import time
from pathlib import Path

import numpy as np
from pydicom import Dataset, dcmread
from pydicom.dataset import FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from pynetdicom.dsutils import split_dataset

from advisor.node.journal import Journal
from conftest import SAMPLES, run, wait_for


def journal_of(node) -> Journal:
    return Journal(node.data_dir / "journal.sqlite3")


def outcome_of(node, study_uid: str) -> str | None:
    journal = journal_of(node)
    try:
        rows = {s.study_instance_uid: s for s in journal.studies()}
    finally:
        journal.close()
    row = rows.get(study_uid)
    return row.outcome if row and row.analyzed_count >= row.received_count else None


def study_uid_of(folder: Path) -> str:
    return str(dcmread(next(folder.glob("US*.dcm")), stop_before_pixels=True).StudyInstanceUID)


def storescu(dcmtk, node, *args: str):
    return run([dcmtk("storescu"), "-aet", "DCMTK", "-aec", node.ae_title, "127.0.0.1",
                str(node.port), *args])


def test_echoscu(dcmtk, start_node):
    node = start_node()
    result = run([dcmtk("echoscu"), "-v", "-aec", node.ae_title, "127.0.0.1", str(node.port)])
    assert result.returncode == 0, result.stderr
    assert "Received Echo Response (Success)" in result.stdout + result.stderr


def test_storescu_study_is_analysed_and_reported(dcmtk, start_node):
    node = start_node("--quiet-seconds", "1")
    folder = SAMPLES / "01-calcified-left-flank-coded"
    result = storescu(dcmtk, node, "+sd", str(folder))
    assert result.returncode == 0, result.stderr
    study = study_uid_of(folder)
    assert wait_for(lambda: outcome_of(node, study), what="analysis") == "recommended"
    outbox = sorted(dcmread(p).Modality for p in (node.data_dir / "outbox" / study).glob("*.dcm"))
    assert outbox == ["KO", "OT", "SR"]  # the SR, its key image and the KOS naming both
    assert f"study {study}: 3 instances, outcome=recommended" in node.log()
    assert "SYNTHETIC" not in node.log() and "SYN0001" not in node.log(), "no patient data in logs"


def test_jpeg_baseline_is_accepted(dcmtk, start_node):
    node = start_node("--quiet-seconds", "1")
    folder = SAMPLES / "03-right-mass-no-calcification"
    result = storescu(dcmtk, node, "-xy", "+sd", str(folder))
    assert result.returncode == 0, result.stderr
    assert wait_for(lambda: outcome_of(node, study_uid_of(folder))) == "not-indicated"
    stored = list((node.data_dir / "spool" / study_uid_of(folder)).glob("*.dcm"))
    syntaxes = {str(dcmread(p, stop_before_pixels=True).file_meta.TransferSyntaxUID) for p in stored}
    assert "1.2.840.10008.1.2.4.50" in syntaxes  # kept as received, not re-encoded


def ct_image(path: Path) -> Path:
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"  # CT Image Storage: not accepted
    ds.SOPInstanceUID, ds.StudyInstanceUID, ds.SeriesInstanceUID = (generate_uid() for _ in range(3))
    ds.Modality = "CT"
    ds.Rows = ds.Columns = 8
    ds.SamplesPerPixel, ds.BitsAllocated, ds.BitsStored, ds.HighBit = 1, 16, 16, 15
    ds.PixelRepresentation, ds.PhotometricInterpretation = 0, "MONOCHROME2"
    ds.PixelData = np.zeros((8, 8), np.uint16).tobytes()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.save_as(path, enforce_file_format=True)
    return path


def test_unsupported_sop_class_refused_at_negotiation(dcmtk, start_node, tmp_path):
    node = start_node()
    result = storescu(dcmtk, node, str(ct_image(tmp_path / "ct.dcm")))
    assert result.returncode != 0
    assert "no presentation context" in (result.stdout + result.stderr).lower()
    wait_for(lambda: any("refused SOP classes:" in line and "CT Image Storage" in line
                         for line in node.log().splitlines()), what="log line naming CT")
    assert run([dcmtk("echoscu"), "-aec", node.ae_title, "127.0.0.1", str(node.port)]).returncode == 0


def replay(node, *paths: Path):
    return run([sys.executable, "-m", "advisor.cli", "replay", "--to", node.address,
                *map(str, paths)])


def test_bad_input_gets_failure_status_and_node_keeps_serving(dcmtk, start_node, tmp_path):
    node = start_node("--quiet-seconds", "1")
    good = SAMPLES / "01-calcified-left-flank-coded" / "US001.dcm"
    truncated = tmp_path / "truncated.dcm"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    garbage = tmp_path / "garbage-body.dcm"  # valid file meta, then junk instead of a data set
    _, dataset_offset = split_dataset(good)
    garbage.write_bytes(good.read_bytes()[:dataset_offset] + b"\x08\x00\x05\x00CS\xff\x7f junk" * 64)
    not_dicom = tmp_path / "notes.txt"
    not_dicom.write_text("this is not DICOM")

    result = replay(node, truncated, garbage, not_dicom)
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert f"{truncated}: status 0xA900" in output or f"{truncated}: status 0xC210" in output, output
    assert f"{garbage}: status 0xC210" in output, output
    assert f"{not_dicom}: skipped: not a DICOM file" in output
    assert "0 stored, 3 not stored" in output
    log = node.log()
    assert "refused (0xA900): truncated pixel data" in log or "refused (0xC210)" in log
    # Nothing of the bad input was acknowledged, and the node still serves.
    assert not list((node.data_dir / "spool").rglob("*.dcm"))
    assert replay(node, SAMPLES / "01-calcified-left-flank-coded").returncode == 0
    assert wait_for(lambda: outcome_of(node, study_uid_of(good.parent))) == "recommended"


def test_duplicate_instances_do_not_reopen_a_study(dcmtk, start_node):
    node = start_node("--quiet-seconds", "1")
    folder = SAMPLES / "02-calcified-left-flank-text"
    assert storescu(dcmtk, node, "+sd", str(folder)).returncode == 0
    study = study_uid_of(folder)
    wait_for(lambda: outcome_of(node, study))
    assert storescu(dcmtk, node, "+sd", str(folder)).returncode == 0
    time.sleep(2)
    journal = journal_of(node)
    try:
        assert len(journal.results_for_study(study)) == 1
    finally:
        journal.close()
