"""The key image sent with each SR, and ``advisor show``."""

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from pydicom import dcmread

from advisor.analyze import analyze_study, group_by_study
from advisor.decide import decide
from advisor.output.keyimage import SHADOW_COLOUR, banner_texts, build_key_image, key_frame
from advisor.output.uids import result_uids
from advisor.protocols import load_protocols
from advisor.output.kos import build_kos
from advisor.output.report import build_sr, summary_line
from conftest import PATIENT_STUDY, PROTOCOLS, SAMPLES, Validation, copy_without, require_tool, run

PROTOCOL_SET = load_protocols(PROTOCOLS)


def analysed(folder: Path):
    [(study_uid, items)] = group_by_study([folder])[0].items()
    return analyze_study(study_uid, items)


def key_image(folder: Path, revision: int = 1, predecessor: str | None = None):
    facts = analysed(folder)
    uids = result_uids(facts, PROTOCOL_SET.fingerprint, revision=revision, predecessor_uid=predecessor)
    return facts, build_key_image(facts, summary_line(decide(facts, PROTOCOL_SET)), uids)


def test_key_image_is_a_valid_derived_secondary_capture(tmp_path):
    folder = SAMPLES / "06-calcified-left-flank-pixels-only"
    facts, image = key_image(folder)
    path = tmp_path / "key.dcm"
    image.save_as(path, enforce_file_format=True)
    checked = run([require_tool("dciodvfy"), str(path)])
    assert Validation.errors(checked.stdout + checked.stderr) == []
    ds = dcmread(path)
    assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.7"
    assert list(ds.ImageType) == ["DERIVED", "SECONDARY"] and ds.BurnedInAnnotation == "YES"
    sources = {str(dcmread(p, stop_before_pixels=True).SeriesInstanceUID) for p in folder.glob("*.dcm")}
    assert ds.SeriesInstanceUID not in sources and ds.SeriesNumber == 9902
    assert ds.SourceImageSequence[0].ReferencedSOPInstanceUID in {f.sop_instance_uid for f in facts.foci}
    assert ds.Laterality == "L"
    pixels = ds.pixel_array
    assert pixels.shape[1] >= 960, "large enough to read the banner"
    assert (pixels[2, :20] == (20, 20, 60)).all(), "the banner band"
    assert (pixels == SHADOW_COLOUR).all(axis=2).sum() > 50, "the shadowing focus is circled"


def test_key_image_uids_follow_inputs_revision_and_predecessor():
    folder = SAMPLES / "01-calcified-left-flank-coded"
    _, first = key_image(folder)
    _, again = key_image(folder)
    _, other = key_image(folder, revision=2, predecessor="1.2.3.5")
    assert first.SOPInstanceUID == again.SOPInstanceUID != other.SOPInstanceUID
    assert first.SeriesInstanceUID == other.SeriesInstanceUID
    assert other.InstanceNumber == 2


def test_key_image_of_a_study_without_patient_attributes_is_valid(tmp_path):
    folder = copy_without(SAMPLES / "03-right-mass-no-calcification", tmp_path / "in", PATIENT_STUDY)
    _, image = key_image(folder)
    path = tmp_path / "key.dcm"
    image.save_as(path, enforce_file_format=True)
    checked = run([require_tool("dciodvfy"), str(path)])
    assert Validation.errors(checked.stdout + checked.stderr) == []
    assert dcmread(path).PatientBirthDate == ""


def test_banner_counts_distinct_foci_and_asks_for_confirmation_when_detector_only():
    facts = analysed(SAMPLES / "06-calcified-left-flank-pixels-only")
    one_focus = replace(facts.foci[0], frames=(1, 2, 3, 4))
    facts = replace(facts, foci=[one_focus])
    decision = decide(facts, PROTOCOL_SET)
    assert decision.needs_confirmation
    _, _, on_frame = key_frame(facts)
    summary, detail = banner_texts(summary_line(decision), facts, on_frame)
    assert "calcification seen by image analysis only: confirm before protocolling" in summary
    assert "1 distinct calcific focus/foci with posterior shadow" in detail
    assert "Circled on this frame: 1 with shadow" in detail


def test_key_image_without_foci_shows_the_first_frame():
    _, image = key_image(SAMPLES / "03-right-mass-no-calcification")
    assert image is not None
    assert not (image.pixel_array == SHADOW_COLOUR).all(axis=2).any()


def show(*paths: Path):
    return run([sys.executable, "-m", "advisor.cli", "show", *map(str, paths)])


def test_show_renders_a_findings_sr_and_refuses_an_image():
    result = show(SAMPLES / "01-calcified-left-flank-coded" / "SR001.dcm")
    assert result.returncode == 0
    for line in ("[Findings]", "Finding: Mass (4147007, SCT)", "Laterality: Left (7771000, SCT)",
                 "pathologic calcification: Present (52101004, SCT)", "Image Region: POLYLINE"):
        assert line in result.stdout
    assert "SYNTHETIC" not in result.stdout and "SYN0001" not in result.stdout
    image = show(SAMPLES / "01-calcified-left-flank-coded" / "US001.dcm")
    assert image.returncode == 1 and "not a structured report" in image.stderr


def test_show_renders_the_advisors_sr(tmp_path):
    [(study_uid, items)] = group_by_study([SAMPLES / "06-calcified-left-flank-pixels-only"])[0].items()
    facts = analyze_study(study_uid, items)
    sr = build_sr(facts, decide(facts, PROTOCOL_SET), [ds for _, ds in items],
                  result_uids(facts, PROTOCOL_SET.fingerprint))
    sr.save_as(tmp_path / "sr.dcm", enforce_file_format=True)
    text = show(tmp_path / "sr.dcm").stdout
    assert "Summary: Suggested: CT abdomen/pelvis, precontrast + portal venous phase" in text
    assert "Protocol phase: 1. Precontrast" in text and "Caution: Check renal function" in text
    assert "Image Region: CIRCLE" in text
    assert "Posterior acoustic features: Posterior shadowing (111369, DCM)" in text
    assert np.sum(["Tracking Identifier: Focus" in line for line in text.splitlines()]) == len(facts.foci) == 1  # distinct foci


def test_show_renders_the_key_object_selection(tmp_path):
    [(study_uid, items)] = group_by_study([SAMPLES / "01-calcified-left-flank-coded"])[0].items()
    facts = analyze_study(study_uid, items)
    decision = decide(facts, PROTOCOL_SET)
    uids = result_uids(facts, PROTOCOL_SET.fingerprint)
    sr = build_sr(facts, decision, [ds for _, ds in items], uids)
    build_kos(summary_line(decision), sr, None, uids).save_as(tmp_path / "kos.dcm", enforce_file_format=True)
    text = show(tmp_path / "kos.dcm").stdout
    assert "Key Object Selection Document Storage: Of Interest" in text
    assert f"Key Object Description: {summary_line(decision)}" in text
    assert f"Source: Comprehensive 3D SR Storage {sr.SOPInstanceUID}" in text
