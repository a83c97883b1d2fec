"""Report stage: the recommendation as a Comprehensive 3D SR (TID 1500 root).

Built with highdicom in the form IHE AI Results (AIR) asks for:

- SOP Class Comprehensive 3D SR Storage (1.2.840.10008.5.1.4.1.1.88.34),
  PS3.3 A.35.13; root template TID 1500 Measurement Report (PS3.16), title
  (126000, DCM, "Imaging Measurement Report");
- observation context TID 1001/1004: a device observer naming the advisor;
- Procedure Reported (121058 DCM) = (363679005, SCT, "Imaging procedure"), since
  CID 100 has no ultrasound code; the study's own procedure codes go to
  Performed Procedure Code Sequence;
- the mass finding as a TID 1501 measurement group (finding site, laterality,
  pathologic calcification present/absent) with TID 4019 algorithm identification;
- the report-level "Qualitative Evaluations" container (C0034375, UMLS;
  TID 1500 row 12, CODE and TEXT items), which highdicom has no API for: it holds
  the outcome, the coded recommendation (121075, DCM) and the protocol as text
  that a PACS viewer shows;
- Contributing Equipment Sequence naming the algorithm, Predecessor Documents
  Sequence for an amended result, evidence referencing every source instance.

Same inputs give the same SOP Instance UID (see :func:`result_uids`).
"""

from __future__ import annotations

from dataclasses import dataclass

import highdicom as hd
import numpy as np
from highdicom.sr import (CodeContentItem, ContainerContentItem, ContentSequence,
                          TextContentItem)
from pydicom import Dataset
from pydicom.sr.codedict import codes as dicom_codes
from pydicom.sr.coding import Code
from pydicom.uid import UltrasoundMultiFrameImageStorage, generate_uid

from advisor import MANUFACTURER, MODEL_NAME, __version__, codes
from advisor.model import Decision, Focus, StudyFacts

SERIES_NUMBER = 9901
SERIES_DESCRIPTION = "Protocol advisor (decision support)"
OUTCOME_CODES = {  # Code Value is SH: 16 characters at most
    "recommended": Code("recommended", codes.LOCAL_SCHEME, "Recommended"),
    "not-indicated": Code("not-indicated", codes.LOCAL_SCHEME, "Not indicated"),
    "insufficient-data": Code("insufficient", codes.LOCAL_SCHEME, "Insufficient data"),
}


def _local(value: str, meaning: str) -> Code:
    return Code(value, codes.LOCAL_SCHEME, meaning)


TEXT_CONCEPTS = {
    "summary": codes.RECOMMENDATION,
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


@dataclass(frozen=True)
class ResultUids:
    """Where a result goes; derived from its inputs, so a re-run gives the same UIDs."""

    series_instance_uid: str
    sop_instance_uid: str


def result_uids(facts: StudyFacts, protocol_fingerprint: str) -> ResultUids:
    """UIDs from the study, every input instance, the protocols and the version.

    The series is the same for every revision of one study's result, so an
    amended SR lands beside its predecessor.
    """
    inputs = sorted(ref.sop_instance_uid for ref in facts.instances)
    return ResultUids(
        series_instance_uid=generate_uid(entropy_srcs=["advisor-series", facts.study_instance_uid]),
        sop_instance_uid=generate_uid(entropy_srcs=["advisor-sr", facts.study_instance_uid,
                                                    protocol_fingerprint, __version__, *inputs]))


def _algorithm() -> hd.sr.AlgorithmIdentification:
    return hd.sr.AlgorithmIdentification(name=MODEL_NAME, version=__version__,
                                         manufacturer=MANUFACTURER)


def _observation_context(station: str) -> hd.sr.ObservationContext:
    device = hd.sr.DeviceObserverIdentifyingAttributes(
        uid=generate_uid(entropy_srcs=["advisor-device", station]), name=station,
        manufacturer_name=MANUFACTURER, model_name=MODEL_NAME)
    return hd.sr.ObservationContext(observer_device_context=hd.sr.ObserverContext(
        observer_type=dicom_codes.DCM.Device, observer_identifying_attributes=device))


def _mass_group(facts: StudyFacts) -> hd.sr.MeasurementsAndQualitativeEvaluations:
    """TID 1501 group: the mass, where it is, and whether it is calcified."""
    laterality = codes.LATERALITY_CODES.get(facts.laterality.value or "")
    site = hd.sr.FindingSite(anatomic_location=codes.ABDOMEN, laterality=laterality)
    evaluations = []
    if facts.calcification.value in ("present", "absent"):
        value = codes.PRESENT if facts.calcification.value == "present" else codes.ABSENT
        evaluations.append(hd.sr.QualitativeEvaluation(codes.PATHOLOGIC_CALCIFICATION, value))
    return hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(
            uid=generate_uid(entropy_srcs=["advisor-mass", facts.study_instance_uid]),
            identifier="Mass"),
        finding_type=codes.MASS, finding_sites=[site], algorithm_id=_algorithm(),
        qualitative_evaluations=evaluations or None)


MAX_FOCUS_GROUPS = 32  # a long clip may find the same focus on every frame; the SR keeps the best


