"""The records that flow between pipeline stages: analyze -> decide -> report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from advisor.protocols import Protocol

OUTCOMES = ("recommended", "not-indicated", "out-of-scope", "insufficient-data")

# Evidence sources, strongest first (DESIGN.md: a human finding wins over the detector).
SOURCE_PRECEDENCE = ("sr-coded", "sr-text", "header", "indication-text", "burned-in-text",
                     "detector")


@dataclass(frozen=True)
class InstanceRef:
    """One received instance: where it is and what it is."""

    path: Path
    sop_class_uid: str
    sop_instance_uid: str
    series_instance_uid: str
    modality: str


@dataclass(frozen=True)
class Observation:
    """One statement found in the study, e.g. calcification absent in a text SR."""

    kind: str        # "mass" | "calcification" | "laterality" | "organ" | "size_mm" | "context" | "uncertain"
    value: str       # "present"/"absent", "left"/"right"/"bilateral", an organ, mm, a flag, or a note
    source: str      # one of SOURCE_PRECEDENCE
    sop_instance_uid: str
    detail: str      # where it came from, for the rationale (no patient data)


@dataclass(frozen=True)
class Focus:
    """A calcific focus found by the pixel detector (DESIGN.md ``foci`` item).

    ``x`` and ``y`` are the column and row of the centre in pixel indices
    (0-based, the centre of the top left pixel is 0, 0); an SR SCOORD adds 0.5.
    """

    sop_instance_uid: str
    sop_class_uid: str
    frame: int          # 1-based
    x: float
    y: float
    diameter_mm: float
    shadow: bool
    score: float
    mm_per_pixel: float
    spacing_known: bool
    frames: tuple[int, ...] = ()   # every frame (1-based) the same focus is seen on; () = just ``frame``


@dataclass(frozen=True)
class BurnedInLabel:
    """Text the sonographer typed on an image, as OCR read it, and where (for the study page)."""

    sop_instance_uid: str
    frame: int                          # 1-based
    text: str                           # vocabulary words only, e.g. "LT KIDNEY"
    box: tuple[int, int, int, int]      # x0, y0, x1, y1 in the frame's pixels


@dataclass(frozen=True)
class Resolved:
    """What the evidence says about one kind, after precedence."""

    value: str | None                 # e.g. "present", "absent", "left"; None if unknown
    source: str | None                # the winning source
    sources: tuple[str, ...] = ()     # every source that agrees with ``value``

    @property
    def status(self) -> str:
        """``present``, ``absent`` or ``unknown`` (the contract's tri-state)."""
        return self.value or "unknown"


@dataclass
class StudyFacts:
    """Everything the analysis found in one study; the input of the decision."""

    study_instance_uid: str
    instances: list[InstanceRef]
    modalities: set[str]
    body_parts: set[str]
    region_texts: list[str]
    age_years: float | None
    age_source: str | None
    weight_kg: float | None
    laterality: Resolved
    mass: Resolved
    calcification: Resolved
    observations: list[Observation]
    foci: list[Focus] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # What the texts say about the mass beyond present/absent, for the protocols'
    # exclusions: its organ of origin ("kidney", "adrenal", "liver", "ovary", ...),
    # its largest size, and clinical context flags such as "known-tumour-follow-up"
    # or "adrenal-haemorrhage" (see the protocol schema's ``exclusions``).
    labels: list[BurnedInLabel] = field(default_factory=list)
    organ: str | None = None
    mass_size_mm: float | None = None
    context: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Decision:
    """The outcome for a study, the protocol that fired (if any) and why."""

    outcome: str
    protocol: Protocol | None
    reasons: tuple[str, ...]
    contrast_ml: float | None = None   # weight-based volume, when the weight is known
    needs_confirmation: bool = False   # calcification rests on the pixel detector alone
    # One short line for the key image banner, the SR summary and the worklist, beside the
    # protocol's banner: "calcification seen by image analysis only: confirm before
    # protocolling", or an exclusion's summary ("known tumour: follow the oncology protocol").
    notice: str | None = None


def contract_json(facts: StudyFacts, decision: Decision) -> dict:
    """One study in the ``advisor analyze --json`` contract of DESIGN.md."""
    return {
        "study_instance_uid": facts.study_instance_uid,
        "outcome": decision.outcome,
        "protocol_id": decision.protocol.id if decision.protocol else None,
        "laterality": facts.laterality.value or "unknown",
        "laterality_source": facts.laterality.source,
        "patient_age_years": facts.age_years,
        "needs_confirmation": decision.needs_confirmation,
        "mass": {"status": facts.mass.status, "present": facts.mass.value == "present",
                 "sources": list(facts.mass.sources) if facts.mass.value else []},
        "calcification": {"status": facts.calcification.status,
                          "present": facts.calcification.value == "present",
                          "source": facts.calcification.source or "none"},
        "foci": [{"sop_instance_uid": f.sop_instance_uid, "frame": f.frame,
                  "frames": list(f.frames or (f.frame,)),
                  "x": round(f.x, 1), "y": round(f.y, 1), "diameter_mm": round(f.diameter_mm, 1),
                  "shadow": f.shadow, "score": round(f.score, 2)} for f in facts.foci],
        "burned_in_text": [{"sop_instance_uid": label.sop_instance_uid, "frame": label.frame,
                            "text": label.text, "box": list(label.box)} for label in facts.labels],
        "reasons": list(decision.reasons),
    }
