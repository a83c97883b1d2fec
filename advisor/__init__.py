"""DICOM imaging-protocol advisor: decision support for pediatric abdominal ultrasound."""

__version__ = "0.1.0"

# How the advisor names itself in the objects it writes; also how it recognises
# its own SRs when a PACS routes them back, so that they never re-open a study.
MANUFACTURER = "Open DICOM Protocol Advisor"
MODEL_NAME = "protocol-advisor"

# Without these an instance cannot be filed, grouped or referenced.
REQUIRED_UIDS = ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "SOPClassUID")


def is_own_output(dataset) -> bool:
    """True for objects this advisor wrote (a PACS may route them back to us)."""
    try:
        return dataset.get("Manufacturer") == MANUFACTURER
    except Exception:  # noqa: BLE001 - an undecodable Manufacturer is not ours
        return False
