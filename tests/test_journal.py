"""The journal's state transitions, in process on a real SQLite file, with a controlled clock.

Each test pins what a restart or another stage reads back: the study states
(pending, analysed, retrying, failed), the delivery states (pending, delivered,
undelivered) with their attempts and due times, and what re-opens a study.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from advisor.node import journal as journal_module
from advisor.node.journal import BASE_SCHEMA, SCHEMA_VERSION, Journal, JournalVersionError, ResultRow

STUDY, OTHER = "1.2.826.0.1.1", "1.2.826.0.1.2"
PACS, ARCHIVE = "PACS@127.0.0.1:104", "ARCHIVE@127.0.0.1:105"
SUMMARY = {"outcome": "recommended", "protocol_id": "ct-abdomen", "laterality": "left"}


class Clock:
    """Stands in for the ``time`` module in the journal: time moves only when told."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def perf_counter(self) -> float:
        return self.now

    monotonic = perf_counter


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(journal_module, "time", clock)
    return clock


@pytest.fixture
def journal(tmp_path: Path, clock):
    journal = Journal(tmp_path / "journal.sqlite3")
    yield journal
    journal.close()


def receive(journal: Journal, sop_uid: str, study_uid: str = STUDY, *, own: bool = False) -> bool:
    return journal.record_instance(study_uid=study_uid, sop_uid=sop_uid, sop_class_uid="1.2.3",
                                   path=Path(f"spool/{study_uid}/{sop_uid}.dcm"), calling_ae="US",
                                   own_output=own)


def study(journal: Journal, study_uid: str = STUDY):
    return next(s for s in journal.studies() if s.study_instance_uid == study_uid)


def sr(uid: str = "1.2.3.100", revision: int = 1, kind: str = "sr") -> ResultRow:
    return ResultRow(uid, Path(f"outbox/{STUDY}/{uid}.dcm"), revision, kind)


def delivery_rows(journal: Journal) -> list[tuple]:
    return journal.deliveries_for_study(STUDY)


def raw(journal: Journal, sql: str, *args) -> list[tuple]:
    return journal._query(sql, *args)


# --- receive ---------------------------------------------------------------


def test_a_new_instance_opens_a_pending_study_and_a_known_one_is_not_counted_again(journal, clock):
    assert receive(journal, "1.1") is True
    clock.now += 10
    assert receive(journal, "1.1") is False
    row = study(journal)
    assert (row.received_count, row.analyzed_count, row.state, row.attempts) == (1, 0, "pending", 0)
    assert journal.received_times(STUDY) == (1_000_000.0, 1_000_010.0), \
        "a re-sent instance restarts the quiet window"
    assert journal.study_instances(STUDY) == [Path(f"spool/{STUDY}/1.1.dcm")]


def test_own_output_is_kept_but_opens_no_study_and_is_not_analysed(journal, clock):
    assert receive(journal, "9.9", own=True) is True
    assert journal.studies() == [] and journal.received_times(STUDY) is None
    receive(journal, "1.1")
    clock.now += 10
    assert receive(journal, "9.9", own=True) is False
    assert journal.received_times(STUDY) == (1_000_000.0, 1_000_000.0), \
        "own output routed back does not restart the quiet window"
    assert journal.study_instances(STUDY) == [Path(f"spool/{STUDY}/1.1.dcm")]
    assert journal.counts()["instances"] == {"own-output": 1, "received": 1}


def test_study_instances_are_in_arrival_order_then_by_uid(journal, clock):
    receive(journal, "1.3")
    clock.now += 1
    receive(journal, "1.2")
    receive(journal, "1.1")
    assert [p.stem for p in journal.study_instances(STUDY)] == ["1.3", "1.1", "1.2"]


def test_instance_uids_are_every_instance_journaled_own_output_too(journal, clock):
    assert journal.instance_uids() == set()
    receive(journal, "1.1")
    receive(journal, "2.1", OTHER)
    receive(journal, "9.9", own=True)
    assert journal.instance_uids() == {"1.1", "2.1", "9.9"}


