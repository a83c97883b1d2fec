"""Which SR Storage SOP Class a destination gets, and a KOS that names it so.

Many archives (and DCMTK's storescu) do not negotiate Comprehensive 3D SR
Storage. The advisor's own SR holds no SCOORD3D and no by-reference
relationship, so the same content is also a valid Comprehensive SR (PS3.3
A.35.3) and a valid Enhanced SR (PS3.3 A.35.2). Dispatch proposes the classes
of :func:`proposed_classes` and sends what :func:`payload` gives for the
contexts the destination accepted: the SR under the first of its classes the
destination took, and the advisor's KOS with its SR reference naming that
class, so that the KOS and the stored SR agree. Other files are sent as they
are; another writer's SR or KOS is never changed.
"""

from __future__ import annotations

from pathlib import Path

from pydicom import Dataset, dcmread
from pydicom.uid import (Comprehensive3DSRStorage, ComprehensiveSRStorage, EnhancedSRStorage,
                         KeyObjectSelectionDocumentStorage)

from advisor import is_own_output

# Preferred first: the class the SR is written as, then the fallbacks.
SR_FALLBACK = (Comprehensive3DSRStorage, ComprehensiveSRStorage, EnhancedSRStorage)


def sendable_as(sop_class_uid: str) -> tuple[str, ...]:
    """The SOP Classes a file of ``sop_class_uid`` may be sent as, preferred first."""
    if sop_class_uid in SR_FALLBACK:
        return SR_FALLBACK[SR_FALLBACK.index(sop_class_uid):]
    return (sop_class_uid,)


def proposed_classes(sop_class_uid: str) -> tuple[str, ...]:
    """What to propose for a file of ``sop_class_uid``: the classes it may be sent as, and
    for a KOS also the SR classes, which tell what the destination keeps the SR as."""
    if sop_class_uid == KeyObjectSelectionDocumentStorage:
        return (sop_class_uid, *SR_FALLBACK)
    return sendable_as(sop_class_uid)


def as_sop_class(path: Path, sop_class_uid: str) -> Dataset:
    """The advisor's SR at ``path`` with its SOP Class (and Media Storage SOP Class)
    changed to ``sop_class_uid``, one of :func:`sendable_as` of its own class."""
    dataset = dcmread(path)
    if sop_class_uid not in sendable_as(str(dataset.SOPClassUID)) or not is_own_output(dataset):
        raise ValueError(f"{dataset.SOPClassUID} cannot be sent as {sop_class_uid}: only the "
                         "advisor's own SRs are converted")
    dataset.SOPClassUID = sop_class_uid
    dataset.file_meta.MediaStorageSOPClassUID = sop_class_uid
    return dataset


def _kos_naming(path: Path, sr_class: str) -> Path | Dataset:
    """The advisor's KOS with its references to an SR naming ``sr_class``."""
    dataset = dcmread(path)
    if not is_own_output(dataset):
        return path
    for element in dataset.iterall():
        if element.keyword == "ReferencedSOPClassUID" and element.value in SR_FALLBACK:
            element.value = sr_class
    return dataset


def payload(path: Path, sop_class_uid: str, accepted: set[str]) -> Path | Dataset:
    """What to C-STORE for the file at ``path`` (of ``sop_class_uid``), given the SOP
    classes the destination ``accepted`` in the file's transfer syntax."""
    if sop_class_uid == KeyObjectSelectionDocumentStorage:
        sr_class = next((c for c in SR_FALLBACK if c in accepted), SR_FALLBACK[0])
        return path if sr_class == SR_FALLBACK[0] else _kos_naming(path, sr_class)
    send_as = next((c for c in sendable_as(sop_class_uid) if c in accepted), sop_class_uid)
    return path if send_as == sop_class_uid else as_sop_class(path, send_as)
