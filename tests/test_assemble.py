"""The assembler in process on a journal, with one controlled clock for both.

Pins what the node-level tests (test_failures.py) leave loose: the exact retry
delays of a failing analysis and when it gives up, the study held when the
journal itself fails, the quiet window counted from the start, revisions,
which outcomes get results, shards, and the outbox clean-up.
"""

from __future__ import annotations

import logging
import sqlite3
import traceback
from pathlib import Path

import pytest
from pydicom import dcmread

from advisor.config import Destination, Settings
from advisor.node import assemble, spool
from advisor.node import journal as journal_module
from advisor.node.assemble import Assembler
from advisor.node.journal import Journal, ResultRow
from advisor.node.workers import Shard
from advisor.protocols import load_protocols
from conftest import SAMPLES
from test_assemble_contract import counting_detector
from test_journal import SUMMARY, Clock, journal  # noqa: F401 - journal is a fixture (it asks for this module's clock)

FOLDER = SAMPLES / "01-calcified-left-flank-coded"
STUDY = str(dcmread(FOLDER / "US001.dcm", stop_before_pixels=True).StudyInstanceUID)
PACS, ARCHIVE = "PACS@127.0.0.1:104", "ARCHIVE@127.0.0.1:105"


class Events(list):
    def __call__(self, event: str, **fields) -> None:
        self.append((event, fields))


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(journal_module, "time", clock)
    monkeypatch.setattr(assemble, "time", clock)
    return clock


def receive(journal: Journal, *names: str) -> None:
    for name in names:
        ds = dcmread(FOLDER / name, stop_before_pixels=True)
        journal.record_instance(study_uid=str(ds.StudyInstanceUID), sop_uid=str(ds.SOPInstanceUID),
                                sop_class_uid=str(ds.SOPClassUID), path=FOLDER / name,
                                calling_ae="US", own_output=False)


def assembler(journal: Journal, tmp_path: Path, **settings) -> tuple[Assembler, Events]:
    options = {"quiet_seconds": 0, "retry_base_seconds": 2, "retry_max_seconds": 5,
               "destinations": (), "key_image": False} | settings
    events = Events()
    return Assembler(journal, Settings(data_dir=tmp_path, **options), load_protocols(), events), events


def failing(monkeypatch, error: Exception) -> None:
    def analyse(*args, **kwargs):
        raise error
    monkeypatch.setattr(assemble, "analyze_study", analyse)


def row(journal: Journal):
    [study] = journal.studies()
    return study


def next_attempt(journal: Journal) -> float | None:
    return journal._query("SELECT next_attempt FROM studies")[0][0]


# --- failures ----------------------------------------------------------------


def test_a_transient_failure_is_retried_after_exactly_the_backoff_then_fails(
        journal, tmp_path, clock, monkeypatch, caplog):
    failing(monkeypatch, OSError(28, "No space left on device"))
    receive(journal, "US001.dcm")
    node, events = assembler(journal, tmp_path, analysis_max_attempts=4)
    delays = []
    for _ in range(3):
        assert node.run_once() == 1
        delays.append(next_attempt(journal) - clock.now)
        clock.now += delays[-1] - 0.5
        assert node.run_once() == 0, "not before its time"
        clock.now += 0.5
    assert delays == [2, 4, 5]
    assert node.run_once() == 1
    assert (row(journal).state, row(journal).attempts) == ("failed", 4)
    assert row(journal).error == "OSError: [Errno 28] No space left on device"
    assert [(e, f["attempts"]) for e, f in events] == [
        ("study-retrying", 1), ("study-retrying", 2), ("study-retrying", 3), ("study-failed", 4)]
    assert events[-1] == ("study-failed", {"study_uid": STUDY, "attempts": 4,
                                           "reason": "OSError: [Errno 28] No space left on device"})
    clock.now += 1000
    assert node.run_once() == 0
    error = "OSError: [Errno 28] No space left on device"
    assert f"study {STUDY}: attempt 3 failed ({error}); retry in 5 s" in caplog.messages
    assert f"study {STUDY}: failed after 4 attempt(s): {error}" in caplog.messages, \
        "a disk error's traceback is not logged"


