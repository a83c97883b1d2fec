"""Failures have states: retried with backoff, then failed with the reason; never silent.

The fault tests run a node and a PACS in this process (``tests/inprocess.py``)
and inject the fault with monkeypatch: a full disk for the outbox, an analysis
that raises. Each ends with exactly one SR (and its key image) at the PACS and
no file in the outbox that the journal does not know.
"""

from __future__ import annotations

import errno
import json
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from advisor.node import assemble, spool
from advisor.cli import print_status
from advisor.node.journal import BASE_SCHEMA, SCHEMA_VERSION, Journal, JournalVersionError
from advisor.protocols import load_protocols
from advisor.web.worklist import Worklist
from conftest import SAMPLES, run, wait_for
from inprocess import running_node, running_pacs, send, study_row
from test_node import study_uid_of

FOLDER = SAMPLES / "01-calcified-left-flank-coded"
STUDY = study_uid_of(FOLDER)


def disk_full_for_outbox(monkeypatch, *, after: int = 0) -> None:
    """Every outbox write after the first ``after`` fails with ENOSPC (the spool keeps working)."""
    real = spool.write_atomically
    count = [0]

    def write(path: Path, data: bytes) -> Path:
        if "outbox" in path.parts:
            count[0] += 1
            if count[0] > after:
                raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, data)
    monkeypatch.setattr(spool, "write_atomically", write)


def outbox_files(data_dir: Path) -> list[Path]:
    return sorted(p for p in (data_dir / "outbox").rglob("*") if p.is_file())


def state_of(data_dir: Path) -> tuple[str | None, int, str | None]:
    row = study_row(data_dir, STUDY)
    return (row.state, row.attempts, row.error) if row else (None, 0, None)


RESULTS = ["KO", "OT", "SR"]  # the KOS, the key image (Secondary Capture) and the SR, by modality


def assert_exactly_one_result(pacs, data_dir: Path) -> None:
    wait_for(lambda: pacs.modalities() == RESULTS, what="SR, key image and KOS at the PACS")
    time.sleep(1.5)  # several retry periods: time for a duplicate to arrive if one were sent
    assert pacs.modalities() == RESULTS, "exactly one SR, one key image and one KOS"
    assert state_of(data_dir)[0] == "analysed"
    journal = Journal(data_dir / "journal.sqlite3")
    try:
        known = {r.path.resolve() for r in journal.results_for_study(STUDY, kind=None)}
    finally:
        journal.close()
    assert {p.resolve() for p in outbox_files(data_dir)} == known, "no file the journal does not know"


def test_disk_full_during_analysis_then_freed_then_restart(tmp_path, monkeypatch):
    data_dir = tmp_path / "node"
    with running_pacs() as (pacs, destination):
        with monkeypatch.context() as patch:
            disk_full_for_outbox(patch)
            with running_node(data_dir, destinations=[str(destination)], retry_base_seconds=60,
                              retry_max_seconds=60) as node:
                assert all(r.stored for r in send(node, FOLDER))
                wait_for(lambda: state_of(data_dir)[0] == "retrying", what="a failed attempt")
                state, attempts, error = state_of(data_dir)
                assert attempts == 1 and error == "OSError: [Errno 28] No space left on device"
                assert outbox_files(data_dir) == [] and pacs.received == []
        # Space freed, node restarted: the study is retried at once, not after 60 s.
        with running_node(data_dir, destinations=[str(destination)]):
            assert_exactly_one_result(pacs, data_dir)


def test_disk_full_then_freed_is_retried_with_backoff(tmp_path, monkeypatch):
    data_dir = tmp_path / "node"
    with running_pacs() as (pacs, destination), \
            running_node(data_dir, destinations=[str(destination)], retry_base_seconds=0.3,
                         retry_max_seconds=0.6, analysis_max_attempts=20) as node:
        disk_full_for_outbox(monkeypatch)
        assert all(r.stored for r in send(node, FOLDER))
        wait_for(lambda: state_of(data_dir)[1] >= 3, what="three failed attempts")
        assert state_of(data_dir)[0] == "retrying" and outbox_files(data_dir) == []
        monkeypatch.undo()
        assert_exactly_one_result(pacs, data_dir)


