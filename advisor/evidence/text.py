"""Read laterality, mass and calcification from free text, negation aware.

Used for order text (reason for request, admitting diagnosis), descriptions,
image comments and free-text findings SRs. Each mention is classified as
``present``, ``absent`` (negated: "no calcification", "without calcific foci")
or ``uncertain`` (hedged: "?calcified", "possible calcification", "rule out
mass"); only ``present`` and ``absent`` count as findings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from advisor.model import Observation

TERMS = {
    "mass": re.compile(r"\b(mass(es)?|tumou?rs?|neoplasms?)\b"),
    "calcification": re.compile(r"\b(calcif\w*|calcific)\b"),
}
NEGATION_BEFORE = re.compile(
    r"\b(no|not|without|negative for|free of|absence of|absent|nor|never)\b[^.;]*$")
NEGATION_AFTER = re.compile(r"^\W*(is |are )?(absent|none|not (seen|present|identified|demonstrated))\b")
HEDGE = re.compile(
    r"(\?|\b(possible|possibly|probable|query|suspected|suspect|suspicious for|rule out|r/o|"
    r"cannot exclude|can't exclude|may represent|questionable|equivocal)\b)[^.;]*$")
LATERALITY_WORDS = {
    "left": re.compile(r"\b(left|lt)\b|\bl\b(?![/.\d])"),
    "right": re.compile(r"\b(right|rt)\b|\br\b(?![/.\d])"),
    "bilateral": re.compile(r"\b(bilateral|bilat|both sides|both kidneys)\b"),
}
CLAUSE_BREAK = re.compile(r"[.;\n]|\bbut\b|\bhowever\b")


@dataclass(frozen=True)
class Mention:
    """One classified mention of a term in a text."""

    term: str           # "mass" | "calcification"
    polarity: str       # "present" | "absent" | "uncertain"
    excerpt: str


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in CLAUSE_BREAK.split(text.lower()) if c.strip()]


def _polarity(clause: str, start: int, end: int) -> str:
    before, after = clause[max(0, start - 60):start], clause[end:]
    if NEGATION_BEFORE.search(before) or NEGATION_AFTER.search(after):
        return "absent"
    if HEDGE.search(before) or after.lstrip().startswith("?"):
        return "uncertain"
    return "present"


def find_mentions(text: str) -> list[Mention]:
    """Every mention of a known term in ``text``, with its polarity."""
    mentions = []
    for clause in _clauses(text):
        for term, pattern in TERMS.items():
            for match in pattern.finditer(clause):
                polarity = _polarity(clause, match.start(), match.end())
                mentions.append(Mention(term, polarity, clause))
    return mentions


def term_status(text: str, term: str) -> str | None:
    """``present``/``absent`` for ``term`` in ``text``, None if unmentioned or only hedged.

    A text that both asserts and negates a term ("calcified mass; no calcification
    in the kidney") counts as present: the assertion is the finding.
    """
    polarities = {m.polarity for m in find_mentions(text) if m.term == term}
    if "present" in polarities:
        return "present"
    if "absent" in polarities:
        return "absent"
    return None


def laterality(text: str) -> str | None:
    """``left``/``right``/``bilateral`` named in ``text``, or None."""
    lowered = text.lower()
    found = {side for side, pattern in LATERALITY_WORDS.items() if pattern.search(lowered)}
    if "bilateral" in found or {"left", "right"} <= found:
        return "bilateral"
    return found.pop() if found else None


def text_observations(value: str, source: str, uid: str, where: str) -> Iterator[Observation]:
    """Laterality, mass and calcification stated in one free text."""
    side = laterality(value)
    if side:
        yield Observation("laterality", side, source, uid, where)
    for kind in ("mass", "calcification"):
        status = term_status(value, kind)
        if status:
            yield Observation(kind, status, source, uid, where)
