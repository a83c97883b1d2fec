"""Decision stage: apply the protocol rules in ``protocols/*.toml`` to a study's facts.

Each enabled protocol, highest priority first, says which studies it is about
(``scope``), where it must not be used although the study is in scope
(``exclusions``: known tumour follow-up, infants with a small adrenal mass,
adrenal haemorrhage, liver or ovarian masses ...) and what evidence it needs
(``requires``). The first protocol in scope, not excluded and with its
requirements met is recommended. Otherwise the study is ``not-indicated`` (in
scope, rule did not fire or was excluded, with the alternative), ``insufficient-data``
(a needed input such as the age is missing) or ``out-of-scope``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from advisor.model import Decision, StudyFacts
from advisor.protocols import AgeNote, Condition, Exclusion, Protocol, ProtocolSet, Scope

IN, OUT, UNKNOWN = "in", "out", "unknown"
DAYS_PER_YEAR = 365.25
DETECTOR_ONLY = "calcification seen by image analysis only: confirm before protocolling"


@dataclass(frozen=True)
class ScopeCheck:
    verdict: str            # IN, OUT or UNKNOWN
    reasons: tuple[str, ...]


def _region_term_found(facts: StudyFacts, terms: tuple[str, ...]) -> str | None:
    for term in terms:
        pattern = re.compile(rf"\b{re.escape(term.lower())}\b")
        if any(pattern.search(t.lower()) for t in facts.region_texts):
            return term
    return None


def _modality_check(facts: StudyFacts, scope: Scope) -> ScopeCheck:
    wanted = scope.modalities
    if facts.modalities & wanted:
        return ScopeCheck(IN, ())
    if facts.modalities - {"SR", "SEG"}:
        return ScopeCheck(OUT, (f"Modality {', '.join(sorted(facts.modalities))} is not "
                                f"{' or '.join(sorted(wanted))}.",))
    return ScopeCheck(UNKNOWN, ("No image of the study has been received, only "
                                f"{', '.join(sorted(facts.modalities)) or 'no'} objects.",))


def _region_check(facts: StudyFacts, scope: Scope) -> ScopeCheck:
    parts = facts.body_parts & scope.body_parts
    if parts:
        return ScopeCheck(IN, (f"Body part examined: {', '.join(sorted(parts))}.",))
    term = _region_term_found(facts, scope.region_terms)
    if term:
        return ScopeCheck(IN, (f"Region from the order/description text: '{term}'.",))
    if facts.body_parts:
        return ScopeCheck(OUT, (f"Body part {', '.join(sorted(facts.body_parts))} is not "
                                "an abdominal region.",))
    return ScopeCheck(UNKNOWN, ("Body region unknown: no Body Part Examined and no "
                                "region named in the order or descriptions.",))


def _age_check(facts: StudyFacts, scope: Scope) -> ScopeCheck:
    """In scope below the limit; a patient exactly at the limit (18.0) is out."""
    limit = scope.max_age_years
    if facts.age_years is None:
        return ScopeCheck(UNKNOWN, ("Patient age unknown: no Patient's Age and no birth "
                                    "date with a study date.",))
    if facts.age_years >= limit:
        return ScopeCheck(OUT, (f"Age {facts.age_years:g} years is not under the "
                                f"{limit:g}-year limit.",))
    return ScopeCheck(IN, (f"Age {facts.age_years:g} years ({facts.age_source}), under "
                           f"the {limit:g}-year limit.",))


def check_scope(facts: StudyFacts, protocol: Protocol) -> ScopeCheck:
    """Is the study one this protocol is about? OUT beats UNKNOWN beats IN."""
    checks = [check(facts, protocol.scope) for check in (_modality_check, _region_check, _age_check)]
    for verdict in (OUT, UNKNOWN):
        failing = [c for c in checks if c.verdict == verdict]
        if failing:
            return ScopeCheck(verdict, sum((c.reasons for c in failing), ()))
    return ScopeCheck(IN, sum((c.reasons for c in checks), ()))


def _evidence_reason(kind: str, facts: StudyFacts) -> str:
    resolved = getattr(facts, kind)
    if resolved.value is None:
        return f"{kind.capitalize()}: not stated by any source."
    return f"{kind.capitalize()}: {resolved.value} (from {', '.join(resolved.sources)})."


def requirements_met(facts: StudyFacts, protocol: Protocol) -> bool:
    return all(wanted == "any" or getattr(facts, kind).value == wanted
               for kind, wanted in protocol.requires.items())


# --- exclusions -----------------------------------------------------------

def _age_days(facts: StudyFacts) -> float | None:
    return None if facts.age_years is None else facts.age_years * DAYS_PER_YEAR


def _size_matches(facts: StudyFacts, when: Condition) -> bool:
    if when.mass_size_max_mm is None:
        return True
    if facts.mass_size_mm is None:
        return when.size_unknown_matches
    return facts.mass_size_mm <= when.mass_size_max_mm


def condition_holds(facts: StudyFacts, when: Condition) -> bool:
    """Does every condition given in ``when`` hold for ``facts``?

    An unknown age never matches an age limit; an unknown size matches a size
    limit only when the protocol says so (``when_size_unknown = "matches"``).
    """
    age_days = _age_days(facts)
    return ((not when.organs or facts.organ in when.organs)
            and (not when.context_any or bool(facts.context & when.context_any))
            and not (facts.context & when.context_none)
            and (when.age_under_days is None
                 or (age_days is not None and age_days < when.age_under_days))
            and _size_matches(facts, when))


def _what_matched(facts: StudyFacts, when: Condition) -> str:
    parts = []
    if when.organs:
        parts.append(f"organ {facts.organ}")
    if when.context_any:
        parts.append(", ".join(sorted(facts.context & when.context_any)))
    if when.age_under_days is not None:
        parts.append(f"age {_age_days(facts):.0f} days (under {when.age_under_days:g})")
    if when.mass_size_max_mm is not None:
        parts.append(f"mass {facts.mass_size_mm:g} mm (at most {when.mass_size_max_mm:g})"
                     if facts.mass_size_mm is not None else "mass size not stated")
    return "; ".join(parts)


def matching_exclusion(facts: StudyFacts, protocol: Protocol) -> Exclusion | None:
    """The first of the protocol's exclusions that applies to ``facts``."""
    return next((e for e in protocol.exclusions if condition_holds(facts, e.when)), None)


