"""Report stage: the recommendation as a Comprehensive 3D SR (TID 1500 root).

Built with highdicom in the form IHE AI Results (AIR) asks for:

- SOP Class Comprehensive 3D SR Storage (1.2.840.10008.5.1.4.1.1.88.34),
  PS3.3 A.35.13; nothing in it needs 3D coordinates, so dispatch may send it as
  Comprehensive SR or Enhanced SR when that is what a destination accepts
  (:mod:`advisor.output.sop_classes`). Root template TID 1500 Measurement
  Report (PS3.16), title (126000, DCM, "Imaging Measurement Report");
- observation context TID 1001/1004: a device observer naming the advisor;
- Procedure Reported (121058 DCM) = (363679005, SCT, "Imaging procedure"), since
  CID 100 has no ultrasound code; the inputs' own procedure codes go to
  Performed Procedure Code Sequence;
- always one TID 1501 group, the study assessment (finding site: the organ of
  origin coded from CID 4, else the abdomen, with its laterality;
  mass and pathologic calcification present/absent as stated), so that a study
  where nothing was found still gets its report; one TID 1410 group per
  distinct detector focus (a circle on its source image and every frame it is
  on; posterior acoustic features 111366 DCM with CID 6155 values; the key
  image as its "Illustration of ROI" (121200 DCM) when it shows the focus);
- the report-level "Qualitative Evaluations" container (C0034375, UMLS;
  TID 1500 row 12, CODE and TEXT items), which highdicom has no API for
  (:class:`QualitativeEvaluations`): outcome, coded recommendation, a summary
  (121111 DCM) and the protocol as short labelled TEXT items;
- every CONTAINER SEPARATE, so that renderers keep each item's label;
- Contributing Equipment Sequence naming the algorithm, Predecessor Documents
  Sequence for an amended result, evidence referencing every source instance
  and the key image.
"""

from __future__ import annotations

import re

import highdicom as hd
import numpy as np
from highdicom.sr.templates import Template
from highdicom.sr import (CodeContentItem, ContainerContentItem, ContentSequence,
                          ImageContentItem, TextContentItem)
from pydicom import Dataset
from pydicom.sr.codedict import codes as dicom_codes
from pydicom.sr.coding import Code
from pydicom.uid import UltrasoundMultiFrameImageStorage, generate_uid

from advisor import MANUFACTURER, MODEL_NAME, __version__, codes
from advisor.model import Decision, Focus, StudyFacts
from advisor.output.identity import identity_header
from advisor.output.uids import ResultUids, result_uids

__all__ = ["build_sr", "result_uids", "summary_line", "ResultUids", "text_chunks"]

SERIES_NUMBER = 9901
SERIES_DESCRIPTION = "Protocol advisor (decision support)"
# Orthanc's REST JSON shows text values up to 256 characters (SR-NOTES.md).
MAX_TEXT = 256
OUTCOME_CODES = {  # Code Value is SH: 16 characters at most
    "recommended": Code("recommended", codes.LOCAL_SCHEME, "Recommended"),
    "not-indicated": Code("not-indicated", codes.LOCAL_SCHEME, "Not indicated"),
    "insufficient-data": Code("insufficient", codes.LOCAL_SCHEME, "Insufficient data"),
}


def _local(value: str, meaning: str) -> Code:
    return Code(value, codes.LOCAL_SCHEME, meaning)


TEXT_CONCEPTS = {
    "summary": codes.SUMMARY,
    "evidence": _local("evidence", "Evidence"),
    "reason": _local("rationale", "Rationale"),
    "phase": _local("phase", "Protocol phase"),
    "contrast": _local("contrast", "Contrast"),
    "technique": _local("technique", "Technique"),
    "caution": _local("caution", "Caution"),
    "alternative": _local("alternative", "Alternative"),
    "differential": _local("differential", "Differential diagnosis"),
    "reference": _local("reference", "Reference"),
}


