"""Where CT must not be recommended, end to end: ``advisor analyze --json`` on edited samples.

Each case copies a bundled sample, edits it with pydicom the way a real study would
differ (the order text, the sonographer's findings text, the patient's age or weight)
and checks the outcome and the reasons.

The exclusions consume what the clinical text reader finds (``StudyFacts.organ``,
``context`` and ``mass_size_mm``) from the order and findings text.
"""

import json
import shutil
import sys
from pathlib import Path

import pytest
from pydicom import Dataset, dcmread

from advisor.analyze import analyze_study, group_by_study
from advisor.decide import decide
from advisor.output.report import build_sr, result_uids
from advisor.protocols import load_protocols
from conftest import PROTOCOLS, SAMPLES, run

CODED = "01-calcified-left-flank-coded"     # coded findings SR: calcified left flank mass, 4 years
TEXT = "02-calcified-left-flank-text"       # free-text findings SR, age from the birth date


def edited_sample(tmp_path: Path, folder: str, *, patient: dict | None = None,
                  reason: str | None = None, findings: str | None = None,
                  drop: tuple[str, ...] = ()) -> Path:
    """A copy of a sample with patient attributes, order text or findings text replaced."""
    target = tmp_path / folder
    shutil.copytree(SAMPLES / folder, target)
    for path in target.glob("*.dcm"):
        ds = dcmread(path)
        _edit(ds, patient or {}, reason, findings, drop)
        ds.save_as(path, enforce_file_format=True)
    return target


def _edit(ds: Dataset, patient: dict, reason: str | None, findings: str | None,
          drop: tuple[str, ...]) -> None:
    for keyword, value in patient.items():
        setattr(ds, keyword, value)
    for keyword in drop:
        if keyword in ds:
            delattr(ds, keyword)
    if reason is not None and "RequestAttributesSequence" in ds:
        ds.RequestAttributesSequence[0].ReasonForTheRequestedProcedure = reason
    if findings is not None and ds.Modality == "SR":
        ds.ContentSequence[0].TextValue = findings


def analyze(folder: Path) -> dict:
    result = run([sys.executable, "-m", "advisor.cli", "analyze", "--json",
                  "--protocols", str(PROTOCOLS), str(folder)])
    assert result.returncode == 0, result.stderr
    [study] = json.loads(result.stdout)["studies"]
    return study


def excluded_by(study: dict) -> str | None:
    """The id of the exclusion named in the reasons, if any."""
    prefix = "Rule peds-ct-ap-precontrast-portal-venous excluded ("
    found = [r[len(prefix):].split(":")[0] for r in study["reasons"] if r.startswith(prefix)]
    return found[0] if found else None


def assert_excluded(study: dict, exclusion: str) -> None:
    assert (study["outcome"], study["protocol_id"], excluded_by(study)) == ("not-indicated", None, exclusion)
    assert any(r.startswith("Suggested instead:") for r in study["reasons"])


# --- known tumour: follow-up, on treatment, after surgery ----------------------

@pytest.mark.parametrize("reason", ["post-chemotherapy follow-up, known neuroblastoma",
                                    "Follow-up after left nephrectomy for Wilms tumour"])
def test_known_tumour_from_order_text(tmp_path, reason):
    assert_excluded(analyze(edited_sample(tmp_path, CODED, reason=reason)), "known-tumour-follow-up")


def test_known_tumour_from_findings_sr(tmp_path):
    findings = "Known left adrenal neuroblastoma on chemotherapy: residual left mass with calcifications."
    assert_excluded(analyze(edited_sample(tmp_path, TEXT, findings=findings)), "known-tumour-follow-up")


def test_negated_history_keeps_the_recommendation(tmp_path):
    study = analyze(edited_sample(tmp_path, CODED, reason="New left flank mass. No previous tumour, no prior treatment."))
    assert study["outcome"] == "recommended" and excluded_by(study) is None


# --- infants: small adrenal mass, adrenal haemorrhage ----------------------------

