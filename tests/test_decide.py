"""The decision rule on synthetic facts: where CT is recommended, and where it must not be.

Each case builds :class:`StudyFacts` directly, as the analysis would fill them, and
runs :func:`decide` under the bundled protocols (DESIGN.md, "Where the rule must not fire").
"""

import dataclasses
import shutil

import pytest

from advisor.decide import condition_holds, decide
from advisor.model import Focus, Resolved, StudyFacts, contract_json
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


# --- the rule does not fire: plain not-indicated --------------------------------

NEEDS = f"Rule {CT} needs mass present, calcification present; not met, so it is not recommended."
NOT_INDICATED_CAUTIONS = BUNDLED.protocols[0].data["not_indicated_cautions"]


@pytest.mark.parametrize("changes", [
    {"calcification": Resolved("absent", "sr-text", ("sr-text",))},
    {"calcification": Resolved(None, None)},
    {"mass": Resolved("absent", "sr-coded", ("sr-coded",))},
    {"mass": Resolved(None, None)},
])
def test_without_a_calcified_mass_the_rule_does_not_fire_and_says_what_it_needs(changes):
    decision = decide(facts(**changes), BUNDLED)
    assert (decision.outcome, decision.protocol, decision.contrast_ml) == ("not-indicated", None, None)
    assert decision.notice is None and decision.needs_confirmation is False
    assert decision.reasons[-len(NOT_INDICATED_CAUTIONS) - 1:] == (NEEDS, *NOT_INDICATED_CAUTIONS)
    assert "Ultrasound can miss calcification: 'none seen' does not rule out neuroblastoma." in decision.reasons


def test_evidence_reasons_name_value_and_sources():
    reasons = decide(facts(calcification=Resolved(None, None),
                           mass=Resolved("present", "sr-coded", ("sr-coded", "indication-text"))),
                     BUNDLED).reasons
    assert "Mass: present (from sr-coded, indication-text)." in reasons
    assert "Calcification: not stated by any source." in reasons


def test_a_mass_of_any_value_is_enough_when_the_protocol_asks_for_any(tmp_path):
    any_mass = copy_protocols(tmp_path, lambda t: t.replace('mass = "present"', 'mass = "any"'))
    assert decide(facts(mass=Resolved(None, None)), any_mass).outcome == "recommended"
    decision = decide(facts(calcification=Resolved(None, None)), any_mass)
    assert f"Rule {CT} needs calcification present; not met, so it is not recommended." in decision.reasons


# --- scope: each check, and OUT before UNKNOWN before IN ---------------------------

IN_SCOPE_REASONS = ("Body part examined: ABDOMEN.", "Age 4 years (PatientAge), under the 18-year limit.")


def test_in_scope_reasons_come_first_in_check_order():
    assert decide(facts(), BUNDLED).reasons[:2] == IN_SCOPE_REASONS


@pytest.mark.parametrize("changes, outcome, reasons", [
    ({"modalities": {"CT", "SR"}}, "out-of-scope", ("Modality CT, SR is not US.",)),
    ({"modalities": {"SR"}}, "insufficient-data",
     ("No image of the study has been received, only SR objects.",
      "No recommendation can be made until this is known.")),
    ({"modalities": {"SR", "SEG"}}, "insufficient-data",
     ("No image of the study has been received, only SEG, SR objects.",
      "No recommendation can be made until this is known.")),
    ({"modalities": set()}, "insufficient-data",
     ("No image of the study has been received, only no objects.",
      "No recommendation can be made until this is known.")),
    ({"body_parts": {"CHEST"}}, "out-of-scope", ("Body part CHEST is not an abdominal region.",)),
    ({"body_parts": set()}, "insufficient-data",
     ("Body region unknown: no Body Part Examined and no region named in the order or descriptions.",
      "No recommendation can be made until this is known.")),
    ({"age_years": 18.0}, "out-of-scope", ("Age 18 years is not under the 18-year limit.",)),
    ({"age_years": None}, "insufficient-data",
     ("Patient age unknown: no Patient's Age and no birth date with a study date.",
      "No recommendation can be made until this is known.")),
])
def test_each_scope_check_gives_its_outcome_and_exact_reason(changes, outcome, reasons):
    decision = decide(facts(**changes), BUNDLED)
    assert (decision.outcome, decision.protocol, decision.reasons) == (outcome, None, reasons)


def test_modality_in_scope_needs_an_image_of_the_wanted_modality():
    assert decide(facts(modalities={"US"}), BUNDLED).outcome == "recommended"
    assert decide(facts(modalities={"MR"}), BUNDLED).outcome == "out-of-scope"


