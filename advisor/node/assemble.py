"""Assemble stage: turn quiet studies from the journal into results.

A study is due once no instance has arrived for ``quiet_seconds`` and it holds
instances the last analysis did not see. While no study is due, the detector
already searches the images of the studies still arriving (the larger part of
an analysis), so that a study's result follows its quiet window closely. Its spooled files are analysed,
decided on and, for the outcomes the site reports, written as an SR, a key
image (unless switched off) and a Key Object Selection naming both, to the
outbox; the journal then records the outcome and the deliveries owed. An SR
that supersedes an earlier one for the same study references it (Predecessor
Documents Sequence) and gets the next revision number; every UID of a
revision derives from its inputs, its revision and its predecessor.

Failures are never silent and never final by accident: a study whose analysis
or writing raised is ``retrying`` with exponential backoff and, after a bounded
number of tries, ``failed`` with the reason (``advisor retry`` runs it again).
Transient errors (disk full, I/O, the journal busy) get
``analysis_max_attempts`` tries; any other error one retry, since it will most
likely fail the same way. The outbox holds only files the journal knows: the
files of a failed attempt are removed, and so are any a crash left behind
between writing and recording them. After a restart the quiet window of every
unfinished study starts again, so a study a crash interrupted is not analysed
half-received.
"""

from __future__ import annotations

import io
import logging
import sqlite3
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom import Dataset, dcmread, dcmwrite
from pydicom.dataset import FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, UltrasoundImageStorage, generate_uid

from advisor.node import spool
from advisor.node.audit import Audit, discard
from advisor.analyze import Detector, analyze_study, read_instances
from advisor.config import Settings
from advisor.evidence.detect import Detection, detect_instance
from advisor.evidence.header import UnreadableFile, is_us_image, patient_identifiers, read_header
from advisor.evidence.text import default_reader
from advisor.decide import decide
from advisor.node.journal import Journal, ResultRow
from advisor.node.workers import Shard
from advisor.output.keyimage import build_key_image
from advisor.output.kos import build_kos
from advisor.model import Decision, StudyFacts, contract_json
from advisor.protocols import ProtocolSet
from advisor.output.report import build_sr, summary_line
from advisor.output.uids import ResultUids, result_uids
from advisor.web.metrics import ANALYSIS_SECONDS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StudyResult:
    summary: dict                # the analyze --json record of the study
    results: list[ResultRow]     # the SR, its key image and KOS, if the outcome is reported


TRANSIENT_ERRORS = (OSError, MemoryError, sqlite3.OperationalError)
SEARCH_AHEAD_SECONDS = 0.2  # per poll with nothing due: about what a study falling due may wait
OTHER_ERROR_ATTEMPTS = 2   # a deterministic error gets one retry, in case it was not


def _without_patient_data(message: str, paths: list[Path]) -> str:
    """``message`` with the study's patient names and IDs blanked (an error may quote them)."""
    for path in paths[:1]:
        try:
            identifiers = patient_identifiers(read_header(path))
        except UnreadableFile:
            continue
        for identifier in sorted(identifiers, key=len, reverse=True):
            message = message.replace(identifier, "[patient data]")
    return message


def _result_key(path: Path) -> tuple[str, ...]:
    """Study folder and file name of an outbox file: the same whatever folder the node ran from."""
    return path.parts[-2:]


