"""Header evidence: what the DICOM attributes of an instance say.

Every attribute the analysis reads goes through :func:`value` and its typed
helpers (:func:`text`, :func:`number`, :func:`integer`, :func:`date`,
:func:`items`): an attribute that is missing, empty, encoded with a VR other than
the one PS3.6 gives it, or whose value cannot be parsed is unknown (None or
empty), never an exception. Type 2 and 3 attributes are often absent or
mangled by anonymisers and other modalities (PS3.5 6.2 lists the VRs).

Age (PatientAge, else PatientBirthDate and the study date), weight, laterality
tags (ImageLaterality, Laterality) and the order and description texts
(Study/Series descriptions, Request Attributes Sequence > Reason for the
Requested Procedure, Admitting Diagnoses ...), read by the text reader.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydicom import Dataset, dcmread
from pydicom.datadict import dictionary_VR
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.uid import UltrasoundImageStorage, UltrasoundMultiFrameImageStorage

from advisor import REQUIRED_UIDS
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
    """A file that is not DICOM or cannot be parsed; ``reason`` names the error type."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def read_header(path: Path) -> Dataset:
    """The dataset of ``path`` without pixel data; raises :class:`UnreadableFile`.

    A file without the UIDs an instance is filed by (:data:`advisor.REQUIRED_UIDS`),
    e.g. one cut short, is unreadable too.
    """
    try:
        ds = dcmread(path, stop_before_pixels=True)
    except Exception as exc:  # noqa: BLE001 - pydicom raises many types on malformed files
        raise UnreadableFile(f"{path}: not a readable DICOM file ({type(exc).__name__}: {exc})",
                             type(exc).__name__) from exc
    missing = [k for k in REQUIRED_UIDS if not text(ds, k)]
    if missing:
        raise UnreadableFile(f"{path}: missing {', '.join(missing)}", f"missing {', '.join(missing)}")
    return ds


# --- the tolerant layer ---------------------------------------------------

def _expected_vrs(tag) -> set[str]:
    try:
        return set(dictionary_VR(tag).split(" or "))
    except KeyError:  # private or unknown tag: whatever VR it came with
        return set()


def value(ds: Dataset, keyword: str) -> Any:
    """The value of ``keyword`` in ``ds``; None if missing, empty, of the wrong VR or undecodable.

    Values come back as pydicom gives them for their PS3.6 VR; a VR that PS3.6
    does not allow for the attribute (e.g. Patient's Age, AS, written as FD)
    makes the value unknown rather than a float where a string is expected.
    """
    try:
        if keyword not in ds:
            return None
        element = ds[keyword]
        result = element.value
    except Exception:  # noqa: BLE001 - a value pydicom cannot decode is unknown
        return None
    expected = _expected_vrs(element.tag)
    if expected and element.VR not in expected:
        return None
    if result is None or (isinstance(result, (str, bytes, list, MultiValue)) and len(result) == 0):
        return None
    return result


def text(ds: Dataset, keyword: str) -> str | None:
    """A string-valued attribute as one string (values joined by ``\\``), stripped."""
    found = value(ds, keyword)
    if found is None or isinstance(found, (bytes, Sequence, int, float)):
        return None
    try:
        joined = "\\".join(map(str, found)) if isinstance(found, MultiValue) else str(found)
    except Exception:  # noqa: BLE001 - e.g. a person name in an unknown character set
        return None
    joined = joined.replace("\x00", "").strip()
    return joined or None


def number(ds: Dataset, keyword: str) -> float | None:
    """A numeric attribute (DS, IS, FD, US ...; the first value of several) as a finite float."""
    found = value(ds, keyword)
    if isinstance(found, MultiValue):
        found = found[0] if len(found) else None
    if found is None or isinstance(found, (bytes, Sequence)):
        return None
    try:
        result = float(found)
    except (TypeError, ValueError, OverflowError):
        return None
    return result if math.isfinite(result) else None


def integer(ds: Dataset, keyword: str) -> int | None:
    """A numeric attribute with an integral value, else None."""
    result = number(ds, keyword)
    return int(result) if result is not None and result.is_integer() else None


def date(ds: Dataset, keyword: str) -> dt.date | None:
    """A DA attribute (YYYYMMDD, PS3.5 Table 6.2-1) as a date."""
    return parse_date(text(ds, keyword))