@pytest.mark.parametrize("max_attempts, states", [(5, ["retrying", "failed"]), (1, ["failed"])])
def test_any_other_error_gets_one_retry_at_most(journal, tmp_path, clock, monkeypatch, caplog,
                                                max_attempts, states):
    bug = ValueError("a bug")
    failing(monkeypatch, bug)
    receive(journal, "US001.dcm")
    node, _ = assembler(journal, tmp_path, analysis_max_attempts=max_attempts)
    seen = []
    for _ in range(3):
        clock.now += 10
        node.run_once()
        seen.append(row(journal).state)
    assert seen[:len(states)] == states and set(seen[len(states):]) <= {"failed"}
    assert row(journal).attempts == len(states)
    [failed] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert failed.getMessage() == (f"study {STUDY}: failed after {len(states)} attempt(s): "
                                   "ValueError: a bug\n" + "".join(traceback.format_exception(bug)))


def test_a_long_error_is_cut_and_keeps_the_patient_out(journal, tmp_path, clock, monkeypatch):
    name = str(dcmread(FOLDER / "US001.dcm", stop_before_pixels=True).PatientName)
    failing(monkeypatch, ValueError(f"{name} " + "x" * 600))
    receive(journal, "US001.dcm")
    assembler(journal, tmp_path)[0].run_once()
    assert row(journal).error == ("ValueError: [patient data] " + "x" * 600)[:500]


def test_a_whole_name_is_blanked_before_its_parts(journal, tmp_path, clock, monkeypatch):
    ds = dcmread(FOLDER / "US001.dcm")
    ds.PatientName = "ANNA^ZED"  # a part that sorts after the whole name
    ds.save_as(tmp_path / "us.dcm")
    journal.record_instance(study_uid=STUDY, sop_uid=str(ds.SOPInstanceUID),
                            sop_class_uid=str(ds.SOPClassUID), path=tmp_path / "us.dcm",
                            calling_ae="US", own_output=False)
    failing(monkeypatch, ValueError("value 'ANNA^ZED' is not valid"))
    assembler(journal, tmp_path)[0].run_once()
    assert row(journal).error == "ValueError: value '[patient data]' is not valid"


def test_a_failure_after_the_sr_was_written_leaves_no_file_in_the_outbox(
        journal, tmp_path, clock, monkeypatch):
    real, writes = spool.write_atomically, []

    def full_after_one(path: Path, data) -> Path:
        writes.append(path)
        if len(writes) > 1:
            raise OSError(28, "No space left on device")
        return real(path, data)
    monkeypatch.setattr(spool, "write_atomically", full_after_one)
    receive(journal, "US001.dcm", "SR001.dcm")
    assembler(journal, tmp_path, key_image=True)[0].run_once()
    assert writes[0].parent == tmp_path / "outbox" / STUDY
    assert [p for p in (tmp_path / "outbox").rglob("*") if p.is_file()] == []
    assert row(journal).state == "retrying"


def test_a_journal_that_cannot_record_the_failure_holds_the_study(journal, tmp_path, clock,
                                                                 monkeypatch, caplog):
    failing(monkeypatch, OSError("disk full"))

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")
    monkeypatch.setattr(journal, "record_failure", full)
    receive(journal, "US001.dcm")
    node, _ = assembler(journal, tmp_path)
    assert node.run_once() == 1
    assert f"study {STUDY}: could not record the failure; retry in 5 s" in caplog.messages
    clock.now += 4.9
    assert node.run_once() == 0, "held for retry_max_seconds (5 s)"
    clock.now += 0.1
    assert node.run_once() == 1


# --- the quiet window ----------------------------------------------------------


def test_after_a_restart_the_quiet_window_counts_from_the_start(journal, tmp_path, clock):
    receive(journal, "US001.dcm")
    clock.now += 100
    node, _ = assembler(journal, tmp_path, quiet_seconds=5)
    clock.now += 4.9
    assert node.run_once() == 0
    clock.now += 0.1
    assert node.run_once() == 1