def test_disk_full_after_the_sr_leaves_no_orphan_sr_in_the_outbox(tmp_path, monkeypatch):
    data_dir = tmp_path / "node"
    with running_pacs() as (pacs, destination), \
            running_node(data_dir, destinations=[str(destination)], retry_base_seconds=30,
                         retry_max_seconds=30) as node:
        disk_full_for_outbox(monkeypatch, after=1)  # the SR is written, its key image is not
        assert all(r.stored for r in send(node, FOLDER))
        wait_for(lambda: state_of(data_dir)[0] == "retrying", what="a failed attempt")
        assert outbox_files(data_dir) == [], "the SR of the failed attempt is removed"
    monkeypatch.undo()
    with running_pacs() as (pacs, destination), \
            running_node(data_dir, destinations=[str(destination)]):
        assert_exactly_one_result(pacs, data_dir)


def test_analysis_raising_once_is_retried(tmp_path, monkeypatch, caplog):
    real, calls = assemble.analyze_study, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("injected fault")
        return real(*args, **kwargs)
    monkeypatch.setattr(assemble, "analyze_study", flaky)
    data_dir = tmp_path / "node"
    with running_pacs() as (pacs, destination), \
            running_node(data_dir, destinations=[str(destination)]) as node:
        assert all(r.stored for r in send(node, FOLDER))
        assert_exactly_one_result(pacs, data_dir)
    assert len(calls) == 2
    assert f"study {STUDY}: attempt 1 failed (RuntimeError: injected fault); retry in" in caplog.text


def advisor(*args: str):
    return run([sys.executable, "-m", "advisor", *args])


def test_a_study_that_keeps_failing_ends_failed_visibly_and_can_be_retried(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("injected bug")
    monkeypatch.setattr(assemble, "analyze_study", broken)
    data_dir = tmp_path / "node"
    with running_pacs() as (pacs, destination), \
            running_node(data_dir, destinations=[str(destination)]) as node:
        assert all(r.stored for r in send(node, FOLDER))
        wait_for(lambda: state_of(data_dir)[0] == "failed", what="state failed")
        time.sleep(1.5)
        assert state_of(data_dir) == ("failed", 2, "ValueError: injected bug"), "bounded tries"
        status = advisor("status", "--data-dir", str(data_dir))
        assert f"Study {STUDY}: 3 received, failed after 2 attempt(s): ValueError: injected bug" \
            in status.stdout
        [row] = Worklist(node.journal, load_protocols(None), False).studies()
        assert (row["outcome"], row["problem"]) == (
            "failed", "Analysis failed after 2 attempt(s): ValueError: injected bug")
        audit = [json.loads(line) for line in (data_dir / "audit.jsonl").read_text().splitlines()]
        assert [(a["event"], a["attempts"]) for a in audit if a["event"].startswith("study-")] == [
            ("study-retrying", 1), ("study-failed", 2)]

        monkeypatch.undo()  # the bug is fixed
        retried = advisor("retry", "--all-failed", "--data-dir", str(data_dir))
        assert retried.returncode == 0 and f"Study {STUDY}: queued for analysis" in retried.stdout
        assert_exactly_one_result(pacs, data_dir)
        assert "no failed studies" in advisor("retry", "--all-failed", "--data-dir", str(data_dir)).stdout
        unknown = advisor("retry", "1.2.3.4", "--data-dir", str(data_dir))
        assert unknown.returncode == 1 and "1.2.3.4: not in the journal" in unknown.stderr


def test_files_a_crash_left_in_the_outbox_are_removed_at_start(tmp_path, caplog):
    data_dir = tmp_path / "node"
    orphan = data_dir / "outbox" / STUDY / "1.2.3.4.dcm"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"written before the crash, never recorded")
    partial = orphan.parent / ".incoming-x.tmp"
    partial.write_bytes(b"half")
    with running_node(data_dir):
        assert outbox_files(data_dir) == []
    assert "outbox file 1.2.3.4.dcm is not in the journal (interrupted write): removed" in caplog.text


