"""The SQLite journal: what was received, what was decided, what was delivered.

Tables:

- ``instances``: every acknowledged instance and its spool file;
- ``studies``: per study, how many instances were received and how many the
  last analysis saw (more received than analysed means: analyse again), the
  last outcome, and the analysis state (:data:`STUDY_STATES`) with its failed
  attempts and the last error;
- ``results``: every object written (``sr``, and its ``key-image``), with its
  revision and outbox file;
- ``deliveries``: one row per result and destination, with retry state:
  ``pending`` (due at ``next_attempt``), ``delivered``, or ``undelivered``
  (given up after a bounded number of tries; ``advisor resend`` makes it
  pending again).

A row is committed before the C-STORE is answered Success, so that a restart
finds every unfinished study and every undelivered result. One connection is
shared by the receiver's and the workers' threads behind a lock. The schema
carries its version in ``PRAGMA user_version`` and is brought up to date by
the ordered :data:`MIGRATIONS` when a journal is opened.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# The first schema, as journals written before versioning hold it (user_version 0).
BASE_SCHEMA = """
CREATE TABLE IF NOT EXISTS instances (
    sop_instance_uid TEXT PRIMARY KEY,
    study_instance_uid TEXT NOT NULL,
    sop_class_uid TEXT NOT NULL,
    path TEXT NOT NULL,
    calling_ae TEXT NOT NULL,
    received_at REAL NOT NULL,
    own_output INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS instances_by_study ON instances(study_instance_uid);
CREATE TABLE IF NOT EXISTS studies (
    study_instance_uid TEXT PRIMARY KEY,
    first_received REAL NOT NULL,
    last_received REAL NOT NULL,
    received_count INTEGER NOT NULL DEFAULT 0,
    analyzed_count INTEGER NOT NULL DEFAULT 0,
    outcome TEXT,
    protocol_id TEXT,
    laterality TEXT,
    result_json TEXT,
    error TEXT,
    updated_at REAL
);
CREATE TABLE IF NOT EXISTS results (
    sop_instance_uid TEXT PRIMARY KEY,
    study_instance_uid TEXT NOT NULL,
    revision INTEGER NOT NULL,
    path TEXT NOT NULL,
    outcome TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    result_uid TEXT NOT NULL,
    destination TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt REAL NOT NULL,
    last_error TEXT,
    delivered_at REAL,
    PRIMARY KEY (result_uid, destination)
);
"""

# Study states: ``pending`` (instances not yet analysed), ``analysed``,
# ``retrying`` (the last analysis failed; tried again at ``next_attempt``) and
# ``failed`` (given up after the bounded number of tries; ``advisor retry``).
STUDY_STATES = ("pending", "analysed", "retrying", "failed")


def _base_schema(db: sqlite3.Connection) -> None:
    # Statement by statement: executescript() would commit the migration's transaction.
    for statement in BASE_SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


def _add_column(table: str, column: str, definition: str) -> Callable[[sqlite3.Connection], None]:
    def migrate(db: sqlite3.Connection) -> None:
        if column not in _columns(db, table):  # some unversioned journals have it already
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
    return migrate


def _analysis_states(db: sqlite3.Connection) -> None:
    for column, definition in (("state", "TEXT NOT NULL DEFAULT 'pending'"),
                               ("attempts", "INTEGER NOT NULL DEFAULT 0"),
                               ("next_attempt", "REAL")):
        _add_column("studies", column, definition)(db)
    db.execute("UPDATE studies SET state = CASE WHEN error IS NOT NULL THEN 'failed' "
               "WHEN outcome IS NOT NULL THEN 'analysed' ELSE 'pending' END")


# Ordered migrations: journal version N has had the first N applied (PRAGMA user_version).
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _base_schema,
    _add_column("results", "kind", "TEXT NOT NULL DEFAULT 'sr'"),
    _analysis_states,
)
SCHEMA_VERSION = len(MIGRATIONS)


class JournalVersionError(RuntimeError):
    """The journal was written by a newer advisor than this one."""


@dataclass(frozen=True)
class StudyRow:
    study_instance_uid: str
    received_count: int
    analyzed_count: int
    outcome: str | None
    protocol_id: str | None
    laterality: str | None
    error: str | None
    state: str = "pending"          # one of STUDY_STATES
    attempts: int = 0               # failed analyses since the last success


@dataclass(frozen=True)
class ResultRow:
    sop_instance_uid: str
    path: Path
    revision: int
    kind: str = "sr"


@dataclass(frozen=True)
class DeliveryRow:
    result_uid: str
    destination: str
    path: Path
    study_instance_uid: str
    attempts: int
    kind: str = "sr"


class Journal:
    """Thread-safe access to the journal database at ``path``.

    Each commit is on disk before it returns (``synchronous=FULL``), unless
    ``synced_commits`` is False: then a power cut may lose the latest commits
    (never half of one: the journal is a consistent prefix of its commits,
    since WAL frames are written in order and a later synced commit syncs the
    earlier ones). The receiver uses that, because every row it writes can be
    rebuilt from its spooled file (:meth:`Receiver.journal_spooled
    <advisor.node.receive.Receiver.journal_spooled>`).
    """

    def __init__(self, path: Path, *, synced_commits: bool = True) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")  # pragma: no mutate
        self._db.execute(f"PRAGMA synchronous={'FULL' if synced_commits else 'NORMAL'}")  # pragma: no mutate
        self._lock = threading.Lock()
        self._migrate()

    def _migrate(self) -> None:
        """Bring the journal to :data:`SCHEMA_VERSION`, one migration per transaction."""
        version = self._db.execute("PRAGMA user_version").fetchone()[0]  # pragma: no mutate
        if version > SCHEMA_VERSION:
            raise JournalVersionError(f"journal schema version {version} is newer than this "
                                      f"advisor's ({SCHEMA_VERSION}); upgrade the advisor")
        for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
            with self._transaction() as db:
                migration(db)
                db.execute(f"PRAGMA user_version = {number}")

    def schema_version(self) -> int:
        return self._query("PRAGMA user_version")[0][0]  # pragma: no mutate

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")  # pragma: no mutate
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")  # pragma: no mutate
                raise
            self._db.execute("COMMIT")  # pragma: no mutate

    def _query(self, sql: str, *args: object) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # --- receive ------------------------------------------------------------

    def record_instance(self, *, study_uid: str, sop_uid: str, sop_class_uid: str,
                        path: Path, calling_ae: str, own_output: bool) -> bool:
        """Record an acknowledged instance; False if it was already known.

        A new instance re-opens its study (unless it is the advisor's own output
        routed back, which must not trigger a new result).
        """
        now = time.time()
        with self._transaction() as db:
            inserted = db.execute(
                "INSERT OR IGNORE INTO instances VALUES (?,?,?,?,?,?,?)",  # pragma: no mutate
                (sop_uid, study_uid, sop_class_uid, str(path), calling_ae, now, int(own_output)),
            ).rowcount == 1
            if inserted and not own_output:
                db.execute(
                    "INSERT INTO studies (study_instance_uid, first_received, last_received, "  # pragma: no mutate
                    "received_count) VALUES (?,?,?,1) ON CONFLICT(study_instance_uid) DO UPDATE "  # pragma: no mutate
                    "SET last_received=excluded.last_received, received_count=received_count+1, "  # pragma: no mutate
                    "state='pending', attempts=0, next_attempt=NULL",
                    (study_uid, now, now))
            elif not own_output:
                # A re-sent instance shows the study is still arriving: its quiet window restarts.
                db.execute(
                    "UPDATE studies SET last_received=? WHERE study_instance_uid=?",  # pragma: no mutate
                    (now, study_uid))
        return inserted

    # --- assemble -----------------------------------------------------------

    def due_studies(self, quiet_seconds: float, *, not_before: float = 0.0) -> list[str]:
        """Studies with unanalysed instances and no arrival for ``quiet_seconds``.

        A study whose quiet window started before ``not_before`` (the node's
        start) counts its window from then: a study a crash interrupted waits for
        the rest of it. Studies in ``retrying`` wait for their next attempt;
        ``failed`` ones wait for new instances or ``advisor retry``.
        """
        now = time.time()
        rows = self._query(
            "SELECT study_instance_uid FROM studies WHERE received_count > analyzed_count "  # pragma: no mutate
            "AND max(last_received, ?) <= ? AND state != 'failed' "
            "AND (next_attempt IS NULL OR next_attempt <= ?) ORDER BY last_received",  # pragma: no mutate
            not_before, now - quiet_seconds, now)
        return [r[0] for r in rows]

    def instance_uids(self) -> set[str]:
        """SOP Instance UIDs of every instance journaled."""
        return {row[0] for row in self._query("SELECT sop_instance_uid FROM instances")}  # pragma: no mutate

    def arriving_instances(self) -> list[tuple[str, Path]]:
        """(study UID, path) of the instances of studies still to be analysed, oldest first."""
        rows = self._query(
            "SELECT i.study_instance_uid, i.path FROM instances i JOIN studies s "  # pragma: no mutate
            "ON s.study_instance_uid = i.study_instance_uid WHERE i.own_output=0 "  # pragma: no mutate
            "AND s.received_count > s.analyzed_count AND s.state != 'failed' "
            "ORDER BY i.received_at",  # pragma: no mutate
        )
        return [(r[0], Path(r[1])) for r in rows]

    def study_instances(self, study_uid: str) -> list[Path]:
        rows = self._query(
            "SELECT path FROM instances WHERE study_instance_uid=? AND own_output=0 "  # pragma: no mutate
            "ORDER BY received_at, sop_instance_uid",  # pragma: no mutate
            study_uid)
        return [Path(r[0]) for r in rows]

    def record_analysis(self, study_uid: str, analyzed_count: int, summary: dict,
                        results: list[ResultRow], destinations: list[str]) -> None:
        """Store a study's outcome, its new results (if any) and the deliveries they need."""
        now = time.time()
        with self._transaction() as db:
            for result in results:
                new = db.execute(
                    "INSERT OR IGNORE INTO results VALUES (?,?,?,?,?,?,?)",  # pragma: no mutate
                    (result.sop_instance_uid, study_uid, result.revision, str(result.path),
                     summary["outcome"], now, result.kind)).rowcount
                if new:
                    db.executemany(
                        "INSERT OR IGNORE INTO deliveries (result_uid, destination, "  # pragma: no mutate
                        "next_attempt) VALUES (?,?,?)",  # pragma: no mutate
                        [(result.sop_instance_uid, d, now) for d in destinations])
            db.execute(
                "UPDATE studies SET analyzed_count=?, outcome=?, protocol_id=?, laterality=?, "  # pragma: no mutate
                "result_json=?, error=NULL, state='analysed', attempts=0, next_attempt=NULL, "
                "updated_at=? WHERE study_instance_uid=?",  # pragma: no mutate
                (analyzed_count, summary["outcome"], summary["protocol_id"],
                 summary["laterality"], json.dumps(summary), now, study_uid))

    def analysis_attempts(self, study_uid: str) -> int:
        """Failed analyses of the study since its last success or new instance."""
        rows = self._query(
            "SELECT attempts FROM studies WHERE study_instance_uid=?",  # pragma: no mutate
            study_uid)
        return rows[0][0] if rows else 0

    def record_failure(self, study_uid: str, error: str, retry_in: float | None) -> None:
        """An analysis or write that raised: ``retrying`` in ``retry_in`` s, or ``failed`` if None."""
        now = time.time()
        with self._transaction() as db:
            db.execute(
                "UPDATE studies SET error=?, attempts=attempts+1, state=?, next_attempt=?, "  # pragma: no mutate
                "updated_at=? WHERE study_instance_uid=?",  # pragma: no mutate
                (error, "failed" if retry_in is None else "retrying",
                 None if retry_in is None else now + retry_in, now, study_uid))

    def resume_retrying(self) -> int:
        """At start-up: studies waiting to be retried are due again (after their quiet window)."""
        with self._transaction() as db:
            return db.execute("UPDATE studies SET next_attempt=NULL WHERE state='retrying'").rowcount

    def retry(self, study_uids: Iterable[str] = (), *, all_failed: bool = False) -> list[str]:
        """Analyse these studies (or every ``failed`` one) again; returns the ones found."""
        with self._transaction() as db:
            wanted = list(study_uids)
            if all_failed:
                wanted += [r[0] for r in db.execute(
                    "SELECT study_instance_uid FROM studies WHERE state='failed'")]
            found = [uid for uid in dict.fromkeys(wanted) if db.execute(
                "UPDATE studies SET analyzed_count=0, state='pending', attempts=0, next_attempt=NULL "
                "WHERE study_instance_uid=?",  # pragma: no mutate
                (uid,)).rowcount]
        return found

    def result_paths(self) -> set[Path]:
        """Every file the journal knows in the outbox."""
        return {Path(r[0]) for r in self._query("SELECT path FROM results")}  # pragma: no mutate

    # --- dispatch -----------------------------------------------------------

    def due_deliveries(self, destinations: list[str]) -> list[DeliveryRow]:
        marks = ",".join("?" * len(destinations))
        rows = self._query(
            "SELECT d.result_uid, d.destination, r.path, r.study_instance_uid, d.attempts, r.kind "  # pragma: no mutate
            "FROM deliveries d JOIN results r ON r.sop_instance_uid = d.result_uid "  # pragma: no mutate
            f"WHERE d.status='pending' AND d.next_attempt <= ? AND d.destination IN ({marks}) "
            "ORDER BY d.next_attempt",  # pragma: no mutate
            time.time(), *destinations)
        return [DeliveryRow(r[0], r[1], Path(r[2]), r[3], r[4], r[5]) for r in rows]

    def mark_delivered(self, result_uid: str, destination: str) -> None:
        with self._transaction() as db:
            db.execute("UPDATE deliveries SET status='delivered', attempts=attempts+1, "
                       "delivered_at=?, last_error=NULL WHERE result_uid=? AND destination=?",  # pragma: no mutate
                       (time.time(), result_uid, destination))

    def mark_attempt_failed(self, result_uid: str, destination: str, error: str,
                            retry_in: float | None) -> None:
        """A failed try: due again in ``retry_in`` seconds, or ``undelivered`` if None."""
        status = "pending" if retry_in is not None else "undelivered"
        with self._transaction() as db:
            db.execute(
                "UPDATE deliveries SET status=?, attempts=attempts+1, last_error=?, "  # pragma: no mutate
                "next_attempt=? WHERE result_uid=? AND destination=?",  # pragma: no mutate
                (status, error, time.time() + (retry_in or 0), result_uid, destination))

    def resend(self, study_uid: str | None = None, destination: str | None = None) -> int:
        """Make undelivered results (of a study, to a destination) pending again; returns how many."""
        with self._transaction() as db:
            return db.execute(
                "UPDATE deliveries SET status='pending', attempts=0, next_attempt=? "
                "WHERE status='undelivered' AND (? IS NULL OR destination=?) AND (? IS NULL OR "
                "result_uid IN (SELECT sop_instance_uid FROM results WHERE study_instance_uid=?))",  # pragma: no mutate
                (time.time(), destination, destination, study_uid, study_uid)).rowcount

    # --- reporting ----------------------------------------------------------

    def studies(self) -> list[StudyRow]:
        rows = self._query(
            "SELECT study_instance_uid, received_count, analyzed_count, outcome, "  # pragma: no mutate
            "protocol_id, laterality, error, state, attempts FROM studies "  # pragma: no mutate
            "ORDER BY first_received",  # pragma: no mutate
        )
        return [StudyRow(*r) for r in rows]

    def deliveries_for_study(self, study_uid: str) -> list[tuple[str, str, str, int, str | None]]:
        """(result uid, destination, status, attempts, last error) of a study's results."""
        return self._query(
            "SELECT d.result_uid, d.destination, d.status, d.attempts, d.last_error FROM deliveries d "  # pragma: no mutate
            "JOIN results r ON r.sop_instance_uid=d.result_uid WHERE r.study_instance_uid=? "  # pragma: no mutate
            "ORDER BY r.revision, d.destination",  # pragma: no mutate
            study_uid)

    def results_for_study(self, study_uid: str, kind: str | None = "sr") -> list[ResultRow]:
        """The study's results of ``kind`` (None: every kind), oldest revision first."""
        rows = self._query(
            "SELECT sop_instance_uid, path, revision, kind FROM results "  # pragma: no mutate
            "WHERE study_instance_uid=? AND (? IS NULL OR kind=?) "  # pragma: no mutate
            "ORDER BY revision, kind",  # pragma: no mutate
            study_uid, kind, kind)
        return [ResultRow(r[0], Path(r[1]), r[2], r[3]) for r in rows]

    def result_path(self, sop_uid: str, kind: str) -> Path | None:
        rows = self._query(
            "SELECT path FROM results WHERE sop_instance_uid=? AND kind=?",  # pragma: no mutate
            sop_uid, kind)
        return Path(rows[0][0]) if rows else None

    def study_summary(self, study_uid: str) -> dict | None:
        """The last analysis of a study (the analyze --json record), if any."""
        rows = self._query(
            "SELECT result_json FROM studies WHERE study_instance_uid=?",  # pragma: no mutate
            study_uid)
        return json.loads(rows[0][0]) if rows and rows[0][0] else None

    # --- operations ---------------------------------------------------------

    def counts(self) -> dict[str, dict[str, int]]:
        """Row counts for health and metrics: instances, studies by state, deliveries by status."""
        studies = self._query(
            "SELECT CASE WHEN outcome IS NOT NULL AND received_count <= analyzed_count THEN outcome "  # pragma: no mutate
            "WHEN error IS NOT NULL AND received_count <= analyzed_count THEN 'error' "
            "ELSE 'pending' END, COUNT(*) FROM studies GROUP BY 1")
        return {
            "instances": dict(self._query(
                "SELECT CASE own_output WHEN 1 THEN 'own-output' ELSE 'received' END, COUNT(*) "
                "FROM instances GROUP BY 1")),  # pragma: no mutate
            "studies": dict(studies),
            "deliveries": dict(self._query(
                "SELECT status, COUNT(*) FROM deliveries GROUP BY status")),  # pragma: no mutate
        }

    def writable(self) -> bool:
        """True if the journal can take a write lock now (nothing is written)."""
        try:
            with self._lock:
                self._db.execute("BEGIN IMMEDIATE")  # pragma: no mutate
                self._db.execute("ROLLBACK")  # pragma: no mutate
            return True
        except sqlite3.Error:
            return False

    def received_times(self, study_uid: str) -> tuple[float, float] | None:
        """(first, last) arrival of a study's instances, as Unix times."""
        rows = self._query(
            "SELECT first_received, last_received FROM studies "  # pragma: no mutate
            "WHERE study_instance_uid=?",  # pragma: no mutate
            study_uid)
        return rows[0] if rows else None
