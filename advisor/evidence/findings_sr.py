"""Findings SR evidence: what the sonographer's structured report states.

Coded findings (Finding 121071 DCM = Mass 4147007 SCT or pathologic
calcification 18115005 SCT; Present 52101004 / Absent 272519000; Laterality
272741003 SCT; Finding Site 363698007 SCT naming an organ of ``codes.ORGAN_CODES``)
and free TEXT items, which go through the text reader.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydicom import Dataset
from pydicom.sr.coding import Code

from advisor import codes
from advisor.evidence.header import items, text
from advisor.evidence.masks import content_items
from advisor.evidence.text import text_observations
from advisor.model import Observation


def _code(item: Dataset, sequence: str) -> Code | None:
    found = items(item, sequence)
    if not found:
        return None
    c = found[0]
    value, scheme = text(c, "CodeValue"), text(c, "CodingSchemeDesignator")
    if not value or not scheme:
        return None
    return Code(value, scheme, text(c, "CodeMeaning") or "")


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
    for kind, concept, values in (("laterality", codes.LATERALITY, codes.LATERALITY_CODES),
                                  ("organ", codes.FINDING_SITE, codes.ORGAN_CODES)):
        if _same(name, concept):
            return next(((kind, found) for found, code in values.items() if _same(value, code)), None)
    return None


def sr_observations(ds: Dataset) -> Iterator[Observation]:
    """Coded and free-text findings in a sonographer's SR."""
    uid = str(ds.SOPInstanceUID)
    for item in content_items(items(ds, "ContentSequence")):
        value_type = text(item, "ValueType")
        if value_type == "CODE":
            found = _coded_observation(_code(item, "ConceptNameCodeSequence"),
                                       _code(item, "ConceptCodeSequence"))
            if found:
                yield Observation(found[0], found[1], "sr-coded", uid, "coded findings SR")
        elif value_type == "TEXT" and text(item, "TextValue"):
            yield from text_observations(text(item, "TextValue"), "sr-text", uid, "findings SR text")
