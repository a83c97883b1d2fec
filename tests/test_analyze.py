"""``advisor analyze --json`` on the bundled samples: the contract of DESIGN.md."""

import contextlib
import io
import json
import shutil
import sys
from pathlib import Path

import highdicom as hd
import pytest
from pydicom import dcmread
from pydicom.sr.codedict import codes
from pydicom.uid import generate_uid

from advisor.cli import main
from conftest import PROTOCOLS, ROOT, SAMPLES, run

EXPECTED = {
    # folder: (outcome, laterality, protocol_id, age, calcification source, needs_confirmation)
    "01-calcified-left-flank-coded": ("recommended", "left", "peds-ct-ap-precontrast-portal-venous", 4.0, "sr-coded", False),
    "02-calcified-left-flank-text": ("recommended", "left", "peds-ct-ap-precontrast-portal-venous", 4.19, "sr-text", False),
    "03-right-mass-no-calcification": ("not-indicated", "right", None, 6.0, "sr-text", False),
    "04-adult-calcified-mass": ("out-of-scope", "left", None, 45.0, "sr-text", False),
    "05-no-age": ("insufficient-data", "left", None, None, "sr-text", False),
    # Calcification rests on the pixel detector alone: recommended, to be confirmed.
    "06-calcified-left-flank-pixels-only": ("recommended", "left", "peds-ct-ap-precontrast-portal-venous", 3.0, "detector", True),
    "07-calcified-mass-side-burned-in": ("recommended", "left", "peds-ct-ap-precontrast-portal-venous", 2.0, "sr-text", False),
}
CONTRACT_KEYS = {"study_instance_uid", "outcome", "protocol_id", "laterality", "patient_age_years",
                 "mass", "calcification", "foci", "reasons", "laterality_source", "needs_confirmation",
                 "burned_in_text"}


