"""The recommendation SR: valid for dciodvfy, dsrdump and pixelmed for every outcome that
reports one; repeatable UIDs; readable labels; standard codes."""

import re
from dataclasses import replace
from pathlib import Path

import highdicom as hd
import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from advisor import codes
from advisor.analyze import analyze_study, group_by_study
from advisor.decide import decide
from advisor.model import Resolved
from advisor.output.report import MAX_TEXT, build_sr, result_uids, summary_line, text_chunks
from advisor.protocols import load_protocols
from conftest import PATIENT_STUDY, PROTOCOLS, SAMPLES, Validation, require_tool, run, validate_sr

PROTOCOL_SET = load_protocols(PROTOCOLS)
UNKNOWN = Resolved(None, None)


def analysed(folder: Path | list[Path]):
    [(study_uid, items)] = group_by_study(folder if isinstance(folder, list) else [folder])[0].items()
    facts = analyze_study(study_uid, items)
    return facts, decide(facts, PROTOCOL_SET), [ds for _, ds in items]


def save(sr, out: Path) -> Path:
    sr.save_as(out, enforce_file_format=True)
    return out


def write_sr(folder: Path, out: Path, **kwargs) -> Path:
    facts, decision, evidence = analysed(folder)
    return save(build_sr(facts, decision, evidence, result_uids(facts, PROTOCOL_SET.fingerprint),
                         **kwargs), out)


def content_items(ds):
    for item in ds.get("ContentSequence", []):
        yield item
        yield from content_items(item)


def text_values(ds) -> list[str]:
    return [str(elem.value) for elem in ds.iterall() if elem.keyword == "TextValue"]


def code_values(ds) -> set[str]:
    return {str(e.value) for e in ds.iterall() if e.keyword == "CodeValue"}


def nothing_found(facts):
    """The study a PACS forwards most often: in scope, no mass finding, no focus."""
    return replace(facts, mass=UNKNOWN, calcification=UNKNOWN, laterality=UNKNOWN, foci=[],
                   observations=[])


def detector_only(facts):
    return replace(facts, calcification=Resolved("present", "detector", ("detector",)))


def human_says_absent(facts):
    """The sonographer says no calcification; the detector's shadowing focus stays outlined."""
    assert any(f.shadow for f in facts.foci)
    return replace(facts, calcification=Resolved("absent", "sr-text", ("sr-text",)))


def weight_unknown(facts):
    return replace(facts, weight_kg=None)


def pixelmed_errors(result: Validation, path: Path) -> list[str]:
    """pixelmed's errors, less one false positive of its 2022 rules: beside exactly one
    SCOORD Image Region its TID 1500 rule (count(...scoord...) = 1) checks every
    Measurement Group against TID 1410, the TID 1501 assessment group included."""
    errors = Validation.errors(result.pixelmed)
    regions = [i for i in content_items(dcmread(path)) if i.get("ValueType") == "SCOORD"]
    if len(regions) == 1:
        errors = [e for e in errors if not (e.startswith("Error: Template 1410 PlanarROIMeasurements/")
                                            and e.endswith("Missing conditional content item"))]
    return errors


def assert_valid(path: Path) -> Validation:
    result = validate_sr(path)
    assert Validation.errors(result.dciodvfy) == [], result.dciodvfy
    assert "Imaging Measurement Report" in result.dsrdump and "Qualitative Evaluations" in result.dsrdump
    assert not re.search(r"^[EW]: ", result.dsrdump, re.M), result.dsrdump
    assert "Found Root Template TID_1500" in result.pixelmed
    assert pixelmed_errors(result, path) == [], result.pixelmed
    return result


# (sample, how the facts are changed, the outcome expected): every outcome that reports an SR.
OUTCOMES = {
    "recommended": ("01-calcified-left-flank-coded", None, "recommended"),
    "not-indicated": ("03-right-mass-no-calcification", None, "not-indicated"),
    "nothing found": ("03-right-mass-no-calcification", nothing_found, "not-indicated"),
    "detector only": ("06-calcified-left-flank-pixels-only", detector_only, "recommended"),
    "disagreement": ("01-calcified-left-flank-coded", human_says_absent, "not-indicated"),
    "weight unknown": ("01-calcified-left-flank-coded", weight_unknown, "recommended"),
    "insufficient data": ("05-no-age", None, "insufficient-data"),
}


