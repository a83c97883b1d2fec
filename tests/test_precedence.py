"""From a study's statements to its facts: evidence precedence (DESIGN.md), disagreements,
mass details, distinct foci and the study-level reading of the bundled samples.

Fast: the detector runs only where a test says so, OCR never (tests/test_ocr.py reads
burned-in text), so that mutation testing can run this file for every mutant of
``advisor.analyze``.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from pydicom import dcmread

from advisor import MANUFACTURER, analyze
from advisor.analyze import (MassDetails, analyze_study, burned_in_evidence, dicom_files, disagreements, distinct_foci,
                             group_by_study, label_observations, mass_details, pixel_evidence,
                             read_instances, resolve)
from advisor.evidence.detect import Detection
from advisor.evidence.ocr import Annotation
from advisor.model import SOURCE_PRECEDENCE, BurnedInLabel, Focus, Observation, Resolved
from conftest import SAMPLES

CODED = SAMPLES / "01-calcified-left-flank-coded"


def said(kind: str, value: str, source: str, detail: str = "stated") -> Observation:
    return Observation(kind, value, source, "1.2.3", detail)


# --- precedence -------------------------------------------------------------------------

def test_nothing_stated_about_a_kind_is_unknown():
    assert resolve([], "calcification") == Resolved(None, None)
    assert resolve([said("mass", "present", "sr-coded")], "calcification") == Resolved(None, None)


@pytest.mark.parametrize("stronger, weaker", [*zip(SOURCE_PRECEDENCE, SOURCE_PRECEDENCE[1:]),
                                              ("sr-text", "detector")])
@pytest.mark.parametrize("strong_value, weak_value", [("absent", "present"), ("present", "absent")])
def test_the_stronger_source_wins_whatever_it_says(stronger, weaker, strong_value, weak_value):
    statements = [said("calcification", weak_value, weaker), said("calcification", strong_value, stronger)]
    assert resolve(statements, "calcification") == Resolved(strong_value, stronger, (stronger,))


def test_within_one_source_present_beats_absent_and_agreeing_sources_are_listed_strongest_first():
    statements = [said("calcification", "absent", "sr-text"), said("calcification", "present", "detector"),
                  said("calcification", "present", "sr-text"), said("calcification", "absent", "header"),
                  said("calcification", "present", "indication-text")]
    assert resolve(statements, "calcification") == Resolved(
        "present", "sr-text", ("sr-text", "indication-text", "detector"))


def test_absent_alone_is_absent():
    statements = [said("mass", "absent", "header"), said("mass", "absent", "sr-text")]
    assert resolve(statements, "mass") == Resolved("absent", "sr-text", ("sr-text", "header"))


@pytest.mark.parametrize("sides, expected", [
    ([("left", "sr-text"), ("right", "sr-text")], "bilateral"),
    ([("bilateral", "sr-text"), ("left", "sr-text")], "bilateral"),
    ([("left", "sr-coded"), ("right", "header")], "left"),
    ([("right", "burned-in-text"), ("left", "detector")], "right"),
    ([("left", "header"), ("left", "indication-text")], "left"),
])
def test_laterality_left_and_right_in_one_source_make_bilateral(sides, expected):
    resolved = resolve([said("laterality", side, source) for side, source in sides], "laterality")
    assert (resolved.value, resolved.source) == (expected, sides[0][1])


def test_each_weaker_source_that_disagrees_is_reported_strongest_first():
    statements = [said("calcification", "absent", "sr-text"), said("calcification", "present", "detector"),
                  said("calcification", "present", "burned-in-text"), said("calcification", "absent", "header"),
                  said("calcification", "present", "sr-text"), said("mass", "absent", "detector")]
    chosen = Resolved("absent", "sr-text", ("sr-text", "header"))
    assert disagreements(statements, "calcification", chosen) == [
        "Disagreement on calcification: burned-in-text says present, sr-text says absent; sr-text was used.",
        "Disagreement on calcification: detector says present, sr-text says absent; sr-text was used."]
    assert disagreements(statements, "calcification", Resolved(None, None)) == []


def test_mass_details_organ_and_size_from_the_strongest_source_flags_from_any():
    statements = [said("organ", "kidney", "indication-text"), said("organ", "adrenal", "sr-text"),
                  said("size_mm", "30", "burned-in-text"), said("size_mm", "42.5", "header"),
                  said("context", "known-tumour-follow-up", "indication-text"),
                  said("context", "midline-extension", "burned-in-text"),
                  said("uncertain", "calcification", "sr-text", "hedged: 'possible'"),
                  said("uncertain", "calcification", "sr-text", "hedged: 'possible'")]
    assert mass_details(statements) == MassDetails(
        organ="adrenal", size_mm=42.5, context=frozenset({"known-tumour-follow-up", "midline-extension"}),
        uncertain=("Not a finding (hedged: 'possible'): calcification.",))
    assert mass_details([]) == MassDetails(None, None, frozenset(), ())


# --- foci -------------------------------------------------------------------------------

def focus(x: float, diameter_mm: float = 2.0, shadow: bool = True, score: float = 0.5,
          uid: str = "a", frame: int = 1) -> Focus:
    return Focus(uid, "1.2.840.10008.5.1.4.1.1.3.1", frame, x, 100.0, diameter_mm, shadow, score, 0.25, True)


@pytest.mark.parametrize("second, diameters, one", [
    (106.0, (2.0, 2.0), True),    # 1.5 mm apart: the minimum tolerance
    (106.4, (2.0, 2.0), False),   # 1.6 mm apart, radius 1 mm
    (107.6, (4.0, 2.0), True),    # 1.9 mm apart, within the larger radius (2 mm)
    (109.0, (4.0, 2.0), False),   # 2.25 mm apart
])
def test_detections_closer_than_the_tolerance_are_one_focus(second, diameters, one):
    found = [focus(100.0, diameters[0], score=0.9, frame=1), focus(second, diameters[1], frame=2)]
    grouped = distinct_foci(found, {"a": ("grid",)})
    assert len(grouped) == (1 if one else 2)


def test_a_shadowing_detection_represents_its_focus_over_a_stronger_non_shadowing_one():
    found = [focus(100.0, shadow=False, score=0.99, frame=1), focus(101.0, shadow=True, score=0.2, frame=2),
             focus(100.0, score=0.1, uid="b", frame=7)]
    [grouped] = distinct_foci(found, {"a": ("grid",), "b": ("grid",)})
    assert (grouped.shadow, grouped.frame, grouped.frames) == (True, 2, (1, 2))


def test_pixel_evidence_of_a_sample_counts_distinct_shadowing_foci():
    [(_, items)] = group_by_study([CODED])[0].items()
    foci, observations, notes = pixel_evidence(items)
    [calcified] = observations
    assert (calcified.kind, calcified.value, calcified.source) == ("calcification", "present", "detector")
    assert calcified.detail == "1 distinct shadowing focus/foci, largest 3.5 mm, seen on 3 frame(s)"
    assert notes == ["Detector: 4 frame(s) of 2 image(s) searched (mass-roi, tissue-region-eroded)."]
    assert [f.frames for f in foci if f.shadow] == [(1, 2, 3)]


def test_non_shadowing_foci_are_no_evidence_of_calcification():
    """The detector on the bundled samples only reports shadowing foci; this gives the
    analysis a detection of one echogenic focus without shadow on a real image."""
    [(_, items)] = group_by_study([SAMPLES / "03-right-mass-no-calcification"])[0].items()
    path, image = next((p, ds) for p, ds in items if ds.Modality == "US")
    faint = Focus(str(image.SOPInstanceUID), str(image.SOPClassUID), 1, 120.0, 90.0, 2.5, False, 0.7,
                  0.2, True)

    def detector(p, masks, first):
        return Detection([faint] if p == path else [], "mass-roi", True, 1)
    foci, observations, _ = pixel_evidence(items, detector)
    assert foci == [replace(faint, frames=(1,))] and observations == []


# --- burned-in labels ---------------------------------------------------------------------

def test_a_label_gives_its_side_and_the_text_reader_gives_the_rest_but_no_side():
    [side] = label_observations(Annotation("1.2", 1, "LT KIDNEY", "left kidney", "left", (0, 0, 9, 9)))
    assert side == Observation("laterality", "left", "burned-in-text", "1.2", "burned-in text 'LT KIDNEY'")
    mass = label_observations(Annotation("1.2", 1, "MASS", "left flank mass with calcification", None,
                                         (0, 0, 9, 9)))
    assert [(o.kind, o.value, o.source, o.sop_instance_uid, o.detail) for o in mass] == [
        ("mass", "present", "burned-in-text", "1.2", "burned-in text 'MASS'"),
        ("calcification", "present", "burned-in-text", "1.2", "burned-in text 'MASS'")]


# --- the study ----------------------------------------------------------------------------

def test_facts_of_the_coded_sample():
    [(uid, items)] = group_by_study([CODED])[0].items()
    facts = analyze_study(uid, items, detect=False, ocr=False)
    assert (facts.modalities, facts.body_parts, facts.age_years, facts.age_source, facts.weight_kg) == (
        {"US", "SR"}, {"ABDOMEN"}, 4.0, "PatientAge", 16.0)
    assert facts.region_texts == ["Abdomen", "LT flank mass", "Sonographer findings", "US ABDOMEN PAEDIATRIC"]
    assert facts.laterality == Resolved("left", "sr-coded", ("sr-coded", "header", "indication-text"))
    assert facts.mass == Resolved("present", "sr-coded", ("sr-coded", "indication-text"))
    assert facts.calcification == Resolved("present", "sr-coded", ("sr-coded",))
    assert len(facts.instances) == 3 and facts.foci == [] and facts.notes == []


def test_the_advisors_own_sr_routed_back_is_not_evidence(tmp_path):
    folder = tmp_path / "study"
    shutil.copytree(CODED, folder)
    findings = dcmread(folder / "SR001.dcm")
    findings.Manufacturer = MANUFACTURER
    findings.save_as(folder / "SR001.dcm")
    [(uid, items)] = group_by_study([folder])[0].items()
    facts = analyze_study(uid, items, detect=False, ocr=False)
    assert len(facts.instances) == 2 and facts.modalities == {"US"}
    assert facts.calcification == Resolved(None, None), "only the findings SR stated calcification"


def test_detector_disagreement_and_unreadable_notes_reach_the_facts(tmp_path):
    [(uid, items)] = group_by_study([SAMPLES / "03-right-mass-no-calcification"])[0].items()
    facts = analyze_study(uid, items, detect=False, ocr=False, unreadable=["Instance file x was excluded."])
    assert facts.notes[0] == "Instance file x was excluded."
    assert facts.calcification == Resolved("absent", "sr-text", ("sr-text",))


def test_files_that_are_not_dicom_are_noted_by_name(tmp_path):
    (tmp_path / "notes.txt").write_text("not dicom")
    items, notes = read_instances("1.2.3", [tmp_path / "notes.txt", CODED / "SR001.dcm"])
    assert [p.name for p, _ in items] == ["SR001.dcm"]
    assert notes == ["Instance file notes.txt was excluded from the analysis: it is not readable DICOM "
                     "(InvalidDicomError)."]
    studies, problems = group_by_study([tmp_path / "notes.txt", CODED])
    assert [len(i) for i in studies.values()] == [3]
    [problem] = problems
    assert problem.startswith("skipped: ") and "notes.txt" in problem


def test_folders_are_walked_in_sorted_order_and_files_kept_as_given(tmp_path):
    for name in ("b/2", "a/1", "a/0/z"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    given = tmp_path / "b" / "2"
    assert [p.relative_to(tmp_path).as_posix() for p in dicom_files([given, tmp_path])] == [
        "b/2", "a/0/z", "a/1", "b/2"]


def test_burned_in_text_read_once_per_series_with_its_place():
    [(_, items)] = group_by_study([SAMPLES / "07-calcified-mass-side-burned-in"])[0].items()
    observations, regions, notes, labels = burned_in_evidence(items)
    [image] = {o.sop_instance_uid for o in observations}
    assert [(o.kind, o.value, o.source, o.detail) for o in observations] == [
        ("laterality", "left", "burned-in-text", "burned-in text 'TRANS L ADRENAL'")]
    assert regions == ["transverse left adrenal"]
    assert notes == [f"Burned-in text (OCR of {image} frame 1): 'TRANS L ADRENAL' at x 4-90, y 19-28."]
    assert labels == [BurnedInLabel(image, 1, "TRANS L ADRENAL", (4, 19, 90, 28))]
    findings_only = [(p, ds) for p, ds in items if ds.Modality == "SR"]
    assert burned_in_evidence(findings_only) == ([], [], [], [])


def test_a_study_read_in_full_detector_and_burned_in_text_included():
    [(uid, items)] = group_by_study([SAMPLES / "07-calcified-mass-side-burned-in"])[0].items()
    facts = analyze_study(uid, items)
    [label] = facts.labels
    assert facts.study_instance_uid == uid
    assert facts.notes == ["Detector: 4 frame(s) of 2 image(s) searched (tissue-region-eroded).",
                           f"Burned-in text (OCR of {label.sop_instance_uid} frame 1): 'TRANS L ADRENAL' "
                           "at x 4-90, y 19-28."]
    assert "transverse left adrenal" in facts.region_texts
    assert facts.laterality == Resolved("left", "burned-in-text", ("burned-in-text",))
    assert facts.calcification == Resolved("present", "sr-text", ("sr-text", "detector"))
    assert facts.organ == "adrenal" and [f.shadow for f in facts.foci] == [True]
    assert ("calcification", "present", "detector") in {(o.kind, o.value, o.source) for o in facts.observations}
    assert [(i.path, i.modality) for i in facts.instances] == [(p, ds.Modality) for p, ds in items]


def test_findings_text_gives_organ_size_context_disagreement_and_hedged_words(tmp_path):
    folder = tmp_path / "study"
    shutil.copytree(SAMPLES / "02-calcified-left-flank-text", folder)
    findings = dcmread(folder / "SR001.dcm")
    findings.ContentSequence[0].TextValue = (
        "Left adrenal mass measuring 42 mm. No calcification. Known neuroblastoma, on chemotherapy. "
        "Possible calcification in the liver.")
    findings.save_as(folder / "SR001.dcm")
    [(uid, items)] = group_by_study([folder])[0].items()
    facts = analyze_study(uid, items, ocr=False)
    assert facts.notes == [
        "Detector: 4 frame(s) of 2 image(s) searched (tissue-region-eroded).",
        "Disagreement on calcification: detector says present, sr-text says absent; sr-text was used.",
        "Not a finding (findings SR text): mass 'neuroblastoma' not stated as a finding ('Known').",
        "Not a finding (findings SR text): calcification 'calcification' not stated as a finding ('Possible')."]
    assert facts.calcification == Resolved("absent", "sr-text", ("sr-text",))
    assert (facts.organ, facts.mass_size_mm, facts.context) == ("adrenal", 42.0, frozenset({"known-tumour-follow-up"}))


def test_an_instance_that_cannot_be_read_is_left_out_with_the_reason(caplog):
    [(uid, items)] = group_by_study([CODED])[0].items()
    (path, broken), *rest = sorted(items, key=lambda item: item[0].name != "US001.dcm")
    broken = broken.copy()
    del broken.SOPClassUID  # cannot be referenced in the SR's evidence
    with caplog.at_level("WARNING", logger="advisor.analyze"):
        facts = analyze_study(uid, [(path, broken), *rest], detect=False, ocr=False)
    assert facts.notes == [f"Instance {broken.SOPInstanceUID} was excluded from the analysis: it could not "
                           "be read (AttributeError)."]
    assert sorted(i.path.name for i in facts.instances) == ["SR001.dcm", "US002.dcm"]
    assert caplog.messages == [f"study {uid}: instance {broken.SOPInstanceUID} excluded: AttributeError"]


def test_an_unreadable_file_is_logged_by_name_and_reason_only(tmp_path, caplog):
    (tmp_path / "notes.txt").write_text("not dicom")
    with caplog.at_level("WARNING", logger="advisor.analyze"):
        read_instances("1.2.3", [tmp_path / "notes.txt"])
    assert caplog.messages == ["study 1.2.3: notes.txt excluded: not readable DICOM (InvalidDicomError)"]


PIXELS_ONLY = SAMPLES / "06-calcified-left-flank-pixels-only"


def edited_images(tmp_path: Path, edit) -> list:
    folder = tmp_path / "study"
    shutil.copytree(PIXELS_ONLY, folder)
    for path in sorted(folder.glob("US*.dcm")):
        ds = dcmread(path)
        edit(path.name, ds)
        ds.save_as(path)
    [(_, items)] = group_by_study([folder])[0].items()
    return items


def test_an_image_whose_pixels_cannot_be_read_is_noted_and_the_others_still_searched(tmp_path):
    def damage(name, ds):
        if name == "US001.dcm":
            ds.PixelData = ds.PixelData[:1000]
        else:
            del ds.SequenceOfUltrasoundRegions
    items = edited_images(tmp_path, damage)
    cut = next(str(ds.SOPInstanceUID) for p, ds in items if p.name == "US001.dcm")
    foci, observations, notes = pixel_evidence(items)
    assert notes[0].startswith(f"Detector could not read the pixels of {cut}: ")
    assert notes[1:] == ["Detector: 3 frame(s) of 1 image(s) searched (tissue-region-eroded). No calibrated "
                         "ultrasound region on 1 image(s): sizes there assume 0.3 mm per pixel."]
    assert [f.frames for f in foci] == [(1, 2, 3)] and len(observations) == 1


@pytest.mark.parametrize("edit", ["other series", "no calibrated region"])
def test_foci_on_images_of_different_pixel_grids_stay_apart(tmp_path, edit):
    """In the sample, one focus is seen on a single-frame image and on a clip of the same series
    and calibrated region: one focus. On different grids it is two."""
    def change(name, ds):
        if edit == "other series" and name == "US002.dcm":
            ds.SeriesInstanceUID = "1.2.826.0.1.3680043.8.498.1"
        if edit == "no calibrated region":
            del ds.SequenceOfUltrasoundRegions
    items = edited_images(tmp_path, change)
    foci, observations, _ = pixel_evidence(items)
    assert sorted(f.frames for f in foci if f.shadow) == [(1,), (1, 2, 3)]
    assert sorted(o.sop_instance_uid for o in observations) == sorted(str(ds.SOPInstanceUID) for _, ds in items)
    assert all(o.detail.startswith("1 distinct shadowing focus/foci, ") for o in observations), \
        "each image counts its own foci"


def test_disagreements_are_ordered_by_precedence_not_by_name():
    statements = [said("calcification", "absent", "sr-coded"), said("calcification", "present", "sr-text"),
                  said("calcification", "present", "header")]
    notes = disagreements(statements, "calcification", Resolved("absent", "sr-coded", ("sr-coded",)))
    assert [n.split(": ")[1].split(" says")[0] for n in notes] == ["sr-text", "header"]


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("source", ["sr-text", "header"])
def test_bilateral_beside_one_side_in_the_same_source_is_bilateral(side, source):
    statements = [said("laterality", side, source), said("laterality", "bilateral", source)]
    assert resolve(statements, "laterality").value == "bilateral"


def test_foci_apart_along_the_rows_are_apart():
    lower = replace(focus(100.0, frame=2), y=107.0)  # 1.75 mm below
    assert len(distinct_foci([focus(100.0), lower], {"a": ("grid",)})) == 2


def test_an_instance_without_modality_adds_no_empty_modality():
    [(uid, items)] = group_by_study([CODED])[0].items()
    items = [(p, ds.copy()) for p, ds in items]
    for _, ds in items:
        if ds.Modality == "SR":
            del ds.Modality
    assert analyze_study(uid, items, detect=False, ocr=False).modalities == {"US"}


def test_a_series_whose_label_cannot_be_read_is_noted_and_the_next_series_still_read(tmp_path, caplog):
    folder = tmp_path / "study"
    shutil.copytree(SAMPLES / "07-calcified-mass-side-burned-in", folder)
    cut = dcmread(folder / "US001.dcm")
    cut.PixelData = cut.PixelData[:1000]
    cut.save_as(folder / "US001.dcm")
    clip = dcmread(folder / "US002.dcm")
    clip.SeriesInstanceUID = "1.2.826.0.1.3680043.8.498.1"
    clip.save_as(folder / "US002.dcm")
    [(_, items)] = group_by_study([folder])[0].items()
    with caplog.at_level("DEBUG", logger="advisor.analyze"):
        observations, _, notes, labels = burned_in_evidence(items)
    assert notes[0].startswith(f"Burned-in text of {cut.SOPInstanceUID} could not be read: ")
    assert notes[1] == (f"Burned-in text (OCR of {clip.SOPInstanceUID} frame 1): 'TRANS L ADRENAL' "
                        "at x 4-90, y 19-28.")
    assert [label.sop_instance_uid for label in labels] == [clip.SOPInstanceUID]
    [timing] = [m for m in caplog.messages if "burned-in text read" in m]
    assert re.fullmatch(rf"series {clip.SeriesInstanceUID}: burned-in text read in \d+\.\d\d s", timing)


def test_without_tesseract_the_burned_in_text_is_said_not_read(monkeypatch):
    monkeypatch.setattr(analyze, "tesseract_available", lambda: False)
    [(_, items)] = group_by_study([SAMPLES / "07-calcified-mass-side-burned-in"])[0].items()
    assert burned_in_evidence(items) == ([], [], ["Burned-in text not read: Tesseract OCR is not available."], [])


def test_studies_are_grouped_by_their_uid():
    studies, problems = group_by_study([CODED, SAMPLES / "03-right-mass-no-calcification"])
    expected = {str(dcmread(next(folder.glob("US*.dcm")), stop_before_pixels=True).StudyInstanceUID)
                for folder in (CODED, SAMPLES / "03-right-mass-no-calcification")}
    assert set(studies) == expected and problems == []
    assert [len(items) for items in studies.values()] == [3, 3]


def test_the_study_uses_the_detector_it_is_given():
    """The node gives the analysis the detections it made while the quiet window passed."""
    [(uid, items)] = group_by_study([SAMPLES / "03-right-mass-no-calcification"])[0].items()
    path, image = next((p, ds) for p, ds in items if ds.Modality == "US")
    found = Focus(str(image.SOPInstanceUID), str(image.SOPClassUID), 1, 150.0, 80.0, 3.0, True, 0.9, 0.2, True)

    def detector(p, masks, first):
        return Detection([found] if p == path else [], "mass-roi", True, 1)
    facts = analyze_study(uid, items, ocr=False, detector=detector)
    assert facts.foci == [replace(found, frames=(1,))]
    assert ("calcification", "present", "detector") in {(o.kind, o.value, o.source) for o in facts.observations}