SMALL_ADRENAL = "Left adrenal mass, 3 cm, with internal calcifications. No midline extension."


@pytest.mark.parametrize("age", ["002M", "010W", "020D"])
def test_infant_small_adrenal_mass_from_header_age(tmp_path, age):
    sample = edited_sample(tmp_path, TEXT, patient={"PatientAge": age}, findings=SMALL_ADRENAL)
    assert_excluded(analyze(sample), "infant-small-adrenal-mass")


def test_infant_age_from_birth_date(tmp_path):
    # Study date 2026-01-15: born 2025-11-20 is 56 days old.
    sample = edited_sample(tmp_path, TEXT, patient={"PatientBirthDate": "20251120"}, findings=SMALL_ADRENAL)
    assert_excluded(analyze(sample), "infant-small-adrenal-mass")


def test_older_child_with_the_same_adrenal_mass_is_recommended(tmp_path):
    sample = edited_sample(tmp_path, TEXT, patient={"PatientAge": "002Y"}, findings=SMALL_ADRENAL)
    study = analyze(sample)
    assert study["outcome"] == "recommended" and excluded_by(study) is None


def test_neonatal_adrenal_haemorrhage_from_order_text(tmp_path):
    sample = edited_sample(tmp_path, CODED, patient={"PatientAge": "012D"},
                           reason="Neonatal adrenal haemorrhage, follow-up scan")
    assert_excluded(analyze(sample), "adrenal-haemorrhage")


# --- organ routing ------------------------------------------------------------

def test_liver_mass_from_findings_sr(tmp_path):
    findings = "Right upper quadrant mass arising from the liver, with calcifications. AFP raised."
    sample = edited_sample(tmp_path, TEXT, patient={"PatientAge": "002Y"}, findings=findings)
    assert_excluded(analyze(sample), "liver-mass")


def test_ovarian_mass_from_order_text_and_findings(tmp_path):
    sample = edited_sample(tmp_path, TEXT, patient={"PatientAge": "014Y", "PatientSex": "F"},
                           reason="ovarian mass ?dermoid",
                           findings="Left ovarian mass with fat and calcification.")
    assert_excluded(analyze(sample), "ovarian-pelvic-mass")


# --- age limit and contrast ----------------------------------------------------

@pytest.mark.parametrize("age, outcome", [("017Y", "recommended"), ("018Y", "out-of-scope")])
def test_age_limit_from_header(tmp_path, age, outcome):
    assert analyze(edited_sample(tmp_path, CODED, patient={"PatientAge": age}))["outcome"] == outcome


def test_contrast_names_the_weight_and_is_capped(tmp_path):
    study = analyze(edited_sample(tmp_path, CODED, patient={"PatientAge": "016Y", "PatientWeight": 70.0}))
    assert any(r.startswith("Contrast 100 mL (capped at the maximum): 2 mL/kg for 70 kg") for r in study["reasons"])


def test_unknown_weight_asks_to_weigh_the_child(tmp_path):
    study = analyze(edited_sample(tmp_path, CODED, drop=("PatientWeight",)))
    assert study["outcome"] == "recommended"
    assert any(r.startswith("Patient weight unknown") for r in study["reasons"])


# --- calcification seen by the detector alone, in the SR ----------------------------

def sr_texts(folder: Path) -> list[str]:
    protocols = load_protocols(PROTOCOLS)
    [(study_uid, items)] = group_by_study([folder])[0].items()
    facts = analyze_study(study_uid, items)
    sr = build_sr(facts, decide(facts, protocols), [ds for _, ds in items],
                  result_uids(facts, protocols.fingerprint))
    return [str(e.value) for e in sr.iterall() if e.keyword == "TextValue"]


@pytest.mark.parametrize("folder, wanted", [("06-calcified-left-flank-pixels-only", True), (CODED, False)])
def test_the_sr_says_when_calcification_needs_confirmation(folder, wanted):
    texts = sr_texts(SAMPLES / folder)
    assert any("calcification seen by image analysis only: confirm before protocolling" in t.lower()
               for t in texts) is wanted