@pytest.mark.parametrize("case", sorted(OUTCOMES))
def test_every_reported_outcome_builds_a_valid_sr(tmp_path, case):
    folder, change, outcome = OUTCOMES[case]
    facts, _, evidence = analysed(SAMPLES / folder)
    facts = change(facts) if change else facts
    decision = decide(facts, PROTOCOL_SET)
    assert decision.outcome == outcome
    path = save(build_sr(facts, decision, evidence, result_uids(facts, PROTOCOL_SET.fingerprint)),
                tmp_path / "sr.dcm")
    assert_valid(path)
    ds = dcmread(path)
    assert summary_line(decision) in text_values(ds)
    assert hd.sr.Comprehensive3DSR.from_dataset(ds).content  # highdicom reads it back


def test_a_study_where_nothing_was_found_has_one_assessment_group_and_asserts_nothing():
    facts, _, evidence = analysed(SAMPLES / "03-right-mass-no-calcification")
    facts = nothing_found(facts)
    ds = build_sr(facts, decide(facts, PROTOCOL_SET), evidence,
                  result_uids(facts, PROTOCOL_SET.fingerprint))
    groups = [item for item in content_items(ds)
              if item.ConceptNameCodeSequence[0].CodeValue == "125007"]  # Measurement Group
    assert len(groups) == 1
    identifiers = [item.TextValue for item in content_items(groups[0])
                   if item.ConceptNameCodeSequence[0].CodeValue == "112039"]
    assert identifiers == ["Assessment"]
    assert not any(item.get("ValueType") == "SCOORD" for item in content_items(ds))
    stated = {item.ConceptNameCodeSequence[0].CodeValue: item.ConceptCodeSequence[0].CodeValue
              for item in content_items(groups[0]) if item.get("ValueType") == "CODE"}
    assert stated["4147007"] == stated["18115005"] == "261665006", "Unknown: nothing asserted"
    assert {"52101004", "272519000"}.isdisjoint(code_values(ds))


def test_needs_confirmation_is_said_in_the_summary(tmp_path):
    facts, decision, evidence = analysed(SAMPLES / "06-calcified-left-flank-pixels-only")
    assert decision.needs_confirmation, "calcification rests on the detector alone"
    ds = build_sr(facts, decision, evidence, result_uids(facts, PROTOCOL_SET.fingerprint))
    [summary] = [item for item in content_items(ds) if item.get("ValueType") == "TEXT"
                 and item.ConceptNameCodeSequence[0].CodeValue == "121111"]
    assert "calcification seen by image analysis only: confirm before protocolling" in summary.TextValue
    assert len(summary.TextValue) <= MAX_TEXT


# Type 2 attributes highdicom would read from the first evidence instance.
def damaged_copy(folder: Path, out: Path, keyword: str, how: str) -> Path:
    out.mkdir()
    for path in folder.glob("*.dcm"):
        ds = dcmread(path)
        if how == "deleted" and keyword in ds:
            delattr(ds, keyword)
        elif how == "empty":
            setattr(ds, keyword, "")
        ds.save_as(out / path.name)
    return out


@pytest.mark.parametrize("how", ["deleted", "empty"])
@pytest.mark.parametrize("keyword", PATIENT_STUDY)
def test_missing_patient_and_study_attributes_still_give_a_valid_sr(tmp_path, keyword, how):
    folder = damaged_copy(SAMPLES / "03-right-mass-no-calcification", tmp_path / "in", keyword, how)
    path = write_sr(folder, tmp_path / "sr.dcm")
    checked = run([require_tool("dciodvfy"), str(path)])
    assert Validation.errors(checked.stdout + checked.stderr) == []
    ds = dcmread(path)
    assert keyword in ds and ds[keyword].value in ("", None), "Type 2: present and empty"
    assert ds.StudyInstanceUID == dcmread(next(folder.glob("US*.dcm")), stop_before_pixels=True).StudyInstanceUID


def test_an_unparseable_birth_date_is_left_empty_and_the_rest_is_copied(tmp_path):
    source = SAMPLES / "01-calcified-left-flank-coded"
    folder = tmp_path / "in"
    folder.mkdir()
    for path in source.glob("*.dcm"):
        ds = dcmread(path)
        ds.PatientBirthDate = "31/02/20"
        ds.save_as(folder / path.name)
    ds = dcmread(write_sr(folder, tmp_path / "sr.dcm"))
    assert ds.PatientBirthDate == "" and ds.PatientID == "SYN0001" and ds.StudyDate == "20260115"