def items(ds: Dataset, keyword: str) -> list[Dataset]:
    """The items of a sequence attribute; [] if it is missing, empty or not a sequence."""
    found = value(ds, keyword)
    return [item for item in found if isinstance(item, Dataset)] if isinstance(found, Sequence) else []


PATIENT_IDENTIFIERS = ("PatientName", "PatientID", "OtherPatientIDs", "PatientBirthDate",
                       "OtherPatientNames", "PatientAddress", "AccessionNumber")


def patient_identifiers(ds: Dataset) -> set[str]:
    """Patient names, IDs and the like in ``ds`` (and each part of a name), to keep out of logs."""
    found = set()
    for keyword in PATIENT_IDENTIFIERS:
        whole = text(ds, keyword)
        if whole:
            found |= {whole, *(part for part in re.split(r"[\\^=]", whole) if len(part) >= 3)}
    return found


def instance_ref(path: Path, ds: Dataset) -> InstanceRef:
    return InstanceRef(path=path, sop_class_uid=str(ds.SOPClassUID),
                       sop_instance_uid=str(ds.SOPInstanceUID),
                       series_instance_uid=text(ds, "SeriesInstanceUID") or "",
                       modality=modality(ds))


def modality(ds: Dataset) -> str:
    """Modality in upper case, "" if unknown."""
    return (text(ds, "Modality") or "").upper()


def body_part(ds: Dataset) -> str:
    """Body Part Examined in upper case, "" if unknown."""
    return (text(ds, "BodyPartExamined") or "").upper()



def parse_age_string(age: str | None) -> float | None:
    """Years from an AS value such as ``004Y``, ``018M``, ``010W`` or ``005D``."""
    age = (age or "").strip().upper()
    if len(age) != 4 or not age[:3].isdigit() or age[3] not in AGE_UNITS_DAYS:
        return None
    return int(age[:3]) * AGE_UNITS_DAYS[age[3]] / 365.25


def parse_date(day: str | None) -> dt.date | None:
    """A DA value as a date; None unless it is a valid YYYYMMDD."""
    day = (day or "").strip()
    if len(day) != 8 or not day.isdigit():
        return None
    try:
        return dt.datetime.strptime(day, "%Y%m%d").date()
    except ValueError:
        return None


def patient_age(datasets: Iterable[Dataset]) -> tuple[float | None, str | None]:
    """Age in years from PatientAge, else from PatientBirthDate and the study date."""
    datasets = list(datasets)
    for ds in datasets:
        years = parse_age_string(text(ds, "PatientAge"))
        if years is not None:
            return round(years, 2), "PatientAge"
    for ds in datasets:
        birth = date(ds, "PatientBirthDate")
        seen = next(filter(None, (date(ds, a) for a in ("StudyDate", "SeriesDate", "ContentDate"))),
                    None)
        if birth and seen and seen >= birth:
            return round((seen - birth).days / 365.25, 2), "PatientBirthDate and StudyDate"
    return None, None


def patient_weight(datasets: Iterable[Dataset]) -> float | None:
    """Patient's Weight in kg from the first instance that states a positive one."""
    for ds in datasets:
        weight = number(ds, "PatientWeight")
        if weight is not None and weight > 0:
            return weight
    return None


def header_texts(ds: Dataset) -> Iterator[tuple[str, str]]:
    """(attribute, text) for every indication/description text in ``ds``."""
    for keyword in TEXT_ATTRIBUTES:
        found = text(ds, keyword)
        if found:
            yield keyword, found
    for item in items(ds, "RequestAttributesSequence"):
        yield from header_texts(item)


def header_observations(ds: Dataset) -> Iterator[Observation]:
    uid = str(ds.SOPInstanceUID)
    for keyword in ("ImageLaterality", "Laterality"):
        side = LATERALITY_TAGS.get((text(ds, keyword) or "").upper())
        if side:
            yield Observation("laterality", side, "header", uid, keyword)
    for keyword, found in header_texts(ds):
        yield from text_observations(found, "indication-text", uid, keyword)


US_IMAGE_CLASSES = (UltrasoundImageStorage, UltrasoundMultiFrameImageStorage)


def is_us_image(ds: Dataset) -> bool:
    return str(ds.SOPClassUID) in US_IMAGE_CLASSES and bool(integer(ds, "Rows"))