def _focus_group(focus: Focus, index: int, study_uid: str) -> hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations:
    """TID 1410 group: the focus as a circle on its source image and frame (PS3.3 C.18.6:
    SCOORD (0, 0) is the top left corner of the top left pixel, so centres gain 0.5)."""
    centre = np.array([focus.x + 0.5, focus.y + 0.5])
    radius_px = focus.diameter_mm / focus.mm_per_pixel / 2
    frames = [focus.frame] if focus.sop_class_uid == UltrasoundMultiFrameImageStorage else None
    region = hd.sr.ImageRegion(hd.sr.GraphicTypeValues.CIRCLE,
                               np.stack([centre, centre + [radius_px, 0.0]]),
                               hd.sr.SourceImageForRegion(focus.sop_class_uid, focus.sop_instance_uid,
                                                          referenced_frame_numbers=frames))
    measurements = ([hd.sr.Measurement(codes.DIAMETER, round(focus.diameter_mm, 1),
                                       dicom_codes.UCUM.Millimeter)] if focus.spacing_known else None)
    shadow = codes.PRESENT if focus.shadow else codes.ABSENT
    return hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(
            uid=generate_uid(entropy_srcs=["advisor-focus", study_uid, focus.sop_instance_uid,
                                           str(focus.frame), f"{focus.x:.1f}", f"{focus.y:.1f}"]),
            identifier=f"Focus {index}" + ("" if focus.shadow else " (possible calcification)")),
        referenced_region=region, finding_type=codes.PATHOLOGIC_CALCIFICATION,
        algorithm_id=_algorithm(), measurements=measurements,
        qualitative_evaluations=[hd.sr.QualitativeEvaluation(codes.POSTERIOR_SHADOW, shadow)])


def _focus_groups(facts: StudyFacts) -> list[hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations]:
    best = sorted(facts.foci, key=lambda f: (not f.shadow, -f.score))[:MAX_FOCUS_GROUPS]
    return [_focus_group(f, i, facts.study_instance_uid) for i, f in enumerate(best, start=1)]


def _evidence_lines(facts: StudyFacts) -> list[str]:
    lines = [f"Laterality: {facts.laterality.value or 'unknown'}"
             + (f" (from {facts.laterality.source})" if facts.laterality.source else "")]
    for kind in ("mass", "calcification"):
        resolved = getattr(facts, kind)
        lines.append(f"{kind.capitalize()}: {resolved.value or 'not stated'}"
                     + (f" (from {', '.join(resolved.sources)})" if resolved.sources else ""))
    shadowing = sum(f.shadow for f in facts.foci)
    if facts.foci:
        lines.append(f"Detector: {shadowing} calcific focus/foci with posterior shadow and "
                     f"{len(facts.foci) - shadowing} non-shadowing echogenic focus/foci (possible "
                     f"calcification, not used for the decision) over all frames"
                     + (f"; the {MAX_FOCUS_GROUPS} strongest are outlined" if len(facts.foci) > MAX_FOCUS_GROUPS else ""))
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
    """The recommendation in one line, as the key image banner and the SR summary say it."""
    if decision.outcome == "recommended":
        return (f"{decision.protocol.data['banner']}; decision support, confirm with radiologist.")
    return (f"Outcome: {decision.outcome}. No imaging protocol is suggested by the advisor; "
            "decision support, confirm with radiologist.")


def _text(key: str, value: str) -> TextContentItem:
    return TextContentItem(TEXT_CONCEPTS[key], value[:1024], relationship_type="CONTAINS")


def qualitative_evaluations(facts: StudyFacts, decision: Decision) -> ContainerContentItem:
    """TID 1500 row 12 container: outcome, coded recommendation and readable protocol."""
    container = ContainerContentItem(codes.QUALITATIVE_EVALUATIONS, relationship_type="CONTAINS")
    items = [CodeContentItem(codes.DECISION_OUTCOME, OUTCOME_CODES[decision.outcome],
                             relationship_type="CONTAINS")]
    if decision.protocol is not None:
        code = decision.protocol.data["procedure_code"]
        items.append(CodeContentItem(codes.RECOMMENDATION,
                                     Code(code["value"], code["scheme"], code["meaning"]),
                                     relationship_type="CONTAINS"))
    items.append(_text("summary", summary_line(decision)))
    items.extend(_text("evidence", line) for line in _evidence_lines(facts))
    items.extend(_text("reason", reason) for reason in decision.reasons)
    if decision.protocol is not None:
        items.extend(_text(key, value) for key, value in _protocol_lines(decision))
    container.ContentSequence = ContentSequence(items)
    return container


def _coding_scheme_identification() -> Dataset:
    item = Dataset()
    item.CodingSchemeDesignator = codes.LOCAL_SCHEME
    item.CodingSchemeName = "Pediatric protocol advisor local codes"
    item.CodingSchemeResponsibleOrganization = MANUFACTURER
    return item


def build_sr(facts: StudyFacts, decision: Decision, evidence: list[Dataset], uids: ResultUids,
             *, instance_number: int = 1, previous: Dataset | None = None,
             station: str = "ADVISOR") -> hd.sr.Comprehensive3DSR:
    """The recommendation SR for one study.

    ``evidence`` are the source instances (headers suffice); ``previous`` is the
    SR this one amends, referenced in Predecessor Documents Sequence.
    """
    groups = ([_mass_group(facts)] if facts.mass.value == "present" else []) + _focus_groups(facts)
    report = hd.sr.MeasurementReport(
        observation_context=_observation_context(station),
        procedure_reported=codes.IMAGING_PROCEDURE,
        imaging_measurements=groups or None,
        title=dicom_codes.DCM.ImagingMeasurementReport)
    report[0].ContentSequence.append(qualitative_evaluations(facts, decision))
    sr = hd.sr.Comprehensive3DSR(
        evidence=evidence, content=report[0],
        series_instance_uid=uids.series_instance_uid, series_number=SERIES_NUMBER,
        sop_instance_uid=uids.sop_instance_uid, instance_number=instance_number,
        manufacturer=MANUFACTURER, is_complete=True,
        performed_procedure_codes=[hd.sr.CodedConcept.from_dataset(c) for c in
                                   evidence[0].get("ProcedureCodeSequence", [])],
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