def test_labels_survive_dcmtk_dsr2html(tmp_path):
    path = write_sr(SAMPLES / "01-calcified-left-flank-coded", tmp_path / "sr.dcm")
    page = run([require_tool("dsr2html"), str(path)]).stdout
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    for label in ("Advisor outcome", "Recommended", "Recommendation", "Summary", "Caution",
                  "Protocol phase", "Alternative", "Posterior acoustic features"):
        assert label in text, label
    assert 'CONTINUOUS' not in run([require_tool("dsrdump"), str(path)]).stdout


def test_text_items_fit_orthancs_rest_limit_and_long_texts_are_split_not_cut():
    long = ("MRI abdomen without and with gadolinium: better soft-tissue characterisation. " * 6).strip()
    chunks = text_chunks(long)
    assert all(len(c) <= MAX_TEXT for c in chunks) and len(chunks) > 1
    assert " ".join(chunks) == long
    assert text_chunks("x" * 600) == ["x" * 256, "x" * 256, "x" * 88]


def test_recommendation_is_readable_in_a_viewer(tmp_path):
    ds = dcmread(write_sr(SAMPLES / "01-calcified-left-flank-coded", tmp_path / "sr.dcm"))
    texts = "\n".join(text_values(ds))
    assert "Suggested: CT abdomen/pelvis, precontrast + portal venous phase; decision support, " \
           "confirm with radiologist." in texts
    for expected in ("Precontrast: Limited to the mass region", "Portal venous",
                     "2 mL/kg, max 100 mL", "for this patient 32 mL", "eGFR", "MRI abdomen",
                     "Neuroblastoma", "Wilms tumour", "Laterality: left (from sr-coded)"):
        assert expected in texts, expected
    assert all(len(t) <= MAX_TEXT for t in text_values(ds))
    assert {"121075", "121111", "CTAP-PRE-PV-PEDS", "18115005", "52101004", "7771000", "126000",
            "111366", "111369"} <= code_values(ds)


def test_private_scheme_is_identified_by_a_coding_scheme_uid(tmp_path):
    ds = dcmread(write_sr(SAMPLES / "01-calcified-left-flank-coded", tmp_path / "sr.dcm"))
    [scheme] = ds.CodingSchemeIdentificationSequence
    assert scheme.CodingSchemeDesignator == "99PEDSADV"
    assert scheme.CodingSchemeUID == codes.LOCAL_SCHEME_UID and scheme.CodingSchemeUID.startswith("2.25.")
    schemes = {str(e.value) for e in ds.iterall() if e.keyword == "CodingSchemeDesignator"}
    assert schemes <= {"DCM", "SCT", "UCUM", "UMLS", "RFC5646", "99PEDSADV"}, schemes
    local = {item.ConceptNameCodeSequence[0].CodeMeaning for item in content_items(ds)
             if item.ConceptNameCodeSequence[0].CodingSchemeDesignator == "99PEDSADV"}
    assert "Posterior acoustic shadow" not in local and "Recommendation" not in local


def test_non_shadowing_focus_is_not_coded_as_calcification(tmp_path):
    facts, _, evidence = analysed(SAMPLES / "06-calcified-left-flank-pixels-only")
    faint = replace(facts.foci[0], shadow=False)
    facts = replace(facts, calcification=UNKNOWN, foci=[faint])
    decision = decide(facts, PROTOCOL_SET)
    assert decision.outcome == "not-indicated"
    path = save(build_sr(facts, decision, evidence, result_uids(facts, PROTOCOL_SET.fingerprint)),
                tmp_path / "sr.dcm")
    assert_valid(path)
    ds = dcmread(path)
    findings = [item.ConceptCodeSequence[0].CodeValue for item in content_items(ds)
                if item.ConceptNameCodeSequence[0].CodeValue == "121071"]
    assert findings == ["echo-focus"], "the focus is not coded as pathologic calcification"
    calcification = [item.ConceptCodeSequence[0].CodeValue for item in content_items(ds)
                     if item.ConceptNameCodeSequence[0].CodeValue == "18115005"]
    assert calcification == ["261665006"], "calcification: Unknown, never Present"
    assert "111367" in code_values(ds)
    identifiers = [item.TextValue for item in content_items(ds)
                   if item.ConceptNameCodeSequence[0].CodeValue == "112039"]
    assert "Focus 1" in identifiers and not any("calcif" in i for i in identifiers)


