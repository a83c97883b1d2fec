"""Header evidence: what the DICOM attributes of an instance say.

Age (PatientAge, else PatientBirthDate and the study date), weight, laterality
tags (ImageLaterality, Laterality) and the order and description texts
(Study/Series descriptions, Request Attributes Sequence > Reason for the
Requested Procedure, Admitting Diagnoses ...), read by the text reader.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydicom import Dataset, dcmread
from pydicom.errors import InvalidDicomError
from pydicom.uid import UltrasoundImageStorage, UltrasoundMultiFrameImageStorage

from advisor.evidence.text import text_observations
from advisor.model import InstanceRef, Observation

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


US_IMAGE_CLASSES = (UltrasoundImageStorage, UltrasoundMultiFrameImageStorage)


def is_us_image(ds: Dataset) -> bool:
    return str(ds.SOPClassUID) in US_IMAGE_CLASSES and "Rows" in ds