def test_after_a_restart_the_quiet_window_starts_again(tmp_path):
    """A study interrupted by a crash is not analysed half-received (issue 16, restart row)."""
    data_dir = tmp_path / "node"
    with running_node(data_dir, quiet_seconds=600) as node:
        assert all(r.stored for r in send(node, FOLDER / "US001.dcm", FOLDER / "SR001.dcm"))
    time.sleep(2.5)  # the last instance is now older than the next node's quiet window
    with running_node(data_dir, quiet_seconds=2) as node:
        time.sleep(0.8)  # the assembler has polled: it would have analysed a due study
        assert state_of(data_dir)[0] == "pending", "not analysed half-received"
        assert all(r.stored for r in send(node, FOLDER / "US002.dcm"))
        wait_for(lambda: state_of(data_dir)[0] == "analysed", what="analysis")
        journal = Journal(data_dir / "journal.sqlite3")
        try:
            assert len(journal.results_for_study(STUDY)) == 1, "one SR, from all three instances"
            assert journal.study_summary(STUDY)["outcome"] == "recommended"
        finally:
            journal.close()


def test_instances_whose_rows_a_power_cut_lost_are_analysed_after_a_restart(tmp_path, caplog):
    """The receiver's journal commits are not synced; its spool is the record (receive.py)."""
    data_dir = tmp_path / "node"
    with running_node(data_dir, quiet_seconds=600) as node:
        assert all(r.stored for r in send(node, *sorted(FOLDER.glob("*.dcm"))))
    with sqlite3.connect(data_dir / "journal.sqlite3") as db:  # the last commits, lost
        db.execute("DELETE FROM instances")
        db.execute("DELETE FROM studies")
    assert state_of(data_dir)[0] is None
    with running_node(data_dir, quiet_seconds=0.5):
        wait_for(lambda: state_of(data_dir)[0] == "analysed", what="analysis")
    assert study_row(data_dir, STUDY).received_count == len(list(FOLDER.glob("*.dcm")))
    assert "missing from the journal (power cut?): journaled again" in caplog.text


def test_an_unversioned_journal_is_migrated(tmp_path):
    path = tmp_path / "journal.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(BASE_SCHEMA)  # as written before versioning: no kind, no states
    old.execute("INSERT INTO studies (study_instance_uid, first_received, last_received, "
                "received_count, analyzed_count, error) VALUES ('1.2.3', 0, 0, 2, 2, 'TypeError: x')")
    old.execute("INSERT INTO results VALUES ('1.2.3.9', '1.2.3', 1, 'outbox/a.dcm', 'recommended', 0)")
    old.commit()
    old.close()
    journal = Journal(path)
    try:
        assert journal.schema_version() == SCHEMA_VERSION
        [study] = journal.studies()
        assert (study.state, study.error) == ("failed", "TypeError: x")
        assert [r.kind for r in journal.results_for_study("1.2.3")] == ["sr"]
    finally:
        journal.close()
    reopened = Journal(path)  # migrating again changes nothing
    assert reopened.schema_version() == SCHEMA_VERSION
    reopened.close()


