"""Analysis stage: from the instances of one study to :class:`StudyFacts`.

Reads the header (age, weight, body part, laterality tags), the order and
description text, and the sonographer's findings SRs (coded and free text), then
resolves each kind of evidence by the precedence in DESIGN.md. Pixel data is not
loaded here.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydicom import Dataset, dcmread
from pydicom.errors import InvalidDicomError
from pydicom.sr.coding import Code
from pydicom.uid import UltrasoundImageStorage, UltrasoundMultiFrameImageStorage

from advisor import REQUIRED_UIDS, codes, is_own_output, text
from advisor.detect import ASSUMED_MM_PER_PIXEL, Detection, detect_instance
from advisor.masks import content_items, mass_masks
from advisor.model import SOURCE_PRECEDENCE, Focus, InstanceRef, Observation, Resolved, StudyFacts

log = logging.getLogger(__name__)

# Header attributes whose text may carry the indication or region, with the
# sequences they may sit in (Request Attributes Sequence for the order).
TEXT_ATTRIBUTES = (
    "StudyDescription", "SeriesDescription", "RequestedProcedureDescription",
    "PerformedProcedureStepDescription", "ReasonForTheRequestedProcedure",
    "AdmittingDiagnosesDescription", "ImageComments", "ReasonForStudy",
)
LATERALITY_TAGS = {"L": "left", "R": "right", "B": "bilateral"}
AGE_UNITS_DAYS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12, "Y": 365.25}


class UnreadableFile(ValueError):
    """A file that is not DICOM or cannot be parsed."""


def read_header(path: Path) -> Dataset:
    """The dataset of ``path`` without pixel data; raises :class:`UnreadableFile`."""
    try:
        return dcmread(path, stop_before_pixels=True)
    except (InvalidDicomError, OSError, EOFError, ValueError, KeyError) as exc:
        raise UnreadableFile(f"{path}: not a readable DICOM file ({exc})") from exc


def instance_ref(path: Path, ds: Dataset) -> InstanceRef:
    return InstanceRef(path=path, sop_class_uid=str(ds.SOPClassUID),
                       sop_instance_uid=str(ds.SOPInstanceUID),
                       series_instance_uid=str(ds.get("SeriesInstanceUID", "")),
                       modality=str(ds.get("Modality", "")).upper())


# --- header ---------------------------------------------------------------

def parse_age_string(value: str) -> float | None:
    """Years from an AS value such as ``004Y``, ``018M``, ``010W`` or ``005D``."""
    value = (value or "").strip().upper()
    if len(value) != 4 or not value[:3].isdigit() or value[3] not in AGE_UNITS_DAYS:
        return None
    return int(value[:3]) * AGE_UNITS_DAYS[value[3]] / 365.25


def _parse_date(value: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(str(value or "")[:8], "%Y%m%d").date()
    except ValueError:
        return None


def patient_age(datasets: Iterable[Dataset]) -> tuple[float | None, str | None]:
    """Age in years from PatientAge, else from PatientBirthDate and the study date."""
    datasets = list(datasets)
    for ds in datasets:
        years = parse_age_string(ds.get("PatientAge", ""))
        if years is not None:
            return round(years, 2), "PatientAge"
    for ds in datasets:
        birth = _parse_date(ds.get("PatientBirthDate", ""))
        seen = next(filter(None, (_parse_date(ds.get(a, "")) for a in
                                  ("StudyDate", "SeriesDate", "ContentDate"))), None)
        if birth and seen and seen >= birth:
            return round((seen - birth).days / 365.25, 2), "PatientBirthDate and StudyDate"
    return None, None


def patient_weight(datasets: Iterable[Dataset]) -> float | None:
    for ds in datasets:
        weight = ds.get("PatientWeight")
        if weight not in (None, "") and float(weight) > 0:
            return float(weight)
    return None


def header_texts(ds: Dataset) -> Iterator[tuple[str, str]]:
    """(attribute, text) for every indication/description text in ``ds``."""
    for keyword in TEXT_ATTRIBUTES:
        value = ds.get(keyword)
        if value:
            yield keyword, str(value)
    for item in ds.get("RequestAttributesSequence", []):
        yield from header_texts(item)


def header_observations(ds: Dataset) -> Iterator[Observation]:
    uid = str(ds.SOPInstanceUID)
    for keyword in ("ImageLaterality", "Laterality"):
        side = LATERALITY_TAGS.get(str(ds.get(keyword, "")).upper())
        if side:
            yield Observation("laterality", side, "header", uid, keyword)
    for keyword, value in header_texts(ds):
        yield from text_observations(value, "indication-text", uid, keyword)


def text_observations(value: str, source: str, uid: str, where: str) -> Iterator[Observation]:
    """Laterality, mass and calcification stated in one free text."""
    side = text.laterality(value)
    if side:
        yield Observation("laterality", side, source, uid, where)
    for kind in ("mass", "calcification"):
        status = text.term_status(value, kind)
        if status:
            yield Observation(kind, status, source, uid, where)


# --- findings SR ----------------------------------------------------------

def _code(item: Dataset, sequence: str) -> Code | None:
    seq = item.get(sequence)
    if not seq:
        return None
    c = seq[0]
    return Code(str(c.get("CodeValue", "")), str(c.get("CodingSchemeDesignator", "")),
                str(c.get("CodeMeaning", "")))


def _same(a: Code | None, b: Code) -> bool:
    return a is not None and (a.value, a.scheme_designator) == (b.value, b.scheme_designator)


def _coded_observation(name: Code | None, value: Code | None) -> tuple[str, str] | None:
    """(kind, value) for one CODE content item, per the codes in DESIGN.md."""
    if value is None:
        return None
    if _same(name, codes.FINDING) and _same(value, codes.MASS):
        return "mass", "present"
    if _same(name, codes.FINDING) and _same(value, codes.PATHOLOGIC_CALCIFICATION):
        return "calcification", "present"
    for kind, concept in (("calcification", codes.PATHOLOGIC_CALCIFICATION), ("mass", codes.MASS)):
        if _same(name, concept) and _same(value, codes.PRESENT):
            return kind, "present"
        if _same(name, concept) and _same(value, codes.ABSENT):
            return kind, "absent"
    if _same(name, codes.LATERALITY):
        for side, code in codes.LATERALITY_CODES.items():
            if _same(value, code):
                return "laterality", side
    return None


def sr_observations(ds: Dataset) -> Iterator[Observation]:
    """Coded and free-text findings in a sonographer's SR."""
    uid = str(ds.SOPInstanceUID)
    for item in content_items(ds.get("ContentSequence", [])):
        value_type = item.get("ValueType")
        if value_type == "CODE":
            found = _coded_observation(_code(item, "ConceptNameCodeSequence"),
                                       _code(item, "ConceptCodeSequence"))
            if found:
                yield Observation(found[0], found[1], "sr-coded", uid, "coded findings SR")
        elif value_type == "TEXT" and item.get("TextValue"):
            yield from text_observations(str(item.TextValue), "sr-text", uid, "findings SR text")