def test_arriving_instances_are_those_of_studies_to_analyse_oldest_first(journal, clock):
    receive(journal, "2.1", OTHER)
    clock.now += 1
    receive(journal, "1.2")
    clock.now += 1
    receive(journal, "1.1")
    receive(journal, "9.9", own=True)
    spooled = [(study_uid, path.stem) for study_uid, path in journal.arriving_instances()]
    assert spooled == [(OTHER, "2.1"), (STUDY, "1.2"), (STUDY, "1.1")], \
        "oldest arrival first, the advisor's own output left out"
    journal.record_analysis(STUDY, 2, SUMMARY, [], [])
    journal.record_failure(OTHER, "ValueError: x", retry_in=None)
    assert journal.arriving_instances() == [], "analysed and failed studies are not arriving"
    clock.now += 1
    receive(journal, "1.3")
    assert [p.stem for _, p in journal.arriving_instances()] == ["1.2", "1.1", "1.3"], \
        "a new instance makes the whole study arrive again"


# --- the quiet window --------------------------------------------------------


def test_a_study_is_due_only_after_its_quiet_window(journal, clock):
    receive(journal, "1.1")
    clock.now += 4.9
    assert journal.due_studies(5) == []
    clock.now += 0.1
    assert journal.due_studies(5) == [STUDY]


def test_a_window_that_began_before_the_start_counts_from_the_start(journal, clock):
    receive(journal, "1.1")
    clock.now += 10
    assert journal.due_studies(5, not_before=clock.now - 4) == []
    assert journal.due_studies(5, not_before=clock.now - 5) == [STUDY]


def test_due_studies_come_oldest_arrival_first(journal, clock):
    receive(journal, "2.1", OTHER)
    clock.now += 1
    receive(journal, "1.1", STUDY)
    clock.now += 10
    assert journal.due_studies(5) == [OTHER, STUDY]


def test_an_analysed_study_is_due_again_only_for_a_new_instance(journal, clock):
    receive(journal, "1.1")
    journal.record_analysis(STUDY, 1, SUMMARY, [], [])
    clock.now += 10
    assert journal.due_studies(0) == []
    receive(journal, "1.1")
    receive(journal, "9.9", own=True)
    assert journal.due_studies(0) == []
    receive(journal, "1.2")
    assert journal.due_studies(0) == [STUDY]
    assert study(journal).received_count == 2


# --- analysis states ---------------------------------------------------------


def test_an_analysis_records_outcome_results_and_one_delivery_per_destination(journal, clock):
    receive(journal, "1.1")
    journal.record_analysis(STUDY, 1, SUMMARY, [sr(), sr("1.2.3.101", kind="kos")], [PACS, ARCHIVE])
    row = study(journal)
    assert (row.analyzed_count, row.outcome, row.protocol_id, row.laterality, row.state,
            row.error) == (1, "recommended", "ct-abdomen", "left", "analysed", None)
    assert journal.study_summary(STUDY) == SUMMARY
    assert sorted(delivery_rows(journal)) == [("1.2.3.100", ARCHIVE, "pending", 0, None),
                                      ("1.2.3.100", PACS, "pending", 0, None),
                                      ("1.2.3.101", ARCHIVE, "pending", 0, None),
                                      ("1.2.3.101", PACS, "pending", 0, None)]
    assert [(r.sop_instance_uid, r.path) for r in journal.results_for_study(STUDY)] == [
        ("1.2.3.100", Path(f"outbox/{STUDY}/1.2.3.100.dcm"))]
    assert [r.kind for r in journal.results_for_study(STUDY, kind=None)] == ["kos", "sr"]
    assert journal.result_path("1.2.3.101", "kos") == Path(f"outbox/{STUDY}/1.2.3.101.dcm")
    assert journal.result_path("1.2.3.101", "sr") is None
    assert journal.result_paths() == {Path(f"outbox/{STUDY}/1.2.3.100.dcm"),
                                      Path(f"outbox/{STUDY}/1.2.3.101.dcm")}


