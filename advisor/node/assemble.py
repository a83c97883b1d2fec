"""Assemble stage: turn quiet studies from the journal into results.

A study is due once no instance has arrived for ``quiet_seconds`` and it holds
instances the last analysis did not see. Its spooled files are analysed,
decided on and, for the outcomes the site reports, written as an SR (and a
key image, unless switched off) to the outbox; the journal then records the outcome and the deliveries owed. An SR
that supersedes an earlier one for the same study references it (Predecessor
Documents Sequence) and gets the next revision number.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
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
from advisor.node.workers import Shard
from advisor.output.keyimage import build_key_image
from advisor.model import Decision, StudyFacts, contract_json
from advisor.protocols import ProtocolSet
from advisor.output.report import build_sr, result_uids, summary_line
from advisor.web.metrics import ANALYSIS_SECONDS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StudyResult:
    summary: dict                # the analyze --json record of the study
    results: list[ResultRow]     # the SR and its key image, if the outcome is reported


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
        self.audit = audit
        self.shard = shard
        self.observe_seconds = observe_seconds

    def run_once(self) -> int:
        """Process every due study of the shard; returns how many were processed."""
        due = [uid for uid in self.journal.due_studies(self.settings.quiet_seconds)
               if self.shard.owns(uid)]
        for study_uid in due:
            self.process(study_uid)
        return len(due)

    def process(self, study_uid: str) -> None:
        paths = self.journal.study_instances(study_uid)
        started = time.perf_counter()
        try:
            outcome = self._analyse(study_uid, paths)
        except Exception as exc:  # noqa: BLE001 - one bad study must not stop the others
            log.exception("study %s: analysis failed", study_uid)
            self.journal.record_failure(study_uid, len(paths), f"{type(exc).__name__}: {exc}")
            return
        finally:
            self.observe_seconds(time.perf_counter() - started)
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
            results.append(self._write_sr(facts, decision, [ds for _, ds in items]))
            if self.settings.key_image:
                results.extend(self._write_key_image(facts, decision, results[0]))
        return StudyResult(contract_json(facts, decision), results)

    def _write(self, study_uid: str, dataset: Dataset) -> Path:
        buffer = io.BytesIO()
        dcmwrite(buffer, dataset, enforce_file_format=True)
        path = spool.instance_path(self.settings.outbox_dir, study_uid, str(dataset.SOPInstanceUID))
        return spool.write_atomically(path, buffer.getvalue())

    def _write_key_image(self, facts: StudyFacts, decision: Decision, sr: ResultRow) -> list[ResultRow]:
        image = build_key_image(facts, summary_line(decision), sr.sop_instance_uid, sr.revision)
        if image is None:
            return []
        return [ResultRow(str(image.SOPInstanceUID), self._write(facts.study_instance_uid, image),
                          sr.revision, "key-image")]

    def _write_sr(self, facts: StudyFacts, decision: Decision, evidence: list[Dataset]) -> ResultRow:
        uids = result_uids(facts, self.protocols.fingerprint)
        earlier = self.journal.results_for_study(facts.study_instance_uid)
        # The same inputs again (e.g. after a crash) keep their revision; new ones get the next.
        revision = next((r.revision for r in earlier if r.sop_instance_uid == uids.sop_instance_uid),
                        earlier[-1].revision + 1 if earlier else 1)
        previous = next((dcmread(r.path, stop_before_pixels=True) for r in earlier
                         if r.revision == revision - 1), None)
        sr = build_sr(facts, decision, evidence, uids, instance_number=revision,
                      previous=previous, station=self.settings.ae_title)
        return ResultRow(uids.sop_instance_uid, self._write(facts.study_instance_uid, sr), revision)