def test_a_retrying_study_is_due_at_once_after_a_restart(journal, tmp_path, clock):
    receive(journal, "US001.dcm")
    journal.record_failure(STUDY, "OSError: x", retry_in=3600)
    node, _ = assembler(journal, tmp_path)
    assert node.run_once() == 1
    assert row(journal).state == "analysed"


# --- results -------------------------------------------------------------------


def test_a_reported_outcome_gets_an_sr_a_key_image_and_a_kos_owed_to_each_destination(
        journal, tmp_path, clock, caplog):
    caplog.set_level(logging.INFO, logger="advisor.node.assemble")
    receive(journal, "US001.dcm", "US002.dcm", "SR001.dcm")
    destinations = (Destination.parse(PACS), Destination.parse(ARCHIVE))
    node, events = assembler(journal, tmp_path, key_image=True, destinations=destinations,
                             ae_title="SITE-ADVISOR")
    durations = []
    node.observe_seconds = durations.append
    assert node.run_once() == 1
    results = journal.results_for_study(STUDY, kind=None)
    assert sorted(r.kind for r in results) == ["key-image", "kos", "sr"]
    assert all(r.path.parent == tmp_path / "outbox" / STUDY and r.path.is_file() for r in results)
    assert sorted((uid, d) for uid, d, *_ in journal.deliveries_for_study(STUDY)) == sorted(
        (r.sop_instance_uid, d) for r in results for d in (PACS, ARCHIVE))
    assert durations == [0], "one duration observed per analysis"
    summary = journal.study_summary(STUDY)
    by_kind = {r.kind: r for r in results}
    written = [by_kind[kind] for kind in ("sr", "key-image", "kos")]
    assert events == [("study-analysed", {
        "study_uid": STUDY, "instances": 3, "outcome": "recommended",
        "protocol_id": summary["protocol_id"], "results": [r.sop_instance_uid for r in written]})]
    assert summary["protocol_id"] is not None
    assert (row(journal).analyzed_count, row(journal).outcome) == (3, "recommended")
    [line] = [m for m in caplog.messages if m.startswith(f"study {STUDY}: 3 instances")]
    assert line == (f"study {STUDY}: 3 instances, outcome=recommended, protocol="
                    f"{summary['protocol_id']}, laterality=left, foci={len(summary['foci'])}, result="
                    + "; ".join(f"{r.kind} {r.sop_instance_uid} rev 1 -> {r.path}" for r in written))
    assert all(r.path.read_bytes()[128:132] == b"DICM" for r in results), "PS3.10 files"
    sr, key_image, kos = (dcmread(r.path) for r in written)
    assert evidence(sr) >= {key_image.SOPInstanceUID}, "the SR names its key image"
    assert evidence(kos) == {sr.SOPInstanceUID, key_image.SOPInstanceUID}
    assert all("SITE-ADVISOR" in values(ds) for ds in (sr, kos)), "the node is the device observer"


def evidence(ds) -> set[str]:
    """SOP Instance UIDs of the Current Requested Procedure Evidence Sequence."""
    return {str(sop.ReferencedSOPInstanceUID) for study in ds.CurrentRequestedProcedureEvidenceSequence
            for series in study.ReferencedSeriesSequence for sop in series.ReferencedSOPSequence}


def values(ds) -> set[str]:
    return {str(element.value) for element in ds.iterall() if element.VR not in ("SQ", "OB", "OW")}


def test_without_key_images_an_sr_and_a_kos(journal, tmp_path, clock):
    receive(journal, "US001.dcm", "SR001.dcm")
    assembler(journal, tmp_path, key_image=False)[0].run_once()
    assert sorted(r.kind for r in journal.results_for_study(STUDY, kind=None)) == ["kos", "sr"]