def test_a_result_recorded_again_owes_no_second_delivery(journal, clock):
    receive(journal, "1.1")
    journal.record_analysis(STUDY, 1, SUMMARY, [sr()], [PACS])
    journal.mark_delivered("1.2.3.100", PACS)
    journal.record_analysis(STUDY, 1, SUMMARY, [sr()], [PACS])
    assert delivery_rows(journal) == [("1.2.3.100", PACS, "delivered", 1, None)]


def test_results_come_oldest_revision_first(journal, clock):
    receive(journal, "1.1")
    journal.record_analysis(STUDY, 1, SUMMARY, [sr("1.2.3.200", revision=2)], [])
    journal.record_analysis(STUDY, 1, SUMMARY, [sr("1.2.3.300", revision=1)], [])
    assert [r.revision for r in journal.results_for_study(STUDY)] == [1, 2]


def test_a_failed_analysis_retries_at_its_time_then_fails_for_good(journal, clock):
    receive(journal, "1.1")
    journal.record_failure(STUDY, "OSError: disk full", retry_in=8)
    row = study(journal)
    assert (row.state, row.attempts, row.error) == ("retrying", 1, "OSError: disk full")
    assert journal.analysis_attempts(STUDY) == 1
    clock.now += 7.9
    assert journal.due_studies(0) == []
    clock.now += 0.1
    assert journal.due_studies(0) == [STUDY]
    journal.record_failure(STUDY, "OSError: disk full", retry_in=None)
    row = study(journal)
    assert (row.state, row.attempts) == ("failed", 2)
    clock.now += 1e6
    assert journal.due_studies(0) == []
    assert journal.counts()["studies"] == {"pending": 1}
    assert journal.analysis_attempts(OTHER) == 0


def test_a_success_clears_the_error_and_the_attempts(journal, clock):
    receive(journal, "1.1")
    journal.record_failure(STUDY, "ValueError: x", retry_in=1)
    journal.record_analysis(STUDY, 1, SUMMARY, [], [])
    row = study(journal)
    assert (row.state, row.attempts, row.error) == ("analysed", 0, None)
    assert journal.counts()["studies"] == {"recommended": 1}


def test_a_new_instance_makes_a_failed_study_pending_again(journal, clock):
    receive(journal, "1.1")
    journal.record_failure(STUDY, "ValueError: x", retry_in=None)
    receive(journal, "1.2")
    row = study(journal)
    assert (row.state, row.attempts) == ("pending", 0)
    assert journal.due_studies(0) == [STUDY]


def test_a_restart_resumes_retrying_studies_but_not_failed_ones(journal, clock):
    receive(journal, "1.1")
    receive(journal, "2.1", OTHER)
    journal.record_failure(STUDY, "OSError", retry_in=3600)
    journal.record_failure(OTHER, "ValueError", retry_in=None)
    assert journal.resume_retrying() == 1
    assert journal.due_studies(0) == [STUDY]
    assert study(journal).state == "retrying"


def test_retry_reopens_named_or_all_failed_studies(journal, clock):
    receive(journal, "1.1")
    receive(journal, "2.1", OTHER)
    journal.record_analysis(STUDY, 1, SUMMARY, [], [])
    journal.record_failure(OTHER, "ValueError", retry_in=None)
    assert journal.retry([STUDY, STUDY, "1.9.9"]) == [STUDY]
    assert (study(journal).state, study(journal).analyzed_count) == ("pending", 0)
    assert journal.retry(all_failed=True) == [OTHER]
    assert (study(journal, OTHER).state, study(journal, OTHER).attempts) == ("pending", 0)
    assert journal.due_studies(0) == [STUDY, OTHER]
    assert journal.retry() == []


# --- deliveries --------------------------------------------------------------


