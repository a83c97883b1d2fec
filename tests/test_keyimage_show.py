"""The key image sent with each SR, and ``advisor show``."""

import sys
from pathlib import Path

import numpy as np
from pydicom import dcmread

from advisor.analyze import analyze_study, group_by_study
from advisor.decide import decide
from advisor.output.keyimage import SHADOW_COLOUR, build_key_image
from advisor.protocols import load_protocols
from advisor.output.report import summary_line
from conftest import PROTOCOLS, SAMPLES, Validation, require_tool, run

PROTOCOL_SET = load_protocols(PROTOCOLS)


def key_image(folder: Path, sr_uid: str = "1.2.3.4", revision: int = 1):
    [(study_uid, items)] = group_by_study([folder])[0].items()
    facts = analyze_study(study_uid, items)
    return facts, build_key_image(facts, summary_line(decide(facts, PROTOCOL_SET)), sr_uid, revision)


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


def test_key_image_uids_follow_the_sr():
    folder = SAMPLES / "01-calcified-left-flank-coded"
    _, first = key_image(folder, "1.2.3.4")
    _, again = key_image(folder, "1.2.3.4")
    _, other = key_image(folder, "1.2.3.5", revision=2)
    assert first.SOPInstanceUID == again.SOPInstanceUID != other.SOPInstanceUID
    assert first.SeriesInstanceUID == other.SeriesInstanceUID
    assert other.InstanceNumber == 2


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
    from advisor.output.report import build_sr, result_uids
    [(study_uid, items)] = group_by_study([SAMPLES / "06-calcified-left-flank-pixels-only"])[0].items()
    facts = analyze_study(study_uid, items)
    sr = build_sr(facts, decide(facts, PROTOCOL_SET), [ds for _, ds in items],
                  result_uids(facts, PROTOCOL_SET.fingerprint))
    sr.save_as(tmp_path / "sr.dcm", enforce_file_format=True)
    text = show(tmp_path / "sr.dcm").stdout
    assert "Recommendation: Suggested: CT abdomen/pelvis, precontrast + portal venous phase" in text
    assert "Protocol phase: 1. Precontrast" in text and "Caution: Check renal function" in text
    assert "Image Region: CIRCLE" in text and "Posterior acoustic shadow: Present" in text
    assert np.sum(["Tracking Identifier: Focus" in line for line in text.splitlines()]) == 1  # distinct foci
