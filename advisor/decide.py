"""Decision stage: apply the protocol rules in ``protocols/*.toml`` to a study's facts.

Each enabled protocol, highest priority first, says which studies it is about
(``scope``) and what evidence it needs (``requires``). The first protocol whose
scope and requirements hold is recommended. Otherwise the study is
``not-indicated`` (in scope, rule did not fire), ``insufficient-data`` (a needed
input such as the age is missing) or ``out-of-scope``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from advisor.model import Decision, StudyFacts
from advisor.protocols import Protocol, ProtocolSet

IN, OUT, UNKNOWN = "in", "out", "unknown"


@dataclass(frozen=True)
class ScopeCheck:
    verdict: str            # IN, OUT or UNKNOWN
    reasons: tuple[str, ...]


def _region_term_found(facts: StudyFacts, terms: list[str]) -> str | None:
    for term in terms:
        pattern = re.compile(rf"\b{re.escape(term.lower())}\b")
        if any(pattern.search(t.lower()) for t in facts.region_texts):
            return term
    return None


def _modality_check(facts: StudyFacts, scope: dict) -> ScopeCheck:
    wanted = set(scope["modalities"])
    if facts.modalities & wanted:
        return ScopeCheck(IN, ())
    if facts.modalities - {"SR", "SEG"}:
        return ScopeCheck(OUT, (f"Modality {', '.join(sorted(facts.modalities))} is not "
                                f"{' or '.join(sorted(wanted))}.",))
    return ScopeCheck(UNKNOWN, ("No image of the study has been received, only "
                                f"{', '.join(sorted(facts.modalities)) or 'no'} objects.",))


def _region_check(facts: StudyFacts, scope: dict) -> ScopeCheck:
    parts = facts.body_parts & set(scope["body_parts"])
    if parts:
        return ScopeCheck(IN, (f"Body part examined: {', '.join(sorted(parts))}.",))
    term = _region_term_found(facts, scope["region_terms"])
    if term:
        return ScopeCheck(IN, (f"Region from the order/description text: '{term}'.",))
    if facts.body_parts:
        return ScopeCheck(OUT, (f"Body part {', '.join(sorted(facts.body_parts))} is not "
                                "an abdominal region.",))
    return ScopeCheck(UNKNOWN, ("Body region unknown: no Body Part Examined and no "
                                "region named in the order or descriptions.",))


def _age_check(facts: StudyFacts, scope: dict) -> ScopeCheck:
    limit = scope["max_age_years"]
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


def contrast_volume_ml(protocol: Protocol, weight_kg: float | None) -> float | None:
    """Weight-based contrast volume, capped at the protocol's maximum."""
    if weight_kg is None:
        return None
    contrast = protocol.data["contrast"]
    return round(min(contrast["dose_ml_per_kg"] * weight_kg, contrast["max_ml"]), 1)


def _possible_calcification_note(facts: StudyFacts) -> list[str]:
    if facts.calcification.value != "present" and any(not f.shadow for f in facts.foci):
        return ["Non-shadowing echogenic foci were seen: possible calcification, which does "
                "not by itself trigger the recommendation."]
    return []


def decide(facts: StudyFacts, protocols: ProtocolSet) -> Decision:
    """The outcome for ``facts`` under the enabled protocols."""
    checks = [(p, check_scope(facts, p)) for p in protocols.protocols]
    in_scope = [(p, c) for p, c in checks if c.verdict == IN]
    evidence = tuple(_evidence_reason(k, facts) for k in ("mass", "calcification"))
    notes = tuple(facts.notes) + tuple(_possible_calcification_note(facts))
    for protocol, check in in_scope:
        if requirements_met(facts, protocol):
            reasons = check.reasons + evidence + notes + tuple(protocol.age_notes(facts.age_years))
            return Decision("recommended", protocol,
                            reasons + (f"Rule {protocol.id} fired.",),
                            contrast_volume_ml(protocol, facts.weight_kg))
    if in_scope:
        protocol, check = in_scope[0]
        needs = ", ".join(f"{k} {v}" for k, v in protocol.requires.items() if v != "any")
        return Decision("not-indicated", None, check.reasons + evidence + notes + (
            f"Rule {protocol.id} needs {needs}; not met, so it is not recommended.",)
            + tuple(protocol.data.get("not_indicated_cautions", ())))
    unknown = [c for _, c in checks if c.verdict == UNKNOWN]
    if unknown:
        return Decision("insufficient-data", None, unknown[0].reasons + (
            "No recommendation can be made until this is known.",))
    return Decision("out-of-scope", None, checks[0][1].reasons)
