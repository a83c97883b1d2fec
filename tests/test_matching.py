"""medspaCy's regular-expression rules matched on a text joined once (advisor.evidence.matching)."""

import medspacy
import pytest
from medspacy.context import ConTextRule
from medspacy.target_matcher import TargetRule

from advisor.evidence.matching import match_text_once

TEXT = ("Left suprarenal mass 4.1 cm with shadowing calcific foci; no calcification in the "
        "right kidney, calcs?? not seen. Calcification cannot be excluded.")


def _pipeline():
    nlp = medspacy.load(load_rules=False)
    nlp.get_pipe("medspacy_target_matcher").add([
        TargetRule("calcification", "CALCIFICATION", pattern=r"(?i)\bcalc(?:ification|ific foci|s)\b"),
        TargetRule("mass", "MASS", pattern=r"(?i)\bmass\b"),
        # a match inside a token, resolved to whole tokens by medspaCy
        TargetRule("suprarenal", "ORGAN", pattern=r"(?i)renal\b")])
    nlp.get_pipe("medspacy_context").add([
        ConTextRule("no", "NEGATED_EXISTENCE", pattern=r"(?i)\bno\b", direction="FORWARD"),
        ConTextRule("not seen", "NEGATED_EXISTENCE", pattern=r"(?i)not\s+seen", direction="BACKWARD"),
        ConTextRule("cannot be excluded", "POSSIBLE_EXISTENCE", pattern=r"(?i)cannot be excluded",
                    direction="BACKWARD")])
    return nlp


def _read(nlp):
    doc = nlp(TEXT)
    return [(e.label_, e.start, e.end, sorted(m.category for m in e._.modifiers)) for e in doc.ents]


def test_matches_are_medspacys_own():
    stock = _read(_pipeline())
    nlp = _pipeline()
    changed = sum(match_text_once(nlp.get_pipe(name))
                  for name in ("medspacy_target_matcher", "medspacy_context"))
    assert changed == 2
    assert _read(nlp) == stock
    assert {"NEGATED_EXISTENCE"} <= {c for *_, categories in stock for c in categories}
    assert len(stock) >= 5


def test_a_component_without_matchers_is_refused():
    with pytest.raises(TypeError, match="no medspaCy regular-expression matcher"):
        match_text_once(medspacy.load(load_rules=False).get_pipe("medspacy_pyrush"))
