#!/usr/bin/env python3
"""How well the side is read from burned-in annotations, and what OCR costs per series.

    python scripts/evaluate_ocr.py [--count 200] [--first-seed 0] [--failures]

Renders ``--count`` synthetic US images (``annotation_phantoms.py``: vendor-like
labels such as "TRANS LT KIDNEY", "RUQ", "L ADRENAL" in several fonts, sizes,
colours and corners, grey, RGB and JPEG Baseline with artefacts, some with a
label of the other side typed over the tissue), reads each as its own series
through the analysis (OCR, annotation vocabulary, text reader) and reports:

- side right: the side read is the side the label names (labels naming none
  must give none);
- opposite side: a side read that the label does not name (the error that must
  not happen);
- seconds per series: wall clock of the analysis without the detector (header,
  decoding the first frame, OCR), and its CPU time (Tesseract runs in this process;
  the wall clock depends on the machine's load, CPU less).

Seeds 1000 and up were used while tuning; the figures in docs/ocr.md are from
seeds 0-199, which were not looked at before.

    python scripts/evaluate_ocr.py --independent DIR

reads instead the images of a folder made by ``simulate_bmode.py`` (another
author's simulator: hospital and machine settings text beside the fan, words
such as "RT KIDNEY" or "LT KIDNEY" typed inside the sector, never a side label
beside it) and reports on how many a side was read: each is a side taken from
text over the tissue, or invented.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import annotation_phantoms as ap  # noqa: E402

from advisor.analyze import analyze_study  # noqa: E402
from advisor.evidence import ocr  # noqa: E402
from advisor.evidence.header import read_header  # noqa: E402


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def evaluate(seed: int, folder: Path) -> tuple[ap.AnnotationCase, str | None, float, float]:
    """(case, side read, wall seconds, CPU seconds) for one image."""
    case = ap.draw_case(seed)
    path = folder / f"{seed}.dcm"
    ap.write_case(case, seed, path)
    ds = read_header(path)
    started = time.perf_counter(), cpu_seconds()
    facts = analyze_study(str(ds.StudyInstanceUID), [(path, ds)], detect=False)
    return (case, facts.laterality.value, time.perf_counter() - started[0],
            cpu_seconds() - started[1])


def independent(folder: Path) -> None:
    """Sides read on ``simulate_bmode.py`` images, where no label beside the fan names one."""
    truth = json.loads((folder / "truth.json").read_text())
    read = []
    for image in truth["images"]:
        path = folder / image["file"]
        reading = ocr.read_series(path, read_header(path))
        if any(a.side for a in reading.annotations):
            read.append((image["file"], [a.text for a in reading.annotations]))
    print(f"independent images: {len(truth['images'])} ({folder}); side read on {len(read)}")
    for name, texts in read:
        print(f"  {name}: {texts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--failures", action="store_true", help="list every case read wrong")
    parser.add_argument("--independent", type=Path, metavar="DIR",
                        help="a folder made by simulate_bmode.py, read instead of rendered labels")
    args = parser.parse_args()
    if not ocr.tesseract_available():
        sys.exit("Tesseract cannot read English here: pip install tesserocr; apt-get install tesseract-ocr-eng")
    if args.independent:
        independent(args.independent)
        return
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.first_seed, args.first_seed + args.count):
            results.append((seed, *evaluate(seed, Path(tmp))))
    right = [r for r in results if r[2] == r[1].side]
    opposite = [r for r in results if r[2] is not None and r[2] != r[1].side]
    sided = [r for r in results if r[1].side]
    unread = [r for r in sided if r[2] is None]
    walls, cpu = ([r[k] for r in results] for k in (3, 4))
    print(f"annotations: {len(results)} (seeds {args.first_seed}-{args.first_seed + args.count - 1}), "
          f"{len(sided)} naming a side, {len(results) - len(sided)} naming none, "
          f"{sum(1 for r in results if r[1].decoy)} with a label of another side over the tissue")
    print(f"side right: {len(right)}/{len(results)} = {len(right) / len(results):.3f}")
    print(f"opposite or invented side: {len(opposite)}")
    print(f"side not read (unknown): {len(unread)}/{len(sided)}")
    print(f"analysis without detector per series: median {statistics.median(walls):.2f} s, "
          f"max {max(walls):.2f} s wall; CPU median {statistics.median(cpu):.3f} s (decoding, masks, "
          f"upscaling, Tesseract)")
    if args.failures:
        for seed, case, side, *_ in results:
            if side != case.side:
                print(f"  seed {seed}: read {side}, drawn {case}")


if __name__ == "__main__":
    main()
