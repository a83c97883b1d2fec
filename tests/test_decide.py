"""The decision rule on synthetic facts: where CT is recommended, and where it must not be.

Each case builds :class:`StudyFacts` directly, as the analysis would fill them, and
runs :func:`decide` under the bundled protocols (DESIGN.md, "Where the rule must not fire").
"""

import dataclasses
import shutil

import pytest

from advisor.decide import decide
from advisor.model import Resolved, StudyFacts, contract_json
from advisor.protocols import ProtocolError, load_protocols
from conftest import PROTOCOLS

CT = "peds-ct-ap-precontrast-portal-venous"
BUNDLED = load_protocols(PROTOCOLS)
DAY = 1 / 365.25


def facts(**changes) -> StudyFacts:
    """A 4-year-old's abdominal US with a calcified mass stated in a coded findings SR."""
    base = StudyFacts(
        study_instance_uid="1.2.3", instances=[], modalities={"US", "SR"}, body_parts={"ABDOMEN"},
        region_texts=[], age_years=4.0, age_source="PatientAge", weight_kg=16.0,
        laterality=Resolved("left", "sr-coded", ("sr-coded",)),
        mass=Resolved("present", "sr-coded", ("sr-coded",)),
        calcification=Resolved("present", "sr-coded", ("sr-coded",)), observations=[])
    return dataclasses.replace(base, **changes)


def copy_protocols(tmp_path, edit=None, name=f"{CT}.toml"):
    target = tmp_path / "protocols"
    shutil.copytree(PROTOCOLS, target)
    if edit:
        path = target / name
        path.write_text(edit(path.read_text()))
    return load_protocols(target)


def test_calcified_mass_in_a_child_is_recommended():
    decision = decide(facts(), BUNDLED)
    assert (decision.outcome, decision.protocol.id) == ("recommended", CT)
    assert decision.needs_confirmation is False and decision.notice is None


@pytest.mark.parametrize("changes, exclusion, alternative", [
    ({"context": frozenset({"known-tumour-follow-up"})}, "known-tumour-follow-up", "oncology protocol"),
    ({"context": frozenset({"adrenal-haemorrhage"}), "organ": "adrenal", "age_years": 0.02},
     "adrenal-haemorrhage", "Serial ultrasound"),
    ({"organ": "adrenal", "age_years": 0.17, "mass_size_mm": 32.0}, "infant-small-adrenal-mass",
     "urine catecholamines"),
    ({"organ": "liver", "age_years": 1.5}, "liver-mass", "MRI liver"),
    ({"organ": "ovary", "age_years": 14.0}, "ovarian-pelvic-mass", "MRI pelvis"),
])
def test_each_exclusion_gives_not_indicated_with_reason_and_alternative(changes, exclusion, alternative):
    decision = decide(facts(**changes), BUNDLED)
    assert decision.outcome == "not-indicated" and decision.protocol is None
    [excluded] = [r for r in decision.reasons if r.startswith(f"Rule {CT} excluded ({exclusion}")]
    [instead] = [r for r in decision.reasons if r.startswith("Suggested instead:")]
    assert alternative in instead
    assert decision.notice and decision.notice.startswith("CT not suggested")
    assert all(len(r) <= 1024 for r in decision.reasons)


def test_exclusion_reason_names_the_facts_it_matched():
    decision = decide(facts(organ="adrenal", age_years=0.17, mass_size_mm=32.0), BUNDLED)
    [excluded] = [r for r in decision.reasons if "excluded" in r]
    assert "organ adrenal" in excluded and "age 62 days" in excluded and "mass 32 mm" in excluded


@pytest.mark.parametrize("organ", ["kidney", "adrenal", "retroperitoneum", "other", None])
def test_organs_without_routing_keep_the_recommendation(organ):
    assert decide(facts(organ=organ), BUNDLED).outcome == "recommended"


