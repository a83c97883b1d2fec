"""Free-text findings: laterality words and negation-aware terms."""

import pytest

from advisor.evidence import text


@pytest.mark.parametrize("phrase, side", [
    ("LT flank mass", "left"), ("L flank mass", "left"), ("Left renal mass", "left"),
    ("RT abdominal mass", "right"), ("R kidney", "right"), ("mass, right side", "right"),
    ("bilateral renal masses", "bilateral"), ("left and right kidneys", "bilateral"),
    ("R/O mass", None), ("L1 vertebra", None), ("abdominal mass", None),
])
def test_laterality_words(phrase, side):
    assert text.laterality(phrase) == side


@pytest.mark.parametrize("phrase, status", [
    ("Left flank mass with internal calcifications.", "present"),
    ("calcified mass", "present"),
    ("Right renal mass. No calcification.", "absent"),
    ("mass without calcific foci", "absent"),
    ("calcification: absent", "absent"),
    ("calcifications not seen", "absent"),
    ("negative for calcification", "absent"),
    ("?calcification", None),
    ("possible calcification", None),
    ("rule out calcified mass", None),
    ("echogenic mass", None),
])
def test_calcification_with_negation_and_hedges(phrase, status):
    assert text.term_status(phrase, "calcification") == status


def test_negation_stays_in_its_clause():
    phrase = "No free fluid. Left flank mass with calcification."
    assert text.term_status(phrase, "calcification") == "present"
    assert text.term_status(phrase, "mass") == "present"


def test_mass_negated():
    assert text.term_status("No mass seen in either kidney", "mass") == "absent"
