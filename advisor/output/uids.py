"""UIDs of a study's results: repeatable, and never one UID for two contents.

Every SOP Instance UID is derived (PS3.5 B.2, UUID-derived 2.25 form via pydicom)
from everything that decides the content: the study, every input instance,
the protocols' fingerprint, the advisor's version, the options that change
what is written, the revision and the SR it supersedes. The same inputs give
the same UIDs after a crash; a new revision, or the same revision built on
another predecessor (e.g. after the journal was reset), gets new ones.
Series UIDs depend on the study only, so amendments land beside their
predecessors.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydicom.uid import generate_uid

from advisor import __version__
from advisor.model import StudyFacts


@dataclass(frozen=True)
class ResultUids:
    """Where a revision of a study's result goes."""

    series_instance_uid: str          # the SR series
    sop_instance_uid: str             # the SR
    key_image_series_uid: str
    key_image_uid: str
    kos_series_uid: str
    kos_uid: str
    revision: int = 1
    predecessor_uid: str | None = None


def result_uids(facts: StudyFacts, protocol_fingerprint: str, *, revision: int = 1,
                predecessor_uid: str | None = None, options: tuple[str, ...] = ()) -> ResultUids:
    """UIDs of revision ``revision`` of the study's SR, key image and KOS.

    ``predecessor_uid`` is the SR this revision supersedes; ``options`` name the
    settings that change the content (e.g. whether a key image is made).
    """
    study = facts.study_instance_uid
    content = [study, protocol_fingerprint, __version__, *options,
               *sorted(ref.sop_instance_uid for ref in facts.instances),
               f"revision {revision}", f"predecessor {predecessor_uid or '-'}"]

    def series(kind: str) -> str:
        return generate_uid(entropy_srcs=[kind, study])

    def instance(kind: str) -> str:
        return generate_uid(entropy_srcs=[kind, *content])

    return ResultUids(
        series_instance_uid=series("advisor-series"), sop_instance_uid=instance("advisor-sr"),
        key_image_series_uid=series("advisor-key-series"), key_image_uid=instance("advisor-key"),
        kos_series_uid=series("advisor-kos-series"), kos_uid=instance("advisor-kos"),
        revision=revision, predecessor_uid=predecessor_uid)