def text_chunks(text: str, limit: int = MAX_TEXT) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut between sentences where
    possible, else between words."""
    chunks: list[str] = []
    for piece in re.split(r"(?<=[.;:])\s+", text.strip()):
        for word in piece.split() if len(piece) > limit else [piece]:
            joined = f"{chunks[-1]} {word}" if chunks else word
            if chunks and len(joined) <= limit:
                chunks[-1] = joined
            else:
                chunks.extend(word[i:i + limit] for i in range(0, len(word), limit))
    return chunks


def _algorithm() -> hd.sr.AlgorithmIdentification:
    return hd.sr.AlgorithmIdentification(name=MODEL_NAME, version=__version__,
                                         manufacturer=MANUFACTURER)


def _observation_context(station: str) -> hd.sr.ObservationContext:
    return hd.sr.ObservationContext(observer_device_context=device_observer(station))


def device_observer(station: str) -> hd.sr.ObserverContext:
    """TID 1004 device observer: the advisor node ``station``."""
    device = hd.sr.DeviceObserverIdentifyingAttributes(
        uid=generate_uid(entropy_srcs=["advisor-device", station]), name=station,
        manufacturer_name=MANUFACTURER, model_name=MODEL_NAME)
    return hd.sr.ObserverContext(observer_type=dicom_codes.DCM.Device,
                                 observer_identifying_attributes=device)


STATUS_CODES = {"present": codes.PRESENT, "absent": codes.ABSENT}


def _status(resolved_value: str | None, concept: Code) -> hd.sr.QualitativeEvaluation:
    """``concept`` = Present, Absent, or Unknown when no source states it."""
    return hd.sr.QualitativeEvaluation(concept, STATUS_CODES.get(resolved_value or "", codes.UNKNOWN))


def _assessment_group(facts: StudyFacts) -> hd.sr.MeasurementsAndQualitativeEvaluations:
    """TID 1501 group: the study's mass and calcification as the evidence states them
    (Unknown when nothing states them: not seen is not absent).

    Present in every report, so that a study where nothing was found is reported too.
    """
    laterality = codes.LATERALITY_CODES.get(facts.laterality.value or "")
    site = hd.sr.FindingSite(anatomic_location=codes.ORGAN_CODES.get(facts.organ or "", codes.ABDOMEN),
                             laterality=laterality)
    return hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(
            uid=generate_uid(entropy_srcs=["advisor-mass", facts.study_instance_uid]),
            identifier="Assessment"),
        finding_sites=[site], algorithm_id=_algorithm(),
        qualitative_evaluations=[_status(facts.mass.value, codes.MASS),
                                 _status(facts.calcification.value, codes.PATHOLOGIC_CALCIFICATION)])


MAX_FOCUS_GROUPS = 32  # the SR outlines the strongest distinct foci; the evidence text counts all


def focus_frames(focus: Focus) -> tuple[int, ...]:
    """Every frame (1-based) a distinct focus is seen on."""
    return tuple(sorted(set(focus.frames))) or (focus.frame,)


def _illustrates(key_image: Dataset | None, focus: Focus) -> bool:
    """Does the key image show ``focus`` (its source frame is one the focus is on)?"""
    if key_image is None:
        return False
    source = key_image.SourceImageSequence[0]
    return (source.ReferencedSOPInstanceUID == focus.sop_instance_uid
            and int(source.get("ReferencedFrameNumber", 1)) in focus_frames(focus))


def _focus_group(focus: Focus, index: int, study_uid: str,
                 key_image: Dataset | None) -> hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations:
    """TID 1410 group: one distinct focus as a circle on its source image and every frame it
    is on (PS3.3 C.18.6: SCOORD (0, 0) is the top left corner of the top left pixel, so
    centres gain 0.5). Only a shadowing focus is coded as pathologic calcification."""
    centre = np.array([focus.x + 0.5, focus.y + 0.5])
    radius_px = focus.diameter_mm / focus.mm_per_pixel / 2
    frames = (list(focus_frames(focus)) if focus.sop_class_uid == UltrasoundMultiFrameImageStorage
              else None)
    region = hd.sr.ImageRegion(hd.sr.GraphicTypeValues.CIRCLE,
                               np.stack([centre, centre + [radius_px, 0.0]]),
                               hd.sr.SourceImageForRegion(focus.sop_class_uid, focus.sop_instance_uid,
                                                          referenced_frame_numbers=frames))
    measurements = ([hd.sr.Measurement(codes.DIAMETER, round(focus.diameter_mm, 1),
                                       dicom_codes.UCUM.Millimeter)] if focus.spacing_known else None)
    acoustic = codes.POSTERIOR_SHADOWING if focus.shadow else codes.NO_POSTERIOR_ACOUSTIC_FEATURES
    group = hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(
            uid=generate_uid(entropy_srcs=["advisor-focus", study_uid, focus.sop_instance_uid,
                                           *map(str, focus_frames(focus)),
                                           f"{focus.x:.1f}", f"{focus.y:.1f}"]),
            identifier=f"Focus {index}"),
        referenced_region=region,
        finding_type=codes.PATHOLOGIC_CALCIFICATION if focus.shadow else codes.ECHOGENIC_FOCUS_UNCERTAIN,
        algorithm_id=_algorithm(), measurements=measurements,
        qualitative_evaluations=[hd.sr.QualitativeEvaluation(codes.POSTERIOR_ACOUSTIC_FEATURES,
                                                             acoustic)])
    if _illustrates(key_image, focus):
        group[0].ContentSequence.append(ImageContentItem(
            codes.ILLUSTRATION_OF_ROI, key_image.SOPClassUID, key_image.SOPInstanceUID,
            relationship_type="CONTAINS"))
    return group


def ranked_foci(facts: StudyFacts) -> list[Focus]:
    """Distinct foci, shadowing first, strongest first: the order of the SR's focus numbers."""
    return sorted(facts.foci, key=lambda f: (not f.shadow, -f.score))