def test_deliveries_are_due_per_destination_in_due_order(journal, clock):
    receive(journal, "1.1")
    journal.record_analysis(STUDY, 1, SUMMARY, [sr("1.2.3.100"), sr("1.2.3.101", kind="kos")],
                            [PACS, ARCHIVE])
    journal.mark_attempt_failed("1.2.3.100", PACS, "status 0xA700", retry_in=0)
    [later, first] = journal.due_deliveries([PACS])
    assert (first.result_uid, first.destination, first.attempts, first.kind) == \
        ("1.2.3.101", PACS, 0, "kos")
    assert (later.result_uid, later.attempts, later.study_instance_uid) == ("1.2.3.100", 1, STUDY)
    assert later.path == Path(f"outbox/{STUDY}/1.2.3.100.dcm")
    assert {d.destination for d in journal.due_deliveries([ARCHIVE])} == {ARCHIVE}
    assert len(journal.due_deliveries([PACS, ARCHIVE])) == 4


def test_a_failed_try_is_due_after_its_delay_and_a_given_up_one_never(journal, clock):
    receive(journal, "1.1")
    journal.record_analysis(STUDY, 1, SUMMARY, [sr()], [PACS, ARCHIVE])
    journal.mark_attempt_failed("1.2.3.100", PACS, "status 0xA700", retry_in=4)
    journal.mark_attempt_failed("1.2.3.100", ARCHIVE, "status 0xC000", retry_in=None)
    assert delivery_rows(journal) == [("1.2.3.100", ARCHIVE, "undelivered", 1, "status 0xC000"),
                                      ("1.2.3.100", PACS, "pending", 1, "status 0xA700")]
    clock.now += 3.9
    assert journal.due_deliveries([PACS, ARCHIVE]) == []
    clock.now += 0.1
    assert [d.destination for d in journal.due_deliveries([PACS, ARCHIVE])] == [PACS]
    journal.mark_delivered("1.2.3.100", PACS)
    assert delivery_rows(journal)[1] == ("1.2.3.100", PACS, "delivered", 2, None)
    assert raw(journal, "SELECT delivered_at FROM deliveries WHERE destination=?", PACS) == \
        [(clock.now,)]
    assert journal.due_deliveries([PACS, ARCHIVE]) == []
    assert journal.counts()["deliveries"] == {"delivered": 1, "undelivered": 1}


def resend_setup(journal: Journal) -> None:
    receive(journal, "1.1")
    receive(journal, "2.1", OTHER)
    journal.record_analysis(STUDY, 1, SUMMARY, [sr("1.2.3.100")], [PACS, ARCHIVE])
    journal.record_analysis(OTHER, 1, SUMMARY, [ResultRow("2.2.3.100", Path("o.dcm"), 1)], [PACS])
    for uid, destination in (("1.2.3.100", PACS), ("1.2.3.100", ARCHIVE), ("2.2.3.100", PACS)):
        journal.mark_attempt_failed(uid, destination, "status 0xC000", retry_in=None)


@pytest.mark.parametrize("study_uid, destination, again", [
    (None, None, 3), (STUDY, None, 2), (None, PACS, 2), (STUDY, ARCHIVE, 1), (OTHER, ARCHIVE, 0)])
def test_resend_makes_undelivered_results_pending_again(journal, clock, study_uid, destination, again):
    resend_setup(journal)
    clock.now += 100
    assert journal.resend(study_uid, destination) == again
    due = journal.due_deliveries([PACS, ARCHIVE])
    assert len(due) == again and all(d.attempts == 0 for d in due)
    assert journal.resend(study_uid, destination) == 0, "only undelivered ones"


# --- schema ------------------------------------------------------------------


def test_a_new_journal_has_the_current_schema_and_is_writable(journal):
    assert journal.schema_version() == SCHEMA_VERSION
    assert journal.writable()
    # Durable before the C-STORE is answered: write-ahead log, synced at every commit.
    assert raw(journal, "PRAGMA journal_mode") == [("wal",)]
    assert raw(journal, "PRAGMA synchronous") == [(2,)]  # FULL