@pytest.mark.parametrize("changes, outcome", [
    # COG limit by default: under 183 days.
    ({"age_years": 182 * DAY}, "not-indicated"),
    ({"age_years": 183 * DAY}, "recommended"),
    # SIOPEN size limit: at most 5 cm.
    ({"mass_size_mm": 50.0}, "not-indicated"),
    ({"mass_size_mm": 51.0}, "recommended"),
    # Size not stated counts as small; midline extension takes the infant out of observation.
    ({"mass_size_mm": None}, "not-indicated"),
    ({"context": frozenset({"midline-extension"})}, "recommended"),
    # The organ matters: a renal mass in an infant is not observed.
    ({"organ": "kidney"}, "recommended"),
])
def test_infant_adrenal_exclusion_boundaries(changes, outcome):
    infant = facts(organ="adrenal", age_years=0.1, mass_size_mm=30.0)
    assert decide(dataclasses.replace(infant, **changes), BUNDLED).outcome == outcome


def test_infant_age_limit_is_site_configurable_to_siopen_90_days(tmp_path):
    siopen = copy_protocols(tmp_path, lambda t: t.replace("age_under_days = 183", "age_under_days = 91"))
    infant = facts(organ="adrenal", mass_size_mm=30.0)
    assert decide(dataclasses.replace(infant, age_years=90 * DAY), siopen).outcome == "not-indicated"
    assert decide(dataclasses.replace(infant, age_years=100 * DAY), siopen).outcome == "recommended"


def test_unknown_size_can_be_set_not_to_match(tmp_path):
    strict = copy_protocols(tmp_path, lambda t: t.replace('when_size_unknown = "matches"',
                                                         'when_size_unknown = "does-not-match"'))
    assert decide(facts(organ="adrenal", age_years=0.1), strict).outcome == "recommended"


def test_an_excluded_study_without_calcification_still_says_why():
    decision = decide(facts(organ="liver", calcification=Resolved(None, None)), BUNDLED)
    assert decision.outcome == "not-indicated"
    assert any(r.startswith("Suggested instead: MRI liver") for r in decision.reasons)


def test_a_lower_priority_protocol_not_excluded_can_still_fire(tmp_path):
    """Exclusions belong to one protocol: a site's liver protocol is not blocked by the CT's."""
    protocols = copy_protocols(tmp_path, lambda t: t.replace("enabled = false", "enabled = true")
                               .replace("priority = 200", "priority = 50")
                               .replace('id = "liver-mass"', 'id = "liver-mass-unused"')
                               .replace('organs = ["liver"]', 'organs = ["other"]'),
                               name="peds-mri-abdomen.toml")
    decision = decide(facts(organ="liver"), protocols)
    assert (decision.outcome, decision.protocol.id) == ("recommended", "peds-mri-abdomen")


# --- calcification seen by the detector alone ---------------------------------

DETECTOR = Resolved("present", "detector", ("detector",))


def test_detector_only_calcification_is_recommended_but_flagged():
    decision = decide(facts(calcification=DETECTOR), BUNDLED)
    assert decision.outcome == "recommended" and decision.needs_confirmation is True
    assert decision.notice == "calcification seen by image analysis only: confirm before protocolling"
    assert any(r.startswith("Calcification seen by image analysis only: confirm before protocolling")
               for r in decision.reasons)
    assert contract_json(facts(calcification=DETECTOR), decision)["needs_confirmation"] is True


def test_a_human_source_beside_the_detector_needs_no_confirmation():
    decision = decide(facts(calcification=Resolved("present", "sr-text", ("sr-text", "detector"))), BUNDLED)
    assert decision.needs_confirmation is False and decision.notice is None


def test_detector_alone_suggest_keeps_the_flag_but_not_the_request(tmp_path):
    suggest = copy_protocols(tmp_path, lambda t: t.replace('detector_alone = "confirm"', 'detector_alone = "suggest"'))
    decision = decide(facts(calcification=DETECTOR), suggest)
    assert decision.outcome == "recommended" and decision.needs_confirmation is True
    assert decision.notice is None
    assert not any("confirm before protocolling" in r for r in decision.reasons)
    assert any("image analysis only" in r for r in decision.reasons)


def test_detector_only_in_an_excluded_study_is_not_indicated():
    decision = decide(facts(calcification=DETECTOR, context=frozenset({"known-tumour-follow-up"})), BUNDLED)
    assert decision.outcome == "not-indicated" and decision.needs_confirmation is False


# --- scope, contrast ---------------------------------------------------------

@pytest.mark.parametrize("age, outcome", [(17.99, "recommended"), (18.0, "out-of-scope"),
                                          (18.01, "out-of-scope"), (None, "insufficient-data")])