def test_one_focus_on_several_frames_is_one_focus_with_its_frames(tmp_path):
    folder = SAMPLES / "06-calcified-left-flank-pixels-only"
    facts, decision, evidence = analysed(folder)
    cine = str(dcmread(folder / "US002.dcm", stop_before_pixels=True).SOPInstanceUID)
    [on_cine, *_] = [f for f in facts.foci if f.sop_instance_uid == cine]
    seen_on_four = replace(on_cine, frame=2, frames=(2, 3, 4, 5))
    facts = replace(facts, foci=[seen_on_four])
    ds = build_sr(facts, decision, evidence, result_uids(facts, PROTOCOL_SET.fingerprint))
    regions = [item for item in content_items(ds) if item.get("ValueType") == "SCOORD"]
    assert len(regions) == 1
    [source] = regions[0].ContentSequence[0].ReferencedSOPSequence
    assert list(source.ReferencedFrameNumber) == [2, 3, 4, 5]
    texts = "\n".join(text_values(ds))
    assert "1 distinct calcific focus/foci with posterior shadow" in texts
    assert "Focus 1: posterior shadowing, " in texts and "on 4 frame(s): 2, 3, 4, 5" in texts


def test_performed_procedure_codes_are_copied_from_the_inputs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for path in (SAMPLES / "03-right-mass-no-calcification").glob("*.dcm"):
        ds = dcmread(path)
        if ds.Modality == "US":
            code = Dataset()
            code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "USABD", "99SITE", "US abdomen"
            ds.ProcedureCodeSequence = [code]
        ds.save_as(folder / path.name)
    ds = dcmread(write_sr(folder, tmp_path / "sr.dcm"))
    assert [c.CodeValue for c in ds.PerformedProcedureCodeSequence] == ["USABD"]
    [procedure] = [i for i in ds.ContentSequence if i.ConceptNameCodeSequence[0].CodeValue == "121058"]
    assert procedure.ConceptCodeSequence[0].CodeValue == "363679005"


def test_iheair_identification_and_evidence(tmp_path):
    folder = SAMPLES / "01-calcified-left-flank-coded"
    ds = dcmread(write_sr(folder, tmp_path / "sr.dcm"))
    assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.88.34"
    referenced = {ref.ReferencedSOPInstanceUID for study in ds.CurrentRequestedProcedureEvidenceSequence
                  for series in study.ReferencedSeriesSequence for ref in series.ReferencedSOPSequence}
    sources = {str(dcmread(p, stop_before_pixels=True).SOPInstanceUID) for p in folder.glob("*.dcm")}
    assert referenced == sources
    equipment = [e.get("ManufacturerModelName") for e in ds.ContributingEquipmentSequence]
    assert "protocol-advisor" in equipment
    hd.sr.Comprehensive3DSR.from_dataset(ds)  # highdicom reads it back


def test_uids_derive_from_inputs_revision_and_predecessor():
    folder = SAMPLES / "01-calcified-left-flank-coded"
    facts, _, _ = analysed(folder)
    first = result_uids(facts, PROTOCOL_SET.fingerprint)
    assert first == result_uids(analysed(folder)[0], PROTOCOL_SET.fingerprint), "repeatable"
    fewer = analysed([folder / "US001.dcm", folder / "SR001.dcm"])[0]
    changed = result_uids(fewer, PROTOCOL_SET.fingerprint)
    assert changed.sop_instance_uid != first.sop_instance_uid
    assert changed.series_instance_uid == first.series_instance_uid
    assert result_uids(facts, "another-protocol-version").sop_instance_uid != first.sop_instance_uid
    # The same inputs as revision 2 after revision 1 (e.g. a journal reset): never revision 1's UIDs.
    second = result_uids(facts, PROTOCOL_SET.fingerprint, revision=2,
                         predecessor_uid=changed.sop_instance_uid)
    other_predecessor = result_uids(facts, PROTOCOL_SET.fingerprint, revision=2,
                                    predecessor_uid=first.sop_instance_uid)
    every = [u for r in (first, second, other_predecessor)
             for u in (r.sop_instance_uid, r.key_image_uid, r.kos_uid)]
    assert len(set(every)) == len(every)
    assert second.key_image_series_uid == first.key_image_series_uid
    assert result_uids(facts, PROTOCOL_SET.fingerprint, options=("key-image",)) != first


