"""What the recommendation SR says, at the exact place it says it, for synthetic facts.

The facts are built directly (no detector, no OCR) on the headers of a bundled
sample and run through :func:`decide` and :func:`build_sr`: the assessment group's
mass and calcification values, the coded outcome and recommendation, the focus
groups, the evidence and protocol texts. Validity for dciodvfy, dsrdump and pixelmed
is tests/test_report.py's table; this file is fast enough for mutation testing.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from pydicom import Dataset, dcmread
from pydicom.uid import UltrasoundMultiFrameImageStorage

from advisor import MANUFACTURER, MODEL_NAME, __version__
from advisor.codes import ORGAN_CODES
from advisor.decide import decide
from advisor.model import Focus, Resolved, StudyFacts
from advisor.output.report import (MAX_FOCUS_GROUPS, MAX_TEXT, SERIES_DESCRIPTION, SERIES_NUMBER,
                                   build_sr, result_uids, summary_line, text_chunks)
from advisor.protocols import load_protocols
from conftest import PROTOCOLS, SAMPLES

PROTOCOL_SET = load_protocols(PROTOCOLS)
FOLDER = SAMPLES / "01-calcified-left-flank-coded"
EVIDENCE = [dcmread(p, stop_before_pixels=True) for p in sorted(FOLDER.glob("*.dcm"))]
SINGLE, CINE = (ds for ds in EVIDENCE if ds.Modality == "US")
UNKNOWN = Resolved(None, None)
CODED = ("sr-coded",)

# SNOMED CT values of the assessment group (PS3.16 CID 6335-like Present/Absent/Unknown).
PRESENT, ABSENT, NOT_STATED = "52101004", "272519000", "261665006"


def facts(**changes) -> StudyFacts:
    """The sample's study: a 4-year-old, 16 kg, calcified left mass stated in a coded SR."""
    base = StudyFacts(
        study_instance_uid=str(EVIDENCE[0].StudyInstanceUID), instances=[], modalities={"US", "SR"},
        body_parts={"ABDOMEN"}, region_texts=[], age_years=4.0, age_source="PatientAge", weight_kg=16.0,
        laterality=Resolved("left", "sr-coded", CODED), mass=Resolved("present", "sr-coded", CODED),
        calcification=Resolved("present", "sr-coded", CODED), observations=[])
    return dataclasses.replace(base, **changes)


def focus(image: Dataset = CINE, shadow: bool = True, score: float = 0.9, frames: tuple = (1, 2, 3),
          x: float = 182.0, diameter_mm: float = 3.5, spacing_known: bool = True) -> Focus:
    return Focus(str(image.SOPInstanceUID), str(image.SOPClassUID), frames[0], x, 111.0, diameter_mm,
                 shadow, score, 0.25, spacing_known, frames)


def report(study: StudyFacts, **kwargs) -> Dataset:
    return build_sr(study, decide(study, PROTOCOL_SET), EVIDENCE,
                    result_uids(study, PROTOCOL_SET.fingerprint), **kwargs)


def items(ds):
    for item in ds.get("ContentSequence", []):
        yield item
        yield from items(item)


def concept(item) -> str:
    return item.ConceptNameCodeSequence[0].CodeValue


def groups(ds) -> dict[str, Dataset]:
    """Measurement groups (125007 DCM) by their tracking identifier (112039 DCM)."""
    return {next(i.TextValue for i in items(g) if concept(i) == "112039"): g
            for g in items(ds) if concept(g) == "125007"}


def coded(group) -> dict[str, str]:
    """The CODE items directly in ``group``: concept name value -> concept value."""
    return {concept(i): i.ConceptCodeSequence[0].CodeValue for i in group.ContentSequence
            if i.ValueType == "CODE"}


def evaluations(ds) -> Dataset:
    [container] = [i for i in ds.ContentSequence if concept(i) == "C0034375"]
    return container


def texts(ds, name: str) -> list[str]:
    """The TEXT items of the Qualitative Evaluations container under concept ``name``."""
    return [i.TextValue for i in evaluations(ds).ContentSequence
            if i.ValueType == "TEXT" and concept(i) == name]