def test_a_journal_from_a_newer_advisor_is_refused(tmp_path):
    path = tmp_path / "journal.sqlite3"
    Journal(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(JournalVersionError, match="newer than this advisor's"):
        Journal(path)


def test_a_journal_on_a_full_disk_holds_the_study_and_tries_again(tmp_path, monkeypatch, caplog):
    """Neither the result nor the failure can be recorded: the files go, the study waits."""
    full = [True]

    def refusing(real):
        def write(self, *args, **kwargs):
            if full[0]:
                raise sqlite3.OperationalError("database or disk is full")
            return real(self, *args, **kwargs)
        return write
    for name in ("record_analysis", "record_failure"):
        monkeypatch.setattr(Journal, name, refusing(getattr(Journal, name)))
    data_dir = tmp_path / "node"
    with running_pacs() as (pacs, destination), \
            running_node(data_dir, destinations=[str(destination)]) as node:
        assert all(r.stored for r in send(node, FOLDER))
        wait_for(lambda: "could not record the failure" in caplog.text, what="a held study")
        assert outbox_files(data_dir) == [] and pacs.received == []
        full[0] = False
        assert_exactly_one_result(pacs, data_dir)


def test_journal_failure_states(tmp_path, capsys):
    """retrying waits for its time, failed waits for new instances or advisor retry."""
    journal = Journal(tmp_path / "journal.sqlite3")

    def receive(sop_uid: str) -> None:
        journal.record_instance(study_uid="1.2.3", sop_uid=sop_uid,
                                sop_class_uid="1.2.840.10008.5.1.4.1.1.6.1",
                                path=tmp_path / f"{sop_uid}.dcm", calling_ae="PACS",
                                own_output=False)
    try:
        receive("1.2.3.1")
        assert journal.due_studies(0) == ["1.2.3"]
        journal.record_failure("1.2.3", "OSError: [Errno 28] No space left on device", retry_in=60)
        assert journal.due_studies(0) == [], "retrying: not before its next attempt"
        print_status(journal)
        assert "retrying after 1 failed attempt(s): OSError: [Errno 28]" in capsys.readouterr().out
        assert journal.resume_retrying() == 1 and journal.due_studies(0) == ["1.2.3"]

        journal.record_failure("1.2.3", "ValueError: bug", retry_in=None)
        assert journal.due_studies(0) == [] and journal.studies()[0].attempts == 2
        receive("1.2.3.1")  # a re-sent duplicate is no new evidence
        assert journal.due_studies(0) == []
        receive("1.2.3.2")  # a new instance is: the study is tried afresh
        assert journal.due_studies(0) == ["1.2.3"] and journal.studies()[0].attempts == 0

        journal.record_failure("1.2.3", "ValueError: bug", retry_in=None)
        assert journal.retry(all_failed=True) == ["1.2.3"] and journal.due_studies(0) == ["1.2.3"]
    finally:
        journal.close()


def test_a_node_started_from_another_folder_keeps_its_outbox(tmp_path, monkeypatch):
    """Journal paths relative to the old working folder must not make results look unknown."""
    monkeypatch.chdir(tmp_path)
    with running_node(Path("node")) as node:
        assert all(r.stored for r in send(node, FOLDER))
        wait_for(lambda: state_of(tmp_path / "node")[0] == "analysed", what="analysis")
    results = outbox_files(tmp_path / "node")
    assert len(results) == len(RESULTS)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with running_node(tmp_path / "node"):
        assert outbox_files(tmp_path / "node") == results


def test_a_failure_that_quotes_the_patient_keeps_names_and_ids_out(tmp_path, monkeypatch, caplog):
    def quoting(*args, **kwargs):  # e.g. a validator quoting the value it refused
        raise ValueError("value 'SYNTHETIC^CASE01' (ID SYN0001) is not valid")
    monkeypatch.setattr(assemble, "analyze_study", quoting)
    data_dir = tmp_path / "node"
    with running_node(data_dir, analysis_max_attempts=1) as node:
        assert all(r.stored for r in send(node, FOLDER))
        wait_for(lambda: state_of(data_dir)[0] == "failed", what="state failed")
    error = state_of(data_dir)[2]
    assert error == "ValueError: value '[patient data]' (ID [patient data]) is not valid"
    assert "Traceback" in caplog.text, "a bug's traceback is logged"
    assert "SYNTHETIC" not in caplog.text and "SYN0001" not in caplog.text