@pytest.mark.parametrize("text, outcome", [
    ("US left flank", "recommended"), ("Renal ultrasound", "recommended"),
    ("US ABDOMEN", "recommended"), ("flanker", "insufficient-data"), ("US neck", "insufficient-data")])
def test_region_from_the_order_text_when_no_body_part(text, outcome):
    decision = decide(facts(body_parts=set(), region_texts=[text]), BUNDLED)
    assert decision.outcome == outcome
    if outcome == "recommended":
        assert decision.reasons[0].startswith("Region from the order/description text: '")


@pytest.mark.parametrize("changes, reasons", [
    # An adult with no body part: out (age) beats unknown (region); only the out reasons.
    ({"age_years": 45.0, "body_parts": set()}, ("Age 45 years is not under the 18-year limit.",)),
    ({"modalities": {"CT"}, "age_years": None}, ("Modality CT is not US.",)),
    # Every failing check's reasons, in check order.
    ({"modalities": {"CT"}, "body_parts": {"CHEST"}, "age_years": 30.0},
     ("Modality CT is not US.", "Body part CHEST is not an abdominal region.",
      "Age 30 years is not under the 18-year limit.")),
])
def test_out_of_scope_beats_unknown(changes, reasons):
    decision = decide(facts(**changes), BUNDLED)
    assert (decision.outcome, decision.reasons) == ("out-of-scope", reasons)


def test_unknown_beats_in_scope_with_every_unknown_reason():
    decision = decide(facts(body_parts=set(), age_years=None), BUNDLED)
    assert decision.outcome == "insufficient-data"
    assert decision.reasons[:2] == (
        "Body region unknown: no Body Part Examined and no region named in the order or descriptions.",
        "Patient age unknown: no Patient's Age and no birth date with a study date.")


# --- exclusions: what they match and how they say it ---------------------------------

def test_exclusion_reasons_and_cautions_in_order():
    decision = decide(facts(context=frozenset({"known-tumour-follow-up", "midline-extension"})), BUNDLED)
    [exclusion] = BUNDLED.protocols[0].exclusions[:1]
    assert decision.reasons[-len(NOT_INDICATED_CAUTIONS) - 2:] == (
        f"Rule {CT} excluded (known-tumour-follow-up: known-tumour-follow-up): {exclusion.reason}",
        f"Suggested instead: {exclusion.alternative}", *NOT_INDICATED_CAUTIONS)
    assert decision.notice == exclusion.summary


def test_exclusion_of_an_infant_with_unknown_size_says_so():
    decision = decide(facts(organ="adrenal", age_years=0.1, mass_size_mm=None), BUNDLED)
    [excluded] = [r for r in decision.reasons if "excluded" in r]
    assert excluded.startswith(f"Rule {CT} excluded (infant-small-adrenal-mass: organ adrenal; "
                               "age 37 days (under 183); mass size not stated): Infant under 6 months")


def test_an_unknown_age_never_matches_an_age_limit():
    infant = next(e for e in BUNDLED.protocols[0].exclusions if e.id == "infant-small-adrenal-mass")
    assert condition_holds(facts(organ="adrenal", age_years=0.1), infant.when) is True
    assert condition_holds(facts(organ="adrenal", age_years=None), infant.when) is False


# --- contrast, detector, notes --------------------------------------------------------

def test_contrast_volume_is_rounded_to_one_decimal():
    decision = decide(facts(weight_kg=3.33), BUNDLED)
    assert decision.contrast_ml == 6.7
    assert ("Contrast 6.7 mL: 2 mL/kg for 3.33 kg, the Patient's Weight (0010,1030) in the study "
            "header; confirm the weight on the day of the scan.") in decision.reasons


def test_contrast_exactly_at_the_maximum_is_not_said_to_be_capped():
    decision = decide(facts(weight_kg=50.0), BUNDLED)
    assert ("Contrast 100 mL: 2 mL/kg for 50 kg, the Patient's Weight (0010,1030) in the study header; "
            "confirm the weight on the day of the scan.") in decision.reasons


def test_detector_only_reasons_are_exact(tmp_path):
    confirm = decide(facts(calcification=DETECTOR), BUNDLED).reasons
    assert ("Calcification seen by image analysis only: confirm before protocolling (the detector has "
            "not been validated on patient images).") in confirm
    suggest = copy_protocols(tmp_path, lambda t: t.replace('detector_alone = "confirm"', 'detector_alone = "suggest"'))
    assert ("Calcification seen by image analysis only; this site accepts the detector's finding "
            "(detector_alone = \"suggest\").") in decide(facts(calcification=DETECTOR), suggest).reasons
    assert not any("image analysis only" in r for r in decide(facts(), BUNDLED).reasons)