class DetectionCache:
    """Detector results by file, so that a study's images can be searched before it is due.

    Only the search without mass regions is kept: the regions come from the
    whole study, and the images of a study with a segmentation are searched
    again with them. A file is known by its identity on disk (device, inode,
    size, modification time), so a re-sent instance, which replaces its file,
    is searched again.
    """

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._results: OrderedDict[tuple[int, ...], Detection] = OrderedDict()
        self._tried: OrderedDict[Path, None] = OrderedDict()  # searched ahead, or failed to be

    def detect(self, path: Path, rois: dict, first: np.ndarray | None = None) -> Detection:
        """What :func:`detect_instance` gives, from the cache when it can."""
        if rois:
            return detect_instance(path, rois, first)
        stat = path.stat()
        key = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
        if key in self._results:
            self._results.move_to_end(key)
            return self._results[key]
        detection = detect_instance(path, {}, first)
        self._remember(self._results, key, detection)
        return detection

    def search_ahead(self, path: Path) -> None:
        """Search the US image at ``path`` once, before its study is analysed."""
        if path in self._tried:
            return
        self._remember(self._tried, path, None)
        try:
            if is_us_image(read_header(path)):
                self.detect(path, {})
        except Exception as exc:  # noqa: BLE001 - the analysis searches it again and reports it
            log.debug("%s not searched ahead: %s", path.name, exc)

    def _remember(self, entries: OrderedDict, key: object, value: object) -> None:
        entries[key] = value
        if len(entries) > self.capacity:
            entries.popitem(last=False)