def test_switching_key_images_on_gives_a_new_revision(journal, tmp_path, clock):
    receive(journal, "US001.dcm", "SR001.dcm")
    assembler(journal, tmp_path, key_image=False)[0].run_once()
    journal.retry([STUDY])
    assembler(journal, tmp_path, key_image=False)[0].run_once()
    assert [r.revision for r in journal.results_for_study(STUDY)] == [1]
    journal.retry([STUDY])
    assembler(journal, tmp_path, key_image=True)[0].run_once()
    assert [r.revision for r in journal.results_for_study(STUDY)] == [1, 2]
    assert [r.kind for r in journal.results_for_study(STUDY, kind="key-image")] == ["key-image"]


def test_an_outcome_the_site_does_not_report_is_recorded_without_results(journal, tmp_path, clock):
    receive(journal, "US001.dcm", "SR001.dcm")
    assembler(journal, tmp_path, report_outcomes=("not-indicated",))[0].run_once()
    assert row(journal).outcome == "recommended" and row(journal).state == "analysed"
    assert journal.results_for_study(STUDY, kind=None) == []
    assert not (tmp_path / "outbox").exists()


def test_the_log_line_of_a_study_without_protocol_or_results(journal, tmp_path, clock, caplog):
    caplog.set_level(logging.INFO, logger="advisor.node.assemble")
    path = SAMPLES / "03-right-mass-no-calcification" / "US001.dcm"
    ds = dcmread(path, stop_before_pixels=True)
    study_uid = str(ds.StudyInstanceUID)
    journal.record_instance(study_uid=study_uid, sop_uid=str(ds.SOPInstanceUID),
                            sop_class_uid=str(ds.SOPClassUID), path=path, calling_ae="US",
                            own_output=False)
    assembler(journal, tmp_path, report_outcomes=("recommended",))[0].run_once()
    summary = journal.study_summary(study_uid)
    assert (summary["outcome"], summary["protocol_id"]) == ("not-indicated", None)
    assert (f"study {study_uid}: 1 instances, outcome=not-indicated, protocol=-, laterality="
            f"{summary['laterality']}, foci={len(summary['foci'])}, result=none") in caplog.messages


def test_the_same_inputs_keep_their_revision_and_new_ones_supersede_it(journal, tmp_path, clock):
    receive(journal, "US001.dcm", "SR001.dcm")
    node, _ = assembler(journal, tmp_path)
    node.run_once()
    [first] = journal.results_for_study(STUDY)
    journal.retry([STUDY])  # e.g. after a crash: analysed again from the same instances
    node.run_once()
    assert journal.results_for_study(STUDY) == [first]
    receive(journal, "US002.dcm")
    node.run_once()
    [again, second] = journal.results_for_study(STUDY)
    assert again == first and (first.revision, second.revision) == (1, 2)
    sr = dcmread(second.path)
    [predecessor] = sr.PredecessorDocumentsSequence
    assert predecessor.ReferencedSeriesSequence[0].ReferencedSOPSequence[0] \
        .ReferencedSOPInstanceUID == first.sop_instance_uid
    assert len({first.sop_instance_uid, second.sop_instance_uid}) == 2


def test_a_later_revision_analysed_again_from_the_same_instances_is_kept(journal, tmp_path, clock):
    receive(journal, "US001.dcm", "SR001.dcm")
    node, _ = assembler(journal, tmp_path, key_image=True)
    node.run_once()
    receive(journal, "US002.dcm")
    node.run_once()
    revisions = journal.results_for_study(STUDY, kind=None)
    assert sorted({r.revision for r in revisions}) == [1, 2]
    journal.retry([STUDY])
    node.run_once()
    assert journal.results_for_study(STUDY, kind=None) == revisions