def exclusion_reasons(facts: StudyFacts, protocol: Protocol, exclusion: Exclusion) -> tuple[str, ...]:
    return (f"Rule {protocol.id} excluded ({exclusion.id}: {_what_matched(facts, exclusion.when)}): "
            f"{exclusion.reason}",
            f"Suggested instead: {exclusion.alternative}")


# --- what the recommendation says -----------------------------------------

def contrast_volume_ml(protocol: Protocol, weight_kg: float | None) -> float | None:
    """Weight-based contrast volume, capped at the protocol's maximum."""
    if weight_kg is None:
        return None
    contrast = protocol.contrast
    return round(min(contrast.dose_ml_per_kg * weight_kg, contrast.max_ml), 1)


def _dose_text(protocol: Protocol) -> str:
    contrast = protocol.contrast
    if contrast.dose_mmol_per_kg is not None:
        return (f"{contrast.dose_mmol_per_kg:g} mmol/kg ({contrast.dose_ml_per_kg:g} mL/kg of "
                f"{contrast.concentration_mmol_per_ml:g} mmol/mL)")
    return f"{contrast.dose_ml_per_kg:g} mL/kg"


def contrast_reason(protocol: Protocol, weight_kg: float | None) -> str:
    """The volume, the weight it rests on and its source, or what to do without one."""
    contrast = protocol.contrast
    if weight_kg is None:
        return ("Patient weight unknown (no Patient's Weight in the header): weigh the child and "
                f"calculate the contrast volume ({_dose_text(protocol)}, at most "
                f"{contrast.max_ml:g} mL) before injecting.")
    volume = contrast_volume_ml(protocol, weight_kg)
    capped = " (capped at the maximum)" if contrast.dose_ml_per_kg * weight_kg > contrast.max_ml else ""
    return (f"Contrast {volume:g} mL{capped}: {_dose_text(protocol)} for {weight_kg:g} kg, the "
            "Patient's Weight (0010,1030) in the study header; confirm the weight on the day "
            "of the scan.")


