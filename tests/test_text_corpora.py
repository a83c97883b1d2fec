"""The text reader measured on both labelled report corpora (scripts/evaluate_text.py).

``reports_tune.jsonl`` is the half the rules were tuned on; ``reports_test.jsonl``
was written blind by someone who had not seen the code and is only measured.
The floors are the figures measured when the rules were frozen (docs/text.md),
so a change that reads reports worse fails here.
"""

import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import evaluate_text  # noqa: E402

DATA = ROOT / "tests" / "data"


@pytest.fixture(scope="module")
def tune():
    return evaluate_text.evaluate(DATA / "reports_tune.jsonl")


@pytest.fixture(scope="module")
def held_out():
    return evaluate_text.evaluate(DATA / "reports_test.jsonl")


def test_corpora_are_large_enough_and_apart():
    tune_items = (DATA / "reports_tune.jsonl").read_text().splitlines()
    test_items = (DATA / "reports_test.jsonl").read_text().splitlines()
    assert len(tune_items) >= 150 and len(test_items) >= 150
    assert not {line.split('"text": ')[1] for line in tune_items} & {
        line.split('"text": ')[1] for line in test_items}, "no text is in both halves"


def test_tuning_half_never_recommends_ct_wrongly_nor_misses(tune):
    assert tune.wrongly_recommended == 0
    assert tune.missed == 0
    assert tune.outcome_accuracy >= 0.99
    assert tune.field_accuracy["laterality"] >= 0.98


def test_held_out_half_keeps_its_measured_figures(held_out):
    # Measured when the rules were frozen (docs/text.md): outcome 0.985, laterality 0.893,
    # 1 CT wrongly recommended, 2 of 61 recommendations missed. The issue's
    # targets (no wrong CT, missed <= 2%, laterality >= 0.95) are not met yet.
    assert held_out.outcome_accuracy >= 0.98
    assert held_out.wrongly_recommended <= 1
    assert held_out.missed <= 2
    assert held_out.field_accuracy["laterality"] >= 0.89
    assert held_out.field_accuracy["calcification"] >= 0.97


def test_text_analysis_takes_under_20_ms_per_report(tune):
    # CPU time of this process: the shared test machine's load does not count.
    assert tune.cpu_ms_per_report <= 20
