"""Measure the free-text reader on a labelled corpus of report texts.

Each line of a corpus (tests/data/reports_*.jsonl) is one report text with the
labels a careful radiologist gives it: mass and calcification
(present|absent|unknown), laterality of THE mass (left|right|bilateral|none),
organ of origin, follow-up of a known tumour, suspected adrenal haemorrhage.
Every text goes through the same path as a free-text findings SR
(``text_observations`` then the precedence of ``advisor.analyze``).

The expected outcome of an item is ``recommended`` iff mass present and
calcification present and not follow-up and not haemorrhage and organ not liver
or ovary; the predicted outcome is computed the same way from the reader's
output, so this measures the reader, independent of the protocol files.

    python scripts/evaluate_text.py tests/data/reports_tune.jsonl [--errors]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from advisor.analyze import mass_details, resolve
from advisor.evidence.text import default_reader, text_observations

FIELDS = ("mass", "calcification", "laterality", "organ", "follow_up", "haemorrhage")
EXCLUDED_ORGANS = ("liver", "ovary")


def outcome(labels: dict) -> str:
    """``recommended`` or ``not-indicated`` from one set of labels."""
    fires = (labels["mass"] == "present" and labels["calcification"] == "present"
             and not labels["follow_up"] and not labels["haemorrhage"]
             and labels["organ"] not in EXCLUDED_ORGANS)
    return "recommended" if fires else "not-indicated"


def predict(text: str) -> dict:
    """The reader's labels for one text, as the analysis resolves them."""
    observations = list(text_observations(text, "sr-text", "1.2.3", "findings SR text"))
    mass = resolve(observations, "mass").status
    details = mass_details(observations)
    return {"mass": mass,
            "calcification": resolve(observations, "calcification").status,
            "laterality": (resolve(observations, "laterality").value or "none"),
            "organ": details.organ,
            "follow_up": "known-tumour-follow-up" in details.context,
            "haemorrhage": "adrenal-haemorrhage" in details.context}


@dataclass
class Result:
    items: int
    field_accuracy: dict[str, float]
    kind_accuracy: dict[str, tuple[int, int]]      # kind -> (outcome right, items)
    confusion: Counter                              # (expected, predicted) -> count
    ms_per_report: float                            # wall clock
    cpu_ms_per_report: float                        # this process's CPU time (load-independent)
    errors: list[tuple[dict, dict]]

    @property
    def outcome_accuracy(self) -> float:
        return sum(n for (e, p), n in self.confusion.items() if e == p) / self.items

    @property
    def wrongly_recommended(self) -> int:
        return self.confusion[("not-indicated", "recommended")]

    @property
    def missed(self) -> int:
        return self.confusion[("recommended", "not-indicated")]

    @property
    def expected_recommended(self) -> int:
        return sum(n for (e, _), n in self.confusion.items() if e == "recommended")


def evaluate(path: Path) -> Result:
    """Run the reader over every item of ``path`` and compare with its labels."""
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    default_reader()  # start-up is not part of the per-report time
    right: Counter = Counter()
    per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    confusion: Counter = Counter()
    errors = []
    started, cpu_started = time.perf_counter(), time.process_time()
    predictions = [predict(item["text"]) for item in items]
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    for item, predicted in zip(items, predictions):
        for field in FIELDS:
            right[field] += predicted[field] == item[field]
        expected_outcome, predicted_outcome = outcome(item), outcome(predicted)
        confusion[(expected_outcome, predicted_outcome)] += 1
        per_kind[item["kind"]][0] += expected_outcome == predicted_outcome
        per_kind[item["kind"]][1] += 1
        if any(predicted[f] != item[f] for f in FIELDS) or expected_outcome != predicted_outcome:
            errors.append((item, predicted))
    return Result(len(items), {f: right[f] / len(items) for f in FIELDS},
                  {k: (v[0], v[1]) for k, v in sorted(per_kind.items())}, confusion,
                  1000 * elapsed / len(items), 1000 * cpu / len(items), errors)


def report(path: Path, result: Result) -> str:
    lines = [f"{path} ({result.items} texts, {result.ms_per_report:.1f} ms per report, "
             f"{result.cpu_ms_per_report:.1f} ms CPU)",
             f"  outcome accuracy     {result.outcome_accuracy:.3f}",
             f"  wrongly recommended  {result.wrongly_recommended}",
             f"  missed               {result.missed} of {result.expected_recommended} "
             f"({result.missed / max(result.expected_recommended, 1):.1%})",
             "  field accuracy:"]
    lines += [f"    {field:<14} {value:.3f}" for field, value in result.field_accuracy.items()]
    lines.append("  outcome accuracy per kind:")
    lines += [f"    {kind:<18} {ok}/{n}" for kind, (ok, n) in result.kind_accuracy.items()]
    lines.append("  outcomes (expected -> predicted):")
    lines += [f"    {e:<14} -> {p:<14} {n}" for (e, p), n in sorted(result.confusion.items())]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="+", type=Path)
    parser.add_argument("--errors", action="store_true",
                        help="print each wrong item (only on the half you tune on)")
    args = parser.parse_args(argv)
    for path in args.corpus:
        result = evaluate(path)
        print(report(path, result))
        if args.errors:
            for item, predicted in result.errors:
                wrong = {f: (item[f], predicted[f]) for f in FIELDS if item[f] != predicted[f]}
                print(f"  {item['id']} [{item['kind']}] {item['text']!r}\n      expected/got {wrong}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
