"""Patient and study identity for the objects the advisor writes.

highdicom copies the patient and study attributes of its first evidence data
set and reads Type 2 attributes such as Patient's Birth Date directly, so an
input without them (anonymised, or from a modality that leaves them out) would
get no result. :func:`identity_header` gives highdicom a clean copy instead:
the attributes that exist and hold a valid value are copied, the Type 2 ones
that do not are present and empty (PS3.3 C.7.1.1 Patient Module, C.7.2.1
General Study Module: Type 2 means "required, may be empty if unknown").
"""

from __future__ import annotations

from pydicom import Dataset
from pydicom import config as pydicom_config
from pydicom.datadict import dictionary_VR
from pydicom.multival import MultiValue
from pydicom.valuerep import validate_value

# Patient Module and General Study Module attributes of Type 2.
TYPE_2 = ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyDate", "StudyTime",
          "ReferringPhysicianName", "StudyID", "AccessionNumber")
# Type 3 attributes worth carrying when they are there and valid.
OPTIONAL = ("IssuerOfPatientID", "OtherPatientIDs", "PatientAge", "PatientSize", "PatientWeight",
            "StudyDescription", "SpecificCharacterSet")
# Where the result belongs; analysis never gets this far without them.
UIDS = ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "SOPClassUID")


def _valid_value(source: Dataset, keyword: str):
    """The attribute's value if it is present, decodable and valid for its VR; else None."""
    try:
        value = source[keyword].value if keyword in source else None
        if value is None or value == "":
            return None
        for item in value if isinstance(value, MultiValue | list) else [value]:
            validate_value(dictionary_VR(keyword), item, pydicom_config.RAISE)
        return value
    except Exception:  # noqa: BLE001 - any unreadable value is "unknown" (DESIGN.md)
        return None


def identity_header(source: Dataset) -> Dataset:
    """A copy of ``source`` holding only its UIDs and its valid patient/study attributes,
    with every Type 2 attribute present (empty when unknown)."""
    header = Dataset()
    for keyword in UIDS:
        setattr(header, keyword, source[keyword].value)
    for keyword in TYPE_2 + OPTIONAL:
        value = _valid_value(source, keyword)
        if value is not None:
            setattr(header, keyword, value)
        elif keyword in TYPE_2:
            setattr(header, keyword, "")
    return header