def test_amended_sr_points_at_its_predecessor(tmp_path):
    folder = SAMPLES / "01-calcified-left-flank-coded"
    facts, decision, evidence = analysed(folder)
    first = dcmread(save(build_sr(facts, decision, evidence,
                                  result_uids(facts, PROTOCOL_SET.fingerprint)), tmp_path / "first.dcm"))
    uids = result_uids(facts, PROTOCOL_SET.fingerprint, revision=2,
                       predecessor_uid=str(first.SOPInstanceUID))
    path = save(build_sr(facts, decision, evidence, uids, previous=first), tmp_path / "amended.dcm")
    amended = dcmread(path)
    assert amended.SOPInstanceUID != first.SOPInstanceUID and amended.InstanceNumber == 2
    [study] = amended.PredecessorDocumentsSequence
    [series] = study.ReferencedSeriesSequence
    assert series.ReferencedSOPSequence[0].ReferencedSOPInstanceUID == first.SOPInstanceUID
    assert Validation.errors(validate_sr(path).dciodvfy) == []


def test_each_focus_is_an_image_region_on_its_source_frame(tmp_path):
    folder = SAMPLES / "06-calcified-left-flank-pixels-only"
    facts, _, _ = analysed(folder)
    ds = dcmread(write_sr(folder, tmp_path / "sr.dcm"))
    regions = [item for item in content_items(ds) if item.get("ValueType") == "SCOORD"]
    assert len(regions) == len(facts.foci) > 0
    cine = str(dcmread(folder / "US002.dcm", stop_before_pixels=True).SOPInstanceUID)
    for region, focus in zip(regions, sorted(facts.foci, key=lambda f: (not f.shadow, -f.score)), strict=True):
        assert region.GraphicType == "CIRCLE"
        assert list(region.GraphicData[:2]) == pytest.approx([focus.x + 0.5, focus.y + 0.5], abs=0.01)
        [source] = region.ContentSequence[0].ReferencedSOPSequence
        assert source.ReferencedSOPInstanceUID == focus.sop_instance_uid
        if focus.sop_instance_uid == cine:
            frames = source.ReferencedFrameNumber
            assert [int(f) for f in (frames if isinstance(frames, MultiValue) else [frames])] \
                == list(focus.frames or (focus.frame,))
    diameters = [e.value for e in ds.iterall() if e.keyword == "NumericValue"]
    assert len(diameters) == len(facts.foci) and all(2.5 < float(d) < 4.5 for d in diameters)


@pytest.mark.parametrize("organ", sorted(codes.ORGAN_CODES))
def test_the_organ_of_origin_is_the_finding_site_and_reads_back(tmp_path, organ):
    from advisor.evidence.findings_sr import sr_observations
    facts, _, evidence = analysed(SAMPLES / "01-calcified-left-flank-coded")
    facts = replace(facts, organ=organ)
    path = save(build_sr(facts, decide(facts, PROTOCOL_SET), evidence,
                         result_uids(facts, PROTOCOL_SET.fingerprint)), tmp_path / "sr.dcm")
    result = assert_valid(path)
    code = codes.ORGAN_CODES[organ]
    assert f"({code.value},SCT,\"{code.meaning}\")" in result.dsrdump, result.dsrdump
    read = {(o.kind, o.value) for o in sr_observations(dcmread(path)) if o.source == "sr-coded"}
    assert ("organ", organ) in read and ("laterality", facts.laterality.value) in read


def test_an_organ_without_its_own_code_keeps_the_abdomen_as_finding_site(tmp_path):
    from advisor.evidence.findings_sr import sr_observations
    facts, _, evidence = analysed(SAMPLES / "01-calcified-left-flank-coded")
    for organ in ("other", None):
        ds = build_sr(replace(facts, organ=organ), decide(facts, PROTOCOL_SET), evidence,
                      result_uids(facts, PROTOCOL_SET.fingerprint))
        sites = [item.ConceptCodeSequence[0].CodeValue for item in content_items(ds)
                 if item.ConceptNameCodeSequence[0].CodeValue == codes.FINDING_SITE.value]
        assert sites == [codes.ABDOMEN.value]
        assert not [o for o in sr_observations(ds) if o.kind == "organ" and o.source == "sr-coded"]