RCC = "Renal mass from about 10 years"


@pytest.mark.parametrize("age, shown", [(9.99, False), (10.0, True), (17.99, True)])
def test_age_note_band_includes_its_lower_limit(age, shown):
    reasons = decide(facts(age_years=age, organ="kidney"), BUNDLED).reasons
    assert any(r.startswith(RCC) for r in reasons) is shown


def test_age_note_band_excludes_its_upper_limit():
    infant_note = "Renal mass under 3 months"
    assert any(r.startswith(infant_note) for r in decide(facts(age_years=0.24, organ="kidney"), BUNDLED).reasons)
    assert not any(r.startswith(infant_note) for r in decide(facts(age_years=0.25, organ="kidney"), BUNDLED).reasons)


def test_review_reason_without_a_sources_date(tmp_path):
    undated = copy_protocols(tmp_path, lambda t: t.replace('sources_checked_on = "2026-11-29"\n', ""))
    assert ("Protocol content not yet signed off by a site radiologist (reviewed_by is empty)."
            in decide(facts(), undated).reasons)


def focus(shadow: bool) -> Focus:
    return Focus("1.2.3.4", "1.2.840.10008.5.1.4.1.1.6.1", 1, 10.0, 10.0, 2.0, shadow, 0.5, 0.2, True)


POSSIBLE = ("Non-shadowing echogenic foci were seen: possible calcification, which does not by itself "
            "trigger the recommendation.")


@pytest.mark.parametrize("calcification, foci, noted, outcome", [
    (Resolved(None, None), [focus(False)], True, "not-indicated"),
    (Resolved(None, None), [focus(False), focus(True)], True, "not-indicated"),
    (Resolved(None, None), [focus(True)], False, "not-indicated"),
    (Resolved("absent", "sr-text", ("sr-text",)), [focus(False)], True, "not-indicated"),
    (Resolved("present", "sr-coded", ("sr-coded",)), [focus(False)], False, "recommended"),
])
def test_non_shadowing_foci_are_possible_calcification_only(calcification, foci, noted, outcome):
    decision = decide(facts(calcification=calcification, foci=foci), BUNDLED)
    assert decision.outcome == outcome
    assert (POSSIBLE in decision.reasons) is noted


# --- wording with several values, protocols without cautions -------------------------

def test_reasons_list_several_body_parts_and_modalities(tmp_path):
    assert decide(facts(body_parts={"KIDNEY", "ABDOMEN"}), BUNDLED).reasons[0] == \
        "Body part examined: ABDOMEN, KIDNEY."
    assert decide(facts(body_parts={"HEAD", "CHEST"}), BUNDLED).reasons == (
        "Body part CHEST, HEAD is not an abdominal region.",)
    two = copy_protocols(tmp_path, lambda t: t.replace('modalities = ["US"]', 'modalities = ["US", "MR"]'))
    assert decide(facts(modalities={"CT"}), two).reasons == ("Modality CT is not MR or US.",)


def test_exclusion_reason_names_every_matching_flag(tmp_path):
    wider = copy_protocols(tmp_path, lambda t: t.replace(
        'when = { context_any = ["known-tumour-follow-up"] }',
        'when = { context_any = ["known-tumour-follow-up", "midline-extension"] }'))
    decision = decide(facts(context=frozenset({"midline-extension", "known-tumour-follow-up"})), wider)
    assert any(r.startswith(f"Rule {CT} excluded (known-tumour-follow-up: known-tumour-follow-up, "
                            "midline-extension): ") for r in decision.reasons)


def test_a_capped_volume_says_so_in_its_line():
    assert ("Contrast 100 mL (capped at the maximum): 2 mL/kg for 70 kg, the Patient's Weight (0010,1030) "
            "in the study header; confirm the weight on the day of the scan.") in decide(
                facts(weight_kg=70.0), BUNDLED).reasons


@pytest.mark.parametrize("changes, last", [
    ({"calcification": Resolved("absent", "sr-text", ("sr-text",))},
     "Rule peds-mri-abdomen needs mass present, calcification present; not met, so it is not recommended."),
    ({"organ": "liver"}, "Suggested instead: "),
])
def test_a_protocol_without_not_indicated_cautions_ends_with_its_own_reason(tmp_path, changes, last):
    mri = copy_protocols(tmp_path, lambda t: t.replace("enabled = false", "enabled = true"),
                         name="peds-mri-abdomen.toml")
    decision = decide(facts(**changes), mri)
    assert decision.outcome == "not-indicated" and decision.reasons[-1].startswith(last)