class Assembler:
    """Analyses the due studies of its shard (all of them, by default).

    ``observe_seconds`` receives each analysis's duration (the node's metrics).
    """

    def __init__(self, journal: Journal, settings: Settings, protocols: ProtocolSet,
                 audit: Audit = discard, *, shard: Shard = Shard(),
                 observe_seconds: Callable[[float], None] = ANALYSIS_SECONDS.observe) -> None:
        self.journal = journal
        self.settings = settings
        self.protocols = protocols
        # Everything that decides the content enters its UIDs: the protocols and the
        # text rules this process reads reports with (text.use_site_rules).
        self.fingerprint = f"{protocols.fingerprint}+{default_reader().fingerprint}"
        self.audit = audit
        self.shard = shard
        self.observe_seconds = observe_seconds
        self.started = time.time()
        self._written: list[Path] = []          # files the current attempt wrote
        self._held: dict[str, float] = {}       # study -> retry time, when the journal could not say it
        self.detections = DetectionCache()
        self.remove_unknown_outbox_files()
        # A restart is often the fix (space freed): try waiting studies again now.
        self.journal.resume_retrying()

    def run_once(self) -> int:
        """Process every due study of the shard; returns how many were processed."""
        now = time.time()
        due = [uid for uid in self.journal.due_studies(self.settings.quiet_seconds,
                                                       not_before=self.started)
               if self.shard.owns(uid) and self._held.get(uid, 0) <= now]
        for study_uid in due:
            self.process(study_uid)
        if not due:
            self.search_ahead(time.monotonic() + SEARCH_AHEAD_SECONDS)
        return len(due)

    def search_ahead(self, deadline: float) -> None:
        """Run the detector on the images of the shard's arriving studies until ``deadline``.

        The detector is most of a study's analysis. Run while the quiet window
        passes, its results wait for the analysis in :attr:`detections`.
        """
        for study_uid, path in self.journal.arriving_instances():
            if time.monotonic() >= deadline:
                return
            if self.shard.owns(study_uid):
                self.detections.search_ahead(path)

    def _known_results(self) -> set[tuple[str, ...]]:
        return {_result_key(p) for p in self.journal.result_paths()}

    def remove_unknown_outbox_files(self) -> None:
        """Delete outbox files the journal does not know (a crash between writing and recording)."""
        outbox = self.settings.outbox_dir
        if not outbox.is_dir():
            return
        known = self._known_results()
        for path in outbox.rglob("*"):  # only this shard's studies: others may be writing theirs
            if (path.is_file() and self.shard.owns(path.parent.name)
                    and _result_key(path) not in known):
                log.warning("outbox file %s is not in the journal (interrupted write): removed", path.name)
                path.unlink()

    def _record_failure(self, study_uid: str, exc: Exception, paths: list[Path]) -> None:
        attempts = self.journal.analysis_attempts(study_uid) + 1
        transient = isinstance(exc, TRANSIENT_ERRORS)
        limit = (self.settings.analysis_max_attempts if transient
                 else min(OTHER_ERROR_ATTEMPTS, self.settings.analysis_max_attempts))
        retry_in = self.settings.backoff_seconds(attempts) if attempts < limit else None
        error = _without_patient_data(f"{type(exc).__name__}: {exc}", paths)[:500]
        self.journal.record_failure(study_uid, error, retry_in)
        self.audit("study-failed" if retry_in is None else "study-retrying", study_uid=study_uid,
                   attempts=attempts, reason=error)
        if retry_in is None:
            # A bug's traceback helps whoever fixes it (a disk error's does not).
            trace = "" if transient else "\n" + _without_patient_data(
                "".join(traceback.format_exception(exc)), paths)
            log.error("study %s: failed after %d attempt(s): %s%s", study_uid, attempts, error, trace)
        else:
            log.warning("study %s: attempt %d failed (%s); retry in %.0f s",
                        study_uid, attempts, error, retry_in)

    def _discard_written(self) -> None:
        known = self._known_results()
        for path in self._written:
            if _result_key(path) not in known:
                path.unlink(missing_ok=True)

    def process(self, study_uid: str) -> None:
        paths = self.journal.study_instances(study_uid)
        destinations = [str(d) for d in self.settings.destinations]
        self._written = []
        started = time.perf_counter()
        try:
            outcome = self._analyse(study_uid, paths)
            self.journal.record_analysis(study_uid, len(paths), outcome.summary, outcome.results,
                                         destinations)
        except Exception as exc:  # noqa: BLE001 - one bad study must not stop the others
            try:
                self._discard_written()
                self._record_failure(study_uid, exc, paths)
            except Exception:  # noqa: BLE001 - the journal itself is failing (disk full)
                log.exception("study %s: could not record the failure; retry in %.0f s",
                              study_uid, self.settings.retry_max_seconds)
                self._held[study_uid] = time.time() + self.settings.retry_max_seconds
            return
        finally:
            self.observe_seconds(time.perf_counter() - started)
        self._held.pop(study_uid, None)
        summary = outcome.summary
        self.audit("study-analysed", study_uid=study_uid, instances=len(paths),
                   outcome=summary["outcome"], protocol_id=summary["protocol_id"],
                   results=[r.sop_instance_uid for r in outcome.results])
        log.info("study %s: %d instances, outcome=%s, protocol=%s, laterality=%s, foci=%d, result=%s",
                 study_uid, len(paths), summary["outcome"], summary["protocol_id"] or "-",
                 summary["laterality"], len(summary["foci"]),
                 "; ".join(f"{r.kind} {r.sop_instance_uid} rev {r.revision} -> {r.path}"
                           for r in outcome.results) or "none")

    def _analyse(self, study_uid: str, paths: list[Path]) -> StudyResult:
        items, facts, decision = self._read_and_decide(study_uid, paths, self.detections.detect)
        results = []
        if decision.outcome in self.settings.report_outcomes:
            results = self._write_results(facts, decision, [ds for _, ds in items])
        return StudyResult(contract_json(facts, decision), results)

    def _read_and_decide(self, study_uid: str, paths: list[Path], detector: Detector,
                         ) -> tuple[list[tuple[Path, Dataset]], StudyFacts, Decision]:
        """The study's readable instances, its facts and the decision on them."""
        items, unreadable = read_instances(study_uid, paths)
        facts = analyze_study(study_uid, items, unreadable=unreadable, detector=detector,
                              threads=self.settings.analysis_threads)
        return items, facts, decide(facts, self.protocols)

    def _write(self, study_uid: str, dataset: Dataset) -> Path:
        path = spool.instance_path(self.settings.outbox_dir, study_uid, str(dataset.SOPInstanceUID))
        self._written.append(path)
        return spool.write_atomically(path, _encoded(dataset))

    def _revision_uids(self, facts: StudyFacts, options: tuple[str, ...]) -> ResultUids:
        """The same inputs again (e.g. after a crash) keep their revision; new ones get the next."""
        earlier = self.journal.results_for_study(facts.study_instance_uid)
        predecessor = None
        for row in earlier:
            uids = result_uids(facts, self.fingerprint, revision=row.revision,
                               predecessor_uid=predecessor, options=options)
            if uids.sop_instance_uid == row.sop_instance_uid:
                return uids
            predecessor = row.sop_instance_uid
        return result_uids(facts, self.fingerprint,
                           revision=earlier[-1].revision + 1 if earlier else 1,
                           predecessor_uid=predecessor, options=options)

    def _write_results(self, facts: StudyFacts, decision: Decision,
                       evidence: list[Dataset]) -> list[ResultRow]:
        """Write the SR, the key image (if enabled and possible) and the KOS naming them."""
        uids = self._revision_uids(facts, self._options())
        previous = (dcmread(self.journal.result_path(uids.predecessor_uid, "sr"), stop_before_pixels=True)
                    if uids.predecessor_uid else None)
        study_uid = facts.study_instance_uid
        return [ResultRow(str(ds.SOPInstanceUID), self._write(study_uid, ds), uids.revision, kind)
                for kind, ds in self._build_results(facts, decision, evidence, uids, previous)]

    def _options(self) -> tuple[str, ...]:
        return ("key-image",) if self.settings.key_image else ()

    def _build_results(self, facts: StudyFacts, decision: Decision, evidence: list[Dataset],
                       uids: ResultUids, previous: Dataset | None) -> list[tuple[str, Dataset]]:
        """(kind, data set) of the SR, the key image (if enabled and possible) and the KOS."""
        summary, station = summary_line(decision), self.settings.ae_title
        key_image = build_key_image(facts, summary, uids) if self.settings.key_image else None
        sr = build_sr(facts, decision, evidence, uids, previous=previous, key_image=key_image,
                      station=station)
        kos = build_kos(summary, sr, key_image, uids, station=station)
        return [(kind, ds) for kind, ds in (("sr", sr), ("key-image", key_image), ("kos", kos))
                if ds is not None]

    def warm_up(self) -> None:
        """Analyse a small made-up study and build its results, keeping nothing.

        The first analysis in a process pays for what its libraries load on
        first use (highdicom's tables of the standard, about 0.5 s; the
        detector's first run): paid here, when the worker starts, rather than
        by the first study a peer sends. Its image is written in the data
        directory under one name per shard, so a worker stopped during its warm-up
        leaves one file that its next warm-up replaces, not a folder per start.
        """
        image = made_up_image()
        path = self.settings.data_dir / f"warm-up-{self.shard.index}.dcm"
        try:
            spool.write_atomically(path, _encoded(image))
            items, facts, decision = self._read_and_decide(str(image.StudyInstanceUID), [path],
                                                           detect_instance)
            uids = result_uids(facts, self.fingerprint, options=self._options())
            for _, dataset in self._build_results(facts, decision, [ds for _, ds in items], uids, None):
                _encoded(dataset)   # as _write would, kept nowhere
        finally:
            path.unlink(missing_ok=True)