def test_age_limit_is_exclusive(age, outcome):
    assert decide(facts(age_years=age), BUNDLED).outcome == outcome


@pytest.mark.parametrize("weight, volume", [(16.0, 32.0), (50.0, 100.0), (70.0, 100.0), (3.2, 6.4)])
def test_contrast_is_weight_based_and_capped(weight, volume):
    decision = decide(facts(weight_kg=weight), BUNDLED)
    assert decision.contrast_ml == volume
    [line] = [r for r in decision.reasons if r.startswith("Contrast ")]
    assert f"for {weight:g} kg, the Patient's Weight (0010,1030)" in line
    assert "confirm the weight on the day" in line
    assert ("capped at the maximum" in line) == (weight * 2 > 100)


def test_unknown_weight_asks_to_weigh_the_child():
    decision = decide(facts(weight_kg=None), BUNDLED)
    assert decision.outcome == "recommended" and decision.contrast_ml is None
    assert any(r.startswith("Patient weight unknown") and "2 mL/kg, at most 100 mL" in r
               for r in decision.reasons)


def test_mri_dose_is_given_in_mmol_per_kg(tmp_path):
    mri = copy_protocols(tmp_path, lambda t: t.replace("enabled = false", "enabled = true"),
                         name="peds-mri-abdomen.toml")
    decision = decide(facts(weight_kg=20.0), mri)
    assert decision.protocol.id == "peds-mri-abdomen" and decision.contrast_ml == 4.0
    assert any("0.1 mmol/kg (0.2 mL/kg of 0.5 mmol/mL) for 20 kg" in r for r in decision.reasons)


def test_mmol_and_ml_doses_must_agree(tmp_path):
    with pytest.raises(ProtocolError, match="field contrast.dose_ml_per_kg"):
        copy_protocols(tmp_path, lambda t: t.replace("dose_ml_per_kg = 0.2", "dose_ml_per_kg = 2.0"),
                       name="peds-mri-abdomen.toml")


# --- age-banded notes ---------------------------------------------------------

@pytest.mark.parametrize("age, organ, expected", [
    (0.1, "kidney", "mesoblastic nephroma"),
    (0.1, None, "mesoblastic nephroma"),
    (14.0, "kidney", "renal cell carcinoma"),
    (14.0, "adrenal", "ganglioneuroma"),
    (0.3, None, "observation with ultrasound and urine catecholamines"),
])
def test_age_band_notes(age, organ, expected):
    decision = decide(facts(age_years=age, organ=organ), BUNDLED)
    assert decision.outcome == "recommended"
    assert any(expected in r for r in decision.reasons)


@pytest.mark.parametrize("age, organ, absent", [
    (0.1, "adrenal", "mesoblastic nephroma"),
    (4.0, "kidney", "renal cell carcinoma"),
    (14.0, "kidney", "ganglioneuroma"),
])
def test_age_band_notes_stay_out_of_other_bands_and_organs(age, organ, absent):
    reasons = decide(facts(age_years=age, organ=organ, mass_size_mm=80.0), BUNDLED).reasons
    assert not any(absent in r for r in reasons)


def test_site_can_switch_to_the_single_phase_ct(tmp_path):
    single = copy_protocols(tmp_path, lambda t: t.replace("enabled = false", "enabled = true"),
                            name="peds-ct-ap-portal-venous-only.toml")
    decision = decide(facts(), single)
    assert decision.protocol.id == "peds-ct-ap-portal-venous-only"
    assert [p["name"] for p in decision.protocol.data["phases"]] == ["Portal venous"]


def test_the_reasons_say_whether_the_content_is_signed_off(tmp_path):
    [unsigned] = [r for r in decide(facts(), BUNDLED).reasons if r.startswith("Protocol content")]
    assert unsigned == ("Protocol content not yet signed off by a site radiologist (reviewed_by is "
                        "empty). Sources checked on 2026-11-29.")
    signed = copy_protocols(tmp_path, lambda t: t.replace(
        'sources_checked_on = "2026-11-29"',
        'sources_checked_on = "2026-11-29"\nreviewed_by = "Dr A, pediatric radiologist"\nreviewed_on = "2026-12-01"'))
    assert ("Protocol content signed off by Dr A, pediatric radiologist on 2026-12-01. Sources checked "
            "on 2026-11-29.") in decide(facts(), signed).reasons