def _focus_groups(facts: StudyFacts, key_image: Dataset | None,
                  ) -> list[hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations]:
    return [_focus_group(f, i, facts.study_instance_uid, key_image)
            for i, f in enumerate(ranked_foci(facts)[:MAX_FOCUS_GROUPS], start=1)]


def foci_count_text(foci: list[Focus]) -> str:
    """How many distinct foci of each kind, as the SR and the key image banner say it."""
    shadowing = sum(f.shadow for f in foci)
    return (f"{shadowing} distinct calcific focus/foci with posterior shadow, "
            f"{len(foci) - shadowing} echogenic focus/foci without shadow (uncertain)")


def _evidence_lines(facts: StudyFacts) -> list[str]:
    lines = [f"Laterality: {facts.laterality.value or 'unknown'}"
             + (f" (from {facts.laterality.source})" if facts.laterality.source else "")]
    for kind in ("mass", "calcification"):
        resolved = getattr(facts, kind)
        lines.append(f"{kind.capitalize()}: {resolved.value or 'not stated'}"
                     + (f" (from {', '.join(resolved.sources)})" if resolved.sources else ""))
    if facts.foci:
        lines.append(f"Detector: {foci_count_text(facts.foci)}; foci without shadow are not used "
                     "for the decision"
                     + (f"; the {MAX_FOCUS_GROUPS} strongest are outlined"
                        if len(facts.foci) > MAX_FOCUS_GROUPS else ""))
        for index, focus in enumerate(ranked_foci(facts)[:MAX_FOCUS_GROUPS], start=1):
            frames = focus_frames(focus)
            lines.append(f"Focus {index}: {'posterior shadowing' if focus.shadow else 'no shadow'}, "
                         f"{focus.diameter_mm:.1f} mm, on {len(frames)} frame(s): "
                         + ", ".join(map(str, frames)))
    return lines


def _protocol_lines(decision: Decision) -> list[tuple[str, str]]:
    """(concept key, text) pairs describing the recommended protocol."""
    data = decision.protocol.data
    contrast = data["contrast"]
    volume = (f"; for this patient {decision.contrast_ml:g} mL" if decision.contrast_ml is not None
              else "; patient weight unknown: calculate the volume before injecting")
    lines = [("phase", f"{i}. {p['name']}: {p['coverage']}. {p['purpose']}."
              + (f" Timing: {p['delay']}." if "delay" in p else "")
              + (f" {p['dose_note']}." if "dose_note" in p else ""))
             for i, p in enumerate(data["phases"], start=1)]
    lines.append(("contrast", f"{contrast['agent']}, {contrast['dose_ml_per_kg']:g} mL/kg, "
                              f"max {contrast['max_ml']:g} mL, {contrast['route']}{volume}."))
    technique = data["technique"]
    lines.append(("technique", f"kV: {technique['kv']}. mA: {technique['ma']}."
                  + "".join(f" {n}." for n in technique.get("notes", []))))
    for key, field in (("caution", "cautions"), ("alternative", "alternatives"),
                       ("differential", "differential"), ("reference", "references")):
        lines.extend((key, text) for text in data[field])
    return lines


def summary_line(decision: Decision) -> str:
    """The recommendation in one line, as the SR summary, the key image banner and the
    KOS description say it (at most 256 characters), with the decision's notice (e.g.
    "calcification seen by image analysis only: confirm before protocolling")."""
    if decision.outcome == "recommended":
        line = decision.protocol.data["banner"]
    else:
        line = f"Outcome: {decision.outcome}. No imaging protocol is suggested by the advisor"
    if decision.notice:
        line += f"; {decision.notice}"
    return text_chunks(f"{line}; decision support, confirm with radiologist.")[0]


