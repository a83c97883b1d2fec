"""Key Object Selection: how a PACS learns which of the advisor's objects are key.

PACS key-image features look for a Key Object Selection Document (PS3.3 A.35.4,
SOP Class 1.2.840.10008.5.1.4.1.1.88.59), not for a Secondary Capture on its own.
Built with highdicom: root template TID 2010 Key Object Selection, document
title (113000, DCM, "Of Interest") from CID 7010, Key Object Description
(113012, DCM) = the one-line summary, and one reference each to the key image
(IMAGE) and to the SR (COMPOSITE) of the same revision, so that an amendment's
KOS names the new key image and SR.
"""

from __future__ import annotations

import highdicom as hd
from pydicom import Dataset

from advisor import MANUFACTURER, MODEL_NAME, __version__, codes
from advisor.output.report import MAX_TEXT, device_observer
from advisor.output.uids import ResultUids

SERIES_NUMBER = 9903
SERIES_DESCRIPTION = "Protocol advisor key objects (decision support)"


def build_kos(summary: str, sr: Dataset, key_image: Dataset | None, uids: ResultUids,
              *, station: str = "ADVISOR") -> hd.ko.KeyObjectSelectionDocument:
    """The KOS of result revision ``uids.revision``, naming ``key_image`` (if any) and ``sr``.

    Patient and study attributes come from the advisor's own objects, which
    already carry them with every Type 2 attribute present.
    """
    if len(summary) > MAX_TEXT:
        raise ValueError(f"Key Object Description longer than {MAX_TEXT} characters")
    referenced = ([key_image] if key_image is not None else []) + [sr]
    content = hd.ko.KeyObjectSelection(
        document_title=codes.OF_INTEREST, referenced_objects=referenced,
        observer_device_context=device_observer(station), description=summary)
    content[0].ContinuityOfContent = "SEPARATE"
    kos = hd.ko.KeyObjectSelectionDocument(
        evidence=referenced, content=content, series_instance_uid=uids.kos_series_uid,
        series_number=SERIES_NUMBER, sop_instance_uid=uids.kos_uid, instance_number=uids.revision,
        manufacturer=MANUFACTURER)
    kos.SeriesDescription = SERIES_DESCRIPTION
    kos.ManufacturerModelName = MODEL_NAME
    kos.SoftwareVersions = __version__
    return kos
