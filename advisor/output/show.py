"""``advisor show FILE``: any SR as readable text in a terminal.

Renders the advisor's own SRs and Key Object Selection documents and the
findings SRs it reads: the document's identity and flags, then the content
tree, one item a line, indented by depth.
No patient name or ID is printed.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydicom import Dataset
from pydicom.uid import UID


def _concept(item: Dataset, sequence: str = "ConceptNameCodeSequence") -> str:
    codes = item.get(sequence)
    return str(codes[0].CodeMeaning) if codes else ""


def _code_value(item: Dataset) -> str:
    code = item.ConceptCodeSequence[0]
    value = code.get("CodeValue") or code.get("LongCodeValue") or code.get("URNCodeValue")
    return f"{code.CodeMeaning} ({value}, {code.CodingSchemeDesignator})"


def _reference(item: Dataset) -> str:
    ref = item.ReferencedSOPSequence[0]
    frames = ref.get("ReferencedFrameNumber")
    return f"{UID(ref.ReferencedSOPClassUID).name} {ref.ReferencedSOPInstanceUID}" + (
        f" frame {frames}" if frames else "")


def _value(item: Dataset) -> str:
    kind = item.get("ValueType", "")
    if kind == "CODE":
        return _code_value(item)
    if kind in ("TEXT", "UIDREF", "DATETIME", "DATE", "TIME", "PNAME"):
        keyword = {"TEXT": "TextValue", "UIDREF": "UID", "DATETIME": "DateTime", "DATE": "Date",
                   "TIME": "Time", "PNAME": "PersonName"}[kind]
        return str(item.get(keyword, ""))
    if kind == "NUM":
        measured = item.MeasuredValueSequence[0] if item.get("MeasuredValueSequence") else None
        return (f"{measured.NumericValue} {_concept(measured, 'MeasurementUnitsCodeSequence')}"
                if measured else "(no value)")
    if kind in ("SCOORD", "SCOORD3D"):
        points = [round(float(v), 1) for v in item.GraphicData]
        return f"{item.GraphicType} {points[:8]}{' ...' if len(points) > 8 else ''}"
    if kind in ("IMAGE", "COMPOSITE"):
        return _reference(item)
    return ""


def _lines(items, depth: int) -> Iterator[str]:
    for item in items:
        relation = item.get("RelationshipType", "").lower()
        name, value = _concept(item), _value(item)
        if item.get("ValueType") == "CONTAINER":
            yield f"{'  ' * depth}[{name}]" + (f"  ({relation})" if relation and relation != "contains" else "")
        else:
            yield f"{'  ' * depth}{name}: {value}" + (f"  ({relation})" if relation not in ("", "contains") else "")
        yield from _lines(item.get("ContentSequence", []), depth + 1)


def render_sr(ds: Dataset) -> str:
    """The SR or KOS ``ds`` as text: header lines, then the content tree."""
    if "ContentSequence" not in ds or ds.get("Modality") not in ("SR", "KO"):
        raise ValueError("not a structured report (no SR content tree)")
    header = [
        f"{UID(ds.SOPClassUID).name}: {_concept(ds)}",
        f"SOP Instance UID: {ds.SOPInstanceUID}",
        f"Study Instance UID: {ds.StudyInstanceUID}",
        f"Series: {ds.get('SeriesDescription', '')} (#{ds.get('SeriesNumber', '')}), "
        f"instance {ds.get('InstanceNumber', '')}",
        f"Made by: {ds.get('Manufacturer', '')} {ds.get('ManufacturerModelName', '')} "
        f"{ds.get('SoftwareVersions', '')}".rstrip(),
        f"Content date/time: {ds.get('ContentDate', '')} {ds.get('ContentTime', '')}",
        f"Completion: {ds.get('CompletionFlag', '-')}, verification: {ds.get('VerificationFlag', '-')}"
        + (f", {ds.PreliminaryFlag.lower()}" if "PreliminaryFlag" in ds else ""),
    ]
    for study in ds.get("PredecessorDocumentsSequence", []):
        for series in study.ReferencedSeriesSequence:
            for ref in series.ReferencedSOPSequence:
                header.append(f"Amends: {ref.ReferencedSOPInstanceUID}")
    return "\n".join(header + ["", f"[{_concept(ds)}]", *_lines(ds.ContentSequence, 1)])