def detector_only(facts: StudyFacts) -> bool:
    """Calcification rests on the pixel detector alone: no human source states it.

    The detector is the weakest source, so it wins only when no human source
    says anything about calcification.
    """
    return facts.calcification.value == "present" and facts.calcification.source == "detector"


def _detector_only_reason(protocol: Protocol) -> str:
    if protocol.detector_alone == "confirm":
        return (f"{DETECTOR_ONLY[0].upper()}{DETECTOR_ONLY[1:]} (the detector has not been "
                "validated on patient images).")
    return ("Calcification seen by image analysis only; this site accepts the detector's "
            "finding (detector_alone = \"suggest\").")


def age_notes(protocol: Protocol, facts: StudyFacts) -> tuple[str, ...]:
    """Notes whose age band (and organ, when known) fits the patient; none when age unknown."""
    if facts.age_years is None:
        return ()
    return tuple(n.text for n in protocol.age_notes if _note_fits(n, facts))


def _note_fits(note: AgeNote, facts: StudyFacts) -> bool:
    return (note.min_age_years <= facts.age_years < note.max_age_years
            and (not note.organs or facts.organ is None or facts.organ in note.organs))


def _review_reason(protocol: Protocol) -> str:
    checked = (f" Sources checked on {protocol.sources_checked_on}."
               if protocol.sources_checked_on else "")
    if protocol.reviewed_by:
        return f"Protocol content signed off by {protocol.reviewed_by} on {protocol.reviewed_on}.{checked}"
    return f"Protocol content not yet signed off by a site radiologist (reviewed_by is empty).{checked}"


def _possible_calcification_note(facts: StudyFacts) -> list[str]:
    if facts.calcification.value != "present" and any(not f.shadow for f in facts.foci):
        return ["Non-shadowing echogenic foci were seen: possible calcification, which does "
                "not by itself trigger the recommendation."]
    return []


def _recommend(facts: StudyFacts, protocol: Protocol, reasons: tuple[str, ...]) -> Decision:
    confirm = detector_only(facts)
    extra = (_detector_only_reason(protocol),) if confirm else ()
    notice = DETECTOR_ONLY if confirm and protocol.detector_alone == "confirm" else None
    return Decision("recommended", protocol,
                    reasons + extra + age_notes(protocol, facts)
                    + (contrast_reason(protocol, facts.weight_kg), _review_reason(protocol),
                       f"Rule {protocol.id} fired."),
                    contrast_volume_ml(protocol, facts.weight_kg),
                    needs_confirmation=confirm, notice=notice)


def _not_indicated(facts: StudyFacts, protocol: Protocol, reasons: tuple[str, ...]) -> Decision:
    exclusion = matching_exclusion(facts, protocol)
    if exclusion is not None:
        return Decision("not-indicated", None, reasons + exclusion_reasons(facts, protocol, exclusion)
                        + tuple(protocol.data.get("not_indicated_cautions", ())),
                        notice=exclusion.summary)
    needs = ", ".join(f"{k} {v}" for k, v in protocol.requires.items() if v != "any")
    return Decision("not-indicated", None, reasons + (
        f"Rule {protocol.id} needs {needs}; not met, so it is not recommended.",)
        + tuple(protocol.data.get("not_indicated_cautions", ())))


def decide(facts: StudyFacts, protocols: ProtocolSet) -> Decision:
    """The outcome for ``facts`` under the enabled protocols."""
    checks = [(p, check_scope(facts, p)) for p in protocols.protocols]
    in_scope = [(p, c) for p, c in checks if c.verdict == IN]
    evidence = tuple(_evidence_reason(k, facts) for k in ("mass", "calcification"))
    notes = tuple(facts.notes) + tuple(_possible_calcification_note(facts))
    for protocol, check in in_scope:
        if matching_exclusion(facts, protocol) is None and requirements_met(facts, protocol):
            return _recommend(facts, protocol, check.reasons + evidence + notes)
    if in_scope:
        protocol, check = in_scope[0]
        return _not_indicated(facts, protocol, check.reasons + evidence + notes)
    unknown = [c for _, c in checks if c.verdict == UNKNOWN]
    if unknown:
        return Decision("insufficient-data", None, unknown[0].reasons + (
            "No recommendation can be made until this is known.",))
    return Decision("out-of-scope", None, checks[0][1].reasons)