# --- pixels ---------------------------------------------------------------

US_IMAGE_CLASSES = (UltrasoundImageStorage, UltrasoundMultiFrameImageStorage)


def is_us_image(ds: Dataset) -> bool:
    return str(ds.SOPClassUID) in US_IMAGE_CLASSES and "Rows" in ds


def _detector_note(detections: list[tuple[str, Detection]]) -> str:
    frames = sum(d.frames for _, d in detections)
    masks = sorted({d.mask for _, d in detections})
    unknown = [uid for uid, d in detections if not d.spacing_known]
    note = (f"Detector: {frames} frame(s) of {len(detections)} image(s) searched "
            f"({', '.join(masks)}).")
    if unknown:
        note += (f" No calibrated ultrasound region on {len(unknown)} image(s): sizes there "
                 f"assume {ASSUMED_MM_PER_PIXEL} mm per pixel.")
    return note


def pixel_evidence(items: list[tuple[Path, Dataset]]) -> tuple[list[Focus], list[Observation], list[str]]:
    """Foci found by the detector in every US image, as evidence about calcification.

    A shadowing focus counts as calcification present; finding none is not
    evidence of absence (ultrasound can miss calcification).
    """
    images = [(p, ds) for p, ds in items if is_us_image(ds)]
    if not images:
        return [], [], []
    masks = mass_masks(items, {str(ds.SOPInstanceUID): (int(ds.Rows), int(ds.Columns))
                               for _, ds in images})
    foci, observations, notes, detections = [], [], [], []
    for path, ds in images:
        uid = str(ds.SOPInstanceUID)
        try:
            detection = detect_instance(path, {frame: m for (u, frame), m in masks.items() if u == uid})
        except Exception as exc:  # noqa: BLE001 - undecodable pixels: say so, keep the other evidence
            notes.append(f"Detector could not read the pixels of {uid}: {exc}")
            continue
        detections.append((uid, detection))
        foci.extend(detection.foci)
        shadowing = [f for f in detection.foci if f.shadow]
        if shadowing:
            observations.append(Observation(
                "calcification", "present", "detector", uid,
                f"{len(shadowing)} shadowing focus/foci, largest {max(f.diameter_mm for f in shadowing):.1f} mm"))
    if detections:
        notes.append(_detector_note(detections))
    return foci, observations, notes


