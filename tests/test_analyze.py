"""``advisor analyze --json`` on the bundled samples: the contract of DESIGN.md."""

import json
import shutil
import sys
from pathlib import Path

import pytest
from pydicom import dcmread

from conftest import PROTOCOLS, ROOT, SAMPLES, run

EXPECTED = {
    # folder: (outcome, laterality, protocol_id, age, calcification source)
    "01-calcified-left-flank-coded": ("recommended", "left", "peds-ct-ap-precontrast-portal-venous", 4.0, "sr-coded"),
    "02-calcified-left-flank-text": ("recommended", "left", "peds-ct-ap-precontrast-portal-venous", 4.19, "sr-text"),
    "03-right-mass-no-calcification": ("not-indicated", "right", None, 6.0, "sr-text"),
    "04-adult-calcified-mass": ("out-of-scope", "left", None, 45.0, "sr-text"),
    "05-no-age": ("insufficient-data", "left", None, None, "sr-text"),
}
CONTRACT_KEYS = {"study_instance_uid", "outcome", "protocol_id", "laterality", "patient_age_years",
                 "mass", "calcification", "foci", "reasons"}


def analyze_json(*paths: Path, protocols: Path = PROTOCOLS) -> dict:
    result = run([sys.executable, "-m", "advisor.cli", "analyze", "--json",
                  "--protocols", str(protocols), *map(str, paths)])
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def study_uid(folder: str) -> str:
    return str(dcmread(next((SAMPLES / folder).glob("US*.dcm")), stop_before_pixels=True).StudyInstanceUID)


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_each_sample_gives_its_outcome(folder):
    [study] = analyze_json(SAMPLES / folder)["studies"]
    outcome, laterality, protocol, age, calcification_source = EXPECTED[folder]
    assert set(study) == CONTRACT_KEYS
    assert study["study_instance_uid"] == study_uid(folder)
    assert (study["outcome"], study["laterality"], study["protocol_id"]) == (outcome, laterality, protocol)
    assert study["patient_age_years"] == age
    assert study["calcification"]["source"] == calcification_source
    assert study["mass"]["present"] is True
    assert study["reasons"], "every outcome says why"


def test_whole_folder_groups_by_study():
    studies = analyze_json(SAMPLES)["studies"]
    assert sorted(s["study_instance_uid"] for s in studies) == sorted(map(study_uid, EXPECTED))


def test_human_finding_of_no_calcification_is_negation_aware():
    [study] = analyze_json(SAMPLES / "03-right-mass-no-calcification")["studies"]
    assert study["calcification"] == {"present": False, "source": "sr-text"}
    assert any("does not rule out neuroblastoma" in r for r in study["reasons"])


def test_images_without_findings_sr_use_order_text(tmp_path):
    for image in (SAMPLES / "01-calcified-left-flank-coded").glob("US*.dcm"):
        shutil.copy(image, tmp_path)
    [study] = analyze_json(tmp_path)["studies"]
    # The order says "LT flank mass" but nothing states calcification: not indicated.
    assert study["outcome"] == "not-indicated"
    assert study["laterality"] == "left"
    assert study["mass"] == {"present": True, "sources": ["indication-text"]}
    assert study["calcification"]["source"] == "none"


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