def test_an_unreadable_file_of_the_study_is_noted_in_its_analysis(journal, tmp_path, clock, caplog):
    receive(journal, "US001.dcm", "SR001.dcm")
    broken = tmp_path / "broken.dcm"
    broken.write_bytes(b"not DICOM")
    journal.record_instance(study_uid=STUDY, sop_uid="1.2.3.4", sop_class_uid="1.2.3", path=broken,
                            calling_ae="US", own_output=False)
    assembler(journal, tmp_path)[0].run_once()
    assert any(reason.startswith("Instance file broken.dcm was excluded from the analysis")
               for reason in journal.study_summary(STUDY)["reasons"])
    assert any(m.startswith(f"study {STUDY}: broken.dcm excluded: not readable DICOM")
               for m in caplog.messages)


# --- shards and the outbox --------------------------------------------------------


def test_an_assembler_analyses_only_its_shards_studies(journal, tmp_path, clock):
    receive(journal, "US001.dcm")
    mine = next(i for i in range(2) if Shard(i, 2).owns(STUDY))
    assert Assembler(journal, Settings(data_dir=tmp_path, quiet_seconds=0), load_protocols(),
                     shard=Shard(1 - mine, 2)).run_once() == 0
    assert row(journal).state == "pending"
    assert Assembler(journal, Settings(data_dir=tmp_path, quiet_seconds=0, key_image=False),
                     load_protocols(), shard=Shard(mine, 2)).run_once() == 1


def test_outbox_files_the_journal_does_not_know_are_removed_in_the_own_shard_only(
        journal, tmp_path, clock, caplog):
    receive(journal, "US001.dcm", "SR001.dcm")
    assembler(journal, tmp_path)[0].run_once()
    known = sorted(p for p in (tmp_path / "outbox").rglob("*") if p.is_file())
    other_study = next(uid for uid in (f"1.2.3.{i}" for i in range(100))
                       if Shard(0, 2).owns(uid) != Shard(0, 2).owns(STUDY))
    orphans = [tmp_path / "outbox" / study / "1.2.3.99.dcm" for study in (STUDY, other_study)]
    for orphan in orphans:
        orphan.parent.mkdir(parents=True, exist_ok=True)
        orphan.write_bytes(b"written, never recorded")
    mine = 0 if Shard(0, 2).owns(STUDY) else 1
    Assembler(journal, Settings(data_dir=tmp_path), load_protocols(), shard=Shard(mine, 2))
    assert "outbox file 1.2.3.99.dcm is not in the journal (interrupted write): removed" \
        in caplog.messages
    assert sorted(p for p in (tmp_path / "outbox").rglob("*") if p.is_file()) == \
        sorted(known + [orphans[1]])


# --- searching ahead: which images, when, and what the detection cache keeps -------


class Detector(list):
    """Stands in for the detector: records each path and returns a new result for it."""

    def __call__(self, path: Path, rois: dict, first=None) -> object:
        self.append(path.name)
        self.regions.append(rois)
        return object()

    def __init__(self) -> None:
        super().__init__()
        self.regions: list[dict] = []


@pytest.fixture
def detector(monkeypatch) -> Detector:
    detector = Detector()
    monkeypatch.setattr(assemble, "detect_instance", detector)
    return detector


def copies(tmp_path: Path, *names: str) -> list[Path]:
    """Files of their own (each its own inode) holding the sample's first US image."""
    paths = [tmp_path / name for name in names]
    for path in paths:
        path.write_bytes((FOLDER / "US001.dcm").read_bytes())
    return paths


def test_the_cache_keeps_its_capacity_and_forgets_the_least_recently_used(tmp_path, detector):
    a, b, c = copies(tmp_path, "a.dcm", "b.dcm", "c.dcm")
    cache = assemble.DetectionCache(capacity=2)
    first_a = cache.detect(a, {})
    cache.detect(b, {})
    assert cache.detect(a, {}) is first_a, "a repeated search comes from the cache"
    cache.detect(c, {})  # over capacity: b, used least recently, is forgotten
    assert cache.detect(a, {}) is first_a
    cache.detect(b, {})
    assert detector == ["a.dcm", "b.dcm", "c.dcm", "b.dcm"]