# --- precedence -----------------------------------------------------------

def _rank(source: str) -> int:
    return SOURCE_PRECEDENCE.index(source)


def resolve(observations: list[Observation], kind: str) -> Resolved:
    """The strongest source's statement about ``kind``.

    Within one source, left + right make bilateral and present beats absent
    (an explicit finding anywhere in the sonographer's report is the finding).
    """
    relevant = [o for o in observations if o.kind == kind]
    if not relevant:
        return Resolved(None, None)
    best = min(_rank(o.source) for o in relevant)
    values = {o.value for o in relevant if _rank(o.source) == best}
    if kind == "laterality":
        value = "bilateral" if "bilateral" in values or {"left", "right"} <= values else values.pop()
    else:
        value = "present" if "present" in values else "absent"
    agreeing = sorted({o.source for o in relevant if o.value == value}, key=_rank)
    return Resolved(value, SOURCE_PRECEDENCE[best], tuple(agreeing))


def disagreements(observations: list[Observation], kind: str, chosen: Resolved) -> list[str]:
    """Notes for each weaker source that says something else than the chosen one."""
    if chosen.value is None:
        return []
    others = sorted({(o.source, o.value) for o in observations
                     if o.kind == kind and o.value != chosen.value and o.source != chosen.source},
                    key=lambda sv: _rank(sv[0]))
    return [f"Disagreement on {kind}: {source} says {value}, {chosen.source} says "
            f"{chosen.value}; {chosen.source} was used." for source, value in others]


# --- study ----------------------------------------------------------------

def analyze_study(study_uid: str, items: list[tuple[Path, Dataset]], detect: bool = True) -> StudyFacts:
    """Facts of one study from its (path, header dataset) pairs.

    ``detect`` runs the pixel detector on every US image (pixels are read from
    ``path`` one frame at a time).
    """
    items = [(p, ds) for p, ds in items if not is_own_output(ds)]
    datasets = [ds for _, ds in items]
    observations: list[Observation] = []
    for ds in datasets:
        observations.extend(header_observations(ds))
        if str(ds.get("Modality", "")).upper() == "SR":
            observations.extend(sr_observations(ds))
    foci, detector_observations, detector_notes = pixel_evidence(items) if detect else ([], [], [])
    observations.extend(detector_observations)
    age, age_source = patient_age(datasets)
    resolved = {kind: resolve(observations, kind) for kind in ("laterality", "mass", "calcification")}
    notes = detector_notes + [note for kind, chosen in resolved.items()
                              for note in disagreements(observations, kind, chosen)]
    return StudyFacts(
        study_instance_uid=study_uid,
        instances=[instance_ref(p, ds) for p, ds in items],
        modalities={str(ds.get("Modality", "")).upper() for ds in datasets} - {""},
        body_parts={str(ds.get("BodyPartExamined", "")).upper().strip() for ds in datasets} - {""},
        region_texts=sorted({value for ds in datasets for _, value in header_texts(ds)}),
        age_years=age, age_source=age_source, weight_kg=patient_weight(datasets),
        laterality=resolved["laterality"], mass=resolved["mass"],
        calcification=resolved["calcification"], observations=observations, foci=foci, notes=notes)


def dicom_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Every file under ``paths`` (files as given, folders walked in sorted order)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())
        else:
            yield path


def group_by_study(paths: Iterable[Path]) -> tuple[dict[str, list[tuple[Path, Dataset]]], list[str]]:
    """Headers of every readable file grouped by Study Instance UID, plus problems found."""
    studies: dict[str, list[tuple[Path, Dataset]]] = {}
    problems = []
    for path in dicom_files(paths):
        try:
            ds = read_header(path)
        except UnreadableFile as exc:
            problems.append(f"skipped: {exc}")
            continue
        missing = [k for k in REQUIRED_UIDS if not ds.get(k)]
        if missing:
            problems.append(f"skipped: {path}: missing {', '.join(missing)}")
            continue
        studies.setdefault(str(ds.StudyInstanceUID), []).append((path, ds))
    return studies, problems