def test_a_journal_opens_in_a_new_folder_again_and_from_any_thread(tmp_path, clock):
    """The node creates its data folder on first start, reopens the same journal at every
    start, and its receiver's and workers' threads share one connection."""
    path = tmp_path / "new" / "data" / "journal.sqlite3"
    Journal(path).close()
    journal = Journal(path)
    try:
        assert journal.schema_version() == SCHEMA_VERSION
        outcome: list = []
        thread = threading.Thread(target=lambda: outcome.append(receive(journal, "1.1")))
        thread.start()
        thread.join(timeout=10)
        assert outcome == [True] and journal.instance_uids() == {"1.1"}
    finally:
        journal.close()

def test_a_journal_locked_by_another_writer_is_not_writable(tmp_path, journal):
    other = sqlite3.connect(tmp_path / "journal.sqlite3", timeout=0)
    other.execute("BEGIN IMMEDIATE")
    try:
        journal._db.execute("PRAGMA busy_timeout = 0")
        assert not journal.writable()
    finally:
        other.rollback()
        other.close()
    assert journal.writable()


def test_a_newer_journal_is_refused(tmp_path):
    path = tmp_path / "journal.sqlite3"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(JournalVersionError, match=f"version {SCHEMA_VERSION + 1} is newer"):
        Journal(path)


def test_retry_of_named_studies_and_all_failed_ones_at_once(journal, clock):
    receive(journal, "1.1")
    receive(journal, "2.1", OTHER)
    journal.record_analysis(STUDY, 1, SUMMARY, [], [])
    journal.record_failure(OTHER, "ValueError", retry_in=None)
    assert journal.retry([STUDY], all_failed=True) == [STUDY, OTHER]


def test_a_study_without_an_analysis_has_no_summary(journal, clock):
    assert journal.study_summary(STUDY) is None
    receive(journal, "1.1")
    assert journal.study_summary(STUDY) is None
    journal.record_failure(STUDY, "ValueError", retry_in=None)
    assert journal.study_summary(STUDY) is None


def test_a_study_that_errored_with_nothing_new_counts_as_error(journal, clock):
    """As a journal from before the study states holds it (see test_failures, migration)."""
    receive(journal, "1.1")
    journal._db.execute("UPDATE studies SET analyzed_count=1, error='TypeError: x'")
    assert journal.counts()["studies"] == {"error": 1}
    receive(journal, "1.2")
    assert journal.counts()["studies"] == {"pending": 1}


@pytest.mark.parametrize("with_kind", [False, True], ids=["base", "kind-column-already"])
def test_an_unversioned_journal_gets_states_from_what_it_holds(tmp_path, with_kind):
    path = tmp_path / "journal.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(BASE_SCHEMA)
    if with_kind:  # some unversioned journals already had it
        old.execute("ALTER TABLE results ADD COLUMN kind TEXT NOT NULL DEFAULT 'sr'")
    old.executemany("INSERT INTO studies (study_instance_uid, first_received, last_received, "
                    "received_count, analyzed_count, outcome, error) VALUES (?, 0, 0, 1, 1, ?, ?)",
                    [("1.1", None, "TypeError: x"), ("1.2", "recommended", None), ("1.3", None, None)])
    old.execute("INSERT INTO results VALUES ('1.2.9', '1.2', 1, 'o.dcm', 'recommended', 0"
                + (", 'kos')" if with_kind else ")"))
    old.commit()
    old.close()
    journal = Journal(path)
    try:
        assert journal.schema_version() == SCHEMA_VERSION
        assert [(s.study_instance_uid, s.state, s.attempts) for s in journal.studies()] == [
            ("1.1", "failed", 0), ("1.2", "analysed", 0), ("1.3", "pending", 0)]
        assert [r.kind for r in journal.results_for_study("1.2", kind=None)] == \
            ["kos" if with_kind else "sr"]
        assert journal._query("SELECT next_attempt FROM studies") == [(None,)] * 3
    finally:
        journal.close()
