"""Nothing acknowledged is lost: crashes, restarts, a PACS that is down, late images."""

import sys
import time
from pathlib import Path

from pydicom import dcmread

from advisor.node.journal import Journal
from conftest import SAMPLES, free_port, run, wait_for
from test_node import outcome_of, storescu, study_uid_of

FOLDER = SAMPLES / "01-calcified-left-flank-coded"


def fast_retry_config(tmp_path: Path) -> Path:
    config = tmp_path / "advisor.toml"
    config.write_text("retry_base_seconds = 0.5\nretry_max_seconds = 1.0\n")
    return config


def deliveries(node, study: str):
    journal = Journal(node.data_dir / "journal.sqlite3")
    try:
        return journal.deliveries_for_study(study)
    finally:
        journal.close()


def test_sigkill_after_ack_before_processing_still_delivers(dcmtk, start_node, start_storescp, tmp_path):
    data_dir = tmp_path / "node"
    first = start_node("--quiet-seconds", "600", data_dir=data_dir)
    assert storescu(dcmtk, first, "+sd", str(FOLDER)).returncode == 0  # acknowledged
    first.kill()
    study = study_uid_of(FOLDER)
    assert not (data_dir / "outbox").exists(), "killed before processing"

    pacs_port = free_port()
    _, received = start_storescp(pacs_port)
    second = start_node("--quiet-seconds", "0.5", "--destination", f"PACS@127.0.0.1:{pacs_port}",
                        data_dir=data_dir)
    assert wait_for(lambda: outcome_of(second, study), what="analysis after restart") == "recommended"
    wait_for(lambda: len(list(received.glob("*"))) == 3, what="SR, key image and KOS at the PACS")
    modalities = sorted(dcmread(p).Modality for p in received.glob("*"))
    assert modalities == ["KO", "OT", "SR"]  # the SR, its key image (Secondary Capture), the KOS
    assert {dcmread(p).StudyInstanceUID for p in received.glob("*")} == {study}


def test_pacs_down_at_first_gets_the_sr_once_when_it_comes_up(dcmtk, start_node, start_storescp, tmp_path):
    pacs_port = free_port()
    node = start_node("--quiet-seconds", "0.5", "--destination", f"PACS@127.0.0.1:{pacs_port}",
                      "--config", str(fast_retry_config(tmp_path)))
    assert storescu(dcmtk, node, "+sd", str(FOLDER)).returncode == 0
    study = study_uid_of(FOLDER)
    wait_for(lambda: len(rows := deliveries(node, study)) >= 2 and all(
                 attempts >= 2 and status == "pending" for _, _, status, attempts, _ in rows),
             what="two failed delivery attempts of each result (SR, key image, KOS)")
    assert "not delivered to PACS@127.0.0.1" in node.log()

    _, received = start_storescp(pacs_port)
    wait_for(lambda: all(d[2] == "delivered" for d in deliveries(node, study)), what="delivery")
    time.sleep(3)  # several retry periods: time for a duplicate to arrive if one were sent
    rows = deliveries(node, study)
    assert len(rows) == 3 and all(status == "delivered" and attempts >= 2
                                  for _, _, status, attempts, _ in rows)
    arrived = sorted(dcmread(p).SOPInstanceUID for p in received.glob("*"))
    assert arrived == sorted(uid for uid, *_ in rows), "each object exactly once"


def test_key_image_can_be_switched_off(dcmtk, start_node):
    node = start_node("--quiet-seconds", "0.5", "--no-key-image")
    assert storescu(dcmtk, node, "+sd", str(FOLDER)).returncode == 0
    study = study_uid_of(FOLDER)
    wait_for(lambda: outcome_of(node, study))
    journal = Journal(node.data_dir / "journal.sqlite3")
    try:
        assert [r.kind for r in journal.results_for_study(study, kind=None)] == ["kos", "sr"]
    finally:
        journal.close()


def test_late_images_give_an_amended_sr(dcmtk, start_node):
    node = start_node("--quiet-seconds", "0.5")
    study = study_uid_of(FOLDER)
    assert storescu(dcmtk, node, str(FOLDER / "US001.dcm"), str(FOLDER / "SR001.dcm")).returncode == 0
    assert wait_for(lambda: outcome_of(node, study)) == "recommended"
    assert storescu(dcmtk, node, str(FOLDER / "US002.dcm")).returncode == 0

    def two_results():
        journal = Journal(node.data_dir / "journal.sqlite3")
        try:
            results = journal.results_for_study(study)
        finally:
            journal.close()
        return results if len(results) == 2 else None

    first, second = wait_for(two_results)
    first_uid, first_path, second_path, revision = first.sop_instance_uid, first.path, second.path, second.revision
    amended = dcmread(second_path)
    assert revision == 2 and amended.InstanceNumber == 2
    assert amended.SeriesInstanceUID == dcmread(first_path).SeriesInstanceUID
    predecessor = amended.PredecessorDocumentsSequence[0].ReferencedSeriesSequence[0]
    assert predecessor.ReferencedSOPSequence[0].ReferencedSOPInstanceUID == first_uid
    evidence = {ref.ReferencedSOPInstanceUID
                for series in amended.CurrentRequestedProcedureEvidenceSequence[0].ReferencedSeriesSequence
                for ref in series.ReferencedSOPSequence}
    inputs = {dcmread(p, stop_before_pixels=True).SOPInstanceUID for p in FOLDER.glob("*.dcm")}
    journal = Journal(node.data_dir / "journal.sqlite3")
    try:
        key_images = [r for r in journal.results_for_study(study, kind="key-image") if r.revision == 2]
    finally:
        journal.close()
    assert evidence == inputs | {key_images[0].sop_instance_uid}, "every input and the new key image"


def test_status_command_shows_outcome_and_outbox(dcmtk, start_node):
    node = start_node("--quiet-seconds", "0.5")
    assert storescu(dcmtk, node, "+sd", str(FOLDER)).returncode == 0
    study = study_uid_of(FOLDER)
    wait_for(lambda: outcome_of(node, study))
    result = run([sys.executable, "-m", "advisor.cli", "status", "--data-dir", str(node.data_dir)])
    assert f"Study {study}: 3 received, outcome recommended" in result.stdout
    assert str(node.data_dir / "outbox" / study) in result.stdout
    assert "  sr " in result.stdout and "  key-image " in result.stdout
