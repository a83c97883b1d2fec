#!/usr/bin/env python3
"""Benchmark the free-text reader against medspaCy's own pipeline on the same texts.

    python scripts/bench_text.py [corpus.jsonl ...] [--repeat 3]

For each report text of the corpora (default: three tuning corpora of tests/data),
times the whole path the analysis takes for a findings SR's text
(``scripts/evaluate_text.predict``: the reader's pipeline, its rules, the binding of
findings and the precedence of ``advisor.analyze``) and, as the reference in the same
run, a bare ``medspacy.load()`` pipeline (PyRuSH sentences, the target matcher and
ConText with no rules) over the same texts. It prints CPU and wall milliseconds per
report for both and the ratio of the reader to the reference (best of ``--repeat``
passes, interleaved, so that a load that comes and goes affects both alike).

CPU per report varies with the machine and its load (15-24 ms on the development machines,
21-45 ms seen on CI under its load), so the ratio is the figure to compare between machines.
Left out: start-up (importing spaCy and building the pipelines, once per process,
printed apart), reading the SR from DICOM, and the rest of the analysis.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from evaluate_text import predict  # noqa: E402

from advisor.evidence.text import default_reader  # noqa: E402

DEFAULT_CORPORA = [ROOT / "tests" / "data" / name
                   for name in ("reports_tune_m.jsonl", "reports_tune_bz.jsonl", "reports_tune_ct.jsonl")]


def _texts(paths: list[Path]) -> list[str]:
    return [json.loads(line)["text"] for path in paths
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _timed(run, texts: list[str]) -> tuple[float, float]:
    """CPU and wall milliseconds per text of ``run`` over ``texts``."""
    wall, cpu = time.perf_counter(), time.process_time()
    for text in texts:
        run(text)
    count = len(texts)
    return 1000 * (time.process_time() - cpu) / count, 1000 * (time.perf_counter() - wall) / count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="*", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    texts = _texts(args.corpus)

    started = time.process_time()
    default_reader()
    import medspacy
    reference = medspacy.load()
    print(f"start-up (both pipelines): {time.process_time() - started:.1f} s CPU")

    best = {"reader": (float("inf"),) * 2, "medspaCy": (float("inf"),) * 2}
    for _ in range(args.repeat):
        for name, run in (("reader", predict), ("medspaCy", reference)):
            best[name] = min(best[name], _timed(run, texts))
    print(f"{len(texts)} texts of {len(args.corpus)} corpora, best of {args.repeat} passes")
    for name, (cpu, wall) in best.items():
        print(f"  {name:<9} {cpu:6.2f} ms CPU per report  {wall:6.2f} ms wall")
    print(f"  reader / medspaCy: {best['reader'][0] / best['medspaCy'][0]:.2f}x CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