def analyze_json(*paths: Path, protocols: Path = PROTOCOLS) -> dict:
    """``advisor analyze --json`` run in this process (so that mutation testing sees it)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["analyze", "--json", "--protocols", str(protocols), *map(str, paths)])
    assert code == 0
    return json.loads(out.getvalue())


def study_uid(folder: str) -> str:
    return str(dcmread(next((SAMPLES / folder).glob("US*.dcm")), stop_before_pixels=True).StudyInstanceUID)


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_each_sample_gives_its_outcome(folder):
    [study] = analyze_json(SAMPLES / folder)["studies"]
    outcome, laterality, protocol, age, calcification_source, needs_confirmation = EXPECTED[folder]
    assert set(study) == CONTRACT_KEYS
    assert study["study_instance_uid"] == study_uid(folder)
    assert (study["outcome"], study["laterality"], study["protocol_id"]) == (outcome, laterality, protocol)
    assert study["patient_age_years"] == age
    assert study["calcification"]["source"] == calcification_source
    assert study["needs_confirmation"] is needs_confirmation
    assert study["mass"]["present"] is True
    assert study["reasons"], "every outcome says why"


def test_whole_folder_groups_by_study():
    studies = analyze_json(SAMPLES)["studies"]
    assert sorted(s["study_instance_uid"] for s in studies) == sorted(map(study_uid, EXPECTED))


def test_human_finding_of_no_calcification_is_negation_aware():
    [study] = analyze_json(SAMPLES / "03-right-mass-no-calcification")["studies"]
    assert study["calcification"] == {"status": "absent", "present": False, "source": "sr-text"}
    assert any("does not rule out neuroblastoma" in r for r in study["reasons"])


def images_only(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / folder.name
    target.mkdir()
    for image in folder.glob("US*.dcm"):
        shutil.copy(image, target)
    return target


def test_without_findings_sr_the_detector_decides_calcification(tmp_path):
    [calcified] = analyze_json(images_only(SAMPLES / "01-calcified-left-flank-coded", tmp_path))["studies"]
    assert calcified["outcome"] == "recommended"
    assert calcified["mass"] == {"status": "present", "present": True, "sources": ["indication-text"]}
    assert calcified["calcification"] == {"status": "present", "present": True, "source": "detector"}
    assert calcified["needs_confirmation"] is True
    assert any(r.startswith("Calcification seen by image analysis only: confirm before protocolling")
               for r in calcified["reasons"])
    [focus] = [f for f in calcified["foci"] if f["shadow"]]
    # One focus, though seen on a single-frame image and on the 3 frames of a clip of the
    # same series: its frames are those of the image its strongest sighting is on.
    assert focus["frames"] == [1, 2, 3] and focus["frame"] in focus["frames"]
    assert abs(focus["x"] - 182) < 2 and abs(focus["y"] - 112) < 2  # drawn at column 182, row 112
    assert 2.5 < focus["diameter_mm"] < 4.5                        # 3.5 mm

    [plain] = analyze_json(images_only(SAMPLES / "03-right-mass-no-calcification", tmp_path))["studies"]
    assert plain["outcome"] == "not-indicated"
    assert plain["calcification"] == {"status": "unknown", "present": False, "source": "none"}
    assert [f for f in plain["foci"] if f["shadow"]] == []


def test_outlined_mass_is_the_search_mask():
    [study] = analyze_json(SAMPLES / "01-calcified-left-flank-coded")["studies"]
    assert study["calcification"]["source"] == "sr-coded"
    assert any("mass-roi" in reason for reason in study["reasons"])


def test_human_finding_wins_over_the_detector_and_the_disagreement_is_reported(tmp_path):
    folder = images_only(SAMPLES / "01-calcified-left-flank-coded", tmp_path)
    images = [dcmread(p) for p in sorted(folder.glob("US*.dcm"))]
    root = hd.sr.ContainerContentItem(codes.LN.Findings)
    root.ContentSequence = hd.sr.ContentSequence([hd.sr.TextContentItem(
        codes.DCM.Finding, "Left flank mass. No calcification.", relationship_type="CONTAINS")])
    hd.sr.EnhancedSR(evidence=images, content=root, series_instance_uid=generate_uid(), series_number=5,
                     sop_instance_uid=generate_uid(), instance_number=1,
                     manufacturer="test").save_as(folder / "SR-no-calc.dcm", enforce_file_format=True)
    [study] = analyze_json(folder)["studies"]
    assert study["outcome"] == "not-indicated"
    assert study["calcification"] == {"status": "absent", "present": False, "source": "sr-text"}
    assert [f for f in study["foci"] if f["shadow"]], "the detector still ran and reports its foci"
    assert ("Disagreement on calcification: detector says present, sr-text says absent; "
            "sr-text was used.") in study["reasons"]


def test_non_dicom_input_is_reported_not_fatal(tmp_path):
    (tmp_path / "notes.txt").write_text("not dicom")
    shutil.copy(SAMPLES / "01-calcified-left-flank-coded" / "SR001.dcm", tmp_path)
    result = run([sys.executable, "-m", "advisor.cli", "analyze", "--json", "--protocols",
                  str(PROTOCOLS), str(tmp_path)])
    assert result.returncode == 0
    assert "notes.txt" in result.stderr and "not a readable DICOM file" in result.stderr
    [study] = json.loads(result.stdout)["studies"]
    # Only the findings SR: no image, so scope cannot be established.
    assert study["outcome"] == "insufficient-data"


def test_site_can_switch_to_mri_first(tmp_path):
    protocols = tmp_path / "protocols"
    shutil.copytree(PROTOCOLS, protocols)
    mri = protocols / "peds-mri-abdomen.toml"
    mri.write_text(mri.read_text().replace("enabled = false", "enabled = true"))
    [study] = analyze_json(SAMPLES / "01-calcified-left-flank-coded", protocols=protocols)["studies"]
    assert study["protocol_id"] == "peds-mri-abdomen"


def test_samples_are_reproduced_by_their_script(tmp_path):
    result = run([sys.executable, str(ROOT / "scripts" / "make_samples.py"), "--out", str(tmp_path)])
    assert result.returncode == 0, result.stderr
    committed = sorted(p.relative_to(SAMPLES) for p in SAMPLES.rglob("*.dcm"))
    assert committed == sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.dcm"))
    for relative in committed:
        assert (SAMPLES / relative).read_bytes() == (tmp_path / relative).read_bytes(), relative