def site_laterality(group) -> str | None:
    [site] = [i for i in group.ContentSequence if concept(i) == "363698007"]
    sides = [i.ConceptCodeSequence[0].CodeValue for i in site.get("ContentSequence", [])
             if concept(i) == "272741003"]
    return sides[0] if sides else None


# case: (changes, outcome, coded outcome, recommendation, mass, calcification, laterality)
CASES = {
    "recommended": ({}, "recommended", "recommended", "CTAP-PRE-PV-PEDS", PRESENT, PRESENT, "7771000"),
    "calcification absent": ({"calcification": Resolved("absent", "sr-text", ("sr-text",))},
                             "not-indicated", "not-indicated", None, PRESENT, ABSENT, "7771000"),
    "mass absent": ({"mass": Resolved("absent", "sr-text", ("sr-text",)), "calcification": UNKNOWN,
                     "laterality": UNKNOWN},
                    "not-indicated", "not-indicated", None, ABSENT, NOT_STATED, None),
    "nothing found": ({"mass": UNKNOWN, "calcification": UNKNOWN, "laterality": UNKNOWN},
                      "not-indicated", "not-indicated", None, NOT_STATED, NOT_STATED, None),
    "detector only": ({"calcification": Resolved("present", "detector", ("detector",)), "foci": [focus()],
                       "laterality": Resolved("right", "header", ("header",))},
                      "recommended", "recommended", "CTAP-PRE-PV-PEDS", PRESENT, PRESENT, "24028007"),
    "disagreement": ({"calcification": Resolved("absent", "sr-text", ("sr-text",)), "foci": [focus()],
                      "laterality": Resolved("bilateral", "sr-text", ("sr-text",))},
                     "not-indicated", "not-indicated", None, PRESENT, ABSENT, "51440002"),
    "weight unknown": ({"weight_kg": None}, "recommended", "recommended", "CTAP-PRE-PV-PEDS",
                       PRESENT, PRESENT, "7771000"),
    "excluded": ({"organ": "liver"}, "not-indicated", "not-indicated", None, PRESENT, PRESENT, "7771000"),
    "insufficient data": ({"age_years": None}, "insufficient-data", "insufficient", None,
                          PRESENT, PRESENT, "7771000"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_assessment_group_and_coded_outcome_at_their_place(case):
    changes, outcome, outcome_code, recommendation, mass, calcification, laterality = CASES[case]
    study = facts(**changes)
    assert decide(study, PROTOCOL_SET).outcome == outcome
    ds = report(study)
    assessment = groups(ds)["Assessment"]
    site = ORGAN_CODES[study.organ].value if study.organ else "818981001"  # the organ, else Abdomen
    assert coded(assessment) == {"363698007": site, "4147007": mass, "18115005": calcification}
    assert site_laterality(assessment) == laterality
    container = evaluations(ds)
    assert coded(container) == ({"outcome": outcome_code} if recommendation is None
                                else {"outcome": outcome_code, "121075": recommendation})
    assert concept(container.ContentSequence[0]) == "outcome", "the outcome comes first"


def test_summary_is_the_first_text_and_says_the_outcome():
    assert texts(report(facts()), "121111") == [
        "Suggested: CT abdomen/pelvis, precontrast + portal venous phase; decision support, "
        "confirm with radiologist."]
    plain = facts(calcification=UNKNOWN)
    assert texts(report(plain), "121111") == [
        "Outcome: not-indicated. No imaging protocol is suggested by the advisor; decision support, "
        "confirm with radiologist."]
    excluded = facts(organ="liver")
    decision = decide(excluded, PROTOCOL_SET)
    assert summary_line(decision) == (
        "Outcome: not-indicated. No imaging protocol is suggested by the advisor; CT not suggested: "
        "liver mass; MRI liver protocol; decision support, confirm with radiologist.")


def test_evidence_lines_say_value_and_sources_and_count_the_foci():
    study = facts(mass=Resolved("present", "sr-coded", ("sr-coded", "indication-text")), calcification=UNKNOWN,
                  foci=[focus(shadow=False, score=0.99, frames=(4,)), focus(frames=(1, 2, 3), x=60.0)])
    assert texts(report(study), "evidence") == [
        "Laterality: left (from sr-coded)",
        "Mass: present (from sr-coded, indication-text)",
        "Calcification: not stated",
        "Detector: 1 distinct calcific focus/foci with posterior shadow, 1 echogenic focus/foci without "
        "shadow (uncertain); foci without shadow are not used for the decision",
        "Focus 1: posterior shadowing, 3.5 mm, on 3 frame(s): 1, 2, 3",
        "Focus 2: no shadow, 3.5 mm, on 1 frame(s): 4"]
    assert texts(report(facts(laterality=UNKNOWN)), "evidence")[0] == "Laterality: unknown"


def test_focus_groups_shadowing_first_with_their_codes_and_regions():
    faint = focus(shadow=False, score=0.99, frames=(4, 5), x=120.0)
    strong = focus(SINGLE, frames=(1,), x=60.0, diameter_mm=2.0, spacing_known=False)
    found = groups(report(facts(calcification=UNKNOWN, foci=[faint, strong])))
    assert set(found) == {"Assessment", "Focus 1", "Focus 2"}
    first, second = found["Focus 1"], found["Focus 2"]
    assert coded(first) == {"121071": "18115005", "111366": "111369"}
    assert coded(second) == {"121071": "echo-focus", "111366": "111367"}
    # Diameter only where the spacing is calibrated.
    assert [i for i in items(first) if i.ValueType == "NUM"] == []
    [diameter] = [i for i in items(second) if i.ValueType == "NUM"]
    assert float(diameter.MeasuredValueSequence[0].NumericValue) == 3.5
    [circle] = [i for i in items(first) if i.ValueType == "SCOORD"]
    assert list(circle.GraphicData) == pytest.approx([60.5, 111.5, 60.5 + 2.0 / 0.25 / 2, 111.5])
    [source] = circle.ContentSequence[0].ReferencedSOPSequence
    assert source.ReferencedSOPInstanceUID == SINGLE.SOPInstanceUID
    assert "ReferencedFrameNumber" not in source, "a single-frame image has no frame numbers"
    [cine_circle] = [i for i in items(second) if i.ValueType == "SCOORD"]
    [cine_source] = cine_circle.ContentSequence[0].ReferencedSOPSequence
    assert CINE.SOPClassUID == UltrasoundMultiFrameImageStorage
    assert [int(f) for f in cine_source.ReferencedFrameNumber] == [4, 5]


def test_no_more_than_the_strongest_foci_are_outlined():
    many = [focus(x=10.0 + 10 * i, score=i / 100, frames=(1,)) for i in range(MAX_FOCUS_GROUPS + 1)]
    ds = report(facts(foci=many))
    assert len(groups(ds)) == MAX_FOCUS_GROUPS + 1, "the strongest foci and the assessment"
    evidence = texts(ds, "evidence")
    assert evidence[3].endswith(f"; the {MAX_FOCUS_GROUPS} strongest are outlined")
    assert len([t for t in evidence if t.startswith("Focus ")]) == MAX_FOCUS_GROUPS
    [strongest] = [i for i in items(groups(ds)["Focus 1"]) if i.ValueType == "SCOORD"]
    assert strongest.GraphicData[0] == pytest.approx(10.0 + 10 * MAX_FOCUS_GROUPS + 0.5)
    assert not any(t.endswith("strongest are outlined")
                   for t in texts(report(facts(foci=many[:MAX_FOCUS_GROUPS])), "evidence"))


def key_image(image: Dataset, frame: int) -> Dataset:
    source = Dataset()
    source.ReferencedSOPClassUID, source.ReferencedSOPInstanceUID = image.SOPClassUID, image.SOPInstanceUID
    source.ReferencedFrameNumber = frame
    ds = Dataset()
    ds.SOPClassUID, ds.SOPInstanceUID = "1.2.840.10008.5.1.4.1.1.7", "1.2.3.4.5.6"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = EVIDENCE[0].StudyInstanceUID, "1.2.3.4.5"
    ds.SourceImageSequence = [source]
    return ds


@pytest.mark.parametrize("image, frame, illustrated", [(CINE, 2, True), (CINE, 4, False), (SINGLE, 2, False)])
def test_the_key_image_illustrates_the_focus_it_shows(image, frame, illustrated):
    ds = report(facts(foci=[focus()]), key_image=key_image(image, frame))
    illustrations = [i for i in items(groups(ds)["Focus 1"]) if concept(i) == "121200"]
    assert [i.ReferencedSOPSequence[0].ReferencedSOPInstanceUID for i in illustrations] == (
        ["1.2.3.4.5.6"] if illustrated else [])


def test_protocol_texts_for_a_recommendation():
    ds = report(facts())
    protocol = PROTOCOL_SET.protocols[0].data
    phases = texts(ds, "phase")
    assert phases[0].startswith("1. Precontrast: Limited to the mass region (not the whole abdomen and "
                                "pelvis). Shows calcification before contrast")
    assert "This series is extra dose" in " ".join(phases) and "Timing: Power injection" in " ".join(phases)
    assert texts(ds, "contrast") == [
        f"iodinated, non-ionic, 300 mgI/mL, 2 mL/kg, max 100 mL, {protocol['contrast']['route']}; "
        "for this patient 32 mL."]
    technique = " ".join(texts(ds, "technique"))  # split between sentences at 256 characters
    assert technique.startswith("kV: Chosen by body size") and " mA: Automatic exposure control" in technique
    assert technique.endswith(" Scan only the indicated area. One post-contrast phase where possible.")
    assert texts(ds, "caution")[0] == protocol["cautions"][0]
    assert texts(ds, "alternative")[-1] == protocol["alternatives"][-1]
    assert len(texts(ds, "differential")) >= len(protocol["differential"])
    assert len(texts(ds, "reference")) >= len(protocol["references"])
    unknown_weight = texts(report(facts(weight_kg=None)), "contrast")
    assert unknown_weight[-1].endswith("; patient weight unknown: calculate the volume before injecting.")


def test_no_protocol_texts_without_a_recommendation():
    ds = report(facts(calcification=UNKNOWN))
    assert all(texts(ds, name) == [] for name in ("phase", "contrast", "technique", "alternative"))
    assert texts(ds, "rationale")[-3:] == list(PROTOCOL_SET.protocols[0].data["not_indicated_cautions"])


def test_every_container_is_separate_and_the_series_is_the_advisors():
    ds = report(facts(foci=[focus()]))
    containers = [ds, *(i for i in items(ds) if i.ValueType == "CONTAINER")]
    assert len(containers) > 3 and {c.ContinuityOfContent for c in containers} == {"SEPARATE"}
    assert (ds.SeriesNumber, ds.SeriesDescription, ds.InstanceNumber) == (SERIES_NUMBER, SERIES_DESCRIPTION, 1)
    assert (ds.Manufacturer, ds.ManufacturerModelName, ds.SoftwareVersions) == (
        MANUFACTURER, MODEL_NAME, __version__)
    [equipment] = [e for e in ds.ContributingEquipmentSequence if e.get("ManufacturerModelName") == MODEL_NAME]
    assert (equipment.ContributionDescription, equipment.SoftwareVersions) == (
        "Protocol recommendation (decision support)", __version__)
    assert ds.CompletionFlag == "COMPLETE"


def test_performed_procedure_codes_are_each_copied_once_and_a_malformed_one_is_left_out(tmp_path: Path):
    def code(value):
        item = Dataset()
        item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, "99SITE", f"procedure {value}"
        return item
    broken = Dataset()
    broken.CodeMeaning = "no value, no scheme"
    first, second = SINGLE.copy(), CINE.copy()
    findings = EVIDENCE[0].copy()
    findings.PerformedProcedureCodeSequence = [code("USABD"), code("USLIM")]
    first.ProcedureCodeSequence = [code("USABD"), broken]
    second.PerformedProcedureCodeSequence = [broken]           # unreadable: the next keyword still counts
    second.ProcedureCodeSequence = [code("USABD"), code("USREN")]
    study = facts()
    ds = build_sr(study, decide(study, PROTOCOL_SET), [findings, first, second],
                  result_uids(study, PROTOCOL_SET.fingerprint))
    assert [c.CodeValue for c in ds.PerformedProcedureCodeSequence] == ["USABD", "USLIM", "USREN"]


def test_text_items_carry_their_local_concept_names():
    names = {(i.ConceptNameCodeSequence[0].CodeValue, i.ConceptNameCodeSequence[0].CodingSchemeDesignator,
              i.ConceptNameCodeSequence[0].CodeMeaning)
             for i in evaluations(report(facts())).ContentSequence if i.ValueType == "TEXT"}
    assert names == {("121111", "DCM", "Summary"), ("evidence", "99PEDSADV", "Evidence"),
                     ("rationale", "99PEDSADV", "Rationale"), ("phase", "99PEDSADV", "Protocol phase"),
                     ("contrast", "99PEDSADV", "Contrast"), ("technique", "99PEDSADV", "Technique"),
                     ("caution", "99PEDSADV", "Caution"), ("alternative", "99PEDSADV", "Alternative"),
                     ("differential", "99PEDSADV", "Differential diagnosis"),
                     ("reference", "99PEDSADV", "Reference")}


def test_phases_are_numbered_with_timing_and_dose_note_only_where_given():
    phases = texts(report(facts()), "phase")
    assert " ".join(phases) == (
        "1. Precontrast: Limited to the mass region (not the whole abdomen and pelvis). Shows calcification "
        "before contrast, so that it is not mistaken for enhancement. This series is extra dose: justify it, "
        "keep it to the mass, use the lowest kV/mA that answers the question. "
        "2. Portal venous: Abdomen and pelvis. Single post-contrast phase for the mass, its organ of origin, "
        "vessels, nodes and liver; one phase is usually enough. Timing: Power injection: about 60 s after the "
        "start of injection. Hand injection: start scanning at the end of the injection, or use bolus tracking.")


def test_technique_without_notes(tmp_path):
    target = tmp_path / "protocols"
    shutil.copytree(PROTOCOLS, target)
    path = target / "peds-ct-ap-precontrast-portal-venous.toml"
    path.write_text(path.read_text().replace(
        'notes = ["Scan only the indicated area", "One post-contrast phase where possible"]\n', ""))
    study = facts()
    decision = decide(study, load_protocols(target))
    ds = build_sr(study, decision, EVIDENCE, result_uids(study, "x"))
    assert " ".join(texts(ds, "technique")).endswith(
        "mA: Automatic exposure control with a pediatric, size-based reference; no adult presets.")


def test_every_group_names_the_algorithm_and_the_focus_diameter_is_rounded():
    found = groups(report(facts(foci=[focus(diameter_mm=3.46)])))
    assert set(found) == {"Assessment", "Focus 1"}
    for group in found.values():
        algorithm = {concept(i): i.TextValue for i in items(group) if concept(i) in ("111001", "111003", "122405")}
        assert algorithm == {"111001": MODEL_NAME, "111003": __version__, "122405": MANUFACTURER}
    [diameter] = [i for i in items(found["Focus 1"]) if i.ValueType == "NUM"]
    assert str(diameter.MeasuredValueSequence[0].NumericValue) == "3.5"


def test_focus_tracking_uids_are_repeatable_and_distinct():
    study = facts(foci=[focus(), focus(SINGLE, frames=(1,), x=60.0)])

    def uids(ds):
        return [next(i.UID for i in items(g) if i.ValueType == "UIDREF") for g in groups(ds).values()]
    first = uids(report(study))
    assert first == uids(report(study)) and len(set(first)) == 3


def test_a_single_frame_key_image_illustrates_the_focus_on_its_image():
    source_image = key_image(SINGLE, 1)
    del source_image.SourceImageSequence[0].ReferencedFrameNumber
    ds = report(facts(foci=[focus(SINGLE, frames=(1,))]), key_image=source_image)
    [illustration] = [i for i in items(groups(ds)["Focus 1"]) if concept(i) == "121200"]
    [reference] = illustration.ReferencedSOPSequence
    assert (reference.ReferencedSOPClassUID, reference.ReferencedSOPInstanceUID) == (
        "1.2.840.10008.5.1.4.1.1.7", "1.2.3.4.5.6")


def test_texts_are_split_between_sentences_and_a_full_chunk_is_kept_whole():
    first, second = ("word " * 40).strip() + ".", ("term " * 40).strip() + "."
    assert text_chunks(f"{first} {second}") == [first, second]
    one_sentence = ("word " * 70).strip()                      # 349 characters, no sentence end
    chunks = text_chunks(one_sentence)
    assert [len(c) for c in chunks] == [254, 94] and " ".join(chunks) == one_sentence
    exactly = "x" * 100 + ". " + "y" * (MAX_TEXT - 102)     # two sentences, MAX_TEXT characters
    assert len(exactly) == MAX_TEXT and text_chunks(exactly) == [exactly]


def test_the_observer_is_the_advisor_node_as_a_device():
    def observer(ds):
        return {concept(i): i.get("TextValue") or i.get("UID") or i.ConceptCodeSequence[0].CodeValue
                for i in ds.ContentSequence if concept(i) in ("121005", "121012", "121013", "121014", "121015")}
    assert observer(report(facts()))["121013"] == "ADVISOR", "the default station name"
    first = observer(report(facts(), station="NODE1"))
    assert first == {"121005": "121007", "121012": first["121012"], "121013": "NODE1",
                     "121014": MANUFACTURER, "121015": MODEL_NAME}
    assert observer(report(facts(), station="NODE1")) == first, "the device UID is the station's own"
    assert observer(report(facts(), station="NODE2"))["121012"] != first["121012"]


def test_two_shadowing_foci_are_numbered_strongest_first():
    ds = report(facts(foci=[focus(score=0.3, x=60.0), focus(score=0.8, x=120.0)]))
    [first] = [i for i in items(groups(ds)["Focus 1"]) if i.ValueType == "SCOORD"]
    assert first.GraphicData[0] == pytest.approx(120.5)


def test_the_recommendation_code_and_the_local_scheme_are_identified():
    ds = report(facts())
    [recommendation] = [i for i in evaluations(ds).ContentSequence if concept(i) == "121075"]
    code = recommendation.ConceptCodeSequence[0]
    assert (code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning) == (
        "CTAP-PRE-PV-PEDS", "99PEDSADV", "CT abdomen and pelvis without and with IV contrast, pediatric")
    [scheme] = ds.CodingSchemeIdentificationSequence
    assert (scheme.CodingSchemeDesignator, scheme.CodingSchemeUID, scheme.CodingSchemeName,
            scheme.CodingSchemeResponsibleOrganization) == (
        "99PEDSADV", "2.25.98622962666853199795949802487793913895125164025941396044071",
        "Pediatric protocol advisor local codes", MANUFACTURER)
    assert ds.ConceptNameCodeSequence[0].CodeValue == "126000", "Imaging Measurement Report"


def test_a_study_of_one_image_and_an_amended_report():
    study = facts()
    decision = decide(study, PROTOCOL_SET)
    uids = result_uids(study, PROTOCOL_SET.fingerprint)
    first = build_sr(study, decision, [SINGLE], uids)
    assert (first.SeriesInstanceUID, first.SOPInstanceUID) == (uids.series_instance_uid, uids.sop_instance_uid)
    assert first.PatientID == SINGLE.PatientID and "PredecessorDocumentsSequence" not in first
    second = result_uids(study, PROTOCOL_SET.fingerprint, revision=2, predecessor_uid=uids.sop_instance_uid)
    amended = build_sr(study, decision, [SINGLE], second, previous=first)
    [reference] = amended.PredecessorDocumentsSequence[0].ReferencedSeriesSequence[0].ReferencedSOPSequence
    assert reference.ReferencedSOPInstanceUID == uids.sop_instance_uid and amended.InstanceNumber == 2
