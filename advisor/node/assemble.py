"""Assemble stage: turn quiet studies from the journal into results.

A study is due once no instance has arrived for ``quiet_seconds`` and it holds
instances the last analysis did not see. Its spooled files are analysed,
decided on and, for the outcomes the site reports, written as an SR, a key
image (unless switched off) and a Key Object Selection naming both, to the
outbox; the journal then records the outcome and the deliveries owed. An SR
that supersedes an earlier one for the same study references it (Predecessor
Documents Sequence) and gets the next revision number; every UID of a
revision derives from its inputs, its revision and its predecessor.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path

from pydicom import Dataset, dcmread, dcmwrite

from advisor.node import spool
from advisor.node.audit import Audit, discard
from advisor.analyze import analyze_study
from advisor.evidence.header import UnreadableFile, read_header
from advisor.config import Settings
from advisor.decide import decide
from advisor.node.journal import Journal, ResultRow
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


class Assembler:
    def __init__(self, journal: Journal, settings: Settings, protocols: ProtocolSet,
                 audit: Audit = discard) -> None:
        self.journal = journal
        self.settings = settings
        self.protocols = protocols
        self.audit = audit

    def run_once(self) -> int:
        """Process every due study; returns how many were processed."""
        due = self.journal.due_studies(self.settings.quiet_seconds)
        for study_uid in due:
            self.process(study_uid)
        return len(due)

    def process(self, study_uid: str) -> None:
        paths = self.journal.study_instances(study_uid)
        try:
            with ANALYSIS_SECONDS.time():
                outcome = self._analyse(study_uid, paths)
        except Exception as exc:  # noqa: BLE001 - one bad study must not stop the others
            log.exception("study %s: analysis failed", study_uid)
            self.journal.record_failure(study_uid, len(paths), f"{type(exc).__name__}: {exc}")
            return
        destinations = [str(d) for d in self.settings.destinations]
        self.journal.record_analysis(study_uid, len(paths), outcome.summary, outcome.results,
                                     destinations)
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
        items = []
        for path in paths:
            try:
                items.append((path, read_header(path)))
            except UnreadableFile as exc:
                log.error("study %s: %s", study_uid, exc)
        facts = analyze_study(study_uid, items)
        decision = decide(facts, self.protocols)
        results = []
        if decision.outcome in self.settings.report_outcomes:
            results = self._write_results(facts, decision, [ds for _, ds in items])
        return StudyResult(contract_json(facts, decision), results)

    def _write(self, study_uid: str, dataset: Dataset) -> Path:
        buffer = io.BytesIO()
        dcmwrite(buffer, dataset, enforce_file_format=True)
        path = spool.instance_path(self.settings.outbox_dir, study_uid, str(dataset.SOPInstanceUID))
        return spool.write_atomically(path, buffer.getvalue())

    def _revision_uids(self, facts: StudyFacts, options: tuple[str, ...]) -> ResultUids:
        """The same inputs again (e.g. after a crash) keep their revision; new ones get the next."""
        earlier = self.journal.results_for_study(facts.study_instance_uid)
        predecessor = None
        for row in earlier:
            uids = result_uids(facts, self.protocols.fingerprint, revision=row.revision,
                               predecessor_uid=predecessor, options=options)
            if uids.sop_instance_uid == row.sop_instance_uid:
                return uids
            predecessor = row.sop_instance_uid
        return result_uids(facts, self.protocols.fingerprint,
                           revision=earlier[-1].revision + 1 if earlier else 1,
                           predecessor_uid=predecessor, options=options)

    def _write_results(self, facts: StudyFacts, decision: Decision,
                       evidence: list[Dataset]) -> list[ResultRow]:
        """Write the SR, the key image (if enabled and possible) and the KOS naming them."""
        uids = self._revision_uids(facts, ("key-image",) if self.settings.key_image else ())
        previous = (dcmread(self.journal.result_path(uids.predecessor_uid, "sr"), stop_before_pixels=True)
                    if uids.predecessor_uid else None)
        summary, station = summary_line(decision), self.settings.ae_title
        key_image = build_key_image(facts, summary, uids) if self.settings.key_image else None
        sr = build_sr(facts, decision, evidence, uids, previous=previous, key_image=key_image,
                      station=station)
        kos = build_kos(summary, sr, key_image, uids, station=station)
        study_uid = facts.study_instance_uid
        return [ResultRow(str(ds.SOPInstanceUID), self._write(study_uid, ds), uids.revision, kind)
                for kind, ds in (("sr", sr), ("key-image", key_image), ("kos", kos)) if ds is not None]