def test_a_search_inside_mass_regions_is_never_cached(tmp_path, detector):
    [a] = copies(tmp_path, "a.dcm")
    cache = assemble.DetectionCache()
    regions = {None: object()}
    assert cache.detect(a, regions) is not cache.detect(a, regions)
    cache.detect(a, {})
    assert detector == ["a.dcm"] * 3
    assert detector.regions[:2] == [regions, regions], "searched inside the regions given"
    assert not detector.regions[2]


def test_each_file_is_searched_ahead_once_us_images_only(tmp_path, detector, caplog):
    [image] = copies(tmp_path, "a.dcm")
    broken = tmp_path / "broken.dcm"
    broken.write_bytes(b"not DICOM")
    cache = assemble.DetectionCache()
    with caplog.at_level(logging.DEBUG, logger="advisor.node.assemble"):
        for _ in range(2):
            for path in (image, FOLDER / "SR001.dcm", broken):
                cache.search_ahead(path)
    assert detector == ["a.dcm"], "the SR is no image; the broken file is left to the analysis"
    with pytest.raises(Exception) as unreadable:
        assemble.read_header(broken)
    assert [m for m in caplog.messages if "not searched ahead" in m] == [
        f"broken.dcm not searched ahead: {unreadable.value}"]


def test_a_file_forgotten_by_a_full_cache_is_searched_again(tmp_path, detector):
    a, b = copies(tmp_path, "a.dcm", "b.dcm")
    cache = assemble.DetectionCache(capacity=1)
    for path in (a, b, a):
        cache.search_ahead(path)
    assert detector == ["a.dcm", "b.dcm", "a.dcm"]


def test_search_ahead_stops_at_its_deadline_and_keeps_to_its_shard(journal, tmp_path, clock, detector):
    receive(journal, "US001.dcm", "US002.dcm")
    mine = next(i for i in range(2) if Shard(i, 2).owns(STUDY))
    settings = Settings(data_dir=tmp_path, quiet_seconds=60)
    Assembler(journal, settings, load_protocols(), shard=Shard(1 - mine, 2)).search_ahead(clock.now + 1)
    assert detector == [], "another shard's study"
    own = Assembler(journal, settings, load_protocols(), shard=Shard(mine, 2))
    own.search_ahead(clock.now)
    assert detector == [], "the deadline has come"
    own.search_ahead(clock.now + 1)
    assert detector == ["US001.dcm", "US002.dcm"]


def test_images_are_searched_ahead_only_while_no_study_is_due(journal, tmp_path, clock, monkeypatch):
    searched = counting_detector(monkeypatch)
    receive(journal, "US001.dcm", "US002.dcm")
    quiet = Assembler(journal, Settings(data_dir=tmp_path, quiet_seconds=60, key_image=False),
                      load_protocols())
    clock.now += 60
    arriving = SAMPLES / "03-right-mass-no-calcification" / "US001.dcm"
    ds = dcmread(arriving, stop_before_pixels=True)
    journal.record_instance(study_uid=str(ds.StudyInstanceUID), sop_uid=str(ds.SOPInstanceUID),
                            sop_class_uid=str(ds.SOPClassUID), path=arriving, calling_ae="US",
                            own_output=False)
    assert quiet.run_once() == 1
    assert sorted(searched) == [FOLDER / "US001.dcm", FOLDER / "US002.dcm"], "the due study's images only"
    assert quiet.run_once() == 0
    assert searched[2:] == [arriving], "nothing due: the arriving study is searched"


def test_an_outbox_file_the_journal_knows_from_another_working_folder_is_kept(journal, tmp_path, clock):
    """The journal holds an outbox path as the node spelt it (a data folder relative to where it
    ran): an outbox file is known by its study folder and file name, not by that spelling."""
    kept = tmp_path / "outbox" / STUDY / "1.2.3.100.dcm"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"an SR the journal knows")
    journal.record_analysis(STUDY, 1, SUMMARY,
                            [ResultRow("1.2.3.100", Path("data/outbox") / STUDY / kept.name, 1)], [])
    Assembler(journal, Settings(data_dir=tmp_path), load_protocols())
    assert kept.exists()
