"""The text reader measured on the labelled report corpora (scripts/evaluate_text.py).

``reports_tune.jsonl`` (written for this work), ``reports_tune_b.jsonl`` (written
blind by someone else, measured twice on frozen rules, then tuned on) and
``reports_tune_c.jsonl`` (the first blind set, measured once on the rules frozen at
d5339ee, then tuned on) are the material the rules were tuned on: no wrong CT and no
miss, and each keeps the field figures measured on it (docs/text.md).
``reports_test.jsonl`` is the held-out set (the second blind set), written by
someone who never saw the rules and measured once on the rules frozen at d4dd1fe
("Text rules frozen for the second blind evaluation"); its floors are the figures
measured then (docs/text.md).
"""

import json
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import evaluate_text  # noqa: E402

DATA = ROOT / "tests" / "data"
# The figures measured on each tuning corpus: a change to the rules may not lower them.
TUNING_FLOORS = {
    "reports_tune.jsonl": {"outcome": 1.0, "mass": 0.994, "calcification": 0.997,
                           "laterality": 0.998, "organ": 0.994, "follow_up": 1.0},
    "reports_tune_b.jsonl": {"outcome": 1.0, "mass": 1.0, "calcification": 1.0,
                             "laterality": 1.0, "organ": 0.994, "follow_up": 1.0},
    "reports_tune_c.jsonl": {"outcome": 1.0, "mass": 0.949, "calcification": 0.994,
                             "laterality": 0.958, "organ": 0.946, "follow_up": 0.976},
}
TUNING = tuple(TUNING_FLOORS)
HELD_OUT = DATA / "reports_test.jsonl"


@pytest.fixture(scope="module", params=TUNING)
def tune(request):
    return request.param, evaluate_text.evaluate(DATA / request.param)


@pytest.fixture(scope="module")
def held_out():
    assert HELD_OUT.is_file(), f"the held-out corpus {HELD_OUT.name} is missing"
    return evaluate_text.evaluate(HELD_OUT)


def _texts(name: str) -> set[str]:
    return {json.loads(line)["text"] for line in (DATA / name).read_text().splitlines()}


def test_corpora_are_large_enough_and_apart():
    assert HELD_OUT.is_file(), f"the held-out corpus {HELD_OUT.name} is missing"
    names = TUNING + (HELD_OUT.name,)
    for name in names:
        assert len(_texts(name)) >= 150, name
    shared = _texts(HELD_OUT.name) & set().union(*map(_texts, TUNING))
    # Two writers who never met both wrote "NAD." and "Normal abdominal ultrasound.".
    assert all(len(text.split()) <= 3 for text in shared), \
        "no held-out text is among the tuning texts"


def test_tuning_corpora_never_recommend_ct_wrongly_nor_miss(tune):
    name, result = tune
    floors = TUNING_FLOORS[name]
    assert result.wrongly_recommended == 0
    assert result.missed == 0
    assert result.outcome_accuracy >= floors["outcome"]
    for field in ("mass", "calcification", "laterality", "organ", "follow_up"):
        assert result.field_accuracy[field] >= floors[field], field


def test_held_out_corpus_keeps_its_measured_figures(held_out):
    # Measured once on the rules frozen at d4dd1fe (docs/text.md): a change may not lower
    # them. The targets are not all met yet (no wrong CT, laterality >= 0.95).
    assert held_out.outcome_accuracy >= 0.977
    assert held_out.wrongly_recommended <= 6
    assert held_out.missed <= 2
    assert held_out.field_accuracy["laterality"] >= 0.92
    assert held_out.field_accuracy["calcification"] >= 0.974