class QualitativeEvaluations(Template):
    """TID 1500 row 12 "Qualitative Evaluations" (C0034375, UMLS): CODE and TEXT items
    only. The outcome, the coded recommendation, the summary (121111 DCM), the evidence,
    the reasons and the protocol, each TEXT item at most 256 characters."""

    def __init__(self, facts: StudyFacts, decision: Decision) -> None:
        container = ContainerContentItem(codes.QUALITATIVE_EVALUATIONS, relationship_type="CONTAINS",
                                         is_content_continuous=False)
        items = [CodeContentItem(codes.DECISION_OUTCOME, OUTCOME_CODES[decision.outcome],
                                 relationship_type="CONTAINS")]
        if decision.protocol is not None:
            code = decision.protocol.data["procedure_code"]
            items.append(CodeContentItem(codes.RECOMMENDATION,
                                         Code(code["value"], code["scheme"], code["meaning"]),
                                         relationship_type="CONTAINS"))
        lines = [("summary", summary_line(decision))]
        lines += [("evidence", line) for line in _evidence_lines(facts)]
        lines += [("reason", reason) for reason in decision.reasons]
        if decision.protocol is not None:
            lines += _protocol_lines(decision)
        items += [TextContentItem(TEXT_CONCEPTS[key], chunk, relationship_type="CONTAINS")
                  for key, text in lines for chunk in text_chunks(text)]
        container.ContentSequence = ContentSequence(items)
        super().__init__([container])


def _performed_procedure_codes(evidence: list[Dataset]) -> list[hd.sr.CodedConcept]:
    """The procedure codes of the inputs (Procedure Code Sequence of the images, Performed
    Procedure Code Sequence of SRs), each once; unreadable items are left out."""
    found: dict[tuple[str, str], hd.sr.CodedConcept] = {}
    for ds in evidence:
        for keyword in ("PerformedProcedureCodeSequence", "ProcedureCodeSequence"):
            try:
                for item in ds.get(keyword) or []:
                    code = hd.sr.CodedConcept.from_dataset(item)
                    found.setdefault((code.value, code.scheme_designator), code)
            except Exception:  # noqa: BLE001 - a malformed code is unknown, not fatal
                continue
    return list(found.values())


def separate_everywhere(ds: Dataset) -> None:
    """Set every CONTAINER of the tree (root included) to SEPARATE continuity
    (PS3.3 C.18.8), so that renderers keep the concept name of each child."""
    if ds.get("ValueType") == "CONTAINER":
        ds.ContinuityOfContent = "SEPARATE"
    for item in ds.get("ContentSequence", []):
        separate_everywhere(item)


def _coding_scheme_identification() -> Dataset:
    """PS3.3 C.12.1.1.2: the private scheme, identified by its Coding Scheme UID."""
    item = Dataset()
    item.CodingSchemeDesignator = codes.LOCAL_SCHEME
    item.CodingSchemeUID = codes.LOCAL_SCHEME_UID
    item.CodingSchemeName = codes.LOCAL_SCHEME_NAME
    item.CodingSchemeResponsibleOrganization = MANUFACTURER
    return item


def build_sr(facts: StudyFacts, decision: Decision, evidence: list[Dataset], uids: ResultUids,
             *, previous: Dataset | None = None, key_image: Dataset | None = None,
             station: str = "ADVISOR") -> hd.sr.Comprehensive3DSR:
    """The recommendation SR for one study, revision ``uids.revision``.

    ``evidence`` are the source instances (headers suffice); ``previous`` is the
    SR this one amends, referenced in Predecessor Documents Sequence;
    ``key_image`` is the key image sent with it, named in the evidence and as the
    illustration of the foci it shows.
    """
    report = hd.sr.MeasurementReport(
        observation_context=_observation_context(station),
        procedure_reported=codes.IMAGING_PROCEDURE,
        imaging_measurements=[*_focus_groups(facts, key_image), _assessment_group(facts)],
        title=dicom_codes.DCM.ImagingMeasurementReport)
    report[0].ContentSequence.extend(QualitativeEvaluations(facts, decision))
    separate_everywhere(report[0])
    sources = [identity_header(evidence[0]), *evidence[1:]]
    sr = hd.sr.Comprehensive3DSR(
        evidence=sources + ([key_image] if key_image is not None else []), content=report[0],
        series_instance_uid=uids.series_instance_uid, series_number=SERIES_NUMBER,
        sop_instance_uid=uids.sop_instance_uid, instance_number=uids.revision,
        manufacturer=MANUFACTURER, is_complete=True,
        performed_procedure_codes=_performed_procedure_codes(evidence),
        previous_versions=[previous] if previous is not None else None,
        contributing_equipment=[hd.ContributingEquipment(
            manufacturer=MANUFACTURER, purpose_of_reference=dicom_codes.DCM.ProcessingEquipment,
            manufacturer_model_name=MODEL_NAME, software_versions=__version__,
            contribution_description="Protocol recommendation (decision support)")])
    sr.SeriesDescription = SERIES_DESCRIPTION
    sr.ManufacturerModelName = MODEL_NAME
    sr.SoftwareVersions = __version__
    sr.CodingSchemeIdentificationSequence = [_coding_scheme_identification()]
    return sr