def _encoded(ds: Dataset) -> bytes:
    """``ds`` as a DICOM file (PS3.10), in memory."""
    buffer = io.BytesIO()
    dcmwrite(buffer, ds, enforce_file_format=True)
    return buffer.getvalue()


def made_up_image() -> Dataset:
    """A small US Image (PS3.3 A.6) of nobody: a grey field with one bright spot."""
    ds = Dataset()
    ds.SOPClassUID = UltrasoundImageStorage
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID = (
        generate_uid(entropy_srcs=["advisor warm-up", part]) for part in ("study", "series", "image"))
    ds.Modality, ds.StudyID, ds.SeriesNumber, ds.InstanceNumber = "US", "1", 1, 1
    ds.Manufacturer, ds.ImageType, ds.PatientOrientation = "", ["DERIVED", "SECONDARY"], ""
    ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = "WARM^UP", "WARMUP", "20200101", "O"
    ds.PatientAge, ds.BodyPartExamined = "005Y", "ABDOMEN"
    ds.StudyDate, ds.StudyTime, ds.AccessionNumber, ds.ReferringPhysicianName = "20200101", "000000", "", ""
    ds.Rows, ds.Columns = rows, columns = 120, 160
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    pixels = np.full((rows, columns), 60, dtype=np.uint8)
    pixels[55:62, 75:82] = 250
    ds.PixelData = pixels.tobytes()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    return ds
